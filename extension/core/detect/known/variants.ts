// Known values: how each kind is normalised and validated, and every form a leak of it takes
// (separator and case forms, URL-encoding, hex, base64 in all byte alignments, digests).
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { IdentifierKind } from '../../model';
import { luhnCheckDigit, luhnValid } from '../validators';

/** What a known value is: an identifier kind, or `string` for any free text. */
export type KnownKind = IdentifierKind | 'string';

export const KNOWN_KINDS: readonly KnownKind[] = [
  'imei', 'imsi', 'iccid', 'meid', 'phone', 'email', 'mac', 'android_id', 'ad_id',
  'serial', 'geo', 'carrier', 'string', 'known_value',
];

/** Other names people type for a kind (`--known gaid=…`). */
export const KIND_ALIASES: Readonly<Record<string, KnownKind>> = {
  imeisv: 'imei', msisdn: 'phone', tel: 'phone', mobile: 'phone', mail: 'email',
  wifi_mac: 'mac', bssid: 'mac', bt_mac: 'mac', androidid: 'android_id', ssaid: 'android_id',
  gaid: 'ad_id', aaid: 'ad_id', adid: 'ad_id', idfa: 'ad_id', serialno: 'serial', sn: 'serial',
  location: 'geo', latlon: 'geo', operator: 'carrier', text: 'string', str: 'string',
};

/** Values shorter than this (after normalisation) match too much; only free strings may be shorter. */
export const MIN_VALUE_LENGTH = 6;
/** Shortest free string accepted; free strings shorter than MIN_VALUE_LENGTH match as-is only. */
export const MIN_STRING_LENGTH = 3;
export const MAX_VALUE_LENGTH = 1024;

/** What must surround a match. Checked against the neighbouring characters of the text. */
export const EDGE_NONE = 0;
/** No digit next to a digit at the needle's edge (a 15-digit IMEI inside 20 digits is not it). */
export const EDGE_DIGIT = 1;
/** No letter or digit next to a letter or digit at the needle's edge. */
export const EDGE_ALNUM = 2;
/** E-mail address: no address character around it, no `.tld` continuing it. */
export const EDGE_EMAIL = 3;
/** Hex of bytes: starts an even number of hex digits into its hex run (on a byte boundary). */
export const EDGE_HEX_BYTE = 4;
/** A base64 token: no base64 character on either side (`=` padding may follow). */
export const EDGE_BASE64 = 5;
/** A decimal number: no digit, `.` or sign before; no more digits after. */
export const EDGE_NUMBER = 6;
export type Edge = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/**
 * How case is checked once the (case-folded) automaton reports a needle:
 * `any` — every case matches; the variant name says which case was seen;
 * `exact` — the text must equal the needle; `escape` — equal except the case of %XX escapes.
 */
export type CaseMode = 'any' | 'exact' | 'escape';

export interface NeedleSpec {
  text: string;
  mode: CaseMode;
  /** Variant name when the text matched in the needle's own case (lower case for `any`). */
  name: string;
  /** Variant names for `any` needles seen all upper case / in mixed case. */
  upperName: string;
  mixedName: string;
  left: Edge;
  right: Edge;
}

export type Analysis = { canonical: string } | { problem: string };

// ---------------------------------------------------------------------------------------------
// Normalisation and validation

const SEPARATORS = /[\s\-./:_]/g;

function fail(problem: string): Analysis {
  return { problem };
}

/** E.164 two-digit country codes; 1 and 7 are the only one-digit codes; all others have three digits. */
const CC2 = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(' '),
);

export function countryCodeLength(digits: string): number {
  if (digits[0] === '1' || digits[0] === '7') return 1;
  return CC2.has(digits.slice(0, 2)) ? 2 : 3;
}


function analyseNumberPart(s: string): boolean {
  return /^[+-]?\d{1,3}(\.\d+)?$/.test(s);
}

