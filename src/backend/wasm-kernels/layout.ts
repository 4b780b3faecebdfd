/** Layout copies shared by the kernels: channels-first images to channels-last. */

/** [n, c, s] (s = spatial positions) to a new [n, s, c] array, float32. */
export function toChannelsLast(x: Float32Array, n: number, c: number, s: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    const base = b * c * s;
    for (let ch = 0; ch < c; ch++) {
      const src = base + ch * s;
      for (let p = 0; p < s; p++) out[base + p * c + ch] = x[src + p];
    }
  }
  return out;
}
