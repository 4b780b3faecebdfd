/**
 * The notebook the browser test runs on the ntk-lab kernel: every widget, a streamed sweep, the
 * broken-buffer case, another library's ipywidget, and the bench sizes (8000 eigenvalues, a 2000 x 2000 heatmap). Cells print
 * 'cell <name> <epoch ms>' when they start so the test can time paints against them.
 */

/** Source of each cell, in order. */
export const CELLS: readonly { name: string; source: string }[] = [
  {
    name: 'setup',
    source: `import { ensureBackend, mlp, ntkLayerwise, ck, Rng, Kernel } from 'ntk-lab';
import { spectrumBatch, resultSchema } from 'ntk-lab/arrow';
import { spectrum } from 'ntk-lab/spectra';
import { theoryFor, lawDensity, marchenkoPastur, densityTable, lawCurve } from 'ntk-lab/theory';
import { SpectrumWidget, AlignmentWidget, RiskWidget, KernelWidget, encodeBatch, openWidget, display } from 'ntk-lab/notebook';
import { Table } from 'apache-arrow';
await ensureBackend();
const stamp = (name: string) => console.log(\`cell \${name} \${Date.now()}\`);
stamp('setup');`,
  },
  {
    name: 'spectrum',
    source: `stamp('spectrum');
// The CK of a two-layer tanh network (linear width) against Fan & Wang's law: theory overlay, KS and W1.
const d0 = 200, width = 600, n = 300;
const net = mlp({ inputDim: d0, widths: [width, width], activation: 'tanh', bias: false, seed: 3 });
const x = { rows: n, cols: d0, data: new Rng(7).normals32(n * d0) };
const theory = await theoryFor(net, x, { kernel: 'ck' });
const ckSpec = await spectrum(await ck(net, x), { theory });
const specW = new SpectrumWidget({ title: 'CK spectrum vs Fan-Wang', bins: 40, batchRows: 100 }).display();
await specW.show(ckSpec);`,
  },
  {
    name: 'layers',
    source: `stamp('layers');
// The NTK of a small relu MLP and its layer components: one histogram each, toggles per layer.
const small = mlp({ inputDim: 16, widths: [64, 64], activation: 'relu', seed: 1 });
const xs = { rows: 300, cols: 16, data: new Rng(2).normals32(300 * 16) };
const lw = await ntkLayerwise(small, xs);
const layersW = new SpectrumWidget({ title: 'NTK and its layer components', logX: true, bins: 30 }).display();
await layersW.show(await spectrum(lw));`,
  },
  {
    name: 'alignment',
    source: `stamp('alignment');
// A sweep slow enough to watch: one batch per (seed, scaling, eta) point.
const align = new AlignmentWidget({ title: 'alignment', n: 1536, d: 384, width: 768, etaMax: 6, etaPoints: 13, seeds: 2 }).display();
await align.run();`,
  },
  {
    name: 'risk',
    source: `stamp('risk');
const risk = new RiskWidget({ title: 'ridge risk', n: 512, d: 128, width: 256, etaMax: 4, etaPoints: 9, seeds: 2 }).display();
await risk.run();`,
  },
  {
    name: 'kernel',
    source: `stamp('kernel');
const labels = Array.from({ length: 300 }, (_, i) => (xs.data[i * 16] > 0 ? 1 : 0));
const kw = new KernelWidget({ title: 'NTK heatmap', labels, ordering: 'spectral' }).display();
await kw.show(lw);`,
  },
  {
    name: 'broken',
    source: `stamp('broken');
// Malformed and truncated buffers: the widget shows the errors, the good batch after them still plots.
const good = encodeBatch(spectrumBatch({ eigenvalues: Float64Array.of(4, 3, 2, 1), kernelKind: 'ntk', label: 'ntk', runId: 'r' }), resultSchema('spectrum', {}));
const broken = new SpectrumWidget({ title: 'broken buffers' }).display();
broken.sendIpc('spectrum', new TextEncoder().encode('definitely not an Arrow stream'), 4);
broken.sendIpc('spectrum', good.subarray(0, good.byteLength - 24), 4);
broken.sendIpc('spectrum', good, 4);
broken.finish();`,
  },
  {
    name: 'other-widget',
    source: `stamp('other-widget');
// Another library's ipywidget (an HTML label of @jupyter-widgets/controls): ntk-lab's renderer must leave it to ipywidgets.
const other = openWidget({ modelName: 'HTMLModel', modelModule: '@jupyter-widgets/controls', modelModuleVersion: '2.0.0', viewName: 'HTMLView', state: { value: '<b>another library widget</b>' } });
other.display();`,
  },
  {
    name: 'plain-view',
    source: `stamp('plain-view');
// A widget output without ntk-lab's marker (as ntk-lab wrote them before it had one) goes to ipywidgets' renderer,
// which on an update of the output renders a new view and leaves the old one in place without its DOM: that old
// view still gets Lumino's resize messages, for a plot that is no longer in the page.
const plainW = new SpectrumWidget({ title: 'plain widget view', bins: 10 });
const plainView = { 'text/plain': 'plain widget view', 'application/vnd.jupyter.widget-view+json': { version_major: 2, version_minor: 0, model_id: plainW.model.id } };
const plainH = display(plainView);
await plainW.sendIpc('spectrum', good, 4);
plainW.finish();
await new Promise((r) => setTimeout(r, 1500)); // the front end draws it
plainH.update(plainView);`,
  },
  {
    name: 'bench-spectrum',
    source: `stamp('bench-spectrum');
// 8000 eigenvalues at the quantiles of a Marchenko-Pastur law (the bench times the widget, not the eigensolver).
const mp = lawDensity(marchenkoPastur({ ratio: 0.5 }));
const N8 = 8000, vals = new Float64Array(N8), F = Array.from(mp.x, (v) => mp.cdf(v));
for (let k = 0, j = 0; k < N8; k++) {
  const q = (k + 0.5) / N8; // ascending quantiles, stored descending as ntk-lab's spectra are
  while (j < F.length - 1 && F[j + 1] < q) j++;
  vals[N8 - 1 - k] = mp.x[j];
}
const eig = new Table(resultSchema('spectrum', {}), Array.from({ length: 8 }, (_, b) => spectrumBatch({ eigenvalues: vals.subarray(b * 1000, b * 1000 + 1000), kernelKind: 'ntk', label: 'mp-8000', runId: 'bench', firstIndex: b * 1000 })));
const dens = await densityTable([lawCurve(mp, 'mp-8000:theory')], {});
const benchS = new SpectrumWidget({ title: 'bench: 8000 eigenvalues', bins: 100 }).display();
await benchS.showTables(eig, dens);`,
  },
  {
    name: 'bench-heatmap',
    source: `stamp('bench-heatmap');
// A 2000 x 2000 kernel (RBF of 2000 points on a circle with noise), streamed in bands of 131 rows.
const N2 = 2000, rng = new Rng(5), pts = rng.normals32(N2 * 2), K2 = new Float32Array(N2 * N2);
for (let i = 0; i < N2; i++) for (let j = 0; j < N2; j++) {
  const dx = pts[2 * i] - pts[2 * j], dy = pts[2 * i + 1] - pts[2 * j + 1];
  K2[i * N2 + j] = Math.exp(-(dx * dx + dy * dy));
}
const big = new Kernel({ values: K2, shape: [N2, N2], kind: 'ntk', layout: 'trace', outputs: 1, label: 'rbf-2000', symmetric: true, backend: 'js', wallTimeMs: 0 });
const benchK = new KernelWidget({ title: 'bench: 2000 x 2000', spectral: false }).display();
await benchK.show(big);
stamp('done');`,
  },
];

/** The notebook as nbformat 4 JSON, on the ntk-lab kernel. */
export function notebookJson(): string {
  return JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'ntk-lab', display_name: 'TypeScript (ntk-lab)', language: 'typescript' },
        language_info: { name: 'typescript', file_extension: '.ts' },
      },
      cells: CELLS.map((c, i) => ({ cell_type: 'code', id: `cell-${i}-${c.name}`, metadata: {}, execution_count: null, outputs: [], source: c.source })),
    },
    null,
    1,
  );
}
