/**
 * Issue 15, part 4, acceptance: ntk-lab as a new user gets it. The working tree is copied as a clean clone would
 * have it (git's tracked and unignored files: no build/, no widgets/labextension, no prebuilds/; node_modules
 * hard-linked as `npm ci` would lay them out, the venv linked for JupyterLab's builder), `npm pack` runs there (so
 * prepack builds the extension and the prebuilt addon, prepare the TypeScript) into a temporary folder, and the
 * tarball is installed with plain `npm install <tgz>` (no approved install scripts) into an empty project outside the
 * repository, where no node_modules of the repository is visible and node-gyp is absent. In that project: the
 * README's CLI job and its TypeScript example, the native linear algebra from the shipped prebuilt addon, `ntk-lab
 * install` into a temporary prefix (seen by `jupyter kernelspec list` and `jupyter labextension list`) and its loud
 * failure when the package lacks the extension, `ntk-lab tutorials` (and its refusal of a folder that cannot import
 * ntk-lab), one tutorial through `ntk-lab run-notebooks`, and `ntk-lab start` on the project's folder, which makes
 * `<project>/.venv` with pip.
 *
 * Needs the repository's .venv (JupyterLab, jupyter-builder, nbclient), git, the npm registry for the tarball's
 * dependencies (npm's cache is used) and pip's index for `start`. Outside CI, missing prerequisites skip the test with
 * the reason; in CI (CI=true) they fail it. Each check is its own test; a later one that needs an earlier one's result
 * says so when that one failed. Measured times go to the diagnostics.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../src/cli/start-command';
import { REPO, run, stopGroup, type Finished } from '../notebooks/helpers';
import { projectPython } from '../helpers/venv';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from tools

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const TUTORIALS = ['01-ntk-basics.ipynb', '02-cnn-autodiff-ntk.ipynb', '03-spectra.ipynb', '04-one-step.ipynb', '05-training-dynamics.ipynb'];
const PLATFORM_KEY = `${process.platform}-${process.arch}`;

/** What the test cannot run without; empty when all is there. */
function missingPrerequisites(): string[] {
  const missing: string[] = [];
  try {
    const py = projectPython('JupyterLab, jupyter-builder and nbclient');
    for (const tool of ['jupyter', 'jupyter-builder']) if (!existsSync(join(dirname(py), tool))) missing.push(`${tool} in .venv (bash scripts/python-venv.sh)`);
  } catch (e) {
    missing.push((e as Error).message);
  }
  if (!existsSync(join(REPO, 'node_modules', 'typescript'))) missing.push(`the repository's node_modules (npm ci)`);
  if (spawnSync('git', ['-C', REPO, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' }).stdout?.trim() !== 'true') missing.push('git and a git work tree at the repository');
  const ping = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 30_000, env: cleanEnv() });
  if (ping.status !== 0) missing.push(`the npm registry (npm ping: ${(ping.stderr || ping.error?.message || '').trim().split('\n').pop()})`);
  return missing;
}

/**
 * The environment of the new user's commands: npm's own variables from a surrounding `npm test` removed (they name
 * the repository), no repository folder on PATH, none of ntk-lab's or Jupyter's overrides.
 */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(k) || k === 'INIT_CWD' || k === 'NODE_PATH') continue;
    if (/^(NTK_LINALG_ADDON|NTK_LAB_PYTHON|JUPYTER_PATH|JUPYTER_DATA_DIR|JUPYTER_CONFIG_DIR)$/.test(k)) continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? '').split(delimiter).filter((p) => p && !p.startsWith(REPO)).join(delimiter);
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}

const missing = missingPrerequisites();
const skip = missing.length > 0 && !IN_CI ? `missing: ${missing.join('; ')}` : false;

const TMP = realpathSync(mkdtempSync(join(tmpdir(), 'ntk-lab-package-')));
const CLONE = join(TMP, 'clone');
const PACKED = join(TMP, 'packed');
const PROJECT = join(TMP, 'project');
const JPREFIX = join(TMP, 'jprefix');
const INSTALLED = join(PROJECT, 'node_modules', 'ntk-lab');
const VENV_PYTHON = join(REPO, '.venv', 'bin', 'python');
const labPids: number[] = [];

after(() => {
  for (const pid of labPids) stopGroup(pid, 'SIGKILL');
  rmSync(TMP, { recursive: true, force: true });
});

