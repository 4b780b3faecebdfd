/** Run metadata: what is written, and what is refused so that params round-trip. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidOptionError } from '../../src/errors';
import { resultSchema } from '../../src/arrow';
import { runMetadata } from '../../src/arrow/metadata';
import { VERSION } from '../../src/version';

describe('run metadata', () => {
  it('writes producer, version, kind, params JSON, backend, seed, run id and creation time', () => {
    const m = runMetadata('spectrum', { params: { n: 3, act: 'erf' }, backend: 'cpu', seed: 0, runId: 'x', createdAt: new Date(0) });
    assert.deepEqual(Object.fromEntries(m), {
      producer: 'ntk-lab',
      producer_version: VERSION,
      result_kind: 'spectrum',
      schema_version: '1',
      params: '{"n":3,"act":"erf"}',
      backend: 'cpu',
      seed: '0',
      run_id: 'x',
      created: '1970-01-01T00:00:00.000Z',
    });
  });

  it('defaults: a random run id, now, no seed', () => {
    const a = runMetadata('density');
    const b = runMetadata('density');
    assert.notEqual(a.get('run_id'), b.get('run_id'));
    assert.ok(Math.abs(Date.parse(a.get('created')!) - Date.now()) < 5000);
    assert.equal(a.has('seed'), false);
  });

  it('refuses params JSON cannot hold, bad seeds, reserved extra keys, unknown kinds', () => {
    assert.throws(() => runMetadata('spectrum', { params: { lambda: NaN } }), (e: Error) => e instanceof InvalidOptionError && /params.lambda is NaN/.test(e.message));
    assert.throws(() => runMetadata('spectrum', { params: { when: new Date() as never } }), /params.when is a Date/);
    assert.throws(() => runMetadata('spectrum', { seed: 1.5 }), /seed must be a safe integer/);
    assert.throws(() => runMetadata('spectrum', {}, { complete: 'true' }), /reserved/);
    assert.throws(() => resultSchema('hessian' as never), /unknown result kind 'hessian'/);
  });
});
