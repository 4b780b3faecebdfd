"""Reference for test/tiles/store-cli.test.ts: kernel ridge by numpy from the assembled kernels.

usage: store_cli_reference.py DIR RIDGE
reads  DIR/K.npy (n x n), DIR/Kc.npy (m x n cross kernel K(x*, x)); writes DIR/y.npy (n x 2 float64 targets, seeded),
       DIR/ref_alpha.npy = solve(K + RIDGE I, y), DIR/ref_pred.npy = Kc alpha, DIR/ref.json (top-5 eigenvalues, stats)
"""
import json
import sys

import numpy as np

d, ridge = sys.argv[1], float(sys.argv[2])
K = np.load(f"{d}/K.npy").astype(np.float64)
Kc = np.load(f"{d}/Kc.npy").astype(np.float64)
n = K.shape[0]
y = np.random.default_rng(0).standard_normal((n, 2))
np.save(f"{d}/y.npy", y)
alpha = np.linalg.solve(K + ridge * np.eye(n), y)
np.save(f"{d}/ref_alpha.npy", alpha)
np.save(f"{d}/ref_pred.npy", Kc @ alpha)
tr = float(np.trace(K))
fro = float(np.linalg.norm(K))
json.dump({"top": np.linalg.eigvalsh(K)[::-1][:5].tolist(), "trace": tr, "frobenius": fro, "effectiveRank": tr * tr / fro ** 2}, open(f"{d}/ref.json", "w"))
