// Capture → Finding[]: walks every part of every exchange, peels every decode layer, and runs the
// identifier detectors and the known-value matcher on each decoded text.
//
// Two things need the whole capture before they can be decided, so the scan has two phases:
//  - national-format phone numbers need a default region, taken from the MCC of the IMSIs the
//    capture leaks (a Chinese phone's contacts are Chinese numbers) unless the caller gives one;
//  - learned values: an identifier found with high confidence anywhere becomes a known value,
//    so its hashes elsewhere (md5 of the IMEI in another request) are attributed to it.
import { ContentCache } from './contentCache';
import { decodeField, nothingToDecode } from './decode/index';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type DecodeResult, type FieldInput, type TextLeaf } from './decode/types';
import { keyHints } from './detect/context';
import { geoAxis, geoConfidence, inRange, type GeoAxisValue } from './detect/geo';
import { detectIdentifiers, imsiEvidence, MIN_UNKEYED_LENGTH, type Detection } from './detect/index';
import { KnownValueMatcher, knownMatchOf, type KnownHit, type KnownValue } from './detect/known';
import { regionOfMcc } from './detect/mccmnc';
import { readsByRegion } from './detect/phone';
import type {
  Capture, DecodeLimitHit, Exchange, ExchangePart, Finding, IdentifierKind, NameValue,
} from './model';
import { displayPath, exchangeHost, headerValues, isHeaderNamed } from './model';

export interface ScanOptions {
  /** The researcher's own device values. */
  known?: KnownValue[];
  /** ISO 3166 region for national phone numbers; by default from the capture's IMSIs, else US. */
  defaultRegion?: string;
  limits?: DecodeLimits;
  /** Attribute hashes and encodings of values found with high confidence elsewhere (default true). */
  learn?: boolean;
  /**
   * Decode and analyse each distinct content once and reuse the result wherever it repeats
   * (default true). Off only to measure the cost of content that never repeats.
   */
  reuse?: boolean;
}

export interface HostFlow {
  host: string;
  scheme: 'http' | 'https';
  kind: IdentifierKind;
  /** Findings of this kind to this host over this scheme. */
  count: number;
  /** Distinct canonical values. */
  values: string[];
  exchangeIds: number[];
}

export interface ScanSummary {
  exchanges: number;
  exchangesWithFindings: number;
  findings: number;
  byKind: Partial<Record<IdentifierKind, number>>;
  byConfidence: { high: number; medium: number; low: number };
  /** Which identifiers went to which hosts, over HTTP or HTTPS. */
  flows: HostFlow[];
  /** The flows that went over plain HTTP: the headline of a leak report. */
  plainHttp: HostFlow[];
  defaultRegion: string;
}

export interface ScanStats {
  fields: number;
  leaves: number;
  /** Bytes of raw field input seen by the decoders. */
  inputBytes: number;
  durationMs: number;
}

export interface ScanResult {
  findings: Finding[];
  limits: DecodeLimitHit[];
  summary: ScanSummary;
  stats: ScanStats;
}

interface Field {
  part: ExchangePart;
  fieldPath: string;
  input: FieldInput;
}

const PART_RANK: Record<ExchangePart, number> = {
  url: 0, query: 1, request_header: 2, request_cookie: 3, request_body: 4, response_header: 5, response_cookie: 6, response_body: 7,
};

/**
 * Called for each field: its name (`key`) and text, or for a body its bytes as `body`. Positional
 * arguments, because a scan visits a million fields and an object per field is garbage.
 */
type FieldVisitor = (part: ExchangePart, fieldPath: string, key: string | undefined, text: string, body?: FieldInput) => void;

function visitHeaders(headers: readonly NameValue[], part: ExchangePart, skip: string, visit: FieldVisitor): void {
  for (const h of headers) {
    // Cookies are scanned one by one from the parsed cookie lists.
    if (isHeaderNamed(h, skip)) continue;
    visit(part, h.name, h.name, h.value);
  }
}

/** The URL's path and fragment as sent: the query is scanned parameter by parameter, the host is no leak. */
function urlPath(url: string): string {
  const rest = displayPath(url);
  if (rest === url) {
    // Not `scheme://authority…` (data:, relative, odd): what WHATWG parsing makes of it.
    try {
      const u = new URL(url);
      return u.pathname + u.hash;
    } catch {
      return url.split('?')[0];
    }
  }
  const hashAt = rest.indexOf('#');
  const queryAt = rest.indexOf('?');
  if (queryAt === -1 || (hashAt !== -1 && hashAt < queryAt)) return rest.startsWith('/') ? rest : `/${rest}`;
  const path = queryAt === 0 ? '/' : rest.slice(0, queryAt);
  return hashAt === -1 ? path : path + rest.slice(hashAt);
}

