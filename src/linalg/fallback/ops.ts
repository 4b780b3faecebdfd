/**
 * The fallback's operations as plain data (a discriminated union), so the same request can run inline
 * or be posted to the fallback worker thread (./pool.ts) by structured clone.
 */
import { choleskyFallback, choleskySolveFallback } from './cholesky';
import { eighFallback } from './eigh';
import { gemmFallback, syrkFallback } from './gemm';
import { svdFallback } from './svd';
import type { FloatArray } from '../matrix';

export type FallbackOp =
  | { op: 'gemm'; transA: boolean; transB: boolean; m: number; n: number; k: number; alpha: number; a: FloatArray; b: FloatArray }
  | { op: 'syrk'; trans: boolean; n: number; k: number; alpha: number; a: FloatArray }
  | { op: 'eigh'; n: number; a: Float64Array; vectors: boolean }
  | { op: 'cholesky'; n: number; a: Float64Array }
  | { op: 'solve'; n: number; nrhs: number; a: Float64Array; b: Float64Array }
  | { op: 'svd'; m: number; n: number; a: Float64Array };

/** Every result is a record of typed arrays (transferable back from the worker without a copy). */
export type FallbackResult = Record<string, FloatArray>;

/** Runs one fallback operation on this thread. Inputs are not modified. */
export function runFallbackOp(req: FallbackOp): FallbackResult {
  switch (req.op) {
    case 'gemm': {
      const c = req.a instanceof Float32Array ? new Float32Array(req.m * req.n) : new Float64Array(req.m * req.n);
      gemmFallback(req.transA, req.transB, req.m, req.n, req.k, req.alpha, req.a, req.b, c);
      return { c };
    }
    case 'syrk': {
      const c = req.a instanceof Float32Array ? new Float32Array(req.n * req.n) : new Float64Array(req.n * req.n);
      syrkFallback(req.trans, req.n, req.k, req.alpha, req.a, c);
      return { c };
    }
    case 'eigh': {
      const r = eighFallback(req.a, req.n, req.vectors);
      return r.vectors ? { values: r.values, vectors: r.vectors } : { values: r.values };
    }
    case 'cholesky':
      return { l: choleskyFallback(req.a, req.n) };
    case 'solve': {
      const l = choleskyFallback(req.a, req.n);
      const x = req.b.slice();
      choleskySolveFallback(l, req.n, x, req.nrhs);
      return { x };
    }
    case 'svd': {
      const r = svdFallback(req.a, req.m, req.n);
      return { u: r.u, s: r.s, vt: r.vt };
    }
  }
}
