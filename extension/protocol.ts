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
/** How many hosts the "findings by host" list carries; `hostsWithFindings` tells how many there are in all. */
export const MAX_HOSTS_SENT = 100;
/** Longest search text the host accepts. */
export const MAX_SEARCH_LENGTH = 500;
/** Most values one quick filter may list (hosts, methods, …). */
export const MAX_FILTER_VALUES = 200;
/** Most entries the facet lists of `init` carry (the busiest hosts first). */
export const MAX_FACET_VALUES = 200;
/** Most known values the panel may send at once. */
export const MAX_KNOWN_VALUES = 200;
/** Longest known value the panel may send. */
export const MAX_KNOWN_VALUE_LENGTH = 512;
/** Most exchanges one annotation may be about (a multi-selection). */
export const MAX_ANNOTATED_EXCHANGES = 1000;
/** Longest annotation title, notes, tag, id and judgement reason the host accepts. */
export const MAX_TITLE_LENGTH = 300;
export const MAX_NOTES_LENGTH = 20_000;
export const MAX_TAGS = 32;
export const MAX_TAG_LENGTH = 64;
export const MAX_ANNOTATION_ID_LENGTH = 256;
export const MAX_REASON_LENGTH = 2000;
/** Longest finding key (a finding's identity: kind, value, place, chain as JSON). */
export const MAX_FINDING_KEY_LENGTH = 8192;
/** Most findings an annotation draft lists and names. */
export const MAX_DRAFT_FINDINGS = 5000;
/** Most annotations `annotationsUpdated` carries; `total` tells how many there are. */
export const MAX_ANNOTATIONS_SENT = 5000;

/** How serious an annotation is, least first (the sidecar's `severity`). */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type AnnotationSeverity = (typeof SEVERITIES)[number];
/** What a researcher can judge a finding to be; a judged finding leaves the views and the advisory. */
export const JUDGEMENTS = ['false-positive', 'expected'] as const;
export type Judgement = (typeof JUDGEMENTS)[number];

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
  /** Distinct hosts the capture's requests went to. */
  hostCount: number;
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
  /** Hosts that received identifiers (over any scheme), most serious first (at most MAX_HOSTS_SENT). */
  byHost: HostFindings[];
  /** How many hosts received identifiers in all. */
  hostsWithFindings: number;
  /** Why the scan failed, "" when it did not (the counts are then all zero). */
  scanError: string;
  /** Where decoding stopped at a limit and which setting raises it; absent when it never did. */
  limitNote?: string;
}

export interface HostFindings {
  host: string;
  /** Kinds sent to this host (at most FINDING_KINDS.length), most serious first. */
  kinds: KindCount[];
  /** Whether any of them went over plain HTTP. */
  plainHttp: boolean;
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
  /** Total time of the exchange in ms, -1 when unknown. */
  durationMs: number;
  /** Kinds of identifier the exchange leaks (at most FINDING_KINDS.length), most serious first. */
  findings: KindCount[];
  /** The highest severity among the annotations on this exchange; null when it has none. */
  annotation: AnnotationSeverity | null;
}

/** Answer to `ready` when the capture opened. */
export interface InitMessage {
  type: 'init';
  summary: CaptureSummary;
  /** The first MAX_WARNINGS_SENT warnings. */
  warnings: WarningView[];
  /** Page size the webview should use for `getRows`. */
  pageSize: number;
  /** Values the quick filters offer. */
  facets: Facets;
  /** The known values the scan used, for the known-values panel. */
  known: KnownValuesView;
  /**
   * Only the first requests of a large file are here (read before the rest, so rows show at
   * once); `captureLoaded` follows when the whole file is read. Search and filters wait for it.
   */
  loading: boolean;
  /** The capture's annotations (its sidecar). */
  annotations: AnnotationsView;
}

/** One value of a quick filter and how many exchanges have it. */
export interface FacetValue<V extends string = string> {
  value: V;
  count: number;
}

export interface Facets {
  /** Busiest first, at most MAX_FACET_VALUES; `hostCount` in the summary tells how many in all. */
  hosts: FacetValue[];
  methods: FacetValue[];
  statuses: FacetValue<StatusClass>[];
}

