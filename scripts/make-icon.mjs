// Draws media/icon.png (128×128 RGBA): a magnifier over lines of data, one line highlighted —
// the identifier leaking out of the traffic. No dependencies: shapes are signed-distance
// functions, antialiased by 4×4 supersampling, written as a PNG with node:zlib.
// Run: node scripts/make-icon.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const SAMPLES = 4;

// Colours (RGB, 0–255).
const BG_TOP = [24, 58, 94];
const BG_BOTTOM = [14, 34, 58];
const GLASS = [40, 92, 140];
const RING = [232, 241, 252];
const LINE = [150, 190, 230];
const LEAK = [255, 140, 66];

// Signed distances (negative inside).
const roundedRect = (x, y, cx, cy, hw, hh, r) => {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const circle = (x, y, cx, cy, r) => Math.hypot(x - cx, y - cy) - r;
const segment = (x, y, ax, ay, bx, by, r) => {
  const px = x - ax, py = y - ay, dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - dx * t, py - dy * t) - r;
};

const LENS = { cx: 54, cy: 54, r: 31 };
const RING_WIDTH = 8;

/** Layers from bottom to top: [distance function, colour function]. */
const layers = [
  [(x, y) => roundedRect(x, y, 64, 64, 60, 60, 22), (_x, y) => mix(BG_TOP, BG_BOTTOM, y / SIZE)],
  [(x, y) => circle(x, y, LENS.cx, LENS.cy, LENS.r), () => GLASS],
  // Data lines seen through the glass, clipped to it.
  ...[
    [38, 40, 64, LINE],
    [47, 36, 72, LEAK],
    [56, 40, 68, LINE],
    [65, 36, 58, LINE],
  ].map(([y0, x0, x1, colour]) => [
    (x, y) => Math.max(segment(x, y, x0, y0, x1, y0, 2.6), circle(x, y, LENS.cx, LENS.cy, LENS.r - RING_WIDTH / 2 - 2)),
    () => colour,
  ]),
  [(x, y) => Math.abs(circle(x, y, LENS.cx, LENS.cy, LENS.r)) - RING_WIDTH / 2, () => RING],
  [(x, y) => segment(x, y, 79, 79, 104, 104, 7.5), () => RING],
];

function mix(a, b, t) {
  return a.map((v, i) => v + (b[i] - v) * t);
}

const pixels = Buffer.alloc(SIZE * SIZE * 4);
for (let py = 0; py < SIZE; py++) {
  for (let px = 0; px < SIZE; px++) {
    // Accumulate premultiplied colour over the subsamples.
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const x = px + (sx + 0.5) / SAMPLES;
        const y = py + (sy + 0.5) / SAMPLES;
        let cr = 0, cg = 0, cb = 0, ca = 0;
        for (const [distance, colour] of layers) {
          if (distance(x, y) > 0) continue;
          const [lr, lg, lb] = colour(x, y);
          cr = lr; cg = lg; cb = lb; ca = 1; // opaque layers: the top one wins
        }
        r += cr * ca; g += cg * ca; b += cb * ca; a += ca;
      }
    }
    const i = (py * SIZE + px) * 4;
    pixels[i] = a ? Math.round(r / a) : 0;
    pixels[i + 1] = a ? Math.round(g / a) : 0;
    pixels[i + 2] = a ? Math.round(b / a) : 0;
    pixels[i + 3] = Math.round((a / (SAMPLES * SAMPLES)) * 255);
  }
}

// PNG: signature, IHDR, IDAT (filter byte 0 per row), IEND.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // colour type: RGBA
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(raw, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);

const out = new URL('../media/icon.png', import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, png);
console.log(`wrote ${out.pathname} (${png.length} bytes)`);
