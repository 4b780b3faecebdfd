/** Shared fixtures of the arrow tests: temp folders, deterministic kernels, the project's Python. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kernel, KernelInit } from '../../src/ntk/kernel';
import { projectPython } from '../helpers/venv';

/** The repository root (tests run from build/test/arrow). */
export const REPO = resolve(__dirname, '../../..');

/** test/fixtures/arrow in the source tree. */
export const FIXTURES = join(REPO, 'test/fixtures/arrow');

/** A fresh temp folder; removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ntk-lab-arrow-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic float32 values (xorshift), with the awkward ones (NaN, -0, Inf, subnormal) at the front. */
export function awkwardFloats(n: number, seed = 1): Float32Array {
  const v = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = ((s >>> 0) / 4294967296 - 0.5) * 8;
  }
  const special = [NaN, -0, Infinity, -Infinity, 1e-45, -3.4028234663852886e38];
  for (let i = 0; i < Math.min(n, special.length); i++) v[i] = special[i];
  return v;
}

/** A kernel of `shape` with awkward values and the given descriptor overrides. */
export function makeKernel(shape: number[], over: Partial<KernelInit> = {}): Kernel {
  const size = shape.reduce((a, b) => a * b, 1);
  return new Kernel({
    values: awkwardFloats(size, size + shape.length),
    shape,
    kind: 'ntk',
    layout: 'trace',
    outputs: 1,
    label: 'ntk',
    symmetric: false,
    backend: 'test',
    wallTimeMs: 1.25,
    normalization: 'ntk-param',
    ...over,
  });
}

/** Byte-wise equality of two typed arrays (so NaN payloads and -0 count). */
export function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The project's Python for the cross-language tests. */
export function python(): string {
  return projectPython('numpy, pyarrow, pandas and polars');
}

/** Yields to the event loop (lets an awaited producer or sink interleave). */
export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
