#!/usr/bin/env node
// Draws the tray icons (one per connection state, 22 px and 44 px for @2x screens) and the app
// icon (256 px) as PNG files in this folder, with no dependency: shapes are rasterised from
// signed distance functions and encoded with node:zlib. Run it again after changing a design:
//   node build/icons/generate-icons.mjs
// The motif is the mesh itself: three nodes and the tunnels between them.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const here = new URL('./', import.meta.url);

/** Colours per state, and which parts are drawn. */
const DESIGNS = {
  connected: { color: [46, 157, 79], edges: [0, 1, 2], nodes: 'filled' },
  connecting: { color: [212, 155, 0], edges: [0, 1, 2], nodes: 'ring' },
  degraded: { color: [224, 108, 0], edges: [0, 1], nodes: 'filled' },
  disconnecting: { color: [138, 143, 152], edges: [0, 1, 2], nodes: 'ring' },
  disconnected: { color: [138, 143, 152], edges: [], nodes: 'filled' },
  'helper-unreachable': { color: [198, 40, 40], edges: [], nodes: 'filled', slash: true },
};
const APP_ICON = { color: [42, 111, 219], edges: [0, 1, 2], nodes: 'filled' };

const NODES = [
  [0.5, 0.2],
  [0.2, 0.78],
  [0.8, 0.78],
];
const EDGES = [
  [0, 1],
  [0, 2],
  [1, 2],
];
const NODE_RADIUS = 0.15;
const RING_WIDTH = 0.06;
const LINE_HALF_WIDTH = 0.045;

function segmentDistance(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Signed distance (in unit coordinates) from a point to the design's shape; negative inside. */
function shapeDistance(design, x, y) {
  let d = Infinity;
  for (const index of design.edges) {
    const [a, b] = EDGES[index];
    d = Math.min(d, segmentDistance(x, y, NODES[a], NODES[b]) - LINE_HALF_WIDTH);
  }
  for (const [nx, ny] of NODES) {
    const r = Math.hypot(x - nx, y - ny) - NODE_RADIUS;
    d = Math.min(d, design.nodes === 'ring' ? Math.abs(r + RING_WIDTH / 2) - RING_WIDTH / 2 : r);
  }
  if (design.slash) d = Math.min(d, segmentDistance(x, y, [0.1, 0.1], [0.9, 0.9]) - LINE_HALF_WIDTH);
  return d;
}

function render(design, size) {
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = shapeDistance(design, (x + 0.5) / size, (y + 0.5) / size) * size;
      const coverage = Math.max(0, Math.min(1, 0.5 - d));
      const offset = (y * size + x) * 4;
      pixels[offset] = design.color[0];
      pixels[offset + 1] = design.color[1];
      pixels[offset + 2] = design.color[2];
      pixels[offset + 3] = Math.round(coverage * 255);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encodePng(pixels, size) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function write(name, design, size) {
  writeFileSync(new URL(name, here), encodePng(render(design, size), size));
}

for (const [state, design] of Object.entries(DESIGNS)) {
  write(`tray-${state}.png`, design, 22);
  write(`tray-${state}@2x.png`, design, 44);
}
write('vifibnet.png', APP_ICON, 256);
