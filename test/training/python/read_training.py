"""Reads a 'training' Arrow IPC stream written by ntk-lab's train() with pyarrow and pandas (test/training/train.test.ts).

Usage: read_training.py FILE. Prints JSON: the schema's columns and types, result_kind, the rows, the steps,
and the pivot of the train loss by step (pandas), so the test can compare them with what ntk-lab streamed.
"""
import json
import sys

import pyarrow as pa
import pyarrow.ipc as ipc


def main():
    with open(sys.argv[1], "rb") as f:
        table = ipc.open_stream(f).read_all()
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    df = table.to_pandas()
    loss = df[(df.metric == "loss") & (df.label == "train")].set_index("step")["value"]
    wide = df.pivot_table(index="step", columns=["metric", "label"], values="value")
    print(json.dumps({
        "columns": [[f.name, str(f.type)] for f in table.schema],
        "kind": meta.get("result_kind"),
        "complete": meta.get("complete"),
        "rows": table.num_rows,
        "steps": sorted(int(s) for s in df.step.unique()),
        "train_loss": {str(int(k)): float(v) for k, v in loss.items()},
        "wide_columns": len(wide.columns),
    }))


if __name__ == "__main__":
    main()
