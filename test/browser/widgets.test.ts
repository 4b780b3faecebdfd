/**
 * The widgets in a real browser: installs the kernelspec and the prebuilt extension into a temporary
 * prefix with `ntk-lab install`, checks `jupyter labextension list`, starts JupyterLab from the project's
 * venv on 127.0.0.1, opens a notebook on the ntk-lab kernel in headless Chromium (playwright-core), runs it,
 * and checks in the page that every widget drew the expected traces and points, that a streamed plot grew
 * while its cell ran, that moving a control recomputed, that broken buffers show an error inside their
 * widget only, that another library's ipywidget is left to ipywidgets, that the headers say what was computed,
 * that resizing with collapsed outputs raises nothing in the page, that a reloaded page re-requests its data,
 * and that after a kernel restart the re-opened notebook shows each figure's static copy with a note saying
 * so (where JupyterLab's widget renderer says "model not found"). Screenshots: artifacts/widgets/*.png;
 * timings: artifacts/widgets/timings.json. Skipped (with the reason) when Chromium, the venv's JupyterLab
 * or the built extension is missing, unless NTK_BROWSER_TEST=1 (CI), which makes that a failure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { STATIC_NOTE } from '../../src/figures/output';
import { notebookJson } from './notebook';
import { jupyterEnv, Lab, runOrThrow, startLab, stopLab } from './servers';

const ROOT = resolve(__dirname, '..', '..', '..');
const ARTIFACTS = join(ROOT, 'artifacts', 'widgets');
const CHROMIUM = process.env.NTK_CHROMIUM ?? '/usr/bin/chromium';
const JUPYTER = join(ROOT, '.venv', 'bin', 'jupyter');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function missing(): string[] {
  const out: string[] = [];
  if (!existsSync(CHROMIUM)) out.push(`Chromium at ${CHROMIUM} (apt-get install chromium)`);
  if (!existsSync(JUPYTER)) out.push(`JupyterLab in .venv (bash scripts/python-venv.sh)`);
  if (!existsSync(join(ROOT, 'widgets', 'labextension', 'package.json'))) out.push('the built extension (npm run build:widgets)');
  if (!existsSync(join(ROOT, 'build', 'src', 'kernel', 'main.js'))) out.push('the compiled kernel (npm run build)');
  return out;
}

/** The data-* attributes of a widget root. */
async function attrs(w: Locator): Promise<Record<string, string>> {
  // Runs in the page: el is a DOM element (this file compiles without the DOM library).
  return w.evaluate((el) => ({ ...(el as unknown as { dataset: Record<string, string> }).dataset }));
}

/** Plotly's traces of a widget: name, type, number of points. */
async function traces(w: Locator): Promise<{ name: string; type: string; points: number; y: number[] }[]> {
  return w.locator('.js-plotly-plot').evaluate((gd) =>
    ((gd as unknown as { data: { name?: string; type?: string; x?: ArrayLike<number>; y?: ArrayLike<number>; z?: ArrayLike<ArrayLike<number>> }[] }).data ?? []).map((t) => ({
      name: t.name ?? '',
      type: t.type ?? 'scatter',
      points: t.type === 'heatmap' ? Array.from(t.z ?? []).reduce((s, r) => s + r.length, 0) : (t.x?.length ?? 0),
      y: t.type === 'heatmap' ? [] : Array.from(t.y ?? []).slice(0, 50),
    })),
  );
}

function widget(page: Page, title: string): Locator {
  return page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .ntk-widget').filter({ has: page.locator('.ntk-title', { hasText: title }) });
}

/** Waits until the widget's status is `state` (and its plot exists). */
async function settled(w: Locator, timeout: number, state = 'complete'): Promise<Record<string, string>> {
  await w.locator('.js-plotly-plot').waitFor({ timeout });
  await w.and(w.page().locator(`[data-status="${state}"]`)).waitFor({ timeout });
  // The last redraw may trail the status by one throttle interval.
  await w.page().waitForTimeout(400);
  return attrs(w);
}

/** Waits until data-`key` of the widget is `value` (data re-requested after a reload arrives after the status). */
async function attrIs(w: Locator, key: string, value: string, timeout: number): Promise<Record<string, string>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const a = await attrs(w).catch(() => ({}) as Record<string, string>);
    if (a[key] === value || Date.now() > deadline) return a;
    await w.page().waitForTimeout(200);
  }
}

/** The header's status line of a widget. */
async function statusLine(w: Locator): Promise<string> {
  return (await w.locator('.ntk-status').textContent()) ?? '';
}

