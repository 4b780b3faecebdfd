/**
 * Issue 15, part 5: the documentation is executed. Every ```ts / ```typescript block of README.md and docs/*.md
 * is a complete program: it is type-checked with tslab's TypeScript (5.0, strict, Node10 resolution, as a notebook
 * cell is) from a folder whose node_modules/ntk-lab is this repository, importing only 'ntk-lab' and its subpaths,
 * then transpiled and run with node, which must exit 0 within a time limit. A block preceded by
 * `<!-- example: compile-only (why) -->` is type-checked but not run (it needs the ntk-lab kernel, say); blocks
 * that are not TypeScript programs (shell, output) use another fence language.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import type * as TS from '@tslab/typescript-for-tslab';
import { notebookFolder, REPO, run, tempDir } from '../kernel/helpers';

// The TypeScript that notebook cells are compiled with (tslab's own dependency).
const ts = createRequire(require.resolve('tslab/package.json'))('@tslab/typescript-for-tslab') as typeof TS;

/** Seconds one example may run (each is sized to run in a few seconds on 2 shared cores). */
const RUN_LIMIT_S = 90;

interface Example {
  /** 'docs/theory.md:8' — the file and the line of the opening fence. */
  where: string;
  /** Line of the first code line in the markdown file (1-based). */
  firstLine: number;
  code: string;
  mode: 'run' | 'compile-only';
}

const MARKER = /^<!--\s*example:\s*([a-z-]+)(?:\s+\(([^)]*)\))?\s*-->$/;

/** The TypeScript blocks of one markdown file, with the marker (if any) on the last non-empty line before each. */
function examplesOf(path: string): Example[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```\s*(\S*)/.exec(lines[i]);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    assert.ok(end < lines.length, `${path}:${i + 1}: unterminated code block`);
    const lang = open[1].toLowerCase();
    let prev = i - 1;
    while (prev >= 0 && lines[prev].trim() === '') prev--;
    const marker = prev >= 0 ? MARKER.exec(lines[prev].trim()) : null;
    if (lang === 'ts' || lang === 'typescript') {
      let mode: Example['mode'] = 'run';
      if (marker) {
        assert.equal(marker[1], 'compile-only', `${path}:${prev + 1}: unknown example marker '${marker[1]}'`);
        assert.ok(marker[2] && marker[2].trim().length > 0, `${path}:${prev + 1}: a compile-only marker says why: <!-- example: compile-only (reason) -->`);
        mode = 'compile-only';
      }
      out.push({ where: `${relative(REPO, path)}:${i + 1}`, firstLine: i + 2, code: lines.slice(i + 1, end).join('\n') + '\n', mode });
    } else {
      assert.equal(marker, null, `${path}:${prev + 1}: an example marker before a '${lang}' block`);
    }
    i = end;
  }
  return out;
}

const DOCS = [join(REPO, 'README.md'), ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join(REPO, 'docs', f))];
const EXAMPLES = DOCS.flatMap(examplesOf);

/** tslab's cell options (docs/kernel.md), strict, with Node's types. */
function options(dir: string): TS.CompilerOptions {
  return {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    strict: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
    rootDir: dir,
  };
}

/** A diagnostic as 'docs/x.md:LINE: message' (the markdown line of the example). */
function describe(d: TS.Diagnostic, files: Map<string, Example>): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  const ex = d.file ? files.get(d.file.fileName) : undefined;
  if (!d.file || !ex || d.start === undefined) return `${d.file?.fileName ?? ''}: ${text}`;
  const { line } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${ex.where.split(':')[0]}:${ex.firstLine + line}: ${text}`;
}

/** The example as a CommonJS script: its top-level awaits run inside one async function, errors exit 1. */
function script(code: string): string {
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  return `"use strict";\n(async () => {\n${js}\n})().catch((e) => {\n  console.error(e && e.stack ? e.stack : e);\n  process.exitCode = 1;\n});\n`;
}

