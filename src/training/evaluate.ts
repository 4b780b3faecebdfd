/** Loss and accuracy of a model on a whole set, in chunks of rows (bounded memory), inside tidy scopes. */
import * as tf from '@tensorflow/tfjs-core';
import { predict, TrainableModel } from './data';
import type { TrainingLoss } from './options';

/** Rows per forward pass when evaluating. */
const CHUNK = 512;

/** The run's loss of predictions `f` against targets `y` (both [rows, k]): a mean over the rows (and outputs for 'mse'). */
export function lossOf(loss: TrainingLoss, y: tf.Tensor, f: tf.Tensor): tf.Scalar {
  return loss === 'mse' ? tf.losses.meanSquaredError(y, f) : tf.losses.softmaxCrossEntropy(y, f);
}

/** Rows [start, start + size) of a tensor of any rank. */
function rowsOf(x: tf.Tensor, start: number, size: number): tf.Tensor {
  const begin = x.shape.map((_, i) => (i === 0 ? start : 0));
  const extent = x.shape.map((d, i) => (i === 0 ? size : d));
  return tf.slice(x, begin, extent);
}

/** Mean loss over all rows of (x, y), and the fraction of rows whose argmax output is the target's argmax (when `withAccuracy`). */
export function evaluate(model: TrainableModel, x: tf.Tensor, y: tf.Tensor, loss: TrainingLoss, withAccuracy: boolean): { loss: number; accuracy?: number } {
  const n = x.shape[0];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const size = Math.min(CHUNK, n - start);
    const [l, c] = tf.tidy(() => {
      const xb = rowsOf(x, start, size);
      const yb = rowsOf(y, start, size);
      const f = predict(model, xb);
      const lv = lossOf(loss, yb, f).dataSync()[0];
      const cv = withAccuracy ? tf.sum(tf.cast(tf.equal(tf.argMax(f, 1), tf.argMax(yb, 1)), 'float32')).dataSync()[0] : 0;
      return [lv, cv];
    });
    lossSum += l * size;
    correct += c;
  }
  return withAccuracy ? { loss: lossSum / n, accuracy: correct / n } : { loss: lossSum / n };
}
