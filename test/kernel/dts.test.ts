/**
 * tslab compiles cells with its own TypeScript (5.0), not the one that builds this package: a cell that
 * imports ntk-lab must type-check there, and so must the package's .d.ts files it pulls in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as TS from '@tslab/typescript-for-tslab';
import { notebookFolder, REPO, tempDir } from './helpers';

// The TypeScript that tslab itself loads (its own dependency).
const ts = createRequire(require.resolve('tslab/package.json'))('@tslab/typescript-for-tslab') as typeof TS;

const CELL = `
import { ensureBackend, mlp, ntk, Kernel, NtkLabError, type Matrix } from 'ntk-lab';
import { ResultStream, resultSchema, IpcEncoder, readResults, kernelTileBatch } from 'ntk-lab/arrow';
import { spectrum, type SpectrumResult } from 'ntk-lab/spectra';
import { hermite, marchenkoPastur, lawDensity, type LawDensity } from 'ntk-lab/theory';
import { oneStepSweepStream, singleIndexTeacher, type OneStepSweepRow } from 'ntk-lab/one-step';
import { gram, eigh, linalgInfo } from 'ntk-lab/linalg';
import { openComm, registerTarget, openWidget, onWidgetOpened, display, cellSignal, commsAvailable, Comm, CommMessage, WidgetModel, DisplayHandle, CommUnavailableError } from 'ntk-lab/notebook';
import { showSpectrum, SpectrumWidget, RiskWidget, KernelWidget, staticBundle, type SweepWidgetOptions } from 'ntk-lab/notebook';
import { planTileJob, TileJob, runLocal, jobStatus, type TileJobManifest, type JobStatus } from 'ntk-lab/tiles';
export async function cell(): Promise<void> {
  await ensureBackend();
  const comm: Comm = openComm('t', { a: 1 }, { b: [true, null] }, [new Float32Array(2), new DataView(new ArrayBuffer(1))]);
  comm.onMsg((m: CommMessage) => { const b: readonly Uint8Array[] = m.buffers; comm.send({ n: b.length }, {}, b); });
  comm.onClose(() => undefined);
  registerTarget('x', (c: Comm, open: CommMessage) => c.send(open.data));
  // docs/kernel.md's one-liner: the handler returns onMsg's remover, which a target handler may.
  registerTarget('echo', (c, open) => c.onMsg((m) => c.send(m.data, {}, m.buffers)));
  const w: WidgetModel = openWidget({ modelName: 'M', modelModule: 'm', modelModuleVersion: '1', state: { v: new Float64Array(3), l: [1, 'a', null] } });
  w.onChange((patch) => console.log(Object.keys(patch)));
  onWidgetOpened((m: WidgetModel) => m.id);
  const h: DisplayHandle = display({ 'text/plain': 'x', 'image/png': new Uint8Array(1) }, { displayId: 'd' });
  h.update({ 'text/plain': 'y' });
  const signal: AbortSignal = cellSignal();
  const K: Kernel = await ntk(mlp({ inputDim: 2, widths: [3], seed: 0 }), [[1, 2]], undefined, { signal });
  const values: Float32Array = K.values;
  const ok: boolean = commsAvailable() && values.length > 0 && new CommUnavailableError('m') instanceof NtkLabError;
  const s: SpectrumResult = await spectrum(K);
  const law: LawDensity = lawDensity(marchenkoPastur({ ratio: 0.5 }));
  const x: Matrix = gram({ rows: 1, cols: 2, data: new Float32Array([1, 2]) });
  const e = eigh(x);
  const teacher = singleIndexTeacher({ d: 4, activation: 'erf' });
  const rows: OneStepSweepRow[] = [];
  const options: SweepWidgetOptions = { n: 64, d: 8, width: 16 };
  const widget: SpectrumWidget = await showSpectrum(s);
  const tiles: [TileJobManifest, JobStatus] | undefined = ok ? undefined : [await planTileJob('job', mlp({ inputDim: 2, widths: [3] }), [[1, 2]]), await jobStatus(await TileJob.open('job'))];
  console.log(ok, ResultStream, resultSchema, IpcEncoder, readResults, kernelTileBatch, hermite('relu').mu1, law.x.length, e.values, teacher,
    rows, options, widget, RiskWidget, KernelWidget, staticBundle, oneStepSweepStream, linalgInfo().implementation, tiles, runLocal);
}
`;

/** The options tslab's converter compiles cells with (node mode, Node >= 18), with the .d.ts files checked too. */
function options(dir: string): TS.CompilerOptions {
  return {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    declaration: true,
    resolveJsonModule: true,
    // tslab skips them; checking them here is what tells whether ntk-lab's declarations suit TypeScript 5.0.
    skipLibCheck: false,
    noEmit: true,
    rootDir: dir,
  };
}

function describe(d: readonly TS.Diagnostic[]): string {
  return d.map((x) => `${x.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(x.messageText, '\n')}`).join('\n');
}

test(`a cell importing ntk-lab and every subpath of its exports type-checks with tslab's TypeScript ${ts.version}, ntk-lab's .d.ts files included`, () => {
  const { dir: root, cleanup } = tempDir();
  try {
    const dir = notebookFolder(root);
    const cell = join(dir, 'cell.ts');
    writeFileSync(cell, CELL);
    const all = ts.getPreEmitDiagnostics(ts.createProgram([cell], options(dir)));
    // Files are reported by their real paths: the cell, and this repository's build (third-party .d.ts are not ours to judge).
    const ours = all.filter((d) => d.file === undefined || d.file.fileName === cell || d.file.fileName.startsWith(join(REPO, 'build', 'src')));
    assert.equal(describe(ours), '');
    assert.ok(ts.version.startsWith('5.0.'), `tslab's TypeScript is ${ts.version}`);
  } finally {
    cleanup();
  }
});