function contentTypeOf(headers: readonly NameValue[]): string | undefined {
  return headerValues(headers, 'content-type')[0];
}

/** Every field of an exchange the scanner looks at, in reading order, without building a list. */
function forEachField(exchange: Exchange, visit: FieldVisitor): void {
  const req = exchange.request;
  visit('url', 'path', undefined, urlPath(req.url));
  for (const q of req.query) visit('query', q.name, q.name, q.value);
  visitHeaders(req.headers, 'request_header', 'cookie', visit);
  for (const c of req.cookies) visit('request_cookie', c.name, c.name, c.value);
  if (req.body && req.body.bytes.length > 0) {
    visit('request_body', 'body', undefined, '', bodyInput(req.body, req.body.mimeType ?? contentTypeOf(req.headers)));
  }
  const res = exchange.response;
  if (res) {
    visitHeaders(res.headers, 'response_header', 'set-cookie', visit);
    for (const c of res.cookies) visit('response_cookie', c.name, c.name, c.value);
    if (res.body && res.body.bytes.length > 0) {
      visit('response_body', 'body', undefined, '', bodyInput(res.body, res.mimeType || contentTypeOf(res.headers)));
    }
  }
}

/** Every field of an exchange the scanner looks at, in reading order. */
export function fieldsOf(exchange: Exchange): Field[] {
  const fields: Field[] = [];
  forEachField(exchange, (part, fieldPath, key, text, body) => fields.push({ part, fieldPath, input: body ?? { text, key } }));
  return fields;
}

function bodyInput(body: NonNullable<Exchange['request']['body']>, contentType: string | undefined): FieldInput {
  // Only undo Content-Encoding the producer left on the bytes; decoders also sniff magic bytes.
  const stillEncoded = body.contentCoding === 'still-encoded' || body.contentCoding === 'unknown';
  return { bytes: body.bytes, contentType, contentEncoding: stillEncoded ? body.contentEncoding : [] };
}

/**
 * Where a leaf sits among its siblings, relative to its field: `$.a` for `json:$.a.lat`, `form`
 * for form fields; undefined when the leaf is the field's own (undecoded or plainly decoded) text.
 */
function siblingsWithin(leaf: TextLeaf): string | undefined {
  const last = leaf.chain[leaf.chain.length - 1] ?? '';
  if (last.startsWith('json:')) {
    // The parent of `$.a.lat`, `$.a[0]` or `$.a['odd key']` is `$.a`.
    const json = /^json:(.*?)(\.[^.[\]]+|\[\d+\]|\['(?:[^'\\]|\\.)*'\])$/.exec(last);
    if (json) return `${leaf.chain.slice(0, -1).join('>')}|${json[1]}`;
  }
  if (last.startsWith('form:') || last.startsWith('multipart:')) return `${leaf.chain.slice(0, -1).join('>')}|form`;
  return undefined;
}

/** The group of siblings a coordinate pairs within: same object, same form, or the query string. */
function siblingGroup(axis: GeoAxisHit, part: ExchangePart, fieldPath: string): string {
  if (axis.within !== undefined) return `${part}|${fieldPath}|${axis.within}`;
  // Query parameters are siblings of each other across fields.
  return part === 'query' ? 'query' : `${part}|${fieldPath}|${axis.chain.join('>')}`;
}

/** A leaf that is one coordinate under a latitude or longitude key. */
interface GeoAxisHit extends GeoAxisValue {
  within: string | undefined;
  chain: string[];
  /** The leaf's text, trimmed, and where it starts in the leaf. */
  matchedText: string;
  start: number;
}

interface GeoCandidate extends GeoAxisHit {
  group: string;
  fieldPath: string;
  part: ExchangePart;
}

/** A finding before it is placed in an exchange: what one field's content yields wherever it occurs. */
type Unplaced = Omit<Finding, 'exchangeId' | 'part' | 'fieldPath'>;

/** A hash- or base64-digest-shaped token no detector explained: learned values may explain it later. */
interface OpaqueToken {
  chain: string[];
  start: number;
  text: string;
}

/**
 * What one field's content yields, independent of the exchange it sits in: decoded once per
 * distinct content and placed at every occurrence.
 */
