// Reading and writing the sidecar's text. Reading validates every field against the model and
// refuses anything else with an error naming the file, the place (line, column and JSON path) and
// what was expected, so a hand-edited or half-merged file is reported, never "repaired" and then
// overwritten. Writing gives the same bytes for the same data (fixed key order, sorted unknown
// keys, annotations sorted by creation) so the file diffs well in git.
//
// The sidecar sits in a repository next to a capture and may come from anyone: it is hostile input
// like the capture itself. Parsing goes through our own JSON parser, which defines `__proto__` as
// a plain own key, and every object built here copies keys one by one with `defineKey`.
import { basename } from 'node:path';
import type { ExchangePart, IdentifierKind, SourceLocation } from '../model';
import { formatLocation } from '../load/errors';
import { JsonSyntaxError, isJsonObject, parseJson, type JsonObject, type JsonValue } from '../load/json';
import { positionOf } from '../load/locate';
import {
  FINDING_STATES,
  SEVERITIES,
  SIDECAR_SUFFIX,
  SIDECAR_VERSION,
  type AdvisoryMeta,
  type Annotation,
  type ExchangeAnchor,
  type FindingRef,
  type FindingState,
  type Sidecar,
} from './model';

/** Larger sidecars are refused: 64 Mi characters is far beyond any study, and bounds memory. */
export const MAX_SIDECAR_CHARS = 64 * 1024 * 1024;
/** Nesting bound for the whole document (unknown fields included); the known schema needs 6. */
export const MAX_SIDECAR_DEPTH = 256;

/**
 * The sidecar cannot be used as it is. The message names the file, where (line, column, JSON
 * path) and what was expected there; nothing has been written.
 */
export class SidecarError extends Error {
  override readonly name = 'SidecarError';

  constructor(
    readonly file: string,
    readonly reason: string,
    readonly location?: SourceLocation,
    readonly expected?: string,
  ) {
    const where = formatLocation(location);
    super(`${file}${where ? ` (${where})` : ''}: ${reason}${expected ? `; expected ${expected}` : ''}`);
  }
}

/** `capture.har` → `capture.har.leaklens.json`, in the same folder. */
export function sidecarPathFor(capturePath: string): string {
  return capturePath + SIDECAR_SUFFIX;
}

export function emptySidecar(captureFile: string, byteLength?: number): Sidecar {
  const capture: Sidecar['capture'] = { file: basename(captureFile) };
  if (byteLength !== undefined) capture.byteLength = byteLength;
  return { version: SIDECAR_VERSION, capture, annotations: [], findingStates: [] };
}

/** Sets an own data property even for `__proto__`, where plain assignment would set the prototype. */
export function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

// Records rather than lists, so the compiler checks that each names every member of the union.
const KINDS: Record<IdentifierKind, true> = {
  imei: true, imsi: true, iccid: true, meid: true, phone: true, email: true, mac: true, android_id: true,
  ad_id: true, serial: true, geo: true, carrier: true, known_value: true,
};
const PARTS: Record<ExchangePart, true> = {
  url: true, query: true, request_header: true, request_cookie: true, request_body: true,
  response_header: true, response_cookie: true, response_body: true,
};

// ---------------------------------------------------------------------------------------------
// Parsing

type Seg = string | number;

