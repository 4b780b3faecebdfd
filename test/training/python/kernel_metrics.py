"""Independent numpy recomputation of ntk-lab's training kernel metrics (test/training/metrics.test.ts).

Usage: kernel_metrics.py DIR. DIR holds cases.json: a list of cases, each naming .npy files in DIR:
  {"k": "K.npy", "k0": "K0.npy" | null, "kprev": "Kp.npy" | null, "dt": steps since kprev, "y": "Y.npy" | null,
   "components": ["C1.npy", ...], "components0": ["C1_0.npy", ...], "topk": int}
Prints one JSON list, one object per case, with the formulas of docs/training.md written out plainly in numpy.
"""
import json
import os
import sys

import numpy as np


def load(d, name):
    return None if name is None else np.load(os.path.join(d, name)).astype(np.float64)


def distance(a, b):
    return 1.0 - np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b))


def alignment(k, y):
    yy = y @ y.T
    return float(np.sum(k * yy) / (np.linalg.norm(k) * np.linalg.norm(yy)))


def centred(k, y):
    n = k.shape[0]
    h = np.eye(n) - np.ones((n, n)) / n
    return alignment(h @ k @ h, h @ y)


def main():
    d = sys.argv[1]
    cases = json.load(open(os.path.join(d, "cases.json")))
    out = []
    for c in cases:
        k = load(d, c["k"])
        r = {}
        k0 = load(d, c.get("k0"))
        if k0 is not None:
            r["kernel_distance"] = float(distance(k0, k))
            r["kernel_change"] = float(np.linalg.norm(k - k0) / np.linalg.norm(k0))
        kp = load(d, c.get("kprev"))
        if kp is not None:
            r["kernel_velocity"] = float(distance(kp, k) / c["dt"])
        y = load(d, c.get("y"))
        if y is not None:
            r["alignment"] = alignment(k, y)
            r["centred_alignment"] = centred(k, y)
        comps = [load(d, f) for f in c.get("components", [])]
        comps0 = [load(d, f) for f in c.get("components0", [])]
        r["trace_share"] = [float(np.trace(ci) / np.trace(k)) for ci in comps]
        r["layer_change"] = [float(np.linalg.norm(ci - c0) / np.linalg.norm(c0)) for ci, c0 in zip(comps, comps0)]
        top = c.get("topk", 0)
        if top:
            w, v = np.linalg.eigh(k)
            order = np.argsort(w)[::-1][:top]
            r["eigenvalue"] = [float(w[i]) for i in order]
            if y is not None:
                r["eigen_alignment"] = [float(np.sum((v[:, i] @ y) ** 2) / np.sum(y ** 2)) for i in order]
        out.append(r)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
