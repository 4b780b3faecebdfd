/**
 * The kernel's input history and history_request, as IPython's HistoryManager answers it through
 * ipykernel. Each cell run with store_history is line `execution_count` of this session; its input is
 * kept, and the text/plain of its execute_result as its output. In memory only: the session is
 * number 1 and there are no earlier sessions (IPython numbers its sessions in a SQLite file).
 *
 *   tail    the last n lines                                    -> [session, line, input]
 *   range   lines start <= line < stop of `session` (0 and 1: this one; negative start/stop count from the end,
 *           and a range of this session is numbered session 0, as IPython does)
 *   search  lines whose input matches the glob `pattern`; the last n; `unique`: the latest of equal inputs
 *
 * With output: true an entry is [session, line, [input, output or null]].
 */
import { globMatch } from './glob';
import type { JsonObject, JsonValue } from './json';

/** A history_request that cannot be answered (a field of the wrong type): the kernel sends an error reply. */
export class HistoryRequestError extends Error {
  override readonly name = 'HistoryRequestError';
}

/** One session's inputs and outputs. */
export class History {
  // IPython's input_hist_raw: index = line number, line 0 empty (a range from 0 shows it, as IPython's does).
  private readonly inputs: string[] = [''];
  private readonly outputs = new Map<number, string>();

  /** `session`: the number tail and search give this session's lines. */
  constructor(readonly session = 1) {}

  /** Records the input of line `line` (the cell's execution_count). */
  add(line: number, input: string): void {
    while (this.inputs.length < line) this.inputs.push('');
    this.inputs[line] = input;
  }

  /** Records the text of line `line`'s result. */
  setOutput(line: number, text: string): void {
    this.outputs.set(line, text);
  }

  /** The history_reply content for a history_request's `content`; throws HistoryRequestError. */
  reply(content: JsonObject): JsonObject {
    const output = flag(content, 'output', false);
    flag(content, 'raw', true); // checked, not used: a TypeScript cell's raw and translated input are the same
    let lines: number[];
    switch (content.hist_access_type) {
      case 'tail':
        lines = this.last(this.stored(), int(content, 'n'));
        break;
      case 'range':
        return { status: 'ok', history: this.range(content, output) };
      case 'search':
        lines = this.search(content);
        break;
      default:
        // ipykernel's answer to an access type it does not know.
        lines = [];
    }
    return { status: 'ok', history: lines.map((l) => this.entry(this.session, l, output)) };
  }

  /** Lines 1.. that hold a stored input. */
  private stored(): number[] {
    const lines: number[] = [];
    for (let l = 1; l < this.inputs.length; l++) lines.push(l);
    return lines;
  }

  // The last n (SQLite's LIMIT: a negative n means all).
  private last(lines: number[], n: number): number[] {
    return n < 0 ? lines : lines.slice(Math.max(0, lines.length - n));
  }

  private range(content: JsonObject, output: boolean): JsonValue[] {
    let session = optionalInt(content, 'session') ?? 0;
    if (session <= 0) session += this.session;
    if (session !== this.session) return [];
    const n = this.inputs.length;
    // IPython's _get_range_session: Python slice bounds, a missing or 0 stop meaning the end.
    let start = optionalInt(content, 'start') ?? 0;
    let stop = optionalInt(content, 'stop') ?? 0;
    if (start < 0) start += n;
    if (!stop || stop > n) stop = n;
    else if (stop < 0) stop += n;
    const out: JsonValue[] = [];
    for (let l = Math.max(0, start); l < stop; l++) out.push(this.entry(0, l, output));
    return out;
  }

  private search(content: JsonObject): number[] {
    const pattern = content.pattern;
    // ipykernel passes a missing pattern to SQLite's GLOB as NULL, which matches nothing.
    if (pattern === undefined || pattern === null) return [];
    if (typeof pattern !== 'string') throw new HistoryRequestError("history_request: 'pattern' is not a string");
    const n = optionalInt(content, 'n');
    let lines = this.stored().filter((l) => globMatch(pattern, this.inputs[l]));
    if (flag(content, 'unique', false)) {
      // The latest line of each distinct input, in the order of those latest lines.
      const latest = new Map<string, number>();
      for (const l of lines) latest.set(this.inputs[l], l);
      lines = [...latest.values()].sort((a, b) => a - b);
    }
    return n === undefined ? lines : this.last(lines, n);
  }

  private entry(session: number, line: number, output: boolean): JsonValue {
    const input = this.inputs[line];
    return output ? [session, line, [input, this.outputs.get(line) ?? null]] : [session, line, input];
  }
}

function flag(content: JsonObject, key: string, fallback: boolean): boolean {
  const v = content[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new HistoryRequestError(`history_request: '${key}' is not a boolean`);
  return v;
}

function int(content: JsonObject, key: string): number {
  const v = optionalInt(content, key);
  // ipykernel hands a missing n to SQLite's LIMIT, which fails ("datatype mismatch"): it never replies.
  if (v === undefined) throw new HistoryRequestError(`history_request: '${key}' is missing`);
  return v;
}

function optionalInt(content: JsonObject, key: string): number | undefined {
  const v = content[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new HistoryRequestError(`history_request: '${key}' is not an integer`);
  return v;
}
