// Where an exchange's source starts in the capture file, for "show me this entry in the text":
// the `{` of `log.entries[i]` in a HAR, of the request's packet in a tshark -T json array, or the
// packet's line in tshark -T ek. A small skipper walks the JSON text (strings with escapes,
// nesting counted, no recursion, no tree built), so a 500 MB file costs one linear pass.
import type { Capture } from '../model';
import { readKey, skipValue, skipWs } from './jsonSkip';

export interface TextPosition {
  /** 1-based line, counting line breaks as a text editor does (\r\n, \n, \r). */
  line: number;
  /** 1-based column in UTF-16 code units. */
  column: number;
}

/**
 * Where the value of the last `key` of the object at `i` starts (JSON.parse keeps the last of a
 * repeated key, and so does the loader), or -1.
 */
function memberValue(text: string, i: number, key: string): number {
  i = skipWs(text, i);
  if (text.charCodeAt(i) !== 0x7b) return -1;
  let found = -1;
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === 0x7d) return -1;
  for (;;) {
    const member = readKey(text, i);
    if (!member) return found;
    const { name, valueAt } = member;
    if (name === key) found = valueAt;
    i = skipValue(text, valueAt);
    if (i < 0) return found;
    i = skipWs(text, i);
    const c = text.charCodeAt(i);
    if (c === 0x2c) i = skipWs(text, i + 1);
    else return found;
  }
}

/** Where element `index` of the array at `i` starts, or -1. */
function elementAt(text: string, i: number, index: number): number {
  i = skipWs(text, i);
  if (text.charCodeAt(i) !== 0x5b) return -1;
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === 0x5d) return -1;
  for (let k = 0; ; k++) {
    if (k === index) return i;
    i = skipValue(text, i);
    if (i < 0) return -1;
    i = skipWs(text, i);
    if (text.charCodeAt(i) !== 0x2c) return -1;
    i = skipWs(text, i + 1);
  }
}

/** Line and column of an offset, counting \r\n, \n and \r as one line break each. */
export function positionOf(text: string, offset: number, from = 0): TextPosition {
  let line = 1;
  let lineStart = from;
  for (let i = from; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      lineStart = i + 1;
    } else if (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a) {
      // A lone \r breaks the line; in \r\n the \n does.
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const JSONP_PREFIX = /^\s*[A-Za-z_$][\w$.]*\s*\(/;

/**
 * Where exchange `exchangeId` of `capture` starts in `fileText` (the capture file decoded as
 * UTF-8, with or without its BOM), or undefined when it cannot be found (compressed files
 * included: their text is not what the editor shows).
 */
export function locateExchange(fileText: string, capture: Capture, exchangeId: number): TextPosition | undefined {
  const exchange = capture.exchanges[exchangeId];
  if (!exchange) return undefined;
  const wrappers = capture.source.wrappers;
  if (wrappers.includes('zlib') || wrappers.includes('gzip')) return undefined;
  // Lines and columns count from after a BOM, as editors show the text.
  const base = fileText.charCodeAt(0) === 0xfeff ? 1 : 0;
  let at: number;
  const origin = exchange.origin;
  if (origin.kind === 'har-entry') {
    let doc = skipWs(fileText, base);
    if (fileText.charCodeAt(doc) !== 0x7b) {
      const jsonp = JSONP_PREFIX.exec(fileText.slice(doc, doc + 256));
      if (!jsonp) return undefined;
      doc = skipWs(fileText, doc + jsonp[0].length);
    }
    const log = memberValue(fileText, doc, 'log');
    const entries = log < 0 ? -1 : memberValue(fileText, log, 'entries');
    at = entries < 0 ? -1 : elementAt(fileText, entries, origin.entryIndex);
  } else if (capture.format === 'tshark-ek') {
    // packetIndex is the 1-based line (split at \n, as the loader does) of the packet.
    let lineStart = base;
    for (let line = 1; line < origin.packetIndex; line++) {
      const nl = fileText.indexOf('\n', lineStart);
      if (nl === -1) return undefined;
      lineStart = nl + 1;
    }
    at = skipWs(fileText, lineStart);
    if (fileText.charCodeAt(at) !== 0x7b) return undefined;
  } else {
    at = elementAt(fileText, base, origin.packetIndex);
  }
  if (at < 0 || at >= fileText.length) return undefined;
  return positionOf(fileText, at, base);
}