export function jsonPathOf(path: readonly Seg[]): string {
  let out = '$';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += /^[A-Za-z_$][\w$]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function describeValue(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Validation state: the text (to turn a JSON path into a line and column) and the file name. */
class Reader {
  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  fail(path: readonly Seg[], reason: string, expected?: string): never {
    const location: SourceLocation = { jsonPath: jsonPathOf(path) };
    const offset = valueOffset(this.text, path);
    if (offset >= 0) Object.assign(location, positionOf(this.text, offset));
    throw new SidecarError(this.file, reason, location, expected);
  }

  object(value: JsonValue | undefined, path: readonly Seg[], expected: string): JsonObject {
    if (!isJsonObject(value)) this.fail(path, `found ${describeValue(value)}`, expected);
    return value;
  }

  array(value: JsonValue | undefined, path: readonly Seg[], expected: string): JsonValue[] {
    if (!Array.isArray(value)) this.fail(path, `found ${describeValue(value)}`, expected);
    return value;
  }

  string(o: JsonObject, key: string, path: readonly Seg[], what = 'a string'): string {
    const value = own(o, key);
    if (value === undefined) this.fail(path, `"${key}" is missing`, `${what} in "${key}"`);
    if (typeof value !== 'string') this.fail([...path, key], `found ${describeValue(value)}`, what);
    return value;
  }

  optionalString(o: JsonObject, key: string, path: readonly Seg[]): string | undefined {
    return own(o, key) === undefined ? undefined : this.string(o, key, path);
  }

  strings(value: JsonValue | undefined, path: readonly Seg[]): string[] {
    const items = this.array(value, path, 'an array of strings');
    return items.map((item, i) => {
      if (typeof item !== 'string') this.fail([...path, i], `found ${describeValue(item)}`, 'a string');
      return item;
    });
  }

  count(o: JsonObject, key: string, path: readonly Seg[]): number {
    const value = own(o, key);
    if (value === undefined) this.fail(path, `"${key}" is missing`, `a whole number ≥ 0 in "${key}"`);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      this.fail([...path, key], `found ${describeValue(value)}`, 'a whole number ≥ 0');
    }
    return value;
  }

  oneOf<T extends string>(o: JsonObject, key: string, path: readonly Seg[], allowed: Record<T, true> | readonly T[]): T {
    const names = Array.isArray(allowed) ? (allowed as readonly T[]) : (Object.keys(allowed) as T[]);
    const value = this.string(o, key, path, `one of ${names.join(', ')}`);
    if (!(names as readonly string[]).includes(value)) {
      this.fail([...path, key], `unknown value ${JSON.stringify(value)}`, `one of ${names.join(', ')}`);
    }
    return value as T;
  }

  dateTime(o: JsonObject, key: string, path: readonly Seg[]): string {
    const value = this.string(o, key, path, 'an ISO 8601 date and time');
    if (Number.isNaN(Date.parse(value))) this.fail([...path, key], `${JSON.stringify(value)} is not a date`, 'an ISO 8601 date and time');
    return value;
  }
}

/** An own property only: `constructor` or `toString` in a file must not find Object.prototype's. */
function own(o: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** The keys of `o` this version does not know, copied one by one; undefined when there are none. */
function extrasOf(o: JsonObject, known: readonly string[]): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    extra ??= {};
    defineKey(extra, key, o[key]);
  }
  return extra;
}

const SIDECAR_KEYS = ['version', 'capture', 'advisory', 'knownValues', 'annotations', 'findingStates'] as const;
const CAPTURE_KEYS = ['file', 'byteLength'] as const;
const ANCHOR_KEYS = ['index', 'method', 'url', 'startedDateTime', 'requestBodySha256'] as const;
const FINDING_REF_KEYS = ['kind', 'value', 'part', 'fieldPath', 'chain'] as const;
const ANNOTATION_KEYS = ['id', 'title', 'severity', 'exchanges', 'findings', 'tags', 'notes', 'created', 'updated'] as const;
const FINDING_STATE_KEYS = ['exchange', 'finding', 'state', 'reason'] as const;
const ADVISORY_KEYS = ['title', 'summary', 'product', 'vendor', 'versions', 'setup', 'researcher', 'timeline'] as const;
const TIMELINE_KEYS = ['date', 'event'] as const;

/**
 * Parse and validate a sidecar. `file` names it in errors. Throws SidecarError for anything that
 * is not valid JSON, not this schema, from a newer LeakLens, repeated keys (all but one would be
 * lost on the next save), or beyond the size and nesting bounds.
 */
