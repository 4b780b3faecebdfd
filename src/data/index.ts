/**
 * 'ntk-lab/data': bring your own data (and weights trained elsewhere).
 *
 *   import { loadDigits, readNpy, readParquet, readSafetensors, assignWeights } from 'ntk-lab/data';
 *   const { train, test } = await loadDigits({ split: 0.2, seed: 0 });     // x: n x 64 float32, y, one-hot targets
 *   const { x, y } = await readParquet('data.parquet', { label: 'y' });   // features + labels from a table
 *
 * Readers: NumPy .npy/.npz, Arrow IPC, Parquet, IDX (MNIST), safetensors; each fails with a DataFormatError that
 * names the file and the problem. Tables become a Dataset (x: n x d row-major float32, y: labels); image data sets a
 * ClassificationSet (x, y, one-hot targets). Model files (tfjs model.json + shards) are the root's saveModel/loadModel.
 * Every name is listed (no `export *`); test/api/exports.test.ts holds the same list.
 */
export { DataFormatError } from './errors';
export type { DType, NdArray, NdData } from './ndarray';
export { toMatrix } from './ndarray';
export type { ByteSource } from './source';
export { readNpy } from './npy';
export { readNpz } from './npz';
export { readIdx } from './idx';
export { loadMnist } from './mnist';
export type { MnistData, MnistOptions } from './mnist';
export { readSafetensors } from './safetensors';
export type { Safetensors } from './safetensors';
export { assignWeights, permuteAxes } from './weights';
export type { WeightSource } from './weights';
export { readArrowTable, readArrowDataset, tableDataset } from './arrow';
export { readParquet } from './parquet';
export type { Dataset, TableOptions } from './columns';
export type { Normalization } from './normalize';
export { oneHot } from './labelled';
export type { ClassificationSet } from './labelled';
export { trainTestSplit } from './split';
export type { SplitOptions } from './split';
export { loadDigits } from './digits';
export type { DigitsData, DigitsOptions } from './digits';
