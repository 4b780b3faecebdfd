/**
 * progressLine (issue 17 item 4): in a kernel one display is shown and then replaced in place under its display id,
 * throttled, with the final state always shown; on a terminal a carriage-return line; on a pipe nothing. The tile
 * executors' and the store operator's events drive it through its adapters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from '../../src/kernel/json';
import { setKernelRuntime } from '../../src/kernel/runtime';
import { progressLine, progressText } from '../../src/notebook/progress';

type Shown = { content: JsonObject; update: boolean };

function inKernel<T>(fn: (shown: Shown[]) => T): T {
  const shown: Shown[] = [];
  setKernelRuntime({ display: (content: JsonObject, update: boolean) => void shown.push({ content, update }) } as never);
  try {
    return fn(shown);
  } finally {
    setKernelRuntime(undefined);
  }
}

const textOf = (s: Shown): string => (s.content.data as JsonObject)['text/plain'] as string;
const idOf = (s: Shown): string => (s.content.transient as JsonObject).display_id as string;

test('progressText: bar, percentage and count; clamped outside [0, total]', () => {
  assert.equal(progressText('tiles', 0, 4), `tiles [${'.'.repeat(24)}] 0% (0/4)`);
  assert.equal(progressText('tiles', 1, 4, '2 workers'), `tiles [${'#'.repeat(6)}${'.'.repeat(18)}] 25% (1/4) 2 workers`);
  assert.equal(progressText('x', 9, 4), `x [${'#'.repeat(24)}] 100% (9/4)`);
  assert.equal(progressText('x', 1, 0), `x [${'.'.repeat(24)}] 0% (1/0)`);
});

test('in a kernel: one display, then updates under its id; throttled; completion and end() always shown', () => {
  inKernel((shown) => {
    const bar = progressLine('pass', { intervalMs: 60_000 });
    bar.update(0, 10);
    for (let i = 1; i < 10; i++) bar.update(i, 10); // inside the interval: dropped
    assert.equal(shown.length, 1);
    bar.update(10, 10); // complete: shown despite the interval
    bar.end('done in 1 s');
    bar.update(3, 10); // after end: ignored
    assert.deepEqual(shown.map((s) => s.update), [false, true, true]);
    assert.equal(new Set(shown.map(idOf)).size, 1, 'every output under one display id');
    assert.match(textOf(shown[0]), /^pass \[\.+\] 0% \(0\/10\)$/);
    assert.match(textOf(shown[1]), /100% \(10\/10\)$/);
    assert.match(textOf(shown[2]), /100% \(10\/10\) done in 1 s$/);
    const html = (shown[2].content.data as JsonObject)['text/html'] as string;
    assert.match(html, /<progress value="10" max="10"/);
  });
});

test('in a kernel with no throttle: an unchanged line is not sent again', () => {
  inKernel((shown) => {
    const bar = progressLine('p', { intervalMs: 0 });
    bar.update(1, 4);
    bar.update(1, 4);
    bar.update(2, 4);
    assert.equal(shown.length, 2);
  });
});

test('outside a kernel: a terminal gets carriage-return lines and a final newline; a pipe gets nothing', () => {
  const written: string[] = [];
  const tty = { isTTY: true, write: (s: string) => void written.push(s) } as unknown as NodeJS.WriteStream;
  const bar = progressLine('tiles', { stream: tty, intervalMs: 0 });
  bar.update(1, 2);
  bar.end();
  assert.deepEqual(written, [`\r\x1b[K${progressText('tiles', 1, 2)}`, '\n']);
  const piped: string[] = [];
  const pipe = { isTTY: false, write: (s: string) => void piped.push(s) } as unknown as NodeJS.WriteStream;
  const quiet = progressLine('tiles', { stream: pipe, intervalMs: 0 });
  quiet.update(1, 2);
  quiet.end();
  assert.deepEqual(piped, []);
});

test('adapters: runLocal events count finished tiles and failures; store passes show the pass and its throughput', () => {
  inKernel((shown) => {
    const bar = progressLine('tiles', { intervalMs: 0 });
    bar.localRun({ type: 'start', tiles: 3, workers: 2, threads: 1, removedTemporaries: 0 });
    bar.localRun({ type: 'done', index: 0, name: '0-0', worker: 0, computed: true, computeMs: 5, finished: 1 });
    bar.localRun({ type: 'failed', index: 1, name: '0-1', worker: 1, error: { name: 'Error', message: 'boom' } as never });
    bar.localRun({ type: 'done', index: 2, name: '1-1', worker: 0, computed: true, computeMs: 5, finished: 2 });
    const texts = shown.map(textOf);
    assert.match(texts[0], /0% \(0\/3\) 2 workers$/);
    assert.match(texts[1], /33% \(1\/3\)$/);
    assert.match(texts[2], /33% \(1\/3\) 1 failed$/);
    assert.match(texts[3], /66% \(2\/3\) 1 failed$/);
  });
  inKernel((shown) => {
    const bar = progressLine('K V', { intervalMs: 0 });
    bar.storePass({ pass: 2, kind: 'apply', vectors: 16, tilesDone: 5, tiles: 10, bytesRead: 2e9, elapsedMs: 1000 });
    assert.match(textOf(shown[0]), /50% \(5\/10\) pass 2 \(apply, 16 vectors\), 2\.00 GB\/s$/);
  });
});
