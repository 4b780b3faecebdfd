"""ntk-lab's Ray executor for tile jobs: one Ray task per unfinished tile of a job folder.

    python -m ntk_lab_ray runs/k3000 --address 10.0.0.1:6379 --retries 2

Each task runs ntk-lab's worker CLI (`node <ntk-lab>/bin/ntk-lab.js tiles run <job> --index K`) on whichever node
Ray places it, with a BLAS thread budget (OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = --threads, default the task's
--cpus-per-task). Tiles are idempotent and written atomically, so a retried or duplicated task is harmless. The job
folder must be at the same absolute path on every node (shared storage: NFS, a mounted bucket, ...). See
docs/tiles.md, "Ray". `ntk-lab tiles ray <job>` runs this module with the paths filled in.

Importing this package does not import ray: `--help` and the job checks work without it.
"""

# Exit codes of `python -m ntk_lab_ray` (the TypeScript side, src/tiles/ray-executor.ts, reads them).
EXIT_OK = 0
EXIT_TILES_FAILED = 1  # some tiles failed after their retries; the others are done
EXIT_BAD_INPUT = 2  # not a job, another version, changed inputs, bad arguments: no retry can help
EXIT_NO_RAY = 3  # ray is not importable by this Python
EXIT_NO_CLUSTER = 4  # ray.init could not connect to the cluster
EXIT_INTERRUPTED = 130  # Ctrl-C: tasks cancelled, finished tiles kept