/** A researcher's own value, as the known-values panel shows and edits it. */
export interface KnownValueEntry {
  /** `imei`, `imsi`, …, or `string` (see the leaklens.knownValues setting). */
  kind: string;
  value: string;
}

export interface KnownValuesView {
  /** From the leaklens.knownValues setting. */
  entries: KnownValueEntry[];
  /** Where they come from: the workspace's settings, the user's, or nowhere yet. */
  source: 'workspace' | 'workspaceFolder' | 'user' | 'none';
  /** From this capture's sidecar (`knownValues`): the scan looks for both lists. */
  sidecarEntries: KnownValueEntry[];
  /** Why some were left out (invalid values), one sentence each. */
  problems: string[];
}

/** An annotation as the workbench shows it (strings capped by the host). */
export interface AnnotationView {
  id: string;
  severity: AnnotationSeverity;
  title: string;
  /** The researcher's markdown, shown as text. */
  notes: string;
  tags: string[];
  /** The exchanges it is about, as found in this capture (by index and fingerprint). */
  exchangeIds: number[];
  /** Anchors that match no exchange of this capture (a re-export changed them): why, one sentence each. */
  orphans: string[];
  /** The findings it names (finding keys, see DetailFinding.key). */
  findingKeys: string[];
  /** ISO 8601. */
  updated: string;
}

export interface AnnotationsView {
  /** The sidecar's base name, `capture.har.leaklens.json`. */
  sidecarFile: string;
  /**
   * `none`: there is no sidecar yet (the first save creates it); `ok`; `error`: it exists but
   * cannot be read: annotating is refused until it is fixed, and the file is left as it is.
   */
  status: 'none' | 'ok' | 'error';
  /** Why it cannot be read (file, place, what was expected); "" unless `error`. */
  error: string;
  /** Creation order; at most MAX_ANNOTATIONS_SENT. */
  annotations: AnnotationView[];
  total: number;
  /** Findings judged false positive or expected: left out of the views and the advisory. */
  judgedCount: number;
}

/** What the annotation form edits; `id` null for a new annotation. */
export interface AnnotationDraft {
  id: string | null;
  exchangeIds: number[];
  severity: AnnotationSeverity;
  title: string;
  notes: string;
  tags: string[];
  /** The findings it is about (DetailFinding.key / DraftFinding.key). */
  findingKeys: string[];
}

/** A finding the annotation form offers to tick. */
export interface DraftFinding {
  key: string;
  exchangeId: number;
  kind: FindingKind;
  confidence: FindingConfidence;
  value: string;
  section: DetailSectionId;
  fieldPath: string;
  chain: string[];
  /** Set when the researcher judged it (it is then not pre-ticked). */
  judged: Judgement | null;
  /** The annotation names it but this scan no longer finds it (kept unless unticked). */
  missing: boolean;
}

/** Answer to `ready` when the capture could not be opened; the message names file, place and expectation. */
export interface LoadFailedMessage {
  type: 'loadFailed';
  fileName: string;
  message: string;
}

/** Result of a `getRows` request: rows [offset, offset + rows.length) of the query's view. */
export interface RowsMessage {
  type: 'rows';
  requestId: number;
  offset: number;
  /** Rows in the query's view (exchanges that pass its search and filters). */
  total: number;
  /** Exchanges in the capture. */
  exchangeCount: number;
  /** How long the host took to search, filter and sort for this query (0 when it had the view already). */
  queryMs: number;
  /** What the search did beyond exact matching ("no exact match for “xiaomo”: showing close words xiaomi"); "" when nothing. */
  searchNote: string;
  rows: RowSummary[];
}

/** Result of a `getFindingRows` request: rows [offset, offset + rows.length) of the findings view. */
export interface FindingRowsMessage {
  type: 'findingRows';
  requestId: number;
  offset: number;
  /** Findings in the view (of the exchanges the query shows, of the kinds it asks for). */
  total: number;
  /** Findings in the capture. */
  findingCount: number;
  /** False until the scan has run (the view is empty because nothing was looked for yet). */
  scanned: boolean;
  queryMs: number;
  /** As RowsMessage.searchNote: what the search did beyond exact matching. */
  searchNote: string;
  rows: FindingRow[];
}

