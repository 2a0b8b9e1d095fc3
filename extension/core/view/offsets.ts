// Offsets in a decoded text mapped back to the text it was decoded from: a JSON string without
// its escapes, a percent-decoded value. Highlights are found in the decoded text and shown in the
// source, so every decoder the detail pane undoes keeps one of these maps.
import { isUtf8 } from 'node:buffer';
import { readJsonEscape } from '../load/jsonEscape';

/**
 * A piecewise map from offsets in a derived text to offsets in its source. Piece i covers
 * derived [d[i], d[i+1]) and source [s[i], s[i+1]): linear pieces map one unit to one unit,
 * group pieces (an escape, a percent-encoded character) map every unit inside to the whole group.
 */
export class OffsetMap {
  private readonly d: number[] = [];
  private readonly s: number[] = [];
  private readonly linear: boolean[] = [];
  private derivedEnd = 0;
  private sourceEnd = 0;

  /** Start a piece at derived offset `d`, source offset `s`. */
  piece(d: number, s: number, linear: boolean): void {
    const last = this.d.length - 1;
    // Consecutive linear pieces that line up are one piece.
    if (linear && last >= 0 && this.linear[last] && this.d[last] - this.s[last] === d - s) return;
    this.d.push(d);
    this.s.push(s);
    this.linear.push(linear);
  }

  finish(derivedEnd: number, sourceEnd: number): this {
    this.derivedEnd = derivedEnd;
    this.sourceEnd = sourceEnd;
    return this;
  }

  /**
   * The source offset of derived offset `o`. `end` says `o` ends a range: inside a group it then
   * maps to the group's end, so a range never cuts an escape in half.
   */
  map(o: number, end = false): number {
    if (o >= this.derivedEnd) return this.sourceEnd;
    const d = this.d;
    let lo = 0;
    let hi = d.length - 1;
    if (hi < 0 || o < d[0]) return o;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (d[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    if (this.linear[lo]) return this.s[lo] + (o - d[lo]);
    if (end && o > d[lo]) return lo + 1 < d.length ? this.s[lo + 1] : this.sourceEnd;
    return this.s[lo];
  }
}

/** A function from offsets in one text to offsets in another (composed along a decode chain). */
export type Mapper = (offset: number, end?: boolean) => number;

export function shift(by: number): Mapper {
  return (o) => o + by;
}

export function compose(inner: Mapper, outer: Mapper): Mapper {
  return (o, end) => outer(inner(o, end), end);
}

/** A decoded text and where each of its offsets sits in the source. */
export interface Decoded {
  text: string;
  map: OffsetMap;
}

/**
 * The JSON string token starting at `quote` (the index of `"`), unescaped, with its offset map
 * (offsets relative to the start of `text`, so the first character maps to quote + 1); undefined
 * when it is not a valid string. Linear in the token's length.
 */
export function jsonStringAt(text: string, quote: number): (Decoded & { end: number }) | undefined {
  if (text.charCodeAt(quote) !== 0x22) return undefined;
  const map = new OffsetMap();
  const parts: string[] = [];
  let length = 0;
  let from = quote + 1;
  // Both searches only move forward: linear however many escapes the string holds.
  const quotes = new Finder(text, '"');
  const backslashes = new Finder(text, '\\');
  for (;;) {
    const close = quotes.at(from);
    if (close === -1) return undefined;
    const backslash = backslashes.at(from);
    if (backslash === -1 || backslash > close) {
      map.piece(length, from, true);
      parts.push(text.slice(from, close));
      length += close - from;
      return { text: parts.join(''), map: map.finish(length, close), end: close + 1 };
    }
    if (backslash > from) {
      map.piece(length, from, true);
      parts.push(text.slice(from, backslash));
      length += backslash - from;
    }
    const escape = readJsonEscape(text, backslash);
    if (!escape) return undefined;
    map.piece(length, backslash, false);
    parts.push(escape.value);
    length += escape.value.length;
    from = escape.next;
  }
}

/** The next occurrence of a character at or after an offset that only grows, found in linear total time. */
export class Finder {
  private found = -2;

  constructor(
    private readonly text: string,
    private readonly char: string,
  ) {}

  at(from: number): number {
    if (this.found === -1) return -1;
    if (this.found < from) this.found = this.text.indexOf(this.char, from);
    return this.found;
  }
}

const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Percent-decoding exactly as decode/url.ts's percentDecode does it (each run of escapes as
 * UTF-8 when it is valid UTF-8, else as Latin-1), with the map back to the encoded text.
 */
export function percentDecodeWithMap(text: string): Decoded {
  const map = new OffsetMap();
  const parts: string[] = [];
  let length = 0;
  let from = 0;
  ESCAPES.lastIndex = 0;
  for (let m = ESCAPES.exec(text); m !== null; m = ESCAPES.exec(text)) {
    if (m.index > from) {
      map.piece(length, from, true);
      parts.push(text.slice(from, m.index));
      length += m.index - from;
    }
    const run = m[0];
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    let at = m.index;
    if (isUtf8(bytes)) {
      const decoded = bytes.toString('utf8');
      parts.push(decoded);
      for (let i = 0; i < decoded.length; ) {
        const cp = decoded.codePointAt(i) as number;
        const units = cp > 0xffff ? 2 : 1;
        const byteLength = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        map.piece(length, at, false);
        length += units;
        at += 3 * byteLength;
        i += units;
      }
    } else {
      parts.push(bytes.toString('latin1'));
      for (let k = 0; k < bytes.length; k++) {
        map.piece(length, at, false);
        length += 1;
        at += 3;
      }
    }
    from = m.index + run.length;
  }
  if (from < text.length) {
    map.piece(length, from, true);
    parts.push(text.slice(from));
    length += text.length - from;
  }
  return { text: parts.join(''), map: map.finish(length, text.length) };
}
