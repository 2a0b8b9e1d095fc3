// HTTP/1.x messages read back from the TCP bytes tshark exports (`tcp.reassembled.data`,
// `tcp.payload`). tshark's own `http.file_data` is text with non-ASCII bytes replaced and
// gzip already undone; the TCP bytes are what the app sent, so the body is cut from them here.
import { concatBytes } from './hex';

export interface WireMessage {
  /** First line, e.g. `POST /x HTTP/1.1`. */
  startLine: string;
  /** Body after removing chunked transfer coding (content coding untouched). */
  body: Uint8Array;
  /** Offset just past the message, where a pipelined next message would start. */
  end: number;
  chunked: boolean;
  /** The data ended before the message did. */
  truncated: boolean;
  contentLength?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const latin1 = new TextDecoder('latin1');

function indexOfCrlf(data: Uint8Array, from: number): number {
  for (let i = data.indexOf(CR, from); i !== -1 && i + 1 < data.length; i = data.indexOf(CR, i + 1)) {
    if (data[i + 1] === LF) return i;
  }
  return -1;
}

function indexOfHeaderEnd(data: Uint8Array, from: number): number {
  for (let i = data.indexOf(CR, from); i !== -1 && i + 3 < data.length; i = data.indexOf(CR, i + 1)) {
    if (data[i + 1] === LF && data[i + 2] === CR && data[i + 3] === LF) return i;
  }
  return -1;
}

/** Offset of `needle` (ASCII) in data at or after `from`, -1 when absent. */
export function indexOfAscii(data: Uint8Array, needle: string, from = 0): number {
  const first = needle.charCodeAt(0);
  outer: for (let i = data.indexOf(first, from); i !== -1 && i + needle.length <= data.length; i = data.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) {
      if (data[i + j] !== needle.charCodeAt(j)) continue outer;
    }
    return i;
  }
  return -1;
}

interface HeaderFacts {
  chunked: boolean;
  contentLength?: number;
}

function headerFacts(lines: string[]): HeaderFacts {
  const facts: HeaderFacts = { chunked: false };
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'transfer-encoding') {
      const codings = value.toLowerCase().split(',').map((v) => v.trim());
      facts.chunked = codings[codings.length - 1] === 'chunked';
    } else if (name === 'content-length' && /^\d+$/.test(value)) {
      facts.contentLength = Number(value);
    }
  }
  return facts;
}

export interface Dechunked {
  body: Uint8Array;
  end: number;
  truncated: boolean;
}

/** Remove chunked transfer coding starting at `pos`; stops cleanly at the data's end. */
export function dechunk(data: Uint8Array, pos: number): Dechunked {
  const parts: Uint8Array[] = [];
  for (;;) {
    const lineEnd = indexOfCrlf(data, pos);
    if (lineEnd === -1) return { body: concatBytes(parts), end: data.length, truncated: true };
    const sizeText = latin1.decode(data.subarray(pos, lineEnd)).split(';')[0].trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return { body: concatBytes(parts), end: pos, truncated: true };
    const size = parseInt(sizeText, 16);
    const start = lineEnd + 2;
    if (size === 0) return { body: concatBytes(parts), end: skipTrailers(data, start), truncated: false };
    const stop = start + size;
    parts.push(data.subarray(start, Math.min(stop, data.length)));
    if (stop > data.length) return { body: concatBytes(parts), end: data.length, truncated: true };
    pos = stop + 2;
  }
}

function skipTrailers(data: Uint8Array, pos: number): number {
  // Trailer fields end with an empty line; with no trailers that empty line comes at once.
  for (;;) {
    const lineEnd = indexOfCrlf(data, pos);
    if (lineEnd === -1) return data.length;
    if (lineEnd === pos) return pos + 2;
    pos = lineEnd + 2;
  }
}

export interface ReadOptions {
  response: boolean;
  /** The message has no body whatever its headers say (e.g. the answer to a HEAD request). */
  bodyless: boolean;
}

/** Read one HTTP/1.x message starting at `start`; undefined when its header block is incomplete. */
export function readMessage(data: Uint8Array, start: number, options: ReadOptions): WireMessage | undefined {
  const headerEnd = indexOfHeaderEnd(data, start);
  if (headerEnd === -1) return undefined;
  const lines = latin1.decode(data.subarray(start, headerEnd)).split('\r\n');
  const facts = headerFacts(lines.slice(1));
  const bodyStart = headerEnd + 4;
  const base = { startLine: lines[0], chunked: false, contentLength: facts.contentLength };
  // 1xx, 204 and 304 responses never have a body, whatever their headers say.
  const bodyless = options.bodyless || (options.response && /^\S+ (1\d\d|204|304)(\s|$)/.test(lines[0]));
  if (bodyless) return { ...base, body: new Uint8Array(0), end: bodyStart, truncated: false };
  if (facts.chunked) {
    const { body, end, truncated } = dechunk(data, bodyStart);
    return { ...base, chunked: true, body, end, truncated };
  }
  if (facts.contentLength !== undefined) {
    const stop = bodyStart + facts.contentLength;
    const end = Math.min(stop, data.length);
    return { ...base, body: data.slice(bodyStart, end), end, truncated: stop > data.length };
  }
  // A request without length has no body; a response without one runs to the connection's end.
  const end = options.response ? data.length : bodyStart;
  return { ...base, body: data.slice(bodyStart, end), end, truncated: false };
}
