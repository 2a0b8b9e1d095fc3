// What an advisory must not publish: secrets (credentials, session cookies, tokens, API keys, JWT
// signatures) are removed outright, and identifier values (the researcher's own device, and by
// default every identifier the scan found) are masked so the vendor can still recognise them.
//
// Secrets
//  - headers: Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, X-Auth-Token, and
//    any header whose name reads as a secret (below);
//  - names (query and form parameters, JSON keys, cookies, headers) made of a secret word: token,
//    secret, password/passwd/pwd/passphrase, session/sessionid/sid, auth/authorization,
//    credential(s), signature/sig, jwt, bearer, cookie, csrf/xsrf, otp, apikey, or `KEY` after
//    api/access/secret/private/app/client/signing/master/license (`X-Api-Key`, `apiKey`,
//    `aws_secret_access_key`, `refresh_token`, `PHPSESSID`);
//  - values anywhere: `Bearer …`/`Basic …`/`Digest …` credentials, JWTs (header and payload kept,
//    signature dropped), AWS access key ids, Google API keys, GitHub, Slack and Stripe tokens,
//    PEM private keys, `user:password@` in URLs, and `name=value` / `"name": value` pairs whose
//    name is a secret.
//
// Masking (the example: IMEI 868715392756833 → 86871539••••833)
//  - IMEI, IMSI, ICCID, MEID, serial: the first half (at most 8) and the last 3 characters kept,
//    at least 4 hidden; short values keep one character at each end;
//  - phone: the first 4 digits (country code and a little) and the last 2;
//  - e-mail: the first character of the local part, `•••`, and the domain (l•••@example.com);
//  - MAC: the vendor prefix (OUI, 3 octets) and the last octet (28:6c:07:••:••:8f);
//  - coordinates: one decimal kept (≈ 11 km), the other decimals hidden;
//  - Android ID, advertising ID, free strings: up to 4 first and 3 last characters;
//  - carrier names are not identifiers of a person and are shown as they are;
//  - a hash or encoding of an identifier (md5, sha1, base64, hex, as the known-value matcher
//    names it) is replaced whole by `[md5 of IMEI]`: part of a hash together with part of the
//    value would let anyone recover the rest.
// Separators stay where they were, one bullet per hidden character.
import type { IdentifierKind } from '../model';
import { CaseFoldedAutomaton, foldAscii } from '../detect/known/automaton';

export const REDACTED = '[REDACTED]';
export const BULLET = '•';

// ---------------------------------------------------------------------------------------------
// Secrets

const SECRET_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'set-cookie2', 'x-api-key', 'api-key', 'apikey',
  'x-auth-token', 'x-access-token', 'x-refresh-token', 'x-csrf-token', 'x-xsrf-token', 'x-amz-security-token',
  'x-goog-api-key', 'x-session-id', 'x-session-token', 'x-client-secret', 'x-signature', 'x-hub-signature',
]);

const SECRET_WORDS = new Set([
  'token', 'tokens', 'accesstoken', 'refreshtoken', 'idtoken', 'authtoken', 'secret', 'secrets', 'clientsecret', 'appsecret',
  'password', 'passwd', 'pwd', 'passphrase', 'pass', 'session', 'sessionid', 'sessid', 'sid', 'phpsessid', 'jsessionid',
  'aspsessionid', 'auth', 'authorization', 'credential', 'credentials', 'cred', 'creds', 'signature', 'sig', 'jwt',
  'bearer', 'cookie', 'cookies', 'csrf', 'xsrf', 'csrftoken', 'xsrftoken', 'otp', 'apikey', 'apikeys', 'privatekey',
  'accesskey', 'secretkey', 'appkey', 'clientkey', 'signingkey', 'masterkey', 'licensekey',
]);

const KEY_QUALIFIERS = new Set(['api', 'access', 'secret', 'private', 'app', 'client', 'signing', 'master', 'license', 'auth', 'session']);

/** `X-Api-Key` → [x, api, key]; `refreshToken` → [refresh, token]; `PHPSESSID` → [phpsessid]. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Whether a parameter, JSON key, cookie or header name says its value is a secret. */
export function isSecretName(name: string): boolean {
  if (name.length > 200) return false;
  const w = words(name);
  for (let i = 0; i < w.length; i++) {
    if (SECRET_WORDS.has(w[i])) return true;
    if ((w[i] === 'key' || w[i] === 'keys') && i > 0 && KEY_QUALIFIERS.has(w[i - 1])) return true;
  }
  const squashed = w.join('');
  return SECRET_WORDS.has(squashed) || SECRET_PARTS.test(squashed);
}

