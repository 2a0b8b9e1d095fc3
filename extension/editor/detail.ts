// The detail pane's model of one exchange, built on the host (no vscode): the overview, every
// header, parameter, cookie and body as layers (raw value, then each decoded text), and every
// finding highlighted where it sits.
//
// Placing a finding: its chain (`base64 → gzip → json:$.imei`) names the innermost layer (the
// longest prefix of the chain that is a layer, with only structural steps left) and the value
// inside it; [start, end) is then exact. Each outer layer gets the span of the encoded run the
// inner one came from (the base64 text), or for percent-decoding the exact characters.
//
// Overlaps: a layer's highlights never overlap. Exact places come before the spans of encoded
// runs, then higher confidence, then the longer match, then scan order; a later highlight keeps
// only the parts no earlier one covers (and is dropped from the layer when nothing is left).
//
// URL findings: the protocol has no section for the URL, so the query section starts with a
// field named "URL path" (the path as the scanner reads it) and findings of part `url` go there.
//
// Everything is bounded so a hostile exchange (5,000 headers, a 50 MB body) stays fast and its
// message small: fields per section, layers per field, characters per layer and per detail,
// findings listed, and the decoders' own bounds.
import { formatChain } from '../core/decode/index';
import type { Exchange, ExchangePart, Finding, NameValue } from '../core/model';
import { headerValues, isHeaderNamed } from '../core/model';
import { fieldsOf } from '../core/scan';
import { confidenceRank } from '../core/detect/index';
import { findingKey, findingRefOf } from '../core/annotations/anchor';
import { formatBytes } from '../core/format';
import { chainKey, cutText, displayLayer, fieldLayers, isStructural, type FieldLayers, type FieldSource, type Layer, type LayerDisplay } from '../core/view/layers';
import { LayerPlaces, type Span } from '../core/view/place';
import type { Mapper } from '../core/view/offsets';
import type {
  DetailField, DetailFinding, DetailLayer, DetailOverview, DetailSection, DetailSectionId, ExchangeDetail, Highlight,
} from '../protocol';

/** Fields shown per section; the rest are counted in a note. */
export const MAX_FIELDS_PER_SECTION = 500;
/** Layers per field (the raw value included). */
export const MAX_LAYERS_PER_FIELD = 16;
/** Layers a section may show in all: a section with many fields shows fewer layers of each (at least 2). */
const LAYER_SLOTS_PER_SECTION = 800;
/** Characters one layer shows. */
export const MAX_LAYER_CHARS = 256 * 1024;
/** Bytes a hex dump shows. */
export const MAX_HEX_BYTES = 64 * 1024;
/** Characters all layers of a detail show together; past it each layer shows MIN_LAYER_CHARS. */
export const DETAIL_TEXT_BUDGET = 2 * 1024 * 1024;
const MIN_LAYER_CHARS = 64;
/** Findings listed. */
export const MAX_DETAIL_FINDINGS = 2000;
/** Time the details of one request may spend decoding its fields; the fields after it are shown raw, saying so. */
export const DETAIL_DECODE_BUDGET_MS = 750;
/** Largest text `layerText` returns. */
export const MAX_LAYER_TEXT = 16 * 1024 * 1024;
const MAX_NOTES_PER_SECTION = 20;
const CAP = { name: 1000, url: 16 * 1024, short: 200, value: 1000, step: 300, steps: 32, reasons: 20, reason: 1000, extras: 50 } as const;

const SECTION_OF: Record<ExchangePart, DetailSectionId> = {
  url: 'query', query: 'query', request_header: 'request-headers', request_cookie: 'request-cookies', request_body: 'request-body',
  response_header: 'response-headers', response_cookie: 'response-cookies', response_body: 'response-body',
};

export const URL_PATH_FIELD = 'URL path';

/**
 * Where the detail pane shows a finding: its section and field path, uncapped (findings of part
 * `url` sit in the query section's URL_PATH_FIELD). The findings view names places the same way.
 */
