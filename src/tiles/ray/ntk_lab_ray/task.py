"""The body of one Ray task: run ntk-lab's worker CLI for one tile on this node.

Only the standard library (and ray, for the node id) is used, and the driver ships this module to the workers by
value (cloudpickle), so the nodes need ray, Node and ntk-lab but not this package on their Python path.

Outcomes: a dict for a tile that is done (computed now or found done), a dict with `bad_input` for exit code 2 (the
worker's "retrying cannot help": changed inputs, another ntk-lab version, a full disk, an index out of range), and a
raised TileTaskError for anything else (a crash, a kill, an unexpected exit code), which Ray retries.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time


class TileTaskError(RuntimeError):
    """A worker that failed in a way a retry may mend (killed, crashed, exited 1)."""


def host_tag():
    """This host's name as ntk-lab writes it in temporary file names (src/tiles/atomic.ts, hostTag)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()) or "host"


def _remove_in_tiles(job, doomed):
    """Removes the files of job/tiles/ whose name `doomed(name)` is true (one already gone is skipped); returns
    their names."""
    tiles = os.path.join(job, "tiles")
    removed = []
    for name in os.listdir(tiles) if os.path.isdir(tiles) else []:
        if not doomed(name):
            continue
        try:
            os.unlink(os.path.join(tiles, name))
            removed.append(name)
        except FileNotFoundError:
            pass
    return removed


def remove_temporaries(job, pid):
    """Removes the temporary files the dead worker `pid` of this host left in tiles/; returns their names."""
    pattern = re.compile(r"^\..+\.tmp-" + re.escape(host_tag()) + "-" + str(pid) + r"-[0-9a-f]+$")
    return _remove_in_tiles(job, lambda name: pattern.match(name) is not None)


def _running(pid):
    """Whether process `pid` of this host is alive (or not ours to signal: alive all the same)."""
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def remove_dead_temporaries(job, tile=None):
    """Removes the temporary files in tiles/ that processes of this host left and that are no longer running (of
    tile `tile` only, when given: e.g. '0-1'); returns their names. A temporary is never read, only written by its
    own process, so removing a dead one's is always safe."""
    pattern = re.compile(r"^\.(.+)\.tmp-([A-Za-z0-9._-]+)-(\d+)-[0-9a-f]+$")

    def dead(name):
        m = pattern.match(name)
        if not m or m.group(2) != host_tag() or (tile is not None and m.group(1).rsplit(".", 1)[0] != tile):
            return False
        return not _running(int(m.group(3)))

    return _remove_in_tiles(job, dead)


def _die_with_parent():
    """A function for the worker's child to call before exec: SIGTERM when this Ray worker dies (Linux only), so
    that no orphan keeps computing after a forced cancel; None elsewhere. Looked up here, in the parent: the child
    between fork and exec must not import anything."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None).prctl
    except (ImportError, OSError, AttributeError):
        return None
    return lambda: prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def _tail(text, lines=12):
    return "\n".join(text.strip().splitlines()[-lines:])


def run_tile(job, index, name, argv, extra_env, threads):
    """Runs `argv` (the worker CLI for tile `index`) with `threads` BLAS threads; see the module comment."""
    try:
        import ray

        node = ray.get_runtime_context().get_node_id()
    except Exception:
        node = "unknown"
    env = dict(os.environ)
    env.update(extra_env)
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
    # A killed earlier attempt of this tile on this host may have left its temporary file (a force-cancelled Ray
    # worker's children are SIGKILLed by Ray).
    remove_dead_temporaries(job, name)
    started = time.time()
    child = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_die_with_parent(),
    )
    try:
        output, _ = child.communicate()
    except BaseException:
        # Stopped (SystemExit, KeyboardInterrupt): the worker removes its temporary file on SIGTERM.
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        remove_temporaries(job, child.pid)
        raise
    seconds = time.time() - started
    where = f"node {node[:8]} ({host_tag()}, worker pid {child.pid})"
    code = child.returncode
    if code == 0:
        return {
            "index": index,
            "name": name,
            "node": node,
            "host": host_tag(),
            "pid": child.pid,
            "seconds": seconds,
            "computed": "already done" not in output,
        }
    removed = remove_temporaries(job, child.pid)
    how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
    cleanup = f"; removed its temporary file{'s' if len(removed) > 1 else ''} {', '.join(removed)}" if removed else ""
    last = _tail(output, 1) or "(no output)"
    message = f"the worker on {where} {how}{cleanup}; its last line: {last}\nIts output:\n{_tail(output)}"
    if code == 2:
        return {"index": index, "name": name, "node": node, "bad_input": message}
    raise TileTaskError(message)
