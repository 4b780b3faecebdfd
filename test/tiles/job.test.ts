/**
 * Tile jobs in one process: plan, runTile, status and assemble give the engine's kernels (every layout, components,
 * an MLP, a tf.Sequential and a CNN on image inputs); tiles are idempotent, damaged ones are found by their checksum
 * and recomputed; bad job folders, changed inputs, indices out of range and a full disk are named errors.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readKernels, readResults } from '../../src/arrow';
import { InvalidOptionError, UnsupportedModelError } from '../../src/errors';
import { Mlp, mlp } from '../../src/models';
import { ntk, ntkLayerwise } from '../../src/ntk';
import { assembleJob } from '../../src/tiles/assemble';
import { JobFormatError, JobIncompleteError, JobIntegrityError, TileIndexError, TileWriteError } from '../../src/tiles/errors';
import { readInputs } from '../../src/tiles/inputs-io';
import { TileJob } from '../../src/tiles/job';
import { loadModel } from '../../src/tiles/model-io';
import { readKernelBlock } from '../../src/tiles/npy';
import { planTileJob } from '../../src/tiles/plan';
import { jobStatus } from '../../src/tiles/status';
import { runTile } from '../../src/tiles/worker';
import { sha256File } from '../../src/tiles/hash';
import { projectPython } from '../helpers/venv';
import { setupBackend } from '../helpers/setup';
import { gaussianMatrix, relativeError, tempDir } from './helpers';

before(setupBackend);

async function runAll(job: TileJob): Promise<void> {
  for (let k = 0; k < job.tiles; k++) await runTile(job, k);
}

for (const [layout, cross, components] of [['trace', false, false], ['full', true, false], ['diagonal', false, true], ['full', false, true]] as const) {
  test(`plan -> runTile -> assemble equals ntkLayerwise (${layout}, ${cross ? 'cross' : 'symmetric'}${components ? ', components' : ''})`, async () => {
    const { dir, cleanup } = tempDir('ntk-tiles-job-');
    const net = mlp({ inputDim: 4, widths: [9, 6], outputDim: 2, seed: 5 });
    try {
      const x1 = gaussianMatrix(23, 4, 1);
      const x2 = cross ? gaussianMatrix(17, 4, 2) : undefined;
      const m = await planTileJob(path.join(dir, 'job'), net, x1, x2, { tile: 7, outputs: layout, components });
      assert.equal(m.grid.tiles, cross ? 4 * 3 : (4 * 5) / 2);
      const job = await TileJob.open(path.join(dir, 'job'), { mode: 'run' });
      await runAll(job);
      const whole = await ntkLayerwise(net, x1, x2, { outputs: layout });
      const expected = [whole.ntk, ...(components ? whole.components : [])];
      await assembleJob(job, path.join(dir, 'K.arrow'));
      const back = await readKernels(path.join(dir, 'K.arrow'));
      assert.deepEqual(back.map((k) => k.label), expected.map((k) => k.label));
      back.forEach((k, i) => {
        assert.deepEqual(k.shape, expected[i].shape);
        assert.equal(k.symmetric, !cross);
        assert.ok(relativeError(k.values, expected[i].values) <= 1e-6, `${k.label}: ${relativeError(k.values, expected[i].values)}`);
      });
      const label = components ? expected[2].label : 'ntk';
      await assembleJob(job, path.join(dir, 'K.npy'), { kernel: label });
      const [rows, cols] = [expected[0].shape[0], expected[0].shape.slice(1).reduce((a, b) => a * b, 1)];
      const block = await readKernelBlock(path.join(dir, 'K.npy'), [0, rows], [0, cols]);
      assert.ok(relativeError(block.values, expected[components ? 2 : 0].values) <= 1e-6);
      const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'K.npy.json'), 'utf8'));
      assert.deepEqual([sidecar.label, sidecar.shape, sidecar.layout], [label, expected[0].shape, layout]);
      await assert.rejects(assembleJob(job, path.join(dir, 'K.npy'), { kernel: 'layer9/weight' }), /not in this job/);
      await job.dispose();
    } finally {
      net.dispose();
      cleanup();
    }
  });
}

test('the model and the inputs are stored bit for bit: an Mlp, a tf.Sequential of Dense layers, a CNN on images (jacobian)', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-model-');
  const net = mlp({ inputDim: 5, widths: [7], outputDim: 3, parameterization: 'standard', activation: 'tanh', seed: 2 });
  const seq = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, inputShape: [5], activation: 'relu' }), tfl.layers.dense({ units: 1 })] });
  const cnn = tfl.sequential({
    layers: [tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu' }), tfl.layers.flatten(), tfl.layers.dense({ units: 1 })],
  });
  try {
    const x = gaussianMatrix(12, 5, 3);
    await planTileJob(path.join(dir, 'mlp'), net, x, undefined, { tile: 5 });
    const loaded = await loadModel(path.join(dir, 'mlp', 'model'));
    assert.ok(loaded.model instanceof Mlp);
    assert.deepEqual((loaded.model as Mlp).layers, net.layers);
    (loaded.model as Mlp).getWeights().forEach((w, i) => {
      assert.deepEqual(w.W, net.getWeights()[i].W);
      assert.deepEqual(w.b, net.getWeights()[i].b);
    });
    loaded.dispose();
    const stored = await readInputs(path.join(dir, 'mlp', 'inputs', 'x1.arrow'));
    assert.deepEqual(stored.shape, [12, 5]);
    assert.deepEqual(Buffer.from(stored.data.buffer, stored.data.byteOffset, stored.data.byteLength), Buffer.from(x.data.buffer));

    await planTileJob(path.join(dir, 'seq'), seq, x, undefined, { tile: 5 });
    const back = await loadModel(path.join(dir, 'seq', 'model'));
    assert.equal(back.kind, 'layers-model');
    back.model instanceof tfl.LayersModel && back.model.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), seq.getWeights()[i].dataSync()));
    back.dispose();
    const seqJob = await TileJob.open(path.join(dir, 'seq'), { mode: 'run' });
    await runAll(seqJob);
    await assembleJob(seqJob, path.join(dir, 'seq.arrow'));
    const [K] = await readKernels(path.join(dir, 'seq.arrow'));
    assert.ok(relativeError(K.values, (await ntk(seq, x)).values) <= 1e-6);
    await seqJob.dispose();

    const images = tf.tidy(() => tf.randomNormal([10, 6, 6, 1], 0, 1, 'float32', 7));
    await planTileJob(path.join(dir, 'cnn'), cnn, images, undefined, { tile: 4 });
    const cnnJob = await TileJob.open(path.join(dir, 'cnn'), { mode: 'run' });
    assert.equal(cnnJob.manifest.kernel.method, 'jacobian');
    assert.deepEqual(cnnJob.manifest.inputs.x1.shape, [10, 6, 6, 1]);
    await runAll(cnnJob);
    await assembleJob(cnnJob, path.join(dir, 'cnn.npy'));
    const direct = await ntk(cnn, images);
    const got = await readKernelBlock(path.join(dir, 'cnn.npy'), [0, 10], [0, 10]);
    assert.ok(relativeError(got.values, direct.values) <= 1e-6, `cnn: ${relativeError(got.values, direct.values)}`);
    await cnnJob.dispose();
    images.dispose();
    await assert.rejects(planTileJob(path.join(dir, 'pure'), { apply: (p: tf.Tensor[], v: tf.Tensor2D) => tf.matMul(v, p[0] as tf.Tensor2D), params: [tf.ones([5, 1])] }, x), UnsupportedModelError);
  } finally {
    net.dispose();
    seq.dispose();
    cnn.dispose();
    cleanup();
  }
});

test('a finished tile is a no-op; bit-flipped, truncated, unrecorded or lost tiles are found (status, assemble) and recomputed', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-repair-');
  const net = mlp({ inputDim: 3, widths: [16], seed: 1 });
  try {
    const x = gaussianMatrix(40, 3, 9);
    await planTileJob(path.join(dir, 'job'), net, x, undefined, { tile: 16 });
    const job = await TileJob.open(path.join(dir, 'job'), { mode: 'run' });
    assert.equal(job.tiles, 6);
    await runAll(job);
    const original = await Promise.all(job.allTiles().map((t) => tileValues(job.arrowPath(t))));
    const mtime = fs.statSync(job.arrowPath(job.tile(0))).mtimeMs;
    assert.equal((await runTile(job, 0)).computed, false);
    assert.equal(fs.statSync(job.arrowPath(job.tile(0))).mtimeMs, mtime, 'a done tile is not rewritten');

    const file = (k: number): string => job.arrowPath(job.tile(k));
    const bytes = fs.readFileSync(file(1));
    bytes[bytes.length >> 1] ^= 0x10; // one bit, in the middle of the values
    fs.writeFileSync(file(1), bytes);
    fs.truncateSync(file(2), fs.statSync(file(2)).size - 100);
    fs.unlinkSync(job.recordPath(job.tile(3)));
    fs.unlinkSync(file(4));

    const s = await jobStatus(job);
    assert.deepEqual([s.done, s.missing, s.corrupt], [2, 0, 4]);
    assert.deepEqual(s.problems.map((p) => [p.name, p.state]), [['0-1', 'corrupt'], ['0-2', 'corrupt'], ['1-1', 'partial'], ['1-2', 'corrupt']]);
    assert.match(s.problems[0].reason, /checksum mismatch/);
    assert.match(s.problems[1].reason, /truncated/);
    assert.match(s.problems[2].reason, /without a record/);
    assert.match(s.problems[3].reason, /Arrow file missing/);
    // A size check alone does not see the flipped bit; the checksum does.
    assert.equal((await jobStatus(job, { verify: 'size' })).corrupt, 3);
    // Assembling checks sizes up front and each tile's checksum as it reads it (every tile is read once).
    await assert.rejects(assembleJob(job, path.join(dir, 'K.npy')), (e: Error) => e instanceof JobIncompleteError && /3 of 6 tiles are not done/.test(e.message) && /0-2 \(truncated/.test(e.message));

    const reasons: string[] = [];
    for (let k = 0; k < job.tiles; k++) {
      const o = await runTile(job, k);
      if (o.computed) reasons.push(`${o.tile.name}: ${o.reason}`);
    }
    assert.deepEqual(reasons.map((r) => r.split(':')[0]), ['0-1', '0-2', '1-1', '1-2']);
    assert.match(reasons[0], /checksum mismatch/);
    // Recomputed tiles hold the same values as before the damage (same engine, same inputs; the files differ in their timestamps).
    assert.deepEqual(await Promise.all(job.allTiles().map((t) => tileValues(job.arrowPath(t)))), original);
    const after = await jobStatus(job);
    assert.deepEqual([after.done, after.corrupt, after.etaSeconds], [6, 0, 0]);

    // A bit flipped after the status check is still caught while assembling.
    const again = fs.readFileSync(file(5));
    again[again.length >> 1] ^= 1;
    fs.writeFileSync(file(5), again);
    await assert.rejects(assembleJob(job, path.join(dir, 'K.npy')), /2-2\.arrow: checksum mismatch/);
    assert.ok(!fs.existsSync(path.join(dir, 'K.npy')), 'no half-written output');
    await runTile(job, 5);
    await assembleJob(job, path.join(dir, 'K.npy'));
    const K = await ntk(net, x);
    const block = await readKernelBlock(path.join(dir, 'K.npy'), [5, 17], [20, 33]);
    const want = new Float32Array(12 * 13);
    for (let r = 5; r < 17; r++) for (let c = 20; c < 33; c++) want[(r - 5) * 13 + c - 20] = K.values[r * 40 + c];
    assert.ok(relativeError(block.values, want) <= 1e-6);
    assert.equal(block.bytesRead, 128 + 12 * 13 * 4, 'only the header and the block are read');
    // numpy maps the same file without reading it.
    const py = execFileSync(projectPython('numpy'), ['-c', `import numpy as np; a = np.load(${JSON.stringify(path.join(dir, 'K.npy'))}, mmap_mode='r'); print(type(a).__name__, str(a.shape).replace(' ', ''), a.dtype, repr(float(a[7, 31])))`], { encoding: 'utf8' }).trim();
    const [kind, shape, dtype, value] = py.split(' ');
    assert.deepEqual([kind, shape, dtype], ['memmap', '(40,40)', 'float32']);
    assert.equal(Number(value), K.values[7 * 40 + 31], 'the same float32 value');
    await job.dispose();
  } finally {
    net.dispose();
    cleanup();
  }
});

/** The float32 values of a tile file, as stored. */
async function tileValues(file: string): Promise<Float32Array> {
  const { table } = await readResults(file, 'kernel-tiles');
  return table.getChild('values')!.get(0)!.toArray() as Float32Array;
}

