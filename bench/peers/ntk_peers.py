#!/usr/bin/env python3
"""Peer implementations of the empirical MLP NTK, timed side by side with ntk-lab.

    .venv/bin/python bench/peers/ntk_peers.py --dir DIR --impl numpy,torch,torch-func --threads 2 --repeat 3
    .venv/bin/python bench/peers/ntk_peers.py --selftest
    .venv/bin/python bench/peers/ntk_peers.py --make DIR --input-dim 784 --widths 512,512,512 --n 1000 [--seed 0 ...]

DIR holds meta.json {"inputDim","widths","outputDim","activation","parameterization","bias","weightStd",
"biasStd","n"} and raw little-endian float32 files x.f32 (n x n_0 row-major), W1.f32..W{L+1}.f32
(n_{l-1} x n_l row-major) and b1.f32..b{L+1}.f32 (when bias). For each implementation the n x n NTK of x with
itself (k = 1; for k > 1 the 'trace' layout, sum_a Theta_aa) is computed in float32, the best of --repeat runs
is timed (loading excluded), DIR/kernel_<impl>.f32 (n x n float32) is written and one JSON line per impl is
printed: {"impl", "seconds", "threads", "flops", "flops_dense", "peak_bytes", ...}.

  flops        the floating-point operations this implementation executes (numpy's `A @ A.T` runs a symmetric
               syrk, n(n+1)d flops, not 2n^2 d; torch's runs a full gemm)
  flops_dense  the same algorithm counted with every product as a dense gemm (2 m n k), comparable across impls
  peak_bytes   growth of the process's resident set (VmHWM) during the first run above the resident set before it
  runs         every run's seconds (the first one includes first-touch page faults of fresh memory)

By default each implementation runs in its own child process (so numpy's OpenBLAS threads and torch's OpenMP
threads never compete for the cores, and peak_bytes is not hidden by memory freed by an earlier impl);
--inline runs them in this process.

Network convention (identical to ntk-lab's MLP and test/fixtures/ntk/README.md): layers l = 1..L+1, n_{L+1} = k,
  'ntk':      z_l = (sw/sqrt(n_{l-1})) h_{l-1} W_l + sb b_l
  'standard': z_l = h_{l-1} W_l + b_l
h_l = phi(z_l) for l <= L, f = z_{L+1}; Theta = sum over the trainable W_l, b_l of df/dp df/dp.

Thread counts are set (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS, torch.set_num_threads) before
numpy / torch are imported; nothing else in the environment is changed (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE and
the like are left as inherited).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

IMPLS = ("numpy", "torch", "torch-func")
TORCH_FUNC_MAX_N = 1000


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", help="case directory (meta.json, x.f32, W*.f32, b*.f32)")
    ap.add_argument("--impl", default="numpy,torch", help="comma list of: " + ", ".join(IMPLS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--allow-slow", action="store_true",
                    help=f"run torch-func even when n > {TORCH_FUNC_MAX_N} (it holds the n x P Jacobian)")
    ap.add_argument("--components", action="store_true",
                    help="also write DIR/kernel_<impl>_layer{l}_{weight,bias}.f32 (explicit impls; not timed)")
    ap.add_argument("--inline", action="store_true", help="run all impls in this process (no child processes)")
    ap.add_argument("--selftest", action="store_true", help="tiny random nets: numpy vs torch vs autodiff, and fixtures")
    ap.add_argument("--make", metavar="DIR", help="write a random case (weights N(0,1), x N(0,1)) to DIR and exit")
    ap.add_argument("--input-dim", type=int, default=784)
    ap.add_argument("--widths", default="512,512,512")
    ap.add_argument("--output-dim", type=int, default=1)
    ap.add_argument("--activation", default="relu")
    ap.add_argument("--parameterization", default="ntk", choices=("ntk", "standard"))
    ap.add_argument("--no-bias", action="store_true")
    ap.add_argument("--weight-std", type=float, default=1.0)
    ap.add_argument("--bias-std", type=float, default=1.0)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


ARGS = parse_args()
_t = str(max(1, ARGS.threads))
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _t

import numpy as np  # noqa: E402  (after the thread variables)

# ----------------------------------------------------------------------------------------------------------------
# case I/O


def dims_of(meta):
    return [meta["inputDim"], *meta["widths"], meta["outputDim"]]


def load_case(d):
    with open(os.path.join(d, "meta.json")) as fh:
        meta = json.load(fh)
    dims = dims_of(meta)
    n = meta["n"]

    def rd(name, shape):
        a = np.fromfile(os.path.join(d, name), dtype="<f4")
        if a.size != math.prod(shape):
            raise ValueError(f"{name}: {a.size} floats, expected {shape}")
        return a.reshape(shape).astype(np.float32, copy=False)

    x = rd("x.f32", (n, dims[0]))
    Ws = [rd(f"W{l}.f32", (dims[l - 1], dims[l])) for l in range(1, len(dims))]
    bs = [rd(f"b{l}.f32", (dims[l],)) for l in range(1, len(dims))] if meta["bias"] else None
    return meta, x, Ws, bs


def write_case(d, meta, x, Ws, bs):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "meta.json"), "w") as fh:
        json.dump(meta, fh)
    np.asarray(x, "<f4").tofile(os.path.join(d, "x.f32"))
    for l, W in enumerate(Ws, start=1):
        np.asarray(W, "<f4").tofile(os.path.join(d, f"W{l}.f32"))
    if bs is not None:
        for l, b in enumerate(bs, start=1):
            np.asarray(b, "<f4").tofile(os.path.join(d, f"b{l}.f32"))


def random_case(meta, seed, init="ntk"):
    """x ~ N(0,1); weights N(0,1) ('ntk' init, what the bench uses) or the standard-parameterisation init."""
    rng = np.random.default_rng(seed)
    dims = dims_of(meta)
    x = rng.standard_normal((meta["n"], dims[0])).astype(np.float32)
    Ws, bs = [], []
    for l in range(1, len(dims)):
        W = rng.standard_normal((dims[l - 1], dims[l]))
        b = rng.standard_normal(dims[l])
        if init == "standard":
            W *= meta["weightStd"] / math.sqrt(dims[l - 1])
            b *= meta["biasStd"]
        Ws.append(W.astype(np.float32))
        bs.append(b.astype(np.float32))
    return x, Ws, (bs if meta["bias"] else None)


def scales(meta):
    """Per layer (weight scale, bias scale) multiplying h W and b in the forward pass."""
    dims = dims_of(meta)
    out = []
    for l in range(1, len(dims)):
        if meta["parameterization"] == "ntk":
            out.append((meta["weightStd"] / math.sqrt(dims[l - 1]), meta["biasStd"]))
        else:
            out.append((1.0, 1.0))
    return out


# ----------------------------------------------------------------------------------------------------------------
# flop counts


def flop_counts(meta, impl):
    """(flops executed, dense-gemm-equivalent flops) of one NTK of n points with itself, trace layout."""
    dims = dims_of(meta)
    n, k, L1 = meta["n"], meta["outputDim"], len(dims) - 1
    L = L1 - 1
    bias = meta["bias"]
    mm = 0  # non-Gram matmuls and elementwise work (same in both counts)
    # forward: z_l = s h W (+ s_b b), phi and phi' for hidden layers
    for l in range(1, L + 1):
        mm += 2 * n * dims[l - 1] * dims[l] + n * dims[l] * (3 if bias else 1) + 2 * n * dims[l]
    # backward: Delta_L = s_{L+1} W_{L+1}^T * phi'(z_L) (broadcast), then matmuls
    if L >= 1:
        mm += 2 * n * k * dims[L]
    for l in range(L - 1, 0, -1):
        mm += 2 * n * k * dims[l + 1] * dims[l] + 2 * n * k * dims[l]
    # Grams: H_{l-1} (width dims[l-1]) for l = 1..L+1, Delta_l (width k*dims[l]) for l = 1..L
    gram_widths = [dims[l - 1] for l in range(1, L1 + 1)] + [k * dims[l] for l in range(1, L + 1)]
    dense_gram = sum(2 * n * n * w for w in gram_widths)
    sym_gram = sum(n * (n + 1) * w for w in gram_widths)
    # Hadamard products, scaling, bias terms and accumulation: about 5 n^2 per layer
    elem = 5 * n * n * L1
    if impl == "torch-func":
        P = sum(dims[l - 1] * dims[l] + (dims[l] if bias else 0) for l in range(1, L1 + 1))
        # forward + per-example backward (as matmuls), the per-example weight-gradient outer products (n k P),
        # then the Jacobian contraction J J^T (n x kP times kP x n)
        fb = sum(2 * n * dims[l - 1] * dims[l] for l in range(1, L1 + 1)) * (1 + k)
        total = fb + n * k * P + 2 * n * n * k * P
        return total, total
    dense = mm + dense_gram + elem
    executed = mm + (sym_gram if impl == "numpy" else dense_gram) + elem
    return executed, dense


# ----------------------------------------------------------------------------------------------------------------
# numpy: explicit layer-by-layer NTK


def _np_act(name):
    """(phi, phi') on float32 arrays, in numpy (scipy.special for erf)."""
    f32 = np.float32
    if name == "relu":
        return (lambda z: np.maximum(z, f32(0))), (lambda z: (z > 0).astype(np.float32))
    if name == "tanh":
        def d(z):
            t = np.tanh(z)
            return f32(1) - t * t
        return np.tanh, d
    if name == "erf":
        from scipy.special import erf
        c = f32(2 / math.sqrt(math.pi))
        return erf, (lambda z: c * np.exp(-(z * z)))
    if name == "sigmoid":
        sig = lambda z: f32(1) / (f32(1) + np.exp(-z))  # noqa: E731
        return sig, (lambda z: sig(z) * (f32(1) - sig(z)))
    if name == "gelu":
        from scipy.special import erf
        r2, c = f32(1 / math.sqrt(2)), f32(1 / math.sqrt(2 * math.pi))
        return (lambda z: f32(0.5) * z * (f32(1) + erf(z * r2))), \
            (lambda z: f32(0.5) * (f32(1) + erf(z * r2)) + z * c * np.exp(f32(-0.5) * z * z))
    if name == "softplus":
        return (lambda z: np.logaddexp(z, f32(0))), (lambda z: f32(1) / (f32(1) + np.exp(-z)))
    if name == "linear":
        return (lambda z: z), (lambda z: np.ones_like(z))
    raise ValueError(f"unknown activation {name!r}")


def ntk_numpy(meta, x, Ws, bs, components=False):
    """Theta (n x n, trace over outputs) and, if asked, the per-tensor components {label: n x n}."""
    phi, dphi = _np_act(meta["activation"])
    sc = scales(meta)
    L1 = len(Ws)
    n, k = x.shape[0], Ws[-1].shape[1]
    f32 = np.float32
    # forward: keep h_{l-1} for the Grams and phi'(z_l) for the deltas
    H, dP = [x], []
    for l in range(1, L1):
        s, sbl = sc[l - 1]
        z = H[-1] @ Ws[l - 1]
        if s != 1.0:
            z *= f32(s)
        if bs is not None:
            z += f32(sbl) * bs[l - 1]
        H.append(phi(z))
        dP.append(dphi(z))
    # backward: Delta_l as (n, k, n_l); Delta_{L+1} = e_a per output a
    deltas = [None] * (L1 + 1)
    if L1 >= 2:
        s = f32(sc[L1 - 1][0])
        d = (s * Ws[L1 - 1].T)[None, :, :] * dP[L1 - 2][:, None, :]  # (n, k, n_L)
        deltas[L1 - 1] = d
        for l in range(L1 - 2, 0, -1):
            s = f32(sc[l][0])
            d = (d.reshape(n * k, -1) @ Ws[l].T).reshape(n, k, -1)
            if s != 1.0:
                d *= s
            d *= dP[l - 1][:, None, :]
            deltas[l] = d
    theta = np.zeros((n, n), dtype=np.float32)
    comps = {}
    for l in range(1, L1 + 1):
        s, sbl = sc[l - 1]
        h = H[l - 1]
        G = h @ h.T  # symmetric Gram (syrk)
        if l == L1:
            D = None  # Delta_{L+1} Delta_{L+1}^T summed over outputs = k * ones
            G *= f32(k * s * s)
        else:
            A = deltas[l].reshape(n, -1)
            D = A @ A.T
            G *= f32(s * s)
            G *= D
        theta += G
        if components:
            comps[f"layer{l}/weight"] = G
        if bs is not None:
            if D is None:
                theta += f32(k * sbl * sbl)
                if components:
                    comps[f"layer{l}/bias"] = np.full((n, n), k * sbl * sbl, dtype=np.float32)
            else:
                D *= f32(sbl * sbl)
                theta += D
                if components:
                    comps[f"layer{l}/bias"] = D
    return theta, comps


# ----------------------------------------------------------------------------------------------------------------
# torch: the same explicit algorithm


def _torch():
    import torch
    torch.set_num_threads(max(1, ARGS.threads))
    return torch


def _torch_act(torch, name):
    if name == "relu":
        return torch.relu, (lambda z: (z > 0).to(z.dtype))
    if name == "tanh":
        def d(z):
            t = torch.tanh(z)
            return 1 - t * t
        return torch.tanh, d
    if name == "erf":
        c = 2 / math.sqrt(math.pi)
        return torch.erf, (lambda z: c * torch.exp(-z * z))
    if name == "sigmoid":
        def d(z):
            s = torch.sigmoid(z)
            return s * (1 - s)
        return torch.sigmoid, d
    if name == "gelu":
        c = 1 / math.sqrt(2 * math.pi)
        return (lambda z: torch.nn.functional.gelu(z)), \
            (lambda z: 0.5 * (1 + torch.erf(z / math.sqrt(2))) + z * c * torch.exp(-0.5 * z * z))
    if name == "softplus":
        return torch.nn.functional.softplus, torch.sigmoid
    if name == "linear":
        return (lambda z: z), torch.ones_like
    raise ValueError(f"unknown activation {name!r}")


def ntk_torch(meta, x, Ws, bs, components=False):
    torch = _torch()
    phi, dphi = _torch_act(torch, meta["activation"])
    sc = scales(meta)
    L1 = len(Ws)
    n, k = x.shape[0], Ws[-1].shape[1]
    with torch.no_grad():
        X = torch.from_numpy(x)
        W = [torch.from_numpy(w) for w in Ws]
        B = [torch.from_numpy(b) for b in bs] if bs is not None else None
        H, dP = [X], []
        for l in range(1, L1):
            s, sbl = sc[l - 1]
            z = H[-1] @ W[l - 1]
            if s != 1.0:
                z.mul_(s)
            if B is not None:
                z.add_(B[l - 1], alpha=sbl)
            H.append(phi(z))
            dP.append(dphi(z))
        deltas = [None] * (L1 + 1)
        if L1 >= 2:
            d = (sc[L1 - 1][0] * W[L1 - 1].T).unsqueeze(0) * dP[L1 - 2].unsqueeze(1)  # (n, k, n_L)
            deltas[L1 - 1] = d
            for l in range(L1 - 2, 0, -1):
                s = sc[l][0]
                d = (d.reshape(n * k, -1) @ W[l].T).reshape(n, k, -1)
                if s != 1.0:
                    d.mul_(s)
                d.mul_(dP[l - 1].unsqueeze(1))
                deltas[l] = d
        theta = torch.zeros((n, n), dtype=torch.float32)
        comps = {}
        for l in range(1, L1 + 1):
            s, sbl = sc[l - 1]
            h = H[l - 1]
            G = h @ h.T
            if l == L1:
                D = None
                G.mul_(k * s * s)
            else:
                A = deltas[l].reshape(n, -1)
                D = A @ A.T
                G.mul_(s * s).mul_(D)
            theta.add_(G)
            if components:
                comps[f"layer{l}/weight"] = G.numpy()
            if B is not None:
                if D is None:
                    theta.add_(k * sbl * sbl)
                    if components:
                        comps[f"layer{l}/bias"] = np.full((n, n), k * sbl * sbl, dtype=np.float32)
                else:
                    D.mul_(sbl * sbl)
                    theta.add_(D)
                    if components:
                        comps[f"layer{l}/bias"] = D.numpy()
    return theta.numpy(), comps


# ----------------------------------------------------------------------------------------------------------------
# torch.func: jacrev + vmap Jacobian contraction (the functorch "neural tangent kernels" tutorial recipe)


def ntk_torch_func(meta, x, Ws, bs, components=False):
    torch = _torch()
    from torch.func import jacrev, vmap

    phi = _torch_act(torch, meta["activation"])[0]
    sc = scales(meta)
    L1 = len(Ws)
    params = {f"W{l}": torch.from_numpy(Ws[l - 1]) for l in range(1, L1 + 1)}
    if bs is not None:
        params.update({f"b{l}": torch.from_numpy(bs[l - 1]) for l in range(1, L1 + 1)})

    def f_single(p, xi):  # one example (n_0,) -> (k,)
        h = xi
        for l in range(1, L1 + 1):
            s, sbl = sc[l - 1]
            z = s * (h @ p[f"W{l}"])
            if bs is not None:
                z = z + sbl * p[f"b{l}"]
            h = phi(z) if l < L1 else z
        return h

    X = torch.from_numpy(x)
    jac = vmap(jacrev(f_single), (None, 0))(params, X)  # {name: (n, k, *shape)}
    theta = None
    comps = {}
    for name, j in jac.items():
        j = j.flatten(2)
        t = torch.einsum("Naf,Maf->NM", j, j)
        theta = t if theta is None else theta + t
        if components:
            l = int(name[1:])
            comps[f"layer{l}/{'weight' if name[0] == 'W' else 'bias'}"] = t.detach().numpy()
    return theta.detach().numpy(), comps


IMPL_FN = {"numpy": ntk_numpy, "torch": ntk_torch, "torch-func": ntk_torch_func}


# ----------------------------------------------------------------------------------------------------------------
# timing


def _rss_kb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def _reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def run_impl(impl, d, meta, x, Ws, bs, repeat, components):
    fn = IMPL_FN[impl]
    if impl == "torch-func" and meta["n"] > TORCH_FUNC_MAX_N and not ARGS.allow_slow:
        return {"impl": impl, "skipped": f"n = {meta['n']} > {TORCH_FUNC_MAX_N}; pass --allow-slow"}
    if impl != "numpy":
        _torch()  # import (and set threads) outside the timed region
    best, peak = math.inf, None
    theta = None
    runs = []
    for r in range(max(1, repeat)):
        measure = r == 0 and _reset_hwm()
        before = _rss_kb("VmRSS") if measure else None
        t0 = time.perf_counter()
        theta, _ = fn(meta, x, Ws, bs)
        dt = time.perf_counter() - t0
        if measure:
            peak = max(0, _rss_kb("VmHWM") - before) * 1024
        runs.append(round(dt, 6))
        best = min(best, dt)
    np.asarray(theta, "<f4").tofile(os.path.join(d, f"kernel_{impl}.f32"))
    if components:
        _, comps = fn(meta, x, Ws, bs, components=True)
        for label, c in comps.items():
            np.asarray(c, "<f4").tofile(os.path.join(d, f"kernel_{impl}_{label.replace('/', '_')}.f32"))
    flops, dense = flop_counts(meta, impl)
    rec = {"impl": impl, "seconds": best, "threads": ARGS.threads, "flops": flops, "flops_dense": dense,
           "peak_bytes": peak, "n": meta["n"], "repeat": repeat, "runs": runs}
    if impl == "numpy":
        rec["version"] = f"numpy {np.__version__}"
    else:
        import torch
        rec["version"] = f"torch {torch.__version__}"
    return rec


def bench(args):
    impls = [s.strip() for s in args.impl.split(",") if s.strip()]
    for impl in impls:
        if impl not in IMPL_FN:
            sys.exit(f"unknown impl {impl!r}; choose from {', '.join(IMPLS)}")
    if args._child or args.inline:
        meta, x, Ws, bs = load_case(args.dir)
        for impl in impls:
            print(json.dumps(run_impl(impl, args.dir, meta, x, Ws, bs, args.repeat, args.components)), flush=True)
        return
    rc = 0
    for impl in impls:  # one child process per impl
        cmd = [sys.executable, os.path.abspath(__file__), "--dir", args.dir, "--impl", impl,
               "--threads", str(args.threads), "--repeat", str(args.repeat), "--_child"]
        if args.allow_slow:
            cmd.append("--allow-slow")
        if args.components:
            cmd.append("--components")
        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        sys.stdout.write(p.stdout)
        sys.stdout.flush()
        if p.returncode != 0:
            print(json.dumps({"impl": impl, "error": f"exit status {p.returncode}"}), flush=True)
            rc = 1
    sys.exit(rc)


# ----------------------------------------------------------------------------------------------------------------
# self test


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))) /
                 max(1e-30, float(np.max(np.abs(np.asarray(b, np.float64))))))


