"""Independent references for test/tiles/store-operator.test.ts, from the assembled K.npy with numpy alone.

usage: store_reference.py DIR B K RIDGE
reads  DIR/K.npy (float32, n x n), DIR/V.f64 (n x B float64, row-major), DIR/Y.f64 (n x K)
writes DIR/KV.f64 (K V in float64), DIR/eig.f64 (eigvalsh, descending), DIR/sol.f64 ((K + RIDGE I)^{-1} Y),
       DIR/stats.json (trace, frobenius, effective rank, sum, max |K|, and the off-diagonal sum of squares of K with its
       top 10 eigenpairs deflated, K - U diag(l) U^T, and of its square: the Hutchinson variances of deflated SLQ)
"""
import json
import sys

import numpy as np

d, b, k, ridge = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
K = np.load(f"{d}/K.npy").astype(np.float64)
n = K.shape[0]
V = np.fromfile(f"{d}/V.f64", dtype="<f8").reshape(n, b)
Y = np.fromfile(f"{d}/Y.f64", dtype="<f8").reshape(n, k)
(K @ V).astype("<f8").tofile(f"{d}/KV.f64")
np.linalg.eigvalsh(K)[::-1].astype("<f8").tofile(f"{d}/eig.f64")
np.linalg.solve(K + ridge * np.eye(n), Y).astype("<f8").tofile(f"{d}/sol.f64")
w, U = np.linalg.eigh(K)
Kd = K - (U[:, -10:] * w[-10:]) @ U[:, -10:].T
deflated_off = float((Kd ** 2).sum() - (np.diag(Kd) ** 2).sum())
Kd2 = Kd @ Kd
deflated_square_off = float((Kd2 ** 2).sum() - (np.diag(Kd2) ** 2).sum())
tr = float(np.trace(K))
fro = float(np.linalg.norm(K, "fro"))
json.dump({"trace": tr, "frobenius": fro, "effectiveRank": tr * tr / fro ** 2, "sum": float(K.sum()), "maxAbs": float(np.abs(K).max()),
           "diagonal": np.diag(K).tolist(), "deflatedOffDiagonal10": deflated_off,
           "deflatedSquareOffDiagonal10": deflated_square_off}, open(f"{d}/stats.json", "w"))
