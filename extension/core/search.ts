// Search over a capture for the request table: which exchanges match a search text. Generic (no
// protocol, no vscode): the answer is a membership bitmap over exchange ids.
//
// What a search text means (the webview's placeholder says the same, shorter):
//  - Whitespace separates terms; an exchange matches when it matches EVERY term. Case is ignored.
//  - `"a quoted phrase"` is one term, spaces included, matched exactly (never fuzzily).
//    An unterminated quote runs to the end of the text.
//  - `host:foo` (or `host:"foo"`) matches exchanges whose host, as exchangeHost() gives it,
//    contains foo. Exact, never fuzzy.
//  - Any other term matches when it is a substring of one of the exchange's texts:
//      the host; the URL as captured and, when it has %-escapes, URL-decoded; every request and
//      response header line as `name: value` (cookies are header lines; `name=value` when a
//      producer gave cookies without their header), plus what its value decodes to (base64,
//      JWT, …); what query parameter and cookie values decode to; the response MIME type;
//      request and response bodies: their text and every decoded layer core/decode
//      finds (Content-Encoding, gzip/zlib, base64, hex, URL-encoding, form fields, JSON strings
//      with escapes, multipart parts, protobuf strings, readable runs of binary bodies). Layers
//      that are literal slices of their parent (a JSON value without escapes) are not repeated.
//  - Fuzzy, only as a fallback: a bare term of MIN_FUZZY_LENGTH..MAX_FUZZY_LENGTH characters that
//    is a substring of nothing in the whole capture is taken as a typo (Fuse bitap,
//    FUZZY_THRESHOLD: about one edit per four characters). It then matches exchanges that hold one
//    of the MAX_FUZZY_WORDS closest words (words: runs of letters, digits and `_`, 3–32 long,
//    mostly letters) or, anywhere inside, one of the closest host names. A term that matches
//    exactly is never widened, so `imei` never also shows `imsi`.
//
// How: every distinct text (header lines, bodies, … repeat a lot) is stored once, lower-cased, in a
// few large strings ("chunks", one-byte and two-byte text apart so Latin-1 text stays compact),
// separated by NUL, with a posting list of the exchanges holding it. A term is one native
// indexOf pass over the chunks (jumping to the next text after each hit), or, when it extends a
// term searched before (typing), a check of that term's matching texts only. Terms' results are
// cached (LRU). Fuzzy matching runs Fuse over the distinct words of the same length ± the edits
// allowed, so each call sees a few thousand short strings, never the bodies.
//
// Bounds (capture content is hostile; what is not indexed is not found):
//  - MAX_FIELD_CHARS per field text (raw value, then its decoded layers): a 10 MB URL or body is
//    searchable in its first 256 Ki characters;
//  - MAX_FIELDS_PER_EXCHANGE fields per exchange (header lines, cookies, decoded query values;
//    100k headers: the first 4,096);
//  - MAX_INDEXED_CHARS in all; past it, further texts are not indexed (stats.truncated says so);
//  - decoding with INDEX_DECODE_LIMITS (tighter than the scan's);
//  - words for fuzzy matching from the first MAX_WORD_SOURCE_CHARS of each text, at most
//    MAX_WORDS distinct words and MAX_WORD_POSTINGS word occurrences;
//  - MAX_TERMS terms per search (the rest are ignored).
// No regular expression here runs over capture text except single character classes.
import Fuse from 'fuse.js';
import { decodeField, nothingToDecode } from './decode/index';
import type { DecodeLimits, TextLeaf } from './decode/types';
import { urlDecodedView } from './decode/url';
import type { Body, Capture, Exchange, NameValue } from './model';
import { exchangeHost, headerValues, isHeaderNamed } from './model';

export const MAX_FIELD_CHARS = 256 * 1024;
export const MAX_FIELDS_PER_EXCHANGE = 4096;
export const MAX_INDEXED_CHARS = 192 * 1024 * 1024;
export const MAX_WORD_SOURCE_CHARS = 64 * 1024;
export const MAX_WORDS = 200_000;
export const MAX_WORD_POSTINGS = 8_000_000;
export const MAX_TERMS = 16;
export const MIN_FUZZY_LENGTH = 4;
export const MAX_FUZZY_LENGTH = 32;
export const MAX_FUZZY_WORDS = 8;
/** Fuse score bound: errors / term length. 0.25 allows 1 edit in 4–7 characters, 2 in 8–11, … */
export const FUZZY_THRESHOLD = 0.25;
/** Most host names the fuzzy pass looks inside. */
export const MAX_FUZZY_HOSTS = 10_000;

