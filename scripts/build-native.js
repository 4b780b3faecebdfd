#!/usr/bin/env node
// Builds ntk-lab's OpenBLAS/LAPACK addon (binding.gyp -> build/Release/ntk_linalg.node) with the node-gyp
// from node_modules, against the running Node's own headers (no download).
//
// When the build cannot work here (no C++ compiler, make, python3, OpenBLAS headers or library), it prints
// one line and exits 0: linalg then runs on its TypeScript fallback. When the prerequisites are present
// but the compile fails, it prints node-gyp's output and still exits 0, unless NTK_LINALG=native (then 1).
//
//   node scripts/build-native.js                  build (incremental; never `node-gyp clean`, which would
//                                                 delete tsc's output in build/)
//   node scripts/build-native.js --cblas-include  print the directory holding OpenBLAS's cblas.h (used by
//                                                 binding.gyp)
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');

/** Directories where distributions put OpenBLAS's cblas.h (Debian/Ubuntu multiarch first). */
function cblasCandidates() {
  const multiarch = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  const dirs = [];
  if (process.env.OPENBLAS_INCLUDE) dirs.push(process.env.OPENBLAS_INCLUDE);
  dirs.push(
    `/usr/include/${multiarch}/openblas-pthread`,
    `/usr/include/${multiarch}/openblas-openmp`,
    `/usr/include/${multiarch}/openblas-serial`,
    '/usr/include/openblas',
    `/usr/include/${multiarch}`,
    '/usr/include',
    '/usr/local/include',
    '/opt/homebrew/opt/openblas/include',
    '/usr/local/opt/openblas/include',
  );
  return dirs;
}

function findCblasInclude() {
  return cblasCandidates().find((d) => fs.existsSync(path.join(d, 'cblas.h')));
}

function findOpenblasLib() {
  const multiarch = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  const dirs = [`/usr/lib/${multiarch}`, '/usr/lib64', '/usr/lib', '/usr/local/lib', '/opt/homebrew/opt/openblas/lib', '/usr/local/opt/openblas/lib'];
  return dirs.find((d) => ['libopenblas.so', 'libopenblas.dylib'].some((f) => fs.existsSync(path.join(d, f))));
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** A Node install directory whose include/node has node_api.h, so node-gyp needs no header download. */
function nodeDir() {
  const dir = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')) ? dir : undefined;
}

function skip(reason) {
  console.log(`build:native: skipped (${reason}); linalg will use its TypeScript fallback`);
  process.exit(0);
}

if (process.argv.includes('--cblas-include')) {
  // binding.gyp expands this at configure time; an empty answer would be a bad include path, so fall back to /usr/include.
  process.stdout.write(findCblasInclude() || '/usr/include');
  process.exit(0);
}

const required = process.env.NTK_LINALG === 'native';
const cxx = process.env.CXX || 'g++';
if (!onPath(cxx) && !onPath('c++')) skip(`no C++ compiler (${cxx})`);
if (!onPath('make')) skip('no make');
if (!onPath('python3') && !onPath('python')) skip('no python3 for node-gyp');
if (!findCblasInclude()) skip('no OpenBLAS headers (cblas.h); on Debian: apt-get install libopenblas-dev liblapacke-dev');
if (!findOpenblasLib()) skip('no libopenblas; on Debian: apt-get install libopenblas-dev');
let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
} catch {
  skip('node-gyp is not installed in node_modules (npm install)');
}

const args = [gyp, 'configure', 'build', '--jobs', 'max'];
const nd = nodeDir();
if (nd) args.push(`--nodedir=${nd}`);
const t0 = Date.now();
const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
if (r.status !== 0) {
  process.stdout.write(r.stdout || '');
  process.stderr.write(r.stderr || '');
  console.log(`build:native: node-gyp failed (exit ${r.status}); linalg will use its TypeScript fallback`);
  process.exit(required ? 1 : 0);
}
console.log(`build:native: built build/Release/ntk_linalg.node in ${((Date.now() - t0) / 1000).toFixed(1)} s (cblas.h from ${findCblasInclude()})`);
