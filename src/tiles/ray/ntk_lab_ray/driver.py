"""`python -m ntk_lab_ray <job>`: runs every unfinished tile of a job as one Ray task each, with retries.

The driver reads the job's manifest, checks which tiles are done (record + size + sha256, as `ntk-lab tiles status`),
connects to the cluster, submits one task per remaining tile (task.py: the worker CLI with a BLAS thread budget,
spread over the nodes, retried by Ray up to --retries times on a crash or a kill), prints a line per finished tile
(done/total, node, tiles/s, ETA) and a summary. Exit codes are in __init__.py: 1 when tiles failed after their
retries (the others are done: rerun to retry), 2 when no retry can help (the worker said so, e.g. changed inputs),
130 after Ctrl-C (tasks cancelled; finished tiles are kept).
"""
import argparse
import json
import logging
import os
import signal
import socket
import sys
import time
from pathlib import Path

from . import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_NO_CLUSTER, EXIT_NO_RAY, EXIT_OK, EXIT_TILES_FAILED
from . import task as task_module
from .job import TEMPORARY, JobError, read_manifest, tile_names, tile_state
from .progress import Progress, duration

# src/tiles/ray/ntk_lab_ray/driver.py -> the ntk-lab package (or repository) root, which holds bin/ntk-lab.js.
PACKAGE_ROOT = Path(__file__).resolve().parents[4]
# Variables of the driver's environment that the tasks get too (backend choice, linalg, fault rehearsals).
FORWARDED_PREFIX = "NTK_"


def _nonnegative(text):
    v = int(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return v


def _positive_int(text):
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return v


def _positive(text):
    v = float(text)
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return v


def parse_args(argv):
    """The command line (argparse exits 2 on a bad one)."""
    p = argparse.ArgumentParser(
        prog="python -m ntk_lab_ray",
        description="Compute every unfinished tile of an ntk-lab tile job on a Ray cluster (one task per tile). "
        "The job folder, node and ntk-lab must be at the same paths on every node.",
    )
    p.add_argument("job", help="the job folder (on storage every node reads and writes at this same path)")
    p.add_argument("--address", help="the cluster, host:port of its GCS (default: Ray's: $RAY_ADDRESS, else a cluster "
                   "`ray start`ed on this machine, else a new one here); 'local' always starts a new one here")
    p.add_argument("--retries", type=_nonnegative, default=2, help="retries per tile after a crash or a kill (default 2)")
    p.add_argument("--node", default="node", help="Node.js on the nodes (default: `node` on each node's PATH)")
    p.add_argument("--cli", default=str(PACKAGE_ROOT / "bin" / "ntk-lab.js"), help="ntk-lab's bin/ntk-lab.js on the nodes "
                   "(default: the one of this package)")
    p.add_argument("--cpus-per-task", type=_positive, default=1.0, help="CPUs Ray reserves per tile (default 1)")
    p.add_argument("--threads", type=_positive_int, help="BLAS threads per tile (default: the CPUs per task, at least 1)")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="a variable for the workers "
                   f"(repeatable; {FORWARDED_PREFIX}* variables of this environment are passed on anyway)")
    p.add_argument("--quick", action="store_true", help="count a tile done by its size only (default: sha256 too)")
    p.add_argument("--summary", help="write a JSON summary of the run to this file")
    p.add_argument("--heartbeat", type=_positive, default=30.0, help="seconds between status lines while no tile finishes")
    return p.parse_args(argv)


def say(line):
    print(line, flush=True)


def complain(line):
    print(f"ntk_lab_ray: {line}", file=sys.stderr, flush=True)


def worker_env(args):
    """What the tasks add to their node's environment: NTK_* of this one, then --env."""
    env = {k: v for k, v in os.environ.items() if k.startswith(FORWARDED_PREFIX)}
    for item in args.env:
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise JobError(f"--env wants NAME=VALUE, got {item!r}")
        env[name] = value
    return env


