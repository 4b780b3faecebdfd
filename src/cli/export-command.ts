/**
 * `ntk-lab export <notebook.ipynb> [--to html,png,svg] [--out DIR] [--html-figures interactive|static] [--execute]`:
 * an executed notebook becomes
 *  - `<out>/<name>.html`: one self-contained page (markdown, code, text outputs, every figure) that needs no
 *    network and no extension: figures with a plotly JSON representation are drawn by plotly.js inlined into the
 *    page ('interactive', the default when plotly.js is installed), or shown as their static SVG/PNG ('static');
 *  - `<out>/<name>-<cell id>[-k].png|.svg`: one image per figure, named after the cell that made it (its id; the
 *    k-th figure of a cell gets -k). Plotly figures are rendered by plotly.js in headless Chromium (playwright-core),
 *    SVG fallbacks are rasterised by Chromium, PNGs are written as they are.
 *
 * A figure is an output that carries a plot: plotly JSON (application/vnd.plotly.v1+json), image/svg+xml, image/png
 * or image/jpeg (the ntk-lab widgets put all of these beside their live view). `--execute` runs the notebook first on
 * the ntk-lab kernel (as run-notebooks does) and exports the executed copy.
 *
 * ntk-lab does not install the export's optional pieces (an installed package stays small): playwright-core (npm),
 * a Chromium executable and plotly.js (the plotly.js-dist-min npm package). Each is looked up where a user would put
 * it (the package, the clone's widgets/, the current project) and, when missing, named with the command that
 * installs it: an error when the output asked for needs it, a note when the export falls back (plotly.js: figures as
 * their static images).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidOptionError } from '../errors';
import { packageRoot, projectRoot } from './layout';
import { runNotebooks } from './run-notebooks-command';

export const EXPORT_USAGE = `usage: ntk-lab export <notebook.ipynb> [--to html,png,svg] [--out DIR] [--html-figures interactive|static]
                      [--chromium PATH] [--execute] [--python PY]
  --to LIST        what to write (default html): html (one self-contained page), png and/or svg (one file per figure)
  --out DIR        where (default: ./export)
  --html-figures   interactive: plotly.js inlined, figures drawn from their plotly JSON (default when plotly.js is
                   installed); static: the figures' own SVG/PNG images
  --chromium PATH  headless Chromium for the images (default: $NTK_CHROMIUM, else /usr/bin/chromium, else the one
                   \`npx playwright-core install chromium\` downloaded)
  images need playwright-core (npm install playwright-core), interactive HTML figures plotly.js (npm install
  plotly.js-dist-min): neither comes with ntk-lab
  --execute        run the notebook on the ntk-lab kernel first, then export the executed copy`;

const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';

type Json = { [key: string]: unknown };

/** nbformat stores multi-line strings as lists of lines. */
function joined(v: unknown): string {
  return Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''); // eslint-disable-line no-control-regex
}

/** A plotly figure as the widgets send it. */
export interface PlotlyFigure {
  data: unknown[];
  layout: Json;
}

/** One figure of the notebook: where it is, its name, and its representations. */
export interface NotebookFigure {
  /** File-name-safe name: the cell's id, with -2, -3, ... for a cell's later figures. */
  name: string;
  cellIndex: number;
  plotly?: PlotlyFigure;
  svg?: string;
  png?: Buffer;
  jpeg?: Buffer;
  /** A live widget view with no static representation (drawn by nothing offline). */
  widgetOnly?: boolean;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
}

/** The figure of one output, or undefined when the output is not a figure. */
function figureOf(data: Json): Omit<NotebookFigure, 'name' | 'cellIndex'> | undefined {
  const f: Omit<NotebookFigure, 'name' | 'cellIndex'> = {};
  const p = data[PLOTLY_MIME];
  if (p && typeof p === 'object' && Array.isArray((p as Json).data)) f.plotly = { data: (p as Json).data as unknown[], layout: ((p as Json).layout ?? {}) as Json };
  if (data['image/svg+xml'] !== undefined) f.svg = joined(data['image/svg+xml']);
  if (data['image/png'] !== undefined) f.png = Buffer.from(joined(data['image/png']).replace(/\s+/g, ''), 'base64');
  if (data['image/jpeg'] !== undefined) f.jpeg = Buffer.from(joined(data['image/jpeg']).replace(/\s+/g, ''), 'base64');
  if (!f.plotly && f.svg === undefined && !f.png && !f.jpeg) {
    if (data[WIDGET_MIME] !== undefined) return { widgetOnly: true };
    return undefined;
  }
  return f;
}

