// Picks the loader from the content, never from the file name: a `.json` may be a HAR, a tshark
// export or neither; a `.har` may be JSONP-wrapped or zlib-compressed (mitmproxy's `.zhar`).
import { gunzipSync, inflateSync } from 'node:zlib';
import type { CaptureFormat, SourceWrapper } from '../model';
import { isZlib } from '../decode/compression';
import { CaptureLoadError } from './errors';

export interface Unwrapped {
  /** The document text with BOM, compression and JSONP wrapper removed. */
  text: string;
  wrappers: SourceWrapper[];
  /** Offset of `text` in the decoded file text, so error positions can be mapped back. */
  textOffset: number;
  /** Characters of the decoded file before `text` (for line/column of JSONP-wrapped files). */
  prefix: string;
  /** Byte sequences that were not valid UTF-8 were replaced with U+FFFD. */
  invalidUtf8: boolean;
}

/** Upper bound on what one compressed capture may inflate to before we refuse it. */
const MAX_INFLATED_BYTES = 512 * 1024 * 1024;

function decompress(bytes: Uint8Array, file: string): { bytes: Uint8Array; wrapper?: SourceWrapper } {
  try {
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
      return { bytes: gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES }), wrapper: 'gzip' };
    }
    // The full RFC 1950 check: `x (` (a JSONP callback named x) also has a header divisible by 31.
    if (isZlib(bytes)) {
      return { bytes: inflateSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES }), wrapper: 'zlib' };
    }
  } catch (err) {
    throw new CaptureLoadError(
      file,
      `compressed capture could not be inflated (${(err as Error).message})`,
      { line: 1, column: 1 },
      `a complete zlib/gzip stream of at most ${MAX_INFLATED_BYTES} bytes`,
    );
  }
  return { bytes };
}

const JSONP_PREFIX = /^\s*([A-Za-z_$][\w$.]*)\s*\(/;

const PCAP_MAGICS = [
  [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], // pcap, microseconds
  [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d], // pcap, nanoseconds
  [0x0a, 0x0d, 0x0d, 0x0a], // pcapng section header block
];

/** A raw capture gets an error that says how to turn it into something LeakLens reads. */
function rejectPacketCapture(bytes: Uint8Array, file: string): void {
  if (!PCAP_MAGICS.some((magic) => magic.every((b, i) => bytes[i] === b))) return;
  throw new CaptureLoadError(
    file,
    'this is a binary pcap/pcapng capture, which LeakLens reads once tshark has turned it into JSON ' +
      `(tshark -r "${file}" -T json -x > capture.json)`,
    { line: 1, column: 1 },
    'a HAR or tshark export',
  );
}

export function unwrap(raw: Uint8Array, file: string): Unwrapped {
  rejectPacketCapture(raw, file);
  const wrappers: SourceWrapper[] = [];
  const { bytes, wrapper } = decompress(raw, file);
  if (wrapper) wrappers.push(wrapper);

  let decoded: string;
  let invalidUtf8 = false;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    decoded = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
    invalidUtf8 = true;
  }
  let start = 0;
  if (decoded.charCodeAt(0) === 0xfeff) {
    wrappers.push('utf8-bom');
    start = 1;
  }
  let end = decoded.length;
  const head = decoded.slice(start, start + 256);
  const jsonp = JSONP_PREFIX.exec(head);
  if (jsonp) {
    const close = decoded.lastIndexOf(')');
    if (close > start + jsonp[0].length) {
      wrappers.push('jsonp');
      start += jsonp[0].length;
      end = close;
    }
  }
  return {
    text: start === 0 && end === decoded.length ? decoded : decoded.slice(start, end),
    wrappers,
    textOffset: start,
    prefix: decoded.slice(0, start),
    invalidUtf8,
  };
}

/** Decide the format from the first characters of the unwrapped text. */
export function sniffFormat(unwrapped: Unwrapped, file: string): CaptureFormat {
  const text = unwrapped.text;
  const firstNonWs = text.search(/\S/);
  if (firstNonWs === -1) {
    throw new CaptureLoadError(file, 'the file is empty', { line: 1, column: 1 }, 'a HAR or tshark export');
  }
  const head = text.slice(firstNonWs, firstNonWs + 4096);
  if (head[0] === '[') {
    // tshark -T json: an array of packets, each `{"_index": …, "_source": {"layers": …}}`.
    if (/^\[\s*(\]|\{\s*"_index"\s*:|\{\s*"_source"\s*:)/.test(head)) return 'tshark-json';
  } else if (head[0] === '{') {
    // tshark -T ek: NDJSON, bulk-index lines then packet lines with "layers".
    if (/^\{\s*"index"\s*:\s*\{/.test(head) || /^\{\s*"timestamp"\s*:\s*"\d+"\s*,\s*"layers"\s*:/.test(head)) {
      return 'tshark-ek';
    }
    // HAR: `{"log": …}`; `log` is not always the first key, so look a little further.
    if (/^\{\s*"log"\s*:/.test(head) || /"log"\s*:\s*\{/.test(head)) return 'har';
  }
  const { line, column } = lineColumnOf(unwrapped, firstNonWs);
  throw new CaptureLoadError(
    file,
    'not a HAR or tshark export',
    { line, column },
    'a HAR object ({"log": …}), a tshark -T json array or tshark -T ek lines',
  );
}

/** Line and column in the original file of an offset in the unwrapped text. */
export function lineColumnOf(unwrapped: Unwrapped, offset: number): { line: number; column: number } {
  const before = unwrapped.prefix.replace(/^\ufeff/, '') + unwrapped.text.slice(0, offset);
  const lastNl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: before.length - lastNl };
}
