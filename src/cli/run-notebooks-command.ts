/**
 * `ntk-lab run-notebooks [paths...] [--out DIR] [--python PY] [--timeout S] [--scale ci|paper|X]`: executes
 * notebooks headless on the ntk-lab kernel with nbclient (the library Jupyter's own `nbconvert --execute` runs),
 * one after the other, and writes the executed copies. A cell that fails stops its notebook and the command
 * reports the notebook, the cell (index, id, first lines of its source) and the error; the exit code is 1 when any
 * notebook failed. Output on stderr from a cell is reported as a warning (`--strict`: as a failure).
 *
 * The kernel needs no prior `ntk-lab install`: the command writes the 'ntk-lab' kernelspec (this package's kernel
 * by absolute paths) into a temporary Jupyter data folder that it puts first on JUPYTER_PATH for the run.
 * Notebooks are executed in their own folder, so their imports resolve as in JupyterLab.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidOptionError } from '../errors';
import { kernelJson, KERNEL_NAME, writeKernelspec } from '../kernel/kernelspec';
import { isInstalledPackage, packageRoot, projectVenv, venvPython } from './layout';

export const RUN_NOTEBOOKS_USAGE = `usage: ntk-lab run-notebooks [paths...] [--out DIR] [--python PY] [--timeout S] [--scale ci|paper|X] [--strict]
  paths          notebooks, or folders of notebooks (default: ./notebooks, else the package's notebooks/)
  --out DIR      where the executed copies go, under the notebooks' names (default: build/notebooks in a clone of
                 the repository; ./executed from an installed package)
  --python PY    the Python with nbclient (default: $NTK_LAB_PYTHON, else the project's .venv, else python3)
  --timeout S    seconds one cell may run (default 600)
  --scale X      sets NTK_LAB_SCALE for the kernels: 'ci' (default sizes, fast), 'paper' (the papers' sizes), or a factor
  --strict       output on a cell's stderr fails the notebook (default: reported as a warning)`;

/** The Python that runs the Jupyter side: --python, $NTK_LAB_PYTHON, the project's .venv (./layout.ts), else python3. */
export function jupyterPython(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.NTK_LAB_PYTHON) return process.env.NTK_LAB_PYTHON;
  const venv = venvPython(projectVenv());
  return existsSync(venv) ? venv : 'python3';
}

/** Where the executed copies go without --out: the clone's build/notebooks; never into an installed package (npm replaces it). */
export function defaultOutDir(cwd: string = process.cwd()): string {
  return isInstalledPackage() ? resolve(cwd, 'executed') : join(packageRoot(), 'build', 'notebooks');
}

/** The notebooks named by `paths` (files as given; folders: their *.ipynb, sorted), or the default folder's. */
export function notebookPaths(paths: readonly string[], cwd = process.cwd()): string[] {
  let args = [...paths];
  if (args.length === 0) {
    const local = join(cwd, 'notebooks');
    args = [existsSync(local) ? local : join(packageRoot(), 'notebooks')];
  }
  const out: string[] = [];
  for (const p of args) {
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) throw new InvalidOptionError(`run-notebooks: no such notebook or folder: ${p}`);
    if (statSync(abs).isDirectory()) {
      const found = readdirSync(abs).filter((f) => f.endsWith('.ipynb')).sort();
      if (found.length === 0) throw new InvalidOptionError(`run-notebooks: no .ipynb files in ${p}`);
      out.push(...found.map((f) => join(abs, f)));
    } else {
      if (!abs.endsWith('.ipynb')) throw new InvalidOptionError(`run-notebooks: ${p} is not a .ipynb notebook`);
      out.push(abs);
    }
  }
  return out;
}

/**
 * A temporary Jupyter data folder holding the 'ntk-lab' kernelspec, and the environment that puts it first on
 * JUPYTER_PATH (other kernelspecs stay visible). Call cleanup() when done.
 */
