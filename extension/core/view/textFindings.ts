// Findings placed in the raw text of a file, for the text editor's decorations and hovers: where
// each validated finding of a capture sits in the capture's own JSON text, and (for any text, e.g.
// an app's source code) what the detectors, the known-value matcher and the decoders find in it.
//
// Cost: the entries (HAR `log.entries[i]`, tshark packets or EK lines) are located in one walk of
// the file; only entries with findings are then looked at, each searched within its own span (and
// within the part of the entry the finding is in), never the whole file per finding.
import { decodeField } from '../decode/index';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type TextLeaf } from '../decode/types';
import { detectIdentifiers } from '../detect/index';
import { KnownValueMatcher, knownMatchOf, type KnownValue } from '../detect/known';
import { readJsonEscape } from '../load/jsonEscape';
import { readKey, skipValue, skipWs } from '../load/jsonSkip';
import type { Capture, Confidence, Exchange, ExchangePart, Finding, IdentifierKind, KnownMatch } from '../model';
import { fieldsOf } from '../scan';
import { chainKey, isStructural } from './layers';
import { OffsetMap } from './offsets';

/** One finding as a text mark's hover shows it. */
export interface MarkFinding {
  kind: IdentifierKind;
  confidence: Confidence;
  /** Canonical value. */
  value: string;
  /** The text as it appeared in the decoded layer. */
  matchedText: string;
  chain: string[];
  /** Undefined for findings of arbitrary text (no capture). */
  exchangeId?: number;
  part?: ExchangePart;
  fieldPath?: string;
  detector: string;
  known?: KnownMatch;
  /** The finding of the capture scan this came from, for "Open in LeakLens" at it. */
  finding?: Finding;
}

/** A range of the text and what was found there. */
export interface TextMark {
  /** UTF-16 offsets in the text. */
  start: number;
  end: number;
  /**
   * The range is the encoded text the findings were decoded from (a base64 body, a JWT), not the
   * identifier as written.
   */
  encoded: boolean;
  /** For encoded ranges: the innermost decoded text (capped at MAX_DECODED_PREVIEW) and its chain. */
  decoded?: { text: string; chain: string[]; truncated: boolean };
  findings: MarkFinding[];
}

/** Where an exchange's source lies in the text (a HAR entry, or one of its tshark packets). */
export interface EntrySpan {
  exchangeId: number;
  start: number;
  end: number;
  /** The span a CodeLens goes on: the entry, or the exchange's request packet. */
  primary: boolean;
}

export interface CaptureTextMarks {
  marks: TextMark[];
  /** Sorted by start, not overlapping. */
  entries: EntrySpan[];
  /** Findings no range could be found for (the text no longer matches the capture, a tshark body only in hex). */
  unplaced: number;
  /** False when the text is not the capture's (compressed files) or its entries could not be read. */
  located: boolean;
  /** The time budget ran out: `unplaced` counts the findings not looked for. */
  timedOut: boolean;
}

export const MAX_DECODED_PREVIEW = 2000;
/** Occurrences of one needle marked within one part of one entry. */
const MAX_OCCURRENCES = 64;
/** Longest needle searched for (a whole body): longer ones are never shown as one range anyway. */
const MAX_NEEDLE = 8 * 1024 * 1024;

const JSONP_PREFIX = /^\s*[A-Za-z_$][\w$.]*\s*\(/;

// ---- entries ----------------------------------------------------------------------------------

/** Members of the object at `at`: name → value span (the last of a repeated key, as JSON.parse keeps). */
function members(text: string, at: number, end: number): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  let i = skipWs(text, at);
  if (text.charCodeAt(i) !== 0x7b) return out;
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === 0x7d) return out;
  while (i < end) {
    const member = readKey(text, i);
    if (!member) return out;
    const valueEnd = skipValue(text, member.valueAt);
    if (valueEnd < 0) return out;
    out.set(member.name, { start: member.valueAt, end: valueEnd });
    i = skipWs(text, valueEnd);
    if (text.charCodeAt(i) !== 0x2c) return out;
    i = skipWs(text, i + 1);
  }
  return out;
}

