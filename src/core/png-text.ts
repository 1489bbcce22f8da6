/**
 * Text inside a PNG file: an exported figure carries the parameters that made
 * it (technique, network, settings, seed) as iTXt chunks (PNG specification,
 * §11.3.4.5: keyword, UTF-8 text), which image viewers show as metadata.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of PNG chunks (ISO 3309, as the PNG specification's annex D computes it). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One iTXt chunk: length, type, data (keyword, NUL, no compression, empty language and translation, text), CRC. */
function itxtChunk(keyword: string, text: string): Uint8Array {
  const encoder = new TextEncoder();
  const data = new Uint8Array([...encoder.encode(keyword), 0, 0, 0, 0, 0, ...encoder.encode(text)]);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(encoder.encode('iTXt'), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

/** PNG signature (8 bytes) and the IHDR chunk (4 + 4 + 13 + 4 bytes), which must come first. */
const AFTER_IHDR = 33;

/** The PNG with one iTXt chunk per entry inserted after its header; keywords are 1–79 Latin letters, digits or spaces. */
export function withPngText(png: Uint8Array, entries: Record<string, string>): Uint8Array {
  const chunks = Object.entries(entries).map(([k, v]) => {
    if (!/^[A-Za-z0-9 ]{1,79}$/.test(k)) throw new Error(`"${k}" is not a PNG text keyword.`);
    return itxtChunk(k, v);
  });
  const out = new Uint8Array(png.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(png.subarray(0, AFTER_IHDR));
  let at = AFTER_IHDR;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(png.subarray(AFTER_IHDR), at);
  return out;
}

/** The iTXt entries of a PNG, keyword → text (uncompressed chunks only, as {@link withPngText} writes them). */
export function readPngText(png: Uint8Array): Record<string, string> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const decoder = new TextDecoder();
  const out: Record<string, string> = {};
  for (let at = 8; at + 12 <= png.length; ) {
    const length = view.getUint32(at);
    const type = decoder.decode(png.subarray(at + 4, at + 8));
    if (type === 'iTXt') {
      const data = png.subarray(at + 8, at + 8 + length);
      const nul = data.indexOf(0);
      // After the keyword: compression flag, method, then the NUL-terminated language tag and translated keyword.
      let rest = nul + 3;
      rest = data.indexOf(0, rest) + 1;
      rest = data.indexOf(0, rest) + 1;
      out[decoder.decode(data.subarray(0, nul))] = decoder.decode(data.subarray(rest));
    }
    at += 12 + length;
  }
  return out;
}
