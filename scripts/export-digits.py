"""Export scikit-learn's handwritten digits (1,797 8x8 images, pixel values 0..16) to data/digits.arrow, once.

The data ship inside the scikit-learn wheel (sklearn/datasets/data/digits.csv.gz), so this needs no network:

    PIP_INDEX_URL=file:///opt/pypi/simple .venv/bin/pip install scikit-learn   # or any pip index
    .venv/bin/python scripts/export-digits.py

Schema (an Arrow IPC file, uncompressed so that apache-arrow JS reads it):
    pixels: fixed_size_list<uint8>[64]   row-major 8x8 image, values 0..16
    label:  uint8                        the digit, 0..9
Schema metadata: source, sklearn_version, rows, pixel_sum, label_counts (JSON), image_shape (JSON).
ntk-lab's loadDigits() reads it (src/data/digits.ts). The file is committed; re-running gives the same bytes.
"""
import json
import pathlib

import numpy as np
import pyarrow as pa
import sklearn
from sklearn.datasets import load_digits

OUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "digits.arrow"


def main() -> None:
    digits = load_digits()
    images = digits.data.astype(np.float64)
    assert images.shape == (1797, 64)
    pixels = images.astype(np.uint8)
    assert np.array_equal(pixels, images), "pixels are integers 0..16"
    labels = digits.target.astype(np.uint8)
    counts = np.bincount(labels, minlength=10).tolist()
    pixel_type = pa.list_(pa.field("item", pa.uint8(), nullable=False), 64)
    column = pa.FixedSizeListArray.from_arrays(pa.array(pixels.reshape(-1), type=pa.uint8()), 64)
    schema = pa.schema(
        [pa.field("pixels", pixel_type, nullable=False), pa.field("label", pa.uint8(), nullable=False)],
        metadata={
            "source": "scikit-learn load_digits (UCI ML hand-written digits, test set of the optical recognition data)",
            "sklearn_version": sklearn.__version__,
            "rows": str(len(labels)),
            "pixel_sum": str(int(pixels.astype(np.int64).sum())),
            "label_counts": json.dumps(counts),
            "image_shape": json.dumps([8, 8]),
        },
    )
    table = pa.Table.from_arrays([column.cast(pixel_type), pa.array(labels, type=pa.uint8())], schema=schema)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(OUT), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        writer.write_table(table)
    print(f"{OUT}: {len(labels)} rows, {OUT.stat().st_size} bytes, label counts {counts}")


if __name__ == "__main__":
    main()