interface FieldOutcome {
  leafCount: number;
  limits: DecodeResult['limits'];
  geo: GeoAxisHit[];
  /** A leaf holds a national-format number, whose reading depends on the capture's region. */
  regionDependent: boolean;
  /** Kept only until the findings are worked out. */
  leaves: readonly TextLeaf[] | undefined;
  fieldKey: string | undefined;
  /** MCCs of the IMSIs among the region-dependent leaves: votes for the capture's region. */
  mccVotes?: string[];
  found?: Unplaced[];
  opaque?: OpaqueToken[];
  /** Its findings were offered as learned values. */
  offered?: boolean;
}

/** A field occurrence: where an outcome was seen. */
interface Site {
  exchange: Exchange;
  part: ExchangePart;
  fieldPath: string;
  outcome: FieldOutcome;
}

/** What the detectors and the known-value matcher say about one leaf text (cached by text). */
interface LeafAnalysis {
  detections: Detection[];
  hits: KnownHit[];
  opaque: { start: number; text: string }[];
}

/**
 * The start of a run of 22 digest characters, the shortest digest (its end is walked by char code).
 * Searched from the end of the last run, its first match is always where a run starts.
 */
const TOKEN_RUN_START = /[0-9A-Za-z+/_=-]{22}/g;
/** Longest token DIGEST_SHAPE accepts: longer runs are never digests. */
const MAX_DIGEST_TOKEN = 66;
const DIGEST_SHAPE = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{22}(?:==)?|[A-Za-z0-9+/_-]{27}=?|[A-Za-z0-9+/_-]{43}=?)$/;

/** A field that is its own only leaf and holds nothing. */
const NOTHING_FOUND: FieldOutcome = {
  leafCount: 1, limits: [], geo: [], regionDependent: false, leaves: undefined, fieldKey: undefined, found: [], opaque: [], offered: true,
};

/** Bodies up to this size that are not the same bytes object are still recognised by content. */
const SMALL_BODY = 64 * 1024;
// An injective bytes → string mapping (every byte to its own code point) to key bodies by content.
const byteString = new TextDecoder('latin1');

function place(u: Unplaced, exchangeId: number, part: ExchangePart, fieldPath: string): Finding {
  const f: Finding = {
    exchangeId, part, fieldPath, chain: u.chain, kind: u.kind, value: u.value, matchedText: u.matchedText,
    start: u.start, end: u.end, confidence: u.confidence, detector: u.detector, reasons: u.reasons,
  };
  if (u.known) f.known = u.known;
  return f;
}

function compareChains(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length;
}

/** Within one exchange: part, field, decode chain, offset. */
function compareInExchange(a: Finding, b: Finding): number {
  return PART_RANK[a.part] - PART_RANK[b.part] ||
    (a.fieldPath === b.fieldPath ? 0 : a.fieldPath < b.fieldPath ? -1 : 1) ||
    compareChains(a.chain, b.chain) || a.start - b.start;
}

/**
 * Outcomes of text fields by text, then by key name. A text nearly always comes under one key
 * (the same header, the same parameter), so the usual lookup hashes the text and nothing else.
 */
function isSorted(list: readonly Finding[]): boolean {
  for (let i = 1; i < list.length; i++) if (compareInExchange(list[i - 1], list[i]) > 0) return false;
  return true;
}

class TextOutcomes {
  private readonly byText = new ContentCache<FieldOutcome>(100_000, 32 * 1024 * 1024, 64 * 1024);
  private readonly underOtherKeys = new ContentCache<FieldOutcome>(50_000, 32 * 1024 * 1024, 64 * 1024);

  get(key: string | undefined, text: string): FieldOutcome | undefined {
    const outcome = this.byText.get('', text);
    if (outcome === undefined || outcome.fieldKey === key) return outcome;
    return this.underOtherKeys.get(key ?? '', text);
  }

  set(key: string | undefined, text: string, outcome: FieldOutcome): void {
    const first = this.byText.get('', text);
    if (first !== undefined && first.fieldKey !== key) this.underOtherKeys.set(key ?? '', text, outcome);
    else this.byText.set('', text, outcome);
  }
}

