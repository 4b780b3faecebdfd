/**
 * Notebooks executed by `jupyter nbconvert --execute` (nbclient): one on the ntk-lab kernel (display,
 * a widget whose state nbclient records, an NTK), and one on plain tslab installed beside it, where
 * ntk-lab's display functions degrade to static outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { jupyterEnv, notebookFolder, python, REPO, run, SOURCE, tempDir } from './helpers';

type Json = Record<string, any>; // nbformat JSON, as parsed

/** Executes notebook `name` (from test/kernel/notebooks) in a notebook folder; returns the executed notebook. */
async function execute(root: string, prefix: string, name: string): Promise<Json> {
  const dir = notebookFolder(root);
  copyFileSync(join(SOURCE, 'notebooks', name), join(dir, name));
  const args = ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', name, '--output', `executed-${name}`, '--ExecutePreprocessor.timeout=120'];
  const r = await run(python(), args, { cwd: dir, env: jupyterEnv(prefix, root), timeoutMs: 180_000 });
  assert.equal(r.code, 0, `nbconvert failed:\n${r.stderr}`);
  return JSON.parse(readFileSync(join(dir, `executed-${name}`), 'utf8'));
}

function outputsOf(nb: Json, cell: number): Json[] {
  return nb.cells[cell].outputs;
}

/** nbformat stores multi-line strings as lists of lines. */
function joined(v: unknown): unknown {
  return Array.isArray(v) ? v.join('') : v;
}

function text(outputs: Json[]): string {
  return outputs.filter((o) => o.output_type === 'stream').map((o) => joined(o.text)).join('');
}

/** text/plain of the cell's execute_result (the value of its last expression). */
function result(outputs: Json[]): unknown {
  return joined(outputs.find((o) => o.output_type === 'execute_result')?.data['text/plain']);
}

test('a notebook on the ntk-lab kernel runs under jupyter nbconvert --execute, widget state saved', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const prefix = join(dir, 'prefix');
    const install = await run(process.execPath, [join(REPO, 'bin', 'ntk-lab.js'), 'install', '--prefix', prefix], { timeoutMs: 60_000 });
    assert.equal(install.code, 0, install.stderr);
    const nb = await execute(dir, prefix, 'ntk-lab-kernel.ipynb');
    assert.equal(result(outputsOf(nb, 0)), 'true', 'the last expression is an execute_result');
    assert.equal(text(outputsOf(nb, 0)), '');
    const md = outputsOf(nb, 1).find((o) => o.output_type === 'display_data');
    assert.equal(joined(md?.data['text/markdown']), '**ntk-lab** kernel');
    const view = outputsOf(nb, 2).find((o) => o.output_type === 'display_data')?.data['application/vnd.jupyter.widget-view+json'];
    assert.equal(view?.version_major, 2);
    const saved = nb.metadata.widgets?.['application/vnd.jupyter.widget-state+json']?.state?.[view?.model_id];
    assert.equal(saved?.model_name, 'NotebookModel', 'nbclient recorded the widget model from its comm messages');
    assert.equal(saved?.state.label, 'K');
    assert.equal(Buffer.from(saved?.buffers?.[0]?.data ?? '', 'base64').equals(Buffer.from(new Float32Array([0.5, 1.5]).buffer)), true);
    assert.equal(text(outputsOf(nb, 3)).trim(), '2x2 true');
    assert.ok(nb.cells.every((c: Json) => c.execution_count > 0));
  } finally {
    cleanup();
  }
});

test('plain tslab keeps working beside it, and there ntk-lab displays degrade to static outputs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const prefix = join(dir, 'prefix');
    // tslab's own kernelspec, as `tslab install --binary=<absolute path>` would write it.
    const spec = join(prefix, 'share', 'jupyter', 'kernels', 'tslab');
    mkdirSync(spec, { recursive: true });
    const argv = [process.execPath, join(REPO, 'node_modules', 'tslab', 'bin', 'tslab'), 'kernel', '--config-path', '{connection_file}'];
    writeFileSync(join(spec, 'kernel.json'), JSON.stringify({ argv, display_name: 'TypeScript', language: 'typescript' }));
    const install = await run(process.execPath, [join(REPO, 'bin', 'ntk-lab.js'), 'install', '--prefix', prefix], { timeoutMs: 60_000 });
    assert.equal(install.code, 0, install.stderr);
    const listed = await run(python(), ['-m', 'jupyter', 'kernelspec', 'list'], { env: jupyterEnv(prefix, dir), timeoutMs: 60_000 });
    assert.match(listed.stdout, /ntk-lab\s/);
    assert.match(listed.stdout, /tslab\s/);
    const nb = await execute(dir, prefix, 'plain-tslab.ipynb');
    assert.equal(text(outputsOf(nb, 0)).trim(), 'false');
    const html = outputsOf(nb, 1).find((o) => o.output_type === 'display_data');
    assert.equal(joined(html?.data['text/html']), '<b>static</b>');
    const fallback = outputsOf(nb, 2).find((o) => o.output_type === 'display_data');
    assert.deepEqual(Object.keys(fallback?.data ?? {}), ['text/plain']);
    assert.equal(joined(fallback?.data['text/plain']), 'static fallback');
  } finally {
    cleanup();
  }
});
