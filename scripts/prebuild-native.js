#!/usr/bin/env node
// Builds the prebuilt addon that ships inside the npm package: prebuilds/<platform>-<arch>/ntk_linalg.node,
// with OpenBLAS linked statically (a DYNAMIC_ARCH build, so one binary picks its kernels per CPU at load
// time) and its symbols kept private, so that `npm install ntk-lab` gets native speed with no install
// script, no compiler and no OpenBLAS on the user's machine. N-API (NAPI_VERSION 8): one binary serves
// every Node >= 20. Run by `prepack`; needs what a source build needs (C++ toolchain, cblas.h) plus
// OpenBLAS's static library (Debian: libopenblas-dev, which brings libopenblas.a of the pthread variant).
//
//   node scripts/prebuild-native.js     build, check and copy into prebuilds/; exits 1 on any failure
//
// OPENBLAS_STATIC=<path to libopenblas.a> chooses the library. The build runs in a staging folder (links
// to src/, scripts/, node_modules/) so that it does not replace a source build in build/Release.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { findCblasInclude, findNodeGyp, runNodeGyp } = require('./build-native.js');

const root = path.resolve(__dirname, '..');
const key = `${process.platform}-${process.arch}`;

function fail(message) {
  console.error(`prebuild:native: ${message}`);
  process.exit(1);
}

/** libopenblas.a of a DYNAMIC_ARCH build: OPENBLAS_STATIC, else where Debian/Ubuntu and others put it. */
function findStaticOpenblas() {
  if (process.env.OPENBLAS_STATIC) return fs.existsSync(process.env.OPENBLAS_STATIC) ? process.env.OPENBLAS_STATIC : undefined;
  const multiarch = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  return [
    `/usr/lib/${multiarch}/openblas-pthread/libopenblas.a`,
    `/usr/lib/${multiarch}/libopenblas.a`,
    '/usr/lib64/libopenblas.a',
    '/usr/local/lib/libopenblas.a',
  ].find((f) => fs.existsSync(f));
}

/** The shared libraries a binary needs (ELF DT_NEEDED), or undefined where readelf is absent. */
function neededLibraries(file) {
  const r = spawnSync('readelf', ['-d', file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}

/** The newest glibc symbol version a binary asks for (what the oldest glibc it runs on must provide). */
function glibcFloor(file) {
  const r = spawnSync('objdump', ['-T', file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const versions = [...new Set([...r.stdout.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => `${m[1]}.${m[2]}`))];
  versions.sort((a, b) => a.split('.').map(Number).reduce((d, x, i) => d || x - Number(b.split('.')[i]), 0));
  return versions.pop();
}

const lib = findStaticOpenblas();
if (!lib) fail('no static OpenBLAS (libopenblas.a) found; on Debian/Ubuntu: apt-get install libopenblas-dev, or set OPENBLAS_STATIC');
if (!findCblasInclude()) fail('no cblas.h; on Debian/Ubuntu: apt-get install libopenblas-dev');
const gyp = findNodeGyp();
if (!gyp) fail('node-gyp not found (neither in node_modules nor inside npm)');

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-lab-prebuild-'));
try {
  fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(stage, 'binding.gyp'));
  for (const dir of ['src', 'scripts', 'node_modules']) fs.symlinkSync(path.join(root, dir), path.join(stage, dir));
  const t0 = Date.now();
  const r = runNodeGyp(gyp, stage, [`-Dopenblas_static=${lib}`]);
  if (r.status !== 0) {
    process.stdout.write(r.stdout || '');
    process.stderr.write(r.stderr || '');
    fail(`node-gyp failed (exit ${r.status})`);
  }
  const built = path.join(stage, 'build', 'Release', 'ntk_linalg.node');

  // The checks a user's machine relies on: no OpenBLAS/gfortran dependency, a DYNAMIC_ARCH OpenBLAS inside,
  // and the binary loads and computes.
  const needed = neededLibraries(built);
  if (needed && needed.some((n) => /openblas|gfortran|lapack|blas/.test(n))) fail(`the binary still needs ${needed.join(', ')}`);
  const probe = spawnSync(process.execPath, ['-e', `
    const a = require(${JSON.stringify(built)});
    const x = new Float64Array([2, 1, 1, 2]), w = new Float64Array(2);
    const info = a.syevd(2, x, w, false, false);
    console.log(JSON.stringify({ info, w: Array.from(w), blas: a.blasInfo() }));`], { encoding: 'utf8' });
  if (probe.status !== 0) fail(`the built addon does not load: ${probe.stderr}`);
  const { info, w, blas } = JSON.parse(probe.stdout);
  if (info !== 0 || Math.abs(w[0] - 1) > 1e-12 || Math.abs(w[1] - 3) > 1e-12) fail(`the built addon computes wrong eigenvalues ${w} (info ${info})`);
  if (blas.linkage !== 'static') fail(`the built addon reports linkage ${blas.linkage}, expected static`);
  if (!/DYNAMIC_ARCH/.test(blas.config)) fail(`${lib} is not a DYNAMIC_ARCH build (${blas.config}): the binary would run one CPU's kernels everywhere`);

  const outDir = path.join(root, 'prebuilds', key);
  fs.mkdirSync(outDir, { recursive: true });
  // A temporary file, then a rename: a process that has the previous binary loaded keeps its (unlinked) copy
  // instead of seeing its mapped file rewritten under it.
  const target = path.join(outDir, 'ntk_linalg.node');
  fs.copyFileSync(built, `${target}.tmp-${process.pid}`);
  fs.renameSync(`${target}.tmp-${process.pid}`, target);
  // What is inside, for whoever inspects the package (and the licence of the code linked into it).
  const glibc = glibcFloor(built);
  const meta = { platform: key, napiVersion: 8, openblas: blas.config.trim(), openblasLibrary: fs.realpathSync(lib), needs: needed, glibc, builtWith: `node ${process.version}` };
  fs.writeFileSync(path.join(outDir, 'build-info.json'), JSON.stringify(meta, null, 2) + '\n');
  const copyright = ['/usr/share/doc/libopenblas0-pthread/copyright', '/usr/share/doc/libopenblas-dev/copyright'].find((f) => fs.existsSync(f));
  if (copyright) fs.copyFileSync(copyright, path.join(outDir, 'OpenBLAS-LICENSE.txt'));
  const mb = (fs.statSync(built).size / 2 ** 20).toFixed(1);
  console.log(`prebuild:native: prebuilds/${key}/ntk_linalg.node (${mb} MiB, ${blas.config.trim()}, glibc >= ${glibc}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
