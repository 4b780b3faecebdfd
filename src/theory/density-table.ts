/**
 * Density curves (a law's, an ESD's histogram or kernel estimate) as an Arrow 'density' result
 * (src/arrow/kinds/density.ts: columns curve, law, x, density; schema metadata `laws` = {curve: {law, params}}).
 */
import type { Table } from 'apache-arrow';
import { densityBatch, DensityColumns, LawSpec, resultSchema, ResultStream, RunMeta } from '../arrow';
import { densityMetadata } from '../arrow/kinds/density';
import type { JsonValue } from '../arrow/metadata';
import type { LawDensity } from './density';

/** One curve of a density table. */
export interface DensityCurve {
  /** Name of the curve in the table ('theory', 'histogram', 'kde', ...). */
  curve: string;
  /** The law ('empirical' for an ESD) and the parameters it was evaluated with (JSON). */
  law: LawSpec['law'];
  params: { readonly [key: string]: JsonValue };
  x: ArrayLike<number>;
  density: ArrayLike<number>;
}

/** The curve of an evaluated law, its atoms and support recorded in the params. */
export function lawCurve(d: LawDensity, curve = 'theory'): DensityCurve {
  return {
    curve,
    law: d.law,
    params: {
      ...d.params,
      citation: d.citation,
      atoms: d.atoms.map((a) => ({ at: a.at, mass: a.mass })),
      support: d.support.map(([a, b]) => [a, b]),
      mass: d.mass,
    },
    x: d.x,
    density: d.density,
  };
}

/** An Arrow 'density' table of the curves (one batch each), with the run metadata and the `laws` key. */
export async function densityTable(curves: readonly DensityCurve[], meta: RunMeta = {}): Promise<Table<DensityColumns>> {
  const laws: Record<string, LawSpec> = {};
  for (const c of curves) laws[c.curve] = { law: c.law, params: c.params };
  const schema = resultSchema('density', meta, densityMetadata(laws));
  const batches = curves.map((c) => densityBatch({ curve: c.curve, law: c.law, x: c.x, density: c.density }));
  return new ResultStream(schema, batches).toTable();
}