/** Spans of the elements of the array at `at`. */
function elements(text: string, at: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let i = skipWs(text, at);
  if (text.charCodeAt(i) !== 0x5b) return out;
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === 0x5d) return out;
  for (;;) {
    const end = skipValue(text, i);
    if (end < 0) return out;
    out.push({ start: i, end });
    i = skipWs(text, end);
    if (text.charCodeAt(i) !== 0x2c) return out;
    i = skipWs(text, i + 1);
  }
}

/** Where the HAR's `log.entries` array starts, or -1. */
function harEntriesAt(text: string): number {
  const base = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let doc = skipWs(text, base);
  if (text.charCodeAt(doc) !== 0x7b) {
    const jsonp = JSONP_PREFIX.exec(text.slice(doc, doc + 256));
    if (!jsonp) return -1;
    doc = skipWs(text, doc + jsonp[0].length);
  }
  const log = members(text, doc, text.length).get('log');
  if (!log) return -1;
  return members(text, log.start, log.end).get('entries')?.start ?? -1;
}

/** Frame number written in a tshark packet's text, or undefined. */
function frameNumberIn(text: string, span: { start: number; end: number }, field: string): number | undefined {
  // Within the packet only: a packet without the field must not send the search to the end of the file.
  const inPacket = text.slice(span.start, span.end).indexOf(field);
  if (inPacket === -1) return undefined;
  const at = span.start + inPacket;
  const m = /^"\s*:\s*"?(\d{1,12})/.exec(text.slice(at + field.length - 1, at + field.length + 24));
  return m ? Number(m[1]) : undefined;
}

interface Located {
  entries: EntrySpan[];
  /** Exchange id → the spans its findings are searched in. */
  spansOf: (exchangeId: number) => { start: number; end: number }[];
}

function locateAll(text: string, capture: Capture): Located | undefined {
  const wrappers = capture.source.wrappers;
  if (wrappers.includes('zlib') || wrappers.includes('gzip')) return undefined;
  const entries: EntrySpan[] = [];
  const byExchange = new Map<number, { start: number; end: number }[]>();
  const add = (exchangeId: number, span: { start: number; end: number }, primary: boolean): void => {
    entries.push({ exchangeId, start: span.start, end: span.end, primary });
    let list = byExchange.get(exchangeId);
    if (!list) byExchange.set(exchangeId, (list = []));
    list.push(span);
  };
  if (capture.format === 'har') {
    const at = harEntriesAt(text);
    if (at < 0) return undefined;
    const spans = elements(text, at);
    for (const exchange of capture.exchanges) {
      if (exchange.origin.kind !== 'har-entry') continue;
      const span = spans[exchange.origin.entryIndex];
      if (span) add(exchange.id, span, true);
    }
  } else {
    let packets: { start: number; end: number }[];
    let field: string;
    if (capture.format === 'tshark-ek') {
      // packetIndex is the 1-based line (split at \n) of the packet, as the loader counts.
      packets = [];
      const base = text.charCodeAt(0) === 0xfeff ? 1 : 0;
      for (let from = base; from <= text.length; ) {
        const nl = text.indexOf('\n', from);
        const end = nl === -1 ? text.length : nl;
        packets.push({ start: from, end });
        if (nl === -1) break;
        from = nl + 1;
      }
      field = '"frame_frame_number"';
    } else {
      packets = elements(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
      field = '"frame.number"';
    }
    const ek = capture.format === 'tshark-ek';
    // Frame numbers as written; a packet without one counts by its position, as the loader does.
    const byFrame = new Map<number, number>();
    const wanted = new Set<number>();
    for (const x of capture.exchanges) if (x.origin.kind === 'tshark-frames') for (const f of x.origin.frames) wanted.add(f);
    packets.forEach((span, index) => {
      const frame = frameNumberIn(text, span, field);
      if (frame !== undefined && wanted.has(frame) && !byFrame.has(frame)) byFrame.set(frame, index);
    });
    for (const exchange of capture.exchanges) {
      const origin = exchange.origin;
      if (origin.kind !== 'tshark-frames') continue;
      const requestAt = ek ? origin.packetIndex - 1 : origin.packetIndex;
      const seen = new Set<number>();
      if (packets[requestAt]) {
        add(exchange.id, packets[requestAt], true);
        seen.add(requestAt);
      }
      for (const frame of origin.frames) {
        const index = byFrame.get(frame);
        if (index === undefined || seen.has(index)) continue;
        seen.add(index);
        add(exchange.id, packets[index], false);
      }
    }
  }
  entries.sort((a, b) => a.start - b.start || (a.primary === b.primary ? 0 : a.primary ? -1 : 1));
  // A packet shared by two exchanges (two requests in one segment) is listed once, for the first.
  const unique = entries.filter((e, i) => i === 0 || e.start >= entries[i - 1].end);
  return { entries: unique, spansOf: (id) => byExchange.get(id) ?? [] };
}

/** The entry the offset lies in, or undefined (between entries, outside the entries array). */
export function entryAt(entries: readonly EntrySpan[], offset: number): EntrySpan | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = entries[mid];
    if (offset < e.start) hi = mid - 1;
    else if (offset >= e.end) lo = mid + 1;
    else return e;
  }
  return undefined;
}

