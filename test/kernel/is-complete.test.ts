/** is_complete from tslab's TypeScript parser: complete, incomplete where more lines could fix it, invalid otherwise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isComplete, nextIndent } from '../../src/kernel/is-complete';

const CASES: [string, 'complete' | 'incomplete' | 'invalid'][] = [
  ['', 'complete'],
  ['1 + 1', 'complete'],
  ["const x: number = 'a'", 'complete'], // a type error shows when it runs
  ['const a = <number>x;', 'complete'], // a type assertion: cells are .ts, not .tsx
  ['// comment', 'complete'],
  ['function f() {', 'incomplete'],
  ['const x = {\n  a: 1,', 'incomplete'],
  ['foo(', 'incomplete'],
  ['x.', 'incomplete'],
  ['1 +', 'incomplete'],
  ['`abc', 'incomplete'], // a template literal spans lines
  ['/* abc', 'incomplete'],
  ['const s = "abc\\', 'incomplete'], // a line continuation
  ['if (x) {\n  y();\n} else', 'incomplete'],
  ['function f() {\n\n', 'incomplete'], // blank lines do not force it (tslab's rule), brackets stay open
  ['const = 7q', 'invalid'],
  ['a ==== b', 'invalid'],
  ['}', 'invalid'],
  ['1 2', 'invalid'],
  ["'abc", 'invalid'], // no next line closes a string
  ['/abc', 'invalid'],
  ['function f() {\n  const = 7q\n', 'invalid'], // an error before the end, though brackets are open
];

test('is_complete statuses from the parse diagnostics', () => {
  for (const [code, want] of CASES) assert.equal(isComplete(code).status, want, JSON.stringify(code));
});

test('incomplete code comes with the next line\'s indent', () => {
  assert.deepEqual(isComplete('function f() {'), { status: 'incomplete', indent: '  ' });
  assert.equal(nextIndent('  if (x) {'), '    ');
  assert.equal(nextIndent('  foo(1,'), '  ');
  assert.equal(nextIndent('function f() {\n  const a = [\n\n'), '    ');
});
