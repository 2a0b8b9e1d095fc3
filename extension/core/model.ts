// The one model in the middle: every loader produces a Capture, and the scanner, the UI,
// the CLI and the advisory only read it. Nothing here depends on VS Code.

/** Which loader understood the file. */
export type CaptureFormat = 'har' | 'tshark-json' | 'tshark-ek';

/** Where a thing sits in the source file, so errors and warnings can point at it. */
export interface SourceLocation {
  /** JSON path into the source document, e.g. `$.log.entries[3].request.url`. */
  jsonPath?: string;
  /** 1-based line and column in the file (after any BOM), when known. */
  line?: number;
  column?: number;
  /** HAR entry index or tshark frame number the location belongs to. */
  entryIndex?: number;
  frame?: number;
}

export type WarningSeverity = 'info' | 'warning';

/**
 * Something in the file that is not as its format says, but did not stop it from opening.
 * `code` is stable (tests and filters use it); `message` is for people.
 */
export interface LoadWarning {
  code: string;
  severity: WarningSeverity;
  message: string;
  location?: SourceLocation;
}

export interface CaptureSource {
  /** File path or name as given to the loader. */
  name: string;
  /** Size of the file in bytes as read (before any zlib unwrapping). */
  byteLength: number;
  /** The tool that wrote the file, from `log.creator` or inferred (tshark). */
  producer?: { name: string; version?: string; comment?: string };
  /** Browser recorded in a HAR's `log.browser`. */
  browser?: { name: string; version?: string };
  /** The format's own version, e.g. HAR `log.version` "1.2". */
  formatVersion?: string;
  /** How the bytes were wrapped around the format: BOM, JSONP, zlib (.zhar), NDJSON (ek). */
  wrappers: SourceWrapper[];
  /** tshark variant facts: duplicate keys present, raw bytes (-x) present. */
  variant?: TsharkVariant;
}

export type SourceWrapper = 'utf8-bom' | 'jsonp' | 'zlib' | 'gzip' | 'ndjson';

export interface TsharkVariant {
  duplicateKeys: boolean;
  rawBytes: boolean;
}

export interface Capture {
  source: CaptureSource;
  format: CaptureFormat;
  exchanges: Exchange[];
  warnings: LoadWarning[];
  /** Name lookups seen in the capture (tshark DNS), kept so encrypted flows still name their host. */
  dns: DnsAnswer[];
  /** HAR pages, when the producer wrote them. */
  pages: Page[];
}

export interface Page {
  id: string;
  title?: string;
  startedDateTime?: string;
}

export interface DnsAnswer {
  name: string;
  addresses: string[];
  frame?: number;
}

export interface NameValue {
  name: string;
  value: string;
}

export interface Cookie extends NameValue {
  path?: string;
  domain?: string;
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: string;
}

/** A HAR `postData.params` item. chrome-har writes object values; we keep them as JSON text. */
export interface FormParam {
  name: string;
  value?: string;
  fileName?: string;
  contentType?: string;
  /** True when the producer wrote a non-string value that was serialised to JSON here. */
  valueWasNonString?: boolean;
}

/**
 * Whether a body's bytes still carry the transfer coding named by Content-Encoding.
 * HAR producers usually store the decoded body; a raw capture may not. `unknown` when we cannot tell.
 */
export type ContentCodingState = 'none' | 'still-encoded' | 'already-decoded' | 'unknown';

/** Why a body is not (fully) here. */
export type BodyAvailability =
  | 'complete'
  | 'empty'
  /** The producer chose not to record content (Playwright `content: 'omit'`, `_error`, size without text). */
  | 'omitted'
  /** Recorded size says there were more bytes than the file holds. */
  | 'truncated';

export interface Body {
  /**
   * The bytes exactly as the capture holds them (after undoing the file's own base64, nothing else).
   * Bodies with identical content may share one bytes object: never write into it.
   */
  bytes: Uint8Array;
  /** True when the bytes are valid UTF-8 text with no NUL or other binary control bytes. */
  isText: boolean;
  mimeType?: string;
  /** The capture's own encoding of the body inside the file (HAR `content.encoding`, e.g. "base64"). */
  fileEncoding?: string;
  /** Content-Encoding values in order of application (e.g. ["gzip"]), not yet removed. */
  contentEncoding: string[];
  contentCoding: ContentCodingState;
  /** Size the producer declared (HAR `content.size` / `bodySize`), -1 when not given. */
  declaredSize: number;
  availability: BodyAvailability;
  /** HAR `postData.params`, when present (form and multipart posts). */
  params?: FormParam[];
  /** Free-text note on how the body was obtained (e.g. "rebuilt from tcp.reassembled.data"). */
  note?: string;
}

