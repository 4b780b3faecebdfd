/** Shared test setup: the tfjs backend the tests run on (NTK_BACKEND, else the default order), and seeded inputs. */
import { ensureBackend } from '../../src/backend';
import { Rng } from '../../src/random';

export async function setupBackend(): Promise<void> {
  await ensureBackend();
}

/** n x d standard normal inputs as number[][] (seeded). */
export function gaussianRows(n: number, d: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}
