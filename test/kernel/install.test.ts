/** `ntk-lab install` / `uninstall`: a kernelspec Jupyter lists, by absolute paths, in each of the three locations. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jupyterEnv, python, REPO, run, tempDir } from './helpers';

const CLI = join(REPO, 'bin', 'ntk-lab.js');

async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string }> {
  const r = await run(process.execPath, [CLI, ...args], { env, timeoutMs: 60_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

async function kernelspecs(env: NodeJS.ProcessEnv): Promise<Record<string, { resource_dir: string; spec: { display_name: string; argv: string[] } }>> {
  const r = await run(python(), ['-m', 'jupyter', 'kernelspec', 'list', '--json'], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).kernelspecs;
}

test('install --prefix writes kernel.json with absolute node and entry paths; jupyter kernelspec list shows it; uninstall removes it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const prefix = join(dir, 'prefix');
    const env = jupyterEnv(prefix, dir);
    const installed = await cli(['install', '--prefix', prefix]);
    assert.equal(installed.code, 0, installed.out);
    const specDir = join(prefix, 'share', 'jupyter', 'kernels', 'ntk-lab');
    const spec = JSON.parse(readFileSync(join(specDir, 'kernel.json'), 'utf8'));
    assert.deepEqual(spec.argv, [process.execPath, join(REPO, 'build', 'src', 'kernel', 'main.js'), '{connection_file}']);
    assert.ok(existsSync(spec.argv[1]));
    assert.equal(spec.display_name, 'TypeScript (ntk-lab)');
    assert.equal(spec.language, 'typescript');
    assert.equal(spec.interrupt_mode, 'signal');
    const listed = await kernelspecs(env);
    assert.equal(listed['ntk-lab']?.resource_dir, specDir);
    assert.equal(listed['ntk-lab']?.spec.display_name, 'TypeScript (ntk-lab)');
    const removed = await cli(['uninstall', '--prefix', prefix]);
    assert.match(removed.out, /removed kernelspec 'ntk-lab'/);
    assert.equal(existsSync(specDir), false);
    assert.equal((await kernelspecs(env))['ntk-lab'], undefined);
    assert.match((await cli(['uninstall', '--prefix', prefix])).out, /nothing to remove/);
  } finally {
    cleanup();
  }
});

test('install --sys-prefix asks --python for sys.prefix; --user goes to the Jupyter data folder; one location at most', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const venv = join(dir, 'venv');
    const made = await run('python3', ['-m', 'venv', '--without-pip', venv], { timeoutMs: 60_000 });
    assert.equal(made.code, 0, made.stderr);
    const sys = await cli(['install', '--sys-prefix', '--python', join(venv, 'bin', 'python')]);
    assert.equal(sys.code, 0, sys.out);
    assert.ok(existsSync(join(venv, 'share', 'jupyter', 'kernels', 'ntk-lab', 'kernel.json')));
    const env = { ...process.env, JUPYTER_DATA_DIR: join(dir, 'user-data') };
    const user = await cli(['install', '--user', '--python', python()], env);
    assert.equal(user.code, 0, user.out);
    assert.ok(existsSync(join(dir, 'user-data', 'kernels', 'ntk-lab', 'kernel.json')));
    assert.equal((await cli(['uninstall', '--user', '--python', python()], env)).code, 0);
    assert.equal(existsSync(join(dir, 'user-data', 'kernels', 'ntk-lab')), false);
    const both = await cli(['install', '--user', '--prefix', dir]);
    assert.equal(both.code, 2);
    assert.match(both.out, /at most one of --prefix, --sys-prefix and --user/);
  } finally {
    cleanup();
  }
});