/** Decoding for the index: like the scan's, but a field may cost less (the index is built on demand). */
export const INDEX_DECODE_LIMITS: DecodeLimits = {
  maxOutputBytes: 4 * 1024 * 1024,
  maxDepth: 8,
  maxRatio: 50,
  maxTimeMs: 200,
  maxLeaves: 4096,
};

/** Texts joined into one chunk string until it holds about this many characters. */
const CHUNK_CHARS = 16 * 1024 * 1024;
/** Longer texts are not deduplicated by content (V8 hashes long strings by length only). */
const MAX_KEY_CHARS = 16 * 1024;
const TERM_CACHE = 48;
const SEP = '\u0000';

/** Kinds of indexed text; texts are deduplicated within a kind. */
const enum Kind {
  Host,
  Url,
  Header,
  Query,
  Mime,
  Body,
}
const KIND_COUNT = 6;

export interface SearchTerm {
  /** Lower-cased, without NUL. */
  text: string;
  /** Quoted: substring only, never fuzzy. */
  exact: boolean;
  /** `host:` terms look at the host only. */
  field: 'any' | 'host';
}

/**
 * Terms of a search text: whitespace-separated, `"quoted phrases"`, `host:` prefixes; lower-cased,
 * duplicates removed, at most MAX_TERMS. Linear in the text.
 */
export function parseSearch(text: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  const seen = new Set<string>();
  const n = text.length;
  let i = 0;
  while (i < n && terms.length < MAX_TERMS) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    let field: SearchTerm['field'] = 'any';
    if (text.slice(i, i + 5).toLowerCase() === 'host:') {
      field = 'host';
      i += 5;
    }
    let raw: string;
    let exact = false;
    if (text.charCodeAt(i) === 0x22) {
      const close = text.indexOf('"', i + 1);
      const end = close === -1 ? n : close;
      raw = text.slice(i + 1, end);
      exact = true;
      i = end + 1;
    } else {
      const start = i;
      while (i < n && !isSpace(text.charCodeAt(i))) i++;
      raw = text.slice(start, i);
    }
    const term = raw.split(SEP).join('').toLowerCase();
    if (term === '') continue;
    const key = `${field}|${exact ? 1 : 0}|${term}`;
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push({ text: term, exact, field });
  }
  return terms;
}

/** The same string for search texts with the same terms (in any order): a cache key. */
export function canonicalSearch(text: string): string {
  const terms = parseSearch(text).map((t) => `${t.field}|${t.exact ? 1 : 0}|${t.text}`);
  terms.sort();
  return terms.join(SEP);
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x3000 || c === 0xfeff || (c >= 0x2000 && c <= 0x200b);
}

export interface SearchMatch {
  /** 1 for each exchange (by id) that matches every term; undefined when there are no terms: all match. */
  bitmap: Uint8Array | undefined;
  /** Exchanges that match. */
  count: number;
  terms: SearchTerm[];
  /** Terms found nowhere exactly and matched fuzzily, with the words they were taken for. */
  fuzzy: { term: string; words: string[] }[];
  /** Time the search took, including building the index if it had not been built. */
  ms: number;
}

export interface SearchIndexOptions {
  /**
   * Index each distinct text once, however many exchanges hold it (default true). Off only to
   * measure a capture whose content never repeats.
   */
  reuse?: boolean;
}

export interface SearchOptions {
  /** Fall back to fuzzy matching for terms found nowhere (default true). */
  fuzzy?: boolean;
}

export interface SearchIndexStats {
  /** Time spent building, over all prepare() calls. */
  buildMs: number;
  exchanges: number;
  /** Distinct texts indexed. */
  texts: number;
  /** Characters indexed (after deduplication). */
  chars: number;
  /** (text, exchange) pairs. */
  postings: number;
  /** Distinct words for the fuzzy pass, and their occurrences. */
  words: number;
  wordPostings: number;
  /** Bytes the built index holds (text at 1 or 2 bytes a character, typed arrays, words); 0 before it is built. */
  bytes: number;
  /** What the caps left out. */
  truncated: { fieldsCut: number; fieldsDropped: number; textsDropped: number; wordsDropped: number };
}

interface Chunk {
  text: string;
  /** Start of each text; one more entry: text.length + 1. */
  starts: Int32Array;
  /** Text id of each text. */
  ids: Int32Array;
  /** Holds characters above U+00FF (two bytes each). */
  wide: boolean;
}

/** A growable Int32Array. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Compressed sparse rows: the list of `row` is values[start[row] .. start[row + 1]). */
interface Postings {
  start: Int32Array;
  values: Int32Array;
}

