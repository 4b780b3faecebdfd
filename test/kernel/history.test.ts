/** The history store (IPython's HistoryManager answers through ipykernel) and SQLite-GLOB matching. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from '../../src/kernel/glob';
import { History, HistoryRequestError } from '../../src/kernel/history';

test('glob matches as SQLite GLOB does (cases checked against sqlite3)', () => {
  const cases: [string, string, boolean][] = [
    ['abc', 'a[^x]c', true],
    ['abc', 'a[c', false], // a '[' that never closes matches nothing
    ['a[c', 'a[c', false],
    ['a]c', 'a[]]c', true],
    ['abc', '*', true],
    ['', '*', true],
    ['ABC', 'a*', false], // case-sensitive
    ['a-c', 'a[a-]c', true],
    ['a-c', 'a[-a]c', true],
    ['1 + 1', '1*', true],
    ['2 * 3', '[0-9] [*+] [0-9]', true],
    ['x', '?', true],
    ['xy', '?', false],
    ['😀', '?', true], // one character, not two UTF-16 units
    ['abab', '*ab', true],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac', '*a*a*a*a*a*a*a*a*b', false],
  ];
  for (const [text, pattern, want] of cases) assert.equal(globMatch(pattern, text), want, `${JSON.stringify(text)} GLOB ${JSON.stringify(pattern)}`);
});

test('a pathological pattern on a long text is fast (no backtracking explosion)', () => {
  const t0 = Date.now();
  assert.equal(globMatch('*a'.repeat(50) + 'b', 'a'.repeat(20_000)), false);
  assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
});

function sample(): History {
  const h = new History();
  ['1 + 1', '2 * 3', '1 + 1', '"ab" + "c"', '7'].forEach((input, i) => h.add(i + 1, input));
  h.setOutput(1, '2');
  h.setOutput(5, '7');
  return h;
}

test('tail, range and search answer with [session, line, input] as ipykernel does', () => {
  const h = sample();
  const ask = (c: object): unknown[] => h.reply({ output: false, raw: true, ...c }).history as unknown[];
  assert.deepEqual(ask({ hist_access_type: 'tail', n: 2 }), [[1, 4, '"ab" + "c"'], [1, 5, '7']]);
  assert.equal(ask({ hist_access_type: 'tail', n: -1 }).length, 5, 'a negative n is no limit (SQLite LIMIT -1)');
  assert.deepEqual(ask({ hist_access_type: 'range', session: 0, start: 1, stop: 3 }), [[0, 1, '1 + 1'], [0, 2, '2 * 3']]);
  assert.deepEqual(ask({ hist_access_type: 'range', session: 0, start: -2 }), [[0, 4, '"ab" + "c"'], [0, 5, '7']]);
  assert.deepEqual(ask({ hist_access_type: 'range', session: 0, start: 0, stop: 1 }), [[0, 0, '']]);
  assert.deepEqual(ask({ hist_access_type: 'range', session: 1, start: 5 }), [[0, 5, '7']], 'session 1 is this one');
  assert.deepEqual(ask({ hist_access_type: 'range', session: -1, start: 1 }), [], 'no earlier session');
  assert.deepEqual(ask({ hist_access_type: 'search', pattern: '1*' }), [[1, 1, '1 + 1'], [1, 3, '1 + 1']]);
  assert.deepEqual(ask({ hist_access_type: 'search', pattern: '1*', unique: true }), [[1, 3, '1 + 1']]);
  assert.deepEqual(ask({ hist_access_type: 'search', pattern: '*', unique: true, n: 2 }), [[1, 4, '"ab" + "c"'], [1, 5, '7']]);
  assert.deepEqual(ask({ hist_access_type: 'search' }), [], 'no pattern matches nothing (GLOB NULL)');
  assert.deepEqual(ask({ hist_access_type: 'other' }), []);
});

test('with output: [session, line, [input, output or null]]', () => {
  const h = sample();
  assert.deepEqual(h.reply({ hist_access_type: 'tail', n: 2, output: true }).history, [[1, 4, ['"ab" + "c"', null]], [1, 5, ['7', '7']]]);
  assert.deepEqual(h.reply({ hist_access_type: 'range', start: 1, stop: 2, output: true }).history, [[0, 1, ['1 + 1', '2']]]);
});

test('fields of the wrong type are refused with a HistoryRequestError naming them', () => {
  const h = sample();
  const bad: [object, RegExp][] = [
    [{ hist_access_type: 'tail' }, /'n' is missing/],
    [{ hist_access_type: 'tail', n: 1.5 }, /'n' is not an integer/],
    [{ hist_access_type: 'range', start: 'x' }, /'start' is not an integer/],
    [{ hist_access_type: 'search', pattern: 5 }, /'pattern' is not a string/],
    [{ hist_access_type: 'tail', n: 1, output: 'yes' }, /'output' is not a boolean/],
  ];
  for (const [content, why] of bad) assert.throws(() => h.reply(content as never), (e: unknown) => e instanceof HistoryRequestError && why.test(e.message));
});