/** State the later checks build on. */
const state: { tgz?: string; installed?: boolean; tutorials?: boolean } = {};

function output(r: Finished): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout.slice(-6000)}\n--- stderr\n${r.stderr.slice(-6000)}`;
}

function plain(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
}

/** `npx ntk-lab ...` in the user's project. */
function ntkLab(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return run('npx', ['ntk-lab', ...args], { cwd: PROJECT, env: cleanEnv(env), timeoutMs });
}

function needs(what: keyof typeof state, step: string): void {
  if (!state[what]) assert.fail(`not checked: ${step} failed (see above)`);
}

test('prerequisites', { skip }, () => {
  assert.deepEqual(missing, [], `the package test needs: ${missing.join('; ')}`);
});

test('npm pack in a clean copy of the working tree: prepack builds the extension and the prebuilt addon', { skip, timeout: 6 * 60_000 }, async (t) => {
  const t0 = Date.now();
  const listed = spawnSync('git', ['-C', REPO, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(listed.status, 0, listed.stderr);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(REPO, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(CLONE, file)), { recursive: true });
    cpSync(join(REPO, file), join(CLONE, file), { preserveTimestamps: true, verbatimSymlinks: true });
  }
  for (const ignored of ['build', 'widgets/labextension', `prebuilds/${PLATFORM_KEY}`]) assert.ok(!existsSync(join(CLONE, ignored)), `${ignored} in the clean copy`);
  // node_modules as `npm ci` lays them out, without the minutes: hard links (the build never edits them in place;
  // the widgets' `npm ci`, when it runs, replaces its folder's links, not the repository's files).
  for (const nm of ['node_modules', 'widgets/node_modules']) {
    if (!existsSync(join(REPO, nm))) continue;
    const cp = spawnSync('cp', ['-al', join(REPO, nm), join(CLONE, nm)], { encoding: 'utf8' });
    if (cp.status !== 0) cpSync(join(REPO, nm), join(CLONE, nm), { recursive: true, verbatimSymlinks: true });
  }
  symlinkSync(join(REPO, '.venv'), join(CLONE, '.venv'));
  t.diagnostic(`clean copy in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  mkdirSync(PACKED);
  const r = await run('npm', ['pack', '--pack-destination', PACKED], { cwd: CLONE, env: cleanEnv(), timeoutMs: 5 * 60_000 });
  t.diagnostic(`npm pack (prepack + prepare) in ${(r.ms / 1000).toFixed(1)} s`);
  for (const line of r.stdout.split('\n').filter((l) => /^(prepack|build-widgets|prebuild:native):/.test(l))) t.diagnostic(line);
  assert.equal(r.code, 0, `npm pack failed:\n${output(r)}`);
  assert.match(r.stdout, /prepack: .* ready in/, `prepack did not run:\n${output(r)}`);
  const tgz = readdirSync(PACKED).filter((f) => f.endsWith('.tgz'));
  assert.equal(tgz.length, 1, `npm pack wrote ${tgz.join(', ') || 'no tarball'}`);
  state.tgz = join(PACKED, tgz[0]);
});

test('the tarball holds what an installed package needs and nothing of the tests, benches, sources or venv', { skip }, (t) => {
  needs('tgz', 'npm pack');
  const r = spawnSync('tar', ['tzf', state.tgz!], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const entries = r.stdout.split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''));
  t.diagnostic(`${entries.length} files, ${(readFileSync(state.tgz!).length / 2 ** 20).toFixed(1)} MiB packed`);
  const required = [
    'package.json', 'README.md', 'bin/ntk-lab.js', 'build/src/index.js', 'build/src/index.d.ts', 'build/src/cli/main.js', 'build/src/kernel/main.js',
    'widgets/labextension/package.json', `prebuilds/${PLATFORM_KEY}/ntk_linalg.node`, 'scripts/python-venv.sh', ...TUTORIALS.map((n) => `notebooks/${n}`),
    'data/digits.arrow', 'src/tiles/ray/ntk_lab_ray/__main__.py', 'src/tiles/ray/ntk_lab_ray/driver.py',
  ];
  const absent = required.filter((f) => !entries.includes(f));
  assert.deepEqual(absent, [], `missing from the tarball: ${absent.join(', ')}`);
  assert.ok(entries.some((e) => /^widgets\/labextension\/static\/remoteEntry\..*\.js$/.test(e)), 'no widgets/labextension/static/remoteEntry.*.js in the tarball');
  const forbidden = /^(test|bench|build\/test|build\/bench|build\/Release|\.venv|node_modules|widgets\/(src|lib|node_modules|scripts)|\.ci|binder|docs)\//;
  const leaked = entries.filter((e) => forbidden.test(e) || (/\.ts$/.test(e) && !/\.d\.ts$/.test(e)));
  assert.deepEqual(leaked, [], `the tarball holds what no installed package needs: ${leaked.slice(0, 20).join(', ')}`);
});

