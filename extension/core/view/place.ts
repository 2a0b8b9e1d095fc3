// Where things sit inside a layer's text: the value a finding's structural path names
// (`json:$.device.imei`, `form:imei`, `multipart:file`), and the encoded run a decoded layer came
// from (the base64 in a JSON value, the JWT segment, the percent-encoded text).
//
// Every search is linear in the text it looks at, tries a bounded number of candidates, and
// gives up (undefined) rather than guess when a place is ambiguous.
import { isUtf8 } from 'node:buffer';
import { sniffCompression } from '../decode/compression';
import { decodeFormComponent } from '../decode/form';
import { jsonStart, MAX_KEY_IN_PATH } from '../decode/json';
import { findJwts } from '../decode/jwt';
import { boundaryFromContentType, parseMultipart, sniffBoundary } from '../decode/multipart';
import { findRuns } from '../decode/runs';
import { compose, jsonStringAt, percentDecodeWithMap, shift, type Mapper } from './offsets';
import { jsonValueSpans, type JsonValueSpan } from './prettyJson';

export interface Span {
  start: number;
  end: number;
}

/** A text inside a layer and how its offsets map to the layer's. */
export interface View {
  text: string;
  map: Mapper;
  /** Its JSON values by path, once looked up. */
  json?: Map<string, JsonValueSpan[]>;
  /** Where each step leads from here, once looked up. */
  next?: Map<string, View[]>;
}

const identity: Mapper = (o) => o;

/** Candidates tried per step, and views visited per search. */
const MAX_CANDIDATES = 32;
const MAX_VISITS = 256;
/** JSON inside a value (a JSON string holding JSON) is indexed whole up to this size. */
const MAX_NESTED_JSON = 4 * 1024 * 1024;

const CODECS = new Set(['gzip', 'zlib', 'deflate', 'brotli']);

/** How decode/index.ts writes a name into a step: cut at MAX_KEY_IN_PATH characters. */
function label(name: string): string {
  return name.length > MAX_KEY_IN_PATH ? `${name.slice(0, MAX_KEY_IN_PATH)}…` : name;
}

/**
 * Places inside one layer's text. JSON paths asked for up front (`want`) are found in one walk
 * of the layer's text, up to `until` (past it nothing is shown, so nothing is looked for).
 */
export class LayerPlaces {
  private readonly top: View;
  private readonly wanted = new Set<string>();
  private index: Map<string, JsonValueSpan[]> | undefined;
  /** The paths the index was made for. */
  private walked = new Set<string>();
  /** The walk read the whole text (it stops at `until`). */
  private walkComplete = true;
  private readonly jsonAt: number;

  constructor(
    text: string,
    /** Content-Type of the body, when this is a body's raw layer (multipart boundaries, forms). */
    private readonly contentType: string | undefined,
    private readonly until: number,
  ) {
    this.top = { text, map: identity };
    this.jsonAt = jsonStart(text);
  }

  /** A JSON path (`$.a.b`, without `json:`) that will be looked up in the layer's own text. */
  want(step: string): void {
    if (step.startsWith('json:')) this.wanted.add(step.slice(5));
  }

  private topSpans(path: string): JsonValueSpan[] {
    if (this.jsonAt === -1) return [];
    if (!this.index || !this.walked.has(path)) {
      // Paths not announced are looked up together with the rest the first time one is needed.
      this.wanted.add(path);
      const walk = jsonValueSpans(this.top.text, this.jsonAt, this.wanted, this.until);
      this.index = walk.byPath;
      this.walkComplete = walk.complete;
      this.walked = new Set(this.wanted);
    }
    return this.index.get(path) ?? [];
  }

  /** The views `step` leads to from `view`, in document order (worked out once per view and step). */
  private candidates(view: View, step: string): View[] {
    view.next ??= new Map();
    let out = view.next.get(step);
    if (!out) view.next.set(step, (out = this.lookup(view, step)));
    return out;
  }

  private lookup(view: View, step: string): View[] {
    const colon = step.indexOf(':');
    const kind = step.slice(0, colon);
    const name = step.slice(colon + 1);
    if (kind === 'json') {
      const spans = view === this.top ? this.topSpans(name) : nestedSpans(view, name);
      const out: View[] = [];
      for (const span of spans) {
        if (out.length >= MAX_CANDIDATES) break;
        if (span.string) {
          const s = jsonStringAt(view.text, span.start);
          if (s) out.push({ text: s.text, map: compose((o, end) => s.map.map(o, end), view.map) });
        } else {
          out.push({ text: view.text.slice(span.start, span.end), map: compose(shift(span.start), view.map) });
        }
      }
      return out;
    }
    if (kind === 'form') return formValues(view, name);
    if (kind === 'multipart') return multipartParts(view, name, view === this.top ? this.contentType : undefined);
    return [];
  }

