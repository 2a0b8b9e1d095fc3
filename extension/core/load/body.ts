// Shared by every loader: turn what a capture holds for a body into a model Body, keeping the
// bytes exact and recording what the scanner needs to decode them later.
import type { Body, BodyAvailability, ContentCodingState, NameValue } from '../model';
import { headerValues } from '../model';
import { isPlainText } from '../decode/bytes';
import { isZlib } from '../decode/compression';

export interface BodyFacts {
  mimeType?: string;
  /** The file's own encoding of the body text, e.g. HAR `content.encoding: "base64"`. */
  fileEncoding?: string;
  /** Headers of the message the body belongs to (for Content-Encoding). */
  headers: readonly NameValue[];
  declaredSize?: number;
  availability?: BodyAvailability;
  note?: string;
  /** Already known for these bytes (shared bytes of a repeated body), so not worked out again. */
  isText?: boolean;
}

/** Content-Encoding tokens in the order they were applied, lower-cased, `identity` dropped. */
export function contentEncodings(headers: readonly NameValue[]): string[] {
  return headerValues(headers, 'content-encoding')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '' && v !== 'identity');
}

function startsWithMagic(bytes: Uint8Array, coding: string): boolean | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    case 'deflate':
      // zlib-wrapped deflate has a checkable header; raw deflate has none.
      return isZlib(bytes) ? true : undefined;
    case 'zstd':
      return bytes.length >= 4 && bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd;
    default:
      // brotli has no magic number: we cannot tell from the bytes.
      return undefined;
  }
}

/**
 * Does the body still carry its Content-Encoding? Judged from the outermost coding's magic bytes,
 * then from whether the bytes look like text (a decoded body usually is; an encoded one rarely).
 */
export function contentCodingState(bytes: Uint8Array, codings: readonly string[], isText: boolean): ContentCodingState {
  if (codings.length === 0) return 'none';
  if (bytes.length === 0) return 'unknown';
  const outer = codings[codings.length - 1];
  const magic = startsWithMagic(bytes, outer);
  if (magic === true) return 'still-encoded';
  if (magic === false) return 'already-decoded';
  return isText ? 'already-decoded' : 'unknown';
}

export function makeBody(bytes: Uint8Array, facts: BodyFacts): Body {
  const isText = facts.isText ?? isPlainText(bytes);
  const codings = contentEncodings(facts.headers);
  const availability: BodyAvailability = facts.availability ?? (bytes.length === 0 ? 'empty' : 'complete');
  const body: Body = {
    bytes,
    isText,
    contentEncoding: codings,
    contentCoding: contentCodingState(bytes, codings, isText),
    declaredSize: facts.declaredSize ?? -1,
    availability,
  };
  if (facts.mimeType) body.mimeType = facts.mimeType;
  if (facts.fileEncoding) body.fileEncoding = facts.fileEncoding;
  if (facts.note) body.note = facts.note;
  return body;
}

const utf8 = new TextEncoder();
export function textBytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/** Parse `a=1&b=2` into name/value pairs, decoding `+` and percent-escapes leniently. */
export function parseQueryString(query: string): NameValue[] {
  if (query.startsWith('?')) query = query.slice(1);
  if (query === '') return [];
  return query.split('&').filter((p) => p !== '').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    return { name: lenientDecode(rawName), value: lenientDecode(rawValue) };
  });
}

export function lenientDecode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    // A stray `%` must not lose the rest: decode the valid escapes one by one.
    return plus.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** Parse a Cookie request header into cookies. */
export function parseCookieHeader(value: string): { name: string; value: string }[] {
  return value.split(';').map((p) => p.trim()).filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    return eq === -1 ? { name: p, value: '' } : { name: p.slice(0, eq).trim(), value: p.slice(eq + 1).trim() };
  });
}

/** Parse one Set-Cookie header value. */
export function parseSetCookie(value: string): { name: string; value: string; path?: string; domain?: string; expires?: string; httpOnly?: boolean; secure?: boolean; sameSite?: string } {
  const [first, ...attrs] = value.split(';');
  const eq = first.indexOf('=');
  const cookie: ReturnType<typeof parseSetCookie> = eq === -1
    ? { name: first.trim(), value: '' }
    : { name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim() };
  for (const attr of attrs) {
    const [k, ...rest] = attr.split('=');
    const key = k.trim().toLowerCase();
    const v = rest.join('=').trim();
    if (key === 'path') cookie.path = v;
    else if (key === 'domain') cookie.domain = v;
    else if (key === 'expires') cookie.expires = v;
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'samesite') cookie.sameSite = v;
  }
  return cookie;
}