test('npm install <tgz> into an empty project outside the repository: no install script, no node-gyp, no repository node_modules', { skip, timeout: 6 * 60_000 }, async (t) => {
  needs('tgz', 'npm pack');
  assert.ok(relative(realpathSync(REPO), PROJECT).startsWith('..'), `the project ${PROJECT} is inside the repository`);
  for (let dir = dirname(PROJECT); dirname(dir) !== dir; dir = dirname(dir)) assert.ok(!existsSync(join(dir, 'node_modules')), `${join(dir, 'node_modules')} would be visible from the project`);
  mkdirSync(PROJECT);
  writeFileSync(join(PROJECT, 'package.json'), `${JSON.stringify({ name: 'ntk-lab-user', version: '1.0.0', private: true }, null, 2)}\n`);
  const r = await run('npm', ['install', state.tgz!], { cwd: PROJECT, env: cleanEnv(), timeoutMs: 5 * 60_000 });
  t.diagnostic(`npm install in ${(r.ms / 1000).toFixed(1)} s`);
  assert.equal(r.code, 0, `npm install failed:\n${output(r)}`);
  assert.ok(existsSync(join(INSTALLED, 'package.json')), 'no node_modules/ntk-lab');
  assert.ok(existsSync(join(PROJECT, 'node_modules', '.bin', 'ntk-lab')), 'no node_modules/.bin/ntk-lab');
  assert.ok(!existsSync(join(INSTALLED, 'build', 'Release')), 'something built the addon from source during the install');
  const gyp = spawnSync(process.execPath, ['-e', "require.resolve('node-gyp')"], { cwd: PROJECT, env: cleanEnv(), encoding: 'utf8' });
  assert.notEqual(gyp.status, 0, 'node-gyp resolves in the project: the install must not need it');
  state.installed = true;
});

test("README's CLI job: npx ntk-lab ntk --widths 512,512,512 --n 1000 --input-dim 784 --seed 0", { skip, timeout: 3 * 60_000 }, async (t) => {
  needs('installed', 'npm install');
  const r = await ntkLab(['ntk', '--widths', '512,512,512', '--n', '1000', '--input-dim', '784', '--seed', '0'], 2 * 60_000);
  assert.equal(r.code, 0, output(r));
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /explicit NTK of an MLP 784-512-512-512-1 .* n = 1000, seed 0/, output(r));
  assert.match(r.stdout, /^backend: tfjs \w+; linalg openblas /m, `the CLI runs on the fallback, not OpenBLAS:\n${output(r)}`);
  const rows = lines.filter((l) => /^layer\d\/(weight|bias)\s/.test(l));
  assert.deepEqual(rows.map((l) => l.split(/\s+/)[0]), ['layer1/weight', 'layer1/bias', 'layer2/weight', 'layer2/bias', 'layer3/weight', 'layer3/bias', 'layer4/weight', 'layer4/bias'], output(r));
  const traceShares = rows.reduce((s, l) => s + Number(l.trim().split(/\s+/)[2]), 0);
  assert.ok(Math.abs(traceShares - 1) < 2e-3, `trace shares sum to ${traceShares}`);
  assert.match(r.stdout, /^total\s+1\.0000\s+1\.0000/m, output(r));
  t.diagnostic(lines.find((l) => l.startsWith('forward/backward')) ?? '');
});