/** Every figure of a notebook, in order, with its name (see NotebookFigure). Outputs updated in place count once. */
export function notebookFigures(nb: Json): NotebookFigure[] {
  const figures: NotebookFigure[] = [];
  const used = new Set<string>();
  ((nb.cells ?? []) as Json[]).forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'code') return;
    const base = safeName(String(cell.id ?? '')) || `cell-${cellIndex}`;
    let k = 0;
    for (const out of (cell.outputs ?? []) as Json[]) {
      if (out.output_type !== 'display_data' && out.output_type !== 'execute_result') continue;
      const f = figureOf((out.data ?? {}) as Json);
      if (!f) continue;
      k++;
      let name = k === 1 ? base : `${base}-${k}`;
      while (used.has(name)) name += '-x';
      used.add(name);
      figures.push({ name, cellIndex, ...f });
    }
  });
  return figures;
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown (the subset notebooks use): headings, paragraphs, lists, block quotes, fenced code, pipe tables,
// inline code, bold, italics, links; TeX between $ signs is kept as it is (no network: no MathJax).

function inline(text: string): string {
  const kept: string[] = [];
  const keep = (html: string): string => `\u0000${kept.push(html) - 1}\u0000`;
  let s = text
    .replace(/`([^`]+)`/g, (_, c: string) => keep(`<code>${esc(c)}</code>`))
    .replace(/\$\$([^$]+)\$\$/g, (_, m: string) => keep(`<span class="math display">$$${esc(m)}$$</span>`))
    .replace(/\$([^$\n]+)\$/g, (_, m: string) => keep(`<span class="math">$${esc(m)}$</span>`));
  s = esc(s)
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, t: string, u: string) => `<a href="${u.replace(/"/g, '%22')}">${t}</a>`)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^\w*])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_([^_\s][^_]*)_(?!\w)/g, '$1<em>$2</em>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)]);
}