def _autodiff_f64(meta, x, Ws, bs):
    """float64 reference by torch.func (jacrev + vmap), per tensor; used when jax is missing too."""
    torch = _torch()
    from torch.func import jacrev, vmap
    phi = _torch_act(torch, meta["activation"])[0]
    sc = scales(meta)
    L1 = len(Ws)
    params = {f"W{l}": torch.tensor(Ws[l - 1], dtype=torch.float64) for l in range(1, L1 + 1)}
    if bs is not None:
        params.update({f"b{l}": torch.tensor(bs[l - 1], dtype=torch.float64) for l in range(1, L1 + 1)})

    def f(p, xi):
        h = xi
        for l in range(1, L1 + 1):
            s, sbl = sc[l - 1]
            z = s * (h @ p[f"W{l}"]) + (sbl * p[f"b{l}"] if bs is not None else 0)
            h = phi(z) if l < L1 else z
        return h

    jac = vmap(jacrev(f), (None, 0))(params, torch.tensor(x, dtype=torch.float64))
    comps = {}
    for name, j in jac.items():
        j = j.flatten(2)
        l = int(name[1:])
        comps[f"layer{l}/{'weight' if name[0] == 'W' else 'bias'}"] = torch.einsum("Naf,Maf->NM", j, j).numpy()
    return sum(comps.values()), comps


