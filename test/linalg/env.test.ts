/**
 * NTK_LINALG selects the implementation per process: each case runs a child Node process with a
 * controlled environment and reads back linalgInfo() or the error it raised.
 */
import { it, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { addonAvailable } from '../../src/linalg/backend';

const linalgDir = path.resolve(__dirname, '..', '..', 'src', 'linalg');

function child(env: Record<string, string>): { out: { info?: Record<string, unknown>; error?: string; message?: string }; stderr: string } {
  const script = `
    const L = require(${JSON.stringify(linalgDir)});
    try {
      const a = L.matrix(2, 2, new Float64Array([2, 1, 1, 2]));
      L.matmul(a, a); L.gram(a); L.eigh(a);
      console.log(JSON.stringify({ info: L.linalgInfo() }));
    } catch (e) { console.log(JSON.stringify({ error: e.name, message: e.message })); }`;
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('NTK_LINALG')) base[k] = v;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...base, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { out: JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}'), stderr: r.stderr };
}

describe('NTK_LINALG environment switch', () => {
  it('NTK_LINALG=fallback forces the TypeScript path', () => {
    const { out } = child({ NTK_LINALG: 'fallback' });
    assert.equal(out.info?.implementation, 'fallback');
    assert.match(String(out.info?.notice), /NTK_LINALG=fallback/);
  });

  it('a missing addon: auto falls back with one notice line, native raises BackendUnavailableError', () => {
    const missing = { NTK_LINALG_ADDON: path.join(linalgDir, 'no-such-addon.node') };
    const auto = child(missing);
    assert.equal(auto.out.info?.implementation, 'fallback');
    assert.equal(auto.stderr.trim().split('\n').length, 1, auto.stderr);
    assert.match(auto.stderr, /TypeScript fallback .*NTK_LINALG_ADDON=\S+ does not exist\. To fix: point NTK_LINALG_ADDON/);
    const native = child({ ...missing, NTK_LINALG: 'native' });
    assert.equal(native.out.error, 'BackendUnavailableError');
  });

  it('an unknown value raises InvalidOptionError', () => {
    assert.equal(child({ NTK_LINALG: 'cuda' }).out.error, 'InvalidOptionError');
  });

  it('NTK_LINALG=native uses OpenBLAS and reports its configuration and threads', { skip: addonAvailable() ? false : 'addon not built' }, () => {
    const { out, stderr } = child({ NTK_LINALG: 'native' });
    assert.equal(out.info?.implementation, 'openblas');
    assert.match(String(out.info?.blas), /OpenBLAS/);
    assert.ok(Number(out.info?.threads) >= 1);
    assert.equal(stderr, '');
  });
});
