/**
 * Which implementation runs linalg: the OpenBLAS/LAPACK addon ('openblas') or plain TypeScript
 * ('fallback'). Chosen once, lazily, on the first call:
 *   NTK_LINALG=native    the addon is required (BackendUnavailableError if it cannot load)
 *   NTK_LINALG=fallback  the fallback is forced (tests of the fallback path, debugging)
 *   unset / auto         the addon if it loads, else the fallback with a one-line notice on stderr
 */
import { BackendUnavailableError, InvalidOptionError } from '../errors';
import { loadAddon, type AddonFailure, type AddonOrigin, type LoadedAddon, type NativeAddon } from './native';

export type Implementation = 'openblas' | 'fallback';

export interface LinalgInfo {
  /** Which implementation runs products and solvers. */
  implementation: Implementation;
  /** The BLAS in use, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64" or "TypeScript (no BLAS)". */
  blas: string;
  /** Threads the BLAS uses for one call (1 for the fallback, which runs on one thread). */
  threads: number;
  /** Why the fallback is active and what would fix it (absent when the addon runs). */
  notice?: string;
  /** The addon that runs (absent on the fallback): its file, where it came from, how OpenBLAS is linked into it. */
  addon?: AddonInfo;
}

/** Which addon binary runs linalg. */
export interface AddonInfo {
  /** Absolute path of the .node file. */
  file: string;
  /** 'prebuilt': shipped in the npm package; 'source': built here by node-gyp; 'env': NTK_LINALG_ADDON. */
  origin: AddonOrigin;
  /** 'static': OpenBLAS (DYNAMIC_ARCH) inside the binary, no system library needed; 'shared': the system's libopenblas. */
  openblas: 'static' | 'shared';
}

interface State {
  impl: Implementation;
  addon: NativeAddon | null;
  loaded?: LoadedAddon;
  notice?: string;
}

let state: State | undefined;
let addonCache: LoadedAddon | AddonFailure | undefined;

function addonOrReason(): LoadedAddon | AddonFailure {
  addonCache ??= loadAddon();
  return addonCache;
}

function choose(): State {
  const mode = (process.env.NTK_LINALG ?? 'auto').trim().toLowerCase();
  if (mode === 'fallback') {
    return { impl: 'fallback', addon: null, notice: 'NTK_LINALG=fallback: linalg runs in TypeScript (forced by the environment)' };
  }
  if (mode !== 'native' && mode !== 'auto' && mode !== '') {
    throw new InvalidOptionError(`NTK_LINALG must be 'native', 'fallback' or 'auto', got '${process.env.NTK_LINALG}'`);
  }
  const loaded = addonOrReason();
  if ('addon' in loaded) return { impl: 'openblas', addon: loaded.addon, loaded };
  if (mode === 'native') throw new BackendUnavailableError(`NTK_LINALG=native but ${loaded.reason}. To fix: ${loaded.fix}`);
  const notice = `ntk-lab linalg: using the TypeScript fallback (slow) because ${loaded.reason}. To fix: ${loaded.fix}`;
  // One line, once per process: the notebook user learns why products are slow without a flood.
  process.stderr.write(notice + '\n');
  return { impl: 'fallback', addon: null, notice };
}

/** The active implementation (chosen on first use). The addon is non-null exactly when impl is 'openblas'. */
export function active(): State {
  state ??= choose();
  return state;
}

/**
 * Internal (tests, benches): switch implementation for this process. 'openblas' throws
 * BackendUnavailableError if the addon cannot load; `undefined` re-reads NTK_LINALG on next use.
 */
export function selectImplementation(impl: Implementation | undefined): void {
  if (impl === undefined) { state = undefined; return; }
  if (impl === 'fallback') { state = { impl, addon: null, notice: 'fallback selected programmatically' }; return; }
  const loaded = addonOrReason();
  if (!('addon' in loaded)) throw new BackendUnavailableError(`linalg: cannot select openblas: ${loaded.reason}`);
  state = { impl, addon: loaded.addon, loaded };
}

/** Internal (tests): whether the addon can be loaded, whatever is selected. */
export function addonAvailable(): boolean {
  return 'addon' in addonOrReason();
}

/** Which linalg implementation is active, which BLAS it loaded and with how many threads: { implementation, blas, threads, notice? }. */
export function linalgInfo(): LinalgInfo {
  const s = active();
  if (s.addon) {
    const b = s.addon.blasInfo();
    const addon: AddonInfo | undefined = s.loaded && { file: s.loaded.file, origin: s.loaded.origin, openblas: b.linkage };
    return { implementation: 'openblas', blas: `${b.config.trim()} (core ${b.corename})`, threads: b.threads, ...(addon && { addon }) };
  }
  return { implementation: 'fallback', blas: 'TypeScript (no BLAS)', threads: 1, notice: s.notice };
}
