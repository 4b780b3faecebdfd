/**
 * Kernel arguments as float64 matrices. A Kernel object knows its layout; a plain Matrix does not, so its
 * layout is inferred from the shapes by the caller (problem.ts). 'diagonal' Kernels ([n1, n2, k]) are split
 * into k separate n1 x n2 matrices, one per output.
 */
import { InvalidOptionError, ShapeError } from '../errors';
import type { Matrix } from '../linalg';
import { describe } from '../linalg/matrix';
import { checkFinite, checkMatrix } from '../linalg/validate';
import { Kernel, type OutputLayout } from '../ntk/kernel';
import type { KernelLike } from './types';

/** A kernel argument read as float64: one matrix (trace/full) or k (diagonal). */
export interface KernelRead {
  /** The layout the argument declares (Kernel objects) or undefined (plain matrices). */
  layout?: OutputLayout;
  /** Number of outputs k the Kernel declares (undefined for plain matrices). */
  outputs?: number;
  /** One float64 matrix, or k of them for 'diagonal'. */
  mats: Matrix<Float64Array>[];
  /** The data was float32 (sets the default symmetry tolerance). */
  float32: boolean;
  /** Shape for messages, e.g. "10 x 10" or "[10, 10, 3]". */
  shape: string;
}

/** Reads a kernel argument; checks that it is a Kernel or a well-formed Matrix and that it is finite. */
export function readKernel(fn: string, arg: string, k: KernelLike): KernelRead {
  if (k instanceof Kernel) return readKernelObject(fn, arg, k);
  if (typeof k !== 'object' || k === null) throw new ShapeError(`${fn}: ${arg} must be a Kernel or a Matrix {rows, cols, data}, got ${describe(k)}`);
  checkMatrix(fn, arg, k);
  checkFinite(fn, arg, k);
  const data = k.data instanceof Float64Array ? k.data : Float64Array.from(k.data);
  return { mats: [{ rows: k.rows, cols: k.cols, data }], float32: k.data instanceof Float32Array, shape: `${k.rows} x ${k.cols}` };
}

function readKernelObject(fn: string, arg: string, k: Kernel): KernelRead {
  const shape = `[${k.shape.join(', ')}]`;
  const d = k.float64();
  if (k.shape.length === 2) {
    const m = { rows: k.shape[0], cols: k.shape[1], data: d };
    checkFinite(fn, arg, m);
    return { layout: k.layout, outputs: k.outputs, mats: [m], float32: true, shape };
  }
  if (k.shape.length !== 3 || k.layout !== 'diagonal') {
    throw new ShapeError(`${fn}: ${arg} has shape ${shape} and layout '${k.layout}'; only 2-D kernels and 3-D 'diagonal' kernels [n1, n2, k] are supported`);
  }
  const [r, c, outs] = k.shape;
  // [n1, n2, k] keeps the output index innermost; each output's n1 x n2 matrix is a strided slice.
  const mats = Array.from({ length: outs }, (_, a) => {
    const m = new Float64Array(r * c);
    for (let i = 0; i < r * c; i++) m[i] = d[i * outs + a];
    return { rows: r, cols: c, data: m };
  });
  mats.forEach((m, a) => checkFinite(fn, `${arg} (output ${a})`, m));
  return { layout: 'diagonal', outputs: outs, mats, float32: true, shape };
}

/**
 * A fresh, exactly symmetric float64 copy (A + A^T) / 2 of the square matrix a. Throws ShapeError when some
 * |a_ij - a_ji| exceeds tol * max|a|: a non-symmetric Ktrain is almost always a test-train kernel passed by mistake.
 */
export function symmetrize(fn: string, arg: string, a: Matrix<Float64Array>, tol: number): Matrix<Float64Array> {
  if (!(tol >= 0)) throw new InvalidOptionError(`${fn}: opts.symmetryTolerance must be a number >= 0, got ${tol}`);
  const n = a.rows;
  if (a.cols !== n) throw new ShapeError(`${fn}: ${arg} must be square, got ${a.rows} x ${a.cols}`);
  const d = a.data;
  let maxAbs = 0;
  for (let i = 0; i < d.length; i++) maxAbs = Math.max(maxAbs, Math.abs(d[i]));
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    s[i * n + i] = d[i * n + i];
    for (let j = 0; j < i; j++) {
      const x = d[i * n + j];
      const y = d[j * n + i];
      if (Math.abs(x - y) > tol * maxAbs) {
        throw new ShapeError(`${fn}: ${arg} is not symmetric: (${i}, ${j}) = ${x} but (${j}, ${i}) = ${y} (tolerance ${(tol * maxAbs).toExponential(2)}); Ktrain must be the kernel of the training inputs with themselves`);
      }
      s[i * n + j] = s[j * n + i] = 0.5 * (x + y);
    }
  }
  return { rows: n, cols: n, data: s };
}
