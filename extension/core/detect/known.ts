// The known-value matcher: the researcher's own device values (IMEI, phone, MAC, …) and values
// learned from high-confidence findings, found in every form a leak takes — separator and case
// forms, URL-encoding, hex, base64 at any byte offset, MD5/SHA-1/SHA-256 — with the form named.
//
// All variants of all values are compiled into one case-folded Aho–Corasick automaton, so `match`
// costs one pass over the text however many values and variants there are. Hits are then checked
// for case (base64 and free strings are case-sensitive) and for what surrounds them (an IMEI inside
// a longer digit run, or an MD5 inside a longer hex run, is not a match).
import type { IdentifierKind, KnownMatch } from '../model';
import { pickNonOverlapping } from './intervals';
import { CaseFoldedAutomaton, foldAscii } from './known/automaton';
import {
  analyseKnown, EDGE_ALNUM, EDGE_BASE64, EDGE_DIGIT, EDGE_EMAIL, EDGE_HEX_BYTE, EDGE_NUMBER,
  generateNeedles, KIND_ALIASES, KNOWN_KINDS,
  type KnownKind, type NeedleSpec,
} from './known/variants';

export { KNOWN_KINDS, type KnownKind } from './known/variants';

export interface KnownValue {
  kind: KnownKind;
  value: string;
  /** The researcher's name for it ("test phone SIM 1"); the kind when absent. */
  label?: string;
  /** Set when the scanner learned the value from a high-confidence finding in the capture. */
  learnedFrom?: { exchangeId: number; kind: IdentifierKind };
}

export interface KnownHit {
  /** Offsets of matchedText in the text given to `match` (UTF-16 code units). */
  start: number;
  end: number;
  matchedText: string;
  /** The known value as it was added. */
  value: KnownValue;
  /** Its canonical form (what findings report as their value). */
  canonical: string;
  /** The identifier kind for findings (`known_value` for free strings). */
  kind: IdentifierKind;
  /** Which form matched: `as-is`, `uppercase no-separators`, `url-encoded`, `base64`, `md5(uppercase no-separators)`, `sha1 base64`, … */
  variant: string;
}

/** A known value or known-values file is not usable; the message says what and where. */
export class KnownValueError extends Error {
  override name = 'KnownValueError';
}

/** Canonical form of a value: digits for IMEI/IMSI/ICCID, E.164 phone, lower-case colon MAC, lower-case e-mail and hex IDs. '' when the value is not usable as that kind. */
export function normaliseKnown(kind: KnownKind, value: string): string {
  const a = analyseKnown(kind, value);
  return 'canonical' in a ? a.canonical : '';
}

/** Why a value cannot be used as that kind, or undefined when it can. */
export function knownValueProblem(kind: KnownKind, value: string): string | undefined {
  const a = analyseKnown(kind, value);
  return 'problem' in a ? a.problem : undefined;
}

/** The finding's `known` field for a hit. */
export function knownMatchOf(hit: KnownHit): KnownMatch {
  const m: KnownMatch = { label: hit.value.label ?? hit.value.kind, variant: hit.variant };
  if (hit.value.learnedFrom) m.learnedFrom = { ...hit.value.learnedFrom };
  return m;
}

/** Kind name as typed (`imei`, `android-id`, `GAID`) to a kind, or undefined. */
export function knownKindOf(name: string): KnownKind | undefined {
  const k = name.trim().toLowerCase().replace(/-/g, '_');
  if ((KNOWN_KINDS as readonly string[]).includes(k)) return k as KnownKind;
  // Own properties only: a kind named `__proto__` or `constructor` is simply unknown.
  const alias = (name: string): KnownKind | undefined => (Object.hasOwn(KIND_ALIASES, name) ? KIND_ALIASES[name] : undefined);
  return alias(k) ?? alias(k.replace(/_/g, ''));
}

const KIND_LIST = KNOWN_KINDS.join(', ');

/**
 * One `--known` argument: `KIND=VALUE`, or `KIND:LABEL=VALUE` to name it.
 * Throws KnownValueError saying what is wrong (the message does not repeat the argument; the CLI
 * puts `--known SPEC:` in front of it).
 */
