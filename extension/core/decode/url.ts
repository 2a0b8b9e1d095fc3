// Percent-encoding (%XX). Tolerant: a malformed escape stays as it is, and escaped bytes that are
// not UTF-8 are read as Latin-1 (old ISO-8859-1 forms) rather than dropped. `+` is left alone
// here (it is a space only in form encoding; see form.ts).
import { isUtf8 } from 'node:buffer';

const ESCAPE = /%[0-9A-Fa-f]{2}/;
const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;
const WHITESPACE = /\s/;
const ESCAPE_G = /%[0-9A-Fa-f]{2}/g;

/** Ends a token in text with whitespace: whitespace, quotes, brackets, backquote, `,` `;` `\`. */
function isDelimiter(c: number): boolean {
  switch (c) {
    case 0x22: case 0x27: case 0x28: case 0x29: case 0x2c: case 0x3b: case 0x3c: case 0x3e:
    case 0x5c: case 0x60: case 0x7b: case 0x7d:
      return true;
    default:
      return c <= 0x20;
  }
}

/** The whitespace- and quote-free tokens that hold escapes (HTML, scripts, logs). */
function escapedTokens(text: string): string[] {
  const tokens: string[] = [];
  const n = text.length;
  ESCAPE_G.lastIndex = 0;
  for (let m = ESCAPE_G.exec(text); m !== null; m = ESCAPE_G.exec(text)) {
    let s = m.index;
    while (s > 0 && !isDelimiter(text.charCodeAt(s - 1))) s--;
    let e = m.index + 3;
    while (e < n && !isDelimiter(text.charCodeAt(e))) e++;
    tokens.push(text.slice(s, e));
    ESCAPE_G.lastIndex = e;
  }
  return tokens;
}

export function hasPercentEscape(text: string): boolean {
  return text.indexOf('%') !== -1 && ESCAPE.test(text);
}

export function percentDecode(text: string): string {
  return text.replace(ESCAPES, (seq) => {
    const bytes = Buffer.from(seq.replace(/%/g, ''), 'hex');
    return bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
  });
}

/**
 * The URL-decoded view of a text, or undefined when it has no escapes. Text without whitespace
 * (a URL, a query value, a cookie) is decoded whole; text with whitespace is not URL-encoded as a
 * whole, so only its escaped tokens are decoded, one per line.
 */
export function urlDecodedView(text: string): { text: string; whole: boolean } | undefined {
  if (!hasPercentEscape(text)) return undefined;
  if (!WHITESPACE.test(text)) {
    const decoded = percentDecode(text);
    return decoded === text ? undefined : { text: decoded, whole: true };
  }
  const tokens = escapedTokens(text);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const token of tokens) {
    const decoded = percentDecode(token);
    if (decoded !== token && !seen.has(decoded)) {
      seen.add(decoded);
      out.push(decoded);
    }
  }
  return out.length === 0 ? undefined : { text: out.join('\n'), whole: false };
}
