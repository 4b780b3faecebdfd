/** SHA-256 of files and byte chunks, as lower-case hex (the form `sha256sum` prints). */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** sha256 of the concatenation of `chunks`. */
export function sha256Chunks(chunks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/** sha256 and size of a file, read in 4 MiB pieces (a tile of 10^8 values is never held twice). */
export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { sha256: h.digest('hex'), bytes };
  } finally {
    await fh.close();
  }
}