/** Canonical form of a known value, or why it cannot be used. */
export function analyseKnown(kind: KnownKind, value: string): Analysis {
  const v = value.trim();
  if (!v) return fail('the value is empty');
  if (v.length > MAX_VALUE_LENGTH) return fail(`the value is longer than ${MAX_VALUE_LENGTH} characters`);
  switch (kind) {
    case 'imei': {
      const d = v.replace(SEPARATORS, '');
      if (!/^\d{14,16}$/.test(d)) return fail(`"${v}" is not an IMEI: expected 14–16 digits (15 with the check digit, 16 for an IMEISV)`);
      return { canonical: d };
    }
    case 'imsi': {
      const d = v.replace(SEPARATORS, '');
      if (!/^\d+$/.test(d) || d.length > 15) return fail(`"${v}" is not an IMSI: expected up to 15 digits`);
      return minLength(d);
    }
    case 'iccid': {
      const d = v.replace(SEPARATORS, '').replace(/[fF]$/, '');
      if (!/^\d{18,22}$/.test(d)) return fail(`"${v}" is not an ICCID: expected 18–22 digits`);
      return { canonical: d };
    }
    case 'meid': {
      const d = v.replace(SEPARATORS, '').toLowerCase();
      if (!/^[0-9a-f]{14,15}$/.test(d) && !/^\d{18}$/.test(d)) {
        return fail(`"${v}" is not a MEID: expected 14 hex digits (15 with the check digit) or 18 decimal digits`);
      }
      return { canonical: d };
    }
    case 'phone': {
      let s = v.replace(/^tel:/i, '').replace(/[\s\-().\u00a0/]/g, '');
      if (s.startsWith('00')) s = `+${s.slice(2)}`;
      if (/^\+\d{7,15}$/.test(s) || /^\d{6,15}$/.test(s)) return { canonical: s };
      return fail(`"${v}" is not a phone number: expected E.164 (+ and 7–15 digits) or 6–15 digits`);
    }
    case 'email': {
      const e = v.toLowerCase();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) return fail(`"${v}" is not an e-mail address`);
      return { canonical: e };
    }
    case 'mac': {
      const hex = v.replace(/[\s:.-]/g, '').toLowerCase();
      if (!/^[0-9a-f]{12}$/.test(hex)) return fail(`"${v}" is not a MAC address: expected 6 octets (28:6c:07:c0:35:8f, 28-6C-…, 286c.07c0.358f or 12 hex digits)`);
      if (/^0+$/.test(hex) || /^f+$/.test(hex) || hex === '020000000000') {
        return fail(`"${v}" is a placeholder MAC address every device reports, not a device's own`);
      }
      return { canonical: hex.match(/../g)?.join(':') ?? hex };
    }
    case 'android_id': {
      const h = v.toLowerCase();
      if (!/^[0-9a-f]+$/.test(h)) return fail(`"${v}" is not an Android ID: expected hex digits (normally 16)`);
      return minLength(h);
    }
    case 'ad_id': {
      let u = v.toLowerCase();
      if (/^[0-9a-f]{32}$/.test(u)) u = `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`;
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(u)) {
        return fail(`"${v}" is not an advertising ID: expected a UUID (8-4-4-4-12 hex digits)`);
      }
      if (/^[0-]+$/.test(u)) return fail(`"${v}" is the all-zero advertising ID (tracking limited), not a device's own`);
      return { canonical: u };
    }
    case 'geo': {
      const parts = v.split(/\s*[,;\s]\s*/);
      if (parts.length !== 2 || !parts.every(analyseNumberPart)) return fail(`"${v}" is not a location: expected "lat,lon" in decimal degrees`);
      const [lat, lon] = parts.map((p) => p.replace(/^\+/, ''));
      if (Math.abs(Number(lat)) > 90 || Math.abs(Number(lon)) > 180) return fail(`"${v}" is not a location: latitude must be within ±90 and longitude within ±180`);
      return minLength(`${lat},${lon}`);
    }
    case 'serial':
    case 'carrier':
      return minLength(v);
    case 'string':
    case 'known_value':
      if (valueLength(v) < MIN_STRING_LENGTH) return fail(`"${v}" is too short: free strings need at least ${MIN_STRING_LENGTH} characters`);
      return { canonical: v };
    default:
      return fail(`unknown kind "${String(kind)}"`);
  }
}