test('status: rates and ETA from the records; ETA scales with the workers asked for', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-status-');
  const net = mlp({ inputDim: 3, widths: [32], seed: 4 });
  try {
    await planTileJob(path.join(dir, 'job'), net, gaussianMatrix(60, 3, 1), undefined, { tile: 20 });
    const job = await TileJob.open(path.join(dir, 'job'), { mode: 'run' });
    const before = await jobStatus(job);
    assert.deepEqual([before.done, before.missing, before.etaSeconds, before.pairsTotal], [0, 6, undefined, 60 * 20 + 40 * 20 + 20 * 20]);
    for (const k of [0, 1, 3]) await runTile(job, k);
    const s = await jobStatus(job);
    assert.deepEqual([s.done, s.missing, s.pairsDone], [3, 3, 3 * 400]);
    assert.ok(s.pairsPerSecondPerWorker! > 0 && s.meanTileMs! > 0);
    assert.ok(s.concurrency! > 0 && s.concurrency! <= 1.05, `one worker in turn: concurrency ${s.concurrency}`);
    const one = (await jobStatus(job, { workers: 1 })).etaSeconds!;
    const four = (await jobStatus(job, { workers: 4 })).etaSeconds!;
    assert.ok(one > 0 && Math.abs(one / four - 4) < 1e-9, `${one} vs ${four}`);
    await job.dispose();
  } finally {
    net.dispose();
    cleanup();
  }
});

