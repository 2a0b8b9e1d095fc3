// An HTTP message as tshark dissected it: where it is (frame, connection), its header lines and
// the sources its body can be rebuilt from.
import type { NameValue } from '../../model';
import type { FieldView } from './fields';
import { hexToBytes } from './hex';
import type { PacketView } from './packets';

export interface Endpoints {
  src?: string;
  dst?: string;
  srcPort?: number;
  dstPort?: number;
  /** tshark's `tcp.stream` index. */
  stream?: string;
}

export interface HttpMessage {
  kind: 'request' | 'response';
  packet: PacketView;
  http: FieldView;
  /** Position among the `http` layers of its frame (pipelined messages share a segment). */
  order: number;
  frame: number;
  timeMs: number;
  endpoints: Endpoints;
  /** Identifies the TCP connection: the stream index, or the address/port pair without one. */
  connKey: string;
  /** Frames whose bytes make up the message (its TCP segments), ascending. */
  frames: number[];
}

function last<T>(list: readonly T[]): T | undefined {
  return list[list.length - 1];
}

function port(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Addresses and ports of a packet; the innermost IP and TCP layers when tunnelled. */
export function endpointsOf(packet: PacketView): Endpoints {
  const ip = last(packet.layer('ipv6')) ?? last(packet.layer('ip'));
  const v6 = ip !== undefined && ip === last(packet.layer('ipv6'));
  const tcp = last(packet.layer('tcp'));
  return {
    src: ip?.first(v6 ? 'ipv6.src' : 'ip.src'),
    dst: ip?.first(v6 ? 'ipv6.dst' : 'ip.dst'),
    srcPort: port(tcp?.first('tcp.srcport')),
    dstPort: port(tcp?.first('tcp.dstport')),
    stream: tcp?.first('tcp.stream'),
  };
}

export function connectionKey(e: Endpoints): string {
  if (e.stream !== undefined) return `tcp.stream ${e.stream}`;
  // Without tcp.stream (jsonraw), the unordered pair of endpoints names the connection.
  const a = `${e.src ?? '?'}|${e.srcPort ?? '?'}`;
  const b = `${e.dst ?? '?'}|${e.dstPort ?? '?'}`;
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** The view holding reassembly fields: the `tcp.segments` layer, else the TCP layer itself. */
export function segmentsLayer(packet: PacketView): FieldView | undefined {
  return packet.layer('tcp.segments')[0] ?? last(packet.layer('tcp'));
}

/** Frames of the segments tshark reassembled into this packet's PDU, or just its own. */
export function segmentFrames(packet: PacketView, frame: number): number[] {
  const listed = (segmentsLayer(packet)?.all('tcp.segment') ?? []).filter((f) => /^\d+$/.test(f)).map(Number);
  const frames = new Set([...listed, frame]);
  return [...frames].sort((a, b) => a - b);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Header lines ("Name: value\r\n") of a message. The `-x` bytes are preferred: tshark's text
 * replaces non-ASCII bytes, the raw hex does not.
 */
export function headerLines(http: FieldView, field: string): string[] {
  const text = http.all(field);
  const raw = http.rawHex(field);
  if (raw.length > 0 && raw.length >= text.length) {
    const decoded = raw.map(hexToBytes);
    if (decoded.every((b) => b !== undefined)) return decoded.map((b) => utf8.decode(b));
  }
  return text;
}

/** Parse header lines in order, keeping duplicates; a line starting with white space continues the previous one. */
export function parseHeaderLines(lines: readonly string[]): NameValue[] {
  const headers: NameValue[] = [];
  for (const raw of lines) {
    const line = raw.replace(/\r?\n$/, '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    const previous = last(headers);
    if (/^[ \t]/.test(line) && previous) {
      previous.value = `${previous.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon === -1) headers.push({ name: line.trim(), value: '' });
    else headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

/** Named tshark fields that carry a header's value, for `-e` exports that have no header lines. */
const HEADER_FIELDS: [string, string][] = [
  ['http.host', 'Host'],
  ['http.user_agent', 'User-Agent'],
  ['http.accept', 'Accept'],
  ['http.accept_language', 'Accept-Language'],
  ['http.accept_encoding', 'Accept-Encoding'],
  ['http.referer', 'Referer'],
  ['http.authorization', 'Authorization'],
  ['http.cookie', 'Cookie'],
  ['http.x_forwarded_for', 'X-Forwarded-For'],
  ['http.content_type', 'Content-Type'],
  ['http.content_length_header', 'Content-Length'],
  ['http.content_encoding', 'Content-Encoding'],
  ['http.transfer_encoding', 'Transfer-Encoding'],
  ['http.location', 'Location'],
  ['http.set_cookie', 'Set-Cookie'],
  ['http.server', 'Server'],
];

/** Headers of a message: its header lines, or, when the export has none, the named fields. */
export function messageHeaders(http: FieldView, kind: 'request' | 'response'): { headers: NameValue[]; fromNamedFields: boolean } {
  const lines = headerLines(http, kind === 'request' ? 'http.request.line' : 'http.response.line');
  if (lines.length > 0) return { headers: parseHeaderLines(lines), fromNamedFields: false };
  const headers = HEADER_FIELDS.flatMap(([field, name]) => http.all(field).map((value) => ({ name, value })));
  return { headers, fromNamedFields: headers.length > 0 };
}
