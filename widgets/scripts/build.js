#!/usr/bin/env node
/**
 * Builds the ntk-lab-widgets JupyterLab extension (run from the repository root: `npm run build:widgets`):
 * installs the package's own dependencies from its lockfile when they are missing or older than it,
 * compiles its TypeScript, then bundles the prebuilt extension into widgets/labextension with
 * jupyter-builder (from the project's .venv when there is one: JupyterLab's builder needs JupyterLab's
 * shared-package versions). `--if-possible` skips the bundling, with a note, when no jupyter-builder exists.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');

const widgets = resolve(__dirname, '..');
const root = resolve(widgets, '..');
const ifPossible = process.argv.includes('--if-possible');

function run(cmd, args, opts = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: widgets, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`build-widgets: ${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status}`})`);
    process.exit(1);
  }
  console.log(`build-widgets: ${cmd} ${args.join(' ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

const lock = join(widgets, 'package-lock.json');
const marker = join(widgets, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
run(process.execPath, [join(widgets, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);

const venvBin = join(root, '.venv', process.platform === 'win32' ? 'Scripts' : 'bin');
const env = { ...process.env, PATH: existsSync(venvBin) ? `${venvBin}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH}` : process.env.PATH };
const probe = spawnSync('jupyter-builder', ['--version'], { env, encoding: 'utf8' });
if (probe.status !== 0) {
  const why = 'jupyter-builder not found (bash scripts/python-venv.sh installs JupyterLab and it into .venv)';
  if (ifPossible) {
    console.log(`build-widgets: ${why}; skipped the labextension bundle`);
    process.exit(0);
  }
  console.error(`build-widgets: ${why}`);
  process.exit(1);
}
run('jupyter-builder', ['build', '.'], { env });
console.log(`build-widgets: prebuilt extension in ${join(widgets, 'labextension')}`);