/** (row, value) pairs, given in any row order, grouped by row keeping their order. */
function postingsOf(rows: IntList, values: IntList, rowCount: number): Postings {
  const start = new Int32Array(rowCount + 1);
  const r = rows.data;
  const n = rows.length;
  for (let i = 0; i < n; i++) start[r[i] + 1]++;
  for (let i = 0; i < rowCount; i++) start[i + 1] += start[i];
  const fill = start.slice(0, rowCount);
  const out = new Int32Array(n);
  const v = values.data;
  for (let i = 0; i < n; i++) out[fill[r[i]]++] = v[i];
  return { start, values: out };
}

/** Appends texts and cuts them into chunks of about CHUNK_CHARS. */
class ChunkWriter {
  readonly chunks: Chunk[] = [];
  constructor(private readonly wide: boolean) {}

  private parts: string[] = [];
  private ids: number[] = [];
  private chars = 0;

  add(id: number, text: string): void {
    this.parts.push(text);
    this.ids.push(id);
    this.chars += text.length + 1;
    if (this.chars >= CHUNK_CHARS) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const starts = new Int32Array(this.parts.length + 1);
    let at = 0;
    for (let i = 0; i < this.parts.length; i++) {
      starts[i] = at;
      at += this.parts[i].length + 1;
    }
    starts[this.parts.length] = at;
    this.chunks.push({ text: this.parts.join(SEP), starts, ids: Int32Array.from(this.ids), wide: this.wide });
    this.parts = [];
    this.ids = [];
    this.chars = 0;
  }
}

const NOT_LATIN1 = /[\u0100-\uffff]/;
const latin1 = new TextDecoder('latin1');

/** Layers of a field that are worth indexing: not empty, not a literal slice of their parent layer. */
class LayerText {
  private readonly parts: string[] = [];
  private chars = 0;
  cut = false;
  /** Flags of each text layer by chain: 1 has a backslash, 2 has % or +. */
  private readonly layers = new Map<string, number>();
  private readonly seen = new Set<string>();

  constructor(private readonly budget: number) {}

  get full(): boolean {
    return this.chars >= this.budget;
  }

  /** Add a text (the raw value, or a leaf). */
  add(text: string): void {
    if (text === '' || this.full) return;
    if (text.length <= 1024) {
      if (this.seen.has(text)) return;
      this.seen.add(text);
    }
    let piece = text;
    const room = this.budget - this.chars;
    if (piece.length > room) {
      piece = sliceChars(piece, room);
      this.cut = true;
    }
    this.parts.push(piece);
    this.chars += piece.length + 1;
  }

  leaves(leaves: readonly TextLeaf[], skipRaw: boolean): void {
    for (const leaf of leaves) {
      if (this.full) {
        this.cut = true;
        return;
      }
      const chain = leaf.chain;
      const key = chain.length === 0 ? '' : chain.join('\u0001');
      const text = leaf.text;
      this.layers.set(key, (text.indexOf('\\') !== -1 ? 1 : 0) | (text.indexOf('%') !== -1 || text.indexOf('+') !== -1 ? 2 : 0));
      if (chain.length === 0) {
        if (!skipRaw) this.add(text);
        continue;
      }
      const parent = this.layers.get(chain.length === 1 ? '' : chain.slice(0, -1).join('\u0001'));
      if (parent !== undefined && isLiteralSlice(chain[chain.length - 1], leaf, parent)) continue;
      this.add(text);
    }
  }

  text(): string {
    return this.parts.join(SEP);
  }

  get empty(): boolean {
    return this.parts.length === 0;
  }
}

/** A structural step whose text appears as it is in its parent's text. */
function isLiteralSlice(step: string, leaf: TextLeaf, parentFlags: number): boolean {
  if (step.startsWith('json:')) return leaf.unquoted === true || (parentFlags & 1) === 0;
  if (step.startsWith('form:')) return (parentFlags & 2) === 0;
  return step.startsWith('multipart:');
}

/** At most `max` UTF-16 units, not splitting a surrogate pair. */
function sliceChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const c = text.charCodeAt(end - 1);
  if (end > 0 && c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end);
}

/** Builds the index, an exchange at a time (so prepare() can stop and resume). */
class Builder {
  cursor = 0;
  private readonly seen: Map<string, number>[] = [];
  private readonly bodies = new Map<Uint8Array, { context: string; id: number }>();
  private readonly bodyTexts = new Map<string, Map<string, number>>();
  readonly one = new ChunkWriter(false);
  readonly two = new ChunkWriter(true);
  readonly pairText = new IntList(1 << 16);
  readonly pairExchange = new IntList(1 << 16);
  private lastExchange = new IntList(1 << 12);
  readonly hostTexts = new IntList(64);
  texts = 0;
  chars = 0;
  readonly truncated = { fieldsCut: 0, fieldsDropped: 0, textsDropped: 0, wordsDropped: 0 };
  private exchange = 0;
  private fields = 0;

  constructor(
    private readonly capture: Capture,
    private readonly reuse: boolean,
  ) {
    for (let k = 0; k < KIND_COUNT; k++) this.seen.push(new Map());
  }

