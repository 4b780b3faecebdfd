/** NumPy .npz archives (np.savez: stored, np.savez_compressed: deflate): each member .npy by its name. */
import { DataFormatError } from './errors';
import type { NdArray } from './ndarray';
import { decodeNpy } from './npy';
import { ByteSource, sourceBytes } from './source';
import { zipEntries, zipRead } from './zip';

/** Reads every array of an .npz (a path or its bytes), keyed by name without '.npy' (np.savez's keyword names, arr_0, ...). */
export async function readNpz(source: ByteSource): Promise<Record<string, NdArray>> {
  const { bytes, label } = await sourceBytes(source);
  const out: Record<string, NdArray> = {};
  for (const entry of zipEntries(bytes, label)) {
    if (entry.name.endsWith('/')) continue;
    if (!entry.name.endsWith('.npy')) throw new DataFormatError(`${label}: member '${entry.name}' is not a .npy file`);
    out[entry.name.slice(0, -4)] = decodeNpy(zipRead(bytes, entry, label), `${label}:${entry.name}`);
  }
  return out;
}