export function parseSidecar(text: string, file: string): Sidecar {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length > MAX_SIDECAR_CHARS) {
    throw new SidecarError(file, `the file is too large (${text.length} characters)`, { jsonPath: '$' }, `at most ${MAX_SIDECAR_CHARS} characters`);
  }
  const marker = /^(<{7}|={7}|>{7})(?: |$)/m.exec(text);
  if (marker) {
    // The most likely broken sidecar: a git merge left its markers. Say so rather than "expected a value".
    throw new SidecarError(file, `unresolved merge conflict marker ${marker[1]}`, positionOf(text, marker.index), 'the conflict resolved (keep one side or both annotations) and the markers removed');
  }
  let root: JsonValue;
  try {
    const parsed = parseJson(text, { maxDepth: MAX_SIDECAR_DEPTH });
    root = parsed.value;
    if (parsed.duplicateKeyCount > 0) {
      const dup = firstDuplicateKey(text);
      const location: SourceLocation = dup ? { jsonPath: jsonPathOf(dup.path), ...positionOf(text, dup.offset) } : {};
      throw new SidecarError(file, `the property ${JSON.stringify(dup?.key ?? '')} appears more than once in one object (saving would keep only the last)`, location, 'each property name once per object');
    }
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    throw new SidecarError(file, `not valid JSON: found ${err.found}`, { line: err.line, column: err.column }, err.expected);
  }

  const r: Reader = new Reader(text, file);
  const top = r.object(root, [], 'a LeakLens sidecar object ({"version": 1, "capture": …})');
  const version = own(top, 'version');
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    r.fail(version === undefined ? [] : ['version'], version === undefined ? '"version" is missing' : `found ${describeValue(version)}`, 'a schema version number such as 1');
  }
  if (version > SIDECAR_VERSION) {
    r.fail(['version'], `written by a newer LeakLens (schema version ${version}; this one reads up to ${SIDECAR_VERSION}): update LeakLens to open it — the file was left as it is`);
  }

  const captureObj = r.object(own(top, 'capture'), ['capture'], 'an object {"file": "<capture file name>"}');
  const capture: Sidecar['capture'] = { file: r.string(captureObj, 'file', ['capture']) };
  if (own(captureObj, 'byteLength') !== undefined) capture.byteLength = r.count(captureObj, 'byteLength', ['capture']);
  setExtra(capture, extrasOf(captureObj, CAPTURE_KEYS));

  const sidecar: Sidecar = { version, capture, annotations: [], findingStates: [] };
  if (own(top, 'advisory') !== undefined) sidecar.advisory = readAdvisory(r, own(top, 'advisory'), ['advisory']);
  if (own(top, 'knownValues') !== undefined) sidecar.knownValues = readKnownValues(r, own(top, 'knownValues'), ['knownValues']);

  if (own(top, 'annotations') !== undefined) {
    const seen = new Map<string, number>();
    const items = r.array(own(top, 'annotations'), ['annotations'], 'an array of annotations');
    for (let i = 0; i < items.length; i++) {
      const a = readAnnotation(r, items[i], ['annotations', i]);
      // Edits and merges find an annotation by id: two with one id would overwrite each other.
      const first = seen.get(a.id);
      if (first !== undefined) r.fail(['annotations', i, 'id'], `the id ${JSON.stringify(a.id)} is also used by annotations[${first}]`, 'a unique id per annotation');
      seen.set(a.id, i);
      sidecar.annotations.push(a);
    }
  }
  if (own(top, 'findingStates') !== undefined) {
    const items = r.array(own(top, 'findingStates'), ['findingStates'], 'an array of finding states');
    for (let i = 0; i < items.length; i++) sidecar.findingStates.push(readFindingState(r, items[i], ['findingStates', i]));
  }
  setExtra(sidecar, extrasOf(top, SIDECAR_KEYS));
  return sidecar;
}

function setExtra(target: { extra?: Record<string, unknown> }, extra: Record<string, unknown> | undefined): void {
  if (extra) target.extra = extra;
}

