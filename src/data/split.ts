/** Seeded train/test splits. */
import { InvalidOptionError } from '../errors';
import { Rng } from '../random';
import { ClassificationSet, takeRows } from './labelled';

/** Options of trainTestSplit. */
export interface SplitOptions {
  /** Fraction of the examples in the test set, in [0, 1) (default 0.2); the test set gets round(n * testFraction). */
  testFraction?: number;
  /** Seed of the shuffle (default 0): the same seed gives the same split on every platform. */
  seed?: number;
  /** Keep each class's share in both parts (default true): each class is shuffled and split on its own. */
  stratify?: boolean;
}

/** A seeded shuffle of `set` into train and test parts (rows shuffled in both; `indices` say where each came from). */
export function trainTestSplit(set: ClassificationSet, options: SplitOptions = {}): { train: ClassificationSet; test: ClassificationSet } {
  const f = options.testFraction ?? 0.2;
  if (!(f >= 0 && f < 1)) throw new InvalidOptionError(`trainTestSplit: testFraction must be in [0, 1), got ${f}`);
  const rng = new Rng(options.seed ?? 0);
  const n = set.x.rows;
  const shuffle = (a: number[]): number[] => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const train: number[] = [];
  const test: number[] = [];
  if (options.stratify ?? true) {
    for (let c = 0; c < set.numClasses; c++) {
      const rows = shuffle(Array.from(set.y.keys()).filter((i) => set.y[i] === c));
      const t = Math.round(rows.length * f);
      test.push(...rows.slice(0, t));
      train.push(...rows.slice(t));
    }
    shuffle(train);
    shuffle(test);
  } else {
    const rows = shuffle(Array.from({ length: n }, (_, i) => i));
    const t = Math.round(n * f);
    test.push(...rows.slice(0, t));
    train.push(...rows.slice(t));
  }
  return { train: takeRows(set, train), test: takeRows(set, test) };
}
