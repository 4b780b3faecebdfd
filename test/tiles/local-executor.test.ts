/**
 * Issue 17's acceptance, local executor: an NTK of n = 3000 in 10 tiles of 800 (the tile does not divide n) run by
 * 3 worker processes through the CLI. A worker SIGKILLed mid-tile, the whole run SIGKILLed, the run stopped with
 * Ctrl-C (SIGINT to the process group): each time the rerun finishes the job without losing a finished tile, and
 * the assembled kernel equals the direct ntk() to 1e-6. The worker's tile hangs mid-write through
 * NTK_LAB_TILES_FAULT=stall@<tile>, so that "mid-tile" is certain, not a race.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/ntk/kernel';
import { readKernelBlock } from '../../src/tiles/npy';
import { relativeError, runCli, startCli, tempDir, temporaries, waitFor, ACCEPTANCE_PLAN, acceptanceKernel } from './helpers';

const PLAN = ACCEPTANCE_PLAN;
let direct: Kernel;

before(async () => {
  direct = await acceptanceKernel();
});

/** Records of the done tiles: name -> sha256. */
function records(job: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fs.readdirSync(path.join(job, 'tiles')).filter((f) => f.endsWith('.json'))) {
    const r = JSON.parse(fs.readFileSync(path.join(job, 'tiles', f), 'utf8'));
    out.set(r.tile, r.sha256);
  }
  return out;
}

async function assembledMatchesNtk(job: string, dir: string): Promise<void> {
  const out = path.join(dir, 'K.npy');
  const a = await runCli(['tiles', 'assemble', job, '--out', out]);
  assert.equal(a.code, 0, a.output);
  const K = await readKernelBlock(out, [0, 3000], [0, 3000]);
  const err = relativeError(K.values, direct.values);
  assert.ok(err <= 1e-6, `assembled vs ntk(): ${err}`);
}

async function plan(dir: string): Promise<string> {
  const job = path.join(dir, 'job');
  const p = await runCli(['tiles', 'plan', job, ...PLAN]);
  assert.equal(p.code, 0, p.output);
  assert.match(p.output, /10 tiles of 800 examples \(4 x 4 blocks, upper half\)/);
  return job;
}

test('3 workers, one SIGKILLed mid-tile: the run reports the tile, the rerun computes only it, the kernel equals ntk()', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-kill-');
  try {
    const job = await plan(dir);
    const run = startCli(['tiles', 'run', job, '--workers', '3', '--retries', '0'], { NTK_LAB_TILES_FAULT: 'stall@1-2' });
    // The stalled worker has written half of tile 1-2 into its temporary file; its name carries the pid.
    const stalled = await waitFor('the stalled worker, mid-write', () =>
      temporaries(job).find((t) => t.file.startsWith('.1-2.arrow.tmp-') && fs.statSync(path.join(job, 'tiles', t.file), { throwIfNoEntry: false })?.size),
    );
    process.kill(stalled.pid, 'SIGKILL');
    const r = await run.done;
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /10 tiles on 3 workers \(1 BLAS threads each\)/);
    assert.match(r.output, new RegExp(`worker \\d \\(pid ${stalled.pid}\\) killed by SIGKILL during tile 5 \\(1-2\\)`));
    assert.match(r.output, /9 computed, 0 already done, 1 failed/);
    const before = records(job);
    assert.equal(before.size, 9);
    assert.ok(!before.has('1-2'));

    assert.deepEqual(temporaries(job), [], "the executor removed the killed worker's temporary file");
    const status = await runCli(['tiles', 'status', job]);
    assert.match(status.output, /done 9, missing 1, corrupt 0 \(checksums checked\)/);
    assert.match(status.output, /throughput: \S+ entries\/s per worker/);
    assert.match(status.output, /ETA \d/);

    const resumed = await runCli(['tiles', 'run', job, '--workers', '3']);
    assert.equal(resumed.code, 0, resumed.output);
    assert.match(resumed.output, /tile 5 \(1-2\): computed in/);
    assert.match(resumed.output, /all 10 tiles done \(1 computed, 9 already done, 0 failed/);
    const after = records(job);
    for (const [tile, sha] of before) assert.equal(after.get(tile), sha, `tile ${tile} kept as it was`);
    assert.deepEqual(temporaries(job), []);
    // Each worker had its BLAS thread budget, floor(cores / 3) >= 1.
    for (const f of fs.readdirSync(path.join(job, 'tiles')).filter((f) => f.endsWith('.json'))) {
      assert.equal(JSON.parse(fs.readFileSync(path.join(job, 'tiles', f), 'utf8')).blasThreads, 1);
    }
    await assembledMatchesNtk(job, dir);
  } finally {
    cleanup();
  }
});