test("README's TypeScript example (\"Using it from TypeScript\") compiles against the installed package and runs", { skip, timeout: 4 * 60_000 }, async (t) => {
  needs('installed', 'npm install');
  const readme = readFileSync(join(INSTALLED, 'README.md'), 'utf8');
  const section = /^## Using it from TypeScript\n([\s\S]*?)(?=^## )/m.exec(readme);
  assert.ok(section, 'README.md has no "## Using it from TypeScript" section');
  const block = /^```ts\n([\s\S]*?)^```/m.exec(section[1]);
  assert.ok(block, 'no ```ts block under "Using it from TypeScript"');
  const dir = join(PROJECT, 'readme-example');
  mkdirSync(dir);
  writeFileSync(join(dir, 'example.mts'), block[1]);
  // An ES module (the example may use top-level await); @types/node from the repository, as a user would install it.
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, types: ['node'], typeRoots: [join(REPO, 'node_modules', '@types')], outDir: 'out' },
    files: ['example.mts'],
  }, null, 2));
  const tsc = await run(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, env: cleanEnv(), timeoutMs: 2 * 60_000 });
  assert.equal(tsc.code, 0, `the README example does not compile against the installed package:\n${block[1]}\n${output(tsc)}`);
  const r = await run(process.execPath, [join(dir, 'out', 'example.mjs')], { cwd: dir, env: cleanEnv(), timeoutMs: 2 * 60_000 });
  t.diagnostic(`example ran in ${(r.ms / 1000).toFixed(1)} s; stdout: ${r.stdout.trim().split('\n').slice(0, 8).join(' | ')}`);
  assert.equal(r.code, 0, `the README example failed:\n${output(r)}`);
});

