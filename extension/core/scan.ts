// Capture → Finding[]: walks every part of every exchange, peels every decode layer, and runs the
// identifier detectors and the known-value matcher on each decoded text.
//
// Two things need the whole capture before they can be decided, so the scan has two phases:
//  - national-format phone numbers need a default region, taken from the MCC of the IMSIs the
//    capture leaks (a Chinese phone's contacts are Chinese numbers) unless the caller gives one;
//  - learned values: an identifier found with high confidence anywhere becomes a known value,
//    so its hashes elsewhere (md5 of the IMEI in another request) are attributed to it.
import { decodeField } from './decode/index';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type DecodeResult, type FieldInput, type TextLeaf } from './decode/types';
import { keyHints } from './detect/context';
import { geoAxis, geoConfidence, inRange, type GeoAxisValue } from './detect/geo';
import { detectIdentifiers, imsiEvidence, type Detection } from './detect/index';
import { KnownValueMatcher, knownMatchOf, type KnownHit, type KnownValue } from './detect/known';
import { regionOfMcc } from './detect/mccmnc';
import type {
  Capture, DecodeLimitHit, Exchange, ExchangePart, Finding, IdentifierKind, NameValue,
} from './model';
import { exchangeHost } from './model';

export interface ScanOptions {
  /** The researcher's own device values. */
  known?: KnownValue[];
  /** ISO 3166 region for national phone numbers; by default from the capture's IMSIs, else US. */
  defaultRegion?: string;
  limits?: DecodeLimits;
  /** Attribute hashes and encodings of values found with high confidence elsewhere (default true). */
  learn?: boolean;
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

const PART_ORDER: ExchangePart[] = [
  'url', 'query', 'request_header', 'request_cookie', 'request_body', 'response_header', 'response_cookie', 'response_body',
];

function headerFields(headers: readonly NameValue[], part: ExchangePart, skip: string): Field[] {
  return headers
    .filter((h) => h.name.toLowerCase() !== skip)
    .map((h) => ({ part, fieldPath: h.name, input: { text: h.value, key: h.name } }));
}

function urlPath(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.hash;
  } catch {
    return url.split('?')[0];
  }
}

/** Every field of an exchange the scanner looks at, in reading order. */
export function fieldsOf(exchange: Exchange): Field[] {
  const fields: Field[] = [];
  const req = exchange.request;
  fields.push({ part: 'url', fieldPath: 'path', input: { text: urlPath(req.url) } });
  for (const q of req.query) fields.push({ part: 'query', fieldPath: q.name, input: { text: q.value, key: q.name } });
  for (const f of headerFields(req.headers, 'request_header', 'cookie')) fields.push(f);
  for (const c of req.cookies) fields.push({ part: 'request_cookie', fieldPath: c.name, input: { text: c.value, key: c.name } });
  const contentType = (headers: readonly NameValue[]): string | undefined =>
    headers.find((h) => h.name.toLowerCase() === 'content-type')?.value;
  if (req.body && req.body.bytes.length > 0) {
    fields.push({ part: 'request_body', fieldPath: 'body', input: bodyInput(req.body, req.body.mimeType ?? contentType(req.headers)) });
  }
  const res = exchange.response;
  if (res) {
    for (const f of headerFields(res.headers, 'response_header', 'set-cookie')) fields.push(f);
    for (const c of res.cookies) fields.push({ part: 'response_cookie', fieldPath: c.name, input: { text: c.value, key: c.name } });
    if (res.body && res.body.bytes.length > 0) {
      fields.push({ part: 'response_body', fieldPath: 'body', input: bodyInput(res.body, res.mimeType || contentType(res.headers)) });
    }
  }
  return fields;
}

function bodyInput(body: NonNullable<Exchange['request']['body']>, contentType: string | undefined): FieldInput {
  // Only undo Content-Encoding the producer left on the bytes; decoders also sniff magic bytes.
  const stillEncoded = body.contentCoding === 'still-encoded' || body.contentCoding === 'unknown';
  return { bytes: body.bytes, contentType, contentEncoding: stillEncoded ? body.contentEncoding : [] };
}

function structureParent(leaf: TextLeaf, field: Field): string {
  const last = leaf.chain[leaf.chain.length - 1] ?? '';
  const prefix = leaf.chain.slice(0, -1).join('>');
  // The parent of `$.a.lat`, `$.a[0]` or `$.a['odd key']` is `$.a`.
  const json = /^json:(.*?)(\.[^.[\]]+|\[\d+\]|\['(?:[^'\\]|\\.)*'\])$/.exec(last);
  if (json) return `${field.part}|${field.fieldPath}|${prefix}|${json[1]}`;
  if (last.startsWith('form:') || last.startsWith('multipart:')) return `${field.part}|${field.fieldPath}|${prefix}|form`;
  // Query parameters and form fields are siblings of each other across fields.
  return field.part === 'query' ? 'query' : `${field.part}|${field.fieldPath}|${leaf.chain.join('>')}`;
}