function readAnchor(r: Reader, value: JsonValue | undefined, path: Seg[]): ExchangeAnchor {
  const o = r.object(value, path, 'an exchange anchor {"index", "method", "url", …}');
  const anchor: ExchangeAnchor = {
    index: r.count(o, 'index', path),
    method: r.string(o, 'method', path),
    url: r.string(o, 'url', path),
  };
  const started = r.optionalString(o, 'startedDateTime', path);
  if (started !== undefined) anchor.startedDateTime = started;
  const sha = r.optionalString(o, 'requestBodySha256', path);
  if (sha !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(sha)) r.fail([...path, 'requestBodySha256'], `${JSON.stringify(sha.slice(0, 80))} is not a SHA-256`, '64 lower-case hex digits');
    anchor.requestBodySha256 = sha;
  }
  setExtra(anchor, extrasOf(o, ANCHOR_KEYS));
  return anchor;
}

function readFindingRef(r: Reader, value: JsonValue | undefined, path: Seg[]): FindingRef {
  const o = r.object(value, path, 'a finding {"kind", "value", "part", "fieldPath", "chain"}');
  const ref: FindingRef = {
    kind: r.oneOf(o, 'kind', path, KINDS),
    value: r.string(o, 'value', path),
    part: r.oneOf(o, 'part', path, PARTS),
    fieldPath: r.string(o, 'fieldPath', path),
    chain: r.strings(own(o, 'chain'), [...path, 'chain']),
  };
  setExtra(ref, extrasOf(o, FINDING_REF_KEYS));
  return ref;
}

function readAnnotation(r: Reader, value: JsonValue | undefined, path: Seg[]): Annotation {
  const o = r.object(value, path, 'an annotation object');
  const id = r.string(o, 'id', path);
  if (id === '') r.fail([...path, 'id'], 'the id is empty', 'a non-empty id');
  const annotation: Annotation = {
    id,
    exchanges: r.array(own(o, 'exchanges'), [...path, 'exchanges'], 'an array of exchange anchors').map((x, i) => readAnchor(r, x, [...path, 'exchanges', i])),
    severity: r.oneOf(o, 'severity', path, SEVERITIES),
    title: r.string(o, 'title', path),
    notes: r.string(o, 'notes', path),
    tags: r.strings(own(o, 'tags'), [...path, 'tags']),
    findings: r.array(own(o, 'findings'), [...path, 'findings'], 'an array of findings').map((x, i) => readFindingRef(r, x, [...path, 'findings', i])),
    created: r.dateTime(o, 'created', path),
    updated: r.dateTime(o, 'updated', path),
  };
  setExtra(annotation, extrasOf(o, ANNOTATION_KEYS));
  return annotation;
}

function readFindingState(r: Reader, value: JsonValue | undefined, path: Seg[]): FindingState {
  const o = r.object(value, path, 'a finding state {"exchange", "finding", "state", "reason"}');
  const state: FindingState = {
    exchange: readAnchor(r, own(o, 'exchange'), [...path, 'exchange']),
    finding: readFindingRef(r, own(o, 'finding'), [...path, 'finding']),
    state: r.oneOf(o, 'state', path, FINDING_STATES),
    reason: r.string(o, 'reason', path),
  };
  setExtra(state, extrasOf(o, FINDING_STATE_KEYS));
  return state;
}

function readAdvisory(r: Reader, value: JsonValue | undefined, path: Seg[]): AdvisoryMeta {
  const o = r.object(value, path, 'an object of advisory fields');
  const advisory: AdvisoryMeta = {};
  for (const key of ['title', 'summary', 'product', 'vendor', 'setup', 'researcher'] as const) {
    const text = r.optionalString(o, key, path);
    if (text !== undefined) advisory[key] = text;
  }
  if (own(o, 'versions') !== undefined) advisory.versions = r.strings(own(o, 'versions'), [...path, 'versions']);
  if (own(o, 'timeline') !== undefined) {
    advisory.timeline = r.array(own(o, 'timeline'), [...path, 'timeline'], 'an array of {"date", "event"}').map((item, i) => {
      const at = [...path, 'timeline', i];
      const entryObj = r.object(item, at, 'a timeline entry {"date", "event"}');
      const entry: NonNullable<AdvisoryMeta['timeline']>[number] = { date: r.string(entryObj, 'date', at), event: r.string(entryObj, 'event', at) };
      setExtra(entry, extrasOf(entryObj, TIMELINE_KEYS));
      return entry;
    });
  }
  setExtra(advisory, extrasOf(o, ADVISORY_KEYS));
  return advisory;
}