  /**
   * Depth-first through `steps` from the layer's text; the first view `accept` takes (in
   * document order) wins.
   */
  private search<T>(steps: readonly string[], accept: (view: View) => T | undefined): { found?: T; deepest: View[] } {
    const stack: { view: View; i: number }[] = [{ view: this.top, i: 0 }];
    let visits = 0;
    let deepest: View[] = [this.top];
    let deepestLevel = 0;
    while (stack.length > 0 && visits++ < MAX_VISITS) {
      const { view, i } = stack.pop() as { view: View; i: number };
      if (i > deepestLevel) {
        deepestLevel = i;
        deepest = [];
      }
      if (i === deepestLevel) deepest.push(view);
      if (i === steps.length) {
        const found = accept(view);
        if (found !== undefined) return { found, deepest };
        continue;
      }
      const next = this.candidates(view, steps[i]);
      for (let k = next.length - 1; k >= 0; k--) stack.push({ view: next[k], i: i + 1 });
    }
    return { deepest };
  }

  /**
   * Where a finding sits in the layer: follow its structural `steps`, then [start, end) in the
   * value, which must read `matched`. Failing that, the first occurrence of `matched` inside the
   * deepest value reached, then in the whole text. `taken` rejects a span another finding has.
   */
  placeFinding(steps: readonly string[], start: number, end: number, matched: string, taken: (s: Span) => boolean): Span | undefined {
    // A JSON value past what is shown: nothing to look for (the text there is not shown either).
    if (steps.length > 0 && steps[0].startsWith('json:') && this.topSpans(steps[0].slice(5)).length === 0 && !this.walkComplete) return undefined;
    const { found, deepest } = this.search(steps, (view) => {
      if (view.text.slice(start, end) !== matched) return undefined;
      const span = { start: view.map(start), end: view.map(end, true) };
      return taken(span) ? undefined : span;
    });
    if (found) return found;
    if (matched === '') return undefined;
    const tried = new Set<View>();
    for (const view of [...deepest, this.top]) {
      if (tried.has(view)) continue;
      tried.add(view);
      const span = firstFree(view, matched, taken, view === this.top ? this.until : Infinity);
      if (span) return span;
    }
    return undefined;
  }

  /**
   * Where a decoded layer came from in this one: `rel` is the part of its chain below this layer
   * (structural steps, then the transform that decoded it, then perhaps a decompression), `text`
   * its text. `sibling` is its place among the layers with the same `rel` here, of `siblings`.
   * Gives the span of the encoded run, or for percent-decoding an exact map of offsets.
   */
  locateChild(rel: readonly string[], text: string, sibling: number, siblings: number): { span?: Span; exact?: Mapper } | undefined {
    let k = 0;
    while (k < rel.length && /^(?:json|form|multipart|protobuf):/.test(rel[k])) k++;
    if (k >= rel.length) return undefined;
    const step = rel[k];
    const codec = rel[k + 1];
    if (k + 2 < rel.length || (codec !== undefined && !CODECS.has(codec))) return undefined;
    const { found } = this.search(rel.slice(0, k), (view) => locateRun(view, step, codec, text, sibling, siblings));
    return found;
  }
}

/** The first occurrence of `needle` in the view whose span is not taken. */
function firstFree(view: View, needle: string, taken: (s: Span) => boolean, until: number): Span | undefined {
  let tries = 0;
  for (let at = view.text.indexOf(needle); at !== -1 && at <= until && tries++ < 1000; at = view.text.indexOf(needle, at + 1)) {
    const span = { start: view.map(at), end: view.map(at + needle.length, true) };
    if (!taken(span)) return span;
  }
  return undefined;
}

/** Values at a JSON path in a text that is not a layer's own (JSON inside a JSON string): all indexed at once. */
function nestedSpans(view: View, path: string): JsonValueSpan[] {
  if (!view.json) {
    const at = view.text.length <= MAX_NESTED_JSON ? jsonStart(view.text) : -1;
    view.json = at === -1 ? new Map() : jsonValueSpans(view.text, at, 'all').byPath;
  }
  return view.json.get(path) ?? [];
}

/** The decoded values of the form fields called `name` (as a chain step writes it), with maps. */
function formValues(view: View, name: string): View[] {
  const text = view.text;
  const out: View[] = [];
  let from = 0;
  while (from < text.length && /\s/.test(text[from])) from++;
  // The next `=` is found again only once passed: `a=1&&&&…` must not rescan the rest per `&`.
  let eq = -1;
  while (from <= text.length && out.length < MAX_CANDIDATES) {
    let amp = text.indexOf('&', from);
    if (amp === -1) amp = text.length;
    if (eq !== -2 && eq < from) {
      eq = text.indexOf('=', from);
      if (eq === -1) eq = -2; // none left
    }
    if (eq >= 0 && eq < amp) {
      const rawValue = text.slice(eq + 1, amp);
      if (rawValue !== '' && label(decodeFormComponent(text.slice(from, eq))) === name) {
        const decoded = percentDecodeWithMap(rawValue);
        const value = decodeFormComponent(rawValue);
        // `+` for a space is one character either way: the map holds when only that differs.
        if (decoded.text.length === value.length) {
          const valueAt = eq + 1;
          out.push({ text: value, map: compose((o, end) => decoded.map.map(o, end) + valueAt, view.map) });
        }
      }
    }
    from = amp + 1;
  }
  return out;
}

