/**
 * The command line's view of where it runs (src/cli/layout.ts) on folders laid out as a clone and as an installed
 * package: the project and its .venv, whether a notebook folder can import ntk-lab, the installed package's refusal to
 * install without its extension, and `ntk-lab tutorials` copying, keeping and refusing. No npm, no Python.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { InvalidOptionError } from '../../src/errors';
import { checkShippedExtension } from '../../src/cli/install-command';
import { isInstalledPackage, packageRoot, projectRoot, projectVenv, whyNotResolvable } from '../../src/cli/layout';
import { notebookFolder } from '../../src/cli/start-command';
import { copyTutorials } from '../../src/cli/tutorials-command';
import { tempDir } from '../notebooks/helpers';

const { dir: TMP, cleanup } = tempDir('ntk-lab-layout-');
after(cleanup);

/** <TMP>/<name>/node_modules/ntk-lab with a package.json and two notebooks (a fake installed package). */
function fakeProject(name: string, opts: { extension?: boolean } = {}): { project: string; pkg: string } {
  const project = join(TMP, name);
  const pkg = join(project, 'node_modules', 'ntk-lab');
  mkdirSync(join(pkg, 'notebooks'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"name":"ntk-lab","version":"0.0.0"}');
  for (const nb of ['01-a.ipynb', '02-b.ipynb']) writeFileSync(join(pkg, 'notebooks', nb), `{"nb":"${nb}"}`);
  if (opts.extension) {
    mkdirSync(join(pkg, 'widgets', 'labextension'), { recursive: true });
    writeFileSync(join(pkg, 'widgets', 'labextension', 'package.json'), '{}');
  }
  return { project, pkg };
}

test('this repository is a clone: the project is the repository, its venv the clone .venv', () => {
  const root = packageRoot();
  assert.equal(isInstalledPackage(root), false);
  assert.equal(projectRoot(root), root);
  assert.equal(projectVenv(root), join(root, '.venv'));
});

test('an installed package: the project holds its node_modules, the venv is <project>/.venv', () => {
  const { project, pkg } = fakeProject('p1');
  assert.equal(isInstalledPackage(pkg), true);
  assert.equal(projectRoot(pkg), project);
  assert.equal(projectVenv(pkg), join(project, '.venv'));
});

test('a folder resolves ntk-lab when the first node_modules/ntk-lab above it is this package', () => {
  const { project, pkg } = fakeProject('p2');
  assert.equal(whyNotResolvable(join(project, 'notebooks', 'deeper'), pkg), undefined);
  assert.match(whyNotResolvable(join(TMP, 'elsewhere'), pkg) ?? '', /no node_modules\/ntk-lab in .*elsewhere/);
  // A nested project with its own copy shadows the outer one.
  const inner = fakeProject('p2/sub');
  assert.match(whyNotResolvable(join(inner.project, 'nb'), pkg) ?? '', /another copy of ntk-lab/);
  // A link to the package (the clone's notebooks/node_modules/ntk-lab) resolves by real path.
  const linked = join(TMP, 'linked');
  mkdirSync(join(linked, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(linked, 'node_modules', 'ntk-lab'));
  assert.equal(whyNotResolvable(linked, pkg), undefined);
});

test("the clone's notebooks/ resolve ntk-lab (through notebooks/node_modules/ntk-lab); the repository root does not", () => {
  const root = packageRoot();
  assert.equal(whyNotResolvable(join(root, 'notebooks'), root), undefined);
  assert.notEqual(whyNotResolvable(join(root, 'docs'), root), undefined);
});

test('an installed package without widgets/labextension refuses to install; with it, or in a clone, it goes on', () => {
  const bare = fakeProject('p3');
  assert.throws(() => checkShippedExtension(bare.pkg, join(bare.pkg, 'widgets', 'labextension')), (e: unknown) => e instanceof InvalidOptionError && /has no prebuilt widgets extension/.test(e.message));
  const full = fakeProject('p4', { extension: true });
  assert.doesNotThrow(() => checkShippedExtension(full.pkg, join(full.pkg, 'widgets', 'labextension')));
  assert.doesNotThrow(() => checkShippedExtension(packageRoot(), join(TMP, 'no-such-extension')));
});

test('tutorials: copies into a folder of the project, keeps what is there unless overwrite, refuses a folder outside', () => {
  const { project, pkg } = fakeProject('p5');
  const dest = join(project, 'nbs');
  assert.deepEqual(copyTutorials(dest, { root: pkg }).copied, [join(dest, '01-a.ipynb'), join(dest, '02-b.ipynb')]);
  writeFileSync(join(dest, '01-a.ipynb'), 'edited');
  const again = copyTutorials(dest, { root: pkg });
  assert.deepEqual(again, { copied: [], kept: [join(dest, '01-a.ipynb'), join(dest, '02-b.ipynb')] });
  assert.equal(readFileSync(join(dest, '01-a.ipynb'), 'utf8'), 'edited');
  assert.equal(copyTutorials(dest, { root: pkg, overwrite: true }).copied.length, 2);
  assert.equal(readFileSync(join(dest, '01-a.ipynb'), 'utf8'), '{"nb":"01-a.ipynb"}');
  assert.throws(() => copyTutorials(join(TMP, 'outside'), { root: pkg }), (e: unknown) => e instanceof InvalidOptionError && e.message.includes(`below ${project}`));
});

test("start's folder: the one given, else the current folder from an installed package, else the clone's notebooks/", () => {
  const { project, pkg } = fakeProject('p6');
  mkdirSync(join(project, 'work'));
  assert.equal(notebookFolder(undefined, pkg, join(project, 'work')), join(project, 'work'));
  assert.equal(notebookFolder('work', pkg, project), join(project, 'work'));
  assert.equal(notebookFolder(undefined, packageRoot(), TMP), join(packageRoot(), 'notebooks'));
  assert.throws(() => notebookFolder('missing', pkg, project), /no such folder: missing/);
});
