// JSON laid out for reading, and JSON values found by path, for the detail pane.
//
// Pretty-printing re-emits every token of the source verbatim and only changes the whitespace
// between tokens, so an offset inside a token (a highlight inside a string) maps 1:1. The grammar
// is decode/json.ts's scanner's (raw control characters inside strings are tolerated there, so
// they are here): what the decoder read as JSON is shown as JSON. Everything is iterative with an
// explicit stack and linear in the text; invalid JSON gives undefined (show it as text).
import { pathSegment } from '../decode/json';
import { MAX_JSON_DEPTH } from '../decode/index';
import { readJsonEscape } from '../load/jsonEscape';
import { Finder } from './offsets';

const enum Tok {
  End, OpenObject, CloseObject, OpenArray, CloseArray, Comma, Colon, String, Number, Literal, Null, Bad,
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** A tokenizer over `text` from `pos`; `start`/`end` hold the last token's span. */
class Lexer {
  start = 0;
  end = 0;
  // Both only move forward: strings full of escapes are still read in linear time.
  private readonly quotes: Finder;
  private readonly backslashes: Finder;

  constructor(
    private readonly text: string,
    public pos: number,
  ) {
    this.quotes = new Finder(text, '"');
    this.backslashes = new Finder(text, '\\');
  }

  next(): Tok {
    const text = this.text;
    const n = text.length;
    let i = this.pos;
    while (i < n && isWs(text.charCodeAt(i))) i++;
    this.start = i;
    if (i >= n) {
      this.end = this.pos = i;
      return Tok.End;
    }
    const c = text.charCodeAt(i);
    let tok: Tok;
    switch (c) {
      case 0x7b: tok = Tok.OpenObject; i++; break;
      case 0x7d: tok = Tok.CloseObject; i++; break;
      case 0x5b: tok = Tok.OpenArray; i++; break;
      case 0x5d: tok = Tok.CloseArray; i++; break;
      case 0x2c: tok = Tok.Comma; i++; break;
      case 0x3a: tok = Tok.Colon; i++; break;
      case 0x22: {
        const close = this.stringEnd(i);
        if (close < 0) return Tok.Bad;
        tok = Tok.String;
        i = close;
        break;
      }
      case 0x74:
        if (!text.startsWith('true', i)) return Tok.Bad;
        tok = Tok.Literal;
        i += 4;
        break;
      case 0x66:
        if (!text.startsWith('false', i)) return Tok.Bad;
        tok = Tok.Literal;
        i += 5;
        break;
      case 0x6e:
        if (!text.startsWith('null', i)) return Tok.Bad;
        tok = Tok.Null;
        i += 4;
        break;
      default: {
        const e = numberEnd(text, i);
        if (e < 0) return Tok.Bad;
        tok = Tok.Number;
        i = e;
      }
    }
    this.end = this.pos = i;
    return tok;
  }

  /** Index after the closing quote of the string at `quote`, or -1. */
  private stringEnd(quote: number): number {
    const text = this.text;
    let from = quote + 1;
    for (;;) {
      const close = this.quotes.at(from);
      if (close === -1) return -1;
      const backslash = this.backslashes.at(from);
      if (backslash === -1 || backslash > close) return close + 1;
      const escape = readJsonEscape(text, backslash);
      if (!escape) return -1;
      from = escape.next;
    }
  }
}

/** End of the JSON number at `i` (decode/json.ts's grammar), or -1. */
function numberEnd(text: string, i: number): number {
  const digit = (k: number): boolean => {
    const c = text.charCodeAt(k);
    return c >= 0x30 && c <= 0x39;
  };
  if (text.charCodeAt(i) === 0x2d) i++;
  if (text.charCodeAt(i) === 0x30) i++;
  else if (digit(i)) while (digit(i)) i++;
  else return -1;
  if (text.charCodeAt(i) === 0x2e) {
    i++;
    if (!digit(i)) return -1;
    while (digit(i)) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    if (!digit(i)) return -1;
    while (digit(i)) i++;
  }
  return i;
}

export interface PrettyJson {
  /** The pretty text, cut at `maxLength` when the whole would be longer. */
  text: string;
  /** False when `text` was cut. */
  complete: boolean;
  /** Length of the whole pretty text (also when cut). */
  fullLength: number;
  /** Source offset up to which `text` shows the source (the source's length when complete). */
  sourceShown: number;
  /**
   * Where a source offset lands in `text`: inside a token, at the same place in its copy; in the
   * whitespace between tokens, at the next token (or, with `end`, just after the previous one).
   * Undefined when the place is past the cut.
   */
  toPretty(sourceOffset: number, end?: boolean): number | undefined;
}

export interface PrettyOptions {
  /** Where the JSON value starts (decode/json.ts's jsonStart); the text before it is kept as is. */
  start?: number;
  /** Longest text to return (default: no cut). The whole source is still checked. */
  maxLength?: number;
  /** Spaces per level (default 2). */
  indent?: number;
}

/** Levels deeper than this are not indented further (hostile nesting must not square the output). */
const MAX_INDENT_LEVEL = 32;

/**
 * Pretty-print the JSON object or array that starts at `options.start` and runs to the end of
 * `source` (trailing whitespace allowed). Undefined when it is not valid JSON.
 */
export function prettyJson(source: string, options: PrettyOptions = {}): PrettyJson | undefined {
  const start = options.start ?? 0;
  const maxLength = options.maxLength ?? Infinity;
  const unit = options.indent ?? 2;
  const indents: string[] = [];
  for (let level = 0; level <= MAX_INDENT_LEVEL; level++) indents.push(`\n${' '.repeat(level * unit)}`);
  const newline = (level: number): string => indents[Math.min(level, MAX_INDENT_LEVEL)];

  const chunks: string[] = [];
  let length = 0;
  let emitting = true;
  // Token i: source [srcStart[i], srcStart[i] + len[i]) copied to pretty [prettyStart[i], …).
  const srcStart: number[] = [];
  const prettyStart: number[] = [];
  const len: number[] = [];

  const out = (s: string): void => {
    if (emitting) {
      if (length + s.length > maxLength) {
        chunks.push(s.slice(0, maxLength - length));
        emitting = false;
      } else chunks.push(s);
    }
    length += s.length;
  };
  const token = (from: number, to: number): void => {
    if (emitting) {
      srcStart.push(from);
      prettyStart.push(length);
      len.push(to - from);
    }
    out(source.slice(from, to));
  };

  if (start > 0) out(source.slice(0, start));
  const lex = new Lexer(source, start);
  // One entry per open container: 1 object, 2 array.
  let kinds = new Uint8Array(64);
  let depth = 0;
  const enum State { Value, ValueOrClose, KeyOrClose, Key, Colon, AfterValue }
  let state: State = State.Value;
  let first = true;
  for (;;) {
    const tok = lex.next();
    if (tok === Tok.Bad) return undefined;
    if (first) {
      if (tok !== Tok.OpenObject && tok !== Tok.OpenArray) return undefined;
      first = false;
    }
    if (depth === 0 && state === State.AfterValue) {
      if (tok !== Tok.End) return undefined;
      break;
    }
    if (tok === Tok.End) return undefined;
    const closeContainer = (): void => {
      depth--;
      state = State.AfterValue;
    };
    switch (state) {
      case State.ValueOrClose:
      case State.KeyOrClose: {
        const closer: Tok = state === State.KeyOrClose ? Tok.CloseObject : Tok.CloseArray;
        if (tok === closer) {
          // An empty container stays on its line: {} or [].
          token(lex.start, lex.end);
          closeContainer();
          continue;
        }
        out(newline(depth));
        if (state === State.KeyOrClose) {
          if (tok !== Tok.String) return undefined;
          token(lex.start, lex.end);
          state = State.Colon;
          continue;
        }
        break; // read the value below
      }
      case State.Key:
        if (tok !== Tok.String) return undefined;
        token(lex.start, lex.end);
        state = State.Colon;
        continue;
      case State.Colon:
        if (tok !== Tok.Colon) return undefined;
        token(lex.start, lex.end);
        out(' ');
        state = State.Value;
        continue;
      case State.AfterValue: {
        const object = kinds[depth - 1] === 1;
        if (tok === Tok.Comma) {
          token(lex.start, lex.end);
          out(newline(depth));
          state = object ? State.Key : State.Value;
          continue;
        }
        if (tok === (object ? Tok.CloseObject : Tok.CloseArray)) {
          out(newline(depth - 1));
          token(lex.start, lex.end);
          closeContainer();
          continue;
        }
        return undefined;
      }
      case State.Value:
        break;
    }
    // state === Value: `tok` starts a value.
    if (tok === Tok.OpenObject || tok === Tok.OpenArray) {
      if (depth === kinds.length) {
        const grown = new Uint8Array(kinds.length * 2);
        grown.set(kinds);
        kinds = grown;
      }
      kinds[depth++] = tok === Tok.OpenObject ? 1 : 2;
      token(lex.start, lex.end);
      state = tok === Tok.OpenObject ? State.KeyOrClose : State.ValueOrClose;
    } else if (tok === Tok.String || tok === Tok.Number || tok === Tok.Literal || tok === Tok.Null) {
      token(lex.start, lex.end);
      state = State.AfterValue;
    } else {
      return undefined;
    }
  }

  let text = chunks.join('');
  // Never end on half a surrogate pair.
  if (!emitting && text.length > 0) {
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) text = text.slice(0, -1);
  }
  const complete = emitting;
  const shown = text.length;
  const toPretty = (o: number, end = false): number | undefined => {
    if (o < start) return o <= shown ? o : undefined;
    let lo = 0;
    let hi = srcStart.length - 1;
    if (hi < 0 || o < srcStart[0]) return srcStart.length > 0 ? prettyStart[0] : undefined;
    // The token the place is in: the last one starting at or before it, or for the end of a
    // range, before it (a range ending where the next token starts ends with the previous one).
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (srcStart[mid] < o || (!end && srcStart[mid] === o)) lo = mid;
      else hi = mid - 1;
    }
    let p: number | undefined;
    // A start at a token's end belongs to what follows; an end there, to the token.
    if (o < srcStart[lo] + len[lo] || (end && o === srcStart[lo] + len[lo])) p = prettyStart[lo] + (o - srcStart[lo]);
    else if (end) p = prettyStart[lo] + len[lo];
    else if (lo + 1 < srcStart.length) p = prettyStart[lo + 1];
    else p = complete ? shown : undefined;
    // Past the last token shown: the place is beyond the cut.
    if (p === undefined || p > shown || (!complete && lo === srcStart.length - 1 && o > srcStart[lo] + len[lo])) return undefined;
    return p;
  };
  let sourceShown = source.length;
  if (!complete) {
    // The last token that fits whole.
    let k = srcStart.length - 1;
    while (k >= 0 && prettyStart[k] + len[k] > shown) k--;
    sourceShown = k >= 0 ? srcStart[k] + len[k] : Math.min(start, shown);
  }
  return { text, complete, fullLength: length, sourceShown, toPretty };
}