/** The leaklens.knownValues setting's shape: each key a kind (or alias), each value a string or strings. */
function readKnownValues(r: Reader, value: JsonValue | undefined, path: Seg[]): Record<string, unknown> {
  const o = r.object(value, path, 'an object like {"imei": "…", "mac": ["…", "…"]}');
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (typeof v === 'string') defineKey(out, key, v);
    else if (Array.isArray(v)) defineKey(out, key, r.strings(v, [...path, key]));
    else r.fail([...path, key], `found ${describeValue(v)}`, 'a string or an array of strings');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Locating a JSON path in the text, for error messages. The text is known to be valid JSON here.

function skipWs(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Index after the string whose opening quote is at `i`. */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) i++;
  }
  return text.length;
}

/** Index after the value starting at `i`; iterative, so deep unknown fields cannot overflow. */
function skipValue(text: string, i: number): number {
  i = skipWs(text, i);
  const first = text.charCodeAt(i);
  if (first === 0x22) return skipString(text, i);
  if (first !== 0x7b && first !== 0x5b) {
    // A number or literal runs to the next delimiter.
    while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
    return i;
  }
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = skipString(text, i) - 1;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
  }
  return text.length;
}

/** Offset of the value at `path`, or -1 when the path does not lead anywhere in the text. */
function valueOffset(text: string, path: readonly Seg[]): number {
  let at = skipWs(text, 0);
  for (const seg of path) {
    const open = text.charCodeAt(at);
    let i = skipWs(text, at + 1);
    let found = -1;
    if (typeof seg === 'number' && open === 0x5b) {
      for (let k = 0; text.charCodeAt(i) !== 0x5d && i < text.length; k++) {
        if (k === seg) {
          found = i;
          break;
        }
        i = skipWs(text, skipValue(text, i));
        if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
      }
    } else if (typeof seg === 'string' && open === 0x7b) {
      while (text.charCodeAt(i) === 0x22) {
        const keyEnd = skipString(text, i);
        const key = JSON.parse(text.slice(i, keyEnd)) as string;
        const valueAt = skipWs(text, skipWs(text, keyEnd) + 1);
        if (key === seg) {
          found = valueAt;
          break;
        }
        i = skipWs(text, skipValue(text, valueAt));
        if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
      }
    }
    if (found < 0) return at;
    at = found;
  }
  return at;
}

/** The first key repeated within one object: where it is and the path to it. */
function firstDuplicateKey(text: string): { key: string; offset: number; path: Seg[] } | undefined {
  interface Frame {
    keys?: Set<string>;
    /** The member or element being read, for the path. */
    at: Seg;
  }
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x22) {
      const end = skipString(text, i);
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) return { key, offset: i, path: [...stack.slice(0, -1).map((f) => f.at), key] };
        top.keys.add(key);
        top.at = key;
        expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === 0x7b) {
      stack.push({ keys: new Set(), at: '' });
      expectKey = true;
    } else if (c === 0x5b) stack.push({ at: 0 });
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c && top) {
      if (top.keys) expectKey = true;
      else top.at = (top.at as number) + 1;
    }
    i++;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Serializing

/** An object whose keys are written in exactly this order (a JS object would move "1" first). */
class Ordered {
  constructor(readonly entries: [string, unknown][]) {}
}

/** Known keys in their fixed order (undefined ones left out), then unknown keys sorted. */
function ordered(known: [string, unknown][], extra: Record<string, unknown> | undefined): Ordered {
  const entries = known.filter(([, value]) => value !== undefined);
  if (extra) {
    for (const key of Object.keys(extra).sort()) {
      // A known key smuggled into `extra` by a caller would be written twice; the real field wins.
      if (!known.some(([k]) => k === key)) entries.push([key, extra[key]]);
    }
  }
  return new Ordered(entries);
}

