/**
 * Message signatures: an HMAC over the four JSON frames (header, parent, metadata, content) only; the
 * binary buffers that follow are not signed (Jupyter messaging spec, "The Wire Protocol").
 */
import { createHmac, getHashes, timingSafeEqual } from 'node:crypto';

/** Signs and checks the JSON frames of messages with the connection file's key and scheme. */
export class Signer {
  private readonly algorithm: string | undefined;

  /** `scheme`: 'hmac-sha256' and the like; an empty `key` disables signing, as the spec allows. */
  constructor(
    private readonly key: string,
    scheme = 'hmac-sha256',
  ) {
    if (!scheme.startsWith('hmac-')) throw new Error(`unsupported signature scheme '${scheme}' (expected hmac-<digest>)`);
    const algorithm = scheme.slice('hmac-'.length);
    if (!getHashes().includes(algorithm)) throw new Error(`unsupported signature scheme '${scheme}': no digest '${algorithm}' in this Node`);
    this.algorithm = key === '' ? undefined : algorithm;
  }

  /** False when the key is empty: messages are neither signed nor checked. */
  get enabled(): boolean {
    return this.algorithm !== undefined;
  }

  /** The hex signature of the four JSON frames ('' when signing is disabled). */
  sign(frames: readonly Buffer[]): string {
    if (!this.algorithm) return '';
    const h = createHmac(this.algorithm, this.key);
    for (const f of frames) h.update(f);
    return h.digest('hex');
  }

  /** True when `signature` matches the frames; compared in constant time so a forger learns nothing from timing. */
  verify(frames: readonly Buffer[], signature: string): boolean {
    if (!this.algorithm) return true;
    const want = Buffer.from(this.sign(frames), 'latin1');
    const got = Buffer.from(signature, 'latin1');
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