def _jax_f64(meta, x, Ws, bs):
    """float64 reference by JAX jacrev (None when jax is not installed)."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy.special as jsp
    acts = {"relu": lambda z: jnp.maximum(z, 0.0), "tanh": jnp.tanh, "erf": jsp.erf,
            "sigmoid": jax.nn.sigmoid, "gelu": lambda z: 0.5 * z * (1 + jsp.erf(z / math.sqrt(2))),
            "softplus": lambda z: jnp.logaddexp(z, 0.0), "linear": lambda z: z}
    phi = acts[meta["activation"]]
    sc = scales(meta)
    L1 = len(Ws)
    p = [{"W": jnp.asarray(Ws[l], jnp.float64), **({"b": jnp.asarray(bs[l], jnp.float64)} if bs is not None else {})}
         for l in range(L1)]

    def f(p, X):
        h = X
        for l in range(L1):
            s, sbl = sc[l]
            z = s * (h @ p[l]["W"]) + (sbl * p[l]["b"] if "b" in p[l] else 0.0)
            h = phi(z) if l < L1 - 1 else z
        return h

    J = jax.jacrev(f)(p, jnp.asarray(x, jnp.float64))
    n, k = x.shape[0], Ws[-1].shape[1]
    tot = 0
    for lay in J:
        for leaf in lay.values():
            j = np.asarray(leaf).reshape(n, k, -1)
            tot = tot + np.einsum("iap,jap->ij", j, j)
    return tot


def selftest():
    tol = 1e-4
    worst = 0.0
    cases = []
    for act in ("relu", "tanh", "erf", "sigmoid", "gelu", "softplus", "linear"):
        cases.append(dict(inputDim=6, widths=[17, 13], outputDim=1, activation=act, parameterization="ntk",
                          bias=True, weightStd=1.3, biasStd=0.4, n=11))
    cases += [
        dict(inputDim=5, widths=[9], outputDim=3, activation="tanh", parameterization="standard", bias=True,
             weightStd=1.0, biasStd=0.5, n=8),
        dict(inputDim=4, widths=[8, 7, 6], outputDim=2, activation="relu", parameterization="ntk", bias=False,
             weightStd=1.4, biasStd=0.0, n=10),
        dict(inputDim=3, widths=[], outputDim=2, activation="relu", parameterization="ntk", bias=True,
             weightStd=1.0, biasStd=0.7, n=5),
        dict(inputDim=7, widths=[16, 16, 16, 16], outputDim=1, activation="erf", parameterization="standard",
             bias=True, weightStd=1.5, biasStd=0.2, n=13),
    ]
    with tempfile.TemporaryDirectory(prefix="ntk_peers_selftest_") as tmp:
        for i, meta in enumerate(cases):
            d = os.path.join(tmp, f"case{i}")
            x, Ws, bs = random_case(meta, seed=100 + i, init=meta["parameterization"])
            write_case(d, meta, x, Ws, bs)
            meta, x, Ws, bs = load_case(d)  # through the file format
            ref, ref_c = _autodiff_f64(meta, x, Ws, bs)
            jref = _jax_f64(meta, x, Ws, bs)
            errs = {}
            if jref is not None:
                errs["torch.func64 vs jax64"] = _rel(ref, jref)
            for impl, fn in IMPL_FN.items():
                th, comps = fn(meta, x, Ws, bs, components=True)
                assert th.dtype == np.float32 and th.shape == (meta["n"], meta["n"])
                errs[impl] = _rel(th, ref)
                if set(comps) != set(ref_c):
                    raise AssertionError(f"case {i} {impl}: component labels {sorted(comps)} != {sorted(ref_c)}")
                errs[impl + " components"] = max(_rel(comps[c], ref_c[c]) for c in ref_c)
            w = max(errs.values())
            worst = max(worst, w)
            desc = f"{meta['activation']:8s} {meta['parameterization']:8s} widths={meta['widths']} k={meta['outputDim']} bias={meta['bias']}"
            print(f"selftest case {i:2d} {desc:60s} " + "  ".join(f"{k_}={v:.1e}" for k_, v in errs.items()))
            assert w <= tol, f"case {i}: relative error {w:.3e} > {tol}"
        # the file-based driver: run the bench on one case in child processes and compare what it wrote
        d = os.path.join(tmp, "case1")
        meta, x, Ws, bs = load_case(d)
        ref, _ = _autodiff_f64(meta, x, Ws, bs)
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--dir", d, "--impl", ",".join(IMPLS),
                              "--threads", str(ARGS.threads), "--repeat", "2"], stdout=subprocess.PIPE, text=True,
                             check=True).stdout
        for line in out.strip().splitlines():
            rec = json.loads(line)
            th = np.fromfile(os.path.join(d, f"kernel_{rec['impl']}.f32"), "<f4").reshape(meta["n"], meta["n"])
            e = _rel(th, ref)
            worst = max(worst, e)
            print(f"selftest driver {rec['impl']:10s} seconds={rec['seconds']:.2e} rel.err={e:.1e}")
            assert e <= tol
    # the JAX fixtures of test/fixtures/ntk (float64 references; trace layout of x1 with itself)
    fx_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "ntk")
    if os.path.isdir(fx_dir):
        for name in sorted(os.listdir(fx_dir)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(fx_dir, name)) as fh:
                fx = json.load(fh)
            cfg = fx["config"]
            dims = [cfg["inputDim"], *cfg["widths"], cfg["outputDim"]]
            x = np.asarray(fx["x1"], np.float32).reshape(fx["n1"], dims[0])
            Ws = [np.asarray(w["W"], np.float32).reshape(dims[l], dims[l + 1]) for l, w in enumerate(fx["weights"])]
            bs = [np.asarray(w["b"], np.float32) for w in fx["weights"]] if cfg["bias"] else None
            meta = dict(cfg, n=fx["n1"])
            ref = np.asarray(fx["ntk"]["x1x1"]["trace"]).reshape(fx["n1"], fx["n1"])
            errs = {}
            for impl, fn in IMPL_FN.items():
                th, comps = fn(meta, x, Ws, bs, components=True)
                errs[impl] = _rel(th, ref)
                errs[impl + " components"] = max(
                    _rel(comps[c], np.reshape(v["trace"], (fx["n1"], fx["n1"])))
                    for c, v in fx["components"]["x1x1"].items())
            w = max(errs.values())
            worst = max(worst, w)
            print(f"selftest fixture {name:40s} " + "  ".join(f"{k_}={v:.1e}" for k_, v in errs.items()))
            assert w <= tol, f"fixture {name}: relative error {w:.3e} > {tol}"
    print(f"selftest OK: worst relative error {worst:.2e} (tolerance {tol:g})")


# ----------------------------------------------------------------------------------------------------------------


def make(args):
    widths = [int(w) for w in args.widths.split(",") if w.strip()]
    meta = dict(inputDim=args.input_dim, widths=widths, outputDim=args.output_dim, activation=args.activation,
                parameterization=args.parameterization, bias=not args.no_bias, weightStd=args.weight_std,
                biasStd=args.bias_std, n=args.n)
    x, Ws, bs = random_case(meta, args.seed, init="ntk")
    write_case(args.make, meta, x, Ws, bs)
    print(json.dumps({"made": args.make, **meta}))


def main():
    if ARGS.selftest:
        selftest()
    elif ARGS.make:
        make(ARGS)
    elif ARGS.dir:
        bench(ARGS)
    else:
        sys.exit("give --dir DIR, --selftest or --make DIR (see --help)")


if __name__ == "__main__":
    main()