class Scanner {
  readonly limits: DecodeLimitHit[] = [];
  readonly stats: ScanStats = { fields: 0, leaves: 0, inputBytes: 0, durationMs: 0 };
  private readonly known: KnownValueMatcher;
  /**
   * Findings in the order they were placed, grouped and sorted by exchange at the end. One list,
   * not one per exchange: a list per exchange kept a dozen spare slots and a map entry each,
   * some 150 bytes an exchange for the whole scan.
   */
  private readonly found: Finding[] = [];
  private readonly deferred: Site[] = [];
  /** Candidates for learned values: kind → value → earliest exchange it was found in. */
  private readonly learnable = new Map<IdentifierKind, Map<string, number>>();
  /** Occurrences of outcomes holding opaque tokens. */
  private readonly opaqueSites: Site[] = [];
  private region: string | undefined;
  /** MCCs of the IMSIs seen in deferred fields: they choose the region for national phone numbers. */
  private readonly mccVotes: string[] = [];
  private readonly limitsConfig: DecodeLimits;
  private readonly reuse: boolean;
  private readonly texts = new TextOutcomes();
  private readonly bodyTexts = new ContentCache<FieldOutcome>(10_000, 64 * 1024 * 1024);
  /** Loaders share one bytes object among identical bodies: recognised without reading them. */
  private readonly bodies = new WeakMap<Uint8Array, { context: string; outcome: FieldOutcome }>();
  private readonly analysed = new ContentCache<LeafAnalysis>();
  /**
   * Outcomes waiting for the capture's region, by content, while it is not known. They keep
   * their leaves until then; when the caches above start over, the same content met again takes
   * its waiting outcome from here instead of a new one with its own leaves (a 600 MB capture
   * held a copy of its contacts' leaves per start-over, and one per occurrence of a body too large
   * for those caches: 150 MB in all).
   */
  private readonly waiting = new ContentCache<FieldOutcome>(100_000, 64 * 1024 * 1024, 8 * 1024 * 1024);
  /** Bodies over SMALL_BODY put in `waiting`. */
  private waitingLarge = 0;

  constructor(private readonly options: ScanOptions) {
    this.known = new KnownValueMatcher(options.known ?? []);
    this.region = options.defaultRegion;
    this.limitsConfig = options.limits ?? DEFAULT_DECODE_LIMITS;
    this.reuse = options.reuse !== false;
  }

  private bodyOutcome(input: FieldInput, bytes: Uint8Array): FieldOutcome {
    if (!this.reuse) return this.decode(input);
    const context = `${input.contentType ?? ''}\u0000${(input.contentEncoding ?? []).join(',')}`;
    const same = this.bodies.get(bytes);
    if (same && same.context === context) return same.outcome;
    const content = bytes.length <= SMALL_BODY ? byteString.decode(bytes) : undefined;
    let outcome = content === undefined ? undefined : this.bodyTexts.get(context, content);
    if (!outcome) {
      // Larger bodies are looked for among the waiting ones only while some are there.
      const waitingContent = content ?? (this.waitingLarge > 0 ? byteString.decode(bytes) : undefined);
      outcome = waitingContent === undefined ? undefined : this.waiting.get(`b${context}`, waitingContent);
      if (!outcome) {
        outcome = this.decode(input);
        if (outcome.regionDependent && this.region === undefined) {
          if (content === undefined) this.waitingLarge++;
          this.keepWaiting(`b${context}`, waitingContent ?? byteString.decode(bytes), outcome);
        }
      }
      if (content !== undefined) this.bodyTexts.set(context, content, outcome);
    }
    this.bodies.set(bytes, { context, outcome });
    return outcome;
  }

  private textOutcome(key: string | undefined, text: string): FieldOutcome {
    // Too short for any identifier without a key that hints one: most such texts are unique
    // (counters, ids), so not remembering them saves more than remembering would.
    if (text.length < MIN_UNKEYED_LENGTH && this.known.size === 0 && nothingToDecode(text) && keyHints(key).size === 0) {
      return NOTHING_FOUND;
    }
    if (!this.reuse) return this.decode({ text, key });
    let outcome = this.texts.get(key, text);
    if (!outcome) {
      // A key of its own in the waiting cache: `t` + key, or `u` when the field has none.
      const waitingContext = key === undefined ? 'u' : `t${key}`;
      outcome = this.waiting.get(waitingContext, text);
      if (!outcome) this.keepWaiting(waitingContext, text, (outcome = this.decode({ text, key })));
      this.texts.set(key, text, outcome);
    }
    return outcome;
  }

  private keepWaiting(context: string, content: string, outcome: FieldOutcome): void {
    if (outcome.regionDependent && this.region === undefined) this.waiting.set(context, content, outcome);
  }