/** A scalar value in JSON text: the token's span (with the quotes, for strings). */
export interface JsonValueSpan {
  start: number;
  end: number;
  string: boolean;
}

export interface JsonValueSpans {
  /** Path (as decode/json.ts writes it, without `json:`) → the values there, in document order. */
  byPath: Map<string, JsonValueSpan[]>;
  /** False when the walk stopped at `until` (values after it were not looked at). */
  complete: boolean;
}

/** Deepest level whose path decode/json.ts writes out in full (its PATH_DEPTH). */
const PATH_DEPTH = 64;

interface Frame {
  object: boolean;
  path: string;
  key: string;
  index: number;
}

/**
 * The scalar values at `paths` (or at every path, with 'all') (`$.device.imei`, `$.list[3]`, `$['odd key']`: decode/json.ts's
 * format, which repeats a path for a repeated key) in the JSON value starting at `start`. The
 * decoder makes no leaf of `null` or of an empty string, and neither is listed here. Stops at the
 * first value starting after `until`, and at invalid JSON (keeping what it found).
 */
export function jsonValueSpans(text: string, start: number, paths: ReadonlySet<string> | 'all', until = Infinity): JsonValueSpans {
  const byPath = new Map<string, JsonValueSpan[]>();
  const all = paths === 'all';
  if (!all && paths.size === 0) return { byPath, complete: true };
  const lex = new Lexer(text, start);
  const frames: Frame[] = [];
  // Containers open, at every depth (frames holds those within MAX_JSON_DEPTH): 1 object, 2 array.
  let kinds = new Uint8Array(64);
  let depth = 0;
  let expectKey = false;
  const found = (path: string, span: JsonValueSpan): void => {
    if (!all && !paths.has(path)) return;
    let list = byPath.get(path);
    if (!list) byPath.set(path, (list = []));
    list.push(span);
  };
  /** The path of the value about to be read, or undefined past the depth the decoder names. */
  const slot = (): string | undefined => {
    if (depth > frames.length || frames.length === 0) return undefined;
    const top = frames[frames.length - 1];
    if (top.object) return top.path + pathSegment(top.key);
    return `${top.path}[${top.index++}]`;
  };
  for (;;) {
    const tok = lex.next();
    if (tok === Tok.End || tok === Tok.Bad) return { byPath, complete: tok === Tok.End };
    if (lex.start > until) return { byPath, complete: false };
    if (expectKey) {
      expectKey = false;
      if (tok === Tok.String) {
        if (depth === frames.length) {
          const raw = text.slice(lex.start + 1, lex.end - 1);
          frames[frames.length - 1].key = raw.indexOf('\\') === -1 ? raw : (unescapeKey(raw) ?? raw);
        }
        if (lex.next() !== Tok.Colon) return { byPath, complete: false };
        continue;
      }
      if (tok !== Tok.CloseObject) return { byPath, complete: false };
    }
    switch (tok) {
      case Tok.OpenObject:
      case Tok.OpenArray: {
        const object = tok === Tok.OpenObject;
        if (depth === kinds.length) {
          const grown = new Uint8Array(kinds.length * 2);
          grown.set(kinds);
          kinds = grown;
        }
        kinds[depth] = object ? 1 : 2;
        if (depth === 0) frames.push({ object, path: '$', key: '', index: 0 });
        else if (depth === frames.length) {
          const at = slot() as string;
          if (depth < MAX_JSON_DEPTH) {
            const path = depth >= PATH_DEPTH ? `${frames[PATH_DEPTH - 1].path}…` : at;
            frames.push({ object, path, key: '', index: 0 });
          }
        }
        depth++;
        expectKey = object;
        break;
      }
      case Tok.CloseObject:
      case Tok.CloseArray:
        depth--;
        if (frames.length > depth) frames.pop();
        if (depth === 0) return { byPath, complete: true };
        break;
      case Tok.Comma:
        expectKey = kinds[depth - 1] === 1;
        break;
      case Tok.String:
      case Tok.Number:
      case Tok.Literal: {
        const path = slot();
        const string = tok === Tok.String;
        if (path !== undefined && !(string && lex.end - lex.start === 2)) found(path, { start: lex.start, end: lex.end, string });
        break;
      }
      case Tok.Null:
        slot();
        break;
      default:
        return { byPath, complete: false };
    }
  }
}

/** A key's text between its quotes, unescaped; undefined when an escape is invalid. Linear. */
function unescapeKey(raw: string): string | undefined {
  const parts: string[] = [];
  let from = 0;
  for (let b = raw.indexOf('\\'); b !== -1; b = raw.indexOf('\\', from)) {
    parts.push(raw.slice(from, b));
    const escape = readJsonEscape(raw, b);
    if (!escape) return undefined;
    parts.push(escape.value);
    from = escape.next;
  }
  parts.push(raw.slice(from));
  return parts.join('');
}
