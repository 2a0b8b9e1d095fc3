// Binary bytes as a hex dump, `hexdump -C` style, and byte ranges as ranges of the dump's text:
//
//   00000000  1f 8b 08 00 00 00 00 00  00 03 ab 56 ca cc 4d cd  |...........V..M.|
//
// 16 bytes a line; every full line has the same length, so where a byte sits is arithmetic.

export const HEX_BYTES_PER_LINE = 16;
/** Characters of a full line, without its line feed. */
export const HEX_LINE_LENGTH = 8 + 2 + 16 * 3 + 2 + 1 + 16 + 1;
/** Largest dump offered: past 4 GiB the 8-digit offsets would not line up. */
const MAX_DUMP_BYTES = 0xffffffff;

const HEX: string[] = [];
for (let b = 0; b < 256; b++) HEX.push(b.toString(16).padStart(2, '0'));

/** Column of byte j (0–15) of a line: two spaces after the offset, one between bytes, one more after the eighth. */
function column(j: number): number {
  return 10 + 3 * j + (j >= 8 ? 1 : 0);
}

export interface HexDump {
  text: string;
  /** How many bytes the text shows (the first ones). */
  bytesShown: number;
}

/** A dump of the first `maxBytes` bytes (default: all). */
export function hexDump(bytes: Uint8Array, maxBytes = bytes.length): HexDump {
  const shown = Math.max(0, Math.min(bytes.length, maxBytes, MAX_DUMP_BYTES));
  const lines: string[] = [];
  for (let at = 0; at < shown; at += HEX_BYTES_PER_LINE) {
    const end = Math.min(shown, at + HEX_BYTES_PER_LINE);
    let hex = '';
    let ascii = '';
    for (let i = at; i < at + HEX_BYTES_PER_LINE; i++) {
      if (i > at) hex += i - at === 8 ? '  ' : ' ';
      if (i < end) {
        const b = bytes[i];
        hex += HEX[b];
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '  ';
      }
    }
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex}  |${ascii}|`);
  }
  return { text: lines.join('\n'), bytesShown: shown };
}

/**
 * Where bytes [start, end) sit in a dump showing the first `bytesShown` bytes: one range per line,
 * covering the hex digits (from the first byte's first digit to the last byte's second). Bytes
 * past what is shown are left out.
 */
export function hexRanges(start: number, end: number, bytesShown: number): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  const to = Math.min(end, bytesShown);
  for (let from = Math.max(0, start); from < to; ) {
    const line = Math.floor(from / HEX_BYTES_PER_LINE);
    const lineEnd = Math.min(to, (line + 1) * HEX_BYTES_PER_LINE);
    const base = line * (HEX_LINE_LENGTH + 1);
    ranges.push({ start: base + column(from % HEX_BYTES_PER_LINE), end: base + column((lineEnd - 1) % HEX_BYTES_PER_LINE) + 2 });
    from = lineEnd;
  }
  return ranges;
}