/** The bodies of the multipart parts called `name`, when the text is multipart and they are text. */
function multipartParts(view: View, name: string, contentType: string | undefined): View[] {
  const text = view.text;
  const bytes = Buffer.from(text, 'utf8');
  const boundary = boundaryFromContentType(contentType) ?? (text.startsWith('--') ? sniffBoundary(bytes.subarray(0, 512)) : undefined);
  if (boundary === undefined) return [];
  const parts = parseMultipart(bytes, boundary) ?? [];
  const out: View[] = [];
  parts.forEach((p, i) => {
    if (out.length >= MAX_CANDIDATES || label(p.name ?? p.filename ?? `#${i}`) !== name || !isUtf8(p.body)) return;
    const byteAt = p.body.byteOffset - bytes.byteOffset;
    const charAt = bytes.subarray(0, byteAt).toString('utf8').length;
    const body = p.body.toString('utf8');
    if (text.startsWith(body, charAt)) out.push({ text: body, map: compose(shift(charAt), view.map) });
  });
  return out;
}

/**
 * The run in `view` that `step` decoded into `text` (or, with `codec`, into bytes that `codec`
 * then inflated into `text`).
 */
function locateRun(view: View, step: string, codec: string | undefined, text: string, sibling: number, siblings: number): { span?: Span; exact?: Mapper } | undefined {
  const source = view.text;
  const inLayer = (s: Span): { span: Span } => ({ span: { start: view.map(s.start), end: view.map(s.end, true) } });
  switch (step) {
    case 'url': {
      if (codec !== undefined || /\s/.test(source)) return undefined;
      const decoded = percentDecodeWithMap(source);
      if (decoded.text !== text) return undefined;
      return { ...inLayer({ start: 0, end: source.length }), exact: compose((o, end) => decoded.map.map(o, end), view.map) };
    }
    case 'base64':
    case 'base64url':
    case 'hex': {
      if (codec !== undefined) {
        const runs = compressedRuns(source, step === 'hex');
        if (runs.length === 1) return inLayer(runs[0]);
        return runs.length === siblings && sibling < runs.length ? inLayer(runs[sibling]) : undefined;
      }
      const bytes = Buffer.from(text, 'utf8');
      if (step === 'hex') {
        const hex = bytes.toString('hex');
        let at = source.indexOf(hex);
        if (at === -1) at = source.indexOf(hex.toUpperCase());
        return at === -1 ? undefined : inLayer({ start: at, end: at + hex.length });
      }
      const encoded = bytes.toString(step === 'base64url' ? 'base64url' : 'base64').replace(/=+$/, '');
      // The last character may differ in bits the decoder ignored; the rest must be there as is.
      const probe = encoded.length > 4 ? encoded.slice(0, -1) : encoded;
      const at = source.indexOf(probe);
      if (at === -1) return undefined;
      let end = Math.min(source.length, at + encoded.length);
      while (end < source.length && end < at + encoded.length + 2 && source.charCodeAt(end) === 0x3d) end++;
      return inLayer({ start: at, end });
    }
    case 'jwt:header':
    case 'jwt:payload': {
      if (codec !== undefined) return undefined;
      for (const jwt of findJwts(source)) {
        const dot1 = source.indexOf('.', jwt.start);
        const dot2 = source.indexOf('.', dot1 + 1);
        const segment = step === 'jwt:header' ? { start: jwt.start, end: dot1 } : { start: dot1 + 1, end: dot2 };
        const raw = source.slice(segment.start, segment.end).replace(/=+$/, '');
        if (Buffer.from(raw, 'base64url').toString('utf8') === text) return inLayer(segment);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Distinct base64 (or hex) runs whose first bytes are gzip or zlib, in document order. */
function compressedRuns(text: string, hex: boolean): Span[] {
  const out: Span[] = [];
  const seen = new Set<string>();
  for (const run of findRuns(text, 12).runs) {
    let start = run.start;
    if (hex && text.charCodeAt(start) === 0x30 && (text.charCodeAt(start + 1) | 0x20) === 0x78) start += 2;
    const head = text.slice(start, start + (hex ? 36 : 24));
    const bytes = Buffer.from(head, hex ? 'hex' : 'base64');
    if (!sniffCompression(bytes)) continue;
    const end = run.end + run.pad;
    const key = text.slice(start, end);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ start, end });
  }
  return out;
}
