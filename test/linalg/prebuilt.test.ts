/**
 * The prebuilt addon that ships in the npm package (prebuilds/<platform>-<arch>/, made by
 * scripts/prebuild-native.js): it must need no OpenBLAS on the user's machine, compute what the TypeScript
 * fallback computes, and, when no addon can load, the fallback must say once why and what to install.
 *
 * "A machine without OpenBLAS" is made for one child process with a private mount namespace in which the
 * system's libopenblas (and, for the last case, the prebuilt binary too) is replaced by an empty file; the
 * source build, which links the system's library, is then shown to fail there, so the test cannot pass by
 * not hiding anything. Where `unshare` is not permitted those cases skip; the ELF dependency check always runs.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { PLATFORM_KEY } from '../../src/linalg/native';

const root = path.resolve(__dirname, '..', '..', '..');
const prebuilt = path.join(root, 'prebuilds', PLATFORM_KEY, 'ntk_linalg.node');
const sourceBuild = path.join(root, 'build', 'Release', 'ntk_linalg.node');
const linalgDir = path.join(root, 'build', 'src', 'linalg');
const missing = fs.existsSync(prebuilt) ? false : `no prebuilt addon for ${PLATFORM_KEY} (npm run prebuild:native)`;
// CI builds the prebuilt addon before the tests: there a missing one is a failure, not a skip.
const skipPrebuilt = missing && !process.env.CI ? missing : false;

/** The real file behind the system's libopenblas.so.0, if this machine has one. */
function systemOpenblas(): string | undefined {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
  for (const d of dirs) {
    const f = path.join(d, 'libopenblas.so.0');
    if (fs.existsSync(f)) return fs.realpathSync(f);
  }
  return undefined;
}

const canUnshare = spawnSync('unshare', ['--mount', 'sh', '-c', 'mount --bind /dev/null /dev/null'], { stdio: 'ignore' }).status === 0;
const skipHidden = skipPrebuilt || (canUnshare ? false : 'unshare --mount is not permitted here (needs root)');

interface ChildResult {
  status: number | null;
  stdout: string;
  stderr: string;
  out: Record<string, unknown>;
}

/** Runs `script` in a child Node whose view of the files in `hide` is an empty file. */
function childWithout(hide: string[], script: string, env: Record<string, string> = {}): ChildResult {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('NTK_LINALG')) base[k] = v;
  const mounts = hide.map((f) => `mount --bind /dev/null '${f}'`).join(' && ');
  const cmd = `${mounts ? mounts + ' && ' : ''}exec '${process.execPath}' -e "$NTK_TEST_SCRIPT"`;
  const r = spawnSync('unshare', ['--mount', 'sh', '-c', cmd], { env: { ...base, ...env, NTK_TEST_SCRIPT: script }, encoding: 'utf8' });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let out: Record<string, unknown> = {};
  try {
    out = JSON.parse(last) as Record<string, unknown>;
  } catch {
    // left empty: the assertions below show stdout/stderr
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out };
}

/** Products, an eigen-decomposition and a solve on seeded data, on the addon and then on the fallback. */
const COMPARE = `
  const L = require(${JSON.stringify(linalgDir)});
  const B = require(${JSON.stringify(path.join(linalgDir, 'backend'))});
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const fill = (n) => Float64Array.from({ length: n }, rnd);
  const a = L.matrix(50, 40, fill(2000)), b = L.matrix(40, 30, fill(1200));
  const g = L.gram(L.matrix(60, 80, fill(4800))), rhs = L.matrix(60, 2, fill(120));
  const run = () => {
    const p = L.matmul(a, b).data, e = L.eigh(g).values;
    const spd = L.matrix(60, 60, Float64Array.from(g.data, (v, i) => v + (i % 61 === 0 ? 1 : 0)));
    const x = L.solvePositiveDefinite(spd, rhs).data;
    return [...p, ...e, ...x];
  };
  const info = L.linalgInfo();
  const nat = run();
  B.selectImplementation('fallback');
  const ref = run();
  let err = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) { err = Math.max(err, Math.abs(nat[i] - ref[i])); scale = Math.max(scale, Math.abs(ref[i])); }
  let sourceError = null;
  try { require(${JSON.stringify(sourceBuild)}); } catch (e) { sourceError = e.message; }
  console.log(JSON.stringify({ info, relErr: err / scale, sourceError }));`;

const INFO = `
  const L = require(${JSON.stringify(linalgDir)});
  try { console.log(JSON.stringify({ info: L.linalgInfo() })); }
  catch (e) { console.log(JSON.stringify({ error: e.name, message: e.message })); }`;