test('the installed package loads its digits, reads Parquet through hyparquet (an ES module) and runs its Ray driver', { skip }, (t) => {
  needs('installed', 'npm install');
  const parquet = join(REPO, 'test', 'fixtures', 'data', 'table.snappy.parquet');
  const script = `const d = require('ntk-lab/data'); (async () => { const g = await d.loadDigits({ split: 0.25, seed: 1 }); ` +
    `const p = await d.readParquet(${JSON.stringify(parquet)}); console.log(JSON.stringify({ rows: g.x.rows, cols: g.x.cols, train: g.train.x.rows, test: g.test.x.rows, parquet: p.x.rows })); })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: PROJECT, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as Json;
  t.diagnostic(JSON.stringify(got));
  assert.equal(got.rows, 1797);
  assert.equal(got.cols, 64);
  assert.equal(got.train + got.test, 1797);
  assert.ok(got.parquet > 0, 'the Parquet table has rows');
  // The shipped Python driver imports from the installed package alone (ray is needed only to run a job).
  const py = spawnSync(VENV_PYTHON, ['-m', 'ntk_lab_ray', '--help'], { cwd: PROJECT, env: cleanEnv({ PYTHONPATH: join(INSTALLED, 'src', 'tiles', 'ray') }), encoding: 'utf8', timeout: 60_000 });
  assert.equal(py.status, 0, py.stderr);
  assert.match(py.stdout, /usage: .*ntk_lab_ray/);
});

test("linalgInfo(): the native implementation ('openblas') from the shipped prebuilt addon", { skip }, (t) => {
  needs('installed', 'npm install');
  const r = spawnSync(process.execPath, ['-e', "console.log(JSON.stringify(require('ntk-lab').linalgInfo()))"], { cwd: PROJECT, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as Json;
  t.diagnostic(JSON.stringify(info));
  assert.equal(info.implementation, 'openblas', `linalg runs on ${info.implementation}: ${info.notice}`);
  if (info.addon !== undefined) {
    assert.equal(info.addon.origin, 'prebuilt', `the addon is a ${info.addon.origin} one: ${info.addon.file}`);
    assert.equal(realpathSync(info.addon.file), realpathSync(join(INSTALLED, 'prebuilds', PLATFORM_KEY, 'ntk_linalg.node')));
  }
});

test('npx ntk-lab install --prefix P fails loudly, writing nothing, when the package lacks the labextension', { skip }, async () => {
  needs('installed', 'npm install');
  const ext = join(INSTALLED, 'widgets', 'labextension');
  const aside = join(INSTALLED, 'widgets', 'labextension-aside');
  const prefix = join(TMP, 'jprefix-broken');
  renameSync(ext, aside);
  try {
    const r = await ntkLab(['install', '--prefix', prefix, '--python', VENV_PYTHON], 60_000);
    assert.equal(r.code, 2, output(r));
    assert.match(r.stderr, /has no prebuilt widgets extension/, output(r));
    assert.ok(!existsSync(join(prefix, 'share', 'jupyter', 'kernels', 'ntk-lab')), 'a kernelspec was written anyway');
  } finally {
    renameSync(aside, ext);
  }
});

test('npx ntk-lab install --prefix P: kernelspec and labextension, seen by jupyter kernelspec list and jupyter labextension list', { skip, timeout: 3 * 60_000 }, async () => {
  needs('installed', 'npm install');
  const r = await ntkLab(['install', '--prefix', JPREFIX, '--python', VENV_PYTHON], 60_000);
  assert.equal(r.code, 0, output(r));
  const data = join(JPREFIX, 'share', 'jupyter');
  const spec = JSON.parse(readFileSync(join(data, 'kernels', 'ntk-lab', 'kernel.json'), 'utf8')) as { argv: string[] };
  assert.equal(realpathSync(spec.argv[1]), realpathSync(join(INSTALLED, 'build', 'src', 'kernel', 'main.js')), 'the kernelspec runs another kernel than the installed package');
  assert.equal(readFileSync(join(data, 'labextensions', 'ntk-lab-widgets', 'package.json'), 'utf8'), readFileSync(join(INSTALLED, 'widgets', 'labextension', 'package.json'), 'utf8'));
  const env = { JUPYTER_PATH: data, JUPYTER_DATA_DIR: join(TMP, 'jdata'), JUPYTER_CONFIG_DIR: join(TMP, 'jconfig') };
  const jupyter = join(REPO, '.venv', 'bin', 'jupyter');
  const specs = await run(jupyter, ['kernelspec', 'list', '--json'], { cwd: PROJECT, env: cleanEnv(env), timeoutMs: 60_000 });
  assert.equal(specs.code, 0, output(specs));
  const listed = (JSON.parse(specs.stdout) as Json).kernelspecs['ntk-lab'];
  assert.ok(listed, `jupyter kernelspec list has no ntk-lab:\n${specs.stdout}`);
  assert.equal(realpathSync(listed.resource_dir), realpathSync(join(data, 'kernels', 'ntk-lab')));
  const exts = await run(jupyter, ['labextension', 'list'], { cwd: PROJECT, env: cleanEnv(env), timeoutMs: 2 * 60_000 });
  assert.equal(exts.code, 0, output(exts));
  // The list is grouped by folder: ntk-lab-widgets must be enabled and OK under the prefix's labextensions.
  const text = plain(exts.stdout + exts.stderr);
  const section = text.split(/\n\s*\n/).find((s) => s.includes(join(data, 'labextensions')));
  assert.ok(section, `jupyter labextension list shows no ${join(data, 'labextensions')}:\n${text}`);
  assert.match(section, /ntk-lab-widgets v\S+ enabled\s+OK/, `ntk-lab-widgets not enabled there:\n${text}`);
});

test('npx ntk-lab tutorials notebooks copies the tutorials, which import ntk-lab by name', { skip }, async () => {
  needs('installed', 'npm install');
  const r = await ntkLab(['tutorials', 'notebooks'], 60_000);
  assert.equal(r.code, 0, output(r));
  const dir = join(PROJECT, 'notebooks');
  assert.deepEqual(readdirSync(dir).sort(), TUTORIALS);
  for (const name of TUTORIALS) {
    const copied = readFileSync(join(dir, name), 'utf8');
    assert.equal(copied, readFileSync(join(INSTALLED, 'notebooks', name), 'utf8'), `${name} is not the package's`);
    const sources = (JSON.parse(copied) as Json).cells.map((c: Json) => (Array.isArray(c.source) ? c.source.join('') : c.source)).join('\n');
    assert.doesNotMatch(sources, /from '\.\.'/, `${name} imports from '..' (a path inside the clone), which means nothing in the user's project`);
    assert.match(sources, /from 'ntk-lab(\/[a-z-]+)?'/, `${name} does not import 'ntk-lab'`);
  }
  state.tutorials = true;
});

test('npx ntk-lab tutorials refuses a folder whose notebooks could not import ntk-lab, and says where to put them', { skip }, async () => {
  needs('installed', 'npm install');
  const outside = join(TMP, 'outside', 'notebooks');
  const r = await ntkLab(['tutorials', outside], 60_000);
  assert.equal(r.code, 2, output(r));
  assert.match(r.stderr, /could not import 'ntk-lab'/, output(r));
  assert.ok(r.stderr.includes(PROJECT), `the message does not name the project ${PROJECT}:\n${r.stderr}`);
  assert.ok(!existsSync(outside), 'the folder was made anyway');
});