export interface HttpRequest {
  method: string;
  url: string;
  httpVersion: string;
  headers: NameValue[];
  cookies: Cookie[];
  query: NameValue[];
  body?: Body;
  headersSize: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: NameValue[];
  cookies: Cookie[];
  body?: Body;
  mimeType: string;
  redirectURL?: string;
  headersSize: number;
}

/** HAR timings in milliseconds; -1 where not applicable, as in HAR. */
export interface Timings {
  blocked: number;
  dns: number;
  connect: number;
  ssl: number;
  send: number;
  wait: number;
  receive: number;
  total: number;
}

export interface Connection {
  clientAddress?: string;
  clientPort?: number;
  serverAddress?: string;
  serverPort?: number;
  /** TLS Server Name Indication, when the capture shows the handshake. */
  tlsSni?: string;
  /** Names the server address was looked up as (from DNS in the capture). */
  dnsNames?: string[];
  /** Producer's connection id (HAR `connection`, tshark `tcp.stream`). */
  id?: string;
}

export type ExchangeOrigin =
  | { kind: 'har-entry'; entryIndex: number; pageref?: string }
  | {
      kind: 'tshark-frames';
      /** Frame carrying the (last segment of the) request. */
      requestFrame: number;
      responseFrame?: number;
      /** Every frame that contributed, in order. */
      frames: number[];
      /** Index of the packet object in the tshark array / EK line number. */
      packetIndex: number;
    };

export interface Exchange {
  /** Position in Capture.exchanges; stable for a given file. */
  id: number;
  origin: ExchangeOrigin;
  /** ISO 8601 start time as the producer wrote it (or derived from frame.time_epoch). */
  startedDateTime?: string;
  /** Start time in ms since the epoch, NaN when unknown. */
  startedMs: number;
  /** Total time in ms, -1 when unknown. */
  durationMs: number;
  request: HttpRequest;
  response?: HttpResponse;
  timings?: Timings;
  connection: Connection;
  /** Whether the request went over TLS, judged from the URL scheme or port. */
  secure: boolean;
  /** Producer-specific extras worth keeping (e.g. `_webSocketMessages` count, resource type). */
  extras?: Record<string, string | number | boolean>;
}

/** Case-insensitive header lookup helper shared by loaders and the scanner. */
/** Is this header called `lowerName` (given in lower case), in any case? */
export function isHeaderNamed(header: NameValue, lowerName: string): boolean {
  // Length first: most names differ in length, and lower-casing every name costs an allocation.
  return header.name.length === lowerName.length && (header.name === lowerName || header.name.toLowerCase() === lowerName);
}

export function headerValues(headers: readonly NameValue[], name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const h of headers) if (isHeaderNamed(h, wanted)) values.push(h.value);
  return values;
}

/**
 * Host the exchange went to. The URL's host, unless it is an IP literal and the Host header
 * names the server (mitmproxy in reverse mode writes 127.0.0.1 in the URL); then the Host header,
 * TLS SNI, or the server address.
 */
const SCHEME_LENGTH: Record<string, number> = { 'http://': 7, 'https://': 8, 'ws://': 5, 'wss://': 6 };
const NAME_OR_NUMBERS = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?$/;
// A name whose last label starts with a letter is never read as a number (IPv4) by a URL parser.
const DNS_NAME = /(?:^|\.)[A-Za-z][A-Za-z0-9-]*\.?$/;
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * The host of `http(s)://[user@]host[:port]…` with an ASCII DNS name or a dotted-quad IPv4
 * address, which every URL parser reads the same; undefined for anything else.
 */