  private decode(input: FieldInput): FieldOutcome {
    const result = decodeField(input, this.limitsConfig);
    const geo: GeoAxisHit[] = [];
    let regionDependent = false;
    for (const leaf of result.leaves) {
      const hints = keyHints(leaf.key ?? input.key);
      const axis = hints.size > 0 ? geoAxis(leaf.text, hints) : undefined;
      if (axis) {
        const trimmed = leaf.text.trim();
        geo.push({ ...axis, within: siblingsWithin(leaf), chain: leaf.chain, matchedText: trimmed, start: leaf.text.indexOf(trimmed) });
      }
      if (!regionDependent && readsByRegion(leaf.text)) regionDependent = true;
    }
    return { leafCount: result.leaves.length, limits: result.limits, geo, regionDependent, leaves: result.leaves, fieldKey: input.key };
  }

  scanExchange(exchange: Exchange): void {
    let geo: GeoCandidate[] | undefined;
    const stats = this.stats;
    forEachField(exchange, (part, fieldPath, key, text, body) => {
      stats.fields++;
      let outcome: FieldOutcome;
      if (body?.bytes) {
        stats.inputBytes += body.bytes.length;
        outcome = this.bodyOutcome(body, body.bytes);
      } else {
        stats.inputBytes += text.length;
        outcome = this.textOutcome(key, text);
      }
      stats.leaves += outcome.leafCount;
      for (const hit of outcome.limits) this.limits.push({ exchangeId: exchange.id, part, fieldPath, ...hit });
      for (const axis of outcome.geo) (geo ??= []).push({ ...axis, group: siblingGroup(axis, part, fieldPath), part, fieldPath });
      if (outcome.regionDependent && this.region === undefined) {
        for (const mcc of this.votesOf(outcome)) this.mccVotes.push(mcc);
        this.deferred.push({ exchange, part, fieldPath, outcome });
      } else this.place(exchange, part, fieldPath, outcome, this.region ?? 'US');
    });
    if (geo) this.pairGeo(exchange, geo);
  }

  private votesOf(outcome: FieldOutcome): string[] {
    if (!outcome.mccVotes) {
      outcome.mccVotes = [];
      for (const leaf of outcome.leaves ?? []) {
        if (!readsByRegion(leaf.text)) continue;
        for (const d of imsiEvidence(leaf.text, leaf.key ?? outcome.fieldKey)) outcome.mccVotes.push(d.value.slice(0, 3));
      }
    }
    return outcome.mccVotes;
  }


  private place(exchange: Exchange, part: ExchangePart, fieldPath: string, outcome: FieldOutcome, region: string): void {
    this.workOut(outcome, region);
    const found = outcome.found ?? [];
    if (!outcome.offered) {
      // Placed first here: this is the earliest exchange of the outcome (fields are visited in exchange order).
      outcome.offered = true;
      this.offerForLearning(found, exchange.id);
    }
    if (found.length > 0) {
      for (const u of found) this.found.push(place(u, exchange.id, part, fieldPath));
    }
    if (outcome.opaque && outcome.opaque.length > 0) this.opaqueSites.push({ exchange, part, fieldPath, outcome });
  }

  private analyse(text: string, key: string | undefined, region: string): LeafAnalysis {
    // No region in the cache key: a text is analysed only once the region that reads it is final
    // (texts with no national-format number read the same under every region).
    const context = key ?? '';
    const cached = this.reuse ? this.analysed.get(context, text) : undefined;
    if (cached) return cached;
    const detections = detectIdentifiers(text, key, region);
    const hits = this.known.size > 0 ? this.known.match(text) : [];
    const opaque = this.options.learn !== false ? opaqueTokens(text, detections, hits) : [];
    const analysis = { detections, hits, opaque };
    if (this.reuse) this.analysed.set(context, text, analysis);
    return analysis;
  }

  /** The findings of one field's content, deduplicated along decode chains: worked out once. */
  private workOut(outcome: FieldOutcome, region: string): void {
    if (outcome.found) return;
    const found: Unplaced[] = [];
    const opaque: OpaqueToken[] = [];
    for (const leaf of outcome.leaves ?? []) {
      const { detections, hits, opaque: tokens } = this.analyse(leaf.text, leaf.key ?? outcome.fieldKey, region);
      for (const d of detections) {
        const hit = hits.find((h) => h.start < d.end && d.start < h.end);
        found.push(detectionFinding(leaf, d, hit));
      }
      for (const hit of hits) {
        if (detections.some((d) => hit.start < d.end && d.start < hit.end)) continue;
        found.push(knownFinding(leaf.chain, hit));
      }
      for (const token of tokens) opaque.push({ chain: leaf.chain, start: token.start, text: token.text });
    }
    outcome.found = keepDeepest(found);
    outcome.opaque = opaque;
    outcome.leaves = undefined;
  }