test('bad input: another version or schema, a foreign folder, a changed input, an index out of range, a non-empty folder, a full disk', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-bad-');
  const net = mlp({ inputDim: 3, widths: [8], seed: 3 });
  try {
    const jobDir = path.join(dir, 'job');
    const x = gaussianMatrix(20, 3, 5);
    await planTileJob(jobDir, net, x, undefined, { tile: 8 });
    await assert.rejects(planTileJob(jobDir, net, x), (e: Error) => e instanceof InvalidOptionError && /is not empty/.test(e.message));
    await assert.rejects(planTileJob(path.join(dir, 'f64'), net, x, undefined, { dtype: 'float64' as 'float32' }), /dtype must be 'float32'/);
    const manifestPath = path.join(jobDir, 'manifest.json');
    const original = fs.readFileSync(manifestPath, 'utf8');
    const edit = (f: (m: Record<string, unknown>) => void): void => {
      const m = JSON.parse(original);
      f(m);
      fs.writeFileSync(manifestPath, JSON.stringify(m));
    };

    edit((m) => (m.ntkLab = '0.0.9'));
    await assert.rejects(TileJob.open(jobDir, { mode: 'run' }), (e: Error) => e instanceof JobFormatError && /planned by ntk-lab 0\.0\.9, this is ntk-lab 0\.1\.0/.test(e.message));
    await (await TileJob.open(jobDir, { mode: 'read' })).dispose(); // status and assemble read it
    edit((m) => (m.schemaVersion = 2));
    await assert.rejects(TileJob.open(jobDir), /job schema version 2, this ntk-lab \(0\.1\.0\) reads version 1: use the newer ntk-lab/);
    edit((m) => (m.format = 'something-else'));
    await assert.rejects(TileJob.open(jobDir), /not an ntk-lab tile job/);
    edit((m) => ((m.grid as { tiles: number }).tiles = 99));
    await assert.rejects(TileJob.open(jobDir), /malformed manifest: grid\.tiles is 99, 6 follows/);
    fs.writeFileSync(manifestPath, original);
    await assert.rejects(TileJob.open(dir), /has no manifest\.json/);

    const inputs = path.join(jobDir, 'inputs', 'x1.arrow');
    const bytes = fs.readFileSync(inputs);
    const changed = Buffer.from(bytes);
    const at = changed.indexOf(Buffer.from(x.data.buffer, 4 * 17, 4)); // one input value, as stored
    assert.ok(at > 0);
    changed[at] ^= 1;
    fs.writeFileSync(inputs, changed);
    await assert.rejects(TileJob.open(jobDir, { mode: 'run' }), (e: Error) => e instanceof JobIntegrityError && /x1\.arrow changed since the job was planned/.test(e.message));
    fs.writeFileSync(inputs, bytes);

    const job = await TileJob.open(jobDir, { mode: 'run' });
    await assert.rejects(runTile(job, 6), (e: Error) => e instanceof TileIndexError && /tile index 6 is outside 0\.\.5/.test(e.message));
    await runTile(job, 0);
    const done = await sha256File(job.arrowPath(job.tile(0)));
    process.env.NTK_LAB_TILES_FAULT = 'enospc@0-1';
    try {
      await assert.rejects(runTile(job, 1), (e: Error) => e instanceof TileWriteError && e.code === 'ENOSPC' && /the disk is full/.test(e.message));
    } finally {
      delete process.env.NTK_LAB_TILES_FAULT;
    }
    assert.deepEqual(await job.temporaries(), [], 'no temporary file is left');
    assert.equal((await job.state(job.tile(1))).state, 'missing');
    assert.equal((await job.state(job.tile(0))).state, 'done');
    assert.deepEqual(await sha256File(job.arrowPath(job.tile(0))), done, 'the finished tile is untouched');
    assert.equal((await runTile(job, 1)).computed, true, 'with space back the tile is computed');
    await job.dispose();
  } finally {
    net.dispose();
    cleanup();
  }
});
