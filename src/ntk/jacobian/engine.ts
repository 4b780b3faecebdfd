/**
 * Runs a Graph on a batch: forward (keeping what the reverse rules need), one reverse pass with s stacked
 * cotangents per example (s = k one-hot cotangents for Jacobians: the per-example factors of every parameter
 * tensor come out of that single pass; s = 1 with the cotangent v for J^T v), and forward mode (J u).
 */
import { Factor } from './factors';
import { Graph } from './graph';
import { axpy } from './ops/channels';
import { Scratch } from './ops/scratch';
import { profiled } from './profile';

/** Which tensors depend on a trainable parameter (only those need cotangents). */
export function paramDependence(g: Graph): boolean[] {
  const needs: boolean[] = [];
  for (const node of g.nodes) needs[node.output] = node.op.params.length > 0 || node.inputs.some((i) => needs[i] === true);
  return needs;
}

export class Engine {
  private readonly needs: boolean[];
  private values = new Map<number, Float32Array>();
  private n = 0;
  private readonly scratch = new Scratch();

  constructor(readonly graph: Graph) {
    this.needs = paramDependence(graph);
  }

  /** f(x) for x: [n, ...inputShape] flat; returns [n, k]. Keeps the forward state until `release`. */
  forward(x: Float32Array, n: number): Float32Array {
    this.release();
    this.n = n;
    this.values.set(this.graph.input, x);
    for (const node of this.graph.nodes) {
      const ins = node.inputs.map((i) => this.values.get(i)!);
      this.values.set(node.output, profiled(`${node.op.layer}:pass`, () => node.op.forward(ins, n)));
    }
    return this.values.get(this.graph.output)!;
  }

  /**
   * Reverse pass from the output cotangent dOut [n * stack, k] (row i*stack + a). With 'factors', returns the
   * per-example factors of every parameter tensor (graph.params order); with 'sum', the gradients summed.
   */
  backward(dOut: Float32Array, stack: number, mode: 'factors' | 'sum'): { factors: Factor[]; sums: Float32Array[] } {
    const n = this.n;
    const cot = new Map<number, Float32Array>([[this.graph.output, dOut]]);
    const factors = new Map<number, Factor[]>();
    const sums = new Map<number, Float32Array[]>();
    const nodes = this.graph.nodes;
    for (let q = nodes.length - 1; q >= 0; q--) {
      const node = nodes[q];
      const d = cot.get(node.output);
      if (!d || !this.needs[node.output]) continue;
      cot.delete(node.output);
      const needInputs = node.inputs.some((i) => this.needs[i] === true);
      // Includes forming per-example gradients ('<layer>:form', timed inside).
      const r = profiled(`${node.op.layer}:pass`, () => node.op.backward({ n, stack, dOut: d, params: node.op.params.length ? mode : 'none', needInputs }));
      if (r.factors?.length) factors.set(q, r.factors);
      if (r.sums?.length) sums.set(q, r.sums);
      node.inputs.forEach((i, j) => {
        const g = r.dIn[j];
        if (!g || !this.needs[i]) return;
        const prev = cot.get(i);
        if (!prev) {
          cot.set(i, g);
        } else {
          // A fan-out: sum into a buffer of this tensor's own (ops may keep the cotangents they were given, until
          // the next chunk: what outlives it is copied), reused from chunk to chunk rather than fresh pages.
          const s = this.scratch.f32(`fan${i}`, prev.length);
          s.set(prev);
          axpy(1, g, s);
          cot.set(i, s);
        }
      });
    }
    const outF: Factor[] = [];
    const outS: Float32Array[] = [];
    nodes.forEach((node, q) => {
      if (!node.op.params.length) return;
      const f = factors.get(q);
      const s = sums.get(q);
      if (mode === 'factors') {
        if (!f) throw new Error(`engine: no factors from layer '${node.op.layer}'`);
        outF.push(...f);
      } else {
        // A parameter that the output does not reach has a zero gradient.
        outS.push(...(s ?? node.op.params.map((p) => new Float32Array(p.size))));
      }
    });
    return { factors: outF, sums: outS };
  }

  /** Forward mode after `forward`: J u for parameter tangents u (graph.params order); returns [n, k]. */
  jvp(u: Float32Array[]): Float32Array {
    const tangents = new Map<number, Float32Array | null>([[this.graph.input, null]]);
    let p = 0;
    for (const node of this.graph.nodes) {
      const pt = u.slice(p, p + node.op.params.length);
      p += node.op.params.length;
      const ts = node.inputs.map((i) => tangents.get(i) ?? null);
      const live = pt.length > 0 || ts.some((t) => t !== null);
      tangents.set(node.output, live ? node.op.jvp(ts, pt, this.n) : null);
    }
    return tangents.get(this.graph.output) ?? new Float32Array(this.n * this.graph.k);
  }

  /** Drops the forward state of every op. */
  release(): void {
    for (const node of this.graph.nodes) node.op.release();
    this.values.clear();
  }

  /** Float32 bytes per example of one forward + reverse pass with `stack` cotangents (kept values and temporaries). */
  bytesPerExample(stack: number): number {
    let b = 4 * this.graph.k * stack;
    for (const node of this.graph.nodes) b += node.op.bytesPerExample(stack);
    return b;
  }
}

/** The one-hot output cotangents of n examples and k outputs: [n k, k], row i*k + a = e_a. */
export function oneHotCotangents(n: number, k: number): Float32Array {
  const d = new Float32Array(n * k * k);
  for (let i = 0; i < n; i++) for (let a = 0; a < k; a++) d[(i * k + a) * k + a] = 1;
  return d;
}