function anchorNode(a: ExchangeAnchor): Ordered {
  return ordered([['index', a.index], ['method', a.method], ['url', a.url], ['startedDateTime', a.startedDateTime], ['requestBodySha256', a.requestBodySha256]], a.extra);
}

function findingNode(f: FindingRef): Ordered {
  return ordered([['kind', f.kind], ['value', f.value], ['part', f.part], ['fieldPath', f.fieldPath], ['chain', f.chain]], f.extra);
}

/** Milliseconds of `created` for sorting; NaN sorts last. */
function createdMs(a: Annotation): number {
  const ms = Date.parse(a.created);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** Creation order, then id: a new annotation adds lines at one place and never moves the others. */
export function compareAnnotations(a: Annotation, b: Annotation): number {
  return createdMs(a) - createdMs(b) || (a.created < b.created ? -1 : a.created > b.created ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function sidecarNode(s: Sidecar): Ordered {
  const advisory = s.advisory;
  return ordered(
    [
      ['version', s.version],
      ['capture', ordered([['file', s.capture.file], ['byteLength', s.capture.byteLength]], s.capture.extra)],
      [
        'advisory',
        advisory &&
          ordered(
            [
              ['title', advisory.title],
              ['summary', advisory.summary],
              ['product', advisory.product],
              ['vendor', advisory.vendor],
              ['versions', advisory.versions],
              ['setup', advisory.setup],
              ['researcher', advisory.researcher],
              ['timeline', advisory.timeline?.map((t) => ordered([['date', t.date], ['event', t.event]], t.extra))],
            ],
            advisory.extra,
          ),
      ],
      // The researcher's own order of kinds is kept: it is theirs, and stable from save to save.
      ['knownValues', s.knownValues],
      [
        'annotations',
        [...s.annotations].sort(compareAnnotations).map((a) =>
          ordered(
            [
              ['id', a.id],
              ['title', a.title],
              ['severity', a.severity],
              ['exchanges', a.exchanges.map(anchorNode)],
              ['findings', a.findings.map(findingNode)],
              ['tags', a.tags],
              ['notes', a.notes],
              ['created', a.created],
              ['updated', a.updated],
            ],
            a.extra,
          ),
        ),
      ],
      [
        'findingStates',
        s.findingStates.map((f) => ordered([['exchange', anchorNode(f.exchange)], ['finding', findingNode(f.finding)], ['state', f.state], ['reason', f.reason]], f.extra)),
      ],
    ],
    s.extra,
  );
}

function writeNode(value: unknown, indent: string, out: string[]): void {
  if (value === null || value === undefined) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      out.push(Number.isFinite(value) ? JSON.stringify(value) : 'null');
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`a sidecar holds JSON data only, not ${typeof value}`);
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[\n');
    value.forEach((item, i) => {
      out.push(inner);
      writeNode(item, inner, out);
      out.push(i < value.length - 1 ? ',\n' : '\n');
    });
    out.push(`${indent}]`);
    return;
  }
  // Unknown values keep the key order they were read in (a newer LeakLens's own fixed order).
  const entries = value instanceof Ordered ? value.entries : Object.keys(value).map((k): [string, unknown] => [k, (value as Record<string, unknown>)[k]]).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{\n');
  entries.forEach(([key, item], i) => {
    out.push(`${inner}${JSON.stringify(key)}: `);
    writeNode(item, inner, out);
    out.push(i < entries.length - 1 ? ',\n' : '\n');
  });
  out.push(`${indent}}`);
}

/**
 * The sidecar's text: 2-space indent, a trailing newline, known keys in a fixed order then unknown
 * keys sorted, arrays in their own order except annotations (by creation, then id). The same data
 * always gives the same bytes.
 */
export function serializeSidecar(sidecar: Sidecar): string {
  const out: string[] = [];
  writeNode(sidecarNode(sidecar), '', out);
  out.push('\n');
  return out.join('');
}
