/**
 * The model of a job, in TensorFlow.js's own layers-model format (`model.json` + `weights.bin`), through the
 * general model IO of src/models/io.ts. What a job adds: each file is written atomically with fsync (a crash
 * leaves the old file or the whole new one; a full disk is a TileWriteError), and a model that cannot be read
 * back makes the job unusable (JobFormatError).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel as loadAnyModel, LoadedModel, MODEL_JSON, modelFiles, ModelFormatError, SavedModelInfo, WEIGHTS_BIN } from '../models/io';
import type { AutodiffModel } from '../ntk/jacobian/linearised';
import type { Mlp } from '../models';
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomic } from './atomic';
import { JobFormatError } from './errors';

export { MODEL_JSON, WEIGHTS_BIN };
export type { LoadedModel, SavedModelInfo, SavedModelKind } from '../models/io';

/** Writes `model` to `dir`/model.json and `dir`/weights.bin (atomically each, weights first; `dir` is created if needed). */
export async function saveModel(model: AutodiffModel, dir: string): Promise<SavedModelInfo> {
  const { files, info } = await modelFiles(model as Mlp | tfl.LayersModel);
  await mkdir(dir, { recursive: true });
  for (const f of files) await writeFileAtomic(join(dir, f.name), [f.bytes]);
  return info;
}

/** Reads the model that `saveModel` wrote to `dir`; an unreadable one is a JobFormatError. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  try {
    return await loadAnyModel(dir);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new JobFormatError(e.message);
    throw e;
  }
}
