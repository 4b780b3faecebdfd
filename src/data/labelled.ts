/** The common form of a labelled data set: features as a row-major float32 matrix, labels, one-hot targets. */
import { ShapeError } from '../errors';
import type { Matrix } from '../linalg/matrix';

/** Examples with class labels: x is n x d (row-major float32), y the labels 0..numClasses-1, targets y one-hot. */
export interface ClassificationSet {
  x: Matrix<Float32Array>;
  y: Int32Array;
  /** y one-hot: n x numClasses float32 (1 at the label, 0 elsewhere). */
  targets: Matrix<Float32Array>;
  /** Each row's index in the source data set (its order before shuffling). */
  indices: Int32Array;
  /** Shape of one example ([8, 8, 1] for digits, [28, 28, 1] for MNIST): reshape x to [n, ...exampleShape] for a CNN. */
  exampleShape: number[];
  numClasses: number;
}

/** Labels as one-hot rows: n x numClasses float32. */
export function oneHot(y: ArrayLike<number>, numClasses: number): Matrix<Float32Array> {
  if (!Number.isSafeInteger(numClasses) || numClasses < 1) throw new ShapeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const data = new Float32Array(y.length * numClasses);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new ShapeError(`oneHot: label ${c} at row ${i} is outside 0..${numClasses - 1}`);
    data[i * numClasses + c] = 1;
  }
  return { rows: y.length, cols: numClasses, data };
}

/** The rows `rows` of a set, in that order. */
export function takeRows(set: ClassificationSet, rows: ArrayLike<number>): ClassificationSet {
  const d = set.x.cols;
  const k = set.numClasses;
  const n = rows.length;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    x.set(set.x.data.subarray(r * d, (r + 1) * d), i * d);
    y[i] = set.y[r];
    indices[i] = set.indices[r];
  }
  return { x: { rows: n, cols: d, data: x }, y, targets: oneHot(y, k), indices, exampleShape: [...set.exampleShape], numClasses: k };
}

/** Builds a ClassificationSet from features and integer labels (labels checked against numClasses). */
export function classificationSet(x: Matrix<Float32Array>, y: Int32Array, numClasses: number, exampleShape: number[]): ClassificationSet {
  if (y.length !== x.rows) throw new ShapeError(`${x.rows} examples but ${y.length} labels`);
  return { x, y, targets: oneHot(y, numClasses), indices: Int32Array.from({ length: x.rows }, (_, i) => i), exampleShape, numClasses };
}
