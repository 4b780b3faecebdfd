/**
 * is_complete_request: would this code run as it is, could more lines make it run, or can nothing typed
 * after it fix it? Answered from the parse diagnostics of the TypeScript that compiles cells (tslab's 5.0):
 *
 *   complete    no syntax error                                  (`1 + 1`, also `const x: number = 'a'`: a type error shows when run)
 *   incomplete  every error is at the end, where more text fits   (`function f() {`, `foo(`, `x.`, an open template or comment)
 *   invalid     an error before the end, or a string or regular expression left open on the last line (no next
 *               line can close them)                              (`const = 7q`, `a ==== b`, `'abc`)
 *
 * Unlike tslab, two trailing blank lines do not force 'complete': IPython keeps open brackets incomplete
 * too, and a blank line inside a function being typed is common.
 */
import { createRequire } from 'node:module';
import type { JsonObject } from './json';

/** The part of the TypeScript compiler API this uses (parseDiagnostics is internal, as tslab uses it too). */
interface Parser {
  createSourceFile(name: string, text: string, target: number, setParentNodes: boolean, kind: number): ParsedFile;
  ScriptTarget: { Latest: number };
  ScriptKind: { TS: number };
}

interface ParsedFile {
  parseDiagnostics?: readonly { start?: number; code: number }[];
  /** Its `pos` is where the last token ends (trailing blanks and comments come after). */
  endOfFileToken: { pos: number };
}

/** 'Unterminated string literal.', 'Unterminated regular expression literal.': a line break cannot continue either. */
const OPEN_ON_THE_LINE = new Set([1002, 1161]);

let parser: Parser | undefined;

/** tslab's TypeScript, the one its executor compiles cells with (loaded once, already in memory in the kernel). */
function tslabTypescript(): Parser {
  parser ??= createRequire(require.resolve('tslab/package.json'))('@tslab/typescript-for-tslab') as Parser;
  return parser;
}

/** The is_complete_reply content for `code`. */
export function isComplete(code: string): JsonObject {
  const ts = tslabTypescript();
  const file = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const diagnostics = file.parseDiagnostics ?? [];
  if (diagnostics.length === 0) return { status: 'complete' };
  const end = file.endOfFileToken.pos;
  const fixable = diagnostics.every((d) => (d.start ?? 0) >= end && !OPEN_ON_THE_LINE.has(d.code));
  return fixable ? { status: 'incomplete', indent: nextIndent(code) } : { status: 'invalid' };
}

/** The indent of the next line: the last line's, two spaces more after an opening bracket. */
export function nextIndent(code: string): string {
  const lines = code.split('\n');
  let last = lines.length - 1;
  while (last > 0 && lines[last].trim() === '') last--;
  const line = lines[last];
  const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
  return /[{([]\s*$/.test(line) ? `${indent}  ` : indent;
}
