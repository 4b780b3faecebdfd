/**
 * The N-API addon's surface (src/linalg/native/linalg.cc), as TypeScript sees it, and how it is found.
 * The addon is deliberately thin: callers allocate every output array, validate every shape, and turn
 * LAPACK's info into errors (./lapackErrors.ts); the addon re-checks lengths only so that no input can
 * make it touch memory out of bounds. Each routine takes a trailing `async` flag: false runs on the
 * calling thread in the caller's arrays and returns LAPACK's info; true queues the work on libuv's thread
 * pool on addon-owned copies and returns a Promise of { info, outputs } (AsyncResult).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FloatArray } from './matrix';

/**
 * What an async call resolves to: LAPACK's info and the arrays it allocated, in the order of the routine's output
 * arguments the caller passed as null. What an async call reads is copied before it returns (JavaScript runs
 * meanwhile and could change, detach or shrink it); an output the caller passes (gemm's and syrk's c: the NTK's
 * reused scratch blocks) is written in place, kept alive, and refused when resizable or shared
 * (src/linalg/native/staging.h).
 */
export interface AsyncResult {
  info: number;
  outputs: FloatArray[];
}

export interface NativeAddon {
  /** C (m x n) = alpha op(A) op(B) via cblas_?gemm (row-major); precision from the arrays (all equal). Async outputs: [c]. */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: FloatArray, b: FloatArray, c: FloatArray, async: false): number;
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: FloatArray, b: FloatArray, c: FloatArray | null, async: true): Promise<AsyncResult>;
  /** Float32, sync: c[t] (m x n) = alpha op(a[t]) op(b[t]) for t < batch, a[t] from t strideA (0: broadcast), b likewise, c packed. */
  gemmBatched(transA: boolean, transB: boolean, batch: number, m: number, n: number, k: number, alpha: number, a: Float32Array, strideA: number, b: Float32Array, strideB: number, c: Float32Array): void;
  /** C (n x n, both triangles) = alpha A A^T (A n x k) or alpha A^T A (A k x n, trans) via cblas_?syrk. Async outputs: [c]. */
  syrk(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, c: FloatArray, async: false): number;
  syrk(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, c: FloatArray | null, async: true): Promise<AsyncResult>;
  /**
   * dsyevd: w <- eigenvalues of the symmetric a (n x n; LAPACK reads its row-major upper triangle); with vectors, a <- row-major
   * eigenvectors (column j pairs with w[j]). Async outputs: [vectors, w] with vectors, [w] without (a is read, not written).
   */
  syevd(n: number, a: Float64Array, w: Float64Array, vectors: boolean, async: false): number;
  syevd(n: number, a: Float64Array, w: null, vectors: boolean, async: true): Promise<AsyncResult>;
  /**
   * dsyevr (upper triangle read, as syevd), eigenvalues il..iu (1-based, inclusive) into w; eigenvectors into z (n x m row-major)
   * unless z is null. `a` is destroyed (sync). Async: z is true (vectors wanted) or null; outputs [w, z?].
   */
  syevr(n: number, a: Float64Array, il: number, iu: number, w: Float64Array, z: Float64Array | null, async: false): number;
  syevr(n: number, a: Float64Array, il: number, iu: number, w: null, z: true | null, async: true): Promise<AsyncResult>;
  /** dpotrf: a <- lower Cholesky factor L (row-major; upper triangle zeroed). Async outputs: [L] (a is read). */
  potrf(n: number, a: Float64Array, async: false): number;
  potrf(n: number, a: Float64Array, async: true): Promise<AsyncResult>;
  /** Solves L L^T X = B with two dtrsm calls; x (n x nrhs row-major) holds B on entry, X on return. Async outputs: [X] (x is read). */
  potrs(n: number, nrhs: number, l: Float64Array, x: Float64Array, async: false): number;
  potrs(n: number, nrhs: number, l: Float64Array, x: Float64Array, async: true): Promise<AsyncResult>;
  /** dgesdd (thin): a (m x n, destroyed when sync) = u (m x p) diag(s) vt (p x n), p = min(m, n). Async outputs: [s, u, vt]. */
  gesdd(m: number, n: number, a: Float64Array, s: Float64Array, u: Float64Array, vt: Float64Array, async: false): number;
  gesdd(m: number, n: number, a: Float64Array, s: null, u: null, vt: null, async: true): Promise<AsyncResult>;
  /** Index of the first NaN/Infinity in x, or -1. */
  firstNonFinite(x: FloatArray): number;
  /**
   * eigh's and spectrum()'s input checks on the n x n array a: code 0 = all finite (and symmetric within
   * relTol * maxAbs when relTol >= 0), 1 = a[index] is not finite, 2 = a[index] differs from its mirror image.
   */
  inspectSymmetric(a: FloatArray, n: number, relTol: number): { code: 0 | 1 | 2; index: number; maxAbs: number };
  /** What OpenBLAS reports about itself. */
  blasInfo(): { config: string; corename: string; threads: number; linkage: 'static' | 'shared' };

  // The explicit NTK's elementwise passes (src/ntk/native/elementwise.cc; wrapped by src/ntk/explicit/elementwise.ts).
  /** z <- phi(z + bm b), slope <- phi'(z + bm b) (b per column; null: none); kind 0 linear, 1 relu, 2 tanh, 3 sigmoid. */
  biasActivation(kind: number, z: Float32Array, slope: Float32Array, cols: number, b: Float32Array | null, bm: number): void;
  /** d[(i k + a) cols + j] *= slope[i cols + j] for i < n, a < k, j < cols. */
  multiplyRows(d: Float32Array, slope: Float32Array, n: number, k: number, cols: number): void;
  /** total[p] += dg[p] (m2 hg[p] + bm2) (without dg: m2 hg[p] + bm2) over a rows x cols block, only j <= i when lower. */
  accumulateLayer(total: Float32Array, dg: Float32Array | null, hg: Float32Array, m2: number, bm2: number, rows: number, cols: number, lower: boolean): void;
  /** Copies the lower triangle of the R x R x onto its upper triangle. */
  mirrorLower32(x: Float32Array, R: number): void;
  // The autodiff route's passes (src/ntk/jacobian/ops: geometry.ts, bias-activation.ts).
  /** Patches of one example (x from offset) into out from outOffset; window = [inH, inW, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW]. */
  im2col(window: Int32Array, x: Float32Array, offset: number, out: Float32Array, outOffset: number): void;
  /** y[q] += alpha x[q] for q < n (double arithmetic, as src/ntk/jacobian/ops/channels.ts). */
  axpy(n: number, alpha: number, x: Float32Array, y: Float32Array): void;
  /** y[r, c] = x[r, c] a[c] + b[c] over [rows, C] (b null: no shift); y may be x. */
  channelAffine(x: Float32Array, rows: number, C: number, a: Float32Array, b: Float32Array | null, y: Float32Array): void;
  /** gG[r, c] += sum_p xhat d, gB[r, c] += sum_p d over rows r = i stack + a of d [(n stack), P, C]; xhat = (x - mean) inv, or x when mean is null. */
  scaleShiftRows(d: Float32Array, x: Float32Array, mean: Float32Array | null, inv: Float32Array | null, n: number, stack: number, P: number, C: number, gG: Float32Array | null, gB: Float32Array | null): void;
  // The autodiff route's direct convolution kernels (src/ntk/native/conv.cc; wrapped by src/ntk/jacobian/ops/direct-conv.ts).
  /** out [n, outH, outW, cout] = phi(alpha conv(x, W) + bias), x [n, inH, inW, c], W [kh kw c, cout], phi relu or identity; window as im2col's. */
  convForward(window: Int32Array, x: Float32Array, n: number, W: Float32Array, cout: number, alpha: number, bias: Float32Array | null, relu: boolean, out: Float32Array): void;
  /** g [(n stack), kh kw c, cout]: row i stack + a = alpha patches_i^T d_(i stack + a), d [(n stack), outH outW, cout]. */
  convFilterGrads(window: Int32Array, x: Float32Array, n: number, stack: number, d: Float32Array, cout: number, alpha: number, g: Float32Array): void;
  /** Whether the convolution kernels run vectorised on this CPU (AVX2 + FMA). */
  convKernels(): boolean;
  /** z = relu(z + bias) over [rows, cout] (bias: already multiplied, or null). */
  reluBias(z: Float32Array, rows: number, cout: number, bias: Float32Array | null): void;
  /** dz = dOut o phi'(z) over stacked cotangents, and bm sum_p dz(p) into biasRows when given. */
  deactivate(dOut: Float32Array, slope: Float32Array | null, relu: boolean, n: number, stack: number, P: number, cout: number, bm: number, biasRows: Float32Array | null): void;
}

