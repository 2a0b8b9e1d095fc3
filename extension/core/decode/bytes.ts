// Byte-level helpers shared by the decoders: is it text, what does binary hold that a person could read.
import { isUtf8 } from 'node:buffer';

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// C0 controls other than tab, LF, FF, CR and ESC.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/;

/**
 * Valid UTF-8 without NUL or C0 controls other than tab, LF, CR, FF and ESC — the same rule the
 * loaders use for `Body.isText`, so a body the loader calls text is text here too.
 */
export function isPlainText(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n > 256) return plainText(bytes) !== undefined;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) return false;
  }
  return isUtf8(bytes);
}

/** The bytes as a string when they are plain text (see isPlainText), else undefined. */
export function plainText(bytes: Uint8Array): string | undefined {
  // isUtf8 is SIMD; the control check then runs as a regex over the string we need anyway.
  if (!isUtf8(bytes)) return undefined;
  const text = toBuffer(bytes).toString('utf8');
  return CONTROL.test(text) ? undefined : text;
}

/**
 * Stricter test for bytes that came out of a guess (base64, hex): plain text as above, and also no
 * DEL, no ESC, no C1 controls (U+0080–U+009F). Random bytes almost never pass this.
 */
export function isCleanText(bytes: Uint8Array): boolean {
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b < 0x20) {
      if (b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
    } else if (b === 0x7f) {
      return false;
    } else if (b === 0xc2 && i + 1 < n && bytes[i + 1] >= 0x80 && bytes[i + 1] <= 0x9f) {
      return false;
    }
  }
  return isUtf8(bytes);
}

/** Shortest readable run (in UTF-8 bytes) kept from binary data. */
export const MIN_RUN_BYTES = 6;

// Anything but C0/C1 controls (tab, LF, CR are kept inside runs), DEL and U+FFFD (invalid UTF-8).
function continuation(b: number): boolean {
  return (b & 0xc0) === 0x80;
}

/** Length of the readable character at `i` (printable ASCII, tab/LF/CR, or a UTF-8 sequence that is not a C1 control), or 0. */
function readableAt(bytes: Uint8Array, i: number, n: number): number {
  const b = bytes[i];
  if (b < 0x80) return (b >= 0x20 && b !== 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d ? 1 : 0;
  if (b < 0xc2) return 0;
  if (b < 0xe0) return i + 1 < n && continuation(bytes[i + 1]) && !(b === 0xc2 && bytes[i + 1] < 0xa0) ? 2 : 0;
  if (b < 0xf0) {
    if (i + 2 >= n || !continuation(bytes[i + 1]) || !continuation(bytes[i + 2])) return 0;
    if (b === 0xe0 && bytes[i + 1] < 0xa0) return 0; // overlong
    if (b === 0xed && bytes[i + 1] >= 0xa0) return 0; // surrogate
    if (b === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] >= 0xbc) return 0; // U+FFFC–U+FFFF
    return 3;
  }
  if (b > 0xf4 || i + 3 >= n || !continuation(bytes[i + 1]) || !continuation(bytes[i + 2]) || !continuation(bytes[i + 3])) return 0;
  if ((b === 0xf0 && bytes[i + 1] < 0x90) || (b === 0xf4 && bytes[i + 1] >= 0x90)) return 0;
  return 4;
}

/**
 * What a person could read in binary data, like `strings`: runs of readable UTF-8 at least
 * MIN_RUN_BYTES long, one per line. Compressed or random data yields little; a custom binary
 * protocol with ASCII or UTF-8 fields yields those fields.
 */
export function readableRuns(bytes: Uint8Array): string {
  const buf = toBuffer(bytes);
  const n = buf.length;
  const out: string[] = [];
  let start = -1;
  let i = 0;
  while (i <= n) {
    const len = i < n ? readableAt(buf, i, n) : 0;
    if (len > 0) {
      if (start < 0) start = i;
      i += len;
      continue;
    }
    if (start >= 0 && i - start >= MIN_RUN_BYTES) {
      const run = buf.toString('utf8', start, i);
      if (run.trim() !== '') out.push(run);
    }
    start = -1;
    i++;
  }
  return out.join('\n');
}
