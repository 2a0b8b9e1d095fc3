// Decompression and nesting bombs, built deterministically in memory and cached for the whole
// process (the tests and bench/bombs.bench.ts share them): each is made once, in well under a
// second, however far it expands.
//
// Zeros are streamed through the compressor in 1 MiB chunks, so making a 1 GiB bomb never holds
// the GiB. The deflate bombs (gzip, zlib, raw deflate) share one raw deflate stream: the gzip and
// zlib framings are written around it by hand (header; CRC-32 or Adler-32 and length after), so
// the zeros are compressed once, not three times.
import { Buffer } from 'node:buffer';
import * as zlib from 'node:zlib';

export const IMEI = '868715392756833';
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Zeros behind each deflate-family bomb: deflate tops out near 1,030:1, so this is ~260 KB sent. */
export const DEFLATE_ZEROS = 256 * MiB;
/** Zeros behind the brotli bomb: about 1.6 KB sent (quality 5; ~660,000:1). */
export const BROTLI_ZEROS = GiB;

export interface Bomb {
  /** Short name, for test titles and the bench table. */
  name: string;
  /** Bytes as sent: the compressed body, or the text of a value as UTF-8. */
  bytes: Buffer;
  /** What it expands to when fully decoded (bytes). */
  expandsTo: number;
  /** Content-Encoding tokens as the header lists them (applied first → last); empty for none. */
  contentEncoding: string[];
}

const cache = new Map<string, Promise<unknown>>();
function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = make();
    cache.set(key, p);
  }
  return p;
}

const ZERO_CHUNK = Buffer.alloc(MiB);

/** `size` zero bytes through a compression stream, 1 MiB at a time. */
function streamZeros(stream: zlib.DeflateRaw | zlib.BrotliCompress, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    stream.on('data', (d: Buffer) => out.push(d));
    stream.on('end', () => resolve(Buffer.concat(out)));
    stream.on('error', reject);
    let left = size;
    const write = (): void => {
      while (left > 0) {
        const n = Math.min(left, ZERO_CHUNK.length);
        left -= n;
        if (!stream.write(ZERO_CHUNK.subarray(0, n))) {
          stream.once('drain', write);
          return;
        }
      }
      stream.end();
    };
    write();
  });
}

function rawDeflateZeros(size: number): Promise<Buffer> {
  return once(`deflate:${size}`, () => streamZeros(zlib.createDeflateRaw({ level: 9 }), size));
}

function crc32OfZeros(size: number): number {
  let crc = 0;
  for (let left = size; left > 0; left -= ZERO_CHUNK.length) crc = zlib.crc32(ZERO_CHUNK.subarray(0, Math.min(left, ZERO_CHUNK.length)), crc);
  return crc >>> 0;
}

/** Adler-32 of n zeros: a stays 1, b gains a (1) per byte. */
function adler32OfZeros(size: number): number {
  return (((size % 65521) << 16) | 1) >>> 0;
}

/** `size` zeros as gzip (RFC 1952), zlib (RFC 1950) or raw deflate (RFC 1951). */
export async function deflateBomb(format: 'gzip' | 'zlib' | 'deflate', size = DEFLATE_ZEROS): Promise<Bomb> {
  const raw = await rawDeflateZeros(size);
  const encoding = format === 'gzip' ? ['gzip'] : format === 'zlib' ? ['deflate'] : ['deflate'];
  let bytes: Buffer;
  if (format === 'gzip') {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32OfZeros(size), 0);
    trailer.writeUInt32LE(size >>> 0, 4);
    bytes = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0x02, 0xff]), raw, trailer]);
  } else if (format === 'zlib') {
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32BE(adler32OfZeros(size), 0);
    bytes = Buffer.concat([Buffer.from([0x78, 0xda]), raw, trailer]);
  } else {
    bytes = raw;
  }
  return { name: `${format} ${size / MiB} MiB of zeros`, bytes, expandsTo: size, contentEncoding: encoding };
}

export function brotliBomb(size = BROTLI_ZEROS): Promise<Bomb> {
  return once(`brotli:${size}`, async () => {
    const stream = zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
    const bytes = await streamZeros(stream, size);
    return { name: `brotli ${size / MiB} MiB of zeros`, bytes, expandsTo: size, contentEncoding: ['br'] };
  });
}

/**
 * A body whose Content-Encoding lists `layers` codings, alternating gzip and br (`gzip, br, gzip,
 * …`), around the brotli bomb: undone outermost first, each layer small until the last.
 */
export function stackedBomb(layers: number): Promise<Bomb> {
  return once(`stacked:${layers}`, async () => {
    const inner = await brotliBomb();
    let bytes = inner.bytes;
    // The header lists codings in the order they were applied: br (the bomb) first.
    const codings = ['br'];
    for (let i = 1; i < layers; i++) {
      const gzip = i % 2 === 1;
      bytes = gzip ? zlib.gzipSync(bytes, { level: 9 }) : zlib.brotliCompressSync(bytes);
      codings.push(gzip ? 'gzip' : 'br');
    }
    return { name: `Content-Encoding ${layers} deep`, bytes, expandsTo: inner.expandsTo, contentEncoding: codings };
  });
}

