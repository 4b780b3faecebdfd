/**
 * Issue 11, acceptance 3: replays binder/ as repo2docker would after creating the environment, in a fresh venv
 * (environment.yml's pip list; Node from this machine, checked against its nodejs pin; apt.txt's packages checked)
 * and a fresh copy of the repository (`git archive HEAD`: what Binder clones; no node_modules, build or .venv), runs
 * binder/postBuild there with the venv first on PATH, then executes tutorial 1 headless with that venv's
 * `jupyter nbconvert --execute` on the kernelspec postBuild installed (no JUPYTER_PATH, an empty user data dir:
 * only what the environment holds), as a Binder user's JupyterLab would find it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { joined, outputs, REPO, resultsOf, run, tempDir } from '../notebooks/helpers';

const { dir: TMP, cleanup } = tempDir('ntk-lab-binder-');
after(cleanup);

/** The pip requirements of binder/environment.yml (the entries under `- pip:`). */
export function pipRequirements(yml: string): string[] {
  const lines = yml.split('\n');
  const start = lines.findIndex((l) => /^\s*-\s*pip:\s*$/.test(l));
  if (start < 0) return [];
  const indent = (l: string): number => l.length - l.trimStart().length;
  const base = indent(lines[start]);
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    if (indent(l) <= base) break;
    const m = /^\s*-\s*(.+?)\s*$/.exec(l);
    if (m) out.push(m[1]);
  }
  return out;
}

/** pip's index for this machine: a configured extra index (a local mirror) becomes the index, as scripts/python-venv.sh does. */
function pipEnv(python: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.PIP_INDEX_URL) return env;
  const r = spawnSync(python, ['-m', 'pip', 'config', 'list'], { encoding: 'utf8', timeout: 60_000 });
  const m = /^global\.extra-index-url='(.*)'$/m.exec(r.stdout ?? '');
  if (m) {
    const [first, ...rest] = m[1].split(/\s+/);
    env.PIP_INDEX_URL = first;
    if (rest.length) env.PIP_EXTRA_INDEX_URL = rest.join(' ');
  }
  return env;
}

test('binder/: environment.yml pins Node 20 and JupyterLab 4, apt.txt names the BLAS headers, postBuild is executable and opens tutorial 1', () => {
  const yml = readFileSync(join(REPO, 'binder', 'environment.yml'), 'utf8');
  const node = /^\s*-\s*nodejs\s*=\s*(\d+)/m.exec(yml);
  assert.equal(node?.[1], '20');
  assert.ok(pipRequirements(yml).some((r) => /^jupyterlab>=4[.\d]*,<5$/.test(r)), pipRequirements(yml).join(', '));
  assert.ok(pipRequirements(yml).includes('ipywidgets>=8.1,<9'));
  const apt = readFileSync(join(REPO, 'binder', 'apt.txt'), 'utf8').split('\n').filter(Boolean);
  assert.ok(apt.includes('libopenblas-dev') && apt.includes('liblapacke-dev'), apt.join(', '));
  const post = join(REPO, 'binder', 'postBuild');
  assert.ok((lstatSync(post).mode & 0o111) !== 0, 'postBuild is executable');
  assert.match(readFileSync(post, 'utf8'), /default_url.*\/lab\/tree\/notebooks\/01-ntk-basics\.ipynb/);
});