  get done(): boolean {
    return this.cursor >= this.capture.exchanges.length;
  }

  step(): void {
    const i = this.cursor++;
    this.exchange = i;
    this.fields = 0;
    this.index(this.capture.exchanges[i]);
  }

  private index(e: Exchange): void {
    const req = e.request;
    const host = exchangeHost(e);
    this.text(Kind.Host, host, () => host);
    this.text(Kind.Url, req.url, () => {
      const layers = new LayerText(MAX_FIELD_CHARS);
      layers.add(req.url);
      const decoded = layers.full ? undefined : urlDecodedView(sliceChars(req.url, MAX_FIELD_CHARS));
      if (decoded) layers.add(decoded.text);
      return this.layersText(layers);
    });
    this.decodedValues(req.query);
    this.headers(req.headers);
    // Cookies are in the Cookie and Set-Cookie header lines; alone only when a producer left those
    // out. Their values are decoded one by one (the header line's value is not a form).
    this.cookies(req.cookies, req.headers, 'cookie');
    if (req.body) this.body(req.body, req.body.mimeType ?? headerValues(req.headers, 'content-type')[0]);
    const res = e.response;
    if (res) {
      this.headers(res.headers);
      this.cookies(res.cookies, res.headers, 'set-cookie');
      const mime = res.mimeType || res.body?.mimeType || '';
      if (mime !== '') this.text(Kind.Mime, mime, () => mime);
      if (res.body) this.body(res.body, res.mimeType || headerValues(res.headers, 'content-type')[0]);
    }
  }

