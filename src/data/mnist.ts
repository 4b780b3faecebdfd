/**
 * MNIST-style data sets from their IDX files in one folder (MNIST, Fashion-MNIST, KMNIST use the same names):
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or
 * .gz, with '-idx' or '.idx' (both spellings circulate). ntk-lab downloads nothing: bring the files.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidOptionError, ShapeError } from '../errors';
import { DataFormatError } from './errors';
import { readIdx } from './idx';
import { classificationSet, ClassificationSet } from './labelled';
import { toFloat32 } from './ndarray';

/** Options of loadMnist. */
export interface MnistOptions {
  /** Divide pixels by 255 so that they lie in [0, 1] (default true); false keeps 0..255. */
  normalize?: boolean;
  /** Keep the first `limit` examples of each part (default: all). */
  limit?: number;
}

/** The two parts of an MNIST-style data set: x is n x 784 float32, y the digit, exampleShape [28, 28, 1]. */
export interface MnistData {
  train: ClassificationSet;
  test: ClassificationSet;
}

async function find(dir: string, stem: string, kind: 'idx1' | 'idx3'): Promise<string> {
  const names = [`${stem}-${kind}-ubyte`, `${stem}.${kind}-ubyte`].flatMap((n) => [n, `${n}.gz`]);
  for (const n of names) {
    const p = join(dir, n);
    if (await access(p).then(() => true, () => false)) return p;
  }
  throw new DataFormatError(`${dir}: no ${names.join(' or ')} (MNIST-style IDX files are looked for by these names)`);
}

async function part(dir: string, stem: 'train' | 't10k', options: MnistOptions): Promise<ClassificationSet> {
  const images = await readIdx(await find(dir, `${stem}-images`, 'idx3'));
  const labels = await readIdx(await find(dir, `${stem}-labels`, 'idx1'));
  if (images.shape.length !== 3) throw new ShapeError(`${stem} images: expected rank 3 [n, rows, cols], got [${images.shape.join(', ')}]`);
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) throw new ShapeError(`${stem}: ${images.shape[0]} images but labels of shape [${labels.shape.join(', ')}]`);
  const limit = options.limit ?? images.shape[0];
  if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidOptionError(`loadMnist: limit must be a positive integer, got ${options.limit}`);
  const n = Math.min(limit, images.shape[0]);
  const [, h, w] = images.shape;
  const x = toFloat32(images).slice(0, n * h * w);
  if (options.normalize ?? true) for (let i = 0; i < x.length; i++) x[i] /= 255;
  const y = Int32Array.from(toFloat32(labels).subarray(0, n));
  let numClasses = 10;
  for (const c of y) if (c + 1 > numClasses) numClasses = c + 1;
  return classificationSet({ rows: n, cols: h * w, data: x }, y, numClasses, [h, w, 1]);
}

/** Reads an MNIST-style data set from `dir` (see the module comment for the file names). */
export async function loadMnist(dir: string, options: MnistOptions = {}): Promise<MnistData> {
  return { train: await part(dir, 'train', options), test: await part(dir, 't10k', options) };
}
