"""numpy side of bench/linalg.ts (run by it; not meant to be run by hand).

    .venv/bin/python bench/linalg_numpy.py <dir>

Reads <dir>/manifest.json (the cases and the raw little-endian input files the TypeScript side wrote),
loads the inputs once, then serves requests on stdin, one case name per line, answering one JSON line:
{"case": ..., "seconds": ..., "check": [...]}. The TypeScript side alternates its own runs with these, so
both libraries see the same machine load; both inherit the same OPENBLAS_* environment.
"""
import json
import os
import sys
import time

import numpy as np


def blas_description():
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f'{blas.get("name")} {blas.get("version")} ({blas.get("openblas configuration", "")})'
    except Exception as e:  # noqa: BLE001 - informational only
        return f"unknown ({e})"


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    arrays = {}
    for name, spec in manifest["arrays"].items():
        dtype = np.float32 if spec["dtype"] == "float32" else np.float64
        arrays[name] = np.fromfile(os.path.join(d, spec["file"]), dtype=dtype).reshape(spec["rows"], spec["cols"])

    def run(case):
        c = manifest["cases"][case]
        op = c["op"]
        if op == "gemm":
            a, b = arrays[c["a"]], arrays[c["b"]]
            t = time.perf_counter(); r = a @ b; dt = time.perf_counter() - t
            return dt, [float(r.sum(dtype=np.float64)), float(r[0, 0]), float(r[-1, -1])]
        if op == "syrk":
            a = arrays[c["a"]]
            t = time.perf_counter(); r = a @ a.T; dt = time.perf_counter() - t  # numpy routes x @ x.T to syrk
            return dt, [float(r.sum(dtype=np.float64)), float(r[0, 0]), float(r[-1, -1])]
        if op == "eigh":
            a = arrays[c["a"]]
            if c["vectors"]:
                t = time.perf_counter(); w, v = np.linalg.eigh(a); dt = time.perf_counter() - t
            else:
                t = time.perf_counter(); w = np.linalg.eigvalsh(a); dt = time.perf_counter() - t
            return dt, [float(w[0]), float(w[len(w) // 2]), float(w[-1])]
        raise ValueError(op)

    print(json.dumps({"ready": True, "numpy": np.__version__, "blas": blas_description()}), flush=True)
    for line in sys.stdin:
        case = line.strip()
        if not case:
            continue
        dt, check = run(case)
        print(json.dumps({"case": case, "seconds": dt, "check": check}), flush=True)


if __name__ == "__main__":
    main()