/** Where an addon came from: a source build (node-gyp), the prebuilt binary shipped in the package, or NTK_LINALG_ADDON. */
export type AddonOrigin = 'source' | 'prebuilt' | 'env';

/** One place an addon may be: its file and what it is. */
export interface AddonCandidate {
  file: string;
  origin: AddonOrigin;
}

/** The package root (this file runs from <root>/build/src/linalg/). */
const packageRoot = path.resolve(__dirname, '..', '..', '..');

/** The platform key of prebuilt binaries (prebuilds/<platform>-<arch>/, node-gyp-build's layout). */
export const PLATFORM_KEY = `${process.platform}-${process.arch}`;

/**
 * Where the addon is looked for, in order: NTK_LINALG_ADDON alone when set (tests use it to simulate a
 * missing or broken addon); else a source build (build/Release, made by `npx ntk-lab build-native`: a user
 * who built one wants it, e.g. against their own OpenBLAS), then the prebuilt binary of this platform.
 */
export function addonCandidates(): AddonCandidate[] {
  if (process.env.NTK_LINALG_ADDON) return [{ file: process.env.NTK_LINALG_ADDON, origin: 'env' }];
  return [
    { file: path.join(packageRoot, 'build', 'Release', 'ntk_linalg.node'), origin: 'source' },
    { file: path.join(packageRoot, 'prebuilds', PLATFORM_KEY, 'ntk_linalg.node'), origin: 'prebuilt' },
  ];
}

