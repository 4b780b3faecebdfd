/**
 * Cost of writing and reading kernels as Arrow tiles (acceptance 4 of issue 5).
 *
 *   npx tsc -p . && node build/bench/arrow.js [n=2000] [repeats=7]
 *
 * Writes an n x n float32 kernel (n = 2000: 16 MB) with writeKernels in both IPC formats, reads it back with
 * readKernels, and times a plain fs.writeFile of the same bytes as the floor. Reports median wall times and
 * MB/s (1 MB = 1e6 bytes); compare the write time with the NTK computation it stores.
 */
import { rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelStream, readKernels, writeKernels } from '../src/arrow';
import { Kernel } from '../src/ntk/kernel';

async function time(repeats: number, f: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  await f(); // warm-up: JIT, page cache, file creation
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  const repeats = Number(process.argv[3] ?? 7);
  const values = new Float32Array(n * n);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(i) * 1e-2;
  const kernel = new Kernel({ values, shape: [n, n], kind: 'ntk', layout: 'trace', outputs: 1, label: 'ntk', symmetric: true, backend: 'bench', wallTimeMs: 0 });
  const mb = values.byteLength / 1e6;
  const file = join(tmpdir(), `ntk-lab-bench-${process.pid}.arrow`);
  const stream = join(tmpdir(), `ntk-lab-bench-${process.pid}.arrows`);
  const raw = join(tmpdir(), `ntk-lab-bench-${process.pid}.bin`);
  const rows: [string, number, number][] = [];
  try {
    const floor = await time(repeats, () => writeFile(raw, values));
    rows.push(['fs.writeFile of the raw values (floor)', floor, statSync(raw).size]);
    rows.push(['writeKernels, IPC file (.arrow)', await time(repeats, () => writeKernels(file, [kernel])), statSync(file).size]);
    rows.push(['writeKernels, IPC stream (.arrows)', await time(repeats, () => writeKernels(stream, [kernel])), statSync(stream).size]);
    rows.push(['kernelStream -> toTable (in memory)', await time(repeats, () => kernelStream([kernel]).toTable()), values.byteLength]);
    let back: Kernel[] = [];
    rows.push(['readKernels, IPC file', await time(repeats, async () => (back = await readKernels(file))), statSync(file).size]);
    rows.push(['readKernels, IPC stream', await time(repeats, async () => (back = await readKernels(stream))), statSync(stream).size]);
    const same = Buffer.from(back[0].values.buffer).equals(Buffer.from(values.buffer));
    console.log(`kernel ${n} x ${n} float32 = ${mb.toFixed(1)} MB; median of ${repeats} runs; files in ${tmpdir()}; node ${process.version}`);
    for (const [what, ms, bytes] of rows) {
      console.log(`${what.padEnd(42)} ${ms.toFixed(1).padStart(8)} ms  ${(bytes / 1e6 / (ms / 1e3)).toFixed(0).padStart(6)} MB/s  (${(bytes / 1e6).toFixed(2)} MB)`);
    }
    console.log(`read back equals the kernel bit for bit: ${same}`);
  } finally {
    for (const p of [file, stream, raw]) rmSync(p, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
