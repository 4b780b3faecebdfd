/**
 * `ntk-lab tutorials <folder> [--overwrite]`: copies the package's tutorial notebooks (notebooks/*.ipynb, shipped
 * with the package) into a folder of the user's project, where they run as they are (they import 'ntk-lab').
 *
 * The kernel resolves a notebook's imports from the notebook's folder, as Node does: walking up to the first
 * node_modules/ntk-lab. A folder from which that is not this package (outside the project that installed it) would
 * give notebooks whose every cell fails, so the command refuses it and names the project instead. Notebooks already
 * in the folder are kept (they may hold the user's edits) unless --overwrite.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidOptionError } from '../errors';
import { isInstalledPackage, packageRoot, projectRoot, whyNotResolvable } from './layout';

export const TUTORIALS_USAGE = `usage: ntk-lab tutorials <folder> [--overwrite]
  copies the tutorial notebooks into <folder> (made if missing), which must be below the folder holding the
  node_modules with ntk-lab (so that the notebooks can import it); then: npx ntk-lab start <folder>
  --overwrite    replace notebooks of the same name (default: keep them)`;

/** The tutorials this package ships, sorted by name. */
export function tutorialFiles(root: string = packageRoot()): string[] {
  const dir = join(root, 'notebooks');
  if (!existsSync(dir)) throw new InvalidOptionError(`tutorials: this ntk-lab package has no notebooks/ folder (${dir})`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort();
  if (files.length === 0) throw new InvalidOptionError(`tutorials: no .ipynb files in ${dir}`);
  return files.map((f) => join(dir, f));
}

/** Copies the tutorials into `folder`; returns what was copied and what was kept. */
export function copyTutorials(folder: string, opts: { overwrite?: boolean; root?: string } = {}): { copied: string[]; kept: string[] } {
  const root = opts.root ?? packageRoot();
  const target = resolve(folder);
  const why = whyNotResolvable(target, root);
  if (why) {
    throw new InvalidOptionError(
      `tutorials: notebooks in ${target} could not import 'ntk-lab' (${why}): the kernel resolves imports from the notebook's folder, `
      + `so choose a folder below ${projectRoot(root)}${isInstalledPackage(root) ? ' (the project that installed ntk-lab)' : ''}`,
    );
  }
  const sources = tutorialFiles(root);
  if (dirname(sources[0]) === target) throw new InvalidOptionError(`tutorials: ${target} is the package's own notebooks/ folder`);
  mkdirSync(target, { recursive: true });
  const copied: string[] = [];
  const kept: string[] = [];
  for (const src of sources) {
    const dst = join(target, basename(src));
    if (existsSync(dst) && !opts.overwrite) {
      kept.push(dst);
      continue;
    }
    copyFileSync(src, dst);
    copied.push(dst);
  }
  return { copied, kept };
}

/** The command. */
export async function tutorialsCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { overwrite: { type: 'boolean' } }, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new InvalidOptionError(`tutorials: give one folder\n${TUTORIALS_USAGE}`);
  const { copied, kept } = copyTutorials(positionals[0], { overwrite: values.overwrite });
  const shown = (p: string): string => relative(process.cwd(), p) || p;
  for (const c of copied) out(`copied ${shown(c)}`);
  for (const k of kept) out(`kept ${shown(k)} (already there; --overwrite replaces it)`);
  out(`open them in JupyterLab: npx ntk-lab start ${shown(resolve(positionals[0]))}; run them headless: npx ntk-lab run-notebooks ${shown(resolve(positionals[0]))}`);
  return 0;
}
