/**
 * One snapshot's kernel metrics: from the probe NTK now (and its components), the kernels kept from
 * initialisation and from the previous snapshot, and the probe's targets, the rows of a 'training' batch.
 * Pure apart from the eigen-solver (linalg, float64).
 */
import { eighAsync } from '../linalg';
import type { Kernel } from '../ntk/kernel';
import {
  centredAlignment, eigenTargetAlignment, kernelDistance, kernelTargetAlignment, kernelTrace, relativeChange, TargetMatrix,
} from './metrics';
import type { TrainingRow } from './schema';

/** What a snapshot measured, as onSnapshot receives it. */
export interface TrainingSnapshot {
  /** Optimizer steps taken so far. */
  step: number;
  /** step / steps per epoch. */
  epoch: number;
  /** The measured values, as streamed (one row each). */
  rows: TrainingRow[];
  /** The probe NTK now (m x m, summed over outputs), and its per-parameter-tensor components (empty when not asked). */
  kernel: Kernel;
  components: Kernel[];
  /** Wall times, milliseconds: mean per optimizer step since the previous snapshot (0 at step 0), this snapshot's
   * measurement in all (losses, kernel, metrics), and of that the probe NTK alone. */
  timing: { stepMs: number; snapshotMs: number; kernelMs: number };
}

/** The kernels a run keeps between snapshots. */
export interface KernelHistory {
  initial: Kernel;
  initialComponents: Kernel[];
  previous: Kernel;
  previousStep: number;
}

/**
 * The kernel rows of a snapshot at `step`: distance and relative change |K_t - K_0|_F / |K_0|_F from initialisation, velocity (distance from the previous
 * snapshot per step; not at the first), alignments (with targets), trace shares and relative change per
 * component, and the top-`topK` eigenvalues (kernel units, not divided by m) with their target alignment.
 */
export async function kernelRows(
  step: number, k: Kernel, components: readonly Kernel[], history: KernelHistory | undefined, targets: TargetMatrix | undefined, topK: number,
): Promise<TrainingRow[]> {
  const rows: TrainingRow[] = [];
  const push = (metric: TrainingRow['metric'], label: string, value: number): void => void rows.push({ metric, label, value });
  push('kernel_distance', 'ntk', history ? kernelDistance(history.initial.values, k.values) : 0);
  push('kernel_change', 'ntk', history ? relativeChange(history.initial.values, k.values) : 0);
  if (history && step > history.previousStep) {
    push('kernel_velocity', 'ntk', kernelDistance(history.previous.values, k.values) / (step - history.previousStep));
  }
  if (targets) {
    push('alignment', 'ntk', kernelTargetAlignment(k.values, targets));
    push('centred_alignment', 'ntk', centredAlignment(k.values, targets));
  }
  const total = kernelTrace(k.values);
  components.forEach((c, i) => {
    push('trace_share', c.label, kernelTrace(c.values) / total);
    const c0 = history?.initialComponents[i];
    push('layer_change', c.label, c0 ? relativeChange(c0.values, c.values) : 0);
  });
  const m = k.rows;
  const top = Math.min(topK, m);
  if (top > 0) {
    // dsyevr on the index range of the top eigenvalues; the kernel is symmetric to float32 rounding, its lower triangle is read.
    const r = await eighAsync({ rows: m, cols: m, data: Float64Array.from(k.values) }, { vectors: targets !== undefined, range: { lower: m - top, upper: m - 1 }, checkSymmetric: false });
    const align = targets && r.vectors ? eigenTargetAlignment(r.vectors, targets) : undefined;
    for (let i = 0; i < top; i++) {
      const j = top - 1 - i; // ascending -> descending
      push('eigenvalue', String(i + 1), r.values[j]);
      if (align) push('eigen_alignment', String(i + 1), align[j]);
    }
  }
  return rows;
}
