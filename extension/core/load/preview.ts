// The first requests of a large capture, read from the start of the file before the whole of it is
// parsed, so the editor can show rows at once. Reading all of a 115 MB capture takes about 1.5×
// JSON.parse of it; the first 200 entries take a few milliseconds.
//
// A plain HAR (UTF-8, an optional BOM, `{"log": {…, "entries": [ … ]}}`) and tshark -T json / -T ek
// are previewed; a compressed or JSONP-wrapped file, or anything that does not read as expected,
// gives no preview, and the editor waits for the full load, which reports what is wrong. The
// structure is walked by the skipper of jsonSkip.ts (strings, nesting) and each entry is parsed by
// JSON.parse and read by the same code as the full load, so preview rows are the full load's rows.
// One difference is accepted: with a repeated "log" or "entries" key the preview reads the first
// and JSON.parse the last (the full load replaces the preview moments later).
import type { Capture } from '../model';
import { loadHarEntries } from './har';
import { parseJson, type JsonValue } from './json';
import { TsharkEkReader, TsharkJsonReader } from './tshark';
import { readKey, skipValue, skipWs } from './jsonSkip';

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

const COMMA = 0x2c;
const LBRACE = 0x7b;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** The first `maxEntries` exchanges of a HAR, or undefined when the file is not one this can preview. */
export function previewCapture(bytes: Uint8Array, file: string, maxEntries = 200, prefixBytes = PREVIEW_PREFIX_BYTES): CapturePreview | undefined {
  // gzip and zlib (.zhar) start with these; everything else must be JSON text.
  if (bytes[0] === 0x1f || bytes[0] === 0x78) return undefined;
  const prefix = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes.subarray(0, Math.min(bytes.length, prefixBytes)));
  const whole = prefix.length > 0 && bytes.length <= prefixBytes;
  const start = skipWs(prefix, 0);
  if (prefix.charCodeAt(start) === LBRACKET) return previewTsharkJson(prefix, start, bytes.length, file, whole);
  if (/^\{\s*"(index"\s*:\s*\{|timestamp"\s*:\s*"\d+"\s*,\s*"layers"\s*:)/.test(prefix.slice(start, start + 200))) return previewTsharkEk(prefix, bytes.length, file, whole);
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

/**
 * tshark -T json: the packets whole in the head, read by the full load's reader. Requests whose
 * response lies further in the file show without it until the whole file is read; names learnt
 * from DNS answers further on are missing too. It is a first look, replaced by the whole file.
 */
function previewTsharkJson(text: string, start: number, byteLength: number, file: string, whole: boolean): CapturePreview | undefined {
  const reader = new TsharkJsonReader();
  let duplicateKeys = 0;
  let complete = false;
  let i = skipWs(text, start + 1);
  let index = 0;
  if (text.charCodeAt(i) === RBRACKET) complete = true;
  while (!complete) {
    const end = skipValue(text, i);
    if (end < 0) break; // the head ends inside this packet
    let packet: { value: JsonValue; duplicateKeyCount: number };
    try {
      packet = parseJson(text.slice(i, end), { duplicateKeys: 'collect', maxDepth: 256 });
    } catch {
      return undefined; // broken: the full load says where
    }
    duplicateKeys += packet.duplicateKeyCount;
    reader.add(packet.value, index++);
    const next = skipWs(text, end);
    const c = text.charCodeAt(next);
    if (c === RBRACKET) complete = true;
    else if (c !== COMMA) {
      if (next < text.length) return undefined;
      break;
    }
    i = skipWs(text, next + 1);
  }
  const result = reader.finish(duplicateKeys);
  return {
    capture: {
      source: { name: file, byteLength, wrappers: [], producer: { name: 'tshark', comment: '-T json' }, variant: result.variant },
      format: 'tshark-json',
      exchanges: result.exchanges,
      warnings: [],
      dns: result.dns,
      pages: [],
    },
    complete: complete && whole,
  };
}

/** tshark -T ek: the whole lines in the head. */
function previewTsharkEk(text: string, byteLength: number, file: string, whole: boolean): CapturePreview | undefined {
  const reader = new TsharkEkReader();
  const lastNewline = whole ? text.length : text.lastIndexOf('\n');
  if (lastNewline <= 0) return undefined;
  text.slice(0, lastNewline).split('\n').forEach((line, i) => reader.line(line, i + 1));
  const result = reader.finish();
  return {
    capture: {
      source: { name: file, byteLength, wrappers: ['ndjson'], producer: { name: 'tshark', comment: '-T ek' }, variant: result.variant },
      format: 'tshark-ek',
      exchanges: result.exchanges,
      warnings: [],
      dns: result.dns,
      pages: [],
    },
    complete: whole,
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