/** The ntk-lab kernel's id (its session's). */
async function kernelId(lab: Lab): Promise<string> {
  const sessions = (await (await fetch(`${lab.url}/api/sessions?token=${lab.token}`)).json()) as { kernel: { id: string; name: string } }[];
  const s = sessions.find((x) => x.kernel.name === 'ntk-lab');
  if (!s) throw new Error('no session on the ntk-lab kernel');
  return s.kernel.id;
}

async function kernelIdle(lab: Lab, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const sessions = (await (await fetch(`${lab.url}/api/sessions?token=${lab.token}`)).json()) as { kernel: { execution_state: string; name: string } }[];
    if (sessions.some((s) => s.kernel.name === 'ntk-lab' && s.kernel.execution_state === 'idle')) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the ntk-lab kernel was not idle within ${timeoutMs} ms`);
}

test('ntk-lab widgets in JupyterLab (real browser)', { timeout: 290_000 }, async (t) => {
  const lacking = missing();
  if (lacking.length > 0) {
    if (process.env.NTK_BROWSER_TEST === '1') assert.fail(`NTK_BROWSER_TEST=1 but missing: ${lacking.join('; ')}`);
    t.skip(`missing: ${lacking.join('; ')}`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const t0 = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'ntk-lab-browser-'));
  const prefix = join(tmp, 'prefix');
  const work = join(tmp, 'work');
  mkdirSync(join(work, 'node_modules'), { recursive: true });
  // The kernel resolves imports from the notebook's folder: give it this package and the Arrow it uses.
  symlinkSync(ROOT, join(work, 'node_modules', 'ntk-lab'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', 'apache-arrow'), join(work, 'node_modules', 'apache-arrow'), 'dir');
  writeFileSync(join(work, 'widgets.ipynb'), notebookJson());
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });

  const installOut = runOrThrow(process.execPath, [join(ROOT, 'bin', 'ntk-lab.js'), 'install', '--prefix', prefix]);
  assert.match(installOut, /installed JupyterLab extension ntk-lab-widgets in /);
  const env = jupyterEnv(tmp, prefix);
  // eslint-disable-next-line no-control-regex
  const listed = runOrThrow(JUPYTER, ['labextension', 'list'], env).replace(/\x1b\[[0-9;]*m/g, '');
  assert.match(listed, /ntk-lab-widgets v0\.1\.0 enabled\s+OK/, listed);

  const timings: Record<string, number | string> = {};
  let lab: Lab | undefined;
  let browser: Browser | undefined;
  try {
    lab = await startLab(JUPYTER, work, env, join(ARTIFACTS, 'jupyter.log'));
    timings.lab_start_s = (Date.now() - t0) / 1000;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${lab.url}/lab/tree/widgets.ipynb?reset&token=${lab.token}`);
    const panel = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await panel.locator('.jp-Cell').first().waitFor({ timeout: 60_000 });
    await panel.locator('.jp-Toolbar-kernelName', { hasText: 'TypeScript (ntk-lab)' }).waitFor({ timeout: 60_000 });
    await kernelIdle(lab, 60_000);
    await page.waitForTimeout(1000); // the page's own kernel connection settles (else the run request can be lost)
    timings.page_ready_s = (Date.now() - t0) / 1000;

    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
    const runStart = Date.now();

    // 1. A streamed plot grows while its cell runs: sample the alignment widget's points until it completes.
    const align = widget(page, 'alignment');
    await align.locator('.js-plotly-plot').waitFor({ timeout: 120_000 });
    const growth: { t: number; status: string; rows: number; points: number }[] = [];
    for (const end = Date.now() + 120_000; Date.now() < end; ) {
      const a = await attrs(align);
      growth.push({ t: Date.now() - runStart, status: a.status, rows: Number(a.rows ?? 0), points: Number(a.points ?? 0) });
      if (a.status === 'complete') break;
      await page.waitForTimeout(150);
    }
    const whileRunning = growth.filter((g) => g.status === 'running' && g.rows > 0).map((g) => g.rows);
    assert.ok(new Set(whileRunning).size >= 3, `alignment plot should grow while running: ${JSON.stringify(growth.slice(0, 40))}`);
    for (let i = 1; i < whileRunning.length; i++) assert.ok(whileRunning[i] >= whileRunning[i - 1], 'rows never go back');

    // 2. Every widget drew what it should.
    const a = await settled(align, 60_000);
    assert.equal(Number(a.rows), 13 * 2 * 2 + 2 * 13 * 2);
    const at = await traces(align);
    for (const s of ['theta-1', 'theta-sqrt-n']) {
      assert.equal(at.find((x) => x.name === `${s}: W1 alignment`)?.points, 13, `${s} W1 alignment points`);
      assert.ok(at.some((x) => x.name === `${s}: spike ‖·‖`));
    }
    assert.equal(at.length, Number(a.traces));
    assert.equal(await statusLine(align), '52 points: 2 scalings × 13 η values × 2 seeds');

    const ck = widget(page, 'CK spectrum vs Fan-Wang');
    const c = await settled(ck, 60_000);
    assert.equal(Number(c.rows), 300);
    const ct = await traces(ck);
    assert.equal(ct[0].type, 'bar');
    assert.equal(ct[0].points, 40);
    assert.ok(ct.some((x) => /theory \(fan-wang/.test(x.name)), JSON.stringify(ct.map((x) => x.name)));
    assert.match(await ck.locator('.annotation-text').first().textContent() ?? '', /KS .*W1/);
    assert.equal(await statusLine(ck), '300 eigenvalues');

    const layers = widget(page, 'NTK and its layer components');
    const l = await settled(layers, 60_000);
    const kernels = await layers.locator('.ntk-toggles input').count();
    assert.ok(kernels >= 5, `NTK + components: ${kernels}`);
    assert.equal(Number(l.rows), 300 * kernels);
    assert.equal(await statusLine(layers), `${kernels} kernels × 300 eigenvalues`);
    const lt = await traces(layers);
    assert.ok(lt.filter((x) => x.type === 'bar').length >= 2, 'histograms of the NTK and the weight components');
    // A per-layer toggle hides that kernel's traces without the kernel.
    const name = await layers.locator('.ntk-toggles input').nth(1).inputValue();
    await layers.locator('.ntk-toggles input').nth(1).uncheck();
    await page.waitForTimeout(500);
    const hidden = await traces(layers);
    assert.ok(hidden.length < lt.length && !hidden.some((x) => x.name.startsWith(`${name} `)), `${name} hidden`);

    const risk = widget(page, 'ridge risk');
    const r = await settled(risk, 60_000);
    assert.equal(Number(r.rows), 9 * 2 * 2 + 2 * 9 * 2);
    const rt = await traces(risk);
    assert.equal(rt.find((x) => x.name === 'theta-1: after step')?.points, 9);
    assert.ok(rt.some((x) => x.name.startsWith('before step (random features)')) && rt.some((x) => x.name.startsWith('best linear')));
    assert.equal(await statusLine(risk), '36 points: 2 scalings × 9 η values × 2 seeds');
    assert.equal(await risk.locator('.gtitle').textContent(), 'computed with λ = 0.001, N = 256, 2 seeds (n = 512, d = 128)');

    const kernel = widget(page, 'NTK heatmap');
    const k = await settled(kernel, 60_000);
    assert.equal(Number(k.points), 300 * 300);
    assert.equal(await statusLine(kernel), `${kernels} kernels of 300 x 300`);
    await kernel.locator('[data-trait="ordering"] select').selectOption('label');
    await page.waitForTimeout(600);
    assert.match(await kernel.locator('.gtitle').textContent() ?? '', /order: label/);

    // 3. Broken buffers: errors inside that widget; the good batch after them is plotted; the page is fine.
    const broken = widget(page, 'broken buffers');
    const b = await settled(broken, 60_000);
    assert.equal(Number(b.rows), 4);
    assert.ok(Number(b.errors) >= 2, JSON.stringify(b));
    const errText = await broken.locator('.ntk-error').textContent();
    assert.match(errText ?? '', /spectrum batch 0: not an Arrow IPC stream: it starts with bytes 64 65 66 69/);
    assert.match(errText ?? '', /spectrum batch 1: .*truncated/);
    assert.equal(await statusLine(broken), '4 eigenvalues', 'refused batches are not waited for');

    await widget(page, 'plain widget view').locator('.js-plotly-plot').waitFor({ timeout: 30_000 });
    // Another library's widget still goes to ipywidgets' renderer, live.
    await panel.locator('.widget-html-content', { hasText: 'another library widget' }).waitFor({ timeout: 30_000 });

    // 4. Bench: 8000 eigenvalues and a 2000 x 2000 heatmap.
    const bs = widget(page, 'bench: 8000 eigenvalues');
    const bsa = await settled(bs, 120_000);
    assert.equal(Number(bsa.rows), 8000);
    const benchK = widget(page, 'bench: 2000 x 2000');
    const bka = await settled(benchK, 180_000);
    assert.equal(Number(bka.points), 4_000_000);
    const stamps = await panel.locator('.jp-OutputArea-output').allTextContents();
    const started = (name: string): number => Number(stamps.join('\n').match(new RegExp(`cell ${name} (\\d+)`))?.[1] ?? NaN);
    timings.run_all_s = (Date.now() - runStart) / 1000;
    timings.bench_spectrum_first_paint_after_data_ms = Number(bsa.firstPaintMs);
    timings.bench_spectrum_first_paint_after_cell_start_ms = Number(bsa.firstPaintEpoch) - started('bench-spectrum');
    timings.bench_heatmap_first_paint_after_data_ms = Number(bka.firstPaintMs);
    timings.bench_heatmap_first_paint_after_cell_start_ms = Number(bka.firstPaintEpoch) - started('bench-heatmap');
    timings.bench_heatmap_last_draw_ms = Number(bka.lastDrawMs); // the full 2000 x 2000 drawn once more by a re-rendered view
    timings.bench_heatmap_draws = Number(bka.draws);
    timings.bench_spectrum_draws = Number(bsa.draws);
    timings.alignment_draws = Number(a.draws);
    timings.alignment_rows_seen_while_running = whileRunning.length;

    // 5. Moving a control recomputes: lambda 1e-3 -> 1e-1 on the risk widget.
    const before = rt.find((x) => x.name === 'theta-1: after step')?.y ?? [];
    await risk.locator('[data-trait="lambda"] input[type="range"]').evaluate((el) => {
      const input = el as unknown as { value: string; dispatchEvent(e: Event): boolean };
      input.value = '-1';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    const controlAt = Date.now();
    await risk.and(page.locator('[data-generation="2"][data-status="complete"]')).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    timings.control_to_recomputed_s = (Date.now() - controlAt) / 1000;
    const after = (await traces(risk)).find((x) => x.name === 'theta-1: after step')?.y ?? [];
    assert.equal(after.length, 9);
    assert.notDeepEqual(after, before, 'the recomputed risk differs');
    assert.equal(await risk.locator('[data-trait="lambda"] output').textContent(), '1.0e-1');
    assert.equal(await risk.locator('.gtitle').textContent(), 'computed with λ = 0.1, N = 256, 2 seeds (n = 512, d = 128)', 'the recomputed figure states its lambda');

    // Screenshots of each widget.
    const shots: [string, Locator][] = [['spectrum-ck', ck], ['spectrum-layers', layers], ['alignment', align], ['risk-recomputed', risk], ['kernel', kernel], ['broken-buffers', broken], ['bench-spectrum-8000', bs], ['bench-heatmap-2000', benchK]];
    for (const [name, loc] of shots) {
      await loc.scrollIntoViewIfNeeded();
      await loc.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
    }

    // 5b. Resize and after-show messages reach plots that are not displayed: the plain view's old view (cell
    // 'plain-view'), whose plot left the page, and collapsed outputs. Plotly.Plots.resize rejects a plot that
    // is not displayed; none of it may reach the page as an error. (Without the guard in StreamView, the
    // viewport resize and the return to the notebook's tab each raised 'Resize must be passed a displayed plot
    // div element.')
    const menu = async (bar: string, item: string): Promise<void> => {
      await page.locator('.lm-MenuBar-itemLabel', { hasText: new RegExp(`^${bar}$`) }).click();
      await page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${item}$`) }).click();
    };
    const resizeViewport = async (): Promise<void> => {
      await page.setViewportSize({ width: 1000, height: 800 });
      await page.waitForTimeout(700);
      await page.setViewportSize({ width: 1300, height: 1000 });
      await page.waitForTimeout(700);
    };
    await resizeViewport();
    await menu('View', 'Collapse All Outputs');
    await resizeViewport();
    await menu('View', 'Expand All Outputs');
    await page.waitForTimeout(700);
    await menu('File', 'New Launcher');
    await page.waitForTimeout(800);
    await page.locator('.lm-TabBar-tab', { hasText: 'widgets.ipynb' }).click();
    await page.waitForTimeout(800);
    await page.locator('.lm-TabBar-tab', { hasText: 'Launcher' }).locator('.lm-TabBar-tabCloseIcon').click();
    await panel.locator('.jp-Cell').first().waitFor({ timeout: 10_000 });
    assert.deepEqual(pageErrors.filter((e) => !/No active debugger session/.test(e)), [], 'no page errors from resizing plots that are not displayed');

    // 6. A re-opened page: save, reload; the models come back from the kernel and ask for their data again.
    await page.keyboard.press('Control+s');
    await page.waitForTimeout(1500);
    await page.reload();
    await panel.locator('.jp-Cell').first().waitFor({ timeout: 60_000 });
    const riskAgain = widget(page, 'ridge risk');
    await settled(riskAgain, 60_000);
    const ra = await attrIs(riskAgain, 'rows', '72', 30_000);
    assert.equal(Number(ra.rows), 72, 'the reloaded risk widget re-requested all its rows');
    assert.equal(ra.generation, '2');
    await settled(widget(page, 'bench: 2000 x 2000'), 120_000);
    const bkAgain = await attrIs(widget(page, 'bench: 2000 x 2000'), 'points', '4000000', 60_000);
    assert.equal(Number(bkAgain.points), 4_000_000);
    await riskAgain.screenshot({ path: join(ARTIFACTS, 'risk-after-reload.png') });
    await panel.locator('.widget-html-content', { hasText: 'another library widget' }).waitFor({ timeout: 30_000 });

    // 7. Saved, kernel restarted, notebook re-opened: the models are gone. Each figure shows the static copy
    // saved in its output with the note; only the other library's widget gets ipywidgets' "model not found".
    await page.keyboard.press('Control+s');
    await page.waitForTimeout(1500);
    const restart = await fetch(`${lab.url}/api/kernels/${await kernelId(lab)}/restart?token=${lab.token}`, { method: 'POST' });
    assert.ok(restart.ok, `kernel restart: ${restart.status}`);
    await kernelIdle(lab, 60_000);
    await page.goto(`${lab.url}/lab/tree/widgets.ipynb?reset&token=${lab.token}`);
    await panel.locator('.jp-Cell').first().waitFor({ timeout: 60_000 });
    const statics = panel.locator('.ntk-static');
    await statics.nth(7).waitFor({ timeout: 60_000 });
    await panel.locator('.ntk-static[data-state="pending"]').first().waitFor({ state: 'detached', timeout: 30_000 });
    const copies = await statics.evaluateAll((els) =>
      els.map((el) => {
        const e = el as unknown as { dataset: Record<string, string>; querySelector(s: string): { complete?: boolean; naturalWidth?: number; title?: string; textContent: string | null } | null };
        const img = e.querySelector('img');
        return { kind: e.dataset.ntkStatic, state: e.dataset.state, model: e.dataset.model, loaded: !!img && img.complete === true && (img.naturalWidth ?? 0) > 0, tip: img?.title ?? '', note: e.querySelector('.ntk-static-note')?.textContent ?? '' };
      }),
    );
    assert.equal(copies.length, 8, JSON.stringify(copies));
    for (const c of copies) {
      assert.equal(c.state, 'static');
      assert.equal(c.note, STATIC_NOTE);
      assert.ok(c.loaded, `the saved image shows: ${JSON.stringify(c)}`);
    }
    assert.deepEqual(copies.map((c) => c.kind).sort(), ['png', 'png', 'svg', 'svg', 'svg', 'svg', 'svg', 'svg'], 'heatmaps as PNG, curves as SVG');
    assert.ok(copies.some((c) => c.model === 'RiskModel' && /^RiskWidget \(eta 0\.\.4 \(9 points\), lambda 0\.1,/.test(c.tip)), 'the recomputed risk sweep was saved');
    assert.equal(await panel.locator('.ntk-widget').count(), 0, 'no live view without models');
    // ipywidgets' own message stays where ntk-lab's marker is missing: the other library's widget and the plain view.
    const notFound = panel.locator('.jp-OutputArea-output', { hasText: 'Error displaying widget' });
    assert.equal(await notFound.count(), 2, 'only the outputs without the marker lack a static copy');
    for (const text of ['another library widget', 'plain widget view']) {
      const cell = panel.locator('.jp-CodeCell', { has: page.locator('.jp-Editor', { hasText: text }) });
      assert.equal(await cell.locator('.jp-OutputArea-output', { hasText: 'Error displaying widget' }).count(), 1, text);
    }
    await panel.locator('.ntk-static[data-model="RiskModel"]').screenshot({ path: join(ARTIFACTS, 'risk-static-after-restart.png') });
    await panel.locator('.ntk-static[data-model="SpectrumModel"]').nth(1).screenshot({ path: join(ARTIFACTS, 'layers-static-after-restart.png') });

    // JupyterLab's debugger panel rejects 'No active debugger session' for a kernel without debugging
    // (kernel_info has no 'debugger' key); that is JupyterLab's, not the widgets'.
    assert.deepEqual(pageErrors.filter((e) => !/No active debugger session/.test(e)), [], 'no uncaught errors in the page');
    timings.total_s = (Date.now() - t0) / 1000;
    writeFileSync(join(ARTIFACTS, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    t.diagnostic(`timings: ${JSON.stringify(timings)}`);
  } finally {
    await browser?.close().catch(() => undefined);
    if (lab) await stopLab(lab);
    rmSync(tmp, { recursive: true, force: true });
  }
});