  /**
   * What name/value fields decode to (base64, JWT, URL-encoding, …), without their raw text:
   * query values as the URL holds them are found in the URL, cookies in their header lines.
   */
  private decodedValues(fields: readonly NameValue[]): void {
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (nothingToDecode(f.value)) continue;
      if (!this.roomForField(fields.length - i)) return;
      this.text(Kind.Query, `${f.name}=${f.value}`, () => {
        const layers = new LayerText(MAX_FIELD_CHARS);
        layers.leaves(decodeField({ text: sliceChars(f.value, MAX_FIELD_CHARS), key: f.name }, INDEX_DECODE_LIMITS).leaves, true);
        return this.layersText(layers);
      });
    }
  }

  private cookies(cookies: readonly NameValue[], headers: readonly NameValue[], header: string): void {
    if (cookies.length === 0) return;
    if (headers.some((h) => isHeaderNamed(h, header))) {
      this.decodedValues(cookies);
      return;
    }
    for (let i = 0; i < cookies.length; i++) {
      if (!this.roomForField(cookies.length - i)) return;
      const line = `${cookies[i].name}=${cookies[i].value}`;
      this.text(Kind.Header, line, () => this.fieldText(line, cookies[i]));
    }
  }

  /** A field's own text, then what its value decodes to. */
  private fieldText(line: string, field: NameValue): string {
    const layers = new LayerText(MAX_FIELD_CHARS);
    layers.add(line);
    if (!layers.full && !nothingToDecode(field.value)) {
      layers.leaves(decodeField({ text: sliceChars(field.value, MAX_FIELD_CHARS), key: field.name }, INDEX_DECODE_LIMITS).leaves, true);
    }
    return this.layersText(layers);
  }

  /** Whether the exchange may have another field; if not, the `left` fields are counted as dropped. */
  private roomForField(left: number): boolean {
    if (this.fields < MAX_FIELDS_PER_EXCHANGE) return true;
    this.truncated.fieldsDropped += left;
    return false;
  }

  private headers(headers: readonly NameValue[]): void {
    for (let i = 0; i < headers.length; i++) {
      if (!this.roomForField(headers.length - i)) return;
      const h = headers[i];
      const line = `${h.name}: ${h.value}`;
      this.text(Kind.Header, line, () => this.fieldText(line, h));
    }
  }

  private body(body: Body, contentType: string | undefined): void {
    if (body.bytes.length === 0) {
      // Producers that give only the parsed form (HAR postData.params without text).
      const params = body.params ?? [];
      if (params.length === 0) return;
      const layers = new LayerText(MAX_FIELD_CHARS);
      for (const p of params) {
        if (layers.full) break;
        layers.add(`${p.name}=${p.value ?? ''}`);
      }
      const text = this.layersText(layers);
      this.text(Kind.Body, text, () => text);
      return;
    }
    // As the scanner does: undo only the Content-Encoding the producer left on the bytes.
    const stillEncoded = body.contentCoding === 'still-encoded' || body.contentCoding === 'unknown';
    const contentEncoding = stillEncoded ? body.contentEncoding : [];
    const context = `${contentType ?? ''}${SEP}${contentEncoding.join(',')}`;
    // Loaders share one bytes object among identical bodies; small bodies are also recognised by content.
    const same = this.reuse ? this.bodies.get(body.bytes) : undefined;
    if (same && same.context === context) {
      this.link(same.id);
      return;
    }
    const make = (): number => {
      const layers = new LayerText(MAX_FIELD_CHARS);
      layers.leaves(decodeField({ bytes: body.bytes, contentType, contentEncoding }, INDEX_DECODE_LIMITS).leaves, false);
      return this.add(this.layersText(layers));
    };
    let id: number;
    if (this.reuse && body.bytes.length <= MAX_KEY_CHARS) {
      const content = latin1.decode(body.bytes);
      let byContent = this.bodyTexts.get(context);
      if (!byContent) this.bodyTexts.set(context, (byContent = new Map()));
      const known = byContent.get(content);
      if (known !== undefined) id = known;
      else byContent.set(content, (id = make()));
    } else {
      id = make();
    }
    if (this.reuse) this.bodies.set(body.bytes, { context, id });
    this.link(id);
  }

  private layersText(layers: LayerText): string {
    if (layers.cut) this.truncated.fieldsCut++;
    return layers.text();
  }

  /** The id of a field's text (made by `make` the first time its `key` is seen), linked to the exchange. */
  private text(kind: Kind, key: string, make: () => string): number {
    this.fields++;
    const seen = this.seen[kind];
    // Hosts are always deduplicated: host: terms and the fuzzy pass go through the list of hosts.
    const keyed = key.length <= MAX_KEY_CHARS && (this.reuse || kind === Kind.Host);
    let id = keyed ? seen.get(key) : undefined;
    if (id === undefined) {
      id = this.add(make());
      if (kind === Kind.Host && id >= 0) this.hostTexts.push(id);
      if (keyed) seen.set(key, id);
    }
    this.link(id);
    return id;
  }

  /** A new text (lower-cased here); -1 when empty or past MAX_INDEXED_CHARS. */
  private add(text: string): number {
    if (text === '') return -1;
    if (this.chars + text.length > MAX_INDEXED_CHARS) {
      this.truncated.textsDropped++;
      return -1;
    }
    const lower = text.toLowerCase();
    const id = this.texts++;
    this.lastExchange.push(-1);
    this.chars += lower.length;
    (NOT_LATIN1.test(lower) ? this.two : this.one).add(id, lower);
    return id;
  }

  private link(id: number): void {
    if (id < 0 || this.lastExchange.data[id] === this.exchange) return;
    this.lastExchange.data[id] = this.exchange;
    this.pairText.push(id);
    this.pairExchange.push(this.exchange);
  }

  finish(): Built {
    this.one.flush();
    this.two.flush();
    const chunks = [...this.one.chunks, ...this.two.chunks];
    const count = this.texts;
    const textChunk = new Int32Array(count);
    const textStart = new Int32Array(count);
    const textEnd = new Int32Array(count);
    chunks.forEach((chunk, c) => {
      for (let i = 0; i < chunk.ids.length; i++) {
        const id = chunk.ids[i];
        textChunk[id] = c;
        textStart[id] = chunk.starts[i];
        textEnd[id] = chunk.starts[i + 1] - 1;
      }
    });
    return {
      exchangeCount: this.capture.exchanges.length,
      chunks,
      textChunk,
      textStart,
      textEnd,
      postings: postingsOf(this.pairText, this.pairExchange, count),
      hostTexts: this.hostTexts.toArray(),
      chars: this.chars,
    };
  }
}

interface Built {
  exchangeCount: number;
  chunks: Chunk[];
  textChunk: Int32Array;
  textStart: Int32Array;
  textEnd: Int32Array;
  /** Text id → exchange ids, ascending. */
  postings: Postings;
  /** Ids of host texts. */
  hostTexts: Int32Array;
  chars: number;
}

/** Distinct words for the fuzzy pass, with the texts holding them. */
interface Vocabulary {
  words: string[];
  /** Word id → text ids. */
  postings: Postings;
  /** Word ids by word length (index = length). */
  byLength: number[][];
}

/** Runs of [a-z0-9_] and non-ASCII letters, 3–32 long, with a letter and fewer digits than half. */
function forEachWord(text: string, limit: number, visit: (word: string) => void): void {
  const n = Math.min(text.length, limit);
  let start = -1;
  let digits = 0;
  let letters = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0;
    const digit = c >= 0x30 && c <= 0x39;
    const letter = (c >= 0x61 && c <= 0x7a) || c === 0x5f || (c >= 0xc0 && c !== 0xfffd && c !== 0xd7 && c !== 0xf7);
    if (digit || letter) {
      if (start < 0) {
        start = i;
        digits = 0;
        letters = 0;
      }
      if (digit) digits++;
      else letters++;
      continue;
    }
    if (start >= 0) {
      const length = i - start;
      if (length >= 3 && length <= MAX_FUZZY_LENGTH && letters > 0 && digits * 2 < length) visit(text.slice(start, i));
      start = -1;
    }
  }
}

