// Protocol Buffers wire format without a schema (like `protoc --decode_raw`). Only tried on binary
// bytes, and only accepted when the whole input parses: every tag valid (field 1 … 2^29-1, wire
// type 0, 1, 2 or 5), every length inside its message, nothing left over.
import { isPlainText, toBuffer } from './bytes';

export interface ProtobufItem {
  /** Field numbers from the top message down, e.g. `1.3`. */
  path: string;
  kind: 'number' | 'string' | 'bytes';
  text?: string;
  bytes?: Uint8Array;
}

export interface ProtobufMessage {
  items: ProtobufItem[];
  /** Largest field number anywhere in the message. */
  maxField: number;
}

const MAX_FIELD = 0x1fffffff;
/** Nested messages deeper than this are left as bytes (each level re-reads its bytes once). */
const MAX_NESTING = 16;
const TWO_POW_32 = 0x1_0000_0000;
/** More fields than this in one message is not a message we turn into leaves. */
const MAX_ITEMS = 1_000_000;

interface Cursor {
  i: number;
  maxField: number;
}

/** A field as found while parsing; its text is only made once the whole message has parsed. */
interface Raw {
  path: string;
  /** 0 varint, 1 fixed64, 5 fixed32, 2 string, -2 bytes. */
  wire: number;
  at: number;
  end: number;
}

/** Skip a varint (at most 10 bytes, the 10th at most 1); false when malformed. */
function skipVarint(b: Uint8Array, c: Cursor, end: number): boolean {
  for (let n = 0; n < 10; n++) {
    if (c.i >= end) return false;
    const byte = b[c.i++];
    if (n === 9 && byte > 1) return false;
    if ((byte & 0x80) === 0) return true;
  }
  return false;
}

/** A well-formed varint at `at` as a decimal string (BigInt beyond 2^49). */
function varintText(b: Uint8Array, at: number): string {
  let value = 0;
  let shift = 0;
  let big: bigint | undefined;
  for (let i = at; ; i++) {
    const byte = b[i];
    const part = byte & 0x7f;
    if (big !== undefined) big |= BigInt(part) << BigInt(shift);
    else if (shift < 49) value += part * 2 ** shift;
    else big = BigInt(value) | (BigInt(part) << BigInt(shift));
    shift += 7;
    if ((byte & 0x80) === 0) return big === undefined ? String(value) : big.toString();
  }
}

/** Small varints (tags, lengths) as numbers; undefined when malformed or over 2^35. */
function readSmallVarint(b: Uint8Array, c: Cursor, end: number): number | undefined {
  let value = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (c.i >= end) return undefined;
    const byte = b[c.i++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
  }
  return undefined;
}

