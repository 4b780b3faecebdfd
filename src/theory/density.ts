/**
 * A law's density on a grid, its atoms, support and CDF, from its Stieltjes transform:
 * density(x) = Im m(x + i eta) / pi with eta = 1e-11 of the support's width (the "0+"), atoms from
 * eta' Im m(c + i eta') -> mass at each candidate c (see atomsOf).
 *
 * The automatic grid first scans the law's a-priori interval (400 points, refined where a gap may hide mass),
 * finds the support's intervals (see probe()), bisects each edge to 1e-13 of the width, then puts
 * `points` nodes on the intervals at x = (a + b)/2 - (b - a)/2 cos(theta), theta at the midpoints of a uniform
 * grid: nodes crowd at the edges, where square-root (and inverse square-root) edges live, and the mass
 * integral (midpoint rule in theta) converges fast there. The total mass (density integral plus atoms) is
 * checked against 1 to 1e-3; a law that loses more has a support piece the scan missed (ConvergenceError).
 * Each interval's nodes triple until its mass is stable to 1e-6 (integrateInterval).
 */
import { InvalidOptionError, NonFiniteError } from '../errors';
import type { JsonValue } from '../arrow/metadata';
import { ConvergenceError } from './errors';
import type { Complex } from './complex';
import type { SpectralLaw } from './law';
import { StieltjesSolver } from './stieltjes';

/** A point mass of a law. */
export interface Atom {
  at: number;
  mass: number;
}

/** Options of lawDensity(). */
export interface LawDensityOptions {
  /** Evaluate on these points (ascending, finite); the support must lie inside [grid[0], grid[last]]. */
  grid?: ArrayLike<number>;
  /** Points of the automatic grid to start from (default 1000; each interval's count then triples until its mass is stable). */
  points?: number;
}

/** A law evaluated: density on a grid (per unit of x), atoms, support intervals and the CDF. */
export interface LawDensity {
  law: string;
  params: { readonly [key: string]: JsonValue };
  citation: string;
  /** Grid, ascending (the law's units: eigenvalues of the kernel the law describes). */
  x: Float64Array;
  /** Density at x. */
  density: Float64Array;
  atoms: Atom[];
  /** Intervals [a, b] of the continuous part's support (edges to ~1e-13 of the width). */
  support: [number, number][];
  /** Integral of the density (the continuous part's mass). */
  mass: number;
  /** mass plus the atoms' masses: 1 up to the solver's accuracy. */
  total: number;
  /** F(x) = mu((-inf, x]). */
  cdf(x: number): number;
  /** F(x-) = mu((-inf, x)). */
  cdfBefore(x: number): number;
}

const ETA = 1e-11;
const ETA_ATOM = 1e-6;
const ETA_HIGH = 2e-3;
const SCAN = 400;

interface Scan {
  solver: StieltjesSolver;
  tracker: Tracker;
  width: number;
  eta: number;
  support: [number, number][];
  /** High-track solutions near each interval's left edge, to start the grids' tracks. */
  warm: Float64Array[];
}

/**
 * Solutions along the real axis at height eta, robust to where the warm start lies. Warm-starting at height eta
 * from a neighbour outside the support lets Newton settle on a real, unphysical root inside it (the map is real
 * there, so real iterates stay real). So each point is first solved at etaHigh (~ the scan spacing), where the
 * physical solution varies smoothly with x and a neighbour's warm start is safe, then followed down to eta in
 * steps of 1e-3 (StieltjesSolver.solve falls back to a full continuation if a step fails).
 */
class Tracker {
  private high: Float64Array | undefined;

  constructor(private readonly solver: StieltjesSolver, private readonly etaHigh: number, private readonly eta: number) {}

  /** The solution at x + i eta; `from` restarts the high track from another point's high solution. */
  at(x: number, from?: Float64Array): { m: Complex; u: Float64Array; high: Float64Array } {
    const hi = this.solver.solve({ re: x, im: this.etaHigh }, from ?? this.high);
    this.high = hi.u;
    let u = hi.u;
    let m = hi.m;
    for (let e = this.etaHigh; e > this.eta;) {
      e = Math.max(this.eta, e * 1e-3);
      const r = this.solver.solve({ re: x, im: e }, u);
      u = r.u;
      m = r.m;
    }
    return { m, u, high: hi.u };
  }
}

/**
 * Whether x is inside the support: there Im m(x + i eta) tends to pi density(x) > 0 as eta -> 0, outside it
 * tends to 0 like eta. Comparing eta and eta / 100 tells them apart up to ~eta from an edge, whatever the
 * edge's shape (square root, inverse square root), where a density threshold would be fooled by the eta-tail.
 */