test("replay: fresh venv + fresh copy, binder/postBuild, then tutorial 1 executes headless on the environment's ntk-lab kernel", async (t) => {
  const timings: string[] = [];
  const step = async (name: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }) => {
    const r = await run(cmd, args, opts);
    timings.push(`${name} ${(r.ms / 1000).toFixed(1)} s`);
    assert.equal(r.code, 0, `${name} failed (${r.code}, ${r.signal}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    return r;
  };
  // What repo2docker provides before postBuild: apt.txt's packages, Node of the nodejs pin, the pip environment.
  const yml = readFileSync(join(REPO, 'binder', 'environment.yml'), 'utf8');
  const nodeMajor = /^\s*-\s*nodejs\s*=\s*(\d+)/m.exec(yml)![1];
  assert.equal(process.versions.node.split('.')[0], nodeMajor, `this machine's Node ${process.versions.node} is not environment.yml's nodejs=${nodeMajor}`);
  for (const pkg of readFileSync(join(REPO, 'binder', 'apt.txt'), 'utf8').split('\n').filter(Boolean)) {
    const q = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
    assert.match(q.stdout ?? '', /install ok installed/, `apt.txt's ${pkg} is not installed here (.ci/run installs it)`);
  }
  const venv = join(TMP, 'env');
  await step('python -m venv', 'python3', ['-m', 'venv', venv], { timeoutMs: 120_000 });
  const py = join(venv, 'bin', 'python');
  await step('pip install (environment.yml)', py, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...pipRequirements(yml)], { env: pipEnv(py), timeoutMs: 6 * 60_000 });

  // A fresh copy: the repository as committed (what Binder clones), nothing built or installed.
  const copy = join(TMP, 'repo');
  mkdirSync(copy, { recursive: true });
  const archive = spawnSync('bash', ['-c', `set -o pipefail; git archive --format=tar HEAD | tar -x -C '${copy}'`], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  assert.equal(archive.status, 0, `git archive: ${archive.stderr}`);
  const copied = Number(spawnSync('bash', ['-c', `find '${copy}' -type f | wc -l`], { encoding: 'utf8' }).stdout.trim());
  assert.ok(!existsSync(join(copy, 'node_modules')) && !existsSync(join(copy, 'build')) && !existsSync(join(copy, '.venv')));
  t.diagnostic(`copied ${copied} files`);

  // postBuild as repo2docker runs it: in the repository, the environment's bin first on PATH.
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(venv, 'bin')}:${process.env.PATH}`, VIRTUAL_ENV: venv };
  for (const k of ['JUPYTER_PATH', 'JUPYTER_DATA_DIR', 'JUPYTER_CONFIG_DIR', 'NTK_LAB_PYTHON']) delete env[k];
  env.JUPYTER_DATA_DIR = join(TMP, 'user-data'); // an empty user data dir: only the environment's kernelspecs count
  env.JUPYTER_CONFIG_DIR = join(TMP, 'user-config');
  env.JUPYTER_RUNTIME_DIR = join(TMP, 'runtime');
  const post = await step('binder/postBuild', 'bash', [join(copy, 'binder', 'postBuild')], { cwd: copy, env, timeoutMs: 8 * 60_000 });
  t.diagnostic(post.stdout.split('\n').filter((l) => l.startsWith('postBuild:') || l.startsWith('build-widgets:') || l.startsWith('installed')).join('\n'));

  const specs = await step('jupyter kernelspec list', join(venv, 'bin', 'jupyter'), ['kernelspec', 'list', '--json'], { cwd: copy, env, timeoutMs: 60_000 });
  const spec = JSON.parse(specs.stdout).kernelspecs['ntk-lab'];
  assert.ok(spec, `no ntk-lab kernelspec in the environment: ${specs.stdout}`);
  assert.ok(spec.resource_dir.startsWith(venv), `the kernelspec is at ${spec.resource_dir}, not in the environment`);
  assert.equal(spec.spec.argv[1], join(copy, 'build', 'src', 'kernel', 'main.js'));
  const ext = await step('jupyter labextension list', join(venv, 'bin', 'jupyter'), ['labextension', 'list'], { cwd: copy, env, timeoutMs: 60_000 });
  assert.match(ext.stdout + ext.stderr, /ntk-lab-widgets.*enabled/, 'the widgets extension is installed and enabled');
  assert.ok(existsSync(join(venv, 'etc', 'jupyter', 'jupyter_server_config.d', 'ntk-lab.json')));

  // Tutorial 1, as JupyterLab on Binder would run it.
  const exec = await step('nbconvert --execute 01-ntk-basics', join(venv, 'bin', 'jupyter'),
    ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=300', '--ExecutePreprocessor.kernel_name=ntk-lab', '--output-dir', join(TMP, 'out'), join(copy, 'notebooks', '01-ntk-basics.ipynb')],
    { cwd: join(copy, 'notebooks'), env: { ...env, NTK_LAB_SCALE: 'ci' }, timeoutMs: 6 * 60_000 });
  assert.equal(exec.code, 0);
  const nb = JSON.parse(readFileSync(join(TMP, 'out', '01-ntk-basics.ipynb'), 'utf8'));
  for (const { index, out } of outputs(nb)) {
    assert.notEqual(out.output_type, 'error', `cell ${index}: ${out.ename}: ${out.evalue}`);
    assert.ok(!(out.output_type === 'stream' && out.name === 'stderr'), `cell ${index} wrote to stderr: ${joined(out.text)}`);
  }
  const r = resultsOf(nb);
  assert.ok(r.componentSumError <= 1e-6 && r.explicitVsJacobian <= 1e-4);
  t.diagnostic(timings.join('\n'));
});
