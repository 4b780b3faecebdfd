/**
 * Replay protection: a signed message is accepted once. A captured message re-sent as it is carries a
 * valid signature, so the signature alone would let anyone who saw it run the same cell again;
 * jupyter_client's Session keeps a history of the digests it has seen for the same reason (its
 * `digest_history`, 2^16 entries). Legitimate senders never repeat a digest: every header has a fresh
 * msg_id and date.
 */

/** Digests seen so far, bounded: the oldest tenth is forgotten when the history is full. */
export class DigestHistory {
  // A Set iterates in insertion order, so its first entries are the oldest.
  private readonly seen = new Set<string>();

  /** `size`: how many digests to remember (jupyter_client's default is 2^16); 0 remembers none. */
  constructor(readonly size = 2 ** 16) {}

  /**
   * True the first time `digest` is offered (and remembers it), false for a digest already seen.
   * Call it only for verified signatures: a forger must not be able to push real digests out.
   */
  admit(digest: string): boolean {
    if (this.size === 0) return true;
    if (this.seen.has(digest)) return false;
    this.seen.add(digest);
    if (this.seen.size > this.size) this.cull();
    return true;
  }

  /** How many digests are remembered. */
  get length(): number {
    return this.seen.size;
  }

  // jupyter_client forgets a random tenth; the oldest tenth keeps the recent digests, which are the ones a
  // replay of a message still in flight would reuse.
  private cull(): void {
    let n = Math.max(Math.floor(this.seen.size / 10), this.seen.size - this.size);
    for (const d of this.seen) {
      if (n-- <= 0) break;
      this.seen.delete(d);
    }
  }
}
