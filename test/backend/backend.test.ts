/** Backend choice: preference order, the NTK_BACKEND variable, the API, and a clear error for a missing one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, InvalidOptionError } from '../../src/errors';
import { availableBackends, backendInfo, ensureBackend, useBackend } from '../../src/backend';

const moduleDir = path.resolve(__dirname, '../../src/backend');

function inChild(env: Record<string, string>): string {
  const code = `require(${JSON.stringify(moduleDir)}).ensureBackend().then(i => console.log(JSON.stringify(i)), e => { console.log(JSON.stringify({ error: e.name, message: e.message })); })`;
  return execFileSync(process.execPath, ['-e', code], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
}

test('default is the best available backend; wasm and cpu are always there', async () => {
  const avail = availableBackends();
  assert.ok(avail.includes('wasm') && avail.includes('cpu'));
  const info = JSON.parse(inChild({ NTK_BACKEND: '' }));
  assert.equal(info.name, avail[0]);
  assert.equal(info.chosenBy, 'default');
});

test('NTK_BACKEND picks the backend; a missing one is a clear error', () => {
  assert.equal(JSON.parse(inChild({ NTK_BACKEND: 'cpu' })).name, 'cpu');
  const missing = availableBackends().includes('node') ? null : JSON.parse(inChild({ NTK_BACKEND: 'node' }));
  if (missing) {
    assert.equal(missing.error, 'BackendUnavailableError');
    assert.match(missing.message, /@tensorflow\/tfjs-node is not installed/);
  }
  assert.equal(JSON.parse(inChild({ NTK_BACKEND: 'gpu-please' })).error, 'InvalidOptionError');
});

test('useBackend switches and backendInfo reports it', async () => {
  const start = (await ensureBackend()).name;
  const info = await useBackend('cpu');
  assert.equal(info.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(backendInfo()?.chosenBy, 'api');
  if (!availableBackends().includes('node-gpu')) await assert.rejects(useBackend('node-gpu'), BackendUnavailableError);
  await assert.rejects(useBackend('quantum'), InvalidOptionError);
  await useBackend(start);
});