interface GeoCandidate extends GeoAxisValue {
  group: string;
  field: Field;
  leaf: TextLeaf;
  start: number;
}

/** A field kept for the second phase because its detection depends on the capture's region. */
interface DeferredField {
  exchange: Exchange;
  field: Field;
  leaves: readonly TextLeaf[];
}

/** Hash- and base64-shaped strings no detector explained: learned values may explain them later. */
interface OpaqueToken {
  exchange: Exchange;
  field: Field;
  leaf: TextLeaf;
  start: number;
  text: string;
}

/** What the detectors and the known-value matcher say about one leaf text (cached by text). */
interface LeafAnalysis {
  detections: Detection[];
  hits: KnownHit[];
  opaque: { start: number; text: string }[];
}

const NATIONAL_PHONE_SHAPE = /(?<![\d+])\(?\d[\d\s().-]{5,14}\d/;
const TOKEN_RUN = /[0-9A-Za-z+/_=-]{22,}/g;
const DIGEST_SHAPE = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{22}(?:==)?|[A-Za-z0-9+/_-]{27}=?|[A-Za-z0-9+/_-]{43}=?)$/;

/**
 * Captures repeat themselves: the same User-Agent, cookies and query values on every request.
 * Small texts are decoded and analysed once; the caches are bounded and simply restart when full.
 */
const CACHEABLE_TEXT = 2048;
const CACHE_ENTRIES = 50_000;

/** Keyed by a short context (region, key name) and then by the text itself, so no long key is built. */
class BoundedCache<V> {
  private maps = new Map<string, Map<string, V>>();
  private size = 0;
  get(context: string, text: string): V | undefined {
    return this.maps.get(context)?.get(text);
  }
  set(context: string, text: string, value: V): void {
    if (this.size >= CACHE_ENTRIES) {
      this.maps = new Map();
      this.size = 0;
    }
    let inner = this.maps.get(context);
    if (!inner) this.maps.set(context, (inner = new Map()));
    inner.set(text, value);
    this.size++;
  }
}

class Scanner {
  findings: Finding[] = [];
  readonly limits: DecodeLimitHit[] = [];
  readonly stats: ScanStats = { fields: 0, leaves: 0, inputBytes: 0, durationMs: 0 };
  private readonly known: KnownValueMatcher;
  private readonly deferred: DeferredField[] = [];
  private readonly opaque: OpaqueToken[] = [];
  private region: string | undefined;
  /** MCCs of the IMSIs seen in deferred fields: they choose the region for national phone numbers. */
  private readonly mccVotes: string[] = [];
  private readonly limitsConfig: DecodeLimits;
  private readonly decoded = new BoundedCache<DecodeResult>();
  private readonly analysed = new BoundedCache<LeafAnalysis>();

  constructor(private readonly options: ScanOptions) {
    this.known = new KnownValueMatcher(options.known ?? []);
    this.region = options.defaultRegion;
    this.limitsConfig = options.limits ?? DEFAULT_DECODE_LIMITS;
  }

  private decode(field: Field): DecodeResult {
    const text = field.input.text;
    if (text === undefined || text.length > CACHEABLE_TEXT) return decodeField(field.input, this.limitsConfig);
    const context = field.input.key ?? '';
    let result = this.decoded.get(context, text);
    if (!result) this.decoded.set(context, text, (result = decodeField(field.input, this.limitsConfig)));
    return result;
  }

  scanExchange(exchange: Exchange): void {
    const geo: GeoCandidate[] = [];
    for (const field of fieldsOf(exchange)) {
      this.stats.fields++;
      this.stats.inputBytes += field.input.bytes?.length ?? field.input.text?.length ?? 0;
      const result = this.decode(field);
      for (const hit of result.limits) {
        this.limits.push({ exchangeId: exchange.id, part: field.part, fieldPath: field.fieldPath, ...hit });
      }
      this.stats.leaves += result.leaves.length;
      let deferrable = false;
      for (const leaf of result.leaves) {
        const key = leaf.key ?? field.input.key;
        const hints = keyHints(key);
        const axis = hints.size > 0 ? geoAxis(leaf.text, hints) : undefined;
        if (axis) geo.push({ ...axis, group: structureParent(leaf, field), field, leaf, start: leaf.text.indexOf(leaf.text.trim()) });
        if (this.region === undefined && NATIONAL_PHONE_SHAPE.test(leaf.text)) {
          deferrable = true;
          for (const d of imsiEvidence(leaf.text, key)) this.mccVotes.push(d.value.slice(0, 3));
        }
      }
      if (deferrable) this.deferred.push({ exchange, field, leaves: result.leaves });
      else this.scanField(exchange, field, result.leaves, this.region ?? 'US');
    }
    this.pairGeo(exchange, geo);
  }

