/** The project's Python (.venv, made by scripts/python-venv.sh) for the cross-language and Jupyter tests. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** .venv/bin/python at the repository root, or a loud failure naming what the caller needs from it: these tests must not skip silently. */
export function projectPython(needs: string): string {
  const py = join(resolve(__dirname, '../../..'), '.venv/bin/python');
  if (!existsSync(py)) throw new Error(`${py} is missing: run \`bash scripts/python-venv.sh\` (it installs ${needs})`);
  return py;
}