function probe(t: Tracker, solver: StieltjesSolver, x: number, eta: number, from?: Float64Array): { inside: boolean; rho: number; high: Float64Array } {
  const a = t.at(x, from);
  if (!(a.m.im > 0)) return { inside: false, rho: 0, high: a.high };
  const b = solver.solve({ re: x, im: eta / 100 }, a.u);
  return { inside: b.m.im > 0.5 * a.m.im, rho: a.m.im / Math.PI, high: a.high };
}

interface Probe {
  x: number;
  inside: boolean;
  /** The solution at etaHigh (to restart a track here). */
  high: Float64Array;
}

/**
 * Finds the intervals of the support: probes on a uniform scan, then (up to three times) 16 more probes in
 * every gap cell between two outside probes that may hide mass: a piece of mass p inside a cell of width h
 * makes (h / pi) Im m(mid + i h) >= p / 4, so cells above 5e-5 are refined (an isolated atom of the input
 * spectrum, 1/n of the mass, can make a piece narrower than the scan's spacing). Edges are then bisected.
 */
function scanSupport(law: SpectralLaw): Scan {
  const [lo0, hi0] = law.bounds;
  const width = Math.max(hi0 - lo0, 1e-12 * Math.max(1, Math.abs(lo0), Math.abs(hi0)));
  const solver = new StieltjesSolver(law.problem, width);
  const eta = ETA * width;
  const tracker = new Tracker(solver, ETA_HIGH * width, eta);
  const lo = lo0 - 0.02 * width;
  const hi = hi0 + 0.02 * width;
  const offAtoms = (x: number): number => {
    // Stay off atom candidates: an atom at c adds mass * eta / (pi (x - c)^2) to the density near c.
    for (const c of law.atomCandidates) if (Math.abs(x - c) < 1e-6 * width) return c + 1e-6 * width;
    return x;
  };
  let probes: Probe[] = [];
  for (let i = 0; i < SCAN; i++) {
    const x = offAtoms(lo + ((i + 0.5) / SCAN) * (hi - lo));
    const r = probe(tracker, solver, x, eta);
    probes.push({ x, inside: r.inside, high: r.high });
  }
  for (let depth = 0; depth < 3; depth++) {
    const added: Probe[] = [];
    for (let i = 0; i + 1 < probes.length; i++) {
      const a = probes[i], b = probes[i + 1];
      if (a.inside || b.inside) continue;
      const h = b.x - a.x;
      const s = solver.solve({ re: 0.5 * (a.x + b.x), im: h }, a.high);
      if ((h * s.m.im) / Math.PI <= 5e-5) continue;
      for (let j = 1; j <= 16; j++) {
        const x = offAtoms(a.x + (j / 17) * h);
        const r = probe(tracker, solver, x, eta, j === 1 ? a.high : undefined);
        added.push({ x, inside: r.inside, high: r.high });
      }
    }
    if (added.length === 0) break;
    probes = probes.concat(added).sort((p, q) => p.x - q.x);
  }
  const support: [number, number][] = [];
  const warmEdges: Float64Array[] = [];
  const edge = (inner: number, outer: number, from: Float64Array): number => {
    let a = inner, b = outer;
    for (let it = 0; it < 60 && Math.abs(b - a) > 1e-13 * width; it++) {
      const mid = 0.5 * (a + b);
      if (probe(tracker, solver, mid, eta, from).inside) a = mid;
      else b = mid;
    }
    return 0.5 * (a + b);
  };
  let i = 0;
  const P = probes.length;
  while (i < P) {
    if (!probes[i].inside) { i++; continue; }
    let j = i;
    while (j + 1 < P && probes[j + 1].inside) j++;
    const a = i === 0 ? lo : edge(probes[i].x, probes[i - 1].x, probes[i].high);
    const b = j === P - 1 ? hi : edge(probes[j].x, probes[j + 1].x, probes[j].high);
    support.push([a, b]);
    warmEdges.push(probes[i].high);
    i = j + 1;
  }
  return { solver, tracker, width, eta, support, warm: warmEdges };
}