describe('the prebuilt addon', { skip: skipPrebuilt }, () => {
  it('exists for this platform in prebuilds/ (CI builds it before the tests)', () => {
    assert.ok(fs.existsSync(prebuilt), `${prebuilt} is missing: npm run prebuild:native`);
  });

  it('needs no OpenBLAS, gfortran, BLAS or LAPACK shared library (ELF DT_NEEDED)', () => {
    const r = spawnSync('readelf', ['-d', prebuilt], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const needed = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    assert.ok(needed.includes('libc.so.6'), `readelf found no dependencies at all: ${r.stdout}`);
    assert.deepEqual(needed.filter((n) => /blas|lapack|gfortran|quadmath/.test(n)), [], `NEEDED: ${needed.join(', ')}`);
    const info = JSON.parse(fs.readFileSync(path.join(path.dirname(prebuilt), 'build-info.json'), 'utf8')) as { openblas: string; glibc: string };
    assert.match(info.openblas, /DYNAMIC_ARCH/);
    assert.match(info.glibc, /^2\.\d+$/);
  });

  it('with the system OpenBLAS hidden, loads, reports itself and agrees with the TypeScript fallback', { skip: skipHidden }, () => {
    const lib = systemOpenblas();
    const r = childWithout(lib ? [lib] : [], COMPARE);
    assert.equal(r.status, 0, r.stderr);
    const info = r.out.info as { implementation: string; blas: string; addon?: { origin: string; openblas: string; file: string } };
    assert.equal(info.implementation, 'openblas', r.stdout + r.stderr);
    assert.equal(info.addon?.origin, 'prebuilt');
    assert.equal(info.addon?.openblas, 'static');
    assert.equal(info.addon?.file, prebuilt);
    assert.match(info.blas, /DYNAMIC_ARCH/);
    assert.ok(Number(r.out.relErr) < 1e-10, `relative difference to the fallback ${String(r.out.relErr)}`);
    // The hiding is real: a source build linked to the system's library cannot load in that namespace.
    if (lib && fs.existsSync(sourceBuild)) assert.match(String(r.out.sourceError), /libopenblas/);
    assert.equal(r.stderr, '');
  });

  it('with no loadable addon: falls back with one notice naming the cause and the package to install; NTK_LINALG=native raises', { skip: skipHidden }, () => {
    const lib = systemOpenblas();
    const hide = [...(lib ? [lib] : []), prebuilt];
    const auto = childWithout(hide, INFO);
    assert.equal(auto.status, 0, auto.stderr);
    assert.equal((auto.out.info as { implementation: string }).implementation, 'fallback');
    const lines = auto.stderr.trim().split('\n');
    assert.equal(lines.length, 1, auto.stderr);
    assert.match(lines[0], /TypeScript fallback/);
    assert.match(lines[0], /the prebuilt addon \S+ntk_linalg\.node failed to load: it is not an ELF shared library/);
    if (lib && fs.existsSync(sourceBuild)) assert.match(lines[0], /the source addon \S+ failed to load: .*libopenblas/);
    assert.match(lines[0], /To fix: the prebuilt addon runs on linux-x64 with glibc >= 2\.\d+; elsewhere install OpenBLAS with its headers \(Debian\/Ubuntu: apt-get install libopenblas-dev; Fedora\/RHEL: dnf install openblas-devel\) and run `npx ntk-lab build-native`/);
    const native = childWithout(hide, INFO, { NTK_LINALG: 'native' });
    assert.equal(native.out.error, 'BackendUnavailableError', native.stdout + native.stderr);
    assert.match(String(native.out.message), /NTK_LINALG=native but .*To fix: .*libopenblas-dev/);
  });

  it('a binary for another architecture is named as such, not as a missing file', { skip: skipPrebuilt }, () => {
    const foreign = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-foreign-')), 'ntk_linalg.node');
    const bytes = fs.readFileSync(prebuilt).subarray(0, 1 << 16);
    const other = process.arch === 'arm64' ? 0x3e : 0xb7;
    bytes.writeUInt16LE(other, 18); // e_machine
    fs.writeFileSync(foreign, bytes);
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('NTK_LINALG')) base[k] = v;
    const r = spawnSync(process.execPath, ['-e', INFO], { env: { ...base, NTK_LINALG_ADDON: foreign }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`failed to load: it is built for ${process.arch === 'arm64' ? 'x64' : 'arm64'}, this Node is ${process.arch}`));
    assert.match(r.stderr, /To fix: point NTK_LINALG_ADDON at a loadable ntk_linalg\.node, or unset it/);
    fs.rmSync(path.dirname(foreign), { recursive: true, force: true });
  });
});
