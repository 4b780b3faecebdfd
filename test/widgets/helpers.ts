/** Encoded batches of each kind the widgets read, made with ntk-lab's own builders and encoder. */
import { densityBatch } from '../../src/arrow/kinds/density';
import { kernelTileBatch } from '../../src/arrow/kinds/kernel-tiles';
import { oneStepSweepBatch, OneStepSweepRow } from '../../src/arrow/kinds/one-step-sweep';
import { spectrumBatch } from '../../src/arrow/kinds/spectrum';
import { resultSchema } from '../../src/arrow/schemas';
import { encodeBatch } from '../../src/display/encode';

export function spectrumBytes(values: number[], label = 'ntk', firstIndex = 0): Uint8Array {
  return encodeBatch(spectrumBatch({ eigenvalues: Float64Array.from(values), kernelKind: 'ntk', label, runId: 'run', firstIndex }), resultSchema('spectrum', {}));
}

export function densityBytes(curve: string, law: 'empirical' | 'marchenko-pastur', x: number[], y: number[]): Uint8Array {
  return encodeBatch(densityBatch({ curve, law, x, density: y }), resultSchema('density', {}));
}

export function sweepRow(over: Partial<OneStepSweepRow>): OneStepSweepRow {
  return {
    eta: 1, scaling: 'theta-1', seed: 0, n: 10, d: 5, width: 8, lambda: 1e-3, alignment: 0.5, spikeNorm: 2, bulkNorm: 1, riskInitial: 0.3, riskTrained: 0.2,
    etaFactor: 1, alignmentW1: 0.4, riskLinear: 0.25, riskNull: 1, riskLowerBound: 0.1, ...over,
  };
}

export function sweepBytes(rows: OneStepSweepRow[]): Uint8Array {
  return encodeBatch(oneStepSweepBatch(rows), resultSchema('one-step-sweep', {}));
}

/** A band of rows [r0, r1) of an n x n kernel whose value at (i, j) is i * n + j. */
export function tileBytes(n: number, r0: number, r1: number, label = 'ntk'): Uint8Array {
  const values = new Float32Array((r1 - r0) * n);
  for (let i = r0; i < r1; i++) for (let j = 0; j < n; j++) values[(i - r0) * n + j] = i * n + j;
  const d = { label, kind: 'ntk' as const, layout: 'trace' as const, outputs: 1, shape: [n, n], symmetric: true, backend: 'test', wallTimeMs: 0 };
  return encodeBatch(kernelTileBatch(0, d, [{ rowStart: r0, rowEnd: r1, colStart: 0, colEnd: n, values }]), resultSchema('kernel-tiles', {}));
}
