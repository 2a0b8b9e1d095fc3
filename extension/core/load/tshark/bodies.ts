// Where a message body comes from, best source first:
//  1. the TCP bytes (`tcp.reassembled.data` / `tcp.payload`, colon-hex or -x hex): exactly what
//     the app sent, chunked framing removed, Content-Encoding (gzip…) kept as on the wire;
//  2. `http.chunk_data` pieces: the same bytes, when the TCP bytes cannot be read;
//  3. `http.file_data_raw` (-x, jsonraw): exact, but after tshark undid any Content-Encoding;
//  4. `http.file_data` text: tshark 4.0 turns each non-ASCII byte into U+FFFD, so it can be lossy.
import type { BodyAvailability } from '../../model';
import type { FieldView } from './fields';
import { anyHexToBytes, concatBytes, hexToBytes } from './hex';
import { segmentsLayer, type HttpMessage } from './message';
import { indexOfAscii, readMessage, type WireMessage } from './wire';

export interface BodySource {
  bytes: Uint8Array;
  note: string;
  availability?: BodyAvailability;
  /** How many U+FFFD tshark put in place of bytes it did not show (text source only). */
  replacedBytes: number;
}

interface WireData {
  data: Uint8Array;
  field: string;
}

function fieldBytes(view: FieldView | undefined, field: string): Uint8Array | undefined {
  if (!view) return undefined;
  const raw = view.rawHex(field)[0];
  if (raw !== undefined) return hexToBytes(raw);
  const text = view.first(field);
  return text === undefined ? undefined : anyHexToBytes(text);
}

/** The TCP byte streams that may hold the message: the reassembled PDU, then the segment's payload. */
function wireCandidates(message: HttpMessage): WireData[] {
  const out: WireData[] = [];
  const reassembled = fieldBytes(segmentsLayer(message.packet), 'tcp.reassembled.data');
  if (reassembled && reassembled.length > 0) out.push({ data: reassembled, field: 'tcp.reassembled.data' });
  const tcp = message.packet.layer('tcp');
  const payload = fieldBytes(tcp[tcp.length - 1], 'tcp.payload');
  if (payload && payload.length > 0) out.push({ data: payload, field: 'tcp.payload' });
  return out;
}

/** The start line this message must have on the wire, as far as tshark's fields tell. */
function expectedStart(message: HttpMessage): string | undefined {
  const http = message.http;
  if (message.kind === 'request') {
    const method = http.first('http.request.method');
    const uri = http.first('http.request.uri');
    return method && uri !== undefined ? `${method} ${uri}` : undefined;
  }
  const version = http.first('http.response.version');
  const code = http.first('http.response.code');
  return version && code ? `${version} ${code}` : undefined;
}

/**
 * Read the message out of the TCP bytes: messages before it in the same segment are skipped by
 * their length; if the start line is not where expected, it is searched for.
 */
function findOnWire(data: Uint8Array, message: HttpMessage, bodyless: boolean): WireMessage | undefined {
  const start = expectedStart(message);
  if (!start) return undefined;
  const response = message.kind === 'response';
  let pos = 0;
  for (let i = 0; i < message.order && pos < data.length; i++) {
    const earlier = readMessage(data, pos, { response, bodyless: false });
    if (!earlier) return undefined;
    pos = earlier.end;
  }
  if (indexOfAscii(data, start, pos) !== pos) pos = indexOfAscii(data, `${start} `, pos);
  if (pos === -1) return undefined;
  const wire = readMessage(data, pos, { response, bodyless });
  return wire && wire.startLine.startsWith(start) ? wire : undefined;
}

function describeFrames(message: HttpMessage): string {
  return message.frames.length > 1 ? ` (frames ${message.frames.join(', ')})` : ` (frame ${message.frame})`;
}

function fromWire(message: HttpMessage, bodyless: boolean, codings: readonly string[]): BodySource | undefined {
  for (const { data, field } of wireCandidates(message)) {
    const wire = findOnWire(data, message, bodyless);
    if (!wire) continue;
    const parts = [`bytes as sent, cut from ${field}${describeFrames(message)}`];
    if (wire.chunked) parts.push('chunked transfer coding removed');
    if (codings.length > 0) parts.push(`Content-Encoding ${codings.join(', ')} not removed`);
    if (wire.truncated) parts.push('the capture ends before the body does');
    return {
      bytes: wire.body,
      note: parts.join('; '),
      availability: wire.truncated ? 'truncated' : undefined,
      replacedBytes: 0,
    };
  }
  return undefined;
}

function fromChunks(http: FieldView): BodySource | undefined {
  const raw = http.rawHex('http.chunk_data');
  const pieces = raw.length > 0 ? raw.map(hexToBytes) : http.all('http.chunk_data').map(anyHexToBytes);
  if (pieces.length === 0 || pieces.some((p) => p === undefined)) return undefined;
  return {
    bytes: concatBytes(pieces as Uint8Array[]),
    note: 'bytes as sent, joined from http.chunk_data (chunked transfer coding removed)',
    replacedBytes: 0,
  };
}

function decodedBy(codings: readonly string[]): string {
  return codings.length > 0 ? `; tshark already removed Content-Encoding ${codings.join(', ')}` : '';
}

function fromFileDataRaw(http: FieldView, codings: readonly string[]): BodySource | undefined {
  const raw = http.rawHex('http.file_data');
  if (raw.length === 0) return undefined;
  const pieces = raw.map(hexToBytes);
  if (pieces.some((p) => p === undefined)) return undefined;
  return { bytes: concatBytes(pieces as Uint8Array[]), note: `exact bytes from http.file_data_raw (-x)${decodedBy(codings)}`, replacedBytes: 0 };
}

const utf8 = new TextEncoder();

function fromFileDataText(http: FieldView, codings: readonly string[]): BodySource | undefined {
  const text = http.all('http.file_data');
  if (text.length === 0) return undefined;
  const joined = text.join('');
  const replaced = (joined.match(/\uFFFD/g) ?? []).length;
  const lossy = replaced > 0
    ? `: tshark replaced ${replaced} non-ASCII byte(s) with U+FFFD, so the bytes are not exact (export with tshark -x for exact bytes)`
    : ' (tshark text; exact for ASCII)';
  return { bytes: utf8.encode(joined), note: `from http.file_data${lossy}${decodedBy(codings)}`, replacedBytes: replaced };
}

/** The best body source for a message, or undefined when the capture holds none. */
export function bodySource(message: HttpMessage, bodyless: boolean, codings: readonly string[]): BodySource | undefined {
  return fromWire(message, bodyless, codings)
    ?? (bodyless ? undefined : fromChunks(message.http) ?? fromFileDataRaw(message.http, codings) ?? fromFileDataText(message.http, codings));
}
