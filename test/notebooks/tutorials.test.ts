/**
 * Issue 11, acceptance 1, 2 and 5 (and issue 18 item 5, tutorial 5): every tutorial in notebooks/ runs headless on the ntk-lab kernel through
 * `ntk-lab run-notebooks` (nbclient) at CI size with no error and nothing on stderr; the numbers each one prints
 * (its `results {...}` line) meet the expectations of the library's own tests; tutorial 1 exports to one HTML page
 * and one PNG and SVG per figure, and in headless Chromium with the network cut off the page shows every figure and
 * every image has content (pixel variance). Timings go to the test's diagnostics.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CHROMIUM, CLI, figureCount, joined, outputs, REPO, resultsOf, run, tempDir } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- nbformat JSON

const NOTEBOOKS = readdirSync(join(REPO, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();
const { dir: TMP, cleanup } = tempDir();
const EXECUTED = join(TMP, 'executed');
let runLog = '';
let runCode: number | null = null;
const seconds: Record<string, number> = {};

before(async () => {
  // One run of every notebook (at NTK_LAB_SCALE=ci), shared by the tests below.
  const r = await run(process.execPath, [CLI, 'run-notebooks', join(REPO, 'notebooks'), '--out', EXECUTED, '--scale', 'ci', '--timeout', '300'], {
    timeoutMs: 8 * 60_000,
    onLine: (line) => {
      const m = /^(?:.*\/)?([^/]+\.ipynb): (?:ok|FAILED) in ([\d.]+) s/.exec(line);
      if (m) seconds[m[1]] = Number(m[2]);
    },
  });
  runLog = r.stdout + r.stderr;
  runCode = r.code;
}, { timeout: 9 * 60_000 });

after(cleanup);

function executed(name: string): Json {
  const path = join(EXECUTED, name);
  assert.ok(existsSync(path), `no executed copy of ${name}:\n${runLog}`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

test('notebooks/ holds the five tutorials, each on the ntk-lab kernel with a parameter cell reading NTK_LAB_SCALE', () => {
  assert.deepEqual(NOTEBOOKS, ['01-ntk-basics.ipynb', '02-cnn-autodiff-ntk.ipynb', '03-spectra.ipynb', '04-one-step.ipynb', '05-training-dynamics.ipynb']);
  for (const name of NOTEBOOKS) {
    const nb = JSON.parse(readFileSync(join(REPO, 'notebooks', name), 'utf8'));
    assert.equal(nb.metadata.kernelspec.name, 'ntk-lab', name);
    const params = nb.cells.find((c: Json) => c.id === 'parameters');
    assert.match(joined(params?.source), /process\.env\.NTK_LAB_SCALE/, `${name}: parameter cell`);
    assert.ok(nb.cells.every((c: Json) => c.cell_type !== 'code' || c.outputs.length === 0), `${name} is committed without outputs`);
  }
});

test('run-notebooks executes every tutorial headless with no error output and nothing on stderr', (t) => {
  assert.equal(runCode, 0, runLog);
  for (const name of NOTEBOOKS) {
    const nb = executed(name);
    const code = nb.cells.filter((c: Json) => c.cell_type === 'code');
    assert.ok(code.every((c: Json) => c.metadata.execution?.['shell.execute_reply']), `${name}: every code cell ran`);
    for (const { index, out } of outputs(nb)) {
      assert.notEqual(out.output_type, 'error', `${name} cell ${index}: ${out.ename}: ${out.evalue}`);
      assert.ok(!(out.output_type === 'stream' && out.name === 'stderr'), `${name} cell ${index} wrote to stderr: ${joined(out.text)}`);
    }
    assert.ok(figureCount(nb) >= 2, `${name} ends in figures`);
    t.diagnostic(`${name}: ${seconds[name]?.toFixed(1)} s, ${figureCount(nb)} figures`);
  }
});

test('tutorial 1: components sum to the NTK, explicit = autodiff, shares sum to 1 and settle with width, the kernel moves less the wider the network', (t) => {
  const r = resultsOf(executed('01-ntk-basics.ipynb'));
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.componentSumError <= 1e-6, `components vs NTK ${r.componentSumError}`);
  assert.ok(r.explicitVsJacobian <= 1e-4, `explicit vs jacobian ${r.explicitVsJacobian} (test/ntk/jacobian-models: 1e-4)`);
  for (const s of r.sharesSum) assert.ok(Math.abs(s - 1) <= 1e-6, `shares sum ${s}`);
  assert.ok(r.shareSpread[r.shareSpread.length - 1] < r.shareSpread[0] / 2, `spread of the shares ${r.shareSpread.join(', ')}`);
  for (let i = 1; i < r.finalDistance.length; i++) assert.ok(r.finalDistance[i] < r.finalDistance[i - 1], `kernel distance not falling with width: ${r.finalDistance.join(', ')}`);
  for (const drop of r.lossDrop) assert.ok(drop < 0.1, `training loss fell by ${drop}`);
});

test('tutorial 2: the routes give one kernel; layer by layer holds less than the full Jacobian, and ntk-lab tiled the least at large n', (t) => {
  const r = resultsOf(executed('02-cnn-autodiff-ntk.ipynb'));
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.agreeFull <= 1e-5 && r.agreeLayer <= 1e-5, `autodiff routes vs ntk-lab ${r.agreeFull}, ${r.agreeLayer} (test/ntk/jacobian-models: 1e-5)`);
  assert.ok(r.layerPeak < r.fullBytes, `${r.layerPeak} >= ${r.fullBytes}`);
  assert.ok(Number.isFinite(r.ownBytes) && r.ownBytes > 0, `ntk-lab's estimate ${r.ownBytes}`);
  for (let i = 1; i < r.estimates.length; i++) assert.ok(r.estimates[i].own > r.estimates[i - 1].own, 'estimates grow with n');
  // Tiles give the untiled kernel (test/ntk/jacobian-models: 1e-6) and, at the largest n, the least memory of all routes.
  assert.ok(r.agreeTiled <= 1e-6, `tiled vs untiled ${r.agreeTiled}`);
  const last = r.estimates[r.estimates.length - 1];
  assert.ok(last.tiled < last.layer && last.layer < last.full && last.tiled < last.own, JSON.stringify(last));
});

test("tutorial 3: Marchenko-Pastur and Fan-Wang's CK law within the Monte Carlo tests' tolerances, the wrong law far, the distance to the deformed semicircle falling with width", (t) => {
  const r = resultsOf(executed('03-spectra.ipynb'));
  t.diagnostic(JSON.stringify(r));
  // test/theory/monte-carlo.test.ts: KS <= 0.005 (MP) and 0.006 (Fan-Wang CK) at n = 2000; the attainable KS scales
  // like 1/n in the bulk, so at n the tolerance is scaled by 2000/n.
  const scale = Math.max(1, 2000 / r.n);
  assert.ok(r.mpKs <= 0.005 * scale, `MP KS ${r.mpKs}`);
  assert.ok(r.fwCkKs <= 0.006 * scale && r.fwCkW1 <= 0.006 * scale, `Fan-Wang CK KS ${r.fwCkKs}, W1 ${r.fwCkW1}`);
  assert.ok(r.wrongLayerKs > 0.03, `wrong layer's law only ${r.wrongLayerKs} away`);
  for (let i = 1; i < r.bySize.length; i++) assert.ok(r.bySize[i].ckKs < r.bySize[i - 1].ckKs, `CK KS not falling with n: ${JSON.stringify(r.bySize)}`);
  assert.ok(r.fwNtkKs < 0.1, `Fan-Wang NTK KS ${r.fwNtkKs} (test/theory/monte-carlo.test.ts: 0.020 at n = 2000, tolerance 0.05; 0.025-0.063 at n = 500-1000)`);
  for (let i = 1; i < r.byAlpha.length; i++) assert.ok(r.byAlpha[i].pure < r.byAlpha[i - 1].pure, `KS to the pure limit not falling with d1/n: ${JSON.stringify(r.byAlpha)}`);
  // The Monte Carlo test at d1/n = 10: corrected <= 0.006 (n = 2000), pure limit in (0.02, 0.06).
  const ten = r.byAlpha.find((x: Json) => x.alpha === 10);
  assert.ok(ten.pure > 0.02 && ten.pure < 0.06, `pure limit at d1/n = 10: ${ten.pure}`);
  for (const x of r.byAlpha) assert.ok(x.corrected <= 0.006 * Math.max(1, 2000 / r.nWide), `corrected KS at d1/n = ${x.alpha}: ${x.corrected}`);
});

test("tutorial 4: every claim of Ba et al. holds with the phenomena tests' margins, and the numbers are docs/one-step.md's", (t) => {
  const r = resultsOf(executed('04-one-step.ipynb'));
  t.diagnostic(JSON.stringify(r));
  for (const [claim, holds] of Object.entries(r.claims)) assert.equal(holds, true, claim);
  assert.equal(Object.keys(r.claims).length, 7);
  assert.ok(Math.abs(r.lowerBound - 0.0401) < 1e-4, `mu2*^2 ${r.lowerBound}`);
  // Same setting and seeds as test/feature-learning/phenomena.test.ts (docs/one-step.md): random features 0.102,
  // trained 0.077 at eta = 4, tuned linear 0.048, eta = sqrt(N) mean 0.036.
  if (r.d === 256 && r.seeds === 4) {
    // The phenomena test's seed-by-seed margin for the Gaussian-equivalent prediction (eta <= 4): 3%.
    for (const g of r.geGaps) assert.ok(g <= 0.03, `Gaussian-equivalent gap ${g}`);
    assert.ok(Math.abs(r.randomFeatures - 0.102) < 0.001, `random features ${r.randomFeatures}`);
    assert.ok(Math.abs(r.small.find((x: Json) => x.eta === 4).risk - 0.077) < 0.001);
    assert.ok(Math.abs(r.linear - 0.0475) < 0.001, `linear ${r.linear}`);
    assert.ok(Math.abs(r.large.find((x: Json) => x.etaFactor === 1).risk - 0.036) < 0.001);
  }
  const small = r.small.map((x: Json) => x.risk);
  for (let i = 1; i < small.length; i++) assert.ok(small[i] < small[i - 1], `risk not falling with eta: ${small.join(', ')}`);
});

test('tutorial 5: on the digits the NTK moves less the wider the MLP, aligns with the labels, the CNN moves more, the limit is approached as 1/sqrt(width), kernel regression classifies', (t) => {
  const r = resultsOf(executed('05-training-dynamics.ipynb'));
  t.diagnostic(JSON.stringify(r));
  const falling = (xs: number[], what: string) => {
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i] < xs[i - 1], `${what} not falling with width: ${xs.join(', ')}`);
  };
  assert.ok(r.widths.length >= 3, `widths ${r.widths}`);
  // Lazy training (NTK parameterisation): the distance, the relative change and every trained component's change
  // fall with width. The relative change lies between the O(w^-1/2) bound (slope -0.5) and the O(1/w) leading term
  // (slope -1): measured -1.02 at ci (seeds 2 and 3: -0.91, -1.0; docs/training.md: -0.71 to -0.91 on Gaussian
  // data), so [-1.5, -0.4] leaves room on both sides. The distance is quadratic in the part of the change orthogonal
  // to K_0, so it falls faster (measured -1.84).
  falling(r.distance, 'kernel distance');
  falling(r.change, 'relative change');
  for (const [c, xs] of Object.entries(r.layerChange)) falling(xs as number[], `${c} change`);
  assert.ok(r.changeSlope <= -0.4 && r.changeSlope >= -1.5, `relative change slope ${r.changeSlope}`);
  assert.ok(r.distanceSlope < r.changeSlope, `distance slope ${r.distanceSlope} vs change slope ${r.changeSlope}`);
  // The output bias's component is the constant sigma_b^2 (per output): it cannot move.
  for (const v of r.outputBiasChange) assert.ok(v < 1e-6, `output bias component moved by ${v}`);
  for (const drop of r.lossDrop) assert.ok(drop < 0.3, `training loss fell only by ${drop} (measured 0.08)`);
  // Alignment with the labels rises during training at every width (plain and centred; the smallest rise measured,
  // 0.0019 at width 1024, is 1000x the float32 rounding of the kernels' metrics), most at the narrowest width.
  for (const a of [r.alignment, r.centredAlignment]) {
    const rise = a.final.map((f: number, i: number) => f - a.initial[i]);
    for (const d of rise) assert.ok(d > 1e-4, `alignment rose by ${d}: ${JSON.stringify(a)}`);
    assert.ok(rise[0] > rise[rise.length - 1], `alignment rose less at the narrowest width: ${rise.join(', ')}`);
  }
  // The CNN (standard parameterisation, few channels), trained with the same steps and a matched function-space
  // step, changes its kernel far more than any MLP: relative change measured 22x the narrowest MLP's (6.05 vs 0.271
  // after 150 steps), mostly by growing it (norm x7.0). In direction (distance) the 8-channel CNN of the ci scale
  // moves 2.6x the narrowest MLP (the 16-channel one of the paper scale moves less than the width-64 MLP,
  // docs/notebooks.md), so the ci test holds the distance to a factor 1.5.
  for (const c of r.cnn.mlpChange) assert.ok(r.cnn.change > 5 * c, `CNN relative change ${r.cnn.change} vs MLP ${r.cnn.mlpChange.join(', ')}`);
  for (const d of r.cnn.mlpDistance) assert.ok(r.cnn.distance > 1.5 * d, `CNN distance ${r.cnn.distance} vs MLP ${r.cnn.mlpDistance.join(', ')}`);
  assert.ok(r.cnn.lossDrop < 0.3, `CNN loss fell only by ${r.cnn.lossDrop} (measured 0.069)`);
  // Empirical NTK at init against ntkLimit: the distance falls with width as 1/sqrt(width) (slope -0.5; measured
  // -0.50 on means of 3 seeds whose spread is ~10%, which moves the slope over 64x in width by a few hundredths).
  falling(r.limit.distance, 'distance to the limit kernel');
  assert.ok(r.limit.slope < -0.35 && r.limit.slope > -0.65, `limit distance slope ${r.limit.slope}`);
  // Accuracies on 451 test digits (chance 0.1): kernel ridge measured 0.973-0.982 with every kernel (0.9 is ~9
  // binomial standard deviations below), the networks after 15 epochs 0.89-0.91 (bound 0.7);
  // the widest MLP's kernel at init classifies as its limit does (0.982 both; 0.02 = 9 test digits).
  const acc = r.accuracy;
  assert.ok(acc.models.length === r.widths.length + 1, `models ${acc.models.length}`);
  for (const v of [acc.limit, ...acc.models.flatMap((m: Json) => [m.init, m.trained])]) assert.ok(Number.isFinite(v) && v > 0.9 && v <= 1, `kernel regression accuracy ${v}`);
  for (const m of acc.models) assert.ok(Number.isFinite(m.network) && m.network > 0.7 && m.network <= 1, `${m.label}: network accuracy ${m.network}`);
  assert.ok(Math.abs(acc.models[r.widths.length - 1].init - acc.limit) <= 0.02, `widest MLP at init ${acc.models[r.widths.length - 1].init} vs limit ${acc.limit}`);
});

test('export: tutorial 1 to one self-contained HTML page and one PNG and SVG per figure, named after the cells', async (t) => {
  const nb = executed('01-ntk-basics.ipynb');
  const out = join(TMP, 'export');
  const r = await run(process.execPath, [CLI, 'export', join(EXECUTED, '01-ntk-basics.ipynb'), '--to', 'html,png,svg', '--out', out], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  t.diagnostic(`export: ${(r.ms / 1000).toFixed(1)} s`);
  const html = readFileSync(join(out, '01-ntk-basics.html'), 'utf8');
  // Nothing is loaded from elsewhere: no script or stylesheet by URL, images only as data: URLs (the inlined
  // plotly.js source is left out of the check: its strings mention URLs it never loads here).
  const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
  for (const re of [/<script[^>]*\ssrc=/, /<link\b/, /<img[^>]*\ssrc="(?!data:)/, /@import|url\(\s*['"]?https?:/]) {
    assert.ok(!re.test(markup), `the page loads something from elsewhere: ${re.exec(markup)?.[0]}`);
  }
  const figures = figureCount(nb);
  const files = readdirSync(out);
  for (const ext of ['png', 'svg']) {
    const images = files.filter((f) => f.endsWith(`.${ext}`));
    assert.equal(images.length, figures, `${ext} files: ${images.join(', ')}`);
    for (const f of images) assert.ok(statSync(join(out, f)).size > 1000, `${f} is empty`);
  }
  // Named after the cells that made them (cell ids), the k-th figure of a cell with -k.
  for (const id of ['fig-ntk-heatmap', 'fig-layer-shares', 'fig-layer-shares-2', 'fig-layer-shares-3', 'fig-kernel-distance', 'fig-kernel-distance-2']) {
    assert.ok(files.includes(`01-ntk-basics-${id}.png`), `no image for ${id}: ${files.join(', ')}`);
  }
});

test('browser: the exported page, opened from disk with the network cut off, draws every figure; every image has content', async (t) => {
  const out = join(TMP, 'export');
  const html = join(out, '01-ntk-basics.html');
  if (!existsSync(CHROMIUM)) {
    if (process.env.NTK_BROWSER_TEST === '1') assert.fail(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    t.skip(`no Chromium at ${CHROMIUM} (apt-get install chromium; NTK_BROWSER_TEST=1 makes this a failure)`);
    return;
  }
  assert.ok(existsSync(html), 'the export test wrote the page');
  const expected = figureCount(executed('01-ntk-basics.ipynb'));
  const { chromium } = await import('playwright-core');
  const { CHROMIUM_ARGS } = await import('../../src/cli/export-command');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
  try {
    const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
    const requested: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requested.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${html}`, { waitUntil: 'load', timeout: 60_000 });
    // A figure is drawn when its plotly plot has an SVG with traces, or its image has decoded pixels.
    const drawn = `(() => [...document.querySelectorAll('figure.ntk-figure')].filter((f) => {
      const img = f.querySelector('img');
      if (img) return img.complete && img.naturalWidth > 0;
      return f.querySelectorAll('.main-svg .trace, .main-svg image, .heatmaplayer image').length > 0;
    }).length)()`;
    await page.waitForFunction(`${drawn} === ${expected}`, undefined, { timeout: 60_000 }).catch(() => undefined);
    const count = (await page.evaluate(drawn)) as number;
    const total = (await page.evaluate('document.querySelectorAll("figure.ntk-figure").length')) as number;
    t.diagnostic(`figures in the notebook ${expected}, in the page ${total}, drawn ${count}`);
    assert.equal(total, expected);
    assert.equal(count, expected, `only ${count} of ${expected} figures drawn; page errors: ${errors.join('; ')}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(requested, [], 'the page asked for nothing over the network');

    // Pixel variance of every image file: decoded in the page, drawn on a canvas, luminance variance over pixels.
    const stats: string[] = [];
    for (const f of readdirSync(out).filter((x) => /\.(png|svg)$/.test(x))) {
      const bytes = readFileSync(join(out, f));
      const url = `data:image/${f.endsWith('.png') ? 'png' : 'svg+xml'};base64,${bytes.toString('base64')}`;
      const s = (await page.evaluate(`(async () => {
        const img = new Image();
        img.src = ${JSON.stringify(url)};
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.naturalWidth || 800; c.height = img.naturalHeight || 500;
        const g = c.getContext('2d');
        g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
        g.drawImage(img, 0, 0, c.width, c.height);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        let sum = 0, sq = 0, ink = 0;
        const n = d.length / 4;
        for (let i = 0; i < d.length; i += 4) {
          const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
          sum += y; sq += y * y; if (y < 245) ink++;
        }
        const mean = sum / n;
        return { w: c.width, h: c.height, variance: sq / n - mean * mean, ink: ink / n };
      })()`)) as { w: number; h: number; variance: number; ink: number };
      stats.push(`${f}: ${s.w}x${s.h}, variance ${s.variance.toFixed(0)}, ink ${(100 * s.ink).toFixed(1)}%`);
      assert.ok(s.w >= 200 && s.h >= 150, `${f}: ${s.w} x ${s.h}`);
      assert.ok(s.variance > 100, `${f} is blank: pixel variance ${s.variance}`);
      assert.ok(s.ink > 0.01, `${f} is nearly blank: ${(100 * s.ink).toFixed(2)}% non-white pixels`);
    }
    t.diagnostic(stats.join('\n'));
    await context.close();
  } finally {
    await browser.close();
  }
});
