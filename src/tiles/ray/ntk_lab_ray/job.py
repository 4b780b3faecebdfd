"""A tile job folder as the driver sees it: the manifest's grid, and which tiles are done.

The rules are ntk-lab's (src/tiles/manifest.ts, grid.ts, tile-record.ts): tiles are numbered row-major over the
kept blocks (the upper half i <= j of a symmetric kernel), tile K is `tiles/<i>-<j>.arrow` plus its record
`tiles/<i>-<j>.json`, and a tile is done exactly when the record names this job and tile and the Arrow file has the
recorded size (and sha256, unless only sizes are checked). The worker checks again before skipping a tile, so a
mistake here costs a task, never a wrong tile.
"""
import hashlib
import json
import os
import re

JOB_FORMAT = "ntk-lab/tile-job"
JOB_SCHEMA_VERSION = 1
RECORD_FORMAT = "ntk-lab/tile-record"
TEMPORARY = re.compile(r"^\.(.+)\.tmp-([A-Za-z0-9._-]+)-(\d+)-[0-9a-f]+$")


class JobError(Exception):
    """The folder is not a tile job this driver can run (no manifest, another format or schema version)."""


def read_manifest(job):
    """The parsed manifest.json of the job folder `job` (JobError when it is not a job of schema version 1)."""
    path = os.path.join(job, "manifest.json")
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
    except FileNotFoundError:
        raise JobError(f"{path}: no manifest.json, so {job} is not a tile job (plan one with `ntk-lab tiles plan`)") from None
    except (OSError, ValueError) as e:
        raise JobError(f"{path}: unreadable ({e})") from None
    if not isinstance(m, dict) or m.get("format") != JOB_FORMAT:
        raise JobError(f"{path}: not an ntk-lab tile job (format {m.get('format') if isinstance(m, dict) else None!r})")
    if m.get("schemaVersion") != JOB_SCHEMA_VERSION:
        raise JobError(f"{path}: job schema version {m.get('schemaVersion')!r}; this driver reads version {JOB_SCHEMA_VERSION}")
    g = m.get("grid")
    if not isinstance(g, dict) or not all(isinstance(g.get(k), int) for k in ("rowBlocks", "colBlocks", "tiles")):
        raise JobError(f"{path}: malformed grid {g!r}")
    return m


def tile_names(grid):
    """Tile names `<i>-<j>` in index order: row-major over the kept blocks."""
    upper = grid.get("half") == "upper"
    names = [f"{i}-{j}" for i in range(grid["rowBlocks"]) for j in range(i if upper else 0, grid["colBlocks"])]
    if len(names) != grid["tiles"]:
        raise JobError(f"grid lists {grid['tiles']} tiles, its blocks give {len(names)}")
    return names


def sha256_file(path):
    """Hex SHA-256 of a file, read in 4 MiB pieces."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for piece in iter(lambda: f.read(1 << 22), b""):
            h.update(piece)
    return h.hexdigest()


def tile_state(job, job_id, index, name, verify="hash"):
    """('done', None) or (state, reason) for tile `index` named `name`; verify is 'hash' or 'size'."""
    tiles = os.path.join(job, "tiles")
    arrow = os.path.join(tiles, f"{name}.arrow")
    try:
        with open(os.path.join(tiles, f"{name}.json"), encoding="utf-8") as f:
            record = json.load(f)
    except FileNotFoundError:
        return ("missing", "missing") if not os.path.exists(arrow) else ("partial", "Arrow file without a record")
    except (OSError, ValueError) as e:
        return "corrupt", f"record unreadable ({e})"
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        return "corrupt", "record malformed"
    if record.get("job") != job_id or record.get("tile") != name or record.get("index") != index:
        return "corrupt", f"record belongs to job {record.get('job')} tile {record.get('tile')}"
    try:
        size = os.stat(arrow).st_size
    except FileNotFoundError:
        return "corrupt", "Arrow file missing"
    if size != record.get("bytes"):
        return "corrupt", f"{size} bytes, the record says {record.get('bytes')}"
    if verify == "hash" and sha256_file(arrow) != record.get("sha256"):
        return "corrupt", "checksum mismatch"
    return "done", None
