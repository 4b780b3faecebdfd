#!/usr/bin/env python3
"""Peer implementations of the empirical NTK of a small CNN by Jacobian contraction, timed beside ntk-lab.

    .venv/bin/python bench/peers/jacobian_peers.py --dir DIR --impl torch-func,jax --threads 2 --repeat 3
    .venv/bin/python bench/peers/jacobian_peers.py --selftest

DIR holds meta.json {"n", "height", "width", "channels", "filters": [32, 32], "kernel": 3} and raw little-endian
float32 files (tfjs layouts, channels last): x.f32 [n, H, W, C]; conv1_k.f32 [3, 3, C, f1] (HWIO), conv1_b.f32;
conv2_k.f32 [3, 3, f1, f2], conv2_b.f32; dense_k.f32 [(H-4)(W-4)f2, 1] (rows in NHWC flatten order), dense_b.f32.
Network: conv3x3 'valid' -> relu -> conv3x3 'valid' -> relu -> flatten (NHWC order) -> dense(1), biases everywhere.

For each implementation the n x n NTK of x with itself is computed in float32, the best of --repeat runs is timed
(loading, and JAX's compilation in an untimed warm-up run, excluded), DIR/kernel_<impl>.f32 is written and one JSON
line is printed: {"impl", "seconds", "runs", "threads"}.

  torch-func  the recipe of the torch.func NTK tutorial: vmap(jacrev(f)) per-example Jacobians of both inputs, then
              einsum 'Naf,Mbf->NMab' per parameter tensor, summed (NCHW inside; weights converted from tfjs layouts)
  jax         jax.jit of vmap(jacrev(f)) per-example Jacobians contracted per parameter tensor (what
              neural-tangents' 'jacobian contraction' implementation does), NHWC / HWIO as tfjs

Each implementation runs in its own child process, with OMP/MKL/OpenBLAS and XLA threads set to --threads.

meta.json {"arch": "resnet", "n", "height", "width", "channels", "filters": f} selects a ResNet-style block instead
(torch-func only): conv3x3 'same' 'conv0' -> relu -> [conv3x3 'same' 'conv1' -> BatchNorm 'bn' (inference: moving
statistics, eps 1e-3) -> relu -> conv3x3 'same' 'conv2'] + identity skip -> relu -> flatten (NHWC) -> dense(1); files
conv{0,1,2}_k.f32 [3, 3, cin, f] (HWIO), conv{0,1,2}_b.f32, bn_gamma/bn_beta/bn_mean/bn_var.f32 [f], dense_k.f32
[H W f, 1], dense_b.f32. The NTK's parameters are every weight but the moving statistics.

meta.json {"arch": "attention", "n", "tokens": T, "dim": d, "head": h, "residual": true} selects ntk-lab's
selfAttention block (src/models/attention.ts; torch-func only): x.f32 [n, T, d]; query/key/value.f32 [d, h],
output.f32 [h, d], readout_k.f32 [d, 1], readout_b.f32 [1]; softmax(x Wq (x Wk)^T / sqrt(h)) x Wv Wo (+ x), mean over
tokens, dense(1).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

IMPLS = ("torch-func", "jax")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir")
    ap.add_argument("--impl", default=",".join(IMPLS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--selftest", action="store_true", help="tiny case: both peers against a float64 JAX reference")
    ap.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


ARGS = parse_args()
_t = str(max(1, ARGS.threads))
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _t
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + f" --xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={_t}").strip()

import numpy as np  # noqa: E402


def read_f32(d, name, shape):
    """DIR/<name>.f32 (raw little-endian float32) as an array of `shape`; a clear error when its size differs."""
    a = np.fromfile(os.path.join(d, name + ".f32"), dtype="<f4")
    if a.size != int(np.prod(shape)):
        raise ValueError(f"{name}: {a.size} floats, expected {shape}")
    return a.reshape(shape)


def torch_ntk(f_single, ps):
    """The torch.func tutorial's NTK of f_single(params, xi) at params ps: vmap(jacrev) per-example Jacobians of
    both inputs, einsum 'Naf,Mbf->NMab' per parameter tensor, summed: ntk(x1, x2) [N, M, k, k]."""
    import torch
    from torch.func import jacrev, vmap

    def ntk(x1, x2):
        j1 = [j.flatten(2) for j in vmap(jacrev(f_single), (None, 0))(ps, x1).values()]
        j2 = [j.flatten(2) for j in vmap(jacrev(f_single), (None, 0))(ps, x2).values()]
        return torch.stack([torch.einsum("Naf,Mbf->NMab", a, b) for a, b in zip(j1, j2)]).sum(0)

    return ntk


def time_torch(ntk, x, repeat):
    """The best-of-repeat runs of ntk(x, x) without autograd; (the kernel of output 0 as float32 [n, n], run seconds)."""
    import torch

    runs, out = [], None
    with torch.no_grad():
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = ntk(x, x)
            runs.append(time.perf_counter() - t0)
    return out[:, :, 0, 0].numpy().astype(np.float32), runs


def load(d):
    with open(os.path.join(d, "meta.json")) as fh:
        meta = json.load(fh)
    n, H, W, C = meta["n"], meta["height"], meta["width"], meta["channels"]
    f1, f2 = meta["filters"]
    k = meta["kernel"]

    def rd(name, shape):
        return read_f32(d, name, shape)

    ho, wo = H - 2 * (k - 1), W - 2 * (k - 1)
    params = {
        "conv1_k": rd("conv1_k", (k, k, C, f1)), "conv1_b": rd("conv1_b", (f1,)),
        "conv2_k": rd("conv2_k", (k, k, f1, f2)), "conv2_b": rd("conv2_b", (f2,)),
        "dense_k": rd("dense_k", (ho * wo * f2, 1)), "dense_b": rd("dense_b", (1,)),
    }
    return meta, rd("x", (n, H, W, C)), params


def run_torch_func(x, params, threads, repeat):
    import torch
    from torch.func import functional_call

    torch.set_num_threads(threads)

    class Net(torch.nn.Module):
        def __init__(self, p):
            super().__init__()
            kk, c, f1 = p["conv1_k"].shape[0], p["conv1_k"].shape[2], p["conv1_k"].shape[3]
            f2 = p["conv2_k"].shape[3]
            self.conv1 = torch.nn.Conv2d(c, f1, kk)
            self.conv2 = torch.nn.Conv2d(f1, f2, kk)
            self.dense = torch.nn.Linear(p["dense_k"].shape[0], 1)
            with torch.no_grad():
                self.conv1.weight.copy_(torch.from_numpy(p["conv1_k"].transpose(3, 2, 0, 1).copy()))
                self.conv1.bias.copy_(torch.from_numpy(p["conv1_b"]))
                self.conv2.weight.copy_(torch.from_numpy(p["conv2_k"].transpose(3, 2, 0, 1).copy()))
                self.conv2.bias.copy_(torch.from_numpy(p["conv2_b"]))
                self.dense.weight.copy_(torch.from_numpy(p["dense_k"].T.copy()))
                self.dense.bias.copy_(torch.from_numpy(p["dense_b"]))

        def forward(self, xb):  # xb: NCHW
            h = torch.relu(self.conv1(xb))
            h = torch.relu(self.conv2(h))
            h = h.permute(0, 2, 3, 1).flatten(1)  # tfjs flattens NHWC
            return self.dense(h)

    net = Net(params)
    ps = {k: v.detach() for k, v in net.named_parameters()}
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

    def fnet_single(p, xi):
        return functional_call(net, p, (xi.unsqueeze(0),)).squeeze(0)

    return time_torch(torch_ntk(fnet_single, ps), xt, repeat)


def run_jax(x, params, threads, repeat):
    import jax
    import jax.numpy as jnp
    from jax import lax

    jax.config.update("jax_platform_name", "cpu")

    def f(p, xi):
        h = lax.conv_general_dilated(xi[None], p["conv1_k"], (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = jax.nn.relu(h + p["conv1_b"])
        h = lax.conv_general_dilated(h, p["conv2_k"], (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = jax.nn.relu(h + p["conv2_b"])
        return (h.reshape(1, -1) @ p["dense_k"] + p["dense_b"])[0]

    @jax.jit
    def ntk(p, x1, x2):
        j1 = jax.vmap(jax.jacrev(f), in_axes=(None, 0))(p, x1)
        j2 = jax.vmap(jax.jacrev(f), in_axes=(None, 0))(p, x2)
        leaves1, leaves2 = jax.tree_util.tree_leaves(j1), jax.tree_util.tree_leaves(j2)
        return sum(jnp.einsum("naf,mbf->nm", a.reshape(a.shape[0], a.shape[1], -1), b.reshape(b.shape[0], b.shape[1], -1))
                   for a, b in zip(leaves1, leaves2))

    p = {k: jnp.asarray(v) for k, v in params.items()}
    xj = jnp.asarray(x)
    ntk(p, xj, xj).block_until_ready()  # compile (untimed)
    runs, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = ntk(p, xj, xj).block_until_ready()
        runs.append(time.perf_counter() - t0)
    return np.asarray(out, dtype=np.float32), runs


RUNNERS = {"torch-func": run_torch_func, "jax": run_jax}


def load_resnet(d, meta):
    n, H, W, C, f = meta["n"], meta["height"], meta["width"], meta["channels"], meta["filters"]

    def rd(name, shape):
        return read_f32(d, name, shape)

    params = {"conv0_k": rd("conv0_k", (3, 3, C, f)), "conv0_b": rd("conv0_b", (f,))}
    for name in ("conv1", "conv2"):
        params[name + "_k"] = rd(name + "_k", (3, 3, f, f))
        params[name + "_b"] = rd(name + "_b", (f,))
    for name in ("bn_gamma", "bn_beta", "bn_mean", "bn_var"):
        params[name] = rd(name, (f,))
    params["dense_k"] = rd("dense_k", (H * W * f, 1))
    params["dense_b"] = rd("dense_b", (1,))
    return rd("x", (n, H, W, C)), params


def run_torch_func_resnet(x, p, threads, repeat):
    import torch
    from torch.func import functional_call

    torch.set_num_threads(threads)
    C, f = p["conv0_k"].shape[2], p["conv0_k"].shape[3]

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv0 = torch.nn.Conv2d(C, f, 3, padding=1)
            self.conv1 = torch.nn.Conv2d(f, f, 3, padding=1)
            self.bn = torch.nn.BatchNorm2d(f, eps=1e-3)
            self.conv2 = torch.nn.Conv2d(f, f, 3, padding=1)
            self.dense = torch.nn.Linear(p["dense_k"].shape[0], 1)
            t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
            with torch.no_grad():
                for name in ("conv0", "conv1", "conv2"):
                    getattr(self, name).weight.copy_(t(p[name + "_k"].transpose(3, 2, 0, 1)))
                    getattr(self, name).bias.copy_(t(p[name + "_b"]))
                self.bn.weight.copy_(t(p["bn_gamma"]))
                self.bn.bias.copy_(t(p["bn_beta"]))
                self.bn.running_mean.copy_(t(p["bn_mean"]))
                self.bn.running_var.copy_(t(p["bn_var"]))
                self.dense.weight.copy_(t(p["dense_k"].T))
                self.dense.bias.copy_(t(p["dense_b"]))

        def forward(self, xb):  # NCHW
            h = torch.relu(self.conv0(xb))
            h = torch.relu(h + self.conv2(torch.relu(self.bn(self.conv1(h)))))
            return self.dense(h.permute(0, 2, 3, 1).flatten(1))  # tfjs flattens NHWC

    net = Block().eval()  # BatchNorm with its moving statistics
    ps = {k: v.detach() for k, v in net.named_parameters()}
    bufs = {k: v.detach() for k, v in net.named_buffers()}
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

    def fnet_single(params, xi):
        return functional_call(net, (params, bufs), (xi.unsqueeze(0),)).squeeze(0)

    return time_torch(torch_ntk(fnet_single, ps), xt, repeat)


def run_torch_func_attention(d, meta, threads, repeat):
    import torch

    torch.set_num_threads(threads)
    n, T, D, H = meta["n"], meta["tokens"], meta["dim"], meta["head"]

    def rd(name, shape):
        return torch.from_numpy(read_f32(d, name, shape))

    shapes = {"query": (D, H), "key": (D, H), "value": (D, H), "output": (H, D), "readout_k": (D, 1), "readout_b": (1,)}
    ps = {name: rd(name, shape) for name, shape in shapes.items()}
    x = rd("x", (n, T, D))
    residual = meta.get("residual", True)

    def f_single(p, xi):  # xi [T, D] -> [1]
        a = torch.softmax((xi @ p["query"]) @ (xi @ p["key"]).T / H ** 0.5, dim=-1)
        o = (a @ (xi @ p["value"])) @ p["output"]
        z = xi + o if residual else o
        return z.mean(0) @ p["readout_k"] + p["readout_b"]

    return time_torch(torch_ntk(f_single, ps), x, repeat)


def run_one(d, impl, threads, repeat):
    with open(os.path.join(d, "meta.json")) as fh:
        meta = json.load(fh)
    if meta.get("arch") == "attention":
        if impl != "torch-func":
            sys.exit(f"the attention block has a torch-func peer only, not {impl}")
        K, runs = run_torch_func_attention(d, meta, threads, repeat)
    elif meta.get("arch") == "resnet":
        if impl != "torch-func":
            sys.exit(f"the resnet block has a torch-func peer only, not {impl}")
        x, params = load_resnet(d, meta)
        K, runs = run_torch_func_resnet(x, params, threads, repeat)
    else:
        _, x, params = load(d)
        K, runs = RUNNERS[impl](x, params, threads, repeat)
    K.astype("<f4").tofile(os.path.join(d, f"kernel_{impl}.f32"))
    return {"impl": impl, "seconds": min(runs), "runs": runs, "threads": threads}


def selftest():
    rng = np.random.default_rng(0)
    d = tempfile.mkdtemp(prefix="jacobian-peers-")
    n, H, W, C, f1, f2 = 5, 8, 8, 1, 3, 4
    meta = {"n": n, "height": H, "width": W, "channels": C, "filters": [f1, f2], "kernel": 3}
    with open(os.path.join(d, "meta.json"), "w") as fh:
        json.dump(meta, fh)
    arrays = {
        "x": rng.standard_normal((n, H, W, C)), "conv1_k": rng.standard_normal((3, 3, C, f1)) * 0.5,
        "conv1_b": rng.standard_normal(f1) * 0.1, "conv2_k": rng.standard_normal((3, 3, f1, f2)) * 0.3,
        "conv2_b": rng.standard_normal(f2) * 0.1, "dense_k": rng.standard_normal((16 * f2, 1)) * 0.2, "dense_b": rng.standard_normal(1),
    }
    for name, a in arrays.items():
        np.asarray(a, "<f4").tofile(os.path.join(d, f"{name}.f32"))
    kernels = {impl: run_one(d, impl, 1, 1) and np.fromfile(os.path.join(d, f"kernel_{impl}.f32"), "<f4") for impl in IMPLS}
    diff = np.abs(kernels["jax"] - kernels["torch-func"]).max() / np.abs(kernels["jax"]).max()
    print(json.dumps({"selftest": "torch-func vs jax", "max_rel_diff": float(diff)}))
    if diff > 1e-4:
        sys.exit(1)


def main():
    if ARGS.selftest:
        selftest()
        return
    impls = [s for s in ARGS.impl.split(",") if s]
    for impl in impls:
        if impl not in RUNNERS:
            sys.exit(f"unknown impl {impl}; expected {', '.join(IMPLS)}")
    if ARGS._child:
        print(json.dumps(run_one(ARGS.dir, impls[0], ARGS.threads, ARGS.repeat)), flush=True)
        return
    for impl in impls:
        cmd = [sys.executable, __file__, "--dir", ARGS.dir, "--impl", impl, "--threads", str(ARGS.threads), "--repeat", str(ARGS.repeat), "--_child"]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        for line in out.stdout.splitlines():
            if line.startswith("{"):
                print(line, flush=True)


if __name__ == "__main__":
    main()