/**
 * A gzip bomb with readable text in front: `prefix` then `zeros` spaces, compressed. What a
 * decoder stopped at its cap should still show (and scan) the prefix.
 */
export function prefixedGzip(prefix: string, zeros: number): Promise<Bomb> {
  return once(`prefixed:${prefix}:${zeros}`, async () => {
    const gz = zlib.createGzip({ level: 9 });
    const done = new Promise<Buffer>((resolve, reject) => {
      const out: Buffer[] = [];
      gz.on('data', (d: Buffer) => out.push(d));
      gz.on('end', () => resolve(Buffer.concat(out)));
      gz.on('error', reject);
    });
    gz.write(Buffer.from(prefix));
    const spaces = Buffer.alloc(MiB, 0x20);
    let left = zeros;
    const write = (): void => {
      while (left > 0) {
        const n = Math.min(left, spaces.length);
        left -= n;
        if (!gz.write(spaces.subarray(0, n))) {
          gz.once('drain', write);
          return;
        }
      }
      gz.end();
    };
    write();
    return { name: `gzip of a ${prefix.length}-byte prefix and ${zeros / MiB} MiB of spaces`, bytes: await done, expandsTo: prefix.length + zeros, contentEncoding: ['gzip'] };
  });
}

/** `payload` base64-encoded `depth` times over (the text grows by 4/3 per layer). */
export function nestedBase64(payload: string, depth: number): string {
  let text = payload;
  for (let i = 0; i < depth; i++) text = Buffer.from(text, 'utf8').toString('base64');
  return text;
}

/**
 * One base64 run of about `chars` characters (a multiple of 4), decoding to text that is all
 * `A`s but for the IMEI near the start: no decoder may copy, hash or decode it whole.
 */
const b64Cache = new Map<number, string>();
export function hugeBase64(chars: number): string {
  let text = b64Cache.get(chars);
  if (text === undefined) {
    // base64 of "AAA" is "QUFB": past the head the run is one 4-character unit repeated.
    const head = Buffer.from(`imei=${IMEI};`.padEnd(24, 'A')).toString('base64');
    text = head + 'QUFB'.repeat(Math.max(0, Math.floor((chars - head.length) / 4)));
    b64Cache.set(chars, text);
  }
  return text;
}

/** `[[[…1…]]]` nested `depth` deep, as text (no value this deep can be stringified). */
export function deepJsonArray(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

/** `{"a":{"a":…{"imei":"…"}…}}` nested `depth` deep, as text. */
export function deepJsonObject(depth: number, leaf = `{"imei":"${IMEI}"}`): string {
  return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

// ---- HAR wrappers -----------------------------------------------------------------------------

export interface HarEntrySpec {
  url?: string;
  method?: string;
  requestHeaders?: { name: string; value: string }[];
  /** postData: text, or params; mimeType defaults to text/plain. */
  postData?: { mimeType?: string; text?: string; params?: unknown[] };
  /** A response body, as sent (base64-encoded into the HAR when binary). */
  response?: { bytes: Buffer; mimeType?: string; contentEncoding?: string[] };
  responseHeaders?: { name: string; value: string }[];
}

/** One HAR 1.2 entry. A binary response body is written with `encoding: base64`. */
export function harEntry(spec: HarEntrySpec): Record<string, unknown> {
  const res = spec.response;
  const resHeaders = [...(spec.responseHeaders ?? [])];
  if (res?.contentEncoding && res.contentEncoding.length > 0) resHeaders.push({ name: 'Content-Encoding', value: res.contentEncoding.join(', ') });
  const content = res
    ? { size: res.bytes.length, mimeType: res.mimeType ?? 'application/json', text: res.bytes.toString('base64'), encoding: 'base64' }
    : { size: 0, mimeType: '' };
  return {
    startedDateTime: '2024-01-01T00:00:00.000Z', time: 1,
    request: {
      method: spec.method ?? (spec.postData ? 'POST' : 'GET'), url: spec.url ?? 'https://bomb.test/', httpVersion: 'HTTP/1.1',
      headers: spec.requestHeaders ?? [], queryString: [], cookies: [], headersSize: -1, bodySize: -1,
      ...(spec.postData ? { postData: { mimeType: 'text/plain', ...spec.postData } } : {}),
    },
    response: {
      status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: resHeaders, cookies: [], content, redirectURL: '', headersSize: -1, bodySize: -1,
    },
    cache: {}, timings: { send: 0, wait: 1, receive: 0 },
  };
}

/** A HAR document's text around `entries`; `replace` swaps placeholder strings for raw JSON text. */
export function harText(entries: Record<string, unknown>[], replace: Record<string, string> = {}): string {
  let text = JSON.stringify({ log: { version: '1.2', creator: { name: 'bombs', version: '1' }, entries } });
  // Deep values are spliced in as text: JSON.stringify cannot write them (it recurses).
  for (const [placeholder, raw] of Object.entries(replace)) text = text.replace(JSON.stringify(placeholder), raw);
  return text;
}

/** The sibling every bomb capture carries: an IMEI sent in the clear, in its own exchange and field. */
export function siblingEntry(where: string): Record<string, unknown> {
  return harEntry({ url: `https://sibling.test/${where}?imei=${IMEI}` });
}
