// JSON Web Tokens (JWS compact form): `header.payload.signature`, each base64url. A token counts
// only when its header decodes to a JSON object with "alg". Header and payload become text for
// the JSON decoder (`jwt:header` → `json:$.alg`); the signature is opaque and not decoded.
import { isCleanText } from './bytes';
import type { Span } from './runs';
import type { Child } from './step';

export interface Jwt extends Span {
  children: Child[];
}

function isSegmentChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

/** End of a base64url segment starting at `i` (with up to two `=` some encoders add). */
function segmentEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n && isSegmentChar(text.charCodeAt(i))) i++;
  for (let k = 0; k < 2 && text.charCodeAt(i) === 0x3d; k++) i++;
  return i;
}

function unpad(segment: string): string {
  let e = segment.length;
  while (e > 0 && segment.charCodeAt(e - 1) === 0x3d) e--;
  return segment.slice(0, e);
}

function header(segment: string): string | undefined {
  const bytes = Buffer.from(unpad(segment), 'base64url');
  if (!isCleanText(bytes)) return undefined;
  const text = bytes.toString('utf8');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, unknown>).alg === 'string') {
      return text;
    }
  } catch {
    // not JSON: not a JWT
  }
  return undefined;
}

/** The token starting at `at`, or undefined. */
function tokenAt(text: string, at: number): Jwt | undefined {
  if (at > 0 && isSegmentChar(text.charCodeAt(at - 1))) return undefined;
  const h = segmentEnd(text, at);
  if (h - at < 5 || text.charCodeAt(h) !== 0x2e) return undefined;
  const p = segmentEnd(text, h + 1);
  if (p - h - 1 < 2 || text.charCodeAt(p) !== 0x2e) return undefined;
  const end = segmentEnd(text, p + 1);
  const headerText = header(text.slice(at, h));
  if (headerText === undefined) return undefined;
  const children: Child[] = [{ step: 'jwt:header', text: headerText }];
  const payload = Buffer.from(unpad(text.slice(h + 1, p)), 'base64url');
  if (payload.length > 0) {
    children.push(isCleanText(payload) ? { step: 'jwt:payload', text: payload.toString('utf8') } : { step: 'jwt:payload', bytes: payload });
  }
  return { start: at, end, children };
}

/** `eyJ…` (base64 of `{"`) header, payload and signature separated by dots; scanned by hand. */
export function findJwts(text: string): Jwt[] {
  const found: Jwt[] = [];
  let at = text.indexOf('eyJ');
  while (at !== -1) {
    const jwt = tokenAt(text, at);
    if (jwt) found.push(jwt);
    at = text.indexOf('eyJ', jwt ? jwt.end : at + 3);
  }
  return found;
}