// ---- searching inside an entry ------------------------------------------------------------------

/** A span of the text with every JSON escape undone, and the map back. */
interface Unescaped {
  text: string;
  map: OffsetMap;
  start: number;
}

/**
 * The span's text with JSON escapes undone. Outside strings valid JSON has no backslash, so
 * every backslash from a value's start on begins an escape: one forward pass, no tokenizing.
 */
function unescapeSpan(text: string, start: number, end: number): Unescaped {
  const map = new OffsetMap();
  const parts: string[] = [];
  let length = 0;
  let from = start;
  for (;;) {
    const backslash = text.indexOf('\\', from);
    if (backslash === -1 || backslash >= end) break;
    const escape = readJsonEscape(text, backslash);
    if (!escape || escape.next > end) break;
    if (backslash > from) {
      map.piece(length, from - start, true);
      parts.push(text.slice(from, backslash));
      length += backslash - from;
    }
    map.piece(length, backslash - start, false);
    parts.push(escape.value);
    length += escape.value.length;
    from = escape.next;
  }
  if (from < end) {
    map.piece(length, from - start, true);
    parts.push(text.slice(from, end));
    length += end - from;
  }
  return { text: parts.join(''), map: map.finish(length, end - start), start };
}

/** HAR entry members each part's fields are written under (the url twice: as sent, and parsed). */
const HAR_PLACES: Record<ExchangePart, readonly (readonly [string, string])[]> = {
  url: [['request', 'url']],
  query: [['request', 'queryString'], ['request', 'url']],
  request_header: [['request', 'headers']],
  request_cookie: [['request', 'cookies'], ['request', 'headers']],
  request_body: [['request', 'postData']],
  response_header: [['response', 'headers']],
  response_cookie: [['response', 'cookies'], ['response', 'headers']],
  response_body: [['response', 'content']],
};

/** One exchange's text, searched part by part; every search result is kept for the next finding. */
class EntrySearch {
  private readonly unescaped = new Map<string, Unescaped>();
  private readonly found = new Map<string, { start: number; end: number }[]>();
  private harMembers: Map<string, Map<string, { start: number; end: number }>> | undefined;
  private fields: ReturnType<typeof fieldsOf> | undefined;
  private readonly leaves = new Map<string, TextLeaf[]>();

  constructor(
    private readonly text: string,
    private readonly capture: Capture,
    readonly exchange: Exchange,
    private readonly spans: readonly { start: number; end: number }[],
    private readonly limits: DecodeLimits,
  ) {}

  /** The spans a part's findings are looked for in, most specific first; the whole entry last. */
  private regions(part: ExchangePart): { start: number; end: number }[] {
    const out: { start: number; end: number }[] = [];
    if (this.capture.format === 'har' && this.spans.length === 1) {
      if (!this.harMembers) {
        const entry = members(this.text, this.spans[0].start, this.spans[0].end);
        this.harMembers = new Map();
        for (const side of ['request', 'response']) {
          const span = entry.get(side);
          if (span) this.harMembers.set(side, members(this.text, span.start, span.end));
        }
      }
      for (const [side, name] of HAR_PLACES[part]) {
        const span = this.harMembers.get(side)?.get(name);
        if (span) out.push(span);
      }
    }
    return out;
  }

