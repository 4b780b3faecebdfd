/** Shared by the training tests: .npy files for the numpy child, seeded data, the Python reference script. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectPython } from '../helpers/venv';
import { Rng } from '../../src/random';

/** Writes `data` (row-major, `shape`) as a little-endian float64 .npy file (format 1.0). */
export function writeNpy64(path: string, data: ArrayLike<number>, shape: readonly number[]): void {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(Float64Array.from(data).buffer);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

/** Runs test/training/python/`script` with `args` in the project's venv and parses its JSON stdout. */
export function runPython<T>(script: string, args: string[], needs = 'numpy'): T {
  const path = join(resolve(__dirname, '../../..'), 'test/training/python', script);
  const r = spawnSync(projectPython(needs), [path, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** n x d standard normal rows as a flat Float32Array (seeded). */
export function gaussian(n: number, d: number, seed: number): Float32Array {
  return new Rng(seed).normals32(n * d);
}

/** |a - b| / max(|b|, floor): relative error with an absolute floor for values near 0. */
export function relErr(a: number, b: number, floor = 1e-12): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), floor);
}