def _interrupt(signum, frame):
    """SIGINT or SIGTERM: stop once (a terminal's Ctrl-C and a forwarded SIGINT may both arrive)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv):
    """Runs the driver; returns the exit code (see __init__.py)."""
    args = parse_args(argv)
    job = os.path.abspath(args.job)
    threads = args.threads or max(1, int(args.cpus_per_task))
    try:
        manifest = read_manifest(job)
        names = tile_names(manifest["grid"])
        extra_env = worker_env(args)
    except JobError as e:
        complain(str(e))
        return EXIT_BAD_INPUT
    if not os.path.isfile(args.cli):
        complain(f"--cli {args.cli}: no such file (ntk-lab's bin/ntk-lab.js, at the same path on every node)")
        return EXIT_BAD_INPUT
    removed = task_module.remove_dead_temporaries(job)
    if removed:
        say(f"removed {len(removed)} temporary files that killed workers of this host left")
    verify = "size" if args.quick else "hash"
    todo, kinds = [], {}
    for index, name in enumerate(names):
        state, _ = tile_state(job, manifest["id"], index, name, verify)
        if state != "done":
            todo.append((index, name))
            kinds[state] = kinds.get(state, 0) + 1
    total = len(names)
    summary = {
        "job": job, "jobId": manifest["id"], "tiles": total, "alreadyDone": total - len(todo), "computed": 0, "skipped": 0,
        "failed": [], "notRun": 0, "interrupted": False, "retries": args.retries, "wallSeconds": 0.0, "nodes": [], "ran": [],
    }
    pending_kinds = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
    say(f"{job}: {total} tiles, {total - len(todo)} done, {len(todo)} to run{f' ({pending_kinds})' if todo else ''}")
    if not todo:
        say(f"all {total} tiles done: ntk-lab tiles assemble {job} --out kernel.npy")
        write_summary(args.summary, summary)
        return EXIT_OK
    try:
        import ray
    except ImportError as e:
        complain(f"ray is not installed for {sys.executable} ({e}): install it with `{sys.executable} -m pip install ray` "
                 "(the version the cluster runs; the nodes need it too)")
        return EXIT_NO_RAY
    started = time.monotonic()
    unreachable = probe(args.address)
    if unreachable:
        complain(unreachable)
        return EXIT_NO_CLUSTER
    try:
        context = ray.init(address=args.address, logging_level=logging.WARNING, log_to_driver=False)
    except Exception as e:  # ConnectionError, ValueError, RuntimeError: whatever stops ray.init, said plainly.
        complain(f"cannot connect to the Ray cluster at {args.address or '(Ray default address)'}: {type(e).__name__}: {e}")
        return EXIT_NO_CLUSTER
    # After ray.init, which installs handlers of its own.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = run(ray, args, job, todo, threads, extra_env, summary, getattr(context, "address_info", {}).get("gcs_address"))
    except KeyboardInterrupt:  # before the tasks were followed: whatever was submitted is cancelled with the job
        summary["interrupted"] = True
        code = EXIT_INTERRUPTED
    finally:
        ray.shutdown()
    summary["wallSeconds"] = time.monotonic() - started
    write_summary(args.summary, summary)
    s = summary
    tail = (f"{s['computed']} computed, {s['skipped']} already done, {len(s['failed'])} failed, {s['notRun']} not run, "
            f"in {duration(s['wallSeconds'])}")
    if code == EXIT_INTERRUPTED:
        say(f"interrupted: {tail}. Run the same command to resume.")
    elif code != EXIT_OK:
        for f in s["failed"]:
            say(f"failed: tile {f['index']} ({f['name']}) after {f['attempts']} attempt{'s' if f['attempts'] != 1 else ''}: {f['error'].splitlines()[0]}")
        if code == EXIT_BAD_INPUT:
            say(f"{tail}. Stopped: retrying cannot help; mend what the worker names (finished tiles are kept).")
        else:
            say(f"{tail}. Rerun to retry (finished tiles are kept).")
    else:
        say(f"all {total} tiles done ({tail}): ntk-lab tiles assemble {job} --out kernel.npy")
    return code


def probe(address, timeout=5.0):
    """None when `address` (host:port) accepts a TCP connection or is not host:port ('auto', 'local', None, ray://...);
    else why not. ray.init itself retries an unreachable address for minutes."""
    if not address or "://" in address or address in ("auto", "local"):
        return None
    host, colon, port = address.rpartition(":")
    if not colon or not port.isdigit():
        return f"--address {address}: expected host:port (the cluster head's GCS port, 6379 by default), 'auto' or 'local'"
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        return (f"cannot connect to the Ray cluster at {address}: nothing answers there ({e}). "
                "Start one (`ray start --head` on the head node) or give its address")
    return None


def run(ray, args, job, todo, threads, extra_env, summary, address):
    """Submits the tasks and follows them to the end; fills `summary`; returns the exit code."""
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    summary["nodes"] = [{"node": n["NodeID"], "host": n.get("NodeManagerHostname"), "address": n.get("NodeManagerAddress"),
                         "cpus": n.get("Resources", {}).get("CPU", 0)} for n in nodes]
    cpus = sum(n["cpus"] for n in summary["nodes"])
    say(f"Ray cluster {address or ''}: {len(nodes)} node{'s' if len(nodes) != 1 else ''}, {cpus:g} CPUs; {len(todo)} tasks "
        f"of {args.cpus_per_task:g} CPU{'s' if args.cpus_per_task != 1 else ''} with {threads} BLAS thread{'s' if threads != 1 else ''}, "
        f"up to {args.retries} retr{'ies' if args.retries != 1 else 'y'} each")
    if cpus < args.cpus_per_task:
        say(f"warning: no node has {args.cpus_per_task:g} CPUs free now; the tasks wait until one has (an autoscaler may add it)")
    # By value: the nodes need ray, not this package, on their Python path.
    ray.cloudpickle.register_pickle_by_value(task_module)
    remote = ray.remote(task_module.run_tile)
    pending = {}
    for index, name in todo:
        argv = [args.node, args.cli, "tiles", "run", job, "--index", str(index)]
        ref = remote.options(
            name=f"ntk-lab tile {name}",
            num_cpus=args.cpus_per_task,
            max_retries=args.retries,
            retry_exceptions=True,
            scheduling_strategy="SPREAD",
        ).remote(job, index, name, argv, extra_env, threads)
        pending[ref] = (index, name)
    progress = Progress(summary["tiles"], summary["alreadyDone"])
    halted = None
    last_line = time.monotonic()
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
            if not ready:
                if time.monotonic() - last_line >= args.heartbeat:
                    say(f"{progress.counter()} {len(pending)} tiles queued or running; {progress.line(len(pending))}")
                    last_line = time.monotonic()
                continue
            ref = ready[0]
            index, name = pending.pop(ref)
            last_line = time.monotonic()
            try:
                r = ray.get(ref)
            except ray.exceptions.TaskCancelledError:
                summary["notRun"] += 1
                continue
            except ray.exceptions.RayTaskError as e:
                message = str(e.cause) if getattr(e, "cause", None) is not None else str(e)
                fail(summary, index, name, message, 1 + args.retries)
                continue
            except ray.exceptions.RayError as e:  # the worker process or its node died, after Ray's retries
                fail(summary, index, name, f"{type(e).__name__}: {e}".strip(), 1 + args.retries)
                continue
            if "bad_input" in r:
                fail(summary, index, name, r["bad_input"] + "\n(exit code 2: not retried, retrying cannot help)", 1)
                if halted is None:
                    halted = r["bad_input"].splitlines()[0]
                    say("stopping: retrying cannot help (see the worker's output above); cancelling the other tasks")
                    for other in pending:
                        ray.cancel(other)
                continue
            progress.tile_finished()
            summary["computed" if r["computed"] else "skipped"] += 1
            summary["ran"].append(r)
            what = "computed" if r["computed"] else "already done"
            say(f"{progress.counter()} tile {index} ({name}): {what} in {duration(r['seconds'])} on node {r['node'][:8]} "
                f"({r['host']}, pid {r['pid']}); {progress.line(len(pending))}")
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("interrupted: cancelling the tasks; finished tiles stay")
        # force: a plain cancel does not reach a running task here (Ray 2.58: measured, nothing raised in 20 s). Ray
        # kills the task's worker and SIGKILLs its children, so their temporary files stay: those of this host are
        # removed below, the others by the next task of their tile on their host (task.py), or listed by `status`.
        for ref in pending:
            ray.cancel(ref, force=True)
        ray.wait(list(pending), num_returns=len(pending), timeout=10)
        # The kills land a moment later: wait (up to 10 s) until no process of this host writes a temporary.
        removed, deadline = [], time.monotonic() + 10
        while True:
            removed += task_module.remove_dead_temporaries(job)
            if not live_temporaries(job) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        if removed:
            say(f"removed {len(removed)} temporary files of the killed workers on this host")
        summary["notRun"] += len(pending)
        summary["interrupted"] = True
        return EXIT_INTERRUPTED
    per_node = {}
    for r in summary["ran"]:
        per_node[r["node"]] = per_node.get(r["node"], 0) + 1
    if per_node:
        say("tiles per node: " + ", ".join(f"{n[:8]} {c}" for n, c in sorted(per_node.items(), key=lambda kv: -kv[1])))
    if halted is not None:
        return EXIT_BAD_INPUT
    return EXIT_TILES_FAILED if summary["failed"] else EXIT_OK


def live_temporaries(job):
    """Temporary files in tiles/ that processes of this host are still writing."""
    tiles = os.path.join(job, "tiles")
    live = []
    for name in os.listdir(tiles) if os.path.isdir(tiles) else []:
        m = TEMPORARY.match(name)
        if m and m.group(2) == task_module.host_tag():
            try:
                os.kill(int(m.group(3)), 0)
                live.append(name)
            except ProcessLookupError:
                pass
            except PermissionError:
                live.append(name)
    return live


def fail(summary, index, name, message, attempts):
    """Records and reports tile `index` as failed after `attempts` attempts."""
    summary["failed"].append({"index": index, "name": name, "attempts": attempts, "error": message})
    say(f"tile {index} ({name}) failed after {attempts} attempt{'s' if attempts != 1 else ''}: {message}")


def write_summary(path, summary):
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")
