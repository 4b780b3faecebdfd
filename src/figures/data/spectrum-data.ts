/** Eigenvalues by kernel and density curves by name, accumulated from 'spectrum' and 'density' batches. */
import type { DecodedBatch } from '../arrow/decode';
import type { DensityCurveData, SpectrumSeries } from '../builders/spectrum';

/** Accumulates spectrum and density batches for the spectrum figure. */
export class SpectrumData {
  private readonly seriesByLabel = new Map<string, SpectrumSeries>();
  private readonly curvesByName = new Map<string, DensityCurveData>();

  /** Appends a batch of eigenvalues. */
  addSpectrum(b: DecodedBatch<'spectrum'>): void {
    const { eigenvalue, label, kernel_kind } = b.columns;
    for (let i = 0; i < b.rows; i++) {
      let s = this.seriesByLabel.get(label[i]);
      if (!s) this.seriesByLabel.set(label[i], (s = { label: label[i], kind: kernel_kind[i], values: [] }));
      s.values.push(eigenvalue[i]);
    }
  }

  /** Appends a batch of density curve points. */
  addDensity(b: DecodedBatch<'density'>): void {
    const { curve, law, x, density } = b.columns;
    for (let i = 0; i < b.rows; i++) {
      let c = this.curvesByName.get(curve[i]);
      if (!c) this.curvesByName.set(curve[i], (c = { curve: curve[i], law: law[i], x: [], density: [] }));
      c.x.push(x[i]);
      c.density.push(density[i]);
    }
  }

  /** Kernels in arrival order. */
  get series(): SpectrumSeries[] {
    return [...this.seriesByLabel.values()];
  }

  /** Curves in arrival order. */
  get curves(): DensityCurveData[] {
    return [...this.curvesByName.values()];
  }

  /** Eigenvalues received. */
  get count(): number {
    let n = 0;
    for (const s of this.seriesByLabel.values()) n += s.values.length;
    return n;
  }
}