/** Length that counts for "too short": UTF-8 bytes, so four CJK characters are not short. */
export function valueLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function minLength(canonical: string): Analysis {
  if (valueLength(canonical) < MIN_VALUE_LENGTH) {
    return fail(`"${canonical}" is shorter than ${MIN_VALUE_LENGTH} characters and would match almost anywhere; give it as string=… to match it as-is`);
  }
  return { canonical };
}

// ---------------------------------------------------------------------------------------------
// Forms and their encodings

interface Form {
  name: string;
  text: string;
  /** Match the text itself. */
  plain: boolean;
  /** Also match its URL-encoding, hex and base64. */
  encode: boolean;
  /** Also match its MD5/SHA-1/SHA-256. */
  hash: boolean;
  /** Bytes to hash instead of the UTF-8 of `text` (MAC as 6 raw bytes). */
  bytes?: Buffer;
}

interface KindStyle {
  mode: 'any' | 'exact';
  edge: Edge;
}

const HASHES = ['md5', 'sha1', 'sha256'] as const;

/** Case-free part of a form name: `uppercase no-separators` → `no-separators`, `uppercase` → `as-is`. */
function shapeOf(name: string): string {
  if (name === 'uppercase' || name === 'lowercase') return 'as-is';
  return name.replace(/^uppercase /, '');
}

function upperOf(name: string): string {
  const shape = shapeOf(name);
  return shape === 'as-is' ? 'uppercase' : `uppercase ${shape}`;
}

function mixedOf(name: string): string {
  const shape = shapeOf(name);
  return shape === 'as-is' ? 'mixed-case' : `mixed-case ${shape}`;
}

function wrap(encoding: string, form: string): string {
  return form === 'as-is' ? encoding : `${encoding}(${form})`;
}

/**
 * The part of base64(prefix + bytes + suffix) that depends only on `bytes`, for a prefix of
 * `align` bytes (0, 1 or 2): characters whose 6 bits all fall inside `bytes`.
 */
export function base64Core(bytes: Buffer, align: number): string {
  const encoded = Buffer.concat([Buffer.alloc(align), bytes, Buffer.alloc(2)]).toString('base64');
  const from = Math.ceil((8 * align) / 6);
  const to = Math.floor((8 * align + 8 * bytes.length) / 6);
  return encoded.slice(from, to);
}

function kindStyle(kind: KnownKind, canonical: string): KindStyle {
  switch (kind) {
    case 'imei': case 'imsi': case 'iccid': case 'phone':
      return { mode: 'any', edge: EDGE_DIGIT };
    case 'meid':
      return { mode: 'any', edge: /^\d+$/.test(canonical) ? EDGE_DIGIT : EDGE_ALNUM };
    case 'email':
      return { mode: 'any', edge: EDGE_EMAIL };
    case 'mac': case 'android_id': case 'ad_id':
      return { mode: 'any', edge: EDGE_ALNUM };
    case 'geo':
      return { mode: 'any', edge: EDGE_NUMBER };
    case 'serial':
      return { mode: 'exact', edge: EDGE_ALNUM };
    default:
      return { mode: 'exact', edge: valueLength(canonical) < MIN_VALUE_LENGTH ? EDGE_ALNUM : EDGE_NONE };
  }
}

function form(name: string, text: string, encode = true, hash = true, plain = true): Form {
  return { name, text, plain, encode, hash };
}

