#!/usr/bin/env node
// Builds ntk-lab's OpenBLAS/LAPACK addon from source (binding.gyp -> build/Release/ntk_linalg.node), linked to
// the system's shared libopenblas, with node-gyp from node_modules or else npm's own copy of node-gyp, against
// the running Node's own headers (no download). Users run it as `npx ntk-lab build-native` where the package
// has no prebuilt addon for their platform (prebuilds/, made by scripts/prebuild-native.js); in the clone,
// `npm run build:native`.
//
// When the build cannot work here (no C++ compiler, make, python3, OpenBLAS headers or library), it prints
// one line and exits 0: linalg then runs on its TypeScript fallback. When the prerequisites are present
// but the compile fails, it prints node-gyp's output and still exits 0, unless NTK_LINALG=native (then 1).
//
//   node scripts/build-native.js                  build (incremental; never `node-gyp clean`, which would
//                                                 delete tsc's output in build/)
//   node scripts/build-native.js --strict         the same, exit 1 when it cannot build
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

/**
 * node-gyp's entry script: the project's own (a devDependency in the clone), else the one npm bundles
 * (npm_config_node_gyp is set by npm for scripts; otherwise look beside npm's own install).
 */
function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    // not a dependency here: try npm's
  }
  const candidates = [process.env.npm_config_node_gyp];
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  if (npmRoot.status === 0) candidates.push(path.join(npmRoot.stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((f) => f && fs.existsSync(f));
}

/** Runs `node-gyp configure` (with gyp arguments such as -Dname=value) then `node-gyp build` in dir. */
function runNodeGyp(gyp, dir, gypArgs) {
  const common = [];
  const nd = nodeDir();
  if (nd) common.push(`--nodedir=${nd}`);
  const configure = [gyp, 'configure', ...common, ...(gypArgs.length ? ['--', ...gypArgs] : [])];
  const r = spawnSync(process.execPath, configure, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) return r;
  return spawnSync(process.execPath, [gyp, 'build', '--jobs', 'max', ...common], { cwd: dir, encoding: 'utf8' });
}

// --strict (what `npx ntk-lab build-native` passes: the user asked for a build): a missing prerequisite
// or a failed compile is an error (exit 1), not a notice.
const strict = process.argv.includes('--strict');

function skip(reason) {
  if (strict) {
    console.error(`build-native: cannot build the addon: ${reason}`);
    process.exit(1);
  }
  console.log(`build:native: skipped (${reason}); linalg will use its TypeScript fallback`);
  process.exit(0);
}

module.exports = { findCblasInclude, findNodeGyp, runNodeGyp, nodeDir };
if (require.main !== module) return;

if (process.argv.includes('--cblas-include')) {
  // binding.gyp expands this at configure time; an empty answer would be a bad include path, so fall back to /usr/include.
  process.stdout.write(findCblasInclude() || '/usr/include');
  process.exit(0);
}

// `npm pack` runs prepare, which calls this: the package ships the prebuilt addon (prepack builds it), and a
// source build in the packing folder would not be packed, so compiling it there is wasted time.
if (process.env.npm_command === 'pack' && !strict) {
  console.log('build:native: skipped while packing (the package ships prebuilds/, see scripts/prebuild-native.js)');
  process.exit(0);
}

const required = strict || process.env.NTK_LINALG === 'native';
const cxx = process.env.CXX || 'g++';
if (!onPath(cxx) && !onPath('c++')) skip(`no C++ compiler (${cxx})`);
if (!onPath('make')) skip('no make');
if (!onPath('python3') && !onPath('python')) skip('no python3 for node-gyp');
if (!findCblasInclude()) skip('no OpenBLAS headers (cblas.h); on Debian: apt-get install libopenblas-dev liblapacke-dev');
if (!findOpenblasLib()) skip('no libopenblas; on Debian: apt-get install libopenblas-dev');
const gyp = findNodeGyp();
if (!gyp) skip('node-gyp not found (neither in node_modules nor inside npm); npm install node-gyp');

const t0 = Date.now();
const r = runNodeGyp(gyp, root, []);
if (r.status !== 0) {
  process.stdout.write(r.stdout || '');
  process.stderr.write(r.stderr || '');
  console.log(`build:native: node-gyp failed (exit ${r.status}); linalg will use its TypeScript fallback`);
  process.exit(required ? 1 : 0);
}
console.log(`build:native: built build/Release/ntk_linalg.node in ${((Date.now() - t0) / 1000).toFixed(1)} s (cblas.h from ${findCblasInclude()})`);
