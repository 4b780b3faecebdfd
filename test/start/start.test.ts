/**
 * Issue 11, acceptance 4: `npm start`, started in the background, sets up what is missing, prints JupyterLab's URL
 * on 127.0.0.1; the URL answers with JupyterLab's page and GET /api/kernelspecs lists the ntk-lab kernel (this
 * package's kernel entry); the first tutorial is served. A second `npm start` reuses the setup. Each server is
 * stopped by signalling the process group of the npm process the test started (SIGTERM, then SIGKILL), and the
 * JupyterLab PID it printed must be gone. A taken port gives the next free one, and the URL printed is where the
 * server answers (Jupyter logs its URL before it binds). Every wait is bounded.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../../src/cli/start-command';
import { alive, REPO, stopGroup, tempDir } from '../notebooks/helpers';

const { dir: TMP, cleanup } = tempDir('ntk-lab-start-');
const started: ChildProcess[] = [];

after(async () => {
  for (const p of started) await stop(p);
  cleanup();
});

interface Started {
  proc: ChildProcess;
  url: string;
  tutorial: string;
  labPid: number;
  out: () => string;
  ms: number;
}

/** `npm start -- --port P` in its own process group; resolves when it prints the URL (at most `timeoutMs`). */
async function npmStart(timeoutMs: number, requested?: number): Promise<Started> {
  const port = requested ?? (await freePort(0));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_CONFIG_DIR: join(TMP, 'config'),
    JUPYTER_RUNTIME_DIR: join(TMP, 'runtime'),
    JUPYTERLAB_WORKSPACES_DIR: join(TMP, 'workspaces'),
    JUPYTERLAB_SETTINGS_DIR: join(TMP, 'settings'),
  };
  const t0 = Date.now();
  const proc = spawn('npm', ['start', '--', '--port', String(port)], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /JupyterLab \(pid (\d+)\) is running at (http:\/\/127\.0\.0\.1:\d+\/lab\?token=\w+)/.exec(out);
    const tut = /first tutorial: (\S+)/.exec(out);
    if (m && tut) return { proc, url: m[2], tutorial: tut[1], labPid: Number(m[1]), out: () => out, ms: Date.now() - t0 };
    if (proc.exitCode !== null) assert.fail(`npm start exited with ${proc.exitCode}:\n${out.slice(-5000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop(proc);
  assert.fail(`npm start printed no URL within ${timeoutMs} ms:\n${out.slice(-5000)}`);
}

/** SIGTERM to the process group of `proc` (npm, the ntk-lab command, JupyterLab and its kernels), SIGKILL after 20 s. */
async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    stopGroup(proc.pid, 'SIGKILL'); // anything left in the group
    return;
  }
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  stopGroup(proc.pid, 'SIGTERM');
  const timer = setTimeout(() => stopGroup(proc.pid, 'SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
  stopGroup(proc.pid, 'SIGKILL');
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return !alive(pid);
}

test('npm start: JupyterLab on 127.0.0.1 answers with its page and lists the ntk-lab kernel; stopped by PID', { timeout: 12 * 60_000 }, async (t) => {
  const lab = await npmStart(10 * 60_000);
  t.diagnostic(`first start: URL after ${(lab.ms / 1000).toFixed(1)} s`);
  try {
    const page = await fetch(lab.url, { signal: AbortSignal.timeout(30_000) });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>JupyterLab<\/title>/);
    const base = new URL(lab.url);
    const token = base.searchParams.get('token');
    const specs = await fetch(`${base.origin}/api/kernelspecs?token=${token}`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(specs.status, 200);
    const body = (await specs.json()) as { kernelspecs: Record<string, { spec: { argv: string[]; display_name: string } }> };
    const spec = body.kernelspecs['ntk-lab'];
    assert.ok(spec, `no ntk-lab kernelspec: ${Object.keys(body.kernelspecs).join(', ')}`);
    assert.equal(spec.spec.display_name, 'TypeScript (ntk-lab)');
    assert.equal(spec.spec.argv[1], join(REPO, 'build', 'src', 'kernel', 'main.js'));
    const contents = await fetch(`${base.origin}/api/contents?token=${token}`, { signal: AbortSignal.timeout(30_000) });
    const names = ((await contents.json()) as { content: { name: string }[] }).content.map((c) => c.name);
    for (const nb of ['01-ntk-basics.ipynb', '02-cnn-autodiff-ntk.ipynb', '03-spectra.ipynb', '04-one-step.ipynb']) assert.ok(names.includes(nb), `${nb} not served: ${names.join(', ')}`);
    const tutorial = await fetch(lab.tutorial, { signal: AbortSignal.timeout(30_000) });
    assert.equal(tutorial.status, 200);
  } finally {
    await stop(lab.proc);
  }
  assert.ok(await waitGone(lab.labPid, 20_000), `JupyterLab (pid ${lab.labPid}) still running after the stop`);
});

test('a second npm start reuses the setup (venv, extension, kernelspec) and starts again', { timeout: 5 * 60_000 }, async (t) => {
  const lab = await npmStart(3 * 60_000);
  t.diagnostic(`second start: URL after ${(lab.ms / 1000).toFixed(1)} s`);
  try {
    const out = lab.out();
    assert.match(out, /reusing .*\.venv \(JupyterLab installed\)/);
    assert.match(out, /reusing the ntk-lab kernelspec and extension/);
    assert.doesNotMatch(out, /pip install|npm ci/);
    const r = await fetch(lab.url, { signal: AbortSignal.timeout(30_000) });
    assert.equal(r.status, 200);
  } finally {
    await stop(lab.proc);
  }
  assert.ok(await waitGone(lab.labPid, 20_000), `JupyterLab (pid ${lab.labPid}) still running after the stop`);
});

test('a taken port: npm start says so, takes the next free one, and the printed URL answers', { timeout: 5 * 60_000 }, async () => {
  const port = await freePort(0);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
  try {
    const lab = await npmStart(3 * 60_000, port);
    try {
      assert.match(lab.out(), new RegExp(`port ${port} is taken; using \\d+`));
      const url = new URL(lab.url);
      assert.notEqual(Number(url.port), port);
      const r = await fetch(lab.url, { signal: AbortSignal.timeout(30_000) });
      assert.equal(r.status, 200);
    } finally {
      await stop(lab.proc);
    }
    assert.ok(await waitGone(lab.labPid, 20_000), `JupyterLab (pid ${lab.labPid}) still running after the stop`);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});