/**
 * Secret words inside a compound name written without separators or case (`apitoken`,
 * `devicetoken`, `Ocp-Apim-Subscription-Key`, `SAPISID`, `cookie2`). Only parts that do not occur
 * in identifier names the advisory must show (`imei`, `device_id`, `ssid`, `passenger`).
 */
const SECRET_PARTS = /token|secret|passw|passphrase|(?<!s)session|sessid|apikey|authkey|accesskey|privatekey|signingkey|subscriptionkey|apisid|cookie|signature|credential|csrf|xsrf|bearer/;

/** Whether a header's whole value is a secret. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.trim().toLowerCase()) || isSecretName(name);
}

/** Looks like a credential rather than a word: long enough, and not plain lower-case letters. */
function looksLikeToken(text: string): boolean {
  return text.length >= 8 && (/[0-9+/=_.~%-]/.test(text) || (/[a-z]/.test(text) && /[A-Z]/.test(text)));
}

/** Base64url (or base64) text decoded as Latin-1, or undefined. */
function decodeBase64(text: string): string | undefined {
  try {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    return atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

/** A JWT header: `eyJ…` (compact JSON), or any base64url that decodes to a JSON object naming `alg`. */
function isJwtHeader(header: string): boolean {
  if (header.startsWith('eyJ')) return true;
  const json = decodeBase64(header);
  return json !== undefined && /^\s*\{/.test(json) && json.includes('"alg"');
}

// A JWT's header is base64url of a JSON object, so it starts `e` and one of `w-z0-9-_` (`eyJ`, or `ewog` when pretty-printed).
// Runs are written `X{n-1}X+`, not `X{n,}`: V8's regexp overflows its backtracking stack on `{n,}`
// over a run of ~10 M characters, and capture text holds such runs.
const JWT = /\b(e[w-z0-9_-][A-Za-z0-9_-][A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]+)/g;
// Case as written in headers (prose like "token expired" is not a credential). The space may be
// percent- or form-encoded (`Bearer%20…`, `Bearer+…`) when the header was copied into a URL.
const AUTH_SCHEME = /\b([Bb]earer|BEARER|[Bb]asic|BASIC|Digest|Token|Negotiate|NTLM|HOBA|Mutual|AWS4-HMAC-SHA256)([ \t]+|%20|\+)([^\s,;"'<>&]+)/g;
const VALUE_PATTERNS: { pattern: RegExp; replacement: string }[] = [
  { pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, replacement: '[REDACTED private key]' },
  { pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/g, replacement: '[REDACTED AWS key]' },
  { pattern: /\bAIza[0-9A-Za-z_-]{35}/g, replacement: '[REDACTED API key]' },
  { pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g, replacement: '[REDACTED GitHub token]' },
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{9}[A-Za-z0-9-]+/g, replacement: '[REDACTED Slack token]' },
  { pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{9}[A-Za-z0-9]+/g, replacement: '[REDACTED API key]' },
];

/** A JWT with its signature dropped: header and payload kept (they are only base64 of JSON). */
export function redactJwt(text: string): string {
  return text.replace(JWT, (m, header: string, payload: string) => (isJwtHeader(header) ? `${header}.${payload}.[signature removed]` : m));
}

/** JWTs (signed, or with the signature already removed) with their payload withheld as well: it holds identifiers in base64. */
export function withholdJwtPayloads(text: string): string {
  return text.replace(/\b(e[w-z0-9_-][A-Za-z0-9_-][A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.(\[signature removed\]|[A-Za-z0-9_-]+)/g, (m, header: string, _payload: string, signature: string) =>
    (isJwtHeader(header) ? `${header}.[JWT payload withheld].${signature.startsWith('[') ? signature : '[signature removed]'}` : m));
}

/** `name=value` pairs (query strings, forms, cookies) whose name is a secret. */
const PAIR = /(^|[?&;,\s#([{"'|])([^=&;,\s?#()[\]{}"'|]{1,100})=([^&;,\s#)"']*)/g;
/** `"name": value` pairs (JSON) whose name is a secret; the value may be an array or object without nesting. */
const JSON_PAIR = /"((?:[^"\\\n]|\\.){1,100})"(\s*:\s*)("(?:[^"\\\n]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|\[[^[\]]{0,5000}\]|\{[^{}]{0,5000}\})/g;
/** Percent-encoded JSON pairs (`d=%7B%22token%22%3A%22…%22%7D`) whose name is a secret. */
const ENCODED_JSON_PAIR = /%22((?:(?!%22)[^&\s"]){1,300})%22((?:%20|\+)*(?:%3A|:)(?:%20|\+)*)(%22(?:(?!%22)[^&\s"])*%22|-?[0-9][0-9.eE+-]*|true|false|%5B(?:(?!%5D)[^&\s]){0,5000}%5D)/gi;
/** `Name: value` lines (headers pasted into notes) whose name is a secret header. */
const HEADER_LINE = /^([ \t]*)([A-Za-z0-9-]{1,64}):([ \t]*)(\S.*)$/gm;
// User info ends at the last `@` before the path (`https://user:p@ss@host/`).
const USERINFO = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)([^/?#\s]+)@/gi;

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * Secrets recognisable by their own shape, wherever they are (also in names and paths):
 * credentials after an auth scheme, JWT signatures, provider key formats, private keys, URL user info.
 */
export function redactSecretValues(text: string): string {
  let out = text;
  for (const { pattern, replacement } of VALUE_PATTERNS) out = out.replace(pattern, replacement);
  out = out.replace(AUTH_SCHEME, (m, scheme: string, space: string, token: string) =>
    (looksLikeToken(token) || (/^bearer$/i.test(scheme) && token.length >= 16) ? `${scheme}${space}${REDACTED}` : m));
  out = redactJwt(out);
  return out.replace(USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}@`);
}

/**
 * Secrets removed from free text (a URL, a header value, notes): redactSecretValues, and
 * secret-named `name=value`, `"name": value` and `Name: value` pairs.
 */
export function redactSecrets(text: string): string {
  let out = redactSecretValues(text);
  out = out.replace(PAIR, (m, lead: string, name: string) => (isSecretName(decodeName(name)) ? `${lead}${name}=${REDACTED}` : m));
  out = out.replace(JSON_PAIR, (m, name: string, colon: string) => (isSecretName(name) ? `"${name}"${colon}"${REDACTED}"` : m));
  out = out.replace(ENCODED_JSON_PAIR, (m, name: string, colon: string) => (isSecretName(decodeName(name)) ? `%22${name}%22${colon}%22${REDACTED}%22` : m));
  out = out.replace(HEADER_LINE, (m, lead: string, name: string, space: string) => (isSecretHeader(name) ? `${lead}${name}:${space}${REDACTED}` : m));
  return out;
}

/** A header's value as an advisory may show it. */
export function redactHeader(name: string, value: string): string {
  return isSecretHeader(name) ? REDACTED : redactSecrets(value);
}

export interface RedactUrlOptions {
  /** Query parameters (decoded names) whose values are replaced by `replacement`, e.g. those holding encoded identifiers. */
  withhold?: ReadonlySet<string>;
  withheldText?: string;
}

/**
 * A URL as an advisory may show it: user info removed, secret-named query and fragment parameters
 * redacted, the rest passed through redactSecrets. The URL is not re-encoded.
 */
export function redactUrl(url: string, options: RedactUrlOptions = {}): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? undefined : url.slice(hashAt + 1);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? undefined : beforeHash.slice(queryAt + 1);
  const params = (text: string): string => text.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    const decoded = decodeName(name);
    if (eq === -1) return redactSecrets(pair);
    if (isSecretName(decoded)) return `${name}=${REDACTED}`;
    if (options.withhold?.has(decoded)) return `${name}=${options.withheldText ?? REDACTED}`;
    return `${redactSecrets(name)}=${redactSecrets(pair.slice(eq + 1))}`;
  }).join('&');
  let out = redactSecrets(base);
  if (query !== undefined) out += `?${params(query)}`;
  if (fragment !== undefined) out += `#${fragment.includes('=') ? params(fragment) : redactSecrets(fragment)}`;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Masking

function isAlnum(c: string): boolean {
  return /^[0-9A-Za-z]$/.test(c);
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** Keep the first `first` and the last `last` significant characters; the others become bullets. */
function maskSignificant(text: string, significant: (c: string) => boolean, first: number, last: number): string {
  const chars = Array.from(text);
  const total = chars.filter(significant).length;
  let seen = 0;
  return chars.map((c) => {
    if (!significant(c)) return c;
    const i = seen++;
    return i < first || i >= total - last ? c : BULLET;
  }).join('');
}

function maskNumberish(text: string): string {
  const n = Array.from(text).filter(isAlnum).length;
  if (n >= 10) {
    const last = 3;
    return maskSignificant(text, isAlnum, Math.min(8, Math.ceil(n / 2), n - last - 4), last);
  }
  return n >= 4 ? maskSignificant(text, isAlnum, 1, 1) : maskSignificant(text, isAlnum, 0, 0);
}

function maskEmail(text: string): string {
  const at = text.lastIndexOf('@');
  if (at <= 0) return maskGeneric(text);
  return `${Array.from(text.slice(0, at))[0]}${BULLET.repeat(3)}${text.slice(at)}`;
}

function maskGeneric(text: string): string {
  const n = Array.from(text).filter(isAlnum).length;
  if (n < 4) return Array.from(text).map((c) => (isAlnum(c) ? BULLET : c)).join('');
  const keep = Math.floor(n / 4);
  return maskSignificant(text, isAlnum, Math.min(4, keep), Math.min(3, keep));
}

/**
 * An identifier as it appeared (`868715392756833`, `+86 139 2344 9289`, `28:6C:07:C0:35:8F`)
 * masked by the rule for its kind; separators are kept.
 */
export function maskIdentifier(kind: IdentifierKind, text: string): string {
  switch (kind) {
    case 'imei':
    case 'imsi':
    case 'iccid':
    case 'meid':
    case 'serial':
      return maskNumberish(text);
    case 'phone': {
      const n = Array.from(text).filter(isDigit).length;
      return n >= 8 ? maskSignificant(text, isDigit, Math.min(4, n - 6), 2) : maskSignificant(text, isDigit, 1, 1);
    }
    case 'email':
      return maskEmail(text);
    case 'mac': {
      const hex = (c: string): boolean => /^[0-9A-Fa-f]$/.test(c);
      const n = Array.from(text).filter(hex).length;
      return n === 12 ? maskSignificant(text, hex, 6, 2) : maskGeneric(text);
    }
    case 'geo':
      return text.replace(/(-?\d+\.\d)(\d+)/g, (_m, kept: string, rest: string) => kept + BULLET.repeat(rest.length));
    case 'carrier':
      return text;
    default:
      return maskGeneric(text);
  }
}

/** Variants of the known-value matcher that are a hash or an encoding of the value, not the value. */
export function isDerivedVariant(variant: string | undefined): boolean {
  return variant !== undefined && /\b(?:md5|sha1|sha256|sha-?\d+|base64|hex)\b/i.test(variant);
}

export interface MaskEntry {
  kind: IdentifierKind;
  /** A text to find: the value as it appeared, its canonical form, a hash of it, … */
  text: string;
  /** Set when `text` is a hash or encoding of the identifier: e.g. `md5`. Replaced whole. */
  derived?: string;
}

const KIND_NAMES: Partial<Record<IdentifierKind, string>> = {
  imei: 'IMEI', imsi: 'IMSI', iccid: 'ICCID', meid: 'MEID', phone: 'phone number', email: 'e-mail address', mac: 'MAC address',
  android_id: 'Android ID', ad_id: 'advertising ID', serial: 'serial number', geo: 'location', known_value: 'known value',
};

/** What stands in for a hash or encoding of an identifier: `[md5 of IMEI]`. */
export function derivedPlaceholder(kind: IdentifierKind, variant: string): string {
  return `[${variant.replace(/[[\]]/g, '')} of ${KIND_NAMES[kind] ?? kind}]`;
}

/** Shortest text searched for: shorter values (a 3-digit MNC) would mask unrelated text. */
const MIN_NEEDLE = 5;

/** Kinds also found written with other separators (`86-871539-275683-3`, `28-6c-07-c0-35-8f`, `+86 139-2344-9289`). */
const LOOSE_KINDS: ReadonlySet<IdentifierKind> = new Set(['imei', 'imsi', 'iccid', 'meid', 'serial', 'phone', 'mac']);
/** Shortest run of letters and digits searched for separator-insensitively. */
const MIN_LOOSE = 8;
/** Characters that may separate the digits of an identifier as a person writes it, at most two in a row. */
const LOOSE_SEPARATOR = /^[ .:\-/()_\u00a0\u2010-\u2015]$/;

/**
 * The text's letters and digits, with separators of at most two characters between them dropped
 * and anything else breaking the run (a NUL, which no needle contains); `at[i]` is the index in the
 * text of the i-th character kept. Linear.
 */
function looseForm(text: string): { stripped: string; at: number[] } {
  let stripped = '';
  const at: number[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (isAlnum(c)) {
      stripped += c;
      at.push(i);
      i++;
      continue;
    }
    let j = i;
    while (j < text.length && j - i < 3 && LOOSE_SEPARATOR.test(text[j])) j++;
    const bridged = j > i && j - i <= 2 && j < text.length && isAlnum(text[j]) && i > 0 && isAlnum(text[i - 1]);
    if (!bridged) {
      stripped += '\u0000';
      at.push(i);
      j = Math.max(j, i + 1);
    }
    i = j;
  }
  return { stripped, at };
}

/**
 * Masks every occurrence of a set of identifier values in any text: as they appeared, in
 * canonical form, and percent-encoded; ASCII-case-insensitively; leftmost-longest. One pass of an
 * Aho–Corasick automaton, however many values a capture holds.
 */
export class IdentifierMasker {
  private readonly byText = new Map<string, MaskEntry>();
  private compiled: { automaton: CaseFoldedAutomaton; entries: MaskEntry[] } | undefined;
  /** Letters and digits only (lower case) of LOOSE_KINDS values → entry. */
  private readonly loose = new Map<string, MaskEntry>();
  private looseCompiled: { automaton: CaseFoldedAutomaton; entries: MaskEntry[] } | undefined;

  constructor(entries: Iterable<MaskEntry> = []) {
    for (const e of entries) this.add(e);
  }

  get size(): number {
    return this.byText.size;
  }

  add(entry: MaskEntry): void {
    if (entry.kind === 'carrier') return;
    if (LOOSE_KINDS.has(entry.kind) && !entry.derived) {
      const digits = Array.from(entry.text).filter(isAlnum).join('').toLowerCase();
      const keys = [digits];
      // A phone number is also written without its country code: its last 10 digits.
      if (entry.kind === 'phone' && digits.length > 10) keys.push(digits.slice(-10));
      for (const key of keys) {
        if (key.length >= MIN_LOOSE && !this.loose.has(key)) {
          this.loose.set(key, { kind: entry.kind, text: key });
          this.looseCompiled = undefined;
        }
      }
    }
    const forms = new Set([entry.text]);
    let encoded = entry.text;
    try {
      encoded = encodeURIComponent(entry.text);
    } catch {
      // a lone surrogate: no encoded form
    }
    forms.add(encoded);
    forms.add(encoded.replace(/%20/g, '+'));
    for (const form of forms) {
      if (form.length < MIN_NEEDLE) continue;
      const key = foldAscii(form);
      // A plain occurrence wins over a derived one with the same text.
      const had = this.byText.get(key);
      if (had && !had.derived) continue;
      this.byText.set(key, { ...entry, text: form });
      this.compiled = undefined;
    }
  }

  /** How one identifier is shown: masked by its kind's rule, or its placeholder when derived. */
  maskOne(entry: MaskEntry, occurrence = entry.text): string {
    if (entry.derived) return derivedPlaceholder(entry.kind, entry.derived);
    let text = occurrence;
    if (/%[0-9A-Fa-f]{2}/.test(text)) {
      try {
        text = decodeURIComponent(text.replace(/\+/g, ' '));
      } catch {
        // keep as is
      }
    }
    return maskIdentifier(entry.kind, text);
  }

  /** The text with every known identifier occurrence masked. */
  mask(text: string): string {
    if ((this.byText.size === 0 && this.loose.size === 0) || text === '') return text;
    const hits: { start: number; end: number; entry: MaskEntry }[] = [];
    if (this.byText.size > 0) {
      if (!this.compiled) {
        const keys = [...this.byText.keys()];
        this.compiled = { automaton: new CaseFoldedAutomaton(keys), entries: keys.map((k) => this.byText.get(k) as MaskEntry) };
      }
      const { automaton, entries } = this.compiled;
      const raw: number[] = [];
      automaton.scan(text, raw);
      for (let j = 0; j < raw.length; j += 2) {
        const entry = entries[raw[j]];
        hits.push({ start: raw[j + 1] - entry.text.length, end: raw[j + 1], entry });
      }
    }
    if (this.loose.size > 0) {
      if (!this.looseCompiled) {
        const keys = [...this.loose.keys()];
        this.looseCompiled = { automaton: new CaseFoldedAutomaton(keys), entries: keys.map((k) => this.loose.get(k) as MaskEntry) };
      }
      const { automaton, entries } = this.looseCompiled;
      const { stripped, at } = looseForm(text);
      const raw: number[] = [];
      automaton.scan(stripped, raw);
      for (let j = 0; j < raw.length; j += 2) {
        const entry = entries[raw[j]];
        const end = raw[j + 1];
        hits.push({ start: at[end - entry.text.length], end: at[end - 1] + 1, entry });
      }
    }
    if (hits.length === 0) return text;
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    let out = '';
    let at = 0;
    for (const hit of hits) {
      if (hit.start < at) continue;
      out += text.slice(at, hit.start) + this.maskOne(hit.entry, text.slice(hit.start, hit.end));
      at = hit.end;
    }
    return out + text.slice(at);
  }
}
