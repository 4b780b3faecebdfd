"""Independent references for test/tiles/store-extras.test.ts (Hutch++, pivoted Cholesky, gradient flow on the store),
from the assembled kernels with numpy and scipy alone.

usage: store_extras_reference.py DIR K RANK LR TIMES RIDGE
reads  DIR/K.npy (float32 n x n training kernel), DIR/Kx.npy (float32 m x n cross kernel), DIR/Y.f64 (n x K float64)
writes DIR/extras.json: exact trace of K and Hutchinson's variance term (||K||_F^2 - sum K_ii^2), the dense test
         matrix's trace and its Hutchinson term; textbook greedy pivoted Cholesky pivots (rank RANK)
       DIR/A.f64: the dense n_a x n_a test matrix A = Q diag(1 / i) Q^T (Q Haar-orthogonal from seed 0)
       DIR/B.f64: low rank plus noise, Q diag(20 spikes from 10 to 2, then 0.01) Q^T (same Q)
       DIR/pchol.f64: the pivoted-Cholesky factor L (n x RANK, row-major)
       DIR/gd-train.f64, DIR/gd-test.f64: for each time in TIMES (comma-separated, 'inf' allowed) the gradient-flow
         predictions (I - exp(-tau K)) y (n x K) and Kx K^{-1} (I - exp(-tau K)) y (m x K), tau = LR t / (n K), by eigh
       DIR/gd-expm.f64: the training predictions again by scipy.sparse.linalg.expm_multiply (finite times only)
       DIR/sol.f64: (K + RIDGE I)^{-1} Y by numpy.linalg.solve
       DIR/gd-reg-train.f64, DIR/gd-reg-test.f64: the same two with K + RIDGE I in place of K (diagReg)
"""
import json
import sys

import numpy as np
from scipy.sparse.linalg import expm_multiply

d, k, rank, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
ridge = float(sys.argv[6])
times = [np.inf if t == "inf" else float(t) for t in sys.argv[5].split(",")]
K = np.load(f"{d}/K.npy").astype(np.float64)
Kx = np.load(f"{d}/Kx.npy").astype(np.float64)
n = K.shape[0]
Y = np.fromfile(f"{d}/Y.f64", dtype="<f8").reshape(n, k)


def hutchinson_term(a):
    return float((a ** 2).sum() - (np.diag(a) ** 2).sum())


# The dense case: a power-law spectrum 1/i, where Hutch++'s O(1/m) is tight and Hutchinson's 1/sqrt(m) is slow.
na = 400
Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((na, na)))
lam = 1.0 / np.arange(1, na + 1)
A = (Q * lam) @ Q.T
A = 0.5 * (A + A.T)
A.astype("<f8").tofile(f"{d}/A.f64")
B = (Q * np.r_[np.linspace(10, 2, 20), np.full(na - 20, 0.01)]) @ Q.T
B = 0.5 * (B + B.T)
B.astype("<f8").tofile(f"{d}/B.f64")

# Textbook greedy pivoted Cholesky (Harbrecht, Peters & Schneider 2012), float64, one column at a time.
diag = np.diag(K).copy()
L = np.zeros((n, rank))
piv = []
for s in range(rank):
    p = int(np.argmax(diag))
    piv.append(p)
    L[:, s] = (K[:, p] - L[:, :s] @ L[p, :s]) / np.sqrt(diag[p])
    diag -= L[:, s] ** 2
    diag[p] = 0.0
L.astype("<f8").tofile(f"{d}/pchol.f64")



def flow(Kt):
    w, V = np.linalg.eigh(Kt)
    c = V.T @ Y
    train, test = [], []
    for t in times:
        tau = lr * t / (n * k)
        one_minus = np.ones_like(w) if np.isinf(tau) else -np.expm1(-tau * w)
        train.append(V @ (one_minus[:, None] * c))
        test.append(Kx @ (V @ ((one_minus / w)[:, None] * c)))
    return np.concatenate(train), np.concatenate(test)


train, test = flow(K)
train.astype("<f8").tofile(f"{d}/gd-train.f64")
test.astype("<f8").tofile(f"{d}/gd-test.f64")
reg_train, reg_test = flow(K + ridge * np.eye(n))
reg_train.astype("<f8").tofile(f"{d}/gd-reg-train.f64")
reg_test.astype("<f8").tofile(f"{d}/gd-reg-test.f64")
expm = [Y - expm_multiply(-(lr * t / (n * k)) * K, Y) for t in times if not np.isinf(t)]
w = np.linalg.eigvalsh(K)
np.linalg.solve(K + ridge * np.eye(n), Y).astype("<f8").tofile(f"{d}/sol.f64")
np.concatenate(expm).astype("<f8").tofile(f"{d}/gd-expm.f64")
json.dump({"trace": float(np.trace(K)), "hutchinsonK": hutchinson_term(K), "traceA": float(np.trace(A)), "hutchinsonA": hutchinson_term(A),
           "traceB": float(np.trace(B)), "hutchinsonB": hutchinson_term(B),
           "pivots": piv, "eigMin": float(w[0]), "eigMax": float(w[-1])}, open(f"{d}/extras.json", "w"))
