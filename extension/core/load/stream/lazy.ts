// Bodies of streamed HAR captures are not held: each body's `bytes` is a getter that reads its
// entry's bytes from the file again, parses the entry and rebuilds the body with the loader's own
// code (HarEntryReader), so the bytes are the ones the full load gives. The last few entries read
// are cached, as a viewer tends to ask for the request and the response of one exchange in turn.
import type { Body, Exchange, HttpRequest, HttpResponse } from '../../model';
import { HarEntryReader } from '../har';
import type { JsonValue } from '../json';
import { readStampedRange, type FileStamp } from './source';

export type BodyPart = 'request' | 'response';

/** Where a body comes from: the entry's bytes [start, end) in the file, and which body of it. */
export interface BodyRef {
  start: number;
  end: number;
  part: BodyPart;
  /** The body's byte length, known when it was read: sizes and sorts need it without reading the body again. */
  length?: number;
}

export interface BodyReader {
  read(ref: BodyRef): Uint8Array;
}

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Re-reads HAR entries of one file; refuses when the file changed since it was loaded. */
export class HarBodyReader implements BodyReader {
  private readonly cache = new Map<string, Partial<Record<BodyPart, Uint8Array>>>();

  constructor(readonly path: string, readonly stamp?: FileStamp, private readonly capacity = 32) {}

  read(ref: BodyRef): Uint8Array {
    const key = `${ref.start}:${ref.end}`;
    let bodies = this.cache.get(key);
    if (bodies) {
      this.cache.delete(key); // re-inserted below: a Map iterates in insertion order, oldest first
    } else {
      bodies = this.reread(ref);
    }
    this.cache.set(key, bodies);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    const bytes = bodies[ref.part];
    if (!bytes) throw new Error(`${this.path}: bytes ${ref.start}–${ref.end} hold no ${ref.part} body (was the file changed?)`);
    return bytes;
  }

  private reread(ref: BodyRef): Partial<Record<BodyPart, Uint8Array>> {
    const bytes = readStampedRange(this.path, this.stamp, ref.start, ref.end);
    // Decoding invalid UTF-8 with replacement gives what the load gave: it decoded the same bytes so.
    const entry = JSON.parse(decoder.decode(bytes)) as JsonValue;
    const exchange = new HarEntryReader(false, false, false).read(entry, 0);
    const out: Partial<Record<BodyPart, Uint8Array>> = {};
    if (exchange?.request.body) out.request = exchange.request.body.bytes;
    if (exchange?.response?.body) out.response = exchange.response.body.bytes;
    return out;
  }
}

/** Where a lazy body is re-read from, and by what. */
interface LazySource extends BodyRef {
  reader: BodyReader;
}

// Kept on the body under a symbol, not enumerable: spreads, Object.keys, deepStrictEqual and
// structuredClone do not see it, and no side table holds an entry per body.
const SOURCE = Symbol('lazyBodySource');
type LazyBody = Body & { [SOURCE]?: LazySource };

// One getter and setter for every lazy body. A closure per body, or redefining `bytes` on an
// existing object (which turns it into a dictionary), cost some 600 bytes a body; bodies built
// alike with these functions share one hidden class.
function readLazy(this: LazyBody): Uint8Array {
  const source = this[SOURCE];
  return source ? source.reader.read(source) : EMPTY;
}

function writeLazy(this: LazyBody, bytes: Uint8Array): void {
  this[SOURCE] = undefined;
  Object.defineProperty(this, 'bytes', { value: bytes, writable: true, enumerable: true, configurable: true });
}

/**
 * A copy of the body whose `bytes` re-reads them on access; a write puts plain bytes back. The
 * copy replaces the body: it is built with the accessor first so it keeps fast properties.
 */
export function lazyBody(body: Body, reader: BodyReader, ref: BodyRef): Body {
  const lazy = {} as LazyBody;
  const length = ref.length ?? ((body as LazyBody)[SOURCE] ? undefined : body.bytes.length);
  Object.defineProperty(lazy, 'bytes', { get: readLazy, set: writeLazy, enumerable: true, configurable: true });
  Object.defineProperty(lazy, SOURCE, { value: { start: ref.start, end: ref.end, part: ref.part, length, reader }, writable: true, enumerable: false, configurable: true });
  for (const key of Object.keys(body)) {
    if (key !== 'bytes') (lazy as unknown as Record<string, unknown>)[key] = (body as unknown as Record<string, unknown>)[key];
  }
  return lazy;
}

/** Where a lazy body is re-read from; undefined for a body that holds its bytes. */
export function bodyRefOf(body: Body): BodyRef | undefined {
  const source = (body as LazyBody)[SOURCE];
  if (!source) return undefined;
  return source.length === undefined ? { start: source.start, end: source.end, part: source.part } : { start: source.start, end: source.end, part: source.part, length: source.length };
}

/** How many bytes a body holds, without reading a lazy body from the file when its length is known. */
export function bodyByteLength(body: Body): number {
  const length = (body as LazyBody)[SOURCE]?.length;
  return length ?? body.bytes.length;
}

/** A body on its way to another thread: the bytes, or where to re-read them. */
export type TransferBody = Omit<Body, 'bytes'> & { bytes?: Uint8Array; ref?: BodyRef };
export type TransferExchange = Omit<Exchange, 'request' | 'response'> & {
  request: Omit<HttpRequest, 'body'> & { body?: TransferBody };
  response?: Omit<HttpResponse, 'body'> & { body?: TransferBody };
};

function bodyForTransfer(body: Body): TransferBody {
  const ref = bodyRefOf(body);
  if (!ref) return { ...body };
  const out: Record<string, unknown> = {};
  // Copy without touching the getter, which would read the body.
  for (const key of Object.keys(body)) if (key !== 'bytes') out[key] = (body as unknown as Record<string, unknown>)[key];
  out.ref = { ...ref };
  return out as TransferBody;
}

/**
 * A plain copy of an exchange that structuredClone (postMessage to a worker) can take without
 * reading every body: lazy bodies become a reference {start, end, part} to their entry's bytes.
 */
export function exchangeForTransfer(exchange: Exchange): TransferExchange {
  const { request, response, ...rest } = exchange;
  const { body: requestBody, ...requestRest } = request;
  const out: TransferExchange = { ...rest, request: { ...requestRest } };
  if (requestBody) out.request.body = bodyForTransfer(requestBody);
  if (response) {
    const { body: responseBody, ...responseRest } = response;
    out.response = { ...responseRest };
    if (responseBody) out.response.body = bodyForTransfer(responseBody);
  }
  return out;
}

function bodyFromTransfer(plain: TransferBody, reader: BodyReader): Body {
  const { ref, bytes, ...rest } = plain;
  const body: Body = { bytes: bytes ?? EMPTY, ...rest };
  return ref ? lazyBody(body, reader, ref) : body;
}

/** The exchange again, on the receiving side, with lazy bodies read through `reader`. */
export function exchangeFromTransfer(plain: TransferExchange, reader: BodyReader): Exchange {
  const { request, response, ...rest } = plain;
  const { body: requestBody, ...requestRest } = request;
  const out: Exchange = { ...rest, request: { ...requestRest } };
  if (requestBody) out.request.body = bodyFromTransfer(requestBody, reader);
  if (response) {
    const { body: responseBody, ...responseRest } = response;
    out.response = { ...responseRest };
    if (responseBody) out.response.body = bodyFromTransfer(responseBody, reader);
  }
  return out;
}