// An atom of mass p at c gives eta Im m(c + i eta) -> p; an inverse-square-root edge at c gives ~sqrt(eta),
// which shrinks 10-fold from eta1 = 1e-6 of the width to eta2 = eta1 / 100. The pole's position
// is only as exact as the fixed point (1e-12 relative): eta2 = 1e-8 of the width keeps that shift negligible.
function atomsOf(law: SpectralLaw, scan: Scan): Atom[] {
  const atoms: Atom[] = [];
  for (const c of law.atomCandidates) {
    const eta1 = ETA_ATOM * scan.width;
    const eta2 = eta1 / 100;
    const s1 = scan.solver.solve({ re: c, im: eta1 });
    const s2 = scan.solver.solve({ re: c, im: eta2 }, s1.u);
    const m1 = eta1 * s1.m.im;
    const m2 = eta2 * s2.m.im;
    if (m2 > 1e-6 && m2 > 0.9 * m1) atoms.push({ at: c, mass: m2 });
  }
  return atoms;
}

/** Builds F from nodes (ascending, with the support's edges among them) and their cumulative masses, plus the atoms. */
function cdfFrom(nodes: Float64Array, cumulative: Float64Array, atoms: Atom[]): { cdf: (x: number) => number; before: (x: number) => number } {
  const last = nodes.length - 1;
  const continuous = (x: number): number => {
    if (last < 0 || x <= nodes[0]) return 0;
    if (x >= nodes[last]) return cumulative[last];
    let a = 0, b = last;
    while (b - a > 1) {
      const m = (a + b) >> 1;
      if (nodes[m] <= x) a = m;
      else b = m;
    }
    const t = (x - nodes[a]) / (nodes[b] - nodes[a]);
    return cumulative[a] + t * (cumulative[b] - cumulative[a]);
  };
  return {
    cdf: (x) => continuous(x) + atoms.reduce((s, a) => s + (a.at <= x ? a.mass : 0), 0),
    before: (x) => continuous(x) + atoms.reduce((s, a) => s + (a.at < x ? a.mass : 0), 0),
  };
}

function checkGrid(grid: ArrayLike<number>): Float64Array {
  if (grid.length < 2) throw new InvalidOptionError(`lawDensity: opts.grid must hold at least 2 points, got ${grid.length}`);
  const g = Float64Array.from(grid);
  for (let i = 0; i < g.length; i++) {
    if (!Number.isFinite(g[i])) throw new NonFiniteError(`lawDensity: opts.grid[${i}] is ${g[i]}`);
    if (i > 0 && !(g[i] > g[i - 1])) throw new InvalidOptionError(`lawDensity: opts.grid must be strictly ascending, but grid[${i}] = ${g[i]} <= grid[${i - 1}] = ${g[i - 1]}`);
  }
  return g;
}

/**
 * The density on one support interval [a, b] at x = (a + b)/2 - (b - a)/2 cos(theta), theta at the midpoints of
 * N cells of [0, pi], and its mass by the midpoint rule in theta. N starts at n0 and triples (the old nodes are
 * midpoints of the new cells, so they are reused) until the mass is stable to ~1e-6, at most 3^6 n0: a
 * piece made of many narrow bumps (a small ratio on a discrete input spectrum) needs more nodes than one bump.
 */
function integrateInterval(scan: Scan, a: number, b: number, n0: number, start: Float64Array): { x: Float64Array; rho: Float64Array; cumulative: Float64Array; mass: number } {
  const half = 0.5 * (b - a);
  const mid = 0.5 * (a + b);
  let n = n0;
  let rho = new Float64Array(0);
  let sols: Float64Array[] = [];
  let previous = NaN;
  let change = NaN;
  for (let level = 0; level <= 6; level++) {
    const nextRho = new Float64Array(n);
    const nextSols: Float64Array[] = new Array(n);
    // Inside an interval the physical root is the only one off the real axis: a neighbour's solution is a safe
    // warm start; the first node (and any node whose density collapses, a sign of a wrong root) takes the track.
    let warm: Float64Array | undefined;
    let last = 0;
    for (let j = 0; j < n; j++) {
      if (level > 0 && j % 3 === 1) {
        nextRho[j] = rho[(j - 1) / 3];
        nextSols[j] = sols[(j - 1) / 3];
      } else {
        const xj = mid - half * Math.cos((Math.PI * (j + 0.5)) / n);
        let r = warm ? scan.solver.solve({ re: xj, im: scan.eta }, warm) : scan.tracker.at(xj, start);
        if (warm && r.m.im < 1e-3 * last) r = scan.tracker.at(xj, start);
        nextRho[j] = Math.max(0, r.m.im / Math.PI);
        nextSols[j] = r.u;
      }
      warm = nextSols[j];
      last = nextRho[j] * Math.PI;
    }
    rho = nextRho;
    sols = nextSols;
    let m = 0;
    for (let j = 0; j < n; j++) m += (Math.PI / n) * half * Math.sin((Math.PI * (j + 0.5)) / n) * rho[j];
    // Stop when two levels agree, or when the changes shrink fast enough that the next one would be below 1e-6
    // (resolved features converge geometrically: a narrow peak costs one level, not three).
    const d = Math.abs(m - previous);
    if (d <= 1e-6 || (d <= 1e-4 && (d * d) / change <= 1e-6)) break;
    change = d;
    previous = m;
    if (level < 6) n *= 3;
  }
  const x = new Float64Array(n);
  const cumulative = new Float64Array(n);
  let mass = 0;
  for (let j = 0; j < n; j++) {
    const theta = (Math.PI * (j + 0.5)) / n;
    x[j] = mid - half * Math.cos(theta);
    const w = (Math.PI / n) * half * Math.sin(theta) * rho[j];
    cumulative[j] = mass + 0.5 * w;
    mass += w;
  }
  return { x, rho, cumulative, mass };
}