/** Builds the vocabulary a text at a time (so prepare() can stop and resume here too). */
class WordBuilder {
  cursor = 0;
  private readonly ids = new Map<string, number>();
  private readonly words: string[] = [];
  private readonly rows = new IntList(1 << 16);
  private readonly values = new IntList(1 << 16);
  private readonly lastText = new IntList(1 << 12);
  private readonly byLength: number[][] = [];
  private postingsFull = false;
  wordsDropped = 0;

  constructor(private readonly textCount: number) {
    for (let l = 0; l <= MAX_FUZZY_LENGTH; l++) this.byLength.push([]);
  }

  get done(): boolean {
    return this.cursor >= this.textCount || this.postingsFull;
  }

  step(text: string): void {
    const t = this.cursor++;
    forEachWord(text, MAX_WORD_SOURCE_CHARS, (word) => {
      let id = this.ids.get(word);
      if (id === undefined) {
        if (this.words.length >= MAX_WORDS) {
          this.wordsDropped++;
          return;
        }
        id = this.words.length;
        this.ids.set(word, id);
        this.words.push(word);
        this.lastText.push(-1);
        this.byLength[word.length].push(id);
      }
      if (this.lastText.data[id] === t) return;
      if (this.rows.length >= MAX_WORD_POSTINGS) {
        if (!this.postingsFull) this.wordsDropped++;
        this.postingsFull = true;
        return;
      }
      this.lastText.data[id] = t;
      this.rows.push(id);
      this.values.push(t);
    });
  }

  finish(): Vocabulary {
    return { words: this.words, postings: postingsOf(this.rows, this.values, this.words.length), byLength: this.byLength };
  }
}

interface TermMatch {
  bitmap: Uint8Array;
  count: number;
  words: string[] | undefined;
}

/**
 * The search index of one capture. Nothing is built until prepare() or the first search; it does
 * not depend on the scan's findings, so it survives a rescan.
 */
export class SearchIndex {
  private builder: Builder | undefined;
  private wordBuilder: WordBuilder | undefined;
  private built: Built | undefined;
  private vocabulary: Vocabulary | undefined;
  private buildMs = 0;
  private readonly truncated = { fieldsCut: 0, fieldsDropped: 0, textsDropped: 0, wordsDropped: 0 };
  /** term → matching text ids, for narrowing while a term is typed. */
  private readonly textCache = new Map<string, Int32Array>();
  private readonly termCache = new Map<string, TermMatch>();
  private readonly fuseByLength = new Map<number, Fuse<string>>();
  private fuseHosts: { fuse: Fuse<string>; ids: Int32Array } | undefined;

  constructor(
    private readonly capture: Capture,
    private readonly options: SearchIndexOptions = {},
  ) {}

  get exchangeCount(): number {
    return this.capture.exchanges.length;
  }

  /** Whether the index is built (searches then cost no build time). */
  get ready(): boolean {
    return this.vocabulary !== undefined;
  }

  /**
   * Build the index, or as much of it as fits in `budgetMs` (for idle time: call again until it
   * returns true). Work goes an exchange (then a text) at a time; joining the last chunk and
   * making the posting lists are not divided.
   */
  prepare(budgetMs = Infinity): boolean {
    if (this.vocabulary) return true;
    const started = performance.now();
    const deadline = started + budgetMs;
    try {
      if (!this.built) {
        const builder = (this.builder ??= new Builder(this.capture, this.options.reuse !== false));
        while (!builder.done) {
          builder.step();
          if ((builder.cursor & 31) === 0 && performance.now() >= deadline) return false;
        }
        this.built = builder.finish();
        Object.assign(this.truncated, builder.truncated);
        this.builder = undefined;
      }
      const built = this.built;
      const words = (this.wordBuilder ??= new WordBuilder(built.textChunk.length));
      while (!words.done) {
        words.step(this.textOf(built, words.cursor));
        if ((words.cursor & 63) === 0 && performance.now() >= deadline) return false;
      }
      this.vocabulary = words.finish();
      this.truncated.wordsDropped = words.wordsDropped;
      this.wordBuilder = undefined;
      return true;
    } finally {
      this.buildMs += performance.now() - started;
    }
  }

  /** Forget the cached term results (the index itself stays): for memory pressure, and benchmarks. */
  clearCache(): void {
    this.textCache.clear();
    this.termCache.clear();
  }