/** One line of the findings view: a finding and where it is. Strings are capped by the host. */
export interface FindingRow {
  /** The finding's position in the capture's findings (stable for one scan). */
  id: number;
  exchangeId: number;
  /** Its index among the exchange's findings (ExchangeDetail.findings), to reveal it in the details. */
  index: number;
  kind: FindingKind;
  confidence: FindingConfidence;
  /** Canonical value. */
  value: string;
  /** The text as it appeared. */
  matchedText: string;
  host: string;
  secure: boolean;
  method: string;
  section: DetailSectionId;
  /** Header, parameter or JSON path. */
  fieldPath: string;
  chain: string[];
  /** For known values: the researcher's label and the form it appeared in. */
  known?: { label: string; variant: string; learned: boolean };
}

/** Result of a `findRow` request: where an exchange sits in the query's view, -1 when filtered out. */
export interface RowIndexMessage {
  type: 'rowIndex';
  requestId: number;
  exchangeId: number;
  index: number;
}

/** Result of a `getDetail` request. */
export interface DetailMessage {
  type: 'detail';
  requestId: number;
  detail: ExchangeDetail;
}

/** Result of a request that only needs an acknowledgement (copy, reveal, setKnownValues). */
export interface DoneMessage {
  type: 'done';
  requestId: number;
  /** What happened, for the status line ("Copied the curl command"). */
  message: string;
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

/** The whole file is read (after an `init` with `loading`): the webview asks for `init` again. */
export interface CaptureLoadedMessage {
  type: 'captureLoaded';
}

/**
 * A large capture is still being read (after an `init` with `loading`): how far, and how many rows
 * the host holds now. The webview updates its note and, when there are more rows, asks again.
 */
export interface LoadProgressMessage {
  type: 'loadProgress';
  exchangeCount: number;
  /** Of the file's bytes read. */
  percent: number;
  findings: number;
}

/** The capture was rescanned: new findings, the known values now in use. */
export interface KnownValuesUpdatedMessage {
  type: 'knownValuesUpdated';
  known: KnownValuesView;
}

/** Answer to `getAnnotationDraft`: the form's values and the findings it can name. */
export interface AnnotationDraftMessage {
  type: 'annotationDraft';
  requestId: number;
  draft: AnnotationDraft;
  /** The findings of the draft's exchanges (judged ones too), then those it names that are gone. */
  findings: DraftFinding[];
}

/** The sidecar changed (an edit here, another window, a git checkout): the annotations now. */
export interface AnnotationsUpdatedMessage {
  type: 'annotationsUpdated';
  annotations: AnnotationsView;
}

/**
 * Show this exchange (the Findings tree, a command): select its row, clearing the filters that
 * hide it, and flash the finding with this key when there is one.
 */
export interface FocusExchangeMessage {
  type: 'focusExchange';
  exchangeId: number;
  findingKey: string | null;
  /** Then open the annotation form for it ("Annotate this request" in the text view). */
  annotate?: boolean;
}

/** Open the annotation form for the selected rows (the command and its keyboard shortcut). */
export interface StartAnnotationMessage {
  type: 'startAnnotation';
}

export type ToWebview =
  | InitMessage
  | LoadFailedMessage
  | RowsMessage
  | FindingRowsMessage
  | RowIndexMessage
  | DetailMessage
  | DoneMessage
  | ErrorMessage
  | FindingsUpdatedMessage
  | KnownValuesUpdatedMessage
  | CaptureLoadedMessage
  | LoadProgressMessage
  | AnnotationDraftMessage
  | AnnotationsUpdatedMessage
  | FocusExchangeMessage
  | StartAnnotationMessage;

//#endregion

//#region exchange detail

/** Status classes the status filter offers; `none` is an exchange without a response. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'none'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** Everything the detail pane shows for one exchange. Strings and lists are capped by the host. */
export interface ExchangeDetail {
  id: number;
  overview: DetailOverview;
  /** In this order: request headers, query, request cookies, request body, response headers, response cookies, response body (empty ones left out). */
  sections: DetailSection[];
  /** Every finding of the exchange, in the order of the scan (part, then position). */
  findings: DetailFinding[];
}

export interface DetailOverview {
  method: string;
  /** The full URL as captured (capped). */
  url: string;
  httpVersion: string;
  /** null when the capture holds no response. */
  status: number | null;
  statusText: string;
  secure: boolean;
  /** "93.184.216.34:443", "" when unknown. */
  remoteAddress: string;
  /** TLS server name from the handshake, "" when unknown. */
  tlsSni: string;
  /** ISO 8601 as the producer wrote it, "" when unknown. */
  startedDateTime: string;
  durationMs: number;
  /** HAR timing phases that apply (blocked, dns, connect, ssl, send, wait, receive), in that order. */
  timings: { phase: string; ms: number }[];
  /** Where in the file: "HAR entry 3", "frames 12, 15 (packet 7)". */
  origin: string;
  /** Producer extras worth showing (resource type, WebSocket message count). */
  extras: { name: string; value: string }[];
}

export type DetailSectionId =
  | 'request-headers' | 'query' | 'request-cookies' | 'request-body'
  | 'response-headers' | 'response-cookies' | 'response-body';

export interface DetailSection {
  id: DetailSectionId;
  /** "Request headers", "Response body (application/json, 1.2 kB)". */
  title: string;
  /** Headers, parameters and cookies: one field each. Bodies: one field. */
  fields: DetailField[];
  /** Why fields are missing or cut ("body omitted by the producer", "first 500 of 3,200 headers"). */
  notes: string[];
}

export interface DetailField {
  /** Header, parameter or cookie name; "" for a body. */
  name: string;
  /** The raw value first, then each decoded layer, outermost first. */
  layers: DetailLayer[];
}

export interface DetailLayer {
  /** Decode steps from the raw value to this layer (empty for the raw value): ["base64", "gzip"]. */
  chain: string[];
  /** How the text is laid out: as is, JSON pretty-printed, or a hex dump of binary bytes. */
  view: 'text' | 'json' | 'hex';
  /** What to show. Hex dumps are lines of `offset  hex bytes  |ascii|`. */
  text: string;
  /** Set when the text was cut to the size the pane shows; says what was left out. */
  truncated: string;
  /** Ranges of `text` to highlight, sorted by start; they never overlap. */
  highlights: Highlight[];
}

export interface Highlight {
  /** UTF-16 offsets in DetailLayer.text. */
  start: number;
  end: number;
  /** Index into ExchangeDetail.findings. */
  finding: number;
}

export interface DetailFinding {
  kind: FindingKind;
  confidence: FindingConfidence;
  /** Canonical value (digits, E.164, lower-case MAC, …), capped. */
  value: string;
  /** The text as it appeared, capped. */
  matchedText: string;
  section: DetailSectionId;
  /** Header, parameter or JSON path where it sits: "X-Device-Id", "$.device.imei". */
  fieldPath: string;
  /** Decode steps that exposed it: ["base64", "gzip", "json:$.imei"]. */
  chain: string[];
  detector: string;
  /** Why this confidence. */
  reasons: string[];
  /** For known values: the researcher's label and the form it appeared in ("md5"). */
  known?: { label: string; variant: string; learned: boolean };
  /** Where it is highlighted: [section field index, layer index] pairs; empty when it could not be placed. */
  places: { field: number; layer: number }[];
  /** Its identity across scans (kind, value, place, chain), what annotations and judgements name. */
  key: string;
  /** Judged by the researcher: false positive or expected, and why. Judged findings come last. */
  judged: { judgement: Judgement; reason: string } | null;
}

//#endregion

//#region from webview

/** The webview has loaded (or reloaded after being hidden) and wants the summary. */
export interface ReadyMessage {
  type: 'ready';
}

export const SORT_COLUMNS = ['id', 'method', 'host', 'path', 'status', 'mime', 'size', 'time', 'findings'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export const SCHEMES = ['any', 'http', 'https'] as const;
export const FINDINGS_FILTERS = ['any', 'with', 'without'] as const;

/** What rows the table shows and in which order. Empty lists mean "no restriction". */
export interface RowQuery {
  /**
   * Search text (at most MAX_SEARCH_LENGTH); "" shows everything. Whitespace-separated terms must
   * all match (case-insensitive substrings of the URL, host, headers, cookies, MIME type and the
   * bodies' decoded layers); a term found nowhere is matched fuzzily against the capture's words;
   * `"a phrase"` matches exactly; `host:name` matches the host only.
   */
  search: string;
  sort: SortColumn;
  descending: boolean;
  /** Exchanges leaking any of these kinds. */
  kinds: FindingKind[];
  hosts: string[];
  methods: string[];
  statuses: StatusClass[];
  scheme: (typeof SCHEMES)[number];
  findings: (typeof FINDINGS_FILTERS)[number];
}

export interface GetRowsRequest {
  type: 'getRows';
  requestId: number;
  query: RowQuery;
  offset: number;
  limit: number;
}

export const FINDING_SORT_COLUMNS = ['exchange', 'kind', 'value', 'confidence', 'host', 'where'] as const;
export type FindingSortColumn = (typeof FINDING_SORT_COLUMNS)[number];

/**
 * The findings view: every finding of the exchanges `query` shows (its search and filters; its
 * kinds filter keeps findings of those kinds), sorted by `sort` (`exchange`: capture order).
 */
export interface GetFindingRowsRequest {
  type: 'getFindingRows';
  requestId: number;
  query: RowQuery;
  sort: FindingSortColumn;
  descending: boolean;
  offset: number;
  limit: number;
}

/** Where does this exchange sit in the query's view (to keep the selection when the view changes)? */
export interface FindRowRequest {
  type: 'findRow';
  requestId: number;
  query: RowQuery;
  exchangeId: number;
}

export interface GetDetailRequest {
  type: 'getDetail';
  requestId: number;
  exchangeId: number;
}

/** Things the host can put on the clipboard; it builds the text from its own copy of the capture. */
export type CopyTarget =
  | { what: 'url' | 'curl'; exchangeId: number }
  | { what: 'finding'; exchangeId: number; finding: number }
  | { what: 'layer'; exchangeId: number; section: DetailSectionId; field: number; layer: number };

export interface CopyRequest {
  type: 'copy';
  requestId: number;
  target: CopyTarget;
}

/** Open the capture as text, at this exchange's entry (Reopen With → Text Editor). */
export interface RevealRequest {
  type: 'reveal';
  requestId: number;
  exchangeId: number;
}

/**
 * Replace the known values of one place: the leaklens.knownValues setting (where it lives, else
 * the workspace's) or this capture's sidecar. The capture is rescanned.
 */
export interface SetKnownValuesRequest {
  type: 'setKnownValues';
  requestId: number;
  target: 'settings' | 'sidecar';
  entries: KnownValueEntry[];
}

/** The annotation form's values: an existing annotation (`annotationId`) or a new one on these exchanges. */
export interface GetAnnotationDraftRequest {
  type: 'getAnnotationDraft';
  requestId: number;
  /** For a new annotation (ignored when editing: the annotation's own exchanges are used). */
  exchangeIds: number[];
  annotationId: string | null;
}

/** Create or update an annotation; saved to the sidecar at once. */
export interface SaveAnnotationRequest {
  type: 'saveAnnotation';
  requestId: number;
  draft: AnnotationDraft;
}

export interface DeleteAnnotationRequest {
  type: 'deleteAnnotation';
  requestId: number;
  id: string;
}

/** Judge one finding (null: take the judgement back); saved to the sidecar at once. */
export interface JudgeFindingRequest {
  type: 'judgeFinding';
  requestId: number;
  exchangeId: number;
  key: string;
  judgement: Judgement | null;
  reason: string;
}

export type FromWebview =
  | ReadyMessage
  | GetRowsRequest
  | GetFindingRowsRequest
  | FindRowRequest
  | GetDetailRequest
  | CopyRequest
  | RevealRequest
  | SetKnownValuesRequest
  | GetAnnotationDraftRequest
  | SaveAnnotationRequest
  | DeleteAnnotationRequest
  | JudgeFindingRequest;

/** Requests that expect an answer carrying their `requestId`. */
export type WebviewRequest = Exclude<FromWebview, ReadyMessage>;

//#endregion

//#region validation

const KNOWN_KIND = /^[a-z][a-z0-9_]{0,31}$/;
const DETAIL_SECTIONS: readonly DetailSectionId[] = [
  'request-headers', 'query', 'request-cookies', 'request-body', 'response-headers', 'response-cookies', 'response-body',
];

/** Thrown inside the parser to give up on a message; never escapes it. */
class Invalid extends Error {}

/**
 * Check a message received from the webview against the contract. Returns a fresh object holding
 * only the validated fields, or undefined when the message is not exactly one of `FromWebview`:
 * not a plain object, unknown `type`, missing or extra keys (including `__proto__` and
 * `constructor`), accessors instead of values, non-integer or out-of-range numbers, strings or
 * lists over their caps, values outside their enumerations.
 */
export function parseWebviewMessage(raw: unknown): FromWebview | undefined {
  try {
    return parse(raw);
  } catch (err) {
    if (err instanceof Invalid) return undefined;
    throw err;
  }
}

function parse(raw: unknown): FromWebview {
  const type = ownValue(plain(raw), 'type');
  switch (type) {
    case 'ready':
      exactKeys(raw, ['type']);
      return { type };
    case 'getRows': {
      const o = exactKeys(raw, ['type', 'requestId', 'query', 'offset', 'limit']);
      return { type, requestId: requestIdOf(o), query: rowQuery(ownValue(o, 'query')), offset: int(o, 'offset', 0, MAX_ROW_OFFSET), limit: int(o, 'limit', 1, MAX_PAGE_SIZE) };
    }
    case 'getFindingRows': {
      const o = exactKeys(raw, ['type', 'requestId', 'query', 'sort', 'descending', 'offset', 'limit']);
      const descending = ownValue(o, 'descending');
      if (typeof descending !== 'boolean') throw new Invalid();
      return {
        type,
        requestId: requestIdOf(o),
        query: rowQuery(ownValue(o, 'query')),
        sort: oneOf(ownValue(o, 'sort'), FINDING_SORT_COLUMNS),
        descending,
        offset: int(o, 'offset', 0, MAX_ROW_OFFSET),
        limit: int(o, 'limit', 1, MAX_PAGE_SIZE),
      };
    }
    case 'findRow': {
      const o = exactKeys(raw, ['type', 'requestId', 'query', 'exchangeId']);
      return { type, requestId: requestIdOf(o), query: rowQuery(ownValue(o, 'query')), exchangeId: int(o, 'exchangeId', 0, MAX_ROW_OFFSET) };
    }
    case 'getDetail': {
      const o = exactKeys(raw, ['type', 'requestId', 'exchangeId']);
      return { type, requestId: requestIdOf(o), exchangeId: int(o, 'exchangeId', 0, MAX_ROW_OFFSET) };
    }
    case 'copy': {
      const o = exactKeys(raw, ['type', 'requestId', 'target']);
      return { type, requestId: requestIdOf(o), target: copyTarget(ownValue(o, 'target')) };
    }
    case 'reveal': {
      const o = exactKeys(raw, ['type', 'requestId', 'exchangeId']);
      return { type, requestId: requestIdOf(o), exchangeId: int(o, 'exchangeId', 0, MAX_ROW_OFFSET) };
    }
    case 'setKnownValues': {
      const o = exactKeys(raw, ['type', 'requestId', 'target', 'entries']);
      const entries = list(ownValue(o, 'entries'), MAX_KNOWN_VALUES, (e) => {
        const entry = exactKeys(e, ['kind', 'value']);
        return { kind: str(entry, 'kind', 32, KNOWN_KIND), value: str(entry, 'value', MAX_KNOWN_VALUE_LENGTH) };
      });
      return { type, requestId: requestIdOf(o), target: oneOf(ownValue(o, 'target'), ['settings', 'sidecar'] as const), entries };
    }
    case 'getAnnotationDraft': {
      const o = exactKeys(raw, ['type', 'requestId', 'exchangeIds', 'annotationId']);
      const annotationId = ownValue(o, 'annotationId');
      return {
        type,
        requestId: requestIdOf(o),
        exchangeIds: exchangeIds(ownValue(o, 'exchangeIds'), annotationId === null ? 1 : 0),
        annotationId: annotationId === null ? null : annotationIdOf(annotationId),
      };
    }
    case 'saveAnnotation': {
      const o = exactKeys(raw, ['type', 'requestId', 'draft']);
      return { type, requestId: requestIdOf(o), draft: annotationDraft(ownValue(o, 'draft')) };
    }
    case 'deleteAnnotation': {
      const o = exactKeys(raw, ['type', 'requestId', 'id']);
      return { type, requestId: requestIdOf(o), id: annotationIdOf(ownValue(o, 'id')) };
    }
    case 'judgeFinding': {
      const o = exactKeys(raw, ['type', 'requestId', 'exchangeId', 'key', 'judgement', 'reason']);
      const judgement = ownValue(o, 'judgement');
      return {
        type,
        requestId: requestIdOf(o),
        exchangeId: int(o, 'exchangeId', 0, MAX_ROW_OFFSET),
        key: str(o, 'key', MAX_FINDING_KEY_LENGTH),
        judgement: judgement === null ? null : oneOf(judgement, JUDGEMENTS),
        reason: str(o, 'reason', MAX_REASON_LENGTH),
      };
    }
    default:
      throw new Invalid();
  }
}

function rowQuery(raw: unknown): RowQuery {
  const o = exactKeys(raw, ['search', 'sort', 'descending', 'kinds', 'hosts', 'methods', 'statuses', 'scheme', 'findings']);
  const descending = ownValue(o, 'descending');
  if (typeof descending !== 'boolean') throw new Invalid();
  return {
    search: str(o, 'search', MAX_SEARCH_LENGTH),
    sort: oneOf(ownValue(o, 'sort'), SORT_COLUMNS),
    descending,
    kinds: list(ownValue(o, 'kinds'), FINDING_KINDS.length, (k) => oneOf(k, FINDING_KINDS)),
    hosts: list(ownValue(o, 'hosts'), MAX_FILTER_VALUES, (v) => text(v, MAX_HOST_LENGTH)),
    methods: list(ownValue(o, 'methods'), MAX_FILTER_VALUES, (v) => text(v, 32)),
    statuses: list(ownValue(o, 'statuses'), STATUS_CLASSES.length, (v) => oneOf(v, STATUS_CLASSES)),
    scheme: oneOf(ownValue(o, 'scheme'), SCHEMES),
    findings: oneOf(ownValue(o, 'findings'), FINDINGS_FILTERS),
  };
}

/** Distinct exchange ids, at least `min`, at most MAX_ANNOTATED_EXCHANGES. */
function exchangeIds(raw: unknown, min: number): number[] {
  const ids = list(raw, MAX_ANNOTATED_EXCHANGES, (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_ROW_OFFSET) throw new Invalid();
    return v === 0 ? 0 : v;
  });
  if (ids.length < min || new Set(ids).size !== ids.length) throw new Invalid();
  return ids;
}

function annotationIdOf(raw: unknown): string {
  const id = text(raw, MAX_ANNOTATION_ID_LENGTH);
  if (id === '') throw new Invalid();
  return id;
}

function annotationDraft(raw: unknown): AnnotationDraft {
  const o = exactKeys(raw, ['id', 'exchangeIds', 'severity', 'title', 'notes', 'tags', 'findingKeys']);
  const id = ownValue(o, 'id');
  return {
    id: id === null ? null : annotationIdOf(id),
    // An existing annotation may have no exchange of this capture left (all its anchors orphaned): it can still be edited.
    exchangeIds: exchangeIds(ownValue(o, 'exchangeIds'), id === null ? 1 : 0),
    severity: oneOf(ownValue(o, 'severity'), SEVERITIES),
    title: str(o, 'title', MAX_TITLE_LENGTH),
    notes: str(o, 'notes', MAX_NOTES_LENGTH),
    tags: list(ownValue(o, 'tags'), MAX_TAGS, (v) => text(v, MAX_TAG_LENGTH)),
    findingKeys: list(ownValue(o, 'findingKeys'), MAX_DRAFT_FINDINGS, (v) => text(v, MAX_FINDING_KEY_LENGTH)),
  };
}

function copyTarget(raw: unknown): CopyTarget {
  const what = ownValue(plain(raw), 'what');
  switch (what) {
    case 'url':
    case 'curl': {
      const o = exactKeys(raw, ['what', 'exchangeId']);
      return { what, exchangeId: int(o, 'exchangeId', 0, MAX_ROW_OFFSET) };
    }
    case 'finding': {
      const o = exactKeys(raw, ['what', 'exchangeId', 'finding']);
      return { what, exchangeId: int(o, 'exchangeId', 0, MAX_ROW_OFFSET), finding: int(o, 'finding', 0, MAX_ROW_OFFSET) };
    }
    case 'layer': {
      const o = exactKeys(raw, ['what', 'exchangeId', 'section', 'field', 'layer']);
      return {
        what,
        exchangeId: int(o, 'exchangeId', 0, MAX_ROW_OFFSET),
        section: oneOf(ownValue(o, 'section'), DETAIL_SECTIONS),
        field: int(o, 'field', 0, MAX_ROW_OFFSET),
        layer: int(o, 'layer', 0, 64),
      };
    }
    default:
      throw new Invalid();
  }
}

/**
 * The requestId of a message parseWebviewMessage refused, when it has a plain one: the host
 * answers it with an error, so the page does not wait for its timeout.
 */
export function refusedRequestId(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = ownValue(raw, 'requestId');
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/** A plain object (or null-prototype object), not an array, class instance or proxy-like exotic. */
function plain(raw: unknown): object {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Invalid();
  const proto: unknown = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) throw new Invalid();
  return raw;
}

function exactKeys(raw: unknown, allowed: readonly string[]): object {
  const obj = plain(raw);
  // Reflect.ownKeys also sees symbol and non-enumerable keys.
  const keys = Reflect.ownKeys(obj);
  if (keys.length !== allowed.length || !keys.every((k) => typeof k === 'string' && allowed.includes(k))) throw new Invalid();
  return obj;
}

/** An own data property's value; undefined for missing keys and for getters (never invoked). */
function ownValue(obj: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(obj, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

function requestIdOf(obj: object): number {
  return int(obj, 'requestId', 0, Number.MAX_SAFE_INTEGER);
}

function int(obj: object, key: string, min: number, max: number): number {
  const value = ownValue(obj, key);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new Invalid();
  return value === 0 ? 0 : value; // -0 becomes 0
}

function str(obj: object, key: string, maxLength: number, pattern?: RegExp): string {
  const value = text(ownValue(obj, key), maxLength);
  if (pattern && !pattern.test(value)) throw new Invalid();
  return value;
}

function text(value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength) throw new Invalid();
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new Invalid();
  return value as T;
}

/** A real array (no holes, no extra properties) of at most `max` items, each checked by `item`. */
function list<T>(value: unknown, max: number, item: (v: unknown) => T): T[] {
  if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype || value.length > max) throw new Invalid();
  if (Reflect.ownKeys(value).length !== value.length + 1) throw new Invalid(); // indexes + length only
  const out: T[] = [];
  for (let i = 0; i < value.length; i++) {
    const descriptor = Object.getOwnPropertyDescriptor(value, i);
    if (!descriptor || !('value' in descriptor)) throw new Invalid();
    out.push(item(descriptor.value));
  }
  return out;
}

/** The view every table starts with: all exchanges in capture order. */
export function defaultRowQuery(): RowQuery {
  return { search: '', sort: 'id', descending: false, kinds: [], hosts: [], methods: [], statuses: [], scheme: 'any', findings: 'any' };
}

//#endregion
