// The first requests of a large HAR, read from the start of the file before the whole of it is
// parsed, so the editor can show rows at once. Reading all of a 115 MB capture takes about 1.5×
// JSON.parse of it; the first 200 entries take a few milliseconds.
//
// Only a plain HAR (UTF-8, an optional BOM, `{"log": {…, "entries": [ … ]}}`) is previewed; a
// compressed or JSONP-wrapped file, tshark output, or anything that does not read as expected
// gives no preview, and the editor waits for the full load, which reports what is wrong. The
// structure is walked by a small skipper (strings, nesting) and each entry is parsed by
// JSON.parse and read by the same code as the full load, so preview rows are the full load's rows.
// One difference is accepted: with a repeated "log" or "entries" key the preview reads the first
// and JSON.parse the last (the full load replaces the preview moments later).
import type { Capture } from '../model';
import { loadHarEntries } from './har';
import type { JsonValue } from './json';

/** Files smaller than this load in a fraction of a second: no preview. */
export const PREVIEW_MIN_BYTES = 16 * 1024 * 1024;
/** How much of the file the preview reads. */
export const PREVIEW_PREFIX_BYTES = 4 * 1024 * 1024;

export interface CapturePreview {
  /** The first entries as a capture of their own (warnings are only theirs). */
  capture: Capture;
  /** Whether these are all the entries the file holds. */
  complete: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** The first `maxEntries` exchanges of a HAR, or undefined when the file is not one this can preview. */
export function previewCapture(bytes: Uint8Array, file: string, maxEntries = 200, prefixBytes = PREVIEW_PREFIX_BYTES): CapturePreview | undefined {
  // gzip and zlib (.zhar) start with these; everything else must be JSON text.
  if (bytes[0] === 0x1f || bytes[0] === 0x78) return undefined;
  const prefix = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes.subarray(0, Math.min(bytes.length, prefixBytes)));
  const whole = prefix.length > 0 && bytes.length <= prefixBytes;
  const found = readEntries(prefix, maxEntries);
  if (!found || (found.items.length === 0 && !found.complete)) return undefined;
  const har = loadHarEntries(found.items, found.creator);
  return {
    capture: {
      source: { name: file, byteLength: bytes.length, wrappers: [], ...har.source },
      format: 'har',
      exchanges: har.exchanges,
      warnings: har.warnings,
      dns: [],
      pages: [],
    },
    complete: found.complete && whole,
  };
}

interface Entries {
  items: JsonValue[];
  creator: JsonValue | undefined;
  /** The closing bracket of the entries was read. */
  complete: boolean;
}

/** Walk `{"log": {"entries": [` and parse entries while they are whole; undefined when the text is not shaped so. */
function readEntries(text: string, maxEntries: number): Entries | undefined {
  let creator: JsonValue | undefined;
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== LBRACE) return undefined;
  i = enterObject(text, i + 1, 'log');
  if (i < 0) return undefined;
  // Inside "log": read its keys up to "entries", keeping the creator for the producer line.
  for (;;) {
    const key = readKey(text, i);
    if (!key) return undefined;
    i = key.valueAt;
    if (key.name === 'entries' && text.charCodeAt(i) === LBRACKET) break;
    const end = skipValue(text, i);
    if (end < 0) return undefined;
    if (key.name === 'creator') creator = parse(text, i, end);
    i = afterMember(text, end);
    if (i < 0) return undefined; // the end of "log" without entries, or not JSON: the full load says which
  }

  const items: JsonValue[] = [];
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === RBRACKET) return { items, creator, complete: true };
  while (items.length < maxEntries) {
    const end = skipValue(text, i);
    if (end < 0) return { items, creator, complete: false }; // the prefix ends inside this entry
    const item = parse(text, i, end);
    if (item === undefined) return undefined;
    items.push(item);
    const next = skipWs(text, end);
    const c = text.charCodeAt(next);
    if (c === RBRACKET) return { items, creator, complete: true };
    if (c !== COMMA) return next >= text.length ? { items, creator, complete: false } : undefined;
    i = skipWs(text, next + 1);
  }
  return { items, creator, complete: false };
}

/** From just inside an object, skip members up to `name` whose value is an object; the index inside that object. */
function enterObject(text: string, at: number, name: string): number {
  let i = at;
  for (;;) {
    const key = readKey(text, i);
    if (!key) return -1;
    if (key.name === name && text.charCodeAt(key.valueAt) === LBRACE) return key.valueAt + 1;
    const end = skipValue(text, key.valueAt);
    if (end < 0) return -1;
    i = afterMember(text, end);
    if (i < 0) return -1;
  }
}

/** `"name" :` at `at` (after whitespace): the key and where its value starts. */
function readKey(text: string, at: number): { name: string; valueAt: number } | undefined {
  const start = skipWs(text, at);
  if (text.charCodeAt(start) !== QUOTE) return undefined;
  const end = skipString(text, start);
  if (end < 0) return undefined;
  const name = parse(text, start, end);
  if (typeof name !== 'string') return undefined;
  const colon = skipWs(text, end);
  if (text.charCodeAt(colon) !== COLON) return undefined;
  return { name, valueAt: skipWs(text, colon + 1) };
}

/** After a member's value: past the comma to the next key, or -1 at the object's end (or anything else). */
function afterMember(text: string, end: number): number {
  const i = skipWs(text, end);
  return text.charCodeAt(i) === COMMA ? i + 1 : -1;
}

function parse(text: string, start: number, end: number): JsonValue | undefined {
  try {
    return JSON.parse(text.slice(start, end)) as JsonValue;
  } catch {
    return undefined;
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(text: string, at: number): number {
  let i = at;
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string whose opening quote is at `at`; -1 when the text ends first. */
function skipString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/**
 * Index just past the JSON value starting at `at`, or -1 when the text ends inside it or a
 * bracket closes what was never opened. Only strings and nesting are tracked (iteratively: any
 * depth); JSON.parse checks the rest.
 */
function skipValue(text: string, at: number): number {
  let i = at;
  let depth = 0;
  do {
    if (i >= text.length) return -1;
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      if (i < 0) return -1;
    } else if (c === LBRACE || c === LBRACKET) {
      depth++;
      i++;
    } else if (c === RBRACE || c === RBRACKET) {
      if (depth === 0) return -1;
      depth--;
      i++;
    } else if (depth > 0 && (c === COMMA || c === COLON || isWs(c))) {
      i++;
    } else {
      // A number or literal: up to the next delimiter; one that runs into the end may be cut.
      const start = i;
      while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
      if (i === start || i >= text.length) return -1;
    }
  } while (depth > 0);
  return i;
}

function isDelimiter(c: number): boolean {
  return isWs(c) || c === COMMA || c === COLON || c === RBRACE || c === RBRACKET || c === LBRACE || c === LBRACKET || c === QUOTE;
}