export function kernelEnvironment(base: NodeJS.ProcessEnv = process.env): { env: NodeJS.ProcessEnv; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ntk-lab-kernelspec-'));
  writeKernelspec(join(dir, 'kernels'), kernelJson());
  const env = { ...base, JUPYTER_PATH: [dir, base.JUPYTER_PATH].filter(Boolean).join(delimiter) };
  return { env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What the Python runner reports, one JSON object per line. */
type Event =
  | { event: 'start'; notebook: string; cells: number }
  | { event: 'cell'; notebook: string; index: number; id: string; seconds: number }
  | { event: 'warning'; notebook: string; index: number; id: string; text: string }
  | { event: 'done'; notebook: string; out: string; seconds: number; ok: boolean }
  | { event: 'error'; notebook: string; index: number; id: string; source: string; ename: string; evalue: string; traceback: string }
  | { event: 'fatal'; message: string };

/** Result of one notebook. */
export interface NotebookRun {
  notebook: string;
  out: string;
  seconds: number;
  ok: boolean;
  /** Per code cell: index, id and seconds. */
  cells: { index: number; id: string; seconds: number }[];
  warnings: string[];
  error?: { index: number; id: string; source: string; ename: string; evalue: string; traceback: string };
}

/** Options of runNotebooks(). */
export interface RunNotebooksOptions {
  outDir: string;
  python?: string;
  /** Seconds per cell (default 600). */
  timeout?: number;
  /** NTK_LAB_SCALE for the kernels (default: left as it is in the environment). */
  scale?: string;
  strict?: boolean;
  /** Called with each line of progress. */
  log?: (line: string) => void;
  /** Stops the run (the Python runner and its kernel). */
  signal?: AbortSignal;
}

// The runner: nbclient, one kernel per notebook, events as JSON lines on stdout. Python 3.8+.
const RUNNER = String.raw`
import json, os, sys, time
cfg = json.loads(sys.argv[1])
def emit(**kw):
    sys.stdout.write(json.dumps(kw) + "\n"); sys.stdout.flush()
try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
except Exception as e:
    emit(event="fatal", message="%s: %s (the Python needs nbclient and nbformat: pip install nbclient, or let 'ntk-lab start' make the project's .venv with them)" % (type(e).__name__, e))
    sys.exit(3)

def text_of(v):
    return "".join(v) if isinstance(v, list) else (v or "")

failed = 0
for job in cfg["jobs"]:
    src, dst = job["src"], job["dst"]
    nb = nbformat.read(src, as_version=4)
    emit(event="start", notebook=src, cells=len(nb.cells))
    state = {"index": -1, "t": 0.0}
    def on_start(cell, cell_index):
        state["index"] = cell_index; state["t"] = time.time()
    def on_done(cell, cell_index, execute_reply):
        emit(event="cell", notebook=src, index=cell_index, id=cell.get("id", ""), seconds=time.time() - state["t"])
    client = NotebookClient(nb, kernel_name=cfg["kernel"], timeout=cfg["timeout"], startup_timeout=cfg["startup"],
                            resources={"metadata": {"path": os.path.dirname(src)}}, record_timing=True,
                            on_cell_start=on_start, on_cell_executed=on_done)
    t0 = time.time()
    ok = True
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        ok = False
        i = state["index"]
        cell = nb.cells[i] if 0 <= i < len(nb.cells) else {}
        ename = getattr(e, "ename", type(e).__name__)
        evalue = getattr(e, "evalue", str(e))
        tb = getattr(e, "traceback", "")
        if isinstance(e, CellExecutionError):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                ename, evalue, tb = errors[0].get("ename", ename), errors[0].get("evalue", evalue), "\n".join(errors[0].get("traceback", []))
            else:
                # tslab reports compile errors on stderr with an error reply and no error output.
                err = "".join(text_of(o.get("text")) for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr")
                evalue, tb = (err.strip() or evalue), ""
        emit(event="error", notebook=src, index=i, id=cell.get("id", ""), source=text_of(cell.get("source", "")),
             ename=str(ename), evalue=str(evalue), traceback=str(tb))
    except Exception as e:
        ok = False
        emit(event="error", notebook=src, index=state["index"], id="", source="", ename=type(e).__name__, evalue=str(e), traceback="")
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                emit(event="warning", notebook=src, index=i, id=cell.get("id", ""), text=text_of(out.get("text")))
            elif out.get("output_type") == "error" and ok:
                ok = False
                emit(event="error", notebook=src, index=i, id=cell.get("id", ""), source=text_of(cell.get("source", "")),
                     ename=out.get("ename", ""), evalue=out.get("evalue", ""), traceback="\n".join(out.get("traceback", [])))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    nbformat.write(nb, dst)
    emit(event="done", notebook=src, out=dst, seconds=time.time() - t0, ok=ok)
    failed += 0 if ok else 1
sys.exit(1 if failed else 0)
`;

/** Strips ANSI colour codes (tracebacks from kernels carry them). */
function plain(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
}

/** Executes `notebooks` in order (see the file comment); resolves to one result per notebook started. */
export async function runNotebooks(notebooks: readonly string[], opts: RunNotebooksOptions): Promise<NotebookRun[]> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const timeout = opts.timeout ?? 600;
  if (!(Number.isFinite(timeout) && timeout > 0)) throw new InvalidOptionError(`run-notebooks: --timeout must be a positive number of seconds, got ${timeout}`);
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const names = new Set<string>();
  const jobs = notebooks.map((src) => {
    const name = basename(src);
    if (names.has(name)) throw new InvalidOptionError(`run-notebooks: two notebooks named ${name}; run them with different --out folders`);
    names.add(name);
    const dst = join(outDir, name);
    if (resolve(src) === dst) throw new InvalidOptionError(`run-notebooks: --out would overwrite ${src} itself`);
    return { src: resolve(src), dst };
  });
  const { env, cleanup } = kernelEnvironment();
  if (opts.scale !== undefined) env.NTK_LAB_SCALE = opts.scale;
  const cfg = { jobs, kernel: KERNEL_NAME, timeout, startup: 120 };
  const results = new Map<string, NotebookRun>();
  const python = jupyterPython(opts.python);
  let stderr = '';
  let fatal: string | undefined;
  try {
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(python, ['-c', RUNNER, JSON.stringify(cfg)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const stop = (): void => {
        if (child.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
      };
      opts.signal?.addEventListener('abort', stop, { once: true });
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('{')) handle(JSON.parse(line) as Event);
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
      });
      child.on('error', (e) => fail(new InvalidOptionError(`run-notebooks: could not run ${python}: ${e.message} (give --python)`)));
      child.on('close', (c) => {
        opts.signal?.removeEventListener('abort', stop);
        done(c);
      });
    });
    if (fatal) throw new InvalidOptionError(`run-notebooks: ${fatal}`);
    const tail = stderr.trim().split('\n').slice(-20).join('\n');
    if (code !== 0 && code !== 1 && results.size === 0) {
      throw new InvalidOptionError(`run-notebooks: the runner (${python}) exited with ${code}${tail ? `:\n${tail}` : ''}`);
    }
    for (const r of results.values()) {
      if (r.out || r.error) continue;
      // Started but never finished: the runner was stopped or died.
      r.error = { index: -1, id: '', source: '', ename: 'RunnerExited', evalue: `the runner exited with ${code} before the notebook finished`, traceback: tail };
      log(`${r.notebook}: FAILED: the runner exited with ${code} before it finished${tail ? `\n${tail}` : ''}`);
    }
  } finally {
    cleanup();
  }
  return [...results.values()];

  function handle(e: Event): void {
    const rel = (p: string): string => (p.startsWith(process.cwd() + '/') ? p.slice(process.cwd().length + 1) : p);
    switch (e.event) {
      case 'fatal':
        fatal = e.message;
        break;
      case 'start':
        results.set(e.notebook, { notebook: e.notebook, out: '', seconds: 0, ok: false, cells: [], warnings: [] });
        log(`${rel(e.notebook)}: running ${e.cells} cells on the ${KERNEL_NAME} kernel`);
        break;
      case 'cell':
        results.get(e.notebook)?.cells.push({ index: e.index, id: e.id, seconds: e.seconds });
        break;
      case 'warning': {
        const r = results.get(e.notebook);
        const text = `cell ${e.index}${e.id ? ` (${e.id})` : ''} wrote to stderr: ${e.text.trim().split('\n').slice(0, 5).join(' | ')}`;
        r?.warnings.push(text);
        log(`  ${opts.strict ? 'error' : 'warning'}: ${text}`);
        break;
      }
      case 'error': {
        const r = results.get(e.notebook);
        if (r) r.error = { index: e.index, id: e.id, source: e.source, ename: e.ename, evalue: e.evalue, traceback: plain(e.traceback) };
        const src = e.source.split('\n').slice(0, 6).map((l) => `    | ${l}`).join('\n');
        log(`${rel(e.notebook)}: FAILED in cell ${e.index}${e.id ? ` (id ${e.id})` : ''}:\n${src}\n  ${e.ename}: ${plain(e.evalue)}`);
        const tb = plain(e.traceback).trim();
        if (tb) log(tb.split('\n').slice(0, 15).map((l) => `    ${l}`).join('\n'));
        break;
      }
      case 'done': {
        const r = results.get(e.notebook);
        if (!r) break;
        r.out = e.out;
        r.seconds = e.seconds;
        r.ok = e.ok && !(opts.strict && r.warnings.length > 0);
        log(`${rel(e.notebook)}: ${r.ok ? 'ok' : 'FAILED'} in ${e.seconds.toFixed(1)} s -> ${rel(e.out)}`);
        break;
      }
    }
  }
}

/** The command: parses the options, runs, prints a summary; 0 when every notebook ran clean. */
export async function runNotebooksCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      python: { type: 'string' },
      timeout: { type: 'string' },
      scale: { type: 'string' },
      strict: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  const notebooks = notebookPaths(positionals);
  const outDir = values.out ?? defaultOutDir();
  const controller = new AbortController();
  // Ctrl-C or SIGTERM stops the runner and its kernel (then the command reports what did not finish).
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    const runs = await runNotebooks(notebooks, {
      outDir,
      python: values.python,
      timeout: values.timeout === undefined ? undefined : Number(values.timeout),
      scale: values.scale,
      strict: values.strict,
      signal: controller.signal,
    });
    const failed = runs.filter((r) => !r.ok);
    const missing = notebooks.filter((n) => !runs.some((r) => r.notebook === n));
    console.log(`run-notebooks: ${runs.length - failed.length} of ${notebooks.length} ran clean${failed.length ? `; failed: ${failed.map((r) => basename(r.notebook)).join(', ')}` : ''}${missing.length ? `; not run: ${missing.map((m) => basename(m)).join(', ')}` : ''}`);
    return failed.length || missing.length ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
  }
}
