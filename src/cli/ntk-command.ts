/**
 * `ntk-lab ntk`: builds a seeded MLP, computes its NTK and layerwise components on Gaussian inputs, and prints
 * each parameter tensor's share of the kernel with the time spent on it.
 */
import { parseSeededMlp, seededInputs, seededMlpOptions, seededNetwork } from './seeded-mlp';
import { parseArgs } from 'node:util';
import * as fs from 'node:fs';
import { ensureBackend } from '../backend';
import { InvalidOptionError } from '../errors';
import { linalgInfo } from '../linalg';
import { ntkLayerwise } from '../ntk';
import { VERSION } from '../version';
import { writeKernels } from '../arrow';
import { progressBar } from './progress';

export const NTK_USAGE = `usage: ntk-lab ntk [--widths 512,512,512] [--n 1000] [--input-dim 784] [--outputs 1]
                   [--activation relu] [--parameterization ntk|standard] [--no-bias]
                   [--seed 0] [--tile N] [--out kernel.arrow|kernel.arrows|kernel.json]`;

function positiveInt(name: string, raw: string): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`--${name} must be a positive integer, got '${raw}'`);
  return v;
}

/** Runs the command; returns the process exit code. */
export async function ntkCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...seededMlpOptions('512,512,512'),
      tile: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    out(NTK_USAGE);
    return 0;
  }
  const n = positiveInt('n', values.n);
  const spec = parseSeededMlp(values, positiveInt);
  const { widths, inputDim, outputDim, seed } = spec;
  const tile = values.tile === undefined ? undefined : positiveInt('tile', values.tile);

  const backend = await ensureBackend();
  const net = seededNetwork(spec);
  try {
    const x = seededInputs(spec, n, 1);
    const bar = progressBar(`NTK ${n} x ${n}`);
    // Progress steps are: the forward/backward pass, then one per layer and block; their spacing times the layers.
    const stamps: number[] = [performance.now()];
    const result = await ntkLayerwise(net, x, undefined, {
      tile,
      onProgress: (done, total) => {
        stamps.push(performance.now());
        bar.update(done, total);
      },
    });
    bar.end();
    const layerMs = new Array<number>(net.layers.length).fill(0);
    for (let s = 2; s < stamps.length; s++) layerMs[(s - 2) % net.layers.length] += stamps[s] - stamps[s - 1];
    const K = result.ntk;
    const tr = K.trace();
    const fro = K.frobenius();
    out(`ntk-lab ${VERSION}: explicit NTK of an MLP ${[inputDim, ...widths, outputDim].join('-')} (${values.activation}, ${values.parameterization} parameterisation${values['no-bias'] ? ', no bias' : ''}), n = ${n}, seed ${seed}`);
    out(`backend: tfjs ${backend.name}; linalg ${linalgInfo().implementation} (${linalgInfo().blas}, ${linalgInfo().threads} threads)`);
    out('');
    out(`${'component'.padEnd(16)}${'||K_c||_F/||K||_F'.padStart(19)}${'tr K_c / tr K'.padStart(15)}${'layer ms'.padStart(11)}`);
    for (const c of result.components) {
      const layer = Number(/^layer(\d+)/.exec(c.label)![1]) - 1;
      const ms = c.label.endsWith('/weight') ? layerMs[layer].toFixed(1) : '';
      out(`${c.label.padEnd(16)}${(c.frobenius() / fro).toFixed(4).padStart(19)}${(c.trace() / tr).toFixed(4).padStart(15)}${ms.padStart(11)}`);
    }
    out(`${'total'.padEnd(16)}${(1).toFixed(4).padStart(19)}${(1).toFixed(4).padStart(15)}${(stamps[stamps.length - 1] - stamps[0]).toFixed(1).padStart(11)}`);
    out(`forward/backward pass ${(stamps[1] - stamps[0]).toFixed(1)} ms; wall time ${K.wallTimeMs.toFixed(1)} ms`);
    if (values.out) {
      await writeResult(values.out, result.ntk, result.components, { widths, n, inputDim, outputDim, activation: values.activation, parameterization: values.parameterization, bias: !values['no-bias'], seed });
      out(`wrote ${values.out}`);
    }
    return 0;
  } finally {
    net.dispose();
  }
}

async function writeResult(
  path: string,
  ntkKernel: import('../ntk').Kernel,
  components: import('../ntk').Kernel[],
  params: Record<string, string | number | boolean | number[]>,
): Promise<void> {
  if (path.endsWith('.json')) {
    const json = {
      ntkLab: VERSION,
      params,
      kernels: [ntkKernel, ...components].map((k) => ({ label: k.label, kind: k.kind, shape: k.shape, layout: k.layout, values: Array.from(k.values) })),
    };
    fs.writeFileSync(path, JSON.stringify(json));
    return;
  }
  if (path.endsWith('.arrow') || path.endsWith('.arrows')) {
    await writeKernels(path, [ntkKernel, ...components], { params, backend: ntkKernel.backend, seed: Number(params.seed) });
    return;
  }
  throw new InvalidOptionError(`--out: unsupported extension in '${path}' (use .arrow, .arrows or .json)`);
}
