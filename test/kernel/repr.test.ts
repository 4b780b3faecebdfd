/** execute_result bundles: text/plain always, rich reprs by IPython's and Deno's conventions, failures skipped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describeThrown } from '../../src/kernel/cell-outcome';
import { reprOf } from '../../src/kernel/repr';
import { Kernel } from '../../src/ntk/kernel';

test('plain values: util.inspect text', () => {
  assert.deepEqual(reprOf(42), { data: { 'text/plain': '42' }, metadata: {} });
  assert.equal(reprOf('abc').data['text/plain'], "'abc'");
  assert.equal(reprOf({ a: [1, 2] }).data['text/plain'], '{ a: [ 1, 2 ] }');
  assert.match(String(reprOf(new Float32Array(1000)).data['text/plain']), /\.\.\. 900 more items/);
});

test('rich reprs: Jupyter.display symbol first, then _repr_mimebundle_, then _repr_*_ per mime type', () => {
  const obj = {
    [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<i>symbol</i>' }),
    _repr_mimebundle_: () => [{ 'text/html': '<b>bundle</b>', 'text/markdown': '*m*' }, { 'text/markdown': { k: 1 } }],
    _repr_markdown_: () => 'not used: the bundle gave markdown',
    _repr_latex_: () => '$x$',
    _repr_png_: () => new Uint8Array([1, 2, 3]),
    _repr_json_: () => ({ j: [1] }),
  };
  const r = reprOf(obj);
  assert.equal(r.data['text/html'], '<i>symbol</i>');
  assert.equal(r.data['text/markdown'], '*m*');
  assert.equal(r.data['text/latex'], '$x$');
  assert.equal(r.data['image/png'], 'AQID');
  assert.deepEqual(r.data['application/json'], { j: [1] });
  assert.deepEqual(r.metadata, { 'text/markdown': { k: 1 } });
  assert.equal(typeof r.data['text/plain'], 'string');
});

test('a failing, async or unsendable repr is reported and skipped; the value still shows', () => {
  const problems: string[] = [];
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const r = reprOf(
    {
      _repr_html_() {
        throw new Error('no html');
      },
      _repr_markdown_: async () => '*late*',
      _repr_json_: () => cyclic,
      _repr_svg_: () => 10n,
    },
    (p) => problems.push(p),
  );
  assert.deepEqual(Object.keys(r.data), ['text/plain']);
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.match(problems.join('\n'), /_repr_html_\(\) failed: Error: no html/);
  assert.match(problems.join('\n'), /returned a promise/);
  const hostile = new Proxy({}, { get: () => { throw new Error('trap'); } });
  assert.equal(typeof reprOf(hostile, () => undefined).data['text/plain'], 'string');
});

test('ntk-lab Kernel shows as a one-line summary, in execute_result and console.log alike', () => {
  const k = new Kernel({ values: new Float32Array(4), shape: [2, 2], kind: 'ntk', layout: 'trace', outputs: 1, label: 'ntk', symmetric: true, backend: 'openblas (explicit, auto: x (y)), tfjs wasm', wallTimeMs: 12.4 });
  assert.equal(reprOf(k).data['text/plain'], 'Kernel ntk 2 x 2 float32 (symmetric, openblas, tfjs wasm, 12 ms)');
  assert.equal(inspect(k), reprOf(k).data['text/plain']);
  const ck = new Kernel({ values: new Float32Array(12), shape: [2, 2, 3], kind: 'ck', layout: 'diagonal', outputs: 3, label: 'ck:layer2', symmetric: false, backend: '', wallTimeMs: 1 });
  assert.equal(inspect(ck), "Kernel ck 2 x 2 x 3 float32 (label 'ck:layer2', diagonal layout, 3 outputs, 1 ms)");
});

test('thrown values become ename, evalue and the cell\'s own frames', () => {
  const e = new TypeError('bad');
  e.stack = 'TypeError: bad\n    at evalmachine.<anonymous>:2:7\n    at Script.runInThisContext (node:vm:137:12)\n    at Object.execute (/x/node_modules/tslab/dist/executor.js:160:38)';
  assert.deepEqual(describeThrown(e), { ename: 'TypeError', evalue: 'bad', traceback: ['TypeError: bad', '    at evalmachine.<anonymous>:2:7'] });
  assert.deepEqual(describeThrown('str'), { ename: 'Uncaught', evalue: "'str'", traceback: ["Uncaught 'str'"] });
  const weird = new Error('x');
  Object.defineProperty(weird, 'message', { get: () => { throw new Error('hostile'); } });
  assert.equal(describeThrown(weird).ename, 'Error');
});