  private analyse(leaf: TextLeaf, key: string | undefined, region: string): LeafAnalysis {
    const text = leaf.text;
    const cacheable = text.length <= CACHEABLE_TEXT;
    const context = `${region}\u0000${key ?? ''}`;
    const cached = cacheable ? this.analysed.get(context, text) : undefined;
    if (cached) return cached;
    const detections = detectIdentifiers(text, key, region);
    const hits = this.known.size > 0 ? this.known.match(text) : [];
    const opaque = this.options.learn !== false ? opaqueTokens(text, detections, hits) : [];
    const analysis = { detections, hits, opaque };
    if (cacheable) this.analysed.set(context, text, analysis);
    return analysis;
  }

  /** All findings of one field, deduplicated along decode chains, then added to the scan. */
  private scanField(exchange: Exchange, field: Field, leaves: readonly TextLeaf[], region: string): void {
    const found: Finding[] = [];
    for (const leaf of leaves) {
      const { detections, hits, opaque } = this.analyse(leaf, leaf.key ?? field.input.key, region);
      for (const d of detections) {
        const hit = hits.find((h) => h.start < d.end && d.start < h.end);
        found.push(this.finding(exchange, field, leaf, d, hit));
      }
      for (const hit of hits) {
        if (detections.some((d) => hit.start < d.end && d.start < hit.end)) continue;
        found.push(this.knownFinding(exchange, field, leaf, hit));
      }
      for (const token of opaque) this.opaque.push({ exchange, field, leaf, start: token.start, text: token.text });
    }
    for (const f of keepDeepest(found)) this.findings.push(f);
  }



  private finding(exchange: Exchange, field: Field, leaf: TextLeaf, d: Detection, hit?: KnownHit): Finding {
    const finding: Finding = {
      exchangeId: exchange.id, part: field.part, fieldPath: field.fieldPath, chain: leaf.chain,
      kind: d.kind, value: d.value, matchedText: d.matchedText, start: d.start, end: d.end,
      confidence: d.confidence, detector: d.detector, reasons: d.reasons,
    };
    if (hit) {
      finding.known = knownMatchOf(hit);
      finding.confidence = 'high';
      finding.reasons = [...d.reasons, `matches the known ${hit.value.label ?? hit.value.kind} (${hit.variant})`];
    }
    return finding;
  }

  private knownFinding(exchange: Exchange, field: Field, leaf: TextLeaf, hit: KnownHit, start = hit.start): Finding {
    const learned = hit.value.learnedFrom;
    return {
      exchangeId: exchange.id, part: field.part, fieldPath: field.fieldPath, chain: leaf.chain,
      kind: hit.kind, value: hit.canonical, matchedText: hit.matchedText, start, end: start + hit.matchedText.length,
      confidence: 'high', detector: learned ? 'learned-value' : 'known-value',
      reasons: [learned
        ? `${hit.variant} of the ${learned.kind} ${hit.canonical} found in exchange ${learned.exchangeId}`
        : `${hit.variant} of the known ${hit.value.label ?? hit.value.kind}`],
      known: knownMatchOf(hit),
    };
  }

  private pairGeo(exchange: Exchange, candidates: GeoCandidate[]): void {
    const used = new Set<GeoCandidate>();
    for (const lat of candidates) {
      if (lat.axis !== 'lat' || used.has(lat)) continue;
      const lon = candidates.find((c) => c.axis === 'lon' && !used.has(c) && c.group === lat.group);
      if (!lon || !inRange(lat.degrees, lon.degrees)) continue;
      used.add(lat).add(lon);
      this.findings.push({
        exchangeId: exchange.id, part: lat.field.part, fieldPath: lat.field.fieldPath, chain: lat.leaf.chain,
        kind: 'geo', value: `${lat.text},${lon.text}`, matchedText: lat.leaf.text.trim(),
        start: lat.start, end: lat.start + lat.leaf.text.trim().length,
        confidence: geoConfidence(lat.text, lon.text, true), detector: 'geo',
        reasons: ['latitude and longitude keys side by side', `longitude ${lon.text} in ${lon.field.fieldPath}${lon.leaf.chain.length ? ` (${lon.leaf.chain.join(' → ')})` : ''}`],
      });
    }
  }