  private search(span: { start: number; end: number }, needle: string): { start: number; end: number }[] {
    const key = `${span.start}:${span.end}\u0000${needle}`;
    let hits = this.found.get(key);
    if (hits) return hits;
    hits = [];
    const spanKey = `${span.start}:${span.end}`;
    let u = this.unescaped.get(spanKey);
    if (!u) this.unescaped.set(spanKey, (u = unescapeSpan(this.text, span.start, span.end)));
    for (let at = u.text.indexOf(needle); at !== -1 && hits.length < MAX_OCCURRENCES; at = u.text.indexOf(needle, at + 1)) {
      // `46001` inside the IMSI 460010886207782 is not the operator code sent on its own.
      if (cutsWord(u.text, at, at + needle.length)) continue;
      hits.push({ start: u.start + u.map.map(at), end: u.start + u.map.map(at + needle.length, true) });
    }
    this.found.set(key, hits);
    return hits;
  }

  /** Occurrences of the first needle found in the part's places, else in the whole entry. */
  find(part: ExchangePart, needles: readonly Needle[]): { hits: { start: number; end: number }[]; needle: Needle } | undefined {
    const regions = this.regions(part);
    for (const needle of needles) {
      if (needle.text.length === 0 || needle.text.length > MAX_NEEDLE) continue;
      const hits: { start: number; end: number }[] = [];
      for (const region of regions) hits.push(...this.search(region, needle.text));
      if (hits.length > 0) return { hits, needle };
    }
    for (const needle of needles) {
      if (needle.text.length === 0 || needle.text.length > MAX_NEEDLE) continue;
      const hits: { start: number; end: number }[] = [];
      for (const span of this.spans) hits.push(...this.search(span, needle.text));
      if (hits.length > 0) return { hits, needle };
    }
    return undefined;
  }

  /** The field's decoded texts (decoded once per field). */
  leavesOf(finding: Finding): TextLeaf[] {
    const key = `${finding.part}\u0000${finding.fieldPath}`;
    let leaves = this.leaves.get(key);
    if (leaves) return leaves;
    leaves = [];
    const field = this.fieldOf(finding);
    if (field) leaves = decodeField(field.input, this.limits).leaves;
    this.leaves.set(key, leaves);
    return leaves;
  }

  fieldOf(finding: Finding): ReturnType<typeof fieldsOf>[number] | undefined {
    this.fields ??= fieldsOf(this.exchange);
    return this.fields.find((f) => f.part === finding.part && f.fieldPath === finding.fieldPath);
  }
}

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** The match starts or ends inside a longer run of letters and digits. */
function cutsWord(text: string, start: number, end: number): boolean {
  return (
    (start > 0 && isWordCode(text.charCodeAt(start)) && isWordCode(text.charCodeAt(start - 1))) ||
    (end < text.length && isWordCode(text.charCodeAt(end - 1)) && isWordCode(text.charCodeAt(end)))
  );
}

interface Needle {
  text: string;
  /** The needle is an encoded source, not the identifier. */
  encoded: boolean;
}

/** The texts a field holds as the capture file writes it: its text, or a body as text and as base64. */
function rawTexts(search: EntrySearch, finding: Finding): string[] {
  const field = search.fieldOf(finding);
  if (!field) return [];
  if (field.input.text !== undefined) return [field.input.text];
  const bytes = field.input.bytes;
  if (!bytes || bytes.length === 0 || bytes.length > MAX_NEEDLE) return [];
  const out: string[] = [];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const utf8 = text.toString('utf8');
  if (!utf8.includes('\ufffd')) out.push(utf8);
  out.push(text.toString('base64'));
  return out;
}

function firstTransform(chain: readonly string[]): number {
  return chain.findIndex((step) => !isStructural(step));
}

