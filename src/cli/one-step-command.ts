/**
 * `ntk-lab one-step`: the one-gradient-step experiment of Ba et al. 2022 as a sweep over learning rates (both
 * scalings), lambdas, widths and seeds. Prints one line per completed point as it finishes, then mean +- std over
 * seeds, and writes the Arrow result (kind 'one-step-sweep') with --out. Ctrl-C stops between points and leaves a
 * readable file holding the points done so far.
 */
import { parseArgs } from 'node:util';
import type { OneStepSweepColumns, OneStepSweepRow } from '../arrow/kinds/one-step-sweep';
import { CallbackSink } from '../arrow/sinks/callback';
import { IpcFileSink } from '../arrow/sinks/file';
import { ensureBackend } from '../backend';
import { CancelledError, InvalidOptionError } from '../errors';
import { oneStepSweepStream, type OneStepOptions, type RidgeSolver } from '../feature-learning';
import { parseScaling } from '../feature-learning/step';
import { linalgInfo } from '../linalg';
import type { ActivationName } from '../models';
import { VERSION } from '../version';

export const ONE_STEP_USAGE = `usage: ntk-lab one-step [--n 2000] [--d 1000] [--N 1000[,2000]] [--activation tanh] [--teacher erf]
                        [--noise 0.1] [--etas 0,1,2,4,8] [--scaling small,large] [--lambda 1e-3[,1e-2]]
                        [--seeds 3] [--n-test N] [--solver auto|primal|dual] [--no-gaussian-equivalent]
                        [--out sweep.arrow|sweep.arrows]
  eta = factor * N^alpha for each factor of --etas (alpha = 0 for small, 1/2 for large, or n^<alpha>);
  W1 = W0 + eta sqrt(N) G0; second layer by ridge with penalty (lambda/N)||a||^2 on a fresh sample (docs/one-step.md)`;

function numbers(name: string, raw: string, integer = false): number[] {
  const list = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (list.length === 0) throw new InvalidOptionError(`--${name} needs at least one value, got '${raw}'`);
  return list.map((s) => {
    const v = Number(s);
    if (s === '' || Number.isNaN(v) || (integer && !Number.isInteger(v))) throw new InvalidOptionError(`--${name}: '${s}' is not ${integer ? 'an integer' : 'a number'}`);
    return v;
  });
}

function one(name: string, raw: string): number {
  const [v, ...rest] = numbers(name, raw, true);
  if (rest.length > 0) throw new InvalidOptionError(`--${name} takes one value, got '${raw}'`);
  return v;
}

const HEADER = `${'scaling'.padEnd(13)}${'factor'.padStart(7)}${'eta'.padStart(9)}${'seed'.padStart(6)}${'lambda'.padStart(8)}` +
  `${'|u1(G0).b|'.padStart(11)}${'|u1(W1).b|'.padStart(11)}${'spike/bulk'.padStart(11)}${'RF risk'.padStart(9)}${'trained'.padStart(9)}` +
  `${'GE pred'.padStart(9)}${'linear'.padStart(9)}${'mu2*^2'.padStart(8)}`;

const f4 = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(4));

/** One row: a seed's values, the mean over seeds ('3x' in the seed column) or the standard deviation ('±sd'). */
function line(r: OneStepSweepRow): string {
  const pm = (key: 'alignment' | 'alignmentW1' | 'riskInitial' | 'riskTrained' | 'riskGaussianEquivalent' | 'riskLinear'): string => f4(r[key]);
  const ratio = r.statistic === 'std' ? '' : r.bulkNorm > 0 ? (r.spikeNorm / r.bulkNorm).toFixed(1) : '-';
  const seed = r.statistic === 'value' ? String(r.seed) : r.statistic === 'mean' ? `${r.nSeeds}x` : '±sd';
  return `${r.scaling.padEnd(13)}${String(r.etaFactor ?? '').padStart(7)}${r.eta.toPrecision(4).padStart(9)}${seed.padStart(6)}${r.lambda.toExponential(0).padStart(8)}` +
    `${pm('alignment').padStart(11)}${pm('alignmentW1').padStart(11)}${ratio.padStart(11)}${pm('riskInitial').padStart(9)}${pm('riskTrained').padStart(9)}` +
    `${pm('riskGaussianEquivalent').padStart(9)}${pm('riskLinear').padStart(9)}${f4(r.riskLowerBound).padStart(8)}`;
}

/** Runs the command; returns the process exit code (130 when interrupted). */
export async function oneStepCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: '2000' },
      d: { type: 'string', default: '1000' },
      N: { type: 'string', default: '1000' },
      activation: { type: 'string', default: 'tanh' },
      teacher: { type: 'string', default: 'erf' },
      noise: { type: 'string', default: '0.1' },
      etas: { type: 'string', default: '0,1,2,4,8' },
      scaling: { type: 'string', default: 'small,large' },
      lambda: { type: 'string', default: '1e-3' },
      seeds: { type: 'string', default: '3' },
      'n-test': { type: 'string' },
      solver: { type: 'string', default: 'auto' },
      'no-gaussian-equivalent': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    out(ONE_STEP_USAGE);
    return 0;
  }
  if (values.out !== undefined && !values.out.endsWith('.arrow') && !values.out.endsWith('.arrows')) {
    throw new InvalidOptionError(`--out: unsupported extension in '${values.out}' (use .arrow or .arrows)`);
  }
  const options: OneStepOptions = {
    n: one('n', values.n),
    d: one('d', values.d),
    N: numbers('N', values.N, true),
    activation: values.activation as ActivationName,
    teacher: values.teacher as ActivationName,
    noise: numbers('noise', values.noise)[0],
    etas: numbers('etas', values.etas),
    scalings: values.scaling.split(',').map(parseScaling),
    lambdas: numbers('lambda', values.lambda),
    seeds: one('seeds', values.seeds),
    nTest: values['n-test'] === undefined ? undefined : one('n-test', values['n-test']),
    solver: values.solver as RidgeSolver,
    gaussianEquivalent: !values['no-gaussian-equivalent'],
  };
  const ac = new AbortController();
  const onSigint = (): void => ac.abort(new CancelledError('interrupted (SIGINT)'));
  const started = performance.now();
  const stream = oneStepSweepStream(options, { signal: ac.signal, onRows: (rows) => rows.forEach((r) => out(line(r))) }); // options are checked here, before the backend starts
  await ensureBackend();
  const info = linalgInfo();
  out(`ntk-lab ${VERSION}: one gradient step (Ba et al. 2022), n = ${options.n}, d = ${options.d}, N = ${String(options.N)}, ${options.activation} student, ${options.teacher} teacher, noise ${options.noise}`);
  out(`linalg ${info.implementation} (${info.blas}, ${info.threads} threads); risks against the noise-free teacher; rows 'Sx' / '±sd': mean / standard deviation over S seeds`);
  out('');
  out(HEADER);
  process.once('SIGINT', onSigint);
  try {
    const progress = new CallbackSink<OneStepSweepColumns>(() => undefined); // the table is printed by onRows
    const [status] = values.out ? await stream.pipeTo(progress, new IpcFileSink<OneStepSweepColumns>(values.out)) : await stream.pipeTo(progress);
    out(`${status.batches} batches, ${status.rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s${values.out ? `; wrote ${values.out}` : ''}`);
    return 0;
  } catch (e) {
    if (e instanceof CancelledError) {
      out(`cancelled after ${((performance.now() - started) / 1000).toFixed(1)} s${values.out ? `; ${values.out} holds the points completed so far` : ''}`);
      return 130;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