function plainUrlHost(url: string): string | undefined {
  const colonSlashSlash = url.indexOf('://');
  if (colonSlashSlash < 2 || colonSlashSlash > 5) return undefined;
  const from = SCHEME_LENGTH[url.slice(0, colonSlashSlash + 3)];
  if (from === undefined) return undefined;
  let to = from;
  for (; to < url.length; to++) {
    const c = url.charCodeAt(to);
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c) break; // / ? # \
  }
  let host = url.slice(url.lastIndexOf('@', to - 1) + 1 || from, to);
  const colon = host.lastIndexOf(':');
  if (colon !== -1) {
    const port = host.slice(colon + 1);
    if (!/^\d{0,5}$/.test(port) || Number(port) > 65535) return undefined;
    host = host.slice(0, colon);
  }
  if (!NAME_OR_NUMBERS.test(host) || !(DNS_NAME.test(host) || DOTTED_QUAD.test(host))) return undefined;
  return host.toLowerCase();
}

/** The hostname WHATWG URL parsing gives, or '' for a URL it rejects. */
export function urlHostname(url: string): string {
  const plain = plainUrlHost(url);
  if (plain !== undefined) return plain;
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

export function exchangeHost(exchange: Exchange): string {
  // Relative or malformed URLs fall through to the other sources.
  const urlHost = urlHostname(exchange.request.url);
  if (urlHost && !isIpLiteral(urlHost)) return urlHost;
  const hostHeader = headerValues(exchange.request.headers, 'host')[0]?.trim().replace(/:\d+$/, '');
  if (urlHost && !(isIpLiteral(urlHost) && hostHeader && !isIpLiteral(hostHeader))) return urlHost;
  if (hostHeader) return hostHeader;
  return exchange.connection.tlsSni ?? exchange.connection.serverAddress ?? '';
}

/** Path and query of a URL exactly as captured (no re-encoding by URL), `/` for a bare origin. */
export function displayPath(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  if (!match) return url;
  const rest = url.slice(match[0].length);
  return rest === '' ? '/' : rest;
}

export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[') || host.includes(':');
}

// ---------------------------------------------------------------------------------------------
// Findings: what the scanner reports. The UI, the CLI and the advisory only read these.

export type IdentifierKind =
  | 'imei' | 'imsi' | 'iccid' | 'meid' | 'phone' | 'email' | 'mac' | 'android_id' | 'ad_id'
  | 'serial' | 'geo' | 'carrier' | 'known_value';

export type Confidence = 'low' | 'medium' | 'high';

/** Which part of an exchange a finding is in. */
export type ExchangePart =
  | 'url' | 'query' | 'request_header' | 'request_cookie' | 'request_body'
  | 'response_header' | 'response_cookie' | 'response_body';

export interface KnownMatch {
  /** The researcher's label for the value (kind, or the name they gave it). */
  label: string;
  /** How it appeared: `as-is`, `lowercase`, `no-separators`, `url-encoded`, `hex`, `base64`, `md5`, `sha1(normalised)`, … */
  variant: string;
  /** Learned from a high-confidence finding in this capture rather than entered by the researcher. */
  learnedFrom?: { exchangeId: number; kind: IdentifierKind };
}

export interface Finding {
  exchangeId: number;
  part: ExchangePart;
  /** Where inside the part: `imei` (query), `X-Device-Id` (header), `$.device.imei` after JSON, … */
  fieldPath: string;
  /** Decode steps that exposed the value, outermost first, e.g. ["base64", "gzip", "json:$.device.imei"]. */
  chain: string[];
  kind: IdentifierKind;
  /** Canonical form: digits for IMEI/IMSI/ICCID, E.164 phone, lower-case colon MAC, lower-case email, `lat,lon`. */
  value: string;
  /** The text as it appeared in the decoded layer. */
  matchedText: string;
  /** Offsets of matchedText in the decoded text of the layer (UTF-16 code units). */
  start: number;
  end: number;
  confidence: Confidence;
  /** Detector that reported it, e.g. `imei`, `known-value`. */
  detector: string;
  /** Why this confidence: validator results and context, for the reader. */
  reasons: string[];
  known?: KnownMatch;
}

/** Why decoding stopped short somewhere; scanning goes on with the rest. */
export interface DecodeLimitHit {
  exchangeId: number;
  part: ExchangePart;
  fieldPath: string;
  chain: string[];
  limit: 'max-output-bytes' | 'max-depth' | 'max-ratio' | 'max-time' | 'max-leaves';
  detail: string;
}