function kindForms(kind: KnownKind, c: string): Form[] {
  switch (kind) {
    case 'imei': {
      const forms = [form('as-is', c)];
      if (c.length === 15) forms.push(form('no-check-digit', c.slice(0, 14)));
      if (c.length === 14) forms.push(form('with-check-digit', c + luhnCheckDigit(c)));
      if (c.length === 16) forms.push(form('no-svn', c.slice(0, 14)), form('with-check-digit', c.slice(0, 14) + luhnCheckDigit(c.slice(0, 14))));
      return forms;
    }
    case 'iccid': {
      const forms = [form('as-is', c)];
      if (c.length >= 19 && luhnValid(c)) forms.push(form('no-check-digit', c.slice(0, -1)));
      return forms;
    }
    case 'meid':
      return [form('as-is', c), form('uppercase', c.toUpperCase())];
    case 'phone': {
      if (!c.startsWith('+')) {
        // National number as typed; a leading trunk 0 is often dropped.
        return c.startsWith('0') && !c.startsWith('00') ? [form('as-is', c), form('no-trunk', c.slice(1))] : [form('as-is', c)];
      }
      const digits = c.slice(1);
      const cc = digits.slice(0, countryCodeLength(digits));
      const national = digits.slice(cc.length);
      const forms = [form('as-is', c), form('no-plus', digits), form('00-prefix', `00${digits}`, false, false), form('national', national)];
      const trunk = cc === '1' || national.startsWith('0') ? '' : cc === '7' ? '8' : '0';
      if (trunk) forms.push(form('national-trunk', trunk + national, false, false));
      return forms;
    }
    case 'email': {
      const forms = [form('as-is', c)];
      const [local, domain] = [c.slice(0, c.lastIndexOf('@')), c.slice(c.lastIndexOf('@') + 1)];
      if (domain === 'gmail.com' || domain === 'googlemail.com') {
        forms.push(form('gmail-normalised', `${local.replace(/\+.*$/, '').replace(/\./g, '')}@gmail.com`, false, true, false));
      }
      return forms;
    }
    case 'mac': {
      const hex = c.replace(/:/g, '');
      const dotted = `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`;
      const dashes = c.replace(/:/g, '-');
      return [
        form('as-is', c), form('uppercase', c.toUpperCase()),
        form('no-separators', hex), form('uppercase no-separators', hex.toUpperCase()),
        form('dashes', dashes, true, false), form('uppercase dashes', dashes.toUpperCase()),
        form('cisco-dotted', dotted, false, false),
        { name: 'bytes', text: '', plain: false, encode: false, hash: true, bytes: Buffer.from(hex, 'hex') },
      ];
    }
    case 'android_id':
      return [form('as-is', c), form('uppercase', c.toUpperCase())];
    case 'ad_id': {
      const bare = c.replace(/-/g, '');
      return [form('as-is', c), form('uppercase', c.toUpperCase()), form('no-dashes', bare), form('uppercase no-dashes', bare.toUpperCase())];
    }
    case 'geo': {
      const [lat, lon] = c.split(',');
      const forms = [form('as-is', c, true, false), form('comma-space', `${lat}, ${lon}`, true, false), form('lon,lat', `${lon},${lat}`, true, false)];
      if (lat.length >= MIN_VALUE_LENGTH && lat.includes('.')) forms.push(form('latitude', lat, false, false));
      if (lon.length >= MIN_VALUE_LENGTH && lon.includes('.')) forms.push(form('longitude', lon, false, false));
      return forms;
    }
    case 'carrier':
      return [form('as-is', c), form('lowercase', c.toLowerCase(), true, false), form('uppercase', c.toUpperCase(), true, false)];
    case 'serial':
    case 'string':
    case 'known_value':
      if (valueLength(c) < MIN_VALUE_LENGTH) return [form('as-is', c, false, false)];
      return [form('as-is', c), form('lowercase', c.toLowerCase()), form('uppercase', c.toUpperCase())];
    default:
      return [form('as-is', c)];
  }
}

/**
 * Every needle for one value, most specific first. `entered` is the value as the researcher typed
 * it; when it differs from every generated form it is matched too, as `as-entered`.
 */