  stats(): SearchIndexStats {
    const b = this.built;
    const v = this.vocabulary;
    return {
      buildMs: this.buildMs,
      exchanges: this.capture.exchanges.length,
      texts: b ? b.textChunk.length : 0,
      chars: b ? b.chars : 0,
      postings: b ? b.postings.values.length : 0,
      words: v ? v.words.length : 0,
      wordPostings: v ? v.postings.values.length : 0,
      bytes: this.bytes(),
      truncated: { ...this.truncated },
    };
  }

  private bytes(): number {
    const b = this.built;
    if (!b) return 0;
    let n = 0;
    for (const c of b.chunks) n += c.text.length * (c.wide ? 2 : 1) + c.starts.byteLength + c.ids.byteLength;
    for (const a of [b.textChunk, b.textStart, b.textEnd, b.postings.start, b.postings.values, b.hostTexts]) n += a.byteLength;
    const v = this.vocabulary;
    if (v) {
      n += v.postings.start.byteLength + v.postings.values.byteLength;
      // A short string is a 16-byte header plus its characters; the array holds an 8-byte pointer.
      for (const w of v.words) n += 24 + w.length * 2 + 8;
    }
    return n;
  }

  /** Exchanges matching every term of `text` (see the top of this file). */
  search(text: string, options: SearchOptions = {}): SearchMatch {
    const started = performance.now();
    const terms = parseSearch(text);
    if (terms.length === 0) return { bitmap: undefined, count: this.exchangeCount, terms, fuzzy: [], ms: performance.now() - started };
    this.prepare();
    const fuzzyAllowed = options.fuzzy !== false;
    const fuzzy: SearchMatch['fuzzy'] = [];
    let bitmap: Uint8Array | undefined;
    let count = 0;
    for (const term of terms) {
      const match = this.term(term, fuzzyAllowed);
      if (match.words) fuzzy.push({ term: term.text, words: match.words });
      if (!bitmap) {
        bitmap = match.bitmap.slice();
        count = match.count;
        continue;
      }
      if (count === 0) continue;
      count = 0;
      const other = match.bitmap;
      for (let i = 0; i < bitmap.length; i++) count += bitmap[i] &= other[i];
    }
    return { bitmap, count, terms, fuzzy, ms: performance.now() - started };
  }

  /** Ids of the matching exchanges, ascending (all of them for an empty search). */
  ids(text: string, options: SearchOptions = {}): Int32Array {
    const { bitmap, count } = this.search(text, options);
    const out = new Int32Array(count);
    if (!bitmap) {
      for (let i = 0; i < count; i++) out[i] = i;
      return out;
    }
    let k = 0;
    for (let i = 0; i < bitmap.length; i++) if (bitmap[i]) out[k++] = i;
    return out;
  }

  private term(term: SearchTerm, fuzzyAllowed: boolean): TermMatch {
    const fuzzyCandidate = fuzzyAllowed && !term.exact && term.field === 'any' && term.text.length >= MIN_FUZZY_LENGTH && term.text.length <= MAX_FUZZY_LENGTH;
    const key = `${term.field}|${fuzzyCandidate ? 1 : 0}|${term.text}`;
    const cached = this.termCache.get(key);
    if (cached) {
      this.termCache.delete(key);
      this.termCache.set(key, cached);
      return cached;
    }
    const built = this.built as Built;
    const texts = term.field === 'host' ? this.hostSubstring(built, term.text) : this.substring(built, term.text);
    let match: TermMatch = { ...this.exchangesOf(built, [texts]), words: undefined };
    if (match.count === 0 && fuzzyCandidate) {
      const { words, texts: fuzzyTexts } = this.fuzzy(built, term.text);
      if (words.length > 0) match = { ...this.exchangesOf(built, fuzzyTexts), words };
    }
    this.termCache.set(key, match);
    if (this.termCache.size > TERM_CACHE) this.termCache.delete(this.termCache.keys().next().value as string);
    return match;
  }

  private exchangesOf(built: Built, textLists: readonly Int32Array[]): { bitmap: Uint8Array; count: number } {
    const bitmap = new Uint8Array(built.exchangeCount);
    let count = 0;
    const { start, values } = built.postings;
    for (const texts of textLists) {
      for (let t = 0; t < texts.length; t++) {
        const id = texts[t];
        for (let p = start[id], end = start[id + 1]; p < end; p++) {
          const e = values[p];
          if (bitmap[e] === 0) {
            bitmap[e] = 1;
            count++;
          }
        }
      }
    }
    return { bitmap, count };
  }

