/**
 * Which TensorFlow.js backend computes the models, and how to choose it.
 *
 * Preference order: tfjs-node-gpu, tfjs-node (optional peers, used only where the user installed them),
 * then the embedded wasm backend (SIMD), then the plain cpu backend. `NTK_BACKEND` or `useBackend()`
 * overrides the choice; asking for a backend that is not installed is a BackendUnavailableError.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, InvalidOptionError } from '../errors';
import { registerWasmBlasKernels, registerWasmGradientKernels } from './wasm-kernels';

/** User-facing backend names, in preference order. */
export const BACKEND_NAMES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What `backendInfo()` reports. */
export interface BackendInfo {
  /** The ntk-lab name of the active backend. */
  name: BackendName;
  /** The name tfjs registered it under ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** The npm package that provides it. */
  package: string;
  /** True for the CUDA build of tfjs-node. */
  gpu: boolean;
  /** Every backend that could be loaded on this machine, in preference order. */
  available: BackendName[];
  /** How it was chosen: by preference order, the NTK_BACKEND variable, or an API call. */
  chosenBy: 'default' | 'NTK_BACKEND' | 'api';
}

const PACKAGES: Record<BackendName, string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

const TF_NAMES: Record<BackendName, string> = { 'node-gpu': 'tensorflow', node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

let active: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

function isInstalled(name: BackendName): boolean {
  try {
    require.resolve(PACKAGES[name]);
    return true;
  } catch {
    return false;
  }
}

/** Backends whose package resolves here, in preference order (nothing is loaded). */
export function availableBackends(): BackendName[] {
  return BACKEND_NAMES.filter(isInstalled);
}

function parseName(raw: string, source: string): BackendName {
  const name = raw.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  if (name === 'tensorflow') return 'node';
  throw new InvalidOptionError(`${source}: unknown backend '${raw}'; expected one of ${BACKEND_NAMES.join(', ')}`);
}

async function activate(name: BackendName): Promise<void> {
  if (!isInstalled(name)) {
    throw new BackendUnavailableError(
      `backend '${name}' is not available: npm package ${PACKAGES[name]} is not installed (available: ${availableBackends().join(', ')})`,
    );
  }
  // Loading the package registers its backend with tfjs-core as a side effect.
  require(PACKAGES[name]);
  // tfjs-backend-wasm lacks some gradient kernels (convolution filters, depthwise, gather): ntk-lab provides them.
  if (name === 'wasm') registerWasmGradientKernels();
  // and its BatchMatMul runs batches of small products at 2-3 GFLOP/s: OpenBLAS takes them while the addon is loaded.
  if (name === 'wasm') registerWasmBlasKernels();
  const ok = await tf.setBackend(TF_NAMES[name]);
  if (!ok) throw new BackendUnavailableError(`backend '${name}' (${PACKAGES[name]}) is installed but failed to initialise`);
  await tf.ready();
}

async function choose(requested: BackendName | undefined, chosenBy: BackendInfo['chosenBy']): Promise<BackendInfo> {
  const available = availableBackends();
  let name: BackendName | undefined = requested;
  if (name) {
    await activate(name);
  } else {
    for (const candidate of available) {
      try {
        await activate(candidate);
        name = candidate;
        break;
      } catch {
        // A peer that is installed but broken (e.g. no libtensorflow) must not stop the fallbacks.
      }
    }
    if (!name) throw new BackendUnavailableError('no TensorFlow.js backend could be initialised');
  }
  active = { name, tfBackend: TF_NAMES[name], package: PACKAGES[name], gpu: name === 'node-gpu', available, chosenBy };
  return active;
}

/** Initialises the backend once (NTK_BACKEND, else the preference order) and returns what is active. */
export function ensureBackend(): Promise<BackendInfo> {
  if (active && tf.getBackend() === active.tfBackend) return Promise.resolve(active);
  if (!pending) {
    const env = process.env.NTK_BACKEND;
    // A bad NTK_BACKEND must reject the promise, not throw synchronously from a function that returns one.
    const start = env ? Promise.resolve().then(() => choose(parseName(env, 'NTK_BACKEND'), 'NTK_BACKEND')) : choose(undefined, 'default');
    pending = start.finally(() => {
      pending = undefined;
    });
  }
  return pending;
}

/** Switches to the named backend ('node-gpu' | 'node' | 'wasm' | 'cpu'); throws BackendUnavailableError if it is missing. */
export async function useBackend(name: BackendName | string): Promise<BackendInfo> {
  const parsed = parseName(name, 'useBackend');
  if (pending) await pending.catch(() => undefined);
  return choose(parsed, 'api');
}

/**
 * Makes sure tfjs has a backend that can run ops right now, for code that creates tensors synchronously (an Mlp's
 * variables): when no backend has been chosen yet, it sets the cpu backend, which initialises synchronously (wasm
 * cannot). A later `ensureBackend()` still picks the preferred backend, and tfjs moves the tensors made here to it
 * when they are first used there. Returns the tfjs name of the backend in use.
 */
export function ensureBackendSync(): string {
  const current = tf.getBackend();
  if (current) {
    try {
      // Throws while an asynchronous initialisation (wasm's) is still pending: nothing can run until it ends.
      tf.backend();
      return current;
    } catch (e) {
      throw new BackendUnavailableError(
        `the '${current}' backend is still initialising: await ensureBackend() before building a model (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  }
  // Loading the package registers the cpu backend; its factory is synchronous, so setBackend() has set it on return.
  require(PACKAGES.cpu);
  void tf.setBackend(TF_NAMES.cpu);
  if (tf.getBackend() !== TF_NAMES.cpu) throw new BackendUnavailableError('the cpu backend (@tensorflow/tfjs-backend-cpu) failed to initialise');
  return TF_NAMES.cpu;
}

/** The active backend, or undefined before the first `ensureBackend()` / `useBackend()`. */
export function backendInfo(): BackendInfo | undefined {
  return active;
}