  private pairGeo(exchange: Exchange, candidates: GeoCandidate[]): void {
    const used = new Set<GeoCandidate>();
    for (const lat of candidates) {
      if (lat.axis !== 'lat' || used.has(lat)) continue;
      const lon = candidates.find((c) => c.axis === 'lon' && !used.has(c) && c.group === lat.group);
      if (!lon || !inRange(lat.degrees, lon.degrees)) continue;
      used.add(lat).add(lon);
      this.found.push({
        exchangeId: exchange.id, part: lat.part, fieldPath: lat.fieldPath, chain: lat.chain,
        kind: 'geo', value: `${lat.text},${lon.text}`, matchedText: lat.matchedText,
        start: lat.start, end: lat.start + lat.matchedText.length,
        confidence: geoConfidence(lat.text, lon.text, true), detector: 'geo',
        reasons: ['latitude and longitude keys side by side', `longitude ${lon.text} in ${lon.fieldPath}${lon.chain.length ? ` (${lon.chain.join(' → ')})` : ''}`],
      });
    }
  }

  /**
   * The findings in exchange order, each exchange's sorted; those of one exchange keep the order
   * they were placed in where they compare equal (a stable sort, by exchange then within it).
   */
  private placed(): Finding[] {
    const found = this.found;
    let maxId = -1;
    for (const f of found) if (f.exchangeId > maxId) maxId = f.exchangeId;
    // Counting sort by exchange: starts[id] .. starts[id + 1] is the exchange's run.
    const starts = new Float64Array(maxId + 2);
    for (const f of found) starts[f.exchangeId + 1]++;
    for (let id = 1; id < starts.length; id++) starts[id] += starts[id - 1];
    const next = starts.slice(0, maxId + 1);
    const all = new Array<Finding>(found.length);
    for (const f of found) all[next[f.exchangeId]++] = f;
    for (let id = 0; id <= maxId; id++) {
      const from = starts[id];
      const to = starts[id + 1];
      if (to - from < 2) continue;
      const run = all.slice(from, to);
      if (isSorted(run)) continue;
      run.sort(compareInExchange);
      for (let i = 0; i < run.length; i++) all[from + i] = run[i];
    }
    return all;
  }

  /** Phase two: the region is now known; scan the deferred fields and attribute opaque tokens. */
  finish(): Finding[] {
    if (this.region === undefined) {
      const imsiMccs = [...this.mccVotes];
      // Placed so far in exchange order, as the scan went.
      for (const f of this.found) if (f.kind === 'imsi' && f.confidence !== 'low') imsiMccs.push(f.value.slice(0, 3));
      this.region = regionFromMccs(imsiMccs) ?? 'US';
    }
    for (const { exchange, part, fieldPath, outcome } of this.deferred) this.place(exchange, part, fieldPath, outcome, this.region);
    // Read once each: let them go before the ordered copy of the findings is made.
    this.deferred.length = 0;
    if (this.options.learn !== false) this.learn();
    this.opaqueSites.length = 0;
    return this.placed();
  }

  /** Values found with high confidence: known values for the rest of the capture, from the earliest exchange. */
  private offerForLearning(found: readonly Unplaced[], exchangeId: number): void {
    if (this.options.learn === false) return;
    for (const u of found) {
      if (u.confidence !== 'high' || u.known || u.kind === 'geo' || u.kind === 'carrier' || u.kind === 'known_value') continue;
      let values = this.learnable.get(u.kind);
      if (!values) this.learnable.set(u.kind, (values = new Map()));
      const first = values.get(u.value);
      if (first === undefined || exchangeId < first) values.set(u.value, exchangeId);
    }
  }

  private learn(): void {
    const learned = new KnownValueMatcher();
    for (const [kind, values] of this.learnable) {
      for (const [value, exchangeId] of values) learned.add({ kind, value, learnedFrom: { exchangeId, kind } });
    }
    if (learned.size === 0) return;
    // Each distinct token is matched once, however many fields carry it.
    const attributed = new Map<OpaqueToken, KnownHit[]>();
    for (const site of this.opaqueSites) {
      for (const token of site.outcome.opaque ?? []) {
        let hits = attributed.get(token);
        if (!hits) {
          // The whole token, nothing less.
          attributed.set(token, (hits = learned.match(token.text).filter((h) => h.start === 0 && h.end === token.text.length)));
        }
        if (hits.length === 0) continue;
        for (const hit of hits) this.found.push(place(knownFinding(token.chain, hit, token.start), site.exchange.id, site.part, site.fieldPath));
      }
    }
  }

  get defaultRegion(): string {
    return this.region ?? 'US';
  }

  placedCount(): number {
    return this.found.length;
  }
}

