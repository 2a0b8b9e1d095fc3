// tshark writes bytes as hex: `-x` raw tuples as plain hex ("504f5354"), byte fields such as
// `tcp.payload` as colon-separated hex ("50:4f:53:54"). Both decode here without Buffer, so a
// bad digit is noticed instead of silently cutting the bytes short.

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[0x41 + i] = 10 + i;
  NIBBLE[0x61 + i] = 10 + i;
}

function nibble(code: number): number {
  return code < 128 ? NIBBLE[code] : -1;
}

/** Plain hex ("504f"), or undefined when it is not an even run of hex digits. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0, j = 0; j < out.length; i += 2, j++) {
    const hi = nibble(hex.charCodeAt(i));
    const lo = nibble(hex.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[j] = (hi << 4) | lo;
  }
  return out;
}

/** Colon-separated hex ("50:4f"), or undefined when malformed. */
export function colonHexToBytes(hex: string): Uint8Array | undefined {
  if (hex === '') return new Uint8Array(0);
  if ((hex.length + 1) % 3 !== 0) return undefined;
  const out = new Uint8Array((hex.length + 1) / 3);
  for (let i = 0, j = 0; j < out.length; i += 3, j++) {
    const hi = nibble(hex.charCodeAt(i));
    const lo = nibble(hex.charCodeAt(i + 1));
    if (hi < 0 || lo < 0 || (j < out.length - 1 && hex.charCodeAt(i + 2) !== 0x3a)) return undefined;
    out[j] = (hi << 4) | lo;
  }
  return out;
}

/** Either spelling: tshark fields of type bytes are colon-hex, raw tuples plain hex. */
export function anyHexToBytes(hex: string): Uint8Array | undefined {
  return hex.length > 2 && hex.charCodeAt(2) === 0x3a ? colonHexToBytes(hex) : hexToBytes(hex);
}

/** Concatenate byte arrays into a new array (never a view into the parts). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
