/**
 * A real full disk: the job is copied onto a tmpfs of a few tiles' room, mounted in a private mount namespace
 * (`unshare --mount`, root only; skipped where not permitted: the injected ENOSPC of job.test.ts always runs).
 * Workers fail with a TileWriteError naming the full disk and exit 2; no temporary file stays behind, every tile
 * finished before is intact (same record, checksum verified), and once there is room the job completes and
 * assembles to the direct ntk().
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mlp } from '../../src/models';
import { ntk } from '../../src/ntk';
import { readKernelBlock } from '../../src/tiles/npy';
import { planTileJob } from '../../src/tiles/plan';
import { setupBackend } from '../helpers/setup';
import { BIN, gaussianMatrix, relativeError, tempDir } from './helpers';

const probe = tempDir('ntk-tiles-tmpfs-probe-');
const canMount = spawnSync('unshare', ['--mount', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${probe.dir}'`], { stdio: 'ignore' }).status === 0;
probe.cleanup();

before(setupBackend);

test('a full disk (tmpfs) fails the write with a named error, loses no finished tile, and the job completes once there is room', { skip: canMount ? false : 'unshare --mount / mount -t tmpfs is not permitted here (needs root)' }, async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-full-');
  const net = mlp({ inputDim: 6, widths: [32], seed: 2 });
  try {
    const x = gaussianMatrix(400, 6, 3);
    const src = path.join(dir, 'src');
    await planTileJob(src, net, x, undefined, { tile: 100 });
    const pages = (f: string): number => Math.ceil(fs.statSync(f).size / 4096);
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    const jobPages = walk(src).reduce((s, f) => s + pages(f), 0) + 8; // + the folders
    // A 100 x 100 tile is 40 KB of values plus its Arrow framing (11 pages) and a 1-page record: room for about 3.
    const size = (jobPages + 3 * 12 + 4) * 4096;
    const mount = path.join(dir, 'mnt');
    fs.mkdirSync(mount);
    const out = path.join(dir, 'K.npy');
    const script = `
      set -u
      mount -t tmpfs -o size=${size} tmpfs "$M" || exit 90
      cp -a "$SRC" "$M/job" || exit 91
      for k in 0 1 2 3 4 5 6 7 8 9; do "$NODE" "$BIN" tiles run "$M/job" --index $k; echo "rc[$k]=$?"; done
      echo "--- temporaries"; ls -a "$M/job/tiles" | grep -c 'tmp-' || true
      echo "--- records before"; cat "$M/job/tiles/"*.json | grep '"sha256"' | sort
      echo "--- status"; "$NODE" "$BIN" tiles status "$M/job"
      mount -o remount,size=16m "$M"
      echo "--- resume"; "$NODE" "$BIN" tiles run "$M/job" --workers 1; echo "rc=$?"
      echo "--- records after"; cat "$M/job/tiles/"*.json | grep '"sha256"' | sort
      "$NODE" "$BIN" tiles assemble "$M/job" --out "$OUT"
    `;
    const r = spawnSync('unshare', ['--mount', 'sh', '-c', script], { env: { ...process.env, M: mount, SRC: src, NODE: process.execPath, BIN, OUT: out, NTK_LAB_TILES_FAULT: '' }, encoding: 'utf8', timeout: 240_000 });
    const text = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, text);
    const rcs = [...text.matchAll(/rc\[(\d)\]=(\d+)/g)].map((m) => Number(m[2]));
    const ok = rcs.filter((c) => c === 0).length;
    assert.ok(ok >= 1 && ok < 10, `some tiles fit, some do not: ${rcs.join(' ')}`);
    assert.ok(rcs.slice(ok).every((c) => c === 2), `after the first failure every worker fails with exit 2: ${rcs.join(' ')}`);
    assert.match(text, /TileWriteError: cannot write \S+\.(arrow|json): the disk is full \(ENOSPC: .*\); the temporary file was removed and nothing else was touched/);
    assert.equal(/--- temporaries\n(\d+)/.exec(text)?.[1], '0', 'no temporary file left on the full disk');
    assert.match(text, new RegExp(`done ${ok}, missing \\d+, corrupt \\d+ \\(checksums checked\\)`));
    const section = (name: string): string[] => text.split(`--- ${name}\n`)[1].split('\n---')[0].split('\n').map((l) => l.trim()).filter(Boolean);
    const before = section('records before');
    assert.ok(before.length >= ok);
    assert.match(text, /--- resume\n[\s\S]*all 10 tiles done[\s\S]*rc=0/);
    const after = new Set(section('records after'));
    for (const line of before) assert.ok(after.has(line), `finished tile kept: ${line}`);
    const K = await readKernelBlock(out, [0, 400], [0, 400]);
    assert.ok(relativeError(K.values, (await ntk(net, x)).values) <= 1e-6);
  } finally {
    net.dispose();
    cleanup();
  }
});