function detectionFinding(leaf: TextLeaf, d: Detection, hit?: KnownHit): Unplaced {
  const finding: Unplaced = {
    chain: leaf.chain, kind: d.kind, value: d.value, matchedText: d.matchedText, start: d.start, end: d.end,
    confidence: d.confidence, detector: d.detector, reasons: d.reasons,
  };
  if (hit) {
    finding.known = knownMatchOf(hit);
    finding.confidence = 'high';
    finding.reasons = [...d.reasons, `matches the known ${hit.value.label ?? hit.value.kind} (${hit.variant})`];
  }
  return finding;
}

function knownFinding(chain: string[], hit: KnownHit, start = hit.start): Unplaced {
  const learned = hit.value.learnedFrom;
  return {
    chain, kind: hit.kind, value: hit.canonical, matchedText: hit.matchedText, start, end: start + hit.matchedText.length,
    confidence: 'high', detector: learned ? 'learned-value' : 'known-value',
    reasons: [learned
      ? `${hit.variant} of the ${learned.kind} ${hit.canonical} found in exchange ${learned.exchangeId}`
      : `${hit.variant} of the known ${hit.value.label ?? hit.value.kind}`],
    known: knownMatchOf(hit),
  };
}

/**
 * A value seen in a text and again in the structure decoded from that text (the raw JSON body
 * and its `json:$.imei` leaf) is one leak: keep the finding with the longest chain, which names
 * the field, and carry a known-value match over to it. Works on one field's findings.
 */
function keepDeepest(found: Unplaced[]): Unplaced[] {
  if (found.length < 2) return found;
  // For each (kind, value): every proper prefix of every chain that has a deeper finding below it.
  // A finding whose own chain is such a prefix is the shallow copy. Linear in total chain length.
  const deeperBelow = new Map<string, Unplaced>();
  const chainKey = (f: Unplaced, length: number): string => `${f.kind}\u0000${f.value}\u0000${f.chain.slice(0, length).join('\u0001')}`;
  for (const f of found) {
    for (let length = 0; length < f.chain.length; length++) {
      const id = chainKey(f, length);
      if (!deeperBelow.has(id)) deeperBelow.set(id, f);
    }
  }
  if (deeperBelow.size === 0) return found;
  const kept: Unplaced[] = [];
  for (const f of found) {
    const deeper = deeperBelow.get(chainKey(f, f.chain.length));
    if (!deeper) {
      kept.push(f);
      continue;
    }
    if (f.known && !deeper.known) deeper.known = f.known;
  }
  return kept;
}

/** Hash- or base64-digest-shaped tokens that no detection or known value covers. */
function opaqueTokens(text: string, detections: readonly Detection[], hits: readonly KnownHit[]): { start: number; text: string }[] {
  if (text.length < 22) return [];
  // The regex only finds where a run reaches 22 characters (a bounded quantifier: V8's
  // backtracking stack overflowed on `{22,}` over a run of some ten million characters, a large
  // base64 body); the run's end is walked by char code, and runs past 66 are no digest anyway.
  const runStart = TOKEN_RUN_START;
  runStart.lastIndex = 0;
  let taken: (readonly [number, number])[] | undefined;
  let next = 0;
  /** Largest end of the detections starting before the current token's end, swept once in order. */
  let reach = -1;
  const out: { start: number; text: string }[] = [];
  for (let m = runStart.exec(text); m; m = runStart.exec(text)) {
    const start = m.index;
    let end = start + 22;
    while (end < text.length && isTokenChar(text.charCodeAt(end))) end++;
    runStart.lastIndex = end;
    if (end - start > MAX_DIGEST_TOKEN) continue;
    const token = text.slice(start, end);
    if (!DIGEST_SHAPE.test(token) || !/\d/.test(token) || !/[A-Za-z]/.test(token)) continue; // words and numbers are not digests
    // Tokens come in order and never overlap: detections that start before this token's end are
    // consumed once; a token overlaps one when the furthest end among them passes its start.
    taken ??= [...detections, ...hits].map((d) => [d.start, d.end] as const).sort((x, y) => x[0] - y[0]);
    while (next < taken.length && taken[next][0] < end) reach = Math.max(reach, taken[next++][1]);
    if (reach > start) continue;
    out.push({ start, text: token });
  }
  return out;
}

/** [0-9A-Za-z+/_=-]: the characters of hex and base64 (standard and URL-safe) digests. */
function isTokenChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2b || c === 0x2f || c === 0x5f || c === 0x3d || c === 0x2d;
}