/** Markdown -> HTML for the subset above. */
export function markdownToHtml(md: string): string {
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  const isBlank = (l: string | undefined): boolean => l === undefined || l.trim() === '';
  const listItem = /^\s*([-*+]|\d+[.)])\s+(.*)$/;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)(.*)$/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      out.push(`<pre><code>${esc(body.join('\n'))}</code></pre>`);
      continue;
    }
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      out.push(`<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`);
      i++;
      continue;
    }
    if (/^\s*\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1])) {
      const cells = (l: string): string[] => l.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
      const head = cells(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i])) rows.push(cells(lines[i++]));
      out.push(`<table><thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
      continue;
    }
    if (listItem.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const m = listItem.exec(lines[i]);
        if (m) items.push(m[2]);
        else if (items.length) items[items.length - 1] += ' ' + lines[i].trim();
        i++;
      }
      out.push(`<${ordered ? 'ol' : 'ul'}>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</${ordered ? 'ol' : 'ul'}>`);
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*>\s?/, ''));
      out.push(`<blockquote>${markdownToHtml(body.join('\n'))}</blockquote>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && !/^(#{1,6}\s|\s*(```|~~~)|\s*>)/.test(lines[i]) && !(para.length && listItem.test(lines[i]))) para.push(lines[i++]);
    out.push(`<p>${inline(para.join('\n'))}</p>`);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// HTML

/** How to get plotly.js when plotlyScriptPath() finds none. */
export const PLOTLY_MISSING = 'plotly.js is not installed (ntk-lab does not install it): npm install plotly.js-dist-min';

/** Where plotly.js is installed (from the package, the clone's widgets package, else the current project), or undefined. */
export function plotlyScriptPath(): string | undefined {
  const root = packageRoot();
  for (const base of [root, join(root, 'widgets'), process.cwd()]) {
    try {
      return require.resolve('plotly.js-dist-min/plotly.min.js', { paths: [base] });
    } catch {
      // not there
    }
  }
  return undefined;
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #fafafa; color: #222; }
main { max-width: 1000px; margin: 0 auto; padding: 24px; background: #fff; }
.cell { margin: 12px 0; }
pre { background: #f5f5f5; padding: 8px 10px; overflow-x: auto; font-size: 12.5px; line-height: 1.35; margin: 4px 0; }
.source pre { border-left: 3px solid #1976d2; }
.output pre { background: #fff; border-left: 3px solid #ddd; }
.output pre.stderr { background: #fff3f3; } .output pre.error { background: #fdd; }
figure.ntk-figure { margin: 8px 0; }
figure.ntk-figure img { max-width: 100%; height: auto; display: block; }
figure.ntk-figure .plot { width: 100%; }
figcaption { font-size: 12px; color: #666; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; }
.math { font-family: "Latin Modern Math", "STIX Two Math", serif; color: #333; }
code { background: #f3f3f3; padding: 0 3px; }`;

/** Static image of a figure as a data URL (SVG, then PNG, then JPEG), or undefined. */
function staticImageUrl(f: NotebookFigure): string | undefined {
  if (f.svg !== undefined) return `data:image/svg+xml;base64,${Buffer.from(f.svg).toString('base64')}`;
  if (f.png) return `data:image/png;base64,${f.png.toString('base64')}`;
  if (f.jpeg) return `data:image/jpeg;base64,${f.jpeg.toString('base64')}`;
  return undefined;
}

/** Options of notebookHtml(). */
export interface HtmlOptions {
  title: string;
  /** 'interactive': plotly JSON drawn by the inlined plotly.js (needs `plotly`); 'static': the figures' images. */
  figures: 'interactive' | 'static';
  /** plotly.min.js's source, for 'interactive'. */
  plotly?: string;
}

/** The notebook as one self-contained HTML page (see the file comment). */
export function notebookHtml(nb: Json, opts: HtmlOptions): string {
  const figures = notebookFigures(nb);
  let next = 0;
  const plots: { id: string; fig: PlotlyFigure }[] = [];
  const interactive = opts.figures === 'interactive' && opts.plotly !== undefined;
  const body: string[] = [];
  ((nb.cells ?? []) as Json[]).forEach((cell, cellIndex) => {
    const parts: string[] = [];
    if (cell.cell_type === 'markdown') parts.push(`<div class="markdown">${markdownToHtml(joined(cell.source))}</div>`);
    else if (cell.cell_type === 'raw') parts.push(`<pre>${esc(joined(cell.source))}</pre>`);
    else if (cell.cell_type === 'code') {
      parts.push(`<div class="source"><pre><code>${esc(joined(cell.source))}</code></pre></div>`);
      for (const out of (cell.outputs ?? []) as Json[]) {
        const type = out.output_type;
        if (type === 'stream') parts.push(`<div class="output"><pre class="${out.name === 'stderr' ? 'stderr' : 'stdout'}">${esc(stripAnsi(joined(out.text)))}</pre></div>`);
        else if (type === 'error') parts.push(`<div class="output"><pre class="error">${esc(stripAnsi(`${String(out.ename)}: ${String(out.evalue)}\n${((out.traceback ?? []) as string[]).join('\n')}`))}</pre></div>`);
        else if (type === 'display_data' || type === 'execute_result') {
          const data = (out.data ?? {}) as Json;
          const f = figureOf(data) ? figures[next++] : undefined;
          if (f && f.cellIndex === cellIndex) {
            const caption = `<figcaption>${esc(f.name)}</figcaption>`;
            if (interactive && f.plotly) {
              const id = `plot-${plots.length}`;
              plots.push({ id, fig: f.plotly });
              parts.push(`<figure class="ntk-figure" data-figure="${esc(f.name)}" data-kind="plotly"><div class="plot" id="${id}"></div>${caption}</figure>`);
            } else {
              const url = staticImageUrl(f);
              parts.push(url
                ? `<figure class="ntk-figure" data-figure="${esc(f.name)}" data-kind="image"><img alt="${esc(f.name)}" src="${url}">${caption}</figure>`
                : `<figure class="ntk-figure" data-figure="${esc(f.name)}" data-kind="missing"><pre>${esc(joined(data['text/plain']) || 'a live widget view with no static image')}</pre>${caption}</figure>`);
            }
          } else if (data['text/html'] !== undefined) parts.push(`<div class="output">${joined(data['text/html'])}</div>`);
          else if (data['text/markdown'] !== undefined) parts.push(`<div class="output">${markdownToHtml(joined(data['text/markdown']))}</div>`);
          else if (data['text/plain'] !== undefined) parts.push(`<div class="output"><pre>${esc(joined(data['text/plain']))}</pre></div>`);
        }
      }
    }
    body.push(`<section class="cell ${String(cell.cell_type)}" id="cell-${cellIndex}">${parts.join('\n')}</section>`);
  });
  const json = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');
  const scripts = interactive && plots.length
    ? `<script>${opts.plotly}</script>\n<script>
(function () {
  var plots = ${json(plots)};
  plots.forEach(function (p) {
    var layout = Object.assign({ autosize: true }, p.fig.layout);
    Plotly.newPlot(p.id, p.fig.data, layout, { displaylogo: false, responsive: true });
  });
})();
</script>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ntk-lab export"><title>${esc(opts.title)}</title><style>${STYLE}</style></head>
<body><main>
${body.join('\n')}
</main>
${scripts}
</body></html>
`;
}

// ---------------------------------------------------------------------------------------------------------------
// Images, rendered in headless Chromium where the notebook holds no image of the wanted format.

/** The flags that headless Chromium needs here (no sandbox as root, no GPU, no background traffic). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The Chromium asked for: --chromium, else $NTK_CHROMIUM (undefined: look for one, see findChromium). */
export function chromiumPath(explicit?: string): string | undefined {
  return explicit ?? process.env.NTK_CHROMIUM;
}

type Playwright = { chromium: { launch(o: object): Promise<PwBrowser>; executablePath(): string } };

/** playwright-core from the package (a clone's dev dependency) or the current project; a named error when absent. */
export function loadPlaywright(): Playwright {
  let where: string;
  try {
    where = require.resolve('playwright-core', { paths: [packageRoot(), process.cwd()] });
  } catch {
    throw new InvalidOptionError(`export: images (--to png, svg) are drawn in headless Chromium through playwright-core, which is not installed (ntk-lab does not install it): npm install playwright-core (in ${projectRoot()})`);
  }
  return require(where) as Playwright;
}

/**
 * The Chromium executable: the one asked for (it must exist), else Debian's /usr/bin/chromium, else the one
 * `npx playwright-core install chromium` downloaded; a named error listing what was tried.
 */
export function findChromium(pw: Playwright, explicit?: string): string {
  const asked = chromiumPath(explicit);
  if (asked !== undefined) {
    if (!existsSync(asked)) throw new InvalidOptionError(`export: no Chromium at ${asked} (given by ${explicit !== undefined ? '--chromium' : 'NTK_CHROMIUM'})`);
    return asked;
  }
  const tried = ['/usr/bin/chromium'];
  let downloaded: string | undefined;
  try {
    downloaded = pw.chromium.executablePath();
  } catch {
    // this playwright-core knows no browser build for the platform
  }
  if (downloaded) tried.push(downloaded);
  const found = tried.find((p) => existsSync(p));
  if (found) return found;
  throw new InvalidOptionError(`export: images need a Chromium executable and none was found (tried ${tried.join(', ')}): apt-get install chromium (Debian/Ubuntu), or npx playwright-core install chromium, or give --chromium PATH (or NTK_CHROMIUM)`);
}

// The few playwright-core calls used here, typed locally: playwright-core is optional (a dev dependency), loaded on demand.
interface PwPage {
  setContent(html: string, opts?: { waitUntil?: 'load' }): Promise<void>;
  addScriptTag(opts: { content?: string; path?: string }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  locator(selector: string): { screenshot(opts?: { omitBackground?: boolean; type?: 'png' }): Promise<Buffer> };
  route(url: string, handler: (route: { abort(): Promise<void> }) => void): Promise<void>;
}
interface PwBrowser {
  newPage(opts?: { deviceScaleFactor?: number; viewport?: { width: number; height: number } }): Promise<PwPage>;
  close(): Promise<void>;
}

async function launchChromium(explicit?: string): Promise<PwBrowser> {
  const pw = loadPlaywright();
  return pw.chromium.launch({ executablePath: findChromium(pw, explicit), args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

/** Width and height of a PNG (from its IHDR chunk). */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.readUInt32BE(12) !== 0x49484452) throw new InvalidOptionError('export: a figure holds an image/png that is not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Size to render a plotly figure at: its layout's width/height, else 800 x 500. */
function plotlySize(fig: PlotlyFigure): { width: number; height: number } {
  const w = Number(fig.layout.width);
  const h = Number(fig.layout.height);
  return { width: Number.isFinite(w) && w > 0 ? w : 800, height: Number.isFinite(h) && h > 0 ? h : 500 };
}

/** Renders each figure to the formats asked for; returns the files written. */
export async function writeFigureImages(figures: readonly NotebookFigure[], formats: readonly ('png' | 'svg')[], outDir: string, stem: string, opts: { chromium?: string; plotly?: string; log?: (line: string) => void }): Promise<string[]> {
  const log = opts.log ?? (() => undefined);
  const files: string[] = [];
  const usePlotly = opts.plotly !== undefined;
  const needsBrowser = figures.some((f) => (usePlotly && f.plotly) || (formats.includes('png') && !f.png && f.svg !== undefined));
  let browser: PwBrowser | undefined;
  let page: PwPage | undefined;
  try {
    if (needsBrowser) {
      browser = await launchChromium(opts.chromium);
      page = await browser.newPage({ deviceScaleFactor: 2, viewport: { width: 1000, height: 800 } });
      await page.route('**/*', (route) => void route.abort()); // nothing leaves the machine
      await page.setContent('<!DOCTYPE html><html><body style="margin:0;background:#fff"></body></html>');
      if (usePlotly && figures.some((f) => f.plotly)) await page.addScriptTag({ content: opts.plotly });
    }
    for (const f of figures) {
      const base = join(outDir, `${stem}-${f.name}`);
      for (const format of formats) {
        const file = `${base}.${format}`;
        let bytes: Buffer | undefined;
        if (usePlotly && f.plotly && page) {
          const size = plotlySize(f.plotly);
          const url = await page.evaluate(
            (a: { fig: PlotlyFigure; format: string; width: number; height: number }) =>
              (globalThis as unknown as { Plotly: { toImage(fig: object, o: object): Promise<string> } }).Plotly.toImage({ data: a.fig.data, layout: a.fig.layout }, { format: a.format, width: a.width, height: a.height, scale: a.format === 'png' ? 2 : 1 }),
            { fig: f.plotly, format, ...size },
          );
          const comma = url.indexOf(',');
          bytes = url.slice(0, comma).endsWith(';base64') ? Buffer.from(url.slice(comma + 1), 'base64') : Buffer.from(decodeURIComponent(url.slice(comma + 1)));
        } else if (format === 'svg' && f.svg !== undefined) {
          bytes = Buffer.from(f.svg);
        } else if (format === 'png' && f.png) {
          bytes = f.png;
        } else if (format === 'png' && f.svg !== undefined && page) {
          await page.setContent(`<!DOCTYPE html><html><body style="margin:0;background:#fff"><img id="fig" src="data:image/svg+xml;base64,${Buffer.from(f.svg).toString('base64')}"></body></html>`, { waitUntil: 'load' });
          bytes = await page.locator('#fig').screenshot({ type: 'png' });
        } else if (format === 'svg' && (f.png || f.jpeg)) {
          const img = (f.png ?? f.jpeg)!;
          const mime = f.png ? 'image/png' : 'image/jpeg';
          const { width, height } = f.png ? pngSize(f.png) : { width: 800, height: 600 };
          bytes = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><image width="${width}" height="${height}" xlink:href="data:${mime};base64,${img.toString('base64')}"/></svg>`);
        } else if (format === 'png' && f.jpeg) {
          log(`  ${f.name}: only a JPEG; written as .jpg instead of .png`);
          writeFileSync(`${base}.jpg`, f.jpeg);
          files.push(`${base}.jpg`);
          continue;
        }
        if (!bytes) {
          log(`  ${f.name}: no image to write as ${format} (a live widget view without a static fallback)`);
          continue;
        }
        writeFileSync(file, bytes);
        files.push(file);
      }
    }
  } finally {
    await browser?.close();
  }
  return files;
}

// ---------------------------------------------------------------------------------------------------------------

/** Options of exportNotebook(). */
export interface ExportOptions {
  to: readonly ('html' | 'png' | 'svg')[];
  outDir: string;
  htmlFigures?: 'interactive' | 'static';
  chromium?: string;
  log?: (line: string) => void;
}

/** What exportNotebook() wrote. */
export interface ExportResult {
  html?: string;
  images: string[];
  figures: NotebookFigure[];
}

/** Exports an executed notebook (see the file comment). */
export async function exportNotebook(path: string, opts: ExportOptions): Promise<ExportResult> {
  const log = opts.log ?? (() => undefined);
  let nb: Json;
  try {
    nb = JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (e) {
    throw new InvalidOptionError(`export: cannot read ${path} as a notebook: ${(e as Error).message}`);
  }
  if (!Array.isArray(nb.cells)) throw new InvalidOptionError(`export: ${path} has no cells (not a .ipynb notebook?)`);
  const codeCells = (nb.cells as Json[]).filter((c) => c.cell_type === 'code');
  if (codeCells.length > 0 && codeCells.every((c) => !Array.isArray(c.outputs) || c.outputs.length === 0)) {
    throw new InvalidOptionError(`export: ${path} has no outputs: execute it first (ntk-lab run-notebooks, or export --execute)`);
  }
  const figures = notebookFigures(nb);
  mkdirSync(opts.outDir, { recursive: true });
  const stem = basename(path).replace(/\.ipynb$/, '');
  const plotlyPath = plotlyScriptPath();
  const plotly = plotlyPath ? readFileSync(plotlyPath, 'utf8') : undefined;
  const result: ExportResult = { images: [], figures };
  if (opts.to.includes('html')) {
    const mode = opts.htmlFigures ?? (plotly ? 'interactive' : 'static');
    if (mode === 'interactive' && !plotly) throw new InvalidOptionError(`export: --html-figures interactive draws the figures with plotly.js, but ${PLOTLY_MISSING} (in a clone, npm run build:widgets installs it)`);
    if (!plotly && opts.htmlFigures === undefined) log(`note: ${PLOTLY_MISSING}; the page shows the figures' static images`);
    const file = join(opts.outDir, `${stem}.html`);
    writeFileSync(file, notebookHtml(nb, { title: stem, figures: mode, plotly }));
    result.html = file;
    log(`wrote ${file} (${figures.length} figures, ${mode})`);
  }
  const formats = opts.to.filter((t): t is 'png' | 'svg' => t === 'png' || t === 'svg');
  if (formats.length) {
    if (!plotly && figures.some((f) => f.plotly)) log(`note: ${PLOTLY_MISSING}; images of plotly figures are their static SVG/PNG`);
    result.images = await writeFigureImages(figures, formats, opts.outDir, stem, { chromium: opts.chromium, plotly, log });
    log(`wrote ${result.images.length} image files for ${figures.length} figures (${formats.join(', ')}${plotly ? ', plotly figures drawn by plotly.js in Chromium' : ''})`);
  }
  return result;
}

/** The command. */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string', default: 'html' },
      out: { type: 'string', default: 'export' },
      'html-figures': { type: 'string' },
      chromium: { type: 'string' },
      execute: { type: 'boolean' },
      python: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new InvalidOptionError(`export: give one notebook\n${EXPORT_USAGE}`);
  const to = values.to.split(',').map((s) => s.trim()).filter(Boolean);
  for (const t of to) if (!['html', 'png', 'svg'].includes(t)) throw new InvalidOptionError(`export: --to takes html, png and svg, got '${t}'`);
  const htmlFigures = values['html-figures'];
  if (htmlFigures !== undefined && htmlFigures !== 'interactive' && htmlFigures !== 'static') throw new InvalidOptionError(`export: --html-figures must be interactive or static, got '${htmlFigures}'`);
  let path = resolve(positionals[0]);
  if (!existsSync(path)) throw new InvalidOptionError(`export: no such notebook: ${positionals[0]}`);
  let tmp: string | undefined;
  try {
    if (values.execute) {
      tmp = mkdtempSync(join(tmpdir(), 'ntk-lab-export-'));
      const [run] = await runNotebooks([path], { outDir: tmp, python: values.python });
      if (!run?.ok) {
        console.error(`export: ${basename(path)} did not run clean; nothing exported`);
        return 1;
      }
      path = run.out;
    }
    const t0 = performance.now();
    const r = await exportNotebook(path, { to: to as ('html' | 'png' | 'svg')[], outDir: resolve(values.out), htmlFigures, chromium: values.chromium, log: (l) => console.log(l) });
    const missing = r.figures.filter((f) => f.widgetOnly).map((f) => f.name);
    console.log(`export: ${basename(path)} -> ${resolve(values.out)} in ${((performance.now() - t0) / 1000).toFixed(1)} s${missing.length ? `; figures without a static image: ${missing.join(', ')}` : ''}`);
    return missing.length ? 1 : 0;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