  /** Texts holding `term`: from the texts of a shorter term it contains when one was searched, else all. */
  private substring(built: Built, term: string): Int32Array {
    const cached = this.textCache.get(term);
    if (cached) {
      this.textCache.delete(term);
      this.textCache.set(term, cached);
      return cached;
    }
    let narrowest: Int32Array | undefined;
    for (const [previous, texts] of this.textCache) {
      if (term.includes(previous) && (!narrowest || texts.length < narrowest.length)) narrowest = texts;
    }
    const found = narrowest ? this.within(built, term, narrowest) : this.scan(built, term);
    this.textCache.set(term, found);
    if (this.textCache.size > TERM_CACHE) this.textCache.delete(this.textCache.keys().next().value as string);
    return found;
  }

  /** One indexOf pass over each chunk, jumping to the next text after a hit. */
  private scan(built: Built, term: string): Int32Array {
    const out = new IntList(256);
    for (const chunk of built.chunks) {
      const { text, starts, ids } = chunk;
      let at = text.indexOf(term);
      let lo = 0;
      while (at !== -1) {
        // The text holding position `at`: the last start <= at (starts ascend, so search from lo).
        let hi = starts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >>> 1;
          if (starts[mid] <= at) lo = mid;
          else hi = mid - 1;
        }
        out.push(ids[lo]);
        lo++;
        if (lo >= ids.length) break;
        at = text.indexOf(term, starts[lo]);
      }
    }
    return out.toArray();
  }

  private within(built: Built, term: string, candidates: Int32Array): Int32Array {
    const out = new IntList(Math.max(16, candidates.length));
    for (let i = 0; i < candidates.length; i++) {
      const id = candidates[i];
      if (this.textOf(built, id).includes(term)) out.push(id);
    }
    return out.toArray();
  }

  /** A text by id (a slice of its chunk: V8 shares the chunk's characters, nothing is copied). */
  private textOf(built: Built, id: number): string {
    return built.chunks[built.textChunk[id]].text.slice(built.textStart[id], built.textEnd[id]);
  }

  private hostSubstring(built: Built, term: string): Int32Array {
    const out = new IntList(16);
    for (const id of built.hostTexts) if (this.textOf(built, id).includes(term)) out.push(id);
    return out.toArray();
  }

  /** The closest words (and hosts holding the term approximately) for a term found nowhere. */
  private fuzzy(built: Built, term: string): { words: string[]; texts: Int32Array[] } {
    const vocabulary = this.vocabulary as Vocabulary;
    const edits = Math.floor(term.length * FUZZY_THRESHOLD);
    type Hit = { word: string; score: number; texts: Int32Array; weight: number };
    const hits: Hit[] = [];
    for (let length = Math.max(3, term.length - edits); length <= Math.min(MAX_FUZZY_LENGTH, term.length + edits); length++) {
      const fuse = this.fuseOfLength(vocabulary, length);
      if (!fuse) continue;
      for (const r of fuse.search(term, { limit: MAX_FUZZY_WORDS })) {
        const id = vocabulary.byLength[length][r.refIndex];
        const { start, values } = vocabulary.postings;
        hits.push({ word: r.item, score: r.score ?? 1, texts: values.subarray(start[id], start[id + 1]), weight: start[id + 1] - start[id] });
      }
    }
    const hosts = this.hostFuse(built);
    for (const r of hosts.fuse.search(term, { limit: MAX_FUZZY_WORDS })) {
      hits.push({ word: r.item, score: r.score ?? 1, texts: hosts.ids.subarray(r.refIndex, r.refIndex + 1), weight: 1 });
    }
    hits.sort((a, b) => a.score - b.score || b.weight - a.weight || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
    const best = hits.slice(0, MAX_FUZZY_WORDS);
    return { words: best.map((h) => h.word), texts: best.map((h) => h.texts) };
  }

  private fuseOfLength(vocabulary: Vocabulary, length: number): Fuse<string> | undefined {
    const ids = vocabulary.byLength[length];
    if (!ids || ids.length === 0) return undefined;
    let fuse = this.fuseByLength.get(length);
    if (!fuse) {
      fuse = new Fuse(ids.map((id) => vocabulary.words[id]), fuseOptions());
      this.fuseByLength.set(length, fuse);
    }
    return fuse;
  }

  private hostFuse(built: Built): { fuse: Fuse<string>; ids: Int32Array } {
    if (!this.fuseHosts) {
      const ids = built.hostTexts.slice(0, MAX_FUZZY_HOSTS);
      this.fuseHosts = { fuse: new Fuse(Array.from(ids, (id) => sliceChars(this.textOf(built, id), 256)), fuseOptions()), ids };
    }
    return this.fuseHosts;
  }
}

function fuseOptions(): Fuse.IFuseOptions<string> {
  return {
    threshold: FUZZY_THRESHOLD,
    ignoreLocation: true,
    ignoreFieldNorm: true,
    includeScore: true,
    isCaseSensitive: true,
    shouldSort: true,
  };
}
