#!/usr/bin/env python3
"""numpy's symmetric eigensolvers on a kernel written by bench/spectra.ts, timed in the same invocation.

    .venv/bin/python bench/spectra_numpy.py FILE N [--repeat 3] [--threads 2]
    .venv/bin/python bench/spectra_numpy.py FILE N --serve [--threads 2]

--serve keeps the kernel loaded and answers one command per stdin line ('eigvalsh', 'eigh', or 'subset:K' =
eigvalsh plus scipy.linalg.eigh of the top K pairs; seconds null without scipy) with one JSON line
{"op", "seconds"} (the first answer also carries "values"), so that the bench can interleave numpy's runs
with its own: on a shared machine, load that changes between two blocks of runs would otherwise decide the ratio.

FILE holds the n x n kernel as raw little-endian float64 (row-major). numpy.linalg.eigvalsh (LAPACK dsyevd,
values only) and numpy.linalg.eigh (dsyevd with vectors) are each run --repeat times; one JSON line is printed:
{"n", "threads", "eigvalsh": best seconds, "eigh": best seconds, "eigvalsh_runs", "eigh_runs", "values": all
eigenvalues descending}. The thread count is set (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS) before
numpy is imported; loading the file is not timed.
"""
import argparse
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("n", type=int)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np

    a = np.fromfile(args.file, dtype="<f8").reshape(args.n, args.n)
    if args.serve:
        first = True
        for line in sys.stdin:
            op = line.strip()
            if op == "quit":
                break
            if op.startswith("subset:"):
                # What a numpy/scipy user runs for spectrum(K, { vectors: 'spikes' })'s output: every eigenvalue
                # (eigvalsh) and the top k eigenvectors only (scipy's dsyevr on an index range).
                k = int(op.split(":")[1])
                try:
                    import scipy.linalg
                except ImportError:
                    sys.stdout.write(json.dumps({"op": op, "seconds": None}) + "\n")
                    sys.stdout.flush()
                    continue
                t = time.perf_counter()
                np.linalg.eigvalsh(a)
                scipy.linalg.eigh(a, subset_by_index=[args.n - k, args.n - 1], driver="evr")
                sys.stdout.write(json.dumps({"op": op, "seconds": time.perf_counter() - t}) + "\n")
                sys.stdout.flush()
                continue
            fn = np.linalg.eigvalsh if op == "eigvalsh" else np.linalg.eigh
            t = time.perf_counter()
            r = fn(a)
            out = {"op": op, "seconds": time.perf_counter() - t, "numpy": np.__version__}
            if first and op == "eigvalsh":
                out["values"] = [float(v) for v in r[::-1]]
                first = False
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
        return
    runs = {"eigvalsh": [], "eigh": []}
    values = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        values = np.linalg.eigvalsh(a)
        runs["eigvalsh"].append(time.perf_counter() - t)
    for _ in range(args.repeat):
        t = time.perf_counter()
        np.linalg.eigh(a)
        runs["eigh"].append(time.perf_counter() - t)
    out = {
        "n": args.n,
        "threads": args.threads,
        "eigvalsh": min(runs["eigvalsh"]),
        "eigh": min(runs["eigh"]),
        "eigvalsh_runs": runs["eigvalsh"],
        "eigh_runs": runs["eigh"],
        "values": [float(v) for v in values[::-1]],
        "numpy": np.__version__,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