/** The law's density on a grid (automatic, or `opts.grid`), its atoms, support and CDF (see the file comment). */
export function lawDensity(law: SpectralLaw, opts: LawDensityOptions = {}): LawDensity {
  const user = opts.grid === undefined ? undefined : checkGrid(opts.grid);
  const points = opts.points ?? 1000;
  if (!Number.isInteger(points) || points < 16 || points > 1e6) throw new InvalidOptionError(`lawDensity: opts.points must be an integer in 16..1e6, got ${points}`);
  const scan = scanSupport(law);
  const atoms = atomsOf(law, scan);
  const base = { law: law.name, params: law.params, citation: law.citation, atoms, support: scan.support };
  let x: Float64Array;
  let density: Float64Array;
  let cumulative: Float64Array;
  let cdfNodes: Float64Array;
  let mass = 0;
  if (user) {
    const g0 = user[0], g1 = user[user.length - 1];
    const tol = 1e-9 * scan.width;
    for (const [a, b] of scan.support) {
      if (a < g0 - tol || b > g1 + tol) {
        throw new InvalidOptionError(
          `lawDensity: the grid [${g0}, ${g1}] misses the support of ${law.name}: it has mass on [${a}, ${b}]; widen the grid (or omit it for the automatic one)`,
        );
      }
    }
    if (scan.support.length === 0 && atoms.length === 0) throw new ConvergenceError(`lawDensity: found neither a support nor an atom for ${law.name}`);
    x = user;
    density = new Float64Array(x.length);
    cumulative = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const inside = scan.support.some(([a, b]) => x[i] >= a && x[i] <= b);
      if (!inside) continue;
      density[i] = Math.max(0, scan.tracker.at(x[i]).m.im / Math.PI);
    }
    for (let i = 1; i < x.length; i++) {
      mass += 0.5 * (density[i] + density[i - 1]) * (x[i] - x[i - 1]);
      cumulative[i] = mass;
    }
    cdfNodes = x;
  } else {
    const lengths = scan.support.map(([a, b]) => b - a);
    const total = lengths.reduce((s, l) => s + l, 0);
    const xs: number[] = [];
    const ds: number[] = [];
    const nodes: number[] = [];
    const cs: number[] = [];
    scan.support.forEach(([a, b], k) => {
      const piece = integrateInterval(scan, a, b, Math.max(32, Math.round((points * lengths[k]) / (3 * total))), scan.warm[k]);
      nodes.push(a);
      cs.push(mass);
      for (let j = 0; j < piece.x.length; j++) {
        xs.push(piece.x[j]);
        ds.push(piece.rho[j]);
        nodes.push(piece.x[j]);
        cs.push(mass + piece.cumulative[j]);
      }
      mass += piece.mass;
      nodes.push(b);
      cs.push(mass);
    });
    x = Float64Array.from(xs);
    density = Float64Array.from(ds);
    cdfNodes = Float64Array.from(nodes);
    cumulative = Float64Array.from(cs);
  }
  const atomMass = atoms.reduce((s, a) => s + a.mass, 0);
  const totalMass = mass + atomMass;
  if (!user && Math.abs(totalMass - 1) > 1e-3) {
    throw new ConvergenceError(
      `lawDensity: ${law.name} integrates to ${totalMass.toFixed(6)} (density ${mass.toFixed(6)} + atoms ${atomMass.toFixed(6)}), not 1: ` +
        `a piece of its support was missed (support found: ${scan.support.map(([a, b]) => `[${a.toPrecision(6)}, ${b.toPrecision(6)}]`).join(' ') || 'none'})`,
    );
  }
  const { cdf, before } = cdfFrom(cdfNodes, cumulative, atoms);
  return { ...base, x, density, mass, total: totalMass, cdf, cdfBefore: before };
}