/** Shortest decimal that reads back as the same float32. */
function float32Text(f: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

function fixed64Text(b: Uint8Array, at: number): string {
  const view = new DataView(b.buffer, b.byteOffset + at, 8);
  const d = view.getFloat64(0, true);
  // A double in a sensible range (coordinates, amounts) reads as the double; an integer stored as
  // fixed64 (ids, timestamps) looks like a denormal or a huge exponent, and reads as the integer.
  const a = Math.abs(d);
  if (Number.isFinite(d) && (d === 0 ? view.getBigUint64(0, true) === 0n : a >= 1e-9 && a <= 1e15)) return String(d);
  return view.getBigUint64(0, true).toString();
}

function fixed32Text(b: Uint8Array, at: number): string {
  const view = new DataView(b.buffer, b.byteOffset + at, 4);
  const f = view.getFloat32(0, true);
  const a = Math.abs(f);
  if (Number.isFinite(f) && f !== 0 && a >= 1e-6 && a <= 1e9) return float32Text(f);
  return String(view.getUint32(0, true));
}

function parseInto(b: Uint8Array, start: number, end: number, prefix: string, depth: number, out: Raw[], c: Cursor): boolean {
  c.i = start;
  if (start >= end) return false;
  while (c.i < end) {
    const tag = readSmallVarint(b, c, end);
    if (tag === undefined || tag >= 8 * TWO_POW_32) return false;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field < 1 || field > MAX_FIELD) return false;
    if (field > c.maxField) c.maxField = field;
    const path = prefix === '' ? String(field) : `${prefix}.${field}`;
    switch (wire) {
      case 0: {
        const at = c.i;
        if (!skipVarint(b, c, end)) return false;
        out.push({ path, wire: 0, at, end: c.i });
        break;
      }
      case 1:
        if (c.i + 8 > end) return false;
        out.push({ path, wire: 1, at: c.i, end: c.i + 8 });
        c.i += 8;
        break;
      case 5:
        if (c.i + 4 > end) return false;
        out.push({ path, wire: 5, at: c.i, end: c.i + 4 });
        c.i += 4;
        break;
      case 2: {
        const len = readSmallVarint(b, c, end);
        if (len === undefined || len > end - c.i) return false;
        const from = c.i;
        const to = from + len;
        if (len > 0) {
          const sub = b.subarray(from, to);
          const text = isPlainText(sub);
          // Text is a string; but a message holding one string of 32–126 bytes is also "text"
          // (tag 0x0a is LF, the length a printable byte), so text starting with LF may be one.
          let nested = false;
          if ((!text || sub[0] === 0x0a) && depth < MAX_NESTING) {
            const mark = out.length;
            const saved = c.maxField;
            nested = parseInto(b, from, to, path, depth + 1, out, c);
            if (!nested) {
              out.length = mark;
              c.maxField = saved;
            }
          }
          if (!nested) out.push({ path, wire: text ? 2 : -2, at: from, end: to });
        }
        c.i = to;
        break;
      }
      default:
        // 3 and 4 (groups) are long deprecated; 6 and 7 do not exist.
        return false;
    }
  }
  return c.i === end;
}

/** Bytes already parsed (base64 → protobuf is checked when decoding and read again as a layer). */
const parsed = new WeakMap<Uint8Array, ProtobufMessage | null>();

/** The whole input as one message, or undefined when it is not one. */
export function parseProtobuf(bytes: Uint8Array): ProtobufMessage | undefined {
  const known = parsed.get(bytes);
  if (known !== undefined) return known ?? undefined;
  const msg = parse(bytes);
  parsed.set(bytes, msg ?? null);
  return msg;
}

function parse(bytes: Uint8Array): ProtobufMessage | undefined {
  if (bytes.length < 4) return undefined;
  const raw: Raw[] = [];
  const c: Cursor = { i: 0, maxField: 0 };
  if (!parseInto(bytes, 0, bytes.length, '', 0, raw, c) || raw.length === 0 || raw.length > MAX_ITEMS) return undefined;
  const items = raw.map((r): ProtobufItem => {
    switch (r.wire) {
      case 0: return { path: r.path, kind: 'number', text: varintText(bytes, r.at) };
      case 1: return { path: r.path, kind: 'number', text: fixed64Text(bytes, r.at) };
      case 5: return { path: r.path, kind: 'number', text: fixed32Text(bytes, r.at) };
      case 2: return { path: r.path, kind: 'string', text: toBuffer(bytes.subarray(r.at, r.end)).toString('utf8') };
      default: return { path: r.path, kind: 'bytes', bytes: bytes.subarray(r.at, r.end) };
    }
  });
  return { items, maxField: c.maxField };
}

/**
 * When nothing declared the bytes protobuf (they came out of base64 or an untyped body), random
 * binary can still parse by chance. Ask for something a real message has: a readable string, or
 * several fields, with field numbers a schema would use.
 */
export function plausibleUndeclared(msg: ProtobufMessage): boolean {
  if (msg.maxField > 0xffff) return false;
  const hasString = msg.items.some((it) => it.kind === 'string' && (it.text?.length ?? 0) >= 4);
  return hasString || (msg.items.length >= 3 && msg.maxField <= 1000);
}

export function declaredProtobuf(contentType: string | undefined): boolean {
  return contentType !== undefined && /proto|grpc/i.test(contentType);
}
