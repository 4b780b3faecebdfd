/**
 * One (width, seed) of the sweep: draws the three samples and the student, takes the gradient once, then walks the
 * learning rates (every scaling, every multiplier) and yields one group of rows per completed point (a row per
 * lambda). What does not depend on eta (the gradient's spike, random features, the linear baseline, the null
 * risk) is computed once and repeated in every row, so that each row is a complete record.
 */
import { CancelledError } from '../errors';
import type { OneStepSweepRow } from '../arrow/kinds/one-step-sweep';
import { deriveSeed } from '../random';
import { hermite } from '../theory/hermite';
import { StepGram, StepPreactivations } from './affine-step';
import { sampleData } from './data';
import { gaussianEquivalentRisk } from './gaussian-equivalent';
import { firstLayerGradient } from './gradient';
import { tunedLinearRidge } from './linear-baseline';
import type { ResolvedOneStep } from './options';
import { ckRidge } from './ridge';
import { alignmentOf, singularFromGram } from './singular';
import { gradientSpike } from './spike';
import { learningRate, scalingExponent, scalingLabel } from './step';
import { initialStudent } from './student';
import { matVec, meanSquaredError } from './vectors';

/** Seeds of the streams of one seed: each sample and the student get their own. */
export function streamSeed(seed: number, stream: 'step' | 'ridge' | 'test' | 'student'): number {
  return deriveSeed(seed, `one-step/${stream}`);
}

function checkAborted(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) throw new CancelledError(`one-step sweep cancelled ${where}`);
}

/** Yields, for width N and one seed, the rows of each (scaling, eta) point as soon as it is complete. */
export async function* runSeed(config: ResolvedOneStep, N: number, seed: number, signal?: AbortSignal): AsyncGenerator<OneStepSweepRow[]> {
  const { n, d, nTest, lambdas, activation: act } = config;
  const teacher = config.teacherFor(seed);
  const train = sampleData(teacher, n, streamSeed(seed, 'step'));
  const fresh = sampleData(teacher, n, streamSeed(seed, 'ridge'));
  const test = sampleData(teacher, nTest, streamSeed(seed, 'test'));
  const student = await initialStudent({ d, N, activation: act, seed: streamSeed(seed, 'student') });
  const { W0, a } = student;
  const h = hermite(act, { order: 4 });
  // The paper's Gaussian equivalence needs an odd sigma (mu0 = mu2 = 0).
  const odd = Math.abs(h.mu0) < 1e-10 && Math.abs(h.mu2) < 1e-10;
  checkAborted(signal, 'before the gradient');

  const { G0 } = await firstLayerGradient(student, train.x, train.y);
  const spike = await gradientSpike(G0, { beta: teacher.beta, x: train.x, y: train.y, a, mu1: h.mu1 });
  const linear = await tunedLinearRidge(fresh, test, config.linearLambdas);
  const riskNull = meanSquaredError(test.fStar, new Float64Array(nTest));
  const ridgePre = await StepPreactivations.of(fresh.x, W0, G0);
  const testPre = await StepPreactivations.of(test.x, W0, G0);
  const gram = await StepGram.of(W0, G0, teacher.beta);
  const phi = { rows: n, cols: N, data: new Float64Array(n * N) };
  const phiTest = { rows: nTest, cols: N, data: new Float64Array(nTest * N) };

  // Ridge on the CK of W1 = W0 + c G0 (fresh sample), test risk against the noise-free teacher, per lambda.
  const risksAt = async (c: number): Promise<Float64Array> => {
    ridgePre.features(c, act, phi);
    testPre.features(c, act, phiTest);
    const fit = await ckRidge(phi, fresh.y, lambdas, { solver: config.solver });
    return Float64Array.from(fit.coefficients, (coef) => meanSquaredError(matVec(phiTest, coef), test.fStar));
  };
  const riskInitial = await risksAt(0);

  for (const scaling of config.scalings) {
    const small = scalingExponent(scaling) === 0;
    for (const factor of config.etas) {
      checkAborted(signal, `at width ${N}, seed ${seed}`);
      const eta = learningRate(factor, scaling, N);
      const c = eta * Math.sqrt(N);
      const riskTrained = c === 0 ? riskInitial : await risksAt(c);
      const withGe = config.gaussianEquivalent && small && odd;
      const w1 = await singularFromGram(gram.at(c), gram.side, gram.probe(c), withGe ? undefined : 1);
      const rows = lambdas.map((lambda, li): OneStepSweepRow => ({
        eta,
        scaling: scalingLabel(scaling),
        seed,
        n,
        d,
        width: N,
        lambda,
        alignment: spike.alignment,
        spikeNorm: c * spike.singularValues[0],
        bulkNorm: c * spike.singularValues[1],
        riskInitial: riskInitial[li],
        riskTrained: riskTrained[li],
        statistic: 'value',
        nSeeds: 1,
        etaFactor: factor,
        alignmentW1: alignmentOf(w1.projections[0]),
        spikeResidual: spike.residual,
        etaBbp: spike.etaBbp,
        weightChange: c * spike.frobenius,
        riskLinear: linear.risk,
        riskNull,
        riskLowerBound: teacher.moments.nonlinearPower,
        riskGaussianEquivalent: withGe
          ? gaussianEquivalentRisk({
              singular: w1, N, n, lambda, noise: teacher.noise,
              student: { mu1: h.mu1, muStar: h.muStar },
              teacher: { mu1: teacher.moments.mu1, power: teacher.moments.power },
            })
          : NaN,
      }));
      yield rows;
    }
  }
}
