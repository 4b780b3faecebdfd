/**
 * A heatmap as a PNG (the static fallback of the KernelWidget): one pixel per cell of a matrix already
 * reduced to display size, coloured by viridis, NaN (not received) transparent. A minimal encoder:
 * RGBA, filter 0 on every row, zlib from Node, CRC-32 by table.
 */
import { deflateSync } from 'node:zlib';

// Viridis at 9 stops; colours between stops are interpolated linearly.
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** PNG bytes of `rows` (equal lengths), each cell scaled by `scalePx` pixels per side. */
export function heatmapPng(rows: readonly ArrayLike<number>[], scalePx = 1): Buffer {
  const h = rows.length;
  const w = h > 0 ? rows[0].length : 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) for (let j = 0; j < r.length; j++) if (Number.isFinite(r[j])) ((lo = Math.min(lo, r[j])), (hi = Math.max(hi, r[j])));
  const span = hi > lo ? hi - lo : 1;
  const W = Math.max(1, w * scalePx);
  const H = Math.max(1, h * scalePx);
  const raw = Buffer.alloc(H * (1 + 4 * W));
  for (let y = 0; y < H; y++) {
    const r = rows[Math.floor(y / scalePx)];
    const off = y * (1 + 4 * W);
    for (let x = 0; x < W; x++) {
      const v = r ? r[Math.floor(x / scalePx)] : NaN;
      if (!Number.isFinite(v)) continue; // stays transparent
      const [R, G, B] = viridis((v - lo) / span);
      raw[off + 1 + 4 * x] = R;
      raw[off + 2 + 4 * x] = G;
      raw[off + 3 + 4 * x] = B;
      raw[off + 4 + 4 * x] = 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
