/**
 * Buffers an op reuses from one chunk of examples to the next. A fresh large typed array costs its page faults
 * (as much as the products on a small VM), so the engine's big per-chunk arrays are kept and overwritten.
 * Whatever must outlive a chunk (per-example factors) is copied out by the caller before the next chunk runs.
 */
export class Scratch {
  private readonly f32s = new Map<string, Float32Array>();
  private readonly i32s = new Map<string, Int32Array>();

  /** A float32 view of `size` values under `key`; its contents are whatever the last user left (zero it if needed). */
  f32(key: string, size: number): Float32Array {
    let b = this.f32s.get(key);
    if (!b || b.length < size) {
      b = new Float32Array(size);
      this.f32s.set(key, b);
    }
    return b.subarray(0, size);
  }

  /** As f32, zero-filled. */
  zeros(key: string, size: number): Float32Array {
    return this.f32(key, size).fill(0);
  }

  /** An int32 view of `size` values under `key`. */
  i32(key: string, size: number): Int32Array {
    let b = this.i32s.get(key);
    if (!b || b.length < size) {
      b = new Int32Array(size);
      this.i32s.set(key, b);
    }
    return b.subarray(0, size);
  }
}