/** The region of the MCC most of the capture's IMSIs carry. */
function regionFromMccs(mccs: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const mcc of mccs) {
    const region = regionOfMcc(mcc);
    if (region) counts.set(region, (counts.get(region) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [region, n] of counts) if (!best || n > (counts.get(best) ?? 0)) best = region;
  return best;
}

export function summarise(capture: Capture, findings: readonly Finding[], defaultRegion: string): ScanSummary {
  const kindCounts = new Map<IdentifierKind, number>();
  const byConfidence = { high: 0, medium: 0, low: 0 };
  type Flow = HostFlow & { valueSet: Set<string>; exchangeSet: Set<number>; lastExchange: number };
  /** Host and scheme first, then kind: the string key is built once per exchange, not per finding. */
  const flows = new Map<string, Map<IdentifierKind, Flow>>();
  const withFindings = new Set<number>();
  let lastExchange = -1;
  let byHost: Map<IdentifierKind, Flow> | undefined;
  let host = '';
  let scheme: HostFlow['scheme'] = 'https';
  for (const f of findings) {
    kindCounts.set(f.kind, (kindCounts.get(f.kind) ?? 0) + 1);
    if (f.confidence === 'high') byConfidence.high++;
    else if (f.confidence === 'medium') byConfidence.medium++;
    else byConfidence.low++;
    if (f.exchangeId !== lastExchange || !byHost) {
      // Findings usually come grouped by exchange: the per-exchange work is done once per run.
      lastExchange = f.exchangeId;
      withFindings.add(f.exchangeId);
      const exchange = capture.exchanges[f.exchangeId];
      host = exchangeHost(exchange);
      scheme = exchange.secure ? 'https' : 'http';
      const id = `${host}\u0000${scheme}`;
      byHost = flows.get(id);
      if (!byHost) flows.set(id, (byHost = new Map()));
    }
    let flow = byHost.get(f.kind);
    if (!flow) {
      flow = { host, scheme, kind: f.kind, count: 0, values: [], exchangeIds: [], valueSet: new Set(), exchangeSet: new Set(), lastExchange: -1 };
      byHost.set(f.kind, flow);
    }
    flow.count++;
    flow.valueSet.add(f.value);
    if (flow.lastExchange !== f.exchangeId) flow.exchangeSet.add((flow.lastExchange = f.exchangeId));
  }
  const list: HostFlow[] = [];
  for (const byKindOfHost of flows.values()) {
    for (const { valueSet, exchangeSet, lastExchange: _last, ...flow } of byKindOfHost.values()) {
      list.push({ ...flow, values: [...valueSet], exchangeIds: [...exchangeSet] });
    }
  }
  list.sort((a, b) => a.host.localeCompare(b.host) || a.scheme.localeCompare(b.scheme) || a.kind.localeCompare(b.kind));
  const byKind: Partial<Record<IdentifierKind, number>> = {};
  for (const [kind, n] of kindCounts) byKind[kind] = n;
  return {
    exchanges: capture.exchanges.length,
    exchangesWithFindings: withFindings.size,
    findings: findings.length,
    byKind,
    byConfidence,
    flows: list,
    plainHttp: list.filter((f) => f.scheme === 'http'),
    defaultRegion,
  };
}

/**
 * A scan fed one exchange at a time, as a streaming loader reads them (the capture's bodies need
 * not all be in memory at once: each is read while its exchange is scanned). `finish` places what
 * waited for the whole capture (national phone numbers, learned values) and summarises.
 */
export class CaptureScan {
  private readonly scanner: Scanner;
  private elapsedMs = 0;

  constructor(options: ScanOptions = {}) {
    this.scanner = new Scanner(options);
  }

  add(exchange: Exchange): void {
    const started = performance.now();
    this.scanner.scanExchange(exchange);
    this.elapsedMs += performance.now() - started;
  }

  /** Findings placed so far (those waiting for the capture's region come with `finish`). */
  get findingCount(): number {
    return this.scanner.placedCount();
  }

  finish(capture: Capture): ScanResult {
    const started = performance.now();
    const findings = this.scanner.finish();
    this.scanner.stats.durationMs = this.elapsedMs + (performance.now() - started);
    return {
      findings,
      limits: this.scanner.limits,
      summary: summarise(capture, findings, this.scanner.defaultRegion),
      stats: this.scanner.stats,
    };
  }
}

export function scanCapture(capture: Capture, options: ScanOptions = {}): ScanResult {
  const scan = new CaptureScan(options);
  for (const exchange of capture.exchanges) scan.add(exchange);
  return scan.finish(capture);
}
