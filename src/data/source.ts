/** Where a reader's bytes come from: a path (read whole) or bytes in memory; `label` names it in messages. */
import { readFile } from 'node:fs/promises';
import { DataFormatError } from './errors';

/** A file path, or the file's bytes. */
export type ByteSource = string | Uint8Array;

/** The bytes of `source` and a label for error messages. */
export async function sourceBytes(source: ByteSource): Promise<{ bytes: Uint8Array; label: string }> {
  if (typeof source !== 'string') {
    if (!(source instanceof Uint8Array)) throw new DataFormatError(`expected a path or a Uint8Array, got ${typeof source}`);
    return { bytes: source, label: 'bytes' };
  }
  try {
    return { bytes: await readFile(source), label: source };
  } catch (e) {
    throw new DataFormatError(`${source}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
