#!/usr/bin/env node
// `npm pack` and `npm publish` run this first (prepack), then `prepare` (tsc: build/src). It makes, fresh, the two
// pieces an installed package needs and cannot make for itself, and fails (exit 1, naming the step) when one
// cannot be made: a package without them would silently lose its widgets or its native linear algebra.
//  1. the widgets' prebuilt JupyterLab extension, widgets/labextension (`npm run build:widgets`; JupyterLab's
//     builder comes from the project's .venv, made by scripts/python-venv.sh when it has no jupyter-builder);
//  2. the prebuilt OpenBLAS addon, prebuilds/<platform>-<arch>/ntk_linalg.node (`npm run prebuild:native`).
// Each is checked after its step: the extension's package.json and remoteEntry, the addon's file.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const t00 = Date.now();

function fail(message) {
  console.error(`prepack: ${message}`);
  console.error('prepack: the package would be incomplete, so nothing is packed');
  process.exit(1);
}

function step(what, cmd, args, env = process.env) {
  const t0 = Date.now();
  console.log(`prepack: ${what}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) fail(`${what} failed (${r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit ${r.status}`})`);
  console.log(`prepack: ${what}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// 1. The labextension, built by JupyterLab's builder from the venv (it needs JupyterLab's shared-package versions).
const venvBin = join(root, '.venv', process.platform === 'win32' ? 'Scripts' : 'bin');
if (!existsSync(join(venvBin, process.platform === 'win32' ? 'jupyter-builder.exe' : 'jupyter-builder'))) {
  step('Python venv with JupyterLab and its builder', 'bash', [join(root, 'scripts', 'python-venv.sh')]);
}
// The builder empties widgets/labextension before it writes, so nothing of an earlier build survives.
step('widgets extension', process.execPath, [join(root, 'widgets', 'scripts', 'build.js')]);
const ext = join(root, 'widgets', 'labextension');
if (!existsSync(join(ext, 'package.json'))) fail(`the widgets build wrote no ${join(ext, 'package.json')}`);
const staticDir = join(ext, 'static');
if (!existsSync(staticDir) || !readdirSync(staticDir).some((f) => /^remoteEntry\..*\.js$/.test(f))) fail(`the widgets build wrote no remoteEntry.*.js in ${staticDir}`);
const built = JSON.parse(readFileSync(join(ext, 'package.json'), 'utf8'));
const source = JSON.parse(readFileSync(join(root, 'widgets', 'package.json'), 'utf8'));
if (built.name !== source.name || built.version !== source.version) fail(`widgets/labextension is ${built.name}@${built.version}, widgets/ is ${source.name}@${source.version}`);

// 2. The prebuilt addon for this platform.
if (!existsSync(join(root, 'scripts', 'prebuild-native.js'))) fail('scripts/prebuild-native.js is missing: the prebuilt addon cannot be built');
step('prebuilt linear-algebra addon', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'prebuild:native']);
const addon = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'ntk_linalg.node');
if (!existsSync(addon) || statSync(addon).size === 0) fail(`npm run prebuild:native wrote no ${addon}`);
if (statSync(addon).mtimeMs < t00 - 1000) fail(`${addon} is older than this prepack: npm run prebuild:native did not rebuild it`);

console.log(`prepack: ${built.name}@${built.version} extension and prebuilds/${process.platform}-${process.arch}/ntk_linalg.node ready in ${((Date.now() - t00) / 1000).toFixed(1)} s; prepare compiles the TypeScript next`);
