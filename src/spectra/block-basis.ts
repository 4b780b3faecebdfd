/**
 * Orthonormal bases kept as a list of n x b float64 blocks (row-major), for the block Krylov methods: projecting a
 * block out of the basis (block classical Gram-Schmidt, twice: "twice is enough") and orthonormalising a block
 * within itself by SVQB (Stathopoulos & Wu 2002: X W D^{-1/2} from the eigen-decomposition of X^T X, dropping the
 * directions the block has lost), all through linalg's GEMM and eigh.
 */
import { eigh, matmul, type Matrix } from '../linalg';
import { Rng } from '../random';

/** X <- X - Q (Q^T X) for every block Q of `basis`, twice. */
export function projectOut(basis: readonly Matrix<Float64Array>[], x: Matrix<Float64Array>): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      const c = matmul(q, x, { transA: true, checkFinite: false });
      const qc = matmul(q, c, { checkFinite: false });
      for (let i = 0; i < x.data.length; i++) x.data[i] -= qc.data[i];
    }
  }
}

/** Largest column norm of X. */
export function maxColumnNorm(x: Matrix<Float64Array>): number {
  const s = new Float64Array(x.cols);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) s[j] += x.data[i * x.cols + j] ** 2;
  return Math.sqrt(Math.max(0, ...s));
}

/**
 * Orthonormal columns spanning X's directions above `floor` (an absolute norm): X W D^{-1/2} over the eigenpairs
 * of X^T X with D > floor^2, done twice. Returns an n x c block, c <= X.cols (0 columns when nothing is left).
 */
export function svqb(x: Matrix<Float64Array>, floor: number): Matrix<Float64Array> {
  let cur = x;
  for (let pass = 0; pass < 2; pass++) {
    const g = matmul(cur, cur, { transA: true, checkFinite: false });
    for (let i = 0; i < g.rows; i++) for (let j = 0; j < i; j++) g.data[i * g.cols + j] = g.data[j * g.cols + i] = 0.5 * (g.data[i * g.cols + j] + g.data[j * g.cols + i]);
    const e = eigh(g, { vectors: true, checkSymmetric: false });
    const w = e.vectors as Matrix<Float64Array>;
    const keep: number[] = [];
    const cut = pass === 0 ? floor * floor : 0.5; // second pass: the columns are unit already, keep what stays so
    for (let j = e.values.length - 1; j >= 0; j--) if (e.values[j] > cut) keep.push(j);
    const m = new Float64Array(cur.cols * keep.length);
    keep.forEach((j, c) => {
      const s = 1 / Math.sqrt(e.values[j]);
      for (let i = 0; i < cur.cols; i++) m[i * keep.length + c] = w.data[i * w.cols + j] * s;
    });
    if (keep.length === 0) return { rows: x.rows, cols: 0, data: new Float64Array(0) };
    cur = matmul(cur, { rows: cur.cols, cols: keep.length, data: m }, { checkFinite: false });
  }
  return cur;
}

/** An n x b block of standard normals (seeded). */
export function randomBlock(rng: Rng, n: number, b: number): Matrix<Float64Array> {
  return { rows: n, cols: b, data: rng.normals64(n * b) };
}

/** Columns [c0, c1) of X as a new block. */
export function columns(x: Matrix<Float64Array>, c0: number, c1: number): Matrix<Float64Array> {
  const w = c1 - c0;
  const out = new Float64Array(x.rows * w);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < w; j++) out[i * w + j] = x.data[i * x.cols + c0 + j];
  return { rows: x.rows, cols: w, data: out };
}

/** [X | Y] side by side. */
export function hstack(blocks: readonly Matrix<Float64Array>[]): Matrix<Float64Array> {
  const n = blocks[0].rows;
  const w = blocks.reduce((s, b) => s + b.cols, 0);
  const out = new Float64Array(n * w);
  let c0 = 0;
  for (const b of blocks) {
    for (let i = 0; i < n; i++) for (let j = 0; j < b.cols; j++) out[i * w + c0 + j] = b.data[i * b.cols + j];
    c0 += b.cols;
  }
  return { rows: n, cols: w, data: out };
}