/** A loaded addon and where it came from. */
export interface LoadedAddon {
  addon: NativeAddon;
  file: string;
  origin: AddonOrigin;
}

/** Why no addon loaded: one reason per candidate, and what to do about it. */
export interface AddonFailure {
  reason: string;
  fix: string;
}

/** How to get OpenBLAS with its headers on this platform (what `npx ntk-lab build-native` needs). */
function openblasPackage(): string {
  if (process.platform === 'darwin') return 'brew install openblas';
  return 'Debian/Ubuntu: apt-get install libopenblas-dev; Fedora/RHEL: dnf install openblas-devel';
}

/** What a user should do to get the native path, given what was tried. */
function fixFor(candidates: AddonCandidate[]): string {
  if (candidates.some((c) => c.origin === 'env')) return 'point NTK_LINALG_ADDON at a loadable ntk_linalg.node, or unset it';
  const build = `install OpenBLAS with its headers (${openblasPackage()}) and run \`npx ntk-lab build-native\``;
  const prebuilt = candidates.find((c) => c.origin === 'prebuilt' && fs.existsSync(c.file));
  if (prebuilt) return `the prebuilt addon runs on ${PLATFORM_KEY} with glibc >= ${prebuiltGlibc(prebuilt.file)}; elsewhere ${build}`;
  return `ntk-lab ships no prebuilt addon for ${PLATFORM_KEY}: ${build}`;
}

/** The oldest glibc the prebuilt binary runs on, as scripts/prebuild-native.js recorded it beside the binary. */
function prebuiltGlibc(file: string): string {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(path.dirname(file), 'build-info.json'), 'utf8')) as { glibc?: string };
    return info.glibc ?? 'unknown';
  } catch {
    return 'unknown (no build-info.json)';
  }
}

const ELF_MACHINES: Record<number, string> = { 0x03: 'ia32', 0x28: 'arm', 0x3e: 'x64', 0xb7: 'arm64', 0xf3: 'riscv64' };

/**
 * Why a binary cannot be this process's addon, read from its ELF header (the dynamic loader's own message
 * for a foreign architecture is a misleading "No such file or directory"); undefined when nothing is wrong.
 */
export function binaryMismatch(file: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const head = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  let read: number;
  try {
    read = fs.readSync(fd, head, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (read < 20 || head.readUInt32BE(0) !== 0x7f454c46) return 'it is not an ELF shared library';
  const machine = head.readUInt16LE(18);
  const arch = ELF_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`;
  return arch === process.arch ? undefined : `it is built for ${arch}, this Node is ${process.arch}`;
}

/** Loads the first addon that loads, or says why none did (never throws). */
export function loadAddon(): LoadedAddon | AddonFailure {
  const tried: string[] = [];
  const candidates = addonCandidates();
  for (const c of candidates) {
    const shown = path.relative(process.cwd(), c.file) || c.file;
    if (!fs.existsSync(c.file)) {
      if (c.origin === 'env') tried.push(`NTK_LINALG_ADDON=${shown} does not exist`);
      continue;
    }
    const loaded = requireAddon(c.file);
    if ('addon' in loaded) return { addon: loaded.addon, file: c.file, origin: c.origin };
    const mismatch = binaryMismatch(c.file);
    tried.push(`the ${c.origin} addon ${shown} failed to load: ${mismatch ?? loaded.error}`);
  }
  if (tried.length === 0) tried.push(`no addon is built here (build/Release) and the package has no prebuilt addon for ${PLATFORM_KEY}`);
  return { reason: tried.join('; '), fix: fixFor(candidates) };
}

/** require()s one addon file with OpenBLAS's thread timeout set for its load. */
function requireAddon(file: string): { addon: NativeAddon } | { error: string } {
  // OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once, when the library loads with the addon: how long (2^t cycles)
  // its idle threads spin before they sleep. The default, 2^28 (~0.1 s), suits one thread calling BLAS back to
  // back; here BLAS runs on libuv's pool while the main thread does the elementwise work in between, and the
  // spinning threads took the cores from it (NTK at n = 1000: 68 ms on average with the default, 57-62 ms at
  // 2^12-2^20). Set only for the load, and only when the user has not set it, so child processes never see it.
  const userTimeout = process.env.OPENBLAS_THREAD_TIMEOUT;
  if (userTimeout === undefined) process.env.OPENBLAS_THREAD_TIMEOUT = '16';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { addon: require(file) as NativeAddon };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  } finally {
    if (userTimeout === undefined) delete process.env.OPENBLAS_THREAD_TIMEOUT;
  }
}
