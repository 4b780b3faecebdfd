/**
 * The addon must be unbreakable from JavaScript: every entry point, called with random argument lists (random
 * values of every type, and valid calls with one or two arguments mutated: negative, fractional, huge or
 * overflowing sizes, short/detached/foreign typed arrays, random convolution windows), either returns or throws;
 * the process never crashes. The fuzzing runs in a child process so that a crash shows as a signal or an exit
 * code here instead of killing the test runner. Async calls work on addon-owned copies: detaching or shrinking
 * an input right after the call starts must not change the result.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { addonCandidates } from '../../src/linalg/native';

const root = path.resolve(__dirname, '..', '..', '..');
const addons = addonCandidates().filter((c) => fs.existsSync(c.file));
const skip = addons.length === 0 && process.env.NTK_LINALG !== 'native' ? 'no addon built (npm run build:native)' : false;

/** The fuzzer, run as `node -e`: prints one JSON line of counts per entry point. */
const FUZZER = String.raw`
const addon = require(process.env.FUZZ_ADDON);
let seed = Number(process.env.FUZZ_SEED) >>> 0;
const rnd = () => { seed = (seed + 0x6d2b79f5) >>> 0; let t = seed; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const detached = () => { const a = new Float64Array(4); structuredClone(a.buffer, { transfer: [a.buffer] }); return a; };
const f32 = (n) => Float32Array.from({ length: n }, () => rnd() - 0.5);
const f64 = (n) => Float64Array.from({ length: n }, () => rnd() - 0.5);
const weird = () => pick([
  0, 1, -1, 2, 3, 2.5, -0, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, 2 ** 62, 1e300, 7,
  true, false, null, undefined, 'abc', '3', {}, [], [1, 2], () => 1, Symbol('s'), 10n,
  f32(int(0, 40)), f64(int(0, 40)), new Int32Array(int(0, 20)), new Uint8Array(8), new Float32Array(0),
  detached(), f64(64).subarray(3, 20), new Float32Array(new ArrayBuffer(64, { maxByteLength: 256 })),
  new Float64Array(new SharedArrayBuffer(64)), new DataView(new ArrayBuffer(8)),
]);
const small = () => int(0, 6);
const S = (n, f) => (rnd() < 0.75 ? f(n) : null);
// Valid argument lists, per entry point, to mutate (sizes small, so that calls which pass validation run at once).
const valid = {
  gemm: () => { const m = small(), n = small(), k = small(), a = rnd() < 0.5; const F = rnd() < 0.5 ? f32 : f64; const as = rnd() < 0.5;
    return [rnd() < 0.5, rnd() < 0.5, m, n, k, rnd(), F(m * k), F(k * n), as ? null : F(m * n), as]; },
  syrk: () => { const n = small(), k = small(); const F = rnd() < 0.5 ? f32 : f64; const as = rnd() < 0.5;
    return [rnd() < 0.5, n, k, rnd(), F(n * k), as ? null : F(n * n), as]; },
  syevd: () => { const n = int(1, 6), as = rnd() < 0.5; return [n, f64(n * n), as ? null : f64(n), rnd() < 0.5, as]; },
  syevr: () => { const n = int(1, 6), il = int(1, n), iu = int(il, n), m = iu - il + 1, as = rnd() < 0.5;
    return [n, f64(n * n), il, iu, as ? null : f64(m), as ? pick([true, null]) : S(n * m, f64), as]; },
  potrf: () => { const n = int(1, 6); return [n, f64(n * n), rnd() < 0.5]; },
  potrs: () => { const n = int(1, 6), r = int(1, 3); return [n, r, f64(n * n), f64(n * r), rnd() < 0.5]; },
  gesdd: () => { const m = int(1, 6), n = int(1, 6), p = Math.min(m, n), as = rnd() < 0.5;
    return as ? [m, n, f64(m * n), null, null, null, true] : [m, n, f64(m * n), f64(p), f64(m * p), f64(p * n), false]; },
  firstNonFinite: () => [rnd() < 0.5 ? f32(small()) : f64(small())],
  inspectSymmetric: () => { const n = small(); return [rnd() < 0.5 ? f32(n * n) : f64(n * n), n, rnd() - 0.2]; },
  blasInfo: () => [],
  biasActivation: () => { const cols = int(1, 5), rows = small(); return [int(0, 3), f32(rows * cols), f32(rows * cols), cols, S(cols, f32), rnd()]; },
  multiplyRows: () => { const n = small(), k = int(1, 3), c = small(); return [f32(n * k * c), f32(n * c), n, k, c]; },
  accumulateLayer: () => { const r = small(), c = small(); return [f32(r * c), S(r * c, f32), f32(r * c), rnd(), rnd(), r, c, rnd() < 0.5]; },
  mirrorLower32: () => { const R = small(); return [f32(R * R), R]; },
  im2col: () => { const w = Int32Array.from({ length: 13 }, () => int(0, 5)); for (const q of [5, 6, 7, 8]) w[q] = int(1, 3);
    const inSize = w[0] * w[1] * w[2], outSize = w[11] * w[12] * w[3] * w[4] * w[2];
    return [w, f32(inSize + 2), int(0, 2), f32(outSize + 2), int(0, 2)]; },
  convForward: () => { const w = Int32Array.from({ length: 13 }, () => int(0, 5)); for (const q of [5, 6, 7, 8]) w[q] = int(1, 3);
    const n = small(), cout = pick([1, 3, 8, 16, 19]), C = w[3] * w[4] * w[2];
    return [w, f32(n * w[0] * w[1] * w[2] + int(0, 2)), n, f32(C * cout), cout, rnd(), S(cout, f32), rnd() < 0.5, f32(n * w[11] * w[12] * cout + int(0, 2))]; },
  convFilterGrads: () => { const w = Int32Array.from({ length: 13 }, () => int(0, 5)); for (const q of [5, 6, 7, 8]) w[q] = int(1, 3);
    const n = small(), st = int(1, 2), cout = pick([1, 5, 8, 16, 24]), C = w[3] * w[4] * w[2];
    return [w, f32(n * w[0] * w[1] * w[2]), n, st, f32(n * st * w[11] * w[12] * cout), cout, rnd(), f32(n * st * C * cout + int(0, 2))]; },
  convKernels: () => [],
  axpy: () => { const n = small(); return [n, rnd(), f32(n + int(0, 2)), f32(n + int(0, 2))]; },
  channelAffine: () => { const r = small(), C = int(1, 5); return [f32(r * C), r, C, f32(C), S(C, f32), f32(r * C)]; },
  scaleShiftRows: () => { const n = small(), st = int(1, 2), P = small(), C = int(1, 4), stats = rnd() < 0.5;
    return [f32(n * st * P * C), f32(n * P * C), stats ? f32(C) : null, stats ? f32(C) : null, n, st, P, C, S(n * st * C, f32), S(n * st * C, f32)]; },
  gemmBatched: () => { const b = small(), m = small(), n = small(), k = small(), sa = pick([0, m * k, m * k + 1]), sb = pick([0, k * n]);
    return [rnd() < 0.5, rnd() < 0.5, b, m, n, k, rnd(), f32(Math.max(0, b - 1) * sa + m * k), sa, f32(Math.max(0, b - 1) * sb + k * n), sb, f32(b * m * n)]; },
  reluBias: () => { const r = small(), c = int(1, 5); return [f32(r * c), r, c, S(c, f32)]; },
  deactivate: () => { const n = small(), st = int(1, 3), P = small(), c = int(1, 4);
    return [f32(n * st * P * c), S(n * P * c, f32), rnd() < 0.5, n, st, P, c, rnd(), S(n * st * c, f32)]; },
};
const mutateNumber = (v) => pick([v + 1, v - 1, -v, v * 2 ** 20, v + 0.5, 2 ** 31, -1, 0, NaN, 2 ** 53 + 2]);
function mutate(args) {
  const out = args.slice();
  const times = int(1, 2);
  for (let t = 0; t < times && out.length; t++) {
    const i = int(0, out.length - 1);
    if (out[i] instanceof Int32Array && rnd() < 0.8) { const w = out[i].slice(); w[int(0, 12)] = pick([-1, -7, 0, 2 ** 31 - 1, -(2 ** 31), int(0, 60), 65536]); out[i] = w; }
    else if (typeof out[i] === 'number' && rnd() < 0.6) out[i] = mutateNumber(out[i]);
    else if (ArrayBuffer.isView(out[i]) && typeof out[i].subarray === 'function' && out[i].length > 0 && rnd() < 0.5) out[i] = out[i].subarray(0, Math.max(0, out[i].length - int(1, 4)));
    else out[i] = weird();
  }
  if (rnd() < 0.1) out.push(weird());
  if (rnd() < 0.1) out.pop();
  return out;
}
(async () => {
  const counts = {};
  const names = Object.keys(addon).filter((k) => typeof addon[k] === 'function').sort();
  const per = Number(process.env.FUZZ_CALLS);
  for (const name of names) {
    const c = (counts[name] = { returned: 0, threw: 0, rejected: 0, resolved: 0 });
    for (let q = 0; q < per; q++) {
      const args = q % 4 === 0 ? Array.from({ length: int(0, 11) }, weird) : q % 4 === 1 && valid[name] ? valid[name]() : mutate(valid[name] ? valid[name]() : []);
      let r;
      try { r = addon[name](...args); c.returned++; } catch (e) { c.threw++; continue; }
      if (r instanceof Promise) { try { await r; c.resolved++; } catch { c.rejected++; } }
    }
  }
  // Still alive, and still right: a 2 x 2 eigenproblem, sync and async.
  const w = new Float64Array(2);
  addon.syevd(2, new Float64Array([2, 1, 1, 2]), w, false, false);
  const r = await addon.syevd(2, new Float64Array([2, 1, 1, 2]), null, false, true);
  console.log(JSON.stringify({ names, counts, check: [Array.from(w), Array.from(r.outputs[0])] }));
})().catch((e) => { console.error('fuzzer failed', e); process.exit(3); });
`;