export function findingPlace(f: Pick<Finding, 'part' | 'fieldPath'>): { section: DetailSectionId; fieldPath: string } {
  return { section: SECTION_OF[f.part], fieldPath: f.part === 'url' ? URL_PATH_FIELD : f.fieldPath };
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${cutText(text, max - 1)}…`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

// ---- sections and fields ---------------------------------------------------------------------

interface FieldPlan {
  name: string;
  source: FieldSource;
  /** The scan part whose findings may sit here, and the field path they name (undefined: none). */
  part?: ExchangePart;
  fieldPath?: string;
  contentType?: string;
}

interface SectionPlan {
  id: DetailSectionId;
  title: string;
  fields: FieldPlan[];
  notes: string[];
  /** Layers per field in this section. */
  maxLayers: number;
}

function textField(name: string, value: string, part: ExchangePart | undefined): FieldPlan {
  const plan: FieldPlan = { name, source: { input: { text: value, key: name } } };
  if (part) {
    plan.part = part;
    plan.fieldPath = name;
  }
  return plan;
}

/** The sections of an exchange in protocol order, fields capped; empty ones included (as plans). */
function planSections(exchange: Exchange): SectionPlan[] {
  const req = exchange.request;
  const res = exchange.response;
  const scanned = fieldsOf(exchange);
  const sections: SectionPlan[] = [];
  const section = (id: DetailSectionId, title: string, all: FieldPlan[], what: string, notes: string[] = []): void => {
    const fields = all.length > MAX_FIELDS_PER_SECTION ? all.slice(0, MAX_FIELDS_PER_SECTION) : all;
    if (fields.length < all.length) notes.unshift(`showing the first ${count(fields.length)} of ${count(all.length)} ${what}`);
    const maxLayers = Math.max(2, Math.min(MAX_LAYERS_PER_FIELD, Math.floor(LAYER_SLOTS_PER_SECTION / Math.max(1, fields.length))));
    sections.push({ id, title, fields, notes, maxLayers });
  };
  const headers = (list: readonly NameValue[], part: ExchangePart, skip: string): FieldPlan[] =>
    list.map((h) => textField(h.name, h.value, isHeaderNamed(h, skip) ? undefined : part));

  section('request-headers', `Request headers (${count(req.headers.length)})`, headers(req.headers, 'request_header', 'cookie'), 'headers');
  const url = scanned.find((f) => f.part === 'url');
  const query: FieldPlan[] = [{ name: URL_PATH_FIELD, source: { input: url?.input ?? { text: '' } }, part: 'url', fieldPath: url?.fieldPath ?? 'path' }];
  for (const q of req.query) query.push(textField(q.name, q.value, 'query'));
  section('query', req.query.length > 0 ? `URL path and query (${plural(req.query.length, 'parameter')})` : 'URL path', query, 'fields');
  section('request-cookies', `Request cookies (${count(req.cookies.length)})`, req.cookies.map((c) => textField(c.name, c.value, 'request_cookie')), 'cookies');
  bodySection(section, 'request-body', 'Request body', req.body, scanned.find((f) => f.part === 'request_body')?.input, 'request_body', req.body?.mimeType ?? headerValues(req.headers, 'content-type')[0]);
  if (res) {
    section('response-headers', `Response headers (${count(res.headers.length)})`, headers(res.headers, 'response_header', 'set-cookie'), 'headers');
    section('response-cookies', `Response cookies (${count(res.cookies.length)})`, res.cookies.map((c) => textField(c.name, c.value, 'response_cookie')), 'cookies');
    bodySection(section, 'response-body', 'Response body', res.body, scanned.find((f) => f.part === 'response_body')?.input, 'response_body', res.mimeType || headerValues(res.headers, 'content-type')[0]);
  }
  return sections;
}

function bodySection(
  section: (id: DetailSectionId, title: string, all: FieldPlan[], what: string, notes?: string[]) => void,
  id: DetailSectionId,
  label: string,
  body: Exchange['request']['body'],
  input: FieldPlan['source']['input'] | undefined,
  part: ExchangePart,
  mime: string | undefined,
): void {
  if (!body) return;
  const notes: string[] = [];
  const declared = body.declaredSize > 0 ? ` (${formatBytes(body.declaredSize)} declared)` : '';
  if (body.availability === 'omitted') notes.push(`the producer did not record this body${declared}`);
  if (body.availability === 'truncated') notes.push(`the capture holds only part of this body${declared}`);
  if (body.note) notes.push(cap(body.note, CAP.value));
  if (body.contentEncoding.length > 0) {
    const codings = cap(body.contentEncoding.join(', '), CAP.short);
    if (body.contentCoding === 'still-encoded') notes.push(`the capture holds it with Content-Encoding ${codings} still applied; the decoded layers undo it`);
    else if (body.contentCoding === 'already-decoded') notes.push(`the producer stored it with Content-Encoding ${codings} already undone`);
  }
  if (body.params && body.params.length > 0) notes.push(`the producer also recorded ${plural(body.params.length, 'form parameter')} (postData.params)`);
  const fields: FieldPlan[] = [];
  if (body.bytes.length > 0 && input) {
    const plan: FieldPlan = { name: '', source: { input, body }, part, fieldPath: 'body' };
    if (mime) plan.contentType = mime;
    fields.push(plan);
  }
  if (fields.length === 0 && notes.length === 0) return;
  const what = [mime ? cap(mime, CAP.short) : '', formatBytes(body.bytes.length)].filter((s) => s !== '').join(', ');
  section(id, `${label} (${what})`, fields, 'bodies', notes);
}

// ---- layers, shown -----------------------------------------------------------------------------

interface FieldState {
  plan: FieldPlan;
  decoded: FieldLayers;
  displays: LayerDisplay[];
  places: (LayerPlaces | undefined)[];
  /** Per layer: where it came from in its parent layer (undefined: not worked out yet; null: unknown). */
  located: ({ span?: Span; exact?: Mapper } | null | undefined)[];
  /** Per layer: highlight candidates. */
  candidates: Candidate[][];
  /** Spans taken by exact placements, per layer: `kind value start end`. */
  taken: Set<string>[];
}

interface Candidate {
  start: number;
  end: number;
  finding: number;
  /** 0: the finding itself; 1: the encoded run it was decoded from. */
  tier: number;
  rank: number;
}

/** Characters a layer may show: its share of what is left of the detail's budget. */
class Budget {
  private left = DETAIL_TEXT_BUDGET;

  next(): number {
    return Math.max(MIN_LAYER_CHARS, Math.min(MAX_LAYER_CHARS, this.left));
  }

  spend(chars: number): void {
    this.left -= chars;
  }
}

function hexChars(bytes: number): number {
  return Math.ceil(bytes / 16) * 79;
}

function buildField(plan: FieldPlan, maxLayers: number, budget: Budget, deadline: number): FieldState {
  const decoded = fieldLayers(plan.source, maxLayers, deadline);
  const displays: LayerDisplay[] = [];
  for (const layer of decoded.layers) {
    const max = layer.bytes ? Math.min(budget.next(), hexChars(MAX_HEX_BYTES)) : budget.next();
    const display = displayLayer(layer, max);
    budget.spend(display.text.length);
    displays.push(display);
  }
  const n = decoded.layers.length;
  return {
    plan, decoded, displays,
    places: new Array<LayerPlaces | undefined>(n).fill(undefined),
    located: new Array<{ span?: Span; exact?: Mapper } | null | undefined>(n).fill(undefined),
    candidates: decoded.layers.map(() => []),
    taken: decoded.layers.map(() => new Set<string>()),
  };
}

function placesOf(field: FieldState, layer: number): LayerPlaces | undefined {
  const l = field.decoded.layers[layer];
  if (l.bytes) return undefined;
  let places = field.places[layer];
  if (!places) {
    // Only the raw layer of a body reads the body's Content-Type (forms, multipart boundaries).
    const contentType = layer === 0 ? field.plan.contentType : undefined;
    places = new LayerPlaces(l.text, contentType, field.displays[layer].shown);
    field.places[layer] = places;
  }
  return places;
}

/** The innermost layer of a chain: the longest prefix that is a layer with only structural steps below. */
function innermost(decoded: FieldLayers, chain: readonly string[]): { layer: number; steps: string[] } {
  let structuralFrom = chain.length;
  while (structuralFrom > 0 && isStructural(chain[structuralFrom - 1])) structuralFrom--;
  let fallback: { layer: number; steps: string[] } | undefined;
  for (let k = chain.length; k >= 0; k--) {
    const layer = decoded.byChain.get(chainKey(chain, k));
    if (layer === undefined) continue;
    if (k >= structuralFrom) return { layer, steps: chain.slice(k) };
    // A transform below was not kept (layer cap): look for the text there as a last resort.
    fallback ??= { layer, steps: chain.slice(k) };
  }
  return fallback ?? { layer: 0, steps: chain.slice() };
}

/** Where layer `index` came from in its parent: worked out once per layer. */
function locate(field: FieldState, index: number): { span?: Span; exact?: Mapper } | null {
  const known = field.located[index];
  if (known !== undefined) return known;
  const layers = field.decoded.layers;
  const layer = layers[index];
  let result: { span?: Span; exact?: Mapper } | null = null;
  const parentPlaces = layer.parent >= 0 ? placesOf(field, layer.parent) : undefined;
  if (parentPlaces) {
    const rel = layer.chain.slice(layer.parentDepth);
    const relKey = chainKey(rel);
    let sibling = 0;
    let siblings = 0;
    for (let i = 1; i < layers.length; i++) {
      const other = layers[i];
      if (other.parent !== layer.parent || chainKey(other.chain.slice(other.parentDepth)) !== relKey) continue;
      if (i < index) sibling++;
      siblings++;
    }
    result = parentPlaces.locateChild(rel, layer.text, sibling, siblings) ?? null;
  }
  field.located[index] = result;
  return result;
}

function spanKey(f: Finding, span: Span): string {
  return `${f.kind}\u0000${f.value}\u0000${span.start}\u0000${span.end}`;
}

/** Place one finding in a field: its exact span in the innermost layer, the runs it came from outside. Placed? */
function placeFinding(field: FieldState, f: Finding, index: number): boolean {
  const { layer, steps } = innermost(field.decoded, f.chain);
  const rank = confidenceRank(f.confidence);
  const l = field.decoded.layers[layer];
  const taken = field.taken[layer];
  const isTaken = (span: Span): boolean => taken.has(spanKey(f, span));
  let span: Span | undefined;
  if (l.bytes) span = byteSpan(l.bytes, f.matchedText, isTaken);
  else span = placesOf(field, layer)?.placeFinding(steps, f.start, f.end, f.matchedText, isTaken);
  if (span) {
    taken.add(spanKey(f, span));
    field.candidates[layer].push({ ...span, finding: index, tier: 0, rank });
  }
  let placed = span !== undefined;
  // Outwards: the run each layer was decoded from, in its parent.
  for (let cur = layer; field.decoded.layers[cur].parent >= 0; cur = field.decoded.layers[cur].parent) {
    const from = locate(field, cur);
    if (!from) break;
    const parent = field.decoded.layers[cur].parent;
    if (from.exact && span) {
      span = { start: from.exact(span.start), end: from.exact(span.end, true) };
      field.candidates[parent].push({ ...span, finding: index, tier: 0, rank });
    } else if (from.span) {
      span = from.span;
      field.candidates[parent].push({ ...span, finding: index, tier: 1, rank });
    } else break;
    placed = true;
  }
  return placed;
}

/** The first occurrence of `text`'s UTF-8 bytes in `bytes` that is not taken. */
function byteSpan(bytes: Uint8Array, text: string, taken: (s: Span) => boolean): Span | undefined {
  if (text === '') return undefined;
  const haystack = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const needle = Buffer.from(text, 'utf8');
  let tries = 0;
  for (let at = haystack.indexOf(needle); at !== -1 && tries++ < 1000; at = haystack.indexOf(needle, at + 1)) {
    const span = { start: at, end: at + needle.length };
    if (!taken(span)) return span;
  }
  return undefined;
}

/** Sorted, non-overlapping highlights of a layer, from its candidates (see the overlap rule above). */
function highlightsOf(candidates: Candidate[], display: LayerDisplay): Highlight[] {
  const order = candidates.slice().sort((a, b) =>
    a.tier - b.tier || b.rank - a.rank || (b.end - b.start) - (a.end - a.start) || a.finding - b.finding || a.start - b.start);
  // Accepted ranges, sorted by start, never overlapping.
  const accepted: Highlight[] = [];
  for (const c of order) {
    for (const range of display.ranges(c.start, c.end)) {
      for (const piece of uncovered(accepted, range.start, range.end)) {
        insertSorted(accepted, { start: piece.start, end: piece.end, finding: c.finding });
      }
    }
  }
  return accepted;
}

/** Parts of [start, end) no accepted range covers. */
function uncovered(accepted: readonly Highlight[], start: number, end: number): Span[] {
  const out: Span[] = [];
  // First accepted range that ends after `start`.
  let lo = 0;
  let hi = accepted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (accepted[mid].end <= start) lo = mid + 1;
    else hi = mid;
  }
  let at = start;
  for (let i = lo; i < accepted.length && accepted[i].start < end; i++) {
    if (accepted[i].start > at) out.push({ start: at, end: accepted[i].start });
    at = Math.max(at, accepted[i].end);
  }
  if (at < end) out.push({ start: at, end });
  return out;
}

function insertSorted(list: Highlight[], h: Highlight): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].start < h.start) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, h);
}

// ---- the detail --------------------------------------------------------------------------------

export interface DetailOptions {
  /** The capture's format: tshark -T ek origins name a line, not a packet. */
  format?: 'har' | 'tshark-json' | 'tshark-ek';
  /** The researcher's judgement of a finding (the sidecar), null when none. */
  judgementOf?: (finding: Finding) => DetailFinding['judged'];
  /** Overrides DETAIL_DECODE_BUDGET_MS (tests). */
  decodeBudgetMs?: number;
}

/**
 * Everything the detail pane shows for one exchange. `findings` are the exchange's findings in
 * scan order (DetailFinding i is findings[i]); at most MAX_DETAIL_FINDINGS are listed.
 */
export function exchangeDetail(exchange: Exchange, findings: readonly Finding[], options: DetailOptions = {}): ExchangeDetail {
  const plans = planSections(exchange);
  const budget = new Budget();
  // The details are built on the extension host: a request of many bombs (each stopped at its
  // cap, but each cap costs tens of milliseconds) must not hold it for seconds.
  const deadline = performance.now() + (options.decodeBudgetMs ?? DETAIL_DECODE_BUDGET_MS);
  const states: FieldState[][] = plans.map((s) => s.fields.map((f) => buildField(f, s.maxLayers, budget, deadline)));

  const listed = findings.length > MAX_DETAIL_FINDINGS ? findings.slice(0, MAX_DETAIL_FINDINGS) : findings;
  // Which fields each finding may sit in: same section, same name, in order.
  const targets = listed.map((f) => {
    const s = plans.findIndex((p) => p.id === SECTION_OF[f.part]);
    const fields: number[] = [];
    if (s !== -1) plans[s].fields.forEach((plan, i) => {
      if (plan.part === f.part && plan.fieldPath === f.fieldPath) fields.push(i);
    });
    return { section: s, fields };
  });
  // Announce the JSON paths each layer will be asked for, so each layer's text is walked once.
  listed.forEach((f, i) => {
    const { section, fields } = targets[i];
    for (const field of fields) {
      const state = states[section][field];
      const { layer, steps } = innermost(state.decoded, f.chain);
      if (steps.length > 0) placesOf(state, layer)?.want(steps[0]);
    }
  });
  for (const fieldStates of states) {
    for (const state of fieldStates) {
      for (const layer of state.decoded.layers) {
        if (layer.parent >= 0 && layer.parentDepth < layer.chain.length) placesOf(state, layer.parent)?.want(layer.chain[layer.parentDepth]);
      }
    }
  }

  const detailFindings: DetailFinding[] = listed.map((f, i) => {
    const { section, fields } = targets[i];
    // The first field of that name where the finding can be placed (a name may repeat).
    for (const field of fields) if (placeFinding(states[section][field], f, i)) break;
    return detailFinding(f, options.judgementOf?.(f) ?? null);
  });

  const sections: DetailSection[] = [];
  plans.forEach((plan, s) => {
    const fields: DetailField[] = states[s].map((state, fi) => {
      const layers: DetailLayer[] = state.decoded.layers.map((layer, li) => {
        const display = state.displays[li];
        const highlights = highlightsOf(state.candidates[li], display);
        for (const h of highlights) {
          const places = detailFindings[h.finding].places;
          if (!places.some((p) => p.field === fi && p.layer === li)) places.push({ field: fi, layer: li });
        }
        return { chain: capChain(layer.chain), view: display.view, text: display.text, truncated: display.truncated, highlights };
      });
      return { name: cap(state.plan.name, CAP.name), layers };
    });
    const notes = [...plan.notes, ...fieldNotes(states[s])];
    if (fields.length === 0 && notes.length === 0) return;
    sections.push({ id: plan.id, title: plan.title, fields, notes: capNotes(notes) });
  });
  if (findings.length > listed.length) {
    const note = `${count(findings.length - listed.length)} more findings of this exchange are not listed (the detail lists the first ${count(MAX_DETAIL_FINDINGS)})`;
    const last = SECTION_OF[findings[listed.length].part];
    const target = sections.find((s) => s.id === last) ?? sections[0];
    if (target) target.notes.push(note);
  }
  // Places were collected section by section; keep each finding's list in field, layer order.
  for (const f of detailFindings) f.places.sort((a, b) => a.field - b.field || a.layer - b.layer);
  return { id: exchange.id, overview: overview(exchange, options), sections, findings: detailFindings };
}

function fieldNotes(states: readonly FieldState[]): string[] {
  const notes: string[] = [];
  for (const state of states) {
    const name = state.plan.name === '' ? 'body' : `"${cap(state.plan.name, CAP.short)}"`;
    const d = state.decoded;
    if (d.omitted > 0) notes.push(`${name}: ${plural(d.omitted, 'more decoded layer')} not shown (at most ${d.layers.length} per field here)`);
    if (d.reduced) notes.push(`${name}: large, so decoded with tighter bounds than the scan; some decoded layers may be missing`);
    for (const hit of d.limits.slice(0, 3)) {
      const where = hit.chain.length > 0 ? ` at ${cap(formatChain(hit.chain), CAP.short)}` : '';
      notes.push(`${name}: decoding stopped${where}: ${cap(hit.detail, CAP.value)}`);
    }
  }
  return notes;
}

function capNotes(notes: string[]): string[] {
  if (notes.length <= MAX_NOTES_PER_SECTION) return notes;
  const kept = notes.slice(0, MAX_NOTES_PER_SECTION - 1);
  kept.push(`… and ${count(notes.length - kept.length)} more notes`);
  return kept;
}

function capChain(chain: readonly string[]): string[] {
  const steps = chain.length > CAP.steps ? chain.slice(0, CAP.steps) : chain;
  return steps.map((s) => cap(s, CAP.step));
}

function detailFinding(f: Finding, judged: DetailFinding['judged']): DetailFinding {
  const place = findingPlace(f);
  const out: DetailFinding = {
    kind: f.kind,
    confidence: f.confidence,
    value: cap(f.value, CAP.value),
    matchedText: cap(f.matchedText, CAP.value),
    section: place.section,
    fieldPath: cap(place.fieldPath, CAP.name),
    chain: capChain(f.chain),
    detector: cap(f.detector, CAP.short),
    reasons: f.reasons.slice(0, CAP.reasons).map((r) => cap(r, CAP.reason)),
    places: [],
    key: findingKey(findingRefOf(f)),
    judged,
  };
  if (f.known) out.known = { label: cap(f.known.label, CAP.short), variant: cap(f.known.variant, CAP.short), learned: !!f.known.learnedFrom };
  return out;
}

// ---- overview ----------------------------------------------------------------------------------

const TIMING_PHASES = ['blocked', 'dns', 'connect', 'ssl', 'send', 'wait', 'receive'] as const;
const EXTRA_NAMES: Record<string, string> = {
  _resourceType: 'resource type', _securityState: 'security state', _fetchType: 'fetch type',
  _initiator_type: 'initiator type', _priority: 'priority', webSocketMessages: 'WebSocket messages',
};

function overview(exchange: Exchange, options: DetailOptions): DetailOverview {
  const req = exchange.request;
  const res = exchange.response;
  const conn = exchange.connection;
  let remoteAddress = '';
  if (conn.serverAddress) {
    const host = conn.serverAddress.includes(':') ? `[${conn.serverAddress}]` : conn.serverAddress;
    remoteAddress = conn.serverPort !== undefined ? `${host}:${conn.serverPort}` : conn.serverAddress;
  }
  const timings: { phase: string; ms: number }[] = [];
  if (exchange.timings) {
    for (const phase of TIMING_PHASES) {
      const ms = exchange.timings[phase];
      if (Number.isFinite(ms) && ms >= 0) timings.push({ phase, ms });
    }
  }
  const extras: { name: string; value: string }[] = [];
  const extra = (name: string, value: string): void => {
    if (extras.length < CAP.extras && value !== '') extras.push({ name: cap(name, CAP.short), value: cap(value, CAP.value) });
  };
  for (const [key, value] of Object.entries(exchange.extras ?? {})) extra(EXTRA_NAMES[key] ?? key.replace(/^_+/, ''), String(value));
  if (conn.id) extra('connection', conn.id);
  if (conn.clientAddress) extra('client address', conn.clientPort !== undefined ? `${conn.clientAddress}:${conn.clientPort}` : conn.clientAddress);
  if (conn.dnsNames && conn.dnsNames.length > 0) extra('server names (DNS)', conn.dnsNames.slice(0, 20).join(', '));
  if (res?.redirectURL) extra('redirects to', res.redirectURL);
  return {
    method: cap(req.method, CAP.short),
    url: cap(req.url, CAP.url),
    httpVersion: cap(req.httpVersion, CAP.short),
    status: res ? res.status : null,
    statusText: res ? cap(res.statusText, CAP.short) : '',
    secure: exchange.secure,
    remoteAddress: cap(remoteAddress, CAP.short),
    tlsSni: cap(conn.tlsSni ?? '', CAP.short),
    startedDateTime: cap(exchange.startedDateTime ?? '', CAP.short),
    durationMs: exchange.durationMs,
    timings,
    origin: originText(exchange, options),
    extras,
  };
}

function originText(exchange: Exchange, options: DetailOptions): string {
  const origin = exchange.origin;
  if (origin.kind === 'har-entry') {
    return cap(`HAR entry ${origin.entryIndex}${origin.pageref ? ` (page ${origin.pageref})` : ''}`, CAP.short);
  }
  const shown = origin.frames.slice(0, 20).join(', ');
  const more = origin.frames.length > 20 ? ` and ${count(origin.frames.length - 20)} more` : '';
  const where = options.format === 'tshark-ek' ? `line ${origin.packetIndex}` : `packet ${origin.packetIndex}`;
  return `${origin.frames.length === 1 ? 'frame' : 'frames'} ${shown}${more} (${where})`;
}

// ---- copying a layer ---------------------------------------------------------------------------

/**
 * The whole text of one layer as exchangeDetail numbers them (section, field, layer), for the
 * clipboard: pretty-printed JSON, the hex dump of binary bytes, or the text, at most
 * MAX_LAYER_TEXT characters. Undefined when there is no such layer.
 */
export function layerText(exchange: Exchange, section: DetailSectionId, field: number, layer: number): string | undefined {
  const plan = planSections(exchange).find((s) => s.id === section);
  const fieldPlan = plan?.fields[field];
  if (!plan || !fieldPlan) return undefined;
  const layers: Layer[] = fieldLayers(fieldPlan.source, plan.maxLayers).layers;
  const l = layers[layer];
  if (!l) return undefined;
  return displayLayer(l, MAX_LAYER_TEXT).text;
}