test('npx ntk-lab run-notebooks runs tutorial 1 headless in the project', { skip, timeout: 7 * 60_000 }, async (t) => {
  needs('tutorials', 'ntk-lab tutorials');
  const r = await ntkLab(['run-notebooks', 'notebooks/01-ntk-basics.ipynb', '--out', 'executed', '--python', VENV_PYTHON, '--scale', 'ci', '--timeout', '300'], 6 * 60_000);
  t.diagnostic(`run-notebooks in ${(r.ms / 1000).toFixed(1)} s`);
  assert.equal(r.code, 0, output(r));
  const nb = JSON.parse(readFileSync(join(PROJECT, 'executed', '01-ntk-basics.ipynb'), 'utf8')) as Json;
  const outputs = (nb.cells as Json[]).filter((c) => c.cell_type === 'code').flatMap((c) => c.outputs as Json[]);
  const errors = outputs.filter((o) => o.output_type === 'error');
  assert.deepEqual(errors.map((e) => `${e.ename}: ${e.evalue}`), []);
  assert.ok(outputs.some((o) => o.output_type === 'stream' && String(Array.isArray(o.text) ? o.text.join('') : o.text).includes('results {')), 'tutorial 1 printed no results line');
});

test('npx ntk-lab start notebooks: makes <project>/.venv, installs the kernel and extension there, serves the folder; stopped by PID', { skip, timeout: 8 * 60_000 }, async (t) => {
  needs('tutorials', 'ntk-lab tutorials');
  const port = await freePort(0);
  const env = cleanEnv({
    JUPYTER_DATA_DIR: join(TMP, 'start-data'),
    JUPYTER_CONFIG_DIR: join(TMP, 'start-config'),
    JUPYTER_RUNTIME_DIR: join(TMP, 'start-runtime'),
    JUPYTERLAB_WORKSPACES_DIR: join(TMP, 'start-workspaces'),
    JUPYTERLAB_SETTINGS_DIR: join(TMP, 'start-settings'),
  });
  const t0 = Date.now();
  const proc = spawn('npx', ['ntk-lab', 'start', 'notebooks', '--port', String(port)], { cwd: PROJECT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (proc.pid !== undefined) labPids.push(proc.pid);
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    let url: string | undefined;
    const deadline = Date.now() + 6 * 60_000;
    while (!url && Date.now() < deadline && proc.exitCode === null) {
      url = /is running at (http:\/\/127\.0\.0\.1:\d+\/lab\?token=\w+)/.exec(out)?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(url, `ntk-lab start printed no URL (exit ${proc.exitCode}):\n${out.slice(-6000)}`);
    t.diagnostic(`start: URL after ${((Date.now() - t0) / 1000).toFixed(1)} s (${/done in \d+ s/.exec(out)?.[0] ?? 'no venv step'})`);
    assert.ok(existsSync(join(PROJECT, '.venv', 'bin', 'python')), 'no <project>/.venv');
    assert.match(out, /first tutorial: /);
    const base = new URL(url);
    const token = base.searchParams.get('token');
    const page = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /ntk-lab-widgets/, "JupyterLab's page config lists no ntk-lab-widgets extension");
    const specs = (await (await fetch(`${base.origin}/api/kernelspecs?token=${token}`, { signal: AbortSignal.timeout(30_000) })).json()) as Json;
    const spec = specs.kernelspecs['ntk-lab'];
    assert.ok(spec, `no ntk-lab kernelspec: ${Object.keys(specs.kernelspecs).join(', ')}`);
    assert.equal(realpathSync(spec.spec.argv[1]), realpathSync(join(INSTALLED, 'build', 'src', 'kernel', 'main.js')));
    const contents = (await (await fetch(`${base.origin}/api/contents?token=${token}`, { signal: AbortSignal.timeout(30_000) })).json()) as Json;
    const names = (contents.content as Json[]).map((c) => c.name as string).sort();
    assert.deepEqual(names.filter((n) => n.endsWith('.ipynb')), TUTORIALS, `JupyterLab serves another folder than notebooks/: ${names.join(', ')}`);
  } finally {
    stopGroup(proc.pid, 'SIGTERM');
    const killer = setTimeout(() => stopGroup(proc.pid, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
    stopGroup(proc.pid, 'SIGKILL');
  }
});