function lastTransform(chain: readonly string[]): number {
  for (let i = chain.length - 1; i >= 0; i--) if (!isStructural(chain[i])) return i;
  return -1;
}

/** The needles for a finding, in the order they are tried. */
function needlesOf(search: EntrySearch, finding: Finding): Needle[] {
  const needles: Needle[] = [];
  const first = firstTransform(finding.chain);
  if (first === -1) {
    const m = finding.matchedText;
    needles.push({ text: m, encoded: false });
    // A form or query value is written URL-encoded in the body or URL.
    const encoded = encodeURIComponent(m);
    if (encoded !== m) needles.push({ text: encoded, encoded: false }, { text: encoded.replace(/%20/g, '+'), encoded: false });
  } else if (first > 0) {
    const prefix = chainKey(finding.chain, first);
    const source = search.leavesOf(finding).find((leaf) => chainKey(leaf.chain) === prefix);
    if (source) needles.push({ text: source.text, encoded: true });
  }
  for (const raw of rawTexts(search, finding)) needles.push({ text: raw, encoded: true });
  // The producer may have written the decoded form too (tshark shows a gzip body inflated).
  if (first !== -1) needles.push({ text: finding.matchedText, encoded: false });
  return needles;
}

/** The innermost decoded text of an encoded finding, for the hover. */
function decodedOf(search: EntrySearch, finding: Finding): TextMark['decoded'] {
  const last = lastTransform(finding.chain);
  if (last === -1) return undefined;
  const key = chainKey(finding.chain, last + 1);
  const leaf = search.leavesOf(finding).find((l) => chainKey(l.chain) === key);
  if (!leaf) return undefined;
  return preview(leaf.text, finding.chain.slice(0, last + 1));
}

function preview(text: string, chain: string[]): NonNullable<TextMark['decoded']> {
  const truncated = text.length > MAX_DECODED_PREVIEW;
  return { text: truncated ? text.slice(0, MAX_DECODED_PREVIEW) : text, chain, truncated };
}

export function markFindingOf(finding: Finding): MarkFinding {
  const m: MarkFinding = {
    kind: finding.kind, confidence: finding.confidence, value: finding.value, matchedText: finding.matchedText, chain: finding.chain,
    exchangeId: finding.exchangeId, part: finding.part, fieldPath: finding.fieldPath, detector: finding.detector, finding,
  };
  if (finding.known) m.known = finding.known;
  return m;
}

/** Marks keyed by range; findings at one range are listed once each. */
class MarkSet {
  private readonly byRange = new Map<string, { mark: TextMark; keys: Set<string> }>();

  add(start: number, end: number, encoded: boolean, finding: MarkFinding, decoded?: TextMark['decoded']): void {
    const rangeKey = `${start}:${end}`;
    let entry = this.byRange.get(rangeKey);
    if (!entry) {
      const mark: TextMark = { start, end, encoded, findings: [] };
      this.byRange.set(rangeKey, (entry = { mark, keys: new Set() }));
    }
    if (decoded && !entry.mark.decoded) entry.mark.decoded = decoded;
    const key = `${finding.kind}\u0000${finding.value}\u0000${finding.chain.join('\u0001')}\u0000${finding.exchangeId ?? -1}\u0000${finding.part ?? ''}\u0000${finding.fieldPath ?? ''}\u0000${finding.matchedText}\u0000${finding.detector}`;
    if (entry.keys.has(key)) return;
    entry.keys.add(key);
    entry.mark.findings.push(finding);
  }

  /** Sorted by start, then longer first. */
  list(): TextMark[] {
    return [...this.byRange.values()].map((e) => e.mark).sort((a, b) => a.start - b.start || b.end - a.end);
  }
}

export interface CaptureTextOptions {
  limits?: DecodeLimits;
  /**
   * Time placing may take (ms, from the first place()); the findings left then are counted
   * unplaced and `timedOut` says so. Many distinct values in one large body cost a search each.
   */
  timeBudgetMs?: number;
}

/**
 * Ranges in `text` (the capture file as the editor shows it) for the findings of the capture's
 * scan: the identifier where the file writes it (JSON escapes undone), or for a finding exposed by
 * decoding (base64 → gzip → json) the encoded string the decoding started from. The entries are
 * located when it is made; findings are then placed in slices (`place`), so a caller can yield
 * between slices on a large capture.
 */