export function parseKnownSpec(spec: string): KnownValue {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new KnownValueError(`expected KIND=VALUE, e.g. imei=868715392756833 (kinds: ${KIND_LIST})`);
  const head = spec.slice(0, eq);
  const colon = head.indexOf(':');
  const kindName = (colon < 0 ? head : head.slice(0, colon)).trim();
  const label = colon < 0 ? undefined : head.slice(colon + 1).trim() || undefined;
  if (!kindName) throw new KnownValueError(`the kind before "=" is missing (kinds: ${KIND_LIST})`);
  const kind = knownKindOf(kindName);
  if (!kind) throw new KnownValueError(`unknown kind "${kindName}"; expected one of ${KIND_LIST}`);
  const value = spec.slice(eq + 1);
  const problem = knownValueProblem(kind, value);
  if (problem) throw new KnownValueError(`${kind}: ${problem}`);
  return label ? { kind, value: value.trim(), label } : { kind, value: value.trim() };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * A known-values file: `{"imei": ["868715392756833"], "mac": "28:6c:07:c0:35:8f"}`. Each key is a
 * kind; each value a string, a number (digit kinds), `{"value": …, "label": …}`, or a list of these.
 * Throws KnownValueError naming the file and the key.
 */
export function parseKnownFile(json: unknown, file: string): KnownValue[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new KnownValueError(`${file}: expected a JSON object mapping kinds to values, e.g. {"imei": ["868715392756833"]}, found ${typeName(json)}`);
  }
  const out: KnownValue[] = [];
  for (const [key, entry] of Object.entries(json as Record<string, unknown>)) {
    const kind = knownKindOf(key);
    if (!kind) throw new KnownValueError(`${file}: unknown kind "${key}"; expected one of ${KIND_LIST}`);
    const items = Array.isArray(entry) ? entry : [entry];
    if (Array.isArray(entry) && entry.length === 0) throw new KnownValueError(`${file}: "${key}" is an empty list`);
    items.forEach((item, i) => {
      const where = Array.isArray(entry) ? `"${key}"[${i}]` : `"${key}"`;
      let value: string;
      let label: string | undefined;
      if (typeof item === 'string') {
        value = item;
      } else if (typeof item === 'number') {
        if (!Number.isSafeInteger(item) || item < 0) {
          throw new KnownValueError(`${file}: ${where}: the number ${item} cannot be read exactly; write it as a string`);
        }
        value = String(item);
      } else if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        const o = item as Record<string, unknown>;
        if (typeof o.value !== 'string') throw new KnownValueError(`${file}: ${where}: expected "value" to be a string, found ${typeName(o.value)}`);
        if (o.label !== undefined && typeof o.label !== 'string') throw new KnownValueError(`${file}: ${where}: expected "label" to be a string, found ${typeName(o.label)}`);
        value = o.value;
        label = o.label === undefined ? undefined : o.label;
      } else {
        throw new KnownValueError(`${file}: ${where}: expected a string, a list of strings or {"value": …, "label": …}, found ${typeName(item)}`);
      }
      const problem = knownValueProblem(kind, value);
      if (problem) throw new KnownValueError(`${file}: ${where}: ${problem}`);
      out.push(label ? { kind, value: value.trim(), label } : { kind, value: value.trim() });
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The matcher

interface Entry {
  value: KnownValue;
  canonical: string;
  kind: IdentifierKind;
}

interface Needle extends NeedleSpec {
  entry: number;
  /** Order within its value: lower is more specific (wins ties of equal length). */
  priority: number;
  length: number;
}

interface Compiled {
  automaton: CaseFoldedAutomaton;
  /** Needles sharing each automaton pattern. */
  byPattern: Needle[][];
  needleCount: number;
}

interface Candidate {
  start: number;
  end: number;
  needle: Needle;
}

export class KnownValueMatcher {
  private readonly entries: Entry[] = [];
  private readonly canonicals = new Set<string>();
  private compiled: Compiled | undefined;

  constructor(values: Iterable<KnownValue> = []) {
    for (const v of values) this.add(v);
  }

  /**
   * Adds a value. False when it is not usable as its kind (see knownValueProblem) or a value with
   * the same canonical form is already present. The automaton is rebuilt on the next `match`, so
   * add learned values in batches.
   */
  add(value: KnownValue): boolean {
    const canonical = normaliseKnown(value.kind, value.value);
    if (!canonical || this.canonicals.has(canonical)) return false;
    this.canonicals.add(canonical);
    const kind: IdentifierKind = value.kind === 'string' ? 'known_value' : value.kind;
    this.entries.push({ value, canonical, kind });
    this.compiled = undefined;
    return true;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The values added, in order. */
  values(): KnownValue[] {
    return this.entries.map((e) => e.value);
  }

  /** How many needles (value forms) the automaton holds; compiles if needed. */
  get needleCount(): number {
    return this.compile().needleCount;
  }

  /**
   * Every occurrence of every known value in `text`, ordered by start (longer first at one start).
   * For one value, overlapping hits are resolved longest first, then most specific variant, so a
   * value is reported once per place; different values may overlap.
   */
  match(text: string): KnownHit[] {
    if (this.entries.length === 0 || text.length === 0) return [];
    const { automaton, byPattern } = this.compile();
    const raw: number[] = [];
    automaton.scan(text, raw);
    if (raw.length === 0) return [];

    const hexRun = new RunCache(isHexCode);
    const perEntry = new Map<number, Candidate[]>();
    for (let j = 0; j < raw.length; j += 2) {
      const end = raw[j + 1];
      for (const needle of byPattern[raw[j]]) {
        const start = end - needle.length;
        if (needle.mode !== 'any' && !sameText(text, start, needle.text, needle.mode === 'escape')) continue;
        if (!leftOk(text, start, needle, hexRun) || !rightOk(text, end, needle)) continue;
        let list = perEntry.get(needle.entry);
        if (!list) perEntry.set(needle.entry, (list = []));
        list.push({ start, end, needle });
      }
    }

    const hits: KnownHit[] = [];
    for (const [entryIndex, candidates] of perEntry) {
      const entry = this.entries[entryIndex];
      for (const c of resolveOverlaps(candidates)) {
        const matchedText = text.slice(c.start, c.end);
        hits.push({
          start: c.start,
          end: c.end,
          matchedText,
          value: entry.value,
          canonical: entry.canonical,
          kind: entry.kind,
          variant: variantName(c.needle, matchedText),
        });
      }
    }
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    return hits;
  }

  private compile(): Compiled {
    if (this.compiled) return this.compiled;
    const patternIndex = new Map<string, number>();
    const byPattern: Needle[][] = [];
    let needleCount = 0;
    this.entries.forEach((entry, entryIndex) => {
      const seen = new Set<string>();
      generateNeedles(entry.value.kind, entry.canonical, entry.value.value).forEach((spec, priority) => {
        const folded = foldAscii(spec.text);
        const key = `${spec.mode}|${spec.mode === 'any' ? folded : spec.text}|${spec.left}|${spec.right}`;
        if (seen.has(key)) return;
        seen.add(key);
        let p = patternIndex.get(folded);
        if (p === undefined) {
          p = byPattern.length;
          patternIndex.set(folded, p);
          byPattern.push([]);
        }
        byPattern[p].push({ entry: entryIndex, priority, length: spec.text.length, ...spec });
        needleCount++;
      });
    });
    const automaton = new CaseFoldedAutomaton([...patternIndex.keys()]);
    this.compiled = { automaton, byPattern, needleCount };
    return this.compiled;
  }
}

// ---------------------------------------------------------------------------------------------
// Checks on a candidate

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlnumCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isBase64Code(c: number): boolean {
  return isAlnumCode(c) || c === 43 || c === 47 || c === 45 || c === 95; // + / - _
}

/** Characters that continue an e-mail address's local part to the left. */
function isEmailLeftCode(c: number): boolean {
  return isAlnumCode(c) || c === 46 || c === 95 || c === 43 || c === 45; // . _ + -
}

/** `%XX` just before `pos`: an escape ends there, so the next character starts a new token. */
function escapeEndsAt(text: string, pos: number): boolean {
  return pos >= 3 && text.charCodeAt(pos - 3) === 37 && isHexCode(text.charCodeAt(pos - 2)) && isHexCode(text.charCodeAt(pos - 1));
}

/** Compare text[start, start+needle.length) with the needle; `escapes`: %XX escapes in any case. */
function sameText(text: string, start: number, needle: string, escapes: boolean): boolean {
  for (let i = 0; i < needle.length; i++) {
    const a = text.charCodeAt(start + i);
    const b = needle.charCodeAt(i);
    if (a === b) continue;
    if (escapes && (a | 32) === (b | 32) && isHexCode(b) && ((i >= 1 && needle.charCodeAt(i - 1) === 37) || (i >= 2 && needle.charCodeAt(i - 2) === 37))) continue;
    return false;
  }
  return true;
}

/** Start of the run of `isRunChar` characters containing `pos`, remembering the last answer. */
class RunCache {
  private pos = -1;
  private start = -1;
  constructor(private readonly isRunChar: (c: number) => boolean) {}

  startOf(text: string, pos: number): number {
    let i = pos;
    if (this.pos >= 0 && this.pos <= pos) {
      while (i > this.pos && this.isRunChar(text.charCodeAt(i - 1))) i--;
      const start = i === this.pos ? this.start : i;
      this.pos = pos;
      this.start = start;
      return start;
    }
    while (i > 0 && this.isRunChar(text.charCodeAt(i - 1))) i--;
    this.pos = pos;
    this.start = i;
    return i;
  }
}

function leftOk(text: string, start: number, needle: Needle, hexRun: RunCache): boolean {
  if (needle.left === 0 || start === 0) return true;
  const prev = text.charCodeAt(start - 1);
  const first = needle.text.charCodeAt(0);
  switch (needle.left) {
    case EDGE_DIGIT:
      return !isDigitCode(first) || !isDigitCode(prev) || escapeEndsAt(text, start);
    case EDGE_ALNUM:
      return !isAlnumCode(first) || !isAlnumCode(prev) || escapeEndsAt(text, start);
    case EDGE_EMAIL:
      return !isEmailLeftCode(prev) || escapeEndsAt(text, start);
    case EDGE_BASE64:
      return !isBase64Code(prev) || escapeEndsAt(text, start);
    case EDGE_NUMBER:
      return !isDigitCode(first) || !(isDigitCode(prev) || prev === 46 || prev === 45) || escapeEndsAt(text, start);
    case EDGE_HEX_BYTE:
      return !isHexCode(prev) || (start - hexRun.startOf(text, start)) % 2 === 0;
    default:
      return true;
  }
}

function rightOk(text: string, end: number, needle: Needle): boolean {
  if (needle.right === 0 || end >= text.length) return true;
  const next = text.charCodeAt(end);
  const last = needle.text.charCodeAt(needle.text.length - 1);
  switch (needle.right) {
    case EDGE_DIGIT:
      return !isDigitCode(last) || !isDigitCode(next);
    case EDGE_ALNUM:
      return !isAlnumCode(last) || !isAlnumCode(next);
    case EDGE_EMAIL:
      return !(isAlnumCode(next) || next === 45 || next === 95 || (next === 46 && end + 1 < text.length && isAlnumCode(text.charCodeAt(end + 1))));
    case EDGE_BASE64:
      return !isBase64Code(next);
    case EDGE_NUMBER:
      return !isDigitCode(last) || !(isDigitCode(next) || (next === 46 && end + 1 < text.length && isDigitCode(text.charCodeAt(end + 1))));
    default:
      return true;
  }
}

/** Name of the variant seen, from the case of the letters outside %XX escapes (`any` needles). */
function variantName(needle: Needle, matched: string): string {
  if (needle.mode !== 'any') return needle.name;
  let lower = false;
  let upper = false;
  for (let i = 0; i < matched.length; i++) {
    const c = matched.charCodeAt(i);
    if (c === 37 && i + 2 < matched.length && isHexCode(matched.charCodeAt(i + 1)) && isHexCode(matched.charCodeAt(i + 2))) {
      i += 2;
      continue;
    }
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
  }
  if (!upper) return needle.name;
  return lower ? needle.mixedName : needle.upperName;
}

/** Non-overlapping hits of one value: longest first, then most specific, then leftmost. */
function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  if (candidates.length === 1) return candidates;
  candidates.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Candidate[] = [];
  let i = 0;
  while (i < candidates.length) {
    // A cluster: candidates connected by overlap.
    let j = i + 1;
    let clusterEnd = candidates[i].end;
    while (j < candidates.length && candidates[j].start < clusterEnd) {
      clusterEnd = Math.max(clusterEnd, candidates[j].end);
      j++;
    }
    if (j - i === 1) {
      kept.push(candidates[i]);
    } else {
      const cluster = candidates.slice(i, j).sort((a, b) => (b.end - b.start) - (a.end - a.start) || a.needle.priority - b.needle.priority || a.start - b.start);
      for (const hit of pickNonOverlapping(cluster)) kept.push(hit);
    }
    i = j;
  }
  return kept;
}