test('the docs hold TypeScript examples, each a program that imports ntk-lab through its public entries', () => {
  assert.ok(EXAMPLES.length >= 7, `only ${EXAMPLES.length} examples found`);
  for (const file of ['README.md', 'docs/theory.md', 'docs/widgets.md', 'docs/kernel.md', 'docs/arrow-schemas.md', 'docs/predict.md', 'docs/one-step.md']) {
    assert.ok(EXAMPLES.some((e) => e.where.startsWith(`${file}:`)), `no TypeScript example in ${file}`);
  }
  const entries = new Set(['ntk-lab', 'ntk-lab/spectra', 'ntk-lab/theory', 'ntk-lab/arrow', 'ntk-lab/one-step', 'ntk-lab/linalg', 'ntk-lab/notebook', 'ntk-lab/tiles', 'ntk-lab/data']);
  for (const e of EXAMPLES) {
    const specs = [...e.code.matchAll(/\bfrom\s+'([^']+)'/g)].map((m) => m[1]);
    assert.ok(specs.some((s) => s.startsWith('ntk-lab')), `${e.where}: imports nothing from ntk-lab`);
    for (const s of specs) {
      if (s.startsWith('ntk-lab') || s.startsWith('.')) assert.ok(entries.has(s), `${e.where}: imports '${s}', not a public entry of ntk-lab`);
    }
  }
});

test('markers: compile-only needs a reason, unknown markers and markers before other languages are refused', () => {
  const { dir, cleanup } = tempDir('ntk-lab-docs-markers-');
  try {
    const md = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const ts1 = "```ts\nimport { VERSION } from 'ntk-lab';\n```\n";
    const found = examplesOf(md('ok.md', `# x\n\n${ts1}\n<!-- example: compile-only (needs the ntk-lab kernel) -->\n\n${ts1}\n\`\`\`sh\nls\n\`\`\`\n`));
    assert.deepEqual(found.map((e) => [e.mode, e.firstLine]), [['run', 4], ['compile-only', 10]]);
    assert.throws(() => examplesOf(md('no-reason.md', `<!-- example: compile-only -->\n${ts1}`)), /says why/);
    assert.throws(() => examplesOf(md('unknown.md', `<!-- example: skip (slow) -->\n${ts1}`)), /unknown example marker/);
    assert.throws(() => examplesOf(md('sh.md', '<!-- example: compile-only (x) -->\n```sh\nls\n```\n')), /marker before a 'sh' block/);
  } finally {
    cleanup();
  }
});

test(`every example type-checks with tslab's TypeScript ${ts.version} (strict, Node10), and the runnable ones exit 0 within ${RUN_LIMIT_S} s`, async (t) => {
  const { dir: root, cleanup } = tempDir('ntk-lab-docs-');
  try {
    // As a project that installed ntk-lab: node_modules/ntk-lab (this repository) beside its dependencies.
    const dir = notebookFolder(root);
    const files = new Map<string, Example>();
    EXAMPLES.forEach((e, i) => {
      const file = join(dir, `example-${i}.ts`);
      writeFileSync(file, e.code);
      files.set(file, e);
    });
    const program = ts.createProgram([...files.keys()], options(dir));
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || files.has(d.file.fileName));
    assert.equal(diagnostics.map((d) => describe(d, files)).join('\n'), '', 'examples that do not compile');
    assert.ok(ts.version.startsWith('5.0.'), `tslab's TypeScript is ${ts.version}`);

    for (const [file, e] of files) {
      if (e.mode === 'compile-only') {
        t.diagnostic(`${e.where}: compile-only`);
        continue;
      }
      const js = file.replace(/\.ts$/, '.js');
      writeFileSync(js, script(e.code));
      // Run in the example's folder, so that files it writes ('ntk.arrow') land in the temp folder.
      const r = await run(process.execPath, [js], { cwd: dir, env: { ...process.env }, timeoutMs: RUN_LIMIT_S * 1000 });
      const printed = r.stdout.trim().split('\n').filter((l) => l.trim() && !/TensorFlow\.js in Node\.js|^=+$/.test(l));
      t.diagnostic(`${e.where}: exit ${r.code ?? r.signal} in ${(r.ms / 1000).toFixed(1)} s; printed: ${printed.slice(-3).join(' | ').slice(0, 400)}`);
      assert.ok(r.signal === null, `${e.where}: killed after ${RUN_LIMIT_S} s (${r.signal})\n${r.stdout}\n${r.stderr}`);
      assert.equal(r.code, 0, `${e.where} failed:\n${r.stdout}\n${r.stderr}`);
    }
  } finally {
    cleanup();
  }
});
