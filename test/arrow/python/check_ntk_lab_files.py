"""Checks, from Python, the files that test/arrow/python.test.ts had ntk-lab write into DIR.

    .venv/bin/python test/arrow/python/check_ntk_lab_files.py DIR

DIR/expected.json holds what each file must contain; float data comes as hex of the raw little-endian
bytes, so the comparisons are bit for bit. Exits non-zero with an AssertionError on the first mismatch.
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc

DIR = sys.argv[1]
EXP = json.load(open(os.path.join(DIR, "expected.json")))
checks = 0


def check(cond, what):
    global checks
    checks += 1
    assert cond, what


def meta_of(schema):
    return {k.decode(): v.decode() for k, v in (schema.metadata or {}).items()}


def run_meta(m, kind):
    check(m["producer"] == "ntk-lab", f"producer {m.get('producer')}")
    check(m["result_kind"] == kind, f"result_kind {m.get('result_kind')}")
    check(json.loads(m["params"]) == EXP["params"], f"params {m['params']}")
    check(m["seed"] == str(EXP["seed"]) and m["backend"] == EXP["backend"], "seed/backend")
    check(m["producer_version"] == EXP["version"], "version")


def from_hex(h, dtype):
    return np.frombuffer(bytes.fromhex(h), dtype=dtype)


# Kernel tiles, IPC file: pyarrow, pandas, polars.
path = os.path.join(DIR, "kernels.arrow")
reader = ipc.open_file(path)
m = meta_of(reader.schema)
run_meta(m, "kernel-tiles")
check(m["complete"] == "true" and m["cancelled"] == "false", "kernels complete")
table = reader.read_all()
table.validate(full=True)
types = {f.name: f.type for f in table.schema}
check(types["values"].value_type == pa.float32() and pa.types.is_list(types["values"]), f"values type {types['values']}")
check(types["row_start"] == pa.int32() and types["wall_time_ms"] == pa.float64() and types["symmetric"] == pa.bool_(), "tile types")
check(types["shape"].value_type == pa.int32(), "shape type")
df = table.to_pandas()
check(df["values"].iloc[0].dtype == np.float32, "pandas values dtype")
check(df["row_start"].dtype == np.int32, "pandas int32")
for k, exp in enumerate(EXP["kernels"]):
    tiles = df[df["kernel"] == k]
    check(set(tiles["label"]) == {exp["label"]}, f"label {k}")
    shape = [int(s) for s in tiles["shape"].iloc[0]]
    check(shape == exp["shape"], f"shape {shape}")
    rows, cols = shape[0], int(np.prod(shape[1:]))
    full = np.full((rows, cols), np.nan, dtype=np.float32)
    for t in tiles.itertuples():
        full[t.row_start:t.row_end, t.col_start:t.col_end] = t.values.reshape(t.row_end - t.row_start, t.col_end - t.col_start)
    check(full.tobytes() == bytes.fromhex(exp["hex"]), f"kernel {k} values differ")
pdf = pl.read_ipc(path, memory_map=False)
check(pdf.schema["values"] == pl.List(pl.Float32) and pdf.schema["kernel"] == pl.Int32, f"polars schema {pdf.schema}")
first = pdf.filter(pl.col("kernel") == 0).sort("row_start")
flat = np.concatenate([np.asarray(v, dtype=np.float32) for v in first["values"].to_list()])
check(flat.tobytes() == bytes.fromhex(EXP["kernels"][0]["hex"]), "polars kernel 0 values differ")

# Spectrum: float64 bits through pyarrow, pandas, polars.
path = os.path.join(DIR, "spectrum.arrow")
t = ipc.open_file(path).read_all()
run_meta(meta_of(t.schema), "spectrum")
check(t.schema.field("eigenvalue").type == pa.float64() and t.schema.field("index").type == pa.int32(), "spectrum types")
want = bytes.fromhex(EXP["spectrum_hex"])
check(t.column("eigenvalue").to_numpy().tobytes() == want, "pyarrow eigenvalues differ")
sdf = t.to_pandas()
check(sdf["eigenvalue"].dtype == np.float64 and sdf["eigenvalue"].to_numpy().tobytes() == want, "pandas eigenvalues differ")
check(list(sdf["label"].unique()) == EXP["spectrum_labels"], f"labels {list(sdf['label'].unique())}")
pls = pl.read_ipc(path, memory_map=False)
check(pls["eigenvalue"].dtype == pl.Float64 and pls["eigenvalue"].to_numpy().tobytes() == want, "polars eigenvalues differ")

# One-step sweep: int64 seeds, NaN markers.
sw = ipc.open_file(os.path.join(DIR, "sweep.arrow")).read_all().to_pandas()
check(sw["seed"].dtype == np.int64 and list(sw["seed"]) == EXP["sweep_seeds"], f"seeds {list(sw['seed'])}")
check(np.isnan(sw["risk_trained"].iloc[0]), "NaN risk kept")

# Density: laws in metadata.
dm = meta_of(ipc.open_file(os.path.join(DIR, "density.arrow")).schema)
check(json.loads(dm["laws"]) == EXP["laws"], f"laws {dm.get('laws')}")

# Cancelled runs: the file's footer says complete false; the stream's final 0-row batch says it.
r = ipc.open_file(os.path.join(DIR, "cancelled.arrow"))
cm = meta_of(r.schema)
check(cm["complete"] == "false" and cm["cancelled"] == "true", f"cancelled file metadata {cm}")
ct = r.read_all()
ct.validate(full=True)
check(r.num_record_batches == EXP["cancelled_batches"] and ct.num_rows == EXP["cancelled_rows"], "cancelled file rows")
check(int(cm["rows"]) == EXP["cancelled_rows"], "cancelled rows metadata")
check(len(pd.read_feather(os.path.join(DIR, "cancelled.arrow"))) == EXP["cancelled_rows"], "pandas read_feather")

s = ipc.open_stream(os.path.join(DIR, "cancelled.arrows"))
check("complete" not in meta_of(s.schema), "stream header carries no status")
batches = []
while True:
    try:
        batches.append(s.read_next_batch_with_custom_metadata())
    except StopIteration:
        break
last, last_meta = batches[-1]
lm = {k.decode(): v.decode() for k, v in last_meta.items()}
check(last.num_rows == 0 and lm["ntk_lab_status"] == "final" and lm["complete"] == "false", f"stream status {lm}")
check(sum(b.num_rows for b, _ in batches) == EXP["cancelled_rows"], "stream rows")
check(pl.read_ipc_stream(os.path.join(DIR, "cancelled.arrows")).height == EXP["cancelled_rows"], "polars stream rows")

print(f"ok: {checks} checks (pyarrow {pa.__version__}, pandas {pd.__version__}, polars {pl.__version__})")
