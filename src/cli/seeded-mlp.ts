/**
 * The seeded MLP on Gaussian inputs that `ntk-lab ntk` and `ntk-lab tiles plan` build from the same flags: one
 * option spec and one construction, so that a tile job planned from flags computes the kernel `ntk-lab ntk` prints.
 */
import { InvalidOptionError } from '../errors';
import type { Matrix } from '../linalg';
import { type ActivationName, type Mlp, mlp } from '../models';
import { Rng } from '../random';

/** parseArgs options of the seeded MLP (widths' default differs per command). */
export function seededMlpOptions(defaultWidths: string) {
  return {
    widths: { type: 'string', default: defaultWidths },
    n: { type: 'string', default: '1000' },
    'input-dim': { type: 'string', default: '784' },
    outputs: { type: 'string', default: '1' },
    activation: { type: 'string', default: 'relu' },
    parameterization: { type: 'string', default: 'ntk' },
    'no-bias': { type: 'boolean', default: false },
    seed: { type: 'string', default: '0' },
  } as const;
}

/** The parsed values of those options. */
export interface SeededMlpValues {
  widths: string;
  'input-dim': string;
  outputs: string;
  activation: string;
  parameterization: string;
  'no-bias': boolean;
  seed: string;
}

/** The validated shape and seed (parsed before any backend starts, so bad flags fail at once). */
export interface SeededMlpSpec {
  widths: number[];
  inputDim: number;
  outputDim: number;
  seed: number;
  activation: ActivationName;
  parameterization: 'ntk' | 'standard';
  bias: boolean;
}

/** Parses the flags; `positive(name, raw)` parses each size the command's own way (its messages). */
export function parseSeededMlp(values: SeededMlpValues, positive: (name: string, raw: string) => number): SeededMlpSpec {
  const widths = values.widths.split(',').map((w) => positive('widths', w));
  const inputDim = positive('input-dim', values['input-dim']);
  const outputDim = positive('outputs', values.outputs);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new InvalidOptionError(`--seed must be an integer, got '${values.seed}'`);
  return {
    widths,
    inputDim,
    outputDim,
    seed,
    activation: values.activation as ActivationName,
    parameterization: values.parameterization as 'ntk' | 'standard',
    bias: !values['no-bias'],
  };
}

/** The spec's network (dispose it). */
export function seededNetwork(spec: SeededMlpSpec): Mlp {
  const { inputDim, widths, outputDim, activation, parameterization, bias, seed } = spec;
  return mlp({ inputDim, widths, outputDim, activation, parameterization, bias, seed });
}

/** rows x inputDim standard normals from Rng(seed + stream) (float32, row-major): stream 1 is x1, 2 is x2. */
export function seededInputs(spec: SeededMlpSpec, rows: number, stream: number): Matrix<Float32Array> {
  return { rows, cols: spec.inputDim, data: new Rng(spec.seed + stream).normals32(rows * spec.inputDim) };
}