test('a worker killed with retries left: its tile is requeued on a new worker and the run completes', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-retry-');
  try {
    const job = await plan(dir);
    const run = startCli(['tiles', 'run', job, '--workers', '3', '--threads', '1'], { NTK_LAB_TILES_FAULT: 'crash@0-3' });
    const r = await run.done;
    // crash@0-3 SIGKILLs the worker half-way through tile 0-3; the replacement inherits the fault, so it dies too
    // and the tile fails after 1 retry: two deaths, then a clean failure report (the other 9 tiles done).
    assert.equal(r.code, 1, r.output);
    assert.equal(r.output.match(/killed by SIGKILL during tile 3 \(0-3\): tile requeued on a new worker/g)?.length, 1, r.output);
    assert.equal(r.output.match(/killed by SIGKILL during tile 3 \(0-3\)$/gm)?.length, 1, r.output);
    assert.match(r.output, /failed: 0-3: WorkerDied: worker \d \(pid \d+\) killed by SIGKILL while computing it/);
    assert.equal(records(job).size, 9);
    const resumed = await runCli(['tiles', 'run', job, '--workers', '2']);
    assert.equal(resumed.code, 0, resumed.output);
    assert.match(resumed.output, /1 computed, 9 already done/);
    await assembledMatchesNtk(job, dir);
  } finally {
    cleanup();
  }
});

test('the whole run SIGKILLed, then Ctrl-C (SIGINT to the group): nothing finished is lost, no temporary is left by SIGINT, reruns finish', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-stop-');
  try {
    const job = await plan(dir);
    // A crash of everything (power cut, node lost): SIGKILL to the executor and its workers at once.
    const first = startCli(['tiles', 'run', job, '--workers', '3'], { NTK_LAB_TILES_FAULT: 'stall@2-3' });
    const stalled = await waitFor('tile 2-3 mid-write', () => temporaries(job).find((t) => t.file.startsWith('.2-3.arrow.tmp-')));
    await waitFor('some tiles done', () => (records(job).size >= 3 ? true : undefined));
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.done;
    const afterCrash = records(job);
    // The stalled one, and any other worker's that the SIGKILL caught mid-write.
    const left = temporaries(job).length;
    assert.ok(left >= 1, 'the crash left the stalled temporary file');

    // Ctrl-C: the terminal sends SIGINT to the whole foreground process group.
    const second = startCli(['tiles', 'run', job, '--workers', '3'], { NTK_LAB_TILES_FAULT: 'stall@2-3' });
    await waitFor('tile 2-3 mid-write again', () => temporaries(job).find((t) => t.file.startsWith('.2-3.arrow.tmp-') && t.pid !== stalled.pid));
    assert.match(second.output(), new RegExp(`removed ${left} temporary files of killed workers`));
    process.kill(-second.child.pid!, 'SIGINT');
    const stopped = await second.done;
    assert.equal(stopped.code, 130, stopped.output);
    assert.match(stopped.output, /interrupted: .*Run the same command to resume/);
    assert.deepEqual(temporaries(job), [], 'the interrupted workers removed their temporary files (and the executor those of the killed ones)');
    const afterStop = records(job);
    for (const [tile, sha] of afterCrash) assert.equal(afterStop.get(tile), sha, `tile ${tile} survived both stops`);
    assert.ok(!afterStop.has('2-3'));

    const last = await runCli(['tiles', 'run', job, '--workers', '3']);
    assert.equal(last.code, 0, last.output);
    assert.match(last.output, new RegExp(`all 10 tiles done \\(${10 - afterStop.size} computed, ${afterStop.size} already done`));
    for (const [tile, sha] of afterStop) assert.equal(records(job).get(tile), sha);
    await assembledMatchesNtk(job, dir);
  } finally {
    cleanup();
  }
});