interface FuzzReport {
  names: string[];
  counts: Record<string, { returned: number; threw: number; rejected: number; resolved: number }>;
  check: number[][];
}

describe('the addon under fuzzing', { skip }, () => {
  for (const candidate of addons) {
    it(`${candidate.origin} addon: 24 entry points x 1500 random argument lists never crash the process`, () => {
      const r = spawnSync(process.execPath, ['-e', FUZZER], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, FUZZ_ADDON: candidate.file, FUZZ_SEED: '20261203', FUZZ_CALLS: '1500' },
        timeout: 120_000,
      });
      assert.equal(r.signal, null, `the fuzzed process died of ${r.signal}: ${r.stderr.slice(-2000)}`);
      assert.equal(r.status, 0, r.stderr.slice(-2000));
      const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as FuzzReport;
      const expected = ['accumulateLayer', 'axpy', 'biasActivation', 'blasInfo', 'channelAffine', 'convFilterGrads', 'convForward', 'convKernels', 'deactivate', 'firstNonFinite', 'gemm', 'gemmBatched', 'gesdd', 'im2col', 'inspectSymmetric', 'mirrorLower32', 'multiplyRows', 'potrf', 'potrs', 'reluBias', 'scaleShiftRows', 'syevd', 'syevr', 'syrk'];
      assert.deepEqual(report.names, expected, 'an entry point was added or removed: give the fuzzer a valid argument list for it');
      for (const name of expected) {
        const c = report.counts[name];
        assert.equal(c.returned + c.threw, 1500, name);
        // The fuzz reaches the routines' bodies, not only their argument checks (blasInfo and convKernels take no arguments).
        if (name !== 'blasInfo' && name !== 'convKernels') assert.ok(c.returned > 100 && c.threw > 100, `${name}: ${JSON.stringify(c)}`);
      }
      assert.ok(report.counts.gemm.resolved > 50, `async gemm calls that ran: ${JSON.stringify(report.counts.gemm)}`);
      assert.equal(report.check.length, 2);
      for (const values of report.check) {
        assert.ok(Math.abs(values[0] - 1) < 1e-12 && Math.abs(values[1] - 3) < 1e-12, `after fuzzing: eigenvalues ${values}`);
      }
    });
  }

  it('an async call is unaffected by detaching or shrinking its inputs right after it starts; caller outputs written in place only when they cannot shrink', async () => {
    const { loadAddon } = await import('../../src/linalg/native');
    const loaded = loadAddon();
    assert.ok('addon' in loaded);
    const addon = loaded.addon;
    const n = 300, k = 200;
    const fill = (len: number, s: number): Float64Array => Float64Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + s));
    const a = fill(n * k, 1), b = fill(k * n, 2);
    const expected = new Float64Array(n * n);
    addon.gemm(false, false, n, n, k, 1, a.slice(), b.slice(), expected, false);
    // Detach a (transfer its buffer) and shrink b (a resizable buffer) while the product runs.
    // Resizable ArrayBuffers are ES2024 (in Node 20's V8; not in this project's ES2022 typings).
    type Resizable = ArrayBuffer & { resize(bytes: number): void };
    const Resizable = ArrayBuffer as unknown as new (bytes: number, opts: { maxByteLength: number }) => Resizable;
    const rb = new Resizable(b.byteLength, { maxByteLength: b.byteLength });
    const b2 = new Float64Array(rb);
    b2.set(b);
    const a2 = a.slice();
    const pending = addon.gemm(false, false, n, n, k, 1, a2, b2, null, true);
    structuredClone(a2.buffer, { transfer: [a2.buffer as ArrayBuffer] });
    rb.resize(8);
    assert.equal(a2.length, 0);
    const { info, outputs } = await pending;
    assert.equal(info, 0);
    assert.deepEqual(outputs[0], expected);
    // A caller's output is written in place (the NTK's reused blocks), unless it could shrink or is shared.
    const c = new Float64Array(n * n);
    const inPlace = await addon.gemm(false, false, n, n, k, 1, a, b, c, true);
    assert.deepEqual([inPlace.info, inPlace.outputs.length], [0, 0]);
    assert.deepEqual(c, expected);
    const shrinkable = new Float64Array(new Resizable(8 * n * n, { maxByteLength: 8 * n * n }));
    assert.throws(() => addon.gemm(false, false, n, n, k, 1, a, b, shrinkable, true), /argument 8 must not be a resizable ArrayBuffer in an async call/);
    const shared = new Float64Array(new SharedArrayBuffer(8 * n * n));
    assert.throws(() => addon.gemm(false, false, n, n, k, 1, a, b, shared, true), /argument 8 must be backed by a plain ArrayBuffer/);
  });
});
