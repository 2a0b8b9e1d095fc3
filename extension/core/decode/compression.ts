// gzip, zlib, raw deflate and brotli, undone with node:zlib's sync API and a hard output cap
// (`maxOutputLength`), so a decompression bomb stops as soon as the cap is reached. What a bomb
// holds up to the cap is still decoded (from a prefix of its input), so identifiers in front of
// the padding are found.
import { kMaxLength } from 'node:buffer';
import * as zlib from 'node:zlib';
import { toBuffer } from './bytes';

/** Chain step names, one per format. */
export type Codec = 'gzip' | 'zlib' | 'deflate' | 'brotli';

export type Inflated =
  | { kind: 'ok'; bytes: Buffer; /** The stream ended early; this is what it held. */ partial: boolean }
  | {
    kind: 'overflow';
    /** The first at most `maxOutput` bytes it decodes to, when any could be had (from a prefix of the input). */
    head?: Buffer;
  }
  | { kind: 'fail' };

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 18 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08;
}

/** RFC 1950 header: deflate, window ≤ 32K, check bits, no preset dictionary. */
export function isZlib(b: Uint8Array): boolean {
  return b.length >= 8 && (b[0] & 0x0f) === 8 && b[0] >> 4 <= 7 && ((b[0] << 8) | b[1]) % 31 === 0 && (b[1] & 0x20) === 0;
}

/** Compression recognisable by its first bytes. Brotli and raw deflate have no magic. */
export function sniffCompression(b: Uint8Array): Codec | undefined {
  if (isGzip(b)) return 'gzip';
  if (isZlib(b)) return 'zlib';
  return undefined;
}

/**
 * A Content-Encoding token as the codec that undoes it; `undefined` for ones we cannot undo
 * (compress, zstd on Node 20) and `null` for no-ops.
 */
export function codecOfContentEncoding(token: string, bytes: Uint8Array): Codec | null | undefined {
  switch (token.trim().toLowerCase()) {
    case '':
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      // The HTTP spec means zlib-wrapped; some servers send raw deflate.
      return isZlib(bytes) ? 'zlib' : 'deflate';
    case 'br':
      return 'brotli';
    default:
      return undefined;
  }
}

function run(codec: Codec, input: Buffer, options: zlib.ZlibOptions | zlib.BrotliOptions): Buffer {
  switch (codec) {
    case 'gzip':
      return zlib.gunzipSync(input, options as zlib.ZlibOptions);
    case 'zlib':
      return zlib.inflateSync(input, options as zlib.ZlibOptions);
    case 'deflate':
      return zlib.inflateRawSync(input, options as zlib.ZlibOptions);
    case 'brotli':
      return zlib.brotliDecompressSync(input, options as zlib.BrotliOptions);
  }
}

function tooLarge(err: unknown): boolean {
  return err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

/** Undo one compression layer, producing at most `maxOutput` bytes. Never throws. */
export function inflate(codec: Codec, bytes: Uint8Array, maxOutput: number): Inflated {
  if (bytes.length === 0) return { kind: 'fail' };
  if (maxOutput < 1) return { kind: 'overflow' };
  const input = toBuffer(bytes);
  const maxOutputLength = Math.min(Math.floor(maxOutput), kMaxLength);
  try {
    return { kind: 'ok', bytes: run(codec, input, { maxOutputLength }), partial: false };
  } catch (err) {
    if (tooLarge(err)) return overflow(codec, input, maxOutputLength);
  }
  // A truncated stream (a capture cut short) still holds its first bytes: flush what is there.
  // Corrupt data fails again here and is "not this layer".
  try {
    const out = run(codec, input, { maxOutputLength, finishFlush: flushOf(codec) });
    return out.length > 0 ? { kind: 'ok', bytes: out, partial: true } : { kind: 'fail' };
  } catch (err) {
    return tooLarge(err) ? overflow(codec, input, maxOutputLength) : { kind: 'fail' };
  }
}

function flushOf(codec: Codec): number {
  return codec === 'brotli' ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.Z_SYNC_FLUSH;
}

/** Prefixes tried, first to last, when looking for the head of an overflowing stream. */
const FIRST_PREFIX = 1024;
const BISECTIONS = 4;

/**
 * The stream decodes to more than `max` bytes: decode the longest prefix of its input found
 * whose output fits. Prefixes double (each try stops at the cap, so the work is a few times the
 * cap, never the bomb's size), then a few bisections bring the head closer to the cap.
 */
function overflow(codec: Codec, input: Buffer, max: number): Inflated {
  const flush = flushOf(codec);
  const tryPrefix = (length: number): Buffer | 'over' | undefined => {
    try {
      return run(codec, input.subarray(0, length), { maxOutputLength: max, finishFlush: flush });
    } catch (err) {
      return tooLarge(err) ? 'over' : undefined;
    }
  };
  let fits = 0;
  let head: Buffer | undefined;
  let over = input.length;
  for (let length = Math.min(FIRST_PREFIX, input.length >> 1); length > fits && length < over; length *= 2) {
    const out = tryPrefix(length);
    if (out === undefined) return { kind: 'overflow' };
    if (out === 'over') {
      over = length;
      break;
    }
    fits = length;
    head = out;
  }
  for (let i = 0; i < BISECTIONS && over - fits > 1; i++) {
    const mid = fits + ((over - fits) >> 1);
    const out = tryPrefix(mid);
    if (out === undefined) break;
    if (out === 'over') over = mid;
    else {
      fits = mid;
      head = out;
    }
  }
  return head !== undefined && head.length > 0 ? { kind: 'overflow', head } : { kind: 'overflow' };
}
