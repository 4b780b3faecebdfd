/**
 * The tests' uniform generator, mulberry32: uniforms in [-1/2, 1/2) as exact multiples of 2^-32. Fixture
 * scripts port it bit for bit (test/fixtures/spectra/make_fixtures.py), so the sequence must not change.
 */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}
