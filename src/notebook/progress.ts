/**
 * A progress line for long work in a notebook: one output shown once and replaced in place (display_data, then
 * update_display_data under the same display id), so a tile run or a pass over a 20 GB tile store shows where it
 * is without flooding the cell. Outside a kernel it draws the same line on a terminal's stderr (carriage return),
 * and prints nothing to a pipe or a log, as the CLI's bars do.
 *
 *   const bar = progressLine('tiles');
 *   await runLocal(dir, { workers: 2, onEvent: bar.localRun });
 *   const op = await TileStoreOperator.open(dir, { onProgress: bar.storePass });
 *
 * Updates are throttled (at most one per `intervalMs`, and only when the shown text changes) because each update
 * is a message to the front end; `end()` always shows the final state.
 */
import { display, hasRichDisplay, type DisplayHandle } from '../kernel/display';
import type { LocalRunEvent } from '../tiles/local-executor';
import type { StorePassEvent } from '../tiles/store-operator';

/** Options of progressLine(). */
export interface ProgressLineOptions {
  /** Minimum time between two updates of the shown line, in ms (default 250). */
  intervalMs?: number;
  /** Where the line goes outside a kernel (default process.stderr; drawn only when it is a terminal). */
  stream?: NodeJS.WriteStream;
}

/** A progress line: call update() as work is done, end() once at the end. */
export interface ProgressLine {
  /** done of total units (total > 0); detail is shown after the count (e.g. '3.1 GB/s'). */
  update(done: number, total: number, detail?: string): void;
  /** Shows the final line (with `summary` in place of the detail when given) and stops updating. */
  end(summary?: string): void;
  /** An onEvent handler for runLocal() (tiles/local-executor): finished tiles of all, failures counted. */
  readonly localRun: (e: LocalRunEvent) => void;
  /** An onProgress handler for TileStoreOperator (tiles/store-operator): tiles of the current pass. */
  readonly storePass: (e: StorePassEvent) => void;
}

const BAR_WIDTH = 24;

function fractionOf(done: number, total: number): number {
  return total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
}

/** The part after the bar: 42% (21/50) detail. */
function countText(done: number, total: number, detail?: string): string {
  return `${Math.floor(100 * fractionOf(done, total))}% (${done}/${total})${detail ? ` ${detail}` : ''}`;
}

/** The text of a line: label [#####.....] 42% (21/50) detail. */
export function progressText(label: string, done: number, total: number, detail?: string): string {
  const fill = Math.round(BAR_WIDTH * fractionOf(done, total));
  return `${label} [${'#'.repeat(fill)}${'.'.repeat(BAR_WIDTH - fill)}] ${countText(done, total, detail)}`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Starts a progress line labelled `label` (shown on the first update). */
export function progressLine(label: string, options: ProgressLineOptions = {}): ProgressLine {
  const intervalMs = options.intervalMs ?? 250;
  const stream = options.stream ?? process.stderr;
  // A kernel (ntk-lab's, or plain tslab's display writer) gets a display; anything else a terminal line.
  const inKernel = hasRichDisplay();
  let handle: DisplayHandle | undefined;
  let shown = '';
  let lastAt = -Infinity;
  let state = { done: 0, total: 0, detail: undefined as string | undefined };
  let ended = false;

  const show = (done: number, total: number, detail: string | undefined, force: boolean): void => {
    const text = progressText(label, done, total, detail);
    const now = performance.now();
    if (text === shown || (!force && now - lastAt < intervalMs)) return;
    shown = text;
    lastAt = now;
    if (inKernel) {
      const html = `<div style="font-family: monospace"><progress value="${done}" max="${Math.max(total, 1)}" style="width: 12em; vertical-align: middle"></progress> ${escapeHtml(countText(done, total, detail))} <span style="opacity: 0.7">${escapeHtml(label)}</span></div>`;
      const bundle = { 'text/plain': text, 'text/html': html };
      if (handle) handle.update(bundle);
      else handle = display(bundle);
    } else if (stream.isTTY === true) {
      stream.write(`\r\x1b[K${text}`);
    }
  };

  const line: ProgressLine = {
    update(done, total, detail) {
      if (ended) return;
      state = { done, total, detail };
      show(done, total, detail, done >= total);
    },
    end(summary) {
      if (ended) return;
      ended = true;
      show(state.done, state.total, summary ?? state.detail, true);
      if (!inKernel && stream.isTTY === true && shown !== '') stream.write('\n');
    },
    localRun: (() => {
      let tiles = 0;
      let failed = 0;
      return (e: LocalRunEvent): void => {
        if (e.type === 'start') {
          tiles = e.tiles;
          line.update(0, tiles, `${e.workers} workers`);
        } else if (e.type === 'done') line.update(e.finished, tiles, failed ? `${failed} failed` : undefined);
        else if (e.type === 'failed') line.update(state.done, tiles, `${++failed} failed`);
        else if (e.type === 'stopping') line.end(`stopping: ${e.why}`);
      };
    })(),
    storePass: (e: StorePassEvent): void => {
      const gbps = e.elapsedMs > 0 ? e.bytesRead / 1e6 / e.elapsedMs : 0;
      line.update(e.tilesDone, e.tiles, `pass ${e.pass} (${e.kind}${e.vectors ? `, ${e.vectors} vectors` : ''}), ${gbps.toFixed(2)} GB/s`);
    },
  };
  return line;
}
