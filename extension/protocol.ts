// The typed contract between the extension host and the capture webview. Both bundles import
// this file, so it must stay free of `vscode`, Node and DOM dependencies.
//
// The webview never holds the whole capture: after `ready` it receives a summary, then asks for
// rows a page at a time. Every request carries a `requestId`; its answer carries the same id and
// is either a result (`rows`) or an `error`. When the findings change (the researcher edited the
// known values or the phone region), the host sends `findingsUpdated`; the webview drops the rows
// it holds and asks again.
//
// Messages from the webview are untrusted input (a compromised webview could send anything):
// the host runs them through `parseWebviewMessage` and drops whatever does not match.

/** Rows the webview asks for at a time. */
export const DEFAULT_PAGE_SIZE = 200;
/** Largest `limit` the host accepts in one `getRows`; anything above is rejected, not clamped. */
export const MAX_PAGE_SIZE = 1000;
/** Largest row offset the host accepts (far above any capture a JS heap can hold). */
export const MAX_ROW_OFFSET = 100_000_000;
/** How many warnings `init` carries; `summary.warningCount` tells how many there are in all. */
export const MAX_WARNINGS_SENT = 500;

/** How many hosts the "sent over plain HTTP" list carries; `plainHttpHostCount` tells how many there are in all. */
export const MAX_PLAIN_HTTP_HOSTS_SENT = 100;
/** Longest host name sent (DNS names are at most 253 characters). */
export const MAX_HOST_LENGTH = 255;

export type CaptureFormatName = 'har' | 'tshark-json' | 'tshark-ek';

/**
 * Kinds of identifier the scanner reports (the host's IdentifierKind; rows.ts checks they agree).
 * Listed in the order the UI shows them.
 */
