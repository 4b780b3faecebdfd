/**
 * Result kind 'layerwise': a summary of the NTK's layer components (the kernels themselves go in
 * 'kernel-tiles'): one row per component with its size, so a bar chart needs no kernel data.
 */
import { Field, Float64, RecordBatch, Utf8 } from 'apache-arrow';
import type { Kernel, KernelKind } from '../../ntk/kernel';
import { batchOf, f64Column, utf8Column } from '../columns';

/** Column types of a layerwise summary table. */
export type LayerwiseColumns = {
  label: Utf8;
  kernel_kind: Utf8;
  trace: Float64;
  frobenius: Float64;
  trace_fraction: Float64;
};

/** The columns, in order (see docs/arrow-schemas.md). */
export const LAYERWISE_FIELDS: readonly Field[] = [
  new Field('label', new Utf8(), false),
  new Field('kernel_kind', new Utf8(), false),
  new Field('trace', new Float64(), false),
  new Field('frobenius', new Float64(), false),
  new Field('trace_fraction', new Float64(), false),
];

/** One component's summary. */
export interface LayerwiseRow {
  label: string;
  kernelKind: KernelKind;
  /** Trace of the component (kernel units). */
  trace: number;
  /** Frobenius norm of the component (kernel units). */
  frobenius: number;
  /** trace / trace of the full NTK (components sum to 1). */
  traceFraction: number;
}

/** One batch, one row per component. */
export function layerwiseBatch(rows: readonly LayerwiseRow[]): RecordBatch<LayerwiseColumns> {
  return batchOf<LayerwiseColumns>(LAYERWISE_FIELDS, [
    utf8Column(rows.map((r) => r.label)),
    utf8Column(rows.map((r) => r.kernelKind)),
    f64Column(rows.map((r) => r.trace)),
    f64Column(rows.map((r) => r.frobenius)),
    f64Column(rows.map((r) => r.traceFraction)),
  ]);
}

/** Summary rows of components against their full NTK (trace fraction = component trace / ntk trace). */
export function layerwiseRows(ntk: Kernel, components: readonly Kernel[]): LayerwiseRow[] {
  const total = ntk.trace();
  return components.map((c) => ({
    label: c.label,
    kernelKind: c.kind,
    trace: c.trace(),
    frobenius: c.frobenius(),
    traceFraction: c.trace() / total,
  }));
}