export class CaptureTextPlacement {
  private readonly located: Located | undefined;
  private readonly marks = new MarkSet();
  private readonly limits: DecodeLimits;
  private unplaced = 0;
  private timedOut = false;
  private deadline: number | undefined;
  private readonly timeBudgetMs: number;
  private search: EntrySearch | undefined;

  constructor(
    private readonly text: string,
    private readonly capture: Capture,
    options: CaptureTextOptions = {},
  ) {
    this.located = locateAll(text, capture);
    this.limits = options.limits ?? DEFAULT_DECODE_LIMITS;
    this.timeBudgetMs = options.timeBudgetMs ?? Infinity;
  }

  /** Place findings (in the scan's order: grouped by exchange, which keeps each entry's searches together). */
  place(findings: readonly Finding[]): void {
    const located = this.located;
    if (!located) {
      this.unplaced += findings.length;
      return;
    }
    this.deadline ??= performance.now() + this.timeBudgetMs;
    for (let i = 0; i < findings.length; i++) {
      if (this.timedOut || (i % 64 === 0 && performance.now() > this.deadline)) {
        this.timedOut = true;
        this.unplaced += findings.length - i;
        return;
      }
      const finding = findings[i];
      let search = this.search;
      if (search?.exchange.id !== finding.exchangeId) {
        const exchange = this.capture.exchanges[finding.exchangeId];
        const spans = located.spansOf(finding.exchangeId);
        search = this.search = exchange && spans.length > 0 ? new EntrySearch(this.text, this.capture, exchange, spans, this.limits) : undefined;
      }
      const found = search?.find(finding.part, needlesOf(search, finding));
      if (!search || !found) {
        this.unplaced++;
        continue;
      }
      const decoded = found.needle.encoded ? decodedOf(search, finding) : undefined;
      const item = markFindingOf(finding);
      for (const hit of found.hits) this.marks.add(hit.start, hit.end, found.needle.encoded, item, decoded);
    }
  }

  result(): CaptureTextMarks {
    if (!this.located) return { marks: [], entries: [], unplaced: this.unplaced, located: false, timedOut: this.timedOut };
    return { marks: this.marks.list(), entries: this.located.entries, unplaced: this.unplaced, located: true, timedOut: this.timedOut };
  }
}

/** All findings placed at once (see CaptureTextPlacement). */
export function captureTextMarks(text: string, capture: Capture, findings: readonly Finding[], options: CaptureTextOptions = {}): CaptureTextMarks {
  const placement = new CaptureTextPlacement(text, capture, options);
  placement.place(findings);
  return placement.result();
}

// ---- arbitrary text -----------------------------------------------------------------------------

export interface PlainTextOptions {
  known?: readonly KnownValue[];
  /** ISO region for national phone numbers (US when absent, as the detectors default). */
  region?: string;
  limits?: DecodeLimits;
  /** Most base64-looking tokens decoded (the rest are left alone). */
  maxTokens?: number;
}

export interface PlainTextMarks {
  marks: TextMark[];
  /** Tokens decoded, and whether the cap stopped it. */
  tokensDecoded: number;
  tokensCapped: boolean;
}

/** base64 / base64url tokens worth handing the decoders (the decoders judge plausibility themselves). */
const TOKEN = /[A-Za-z0-9+/_-]{11}[A-Za-z0-9+/_-]+={0,2}/g;
const DEFAULT_MAX_TOKENS = 5000;
/** Decoding one token is bounded tighter than a capture field: a document can hold thousands. */
const TOKEN_LIMITS: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, maxOutputBytes: 1024 * 1024, maxTimeMs: 200, maxLeaves: 5000 };

/**
 * What the scan would find in `text` were it a captured value: identifiers (with the keys written
 * inline before them), the researcher's known values in all their forms, and base64 tokens decoded,
 * each token marked with its decoded text and what the detectors found in it.
 */