export const FINDING_KINDS = [
  'imei', 'imsi', 'iccid', 'meid', 'phone', 'email', 'mac', 'android_id', 'ad_id',
  'serial', 'geo', 'carrier', 'known_value',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Highest first. */
export const CONFIDENCES = ['high', 'medium', 'low'] as const;
export type FindingConfidence = (typeof CONFIDENCES)[number];

//#region to webview

export interface CaptureSummary {
  /** Base name of the file, for the header. */
  fileName: string;
  format: CaptureFormatName;
  /** Tool that wrote the file, e.g. "Firefox 128.0" or "tshark (-T json)"; "" when unknown. */
  producer: string;
  exchangeCount: number;
  warningCount: number;
  findings: FindingsSummary;
}

/** Findings of one kind: how many, and the best confidence among them. */
export interface KindCount {
  kind: FindingKind;
  count: number;
  confidence: FindingConfidence;
}

/** What the scan found in the whole capture. Every list is bounded (see the MAX_* constants). */
export interface FindingsSummary {
  total: number;
  exchangesWithFindings: number;
  byConfidence: Record<FindingConfidence, number>;
  /** One entry per kind found (at most FINDING_KINDS.length), in FINDING_KINDS order. */
  byKind: KindCount[];
  /** Region national phone numbers were read in (ISO 3166, e.g. "CN"); "" when none. */
  defaultRegion: string;
  /** Whether the region came from the leaklens.phoneRegion setting rather than the capture's IMSIs. */
  regionFromSetting: boolean;
  /** How many of the researcher's own values (leaklens.knownValues) the scan looked for. */
  knownValues: number;
  /** Hosts that received identifiers over plain HTTP, most serious first (at most MAX_PLAIN_HTTP_HOSTS_SENT). */
  plainHttp: PlainHttpHost[];
  /** How many hosts received identifiers over plain HTTP in all. */
  plainHttpHostCount: number;
  /** Why the scan failed, "" when it did not (the counts are then all zero). */
  scanError: string;
}

export interface PlainHttpHost {
  host: string;
  /** Kinds sent to this host over plain HTTP (at most FINDING_KINDS.length), most serious first. */
  kinds: KindCount[];
}

export interface WarningView {
  code: string;
  severity: 'info' | 'warning';
  message: string;
  /** Where in the file, as people read it ("line 3, column 7, $.log.entries[2]"); "" when unknown. */
  where: string;
}

/** One line of the request table. Strings are capped by the host; details come on demand later. */
export interface RowSummary {
  /** Exchange id (its index in the capture). */
  id: number;
  method: string;
  host: string;
  /** Path and query of the URL (the whole URL when it does not parse). */
  path: string;
  /** HTTP status, or null when the capture holds no response. */
  status: number | null;
  /** Response body size in bytes, -1 when unknown. */
  size: number;
  /** Response MIME type, "" when unknown. */
  mime: string;
  /** Whether the request went over TLS (false: plain HTTP, readable by anyone on the path). */
  secure: boolean;
  /** Kinds of identifier the exchange leaks (at most FINDING_KINDS.length), most serious first. */
  findings: KindCount[];
}

/** Answer to `ready` when the capture opened. */
export interface InitMessage {
  type: 'init';
  summary: CaptureSummary;
  /** The first MAX_WARNINGS_SENT warnings. */
  warnings: WarningView[];
  /** Page size the webview should use for `getRows`. */
  pageSize: number;
}

/** Answer to `ready` when the capture could not be opened; the message names file, place and expectation. */
export interface LoadFailedMessage {
  type: 'loadFailed';
  fileName: string;
  message: string;
}

/** Result of a `getRows` request. */
export interface RowsMessage {
  type: 'rows';
  requestId: number;
  offset: number;
  /** Exchange count, so the webview can notice a changed capture. */
  total: number;
  rows: RowSummary[];
}

/** A request failed (with its id), or something went wrong outside any request (without). */
export interface ErrorMessage {
  type: 'error';
  requestId?: number;
  message: string;
}

/**
 * The capture was scanned again (the settings changed). Rows the webview holds are out of date:
 * it drops them and asks again.
 */
export interface FindingsUpdatedMessage {
  type: 'findingsUpdated';
  findings: FindingsSummary;
}

export type ToWebview = InitMessage | LoadFailedMessage | RowsMessage | ErrorMessage | FindingsUpdatedMessage;

//#endregion

//#region from webview

/** The webview has loaded (or reloaded after being hidden) and wants the summary. */
export interface ReadyMessage {
  type: 'ready';
}

export interface GetRowsRequest {
  type: 'getRows';
  requestId: number;
  offset: number;
  limit: number;
}

export type FromWebview = ReadyMessage | GetRowsRequest;

/** Requests that expect an answer carrying their `requestId`. */
export type WebviewRequest = GetRowsRequest;

//#endregion

//#region validation

type Field = 'requestId' | 'offset' | 'limit';

const FIELD_RANGES: Record<Field, { min: number; max: number }> = {
  requestId: { min: 0, max: Number.MAX_SAFE_INTEGER },
  offset: { min: 0, max: MAX_ROW_OFFSET },
  limit: { min: 1, max: MAX_PAGE_SIZE },
};

/** The own keys each message type may have; any other key makes the message invalid. */
const ALLOWED_KEYS: Record<FromWebview['type'], readonly string[]> = {
  ready: ['type'],
  getRows: ['type', 'requestId', 'offset', 'limit'],
};

/**
 * Check a message received from the webview against the contract. Returns a fresh object holding
 * only the validated fields, or undefined when the message is not exactly one of `FromWebview`:
 * not a plain object, unknown `type`, missing or extra keys (including `__proto__` and
 * `constructor`), accessors instead of values, non-integer or out-of-range numbers.
 */
export function parseWebviewMessage(raw: unknown): FromWebview | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const proto: unknown = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return undefined;

  const type = ownValue(raw, 'type');
  if (type !== 'ready' && type !== 'getRows') return undefined;
  if (!hasExactlyKeys(raw, ALLOWED_KEYS[type])) return undefined;

  switch (type) {
    case 'ready':
      return { type };
    case 'getRows': {
      const requestId = intField(raw, 'requestId');
      const offset = intField(raw, 'offset');
      const limit = intField(raw, 'limit');
      if (requestId === undefined || offset === undefined || limit === undefined) return undefined;
      return { type, requestId, offset, limit };
    }
  }
}

function hasExactlyKeys(obj: object, allowed: readonly string[]): boolean {
  // Reflect.ownKeys also sees symbol and non-enumerable keys.
  const keys = Reflect.ownKeys(obj);
  return keys.length === allowed.length && keys.every((k) => typeof k === 'string' && allowed.includes(k));
}

/** An own data property's value; undefined for missing keys and for getters (never invoked). */
function ownValue(obj: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(obj, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

function intField(obj: object, key: Field): number | undefined {
  const value = ownValue(obj, key);
  const { min, max } = FIELD_RANGES[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) return undefined;
  return value === 0 ? 0 : value; // -0 becomes 0
}

//#endregion