export function generateNeedles(kind: KnownKind, canonical: string, entered: string): NeedleSpec[] {
  const style = kindStyle(kind, canonical);
  const forms = kindForms(kind, canonical);
  const raw = entered.trim();
  const short = valueLength(canonical) < MIN_VALUE_LENGTH;
  const minLen = short ? 1 : MIN_VALUE_LENGTH;
  // As typed, when it differs from every form (hashes and encodings depend on the exact text).
  if (!short && valueLength(raw) >= minLen && !forms.some((f) => f.text === raw)) forms.push(form('as-entered', raw));
  // Forms differing only in case are one needle for `any` kinds; keep each text once.
  const seenForm = new Set<string>();
  const unique = forms.filter((f) => {
    const key = `${f.name === 'bytes' ? 'bytes' : ''}|${f.text}`;
    if (seenForm.has(key)) return false;
    seenForm.add(key);
    return true;
  });

  const out: NeedleSpec[] = [];
  const add = (n: NeedleSpec): void => {
    if (valueLength(n.text) >= minLen) out.push(n);
  };
  const plainNeedle = (f: Form, text: string, mode: CaseMode, name: (n: string) => string): NeedleSpec => ({
    text: style.mode === 'any' ? text.toLowerCase() : text,
    mode,
    name: name(f.name),
    upperName: name(upperOf(f.name)),
    mixedName: name(mixedOf(f.name)),
    left: style.edge,
    right: style.edge,
  });

  for (const f of unique) if (f.plain) add(plainNeedle(f, f.text, style.mode, (n) => n));
  for (const f of unique) {
    if (!f.encode) continue;
    const url = encodeURIComponent(f.text);
    const urlMode: CaseMode = style.mode === 'any' ? 'any' : 'escape';
    if (url !== f.text) add(plainNeedle(f, url, urlMode, (n) => wrap('url-encoded', n)));
    if (f.text.includes(' ')) add(plainNeedle(f, url.replace(/%20/g, '+'), urlMode, (n) => wrap('form-encoded', n)));
  }
  for (const f of unique) {
    if (!f.encode) continue;
    const hex = Buffer.from(f.text, 'utf8').toString('hex');
    add({
      text: hex, mode: 'any', name: wrap('hex', f.name), upperName: wrap('hex-upper', f.name),
      mixedName: wrap('hex-mixed-case', f.name), left: EDGE_HEX_BYTE, right: EDGE_NONE,
    });
  }
  const exact = (text: string, name: string, left: Edge, right: Edge): void =>
    add({ text, mode: 'exact', name, upperName: name, mixedName: name, left, right });
  /** Standard and (when different) URL-safe alphabet. */
  const bothAlphabets = (std: string, name: (alphabet: string) => string, left: Edge, right: Edge): void => {
    exact(std, name('base64'), left, right);
    const urlSafe = std.replace(/\+/g, '-').replace(/\//g, '_');
    if (urlSafe !== std) exact(urlSafe, name('base64url'), left, right);
  };
  for (const f of unique) {
    if (!f.encode) continue;
    const bytes = Buffer.from(f.text, 'utf8');
    const name = (alphabet: string): string => wrap(alphabet, f.name);
    // The whole value encoded on its own: with its padding, or unpadded and ending a token.
    const whole = bytes.toString('base64');
    const unpadded = whole.replace(/=+$/, '');
    if (unpadded !== whole) bothAlphabets(whole, name, EDGE_NONE, EDGE_NONE);
    bothAlphabets(unpadded, name, EDGE_NONE, EDGE_BASE64);
    // Inside a longer blob, at each of the three byte alignments: the characters fixed by the value alone.
    for (let align = 0; align < 3; align++) bothAlphabets(base64Core(bytes, align), name, EDGE_NONE, EDGE_NONE);
  }
  for (const f of unique) {
    if (!f.hash) continue;
    const input = f.bytes ?? Buffer.from(f.text, 'utf8');
    for (const alg of HASHES) {
      const digest = createHash(alg).update(input).digest();
      const d = wrap(alg, f.name);
      add({ text: digest.toString('hex'), mode: 'any', name: d, upperName: `${d} hex-upper`, mixedName: `${d} hex-mixed-case`, left: EDGE_ALNUM, right: EDGE_ALNUM });
      const padded = digest.toString('base64');
      const unpadded = padded.replace(/=+$/, '');
      const name = (alphabet: string): string => `${d} ${alphabet}`;
      if (padded !== unpadded) bothAlphabets(padded, name, EDGE_BASE64, EDGE_NONE);
      bothAlphabets(unpadded, name, EDGE_BASE64, EDGE_BASE64);
    }
  }
  return out;
}