export function plainTextMarks(text: string, options: PlainTextOptions = {}): PlainTextMarks {
  const marks = new MarkSet();
  const matcher = options.known && options.known.length > 0 ? new KnownValueMatcher(options.known) : undefined;
  for (const d of detectIdentifiers(text, undefined, options.region)) {
    marks.add(d.start, d.end, false, { kind: d.kind, confidence: d.confidence, value: d.value, matchedText: d.matchedText, chain: [], detector: d.detector });
  }
  if (matcher) {
    for (const hit of matcher.match(text)) {
      marks.add(hit.start, hit.end, false, { kind: hit.kind, confidence: 'high', value: hit.canonical, matchedText: hit.matchedText, chain: [], detector: 'known-value', known: knownMatchOf(hit) });
    }
  }
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const limits = options.limits ?? TOKEN_LIMITS;
  const tried = new Map<string, { findings: MarkFinding[]; decoded?: TextMark['decoded'] }>();
  let tokensCapped = false;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const token = m[0];
    let outcome = tried.get(token);
    if (!outcome) {
      if (tried.size >= maxTokens) {
        tokensCapped = true;
        break;
      }
      outcome = decodeToken(token, matcher, options.region, limits);
      tried.set(token, outcome);
    }
    if (!outcome.decoded) continue;
    const start = m.index;
    const end = start + token.length;
    if (outcome.findings.length === 0) {
      // Decoded to text but nothing found in it: still worth a hover (the decoded text).
      marks.add(start, end, true, { kind: 'known_value', confidence: 'low', value: '', matchedText: '', chain: outcome.decoded.chain, detector: 'decoded' }, outcome.decoded);
      continue;
    }
    for (const f of outcome.findings) marks.add(start, end, true, f, outcome.decoded);
  }
  // The decoded-only placeholder is not a finding: marks carry an empty findings list instead.
  const list = marks.list();
  for (const mark of list) mark.findings = mark.findings.filter((f) => f.detector !== 'decoded');
  return { marks: list, tokensDecoded: tried.size, tokensCapped };
}

function decodeToken(token: string, matcher: KnownValueMatcher | undefined, region: string | undefined, limits: DecodeLimits): { findings: MarkFinding[]; decoded?: TextMark['decoded'] } {
  const leaves = decodeField({ text: token }, limits).leaves.filter((leaf) => leaf.chain.length > 0 && leaf.chain[0].startsWith('base64'));
  if (leaves.length === 0) return { findings: [] };
  const findings: MarkFinding[] = [];
  let innermost: TextLeaf | undefined;
  for (const leaf of leaves) {
    if (!isStructural(leaf.chain[leaf.chain.length - 1]) && (!innermost || leaf.chain.length > innermost.chain.length)) innermost = leaf;
    for (const d of detectIdentifiers(leaf.text, leaf.key, region)) {
      findings.push({ kind: d.kind, confidence: d.confidence, value: d.value, matchedText: d.matchedText, chain: leaf.chain, detector: d.detector });
    }
    if (matcher) {
      for (const hit of matcher.match(leaf.text)) {
        findings.push({ kind: hit.kind, confidence: 'high', value: hit.canonical, matchedText: hit.matchedText, chain: leaf.chain, detector: 'known-value', known: knownMatchOf(hit) });
      }
    }
  }
  if (!innermost) return { findings: [] };
  return { findings: withoutRawCopies(findings), decoded: preview(innermost.text, innermost.chain) };
}

/**
 * A value found in a structured leaf (`base64 → json:$.imei`) is also in the raw text of the layer
 * that holds it (`base64`): keep the structured one, which says where it sits, as the scan does.
 */
function withoutRawCopies(findings: MarkFinding[]): MarkFinding[] {
  const chainText = (chain: readonly string[]) => chain.join('\u0000');
  const structured = new Set<string>();
  for (const f of findings) {
    if (f.chain.length > 1 && isStructural(f.chain[f.chain.length - 1])) structured.add(`${f.kind}\u0000${f.value}\u0000${chainText(f.chain.slice(0, -1))}`);
  }
  return findings.filter((f) => !structured.has(`${f.kind}\u0000${f.value}\u0000${chainText(f.chain)}`));
}