  /** Phase two: the region is now known; scan the deferred leaves and attribute opaque tokens. */
  finish(capture: Capture): void {
    const region = this.region ?? regionFromMccs([...this.mccVotes, ...this.findings.filter((f) => f.kind === 'imsi' && f.confidence !== 'low').map((f) => f.value.slice(0, 3))]) ?? 'US';
    this.region = region;
    for (const { exchange, field, leaves } of this.deferred) this.scanField(exchange, field, leaves, region);
    if (this.options.learn !== false) this.learn();
    this.findings.sort((a, b) =>
      a.exchangeId - b.exchangeId || PART_ORDER.indexOf(a.part) - PART_ORDER.indexOf(b.part) ||
      a.fieldPath.localeCompare(b.fieldPath) || a.chain.join().localeCompare(b.chain.join()) || a.start - b.start);
    void capture;
  }

  private learn(): void {
    const learned = new KnownValueMatcher();
    for (const f of this.findings) {
      if (f.confidence !== 'high' || f.known || f.kind === 'geo' || f.kind === 'carrier' || f.kind === 'known_value') continue;
      learned.add({ kind: f.kind, value: f.value, learnedFrom: { exchangeId: f.exchangeId, kind: f.kind } });
    }
    if (learned.size === 0) return;
    for (const token of this.opaque) {
      for (const hit of learned.match(token.text)) {
        if (hit.start !== 0 || hit.end !== token.text.length) continue; // the whole token, nothing less
        this.findings.push(this.knownFinding(token.exchange, token.field, token.leaf, hit, token.start));
      }
    }
  }

  get defaultRegion(): string {
    return this.region ?? 'US';
  }
}

/**
 * A value seen in a text and again in the structure decoded from that text (the raw JSON body
 * and its `json:$.imei` leaf) is one leak: keep the finding with the longest chain, which names
 * the field, and carry a known-value match over to it. Works on one field's findings.
 */
function keepDeepest(found: Finding[]): Finding[] {
  if (found.length < 2) return found;
  // For each (kind, value): every proper prefix of every chain that has a deeper finding below it.
  // A finding whose own chain is such a prefix is the shallow copy. Linear in total chain length.
  const deeperBelow = new Map<string, Finding>();
  const chainKey = (f: Finding, length: number): string => `${f.kind}\u0000${f.value}\u0000${f.chain.slice(0, length).join('\u0001')}`;
  for (const f of found) {
    for (let length = 0; length < f.chain.length; length++) {
      const id = chainKey(f, length);
      if (!deeperBelow.has(id)) deeperBelow.set(id, f);
    }
  }
  if (deeperBelow.size === 0) return found;
  const kept: Finding[] = [];
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
  const out: { start: number; text: string }[] = [];
  for (const m of text.matchAll(TOKEN_RUN)) {
    const token = m[0];
    if (!DIGEST_SHAPE.test(token) || !/\d/.test(token) || !/[A-Za-z]/.test(token)) continue; // words and numbers are not digests
    const start = m.index ?? 0;
    const end = start + token.length;
    if (detections.some((d) => start < d.end && d.start < end) || hits.some((h) => start < h.end && h.start < end)) continue;
    out.push({ start, text: token });
  }
  return out;
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
  const byKind: Partial<Record<IdentifierKind, number>> = {};
  const byConfidence = { high: 0, medium: 0, low: 0 };
  const flows = new Map<string, HostFlow & { valueSet: Set<string>; exchangeSet: Set<number> }>();
  const withFindings = new Set<number>();
  const hosts = new Map<number, string>();
  for (const f of findings) {
    byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    byConfidence[f.confidence]++;
    withFindings.add(f.exchangeId);
    const exchange = capture.exchanges[f.exchangeId];
    let host = hosts.get(f.exchangeId);
    if (host === undefined) hosts.set(f.exchangeId, (host = exchangeHost(exchange)));
    const scheme = exchange.secure ? 'https' : 'http';
    const id = `${host}\u0000${scheme}\u0000${f.kind}`;
    let flow = flows.get(id);
    if (!flow) flows.set(id, (flow = { host, scheme, kind: f.kind, count: 0, values: [], exchangeIds: [], valueSet: new Set(), exchangeSet: new Set() }));
    flow.count++;
    flow.valueSet.add(f.value);
    flow.exchangeSet.add(f.exchangeId);
  }
  const list: HostFlow[] = [...flows.values()].map(({ valueSet, exchangeSet, ...flow }) => ({ ...flow, values: [...valueSet], exchangeIds: [...exchangeSet] })).sort((a, b) => a.host.localeCompare(b.host) || a.scheme.localeCompare(b.scheme) || a.kind.localeCompare(b.kind));
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

export function scanCapture(capture: Capture, options: ScanOptions = {}): ScanResult {
  const started = performance.now();
  const scanner = new Scanner(options);
  for (const exchange of capture.exchanges) scanner.scanExchange(exchange);
  scanner.finish(capture);
  scanner.stats.durationMs = performance.now() - started;
  return {
    findings: scanner.findings,
    limits: scanner.limits,
    summary: summarise(capture, scanner.findings, scanner.defaultRegion),
    stats: scanner.stats,
  };
}
