// A JSON parser for captures. It exists for two things JSON.parse cannot do:
//  - keep every value of a repeated key (tshark -T json writes `ip.addr` twice in one object);
//  - say where a syntax error is, as line and column, and what was expected there.
// It is iterative (an explicit stack), so a hostile file nested a million deep cannot overflow
// the call stack. Objects are created without a prototype chain issue: keys are defined as own
// data properties, so `__proto__` in a capture is just a key.

import { readJsonEscape } from './jsonEscape';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export type DuplicateKeyPolicy =
  /** Keep the last value, like JSON.parse. */
  | 'last'
  /** Turn a repeated key into an array of all its values, in order (tshark --no-duplicate-keys style). */
  | 'collect';

export interface JsonParseOptions {
  duplicateKeys?: DuplicateKeyPolicy;
  /** Maximum nesting depth; deeper input is a syntax error with its location. */
  maxDepth?: number;
}

export interface JsonParseResult {
  value: JsonValue;
  /** How many keys were repeated inside an object. */
  duplicateKeyCount: number;
}

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly offset: number,
    readonly line: number,
    readonly column: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`invalid JSON at line ${line}, column ${column}: expected ${expected}, found ${found}`);
  }
}

/** 1-based line and column (in UTF-16 code units) of an offset into text. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

function describe(text: string, offset: number): string {
  if (offset >= text.length) return 'end of input';
  const ch = text[offset];
  const code = ch.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${ch}'`;
}

const enum Tok {
  Quote = 0x22,
  Comma = 0x2c,
  Colon = 0x3a,
  LBracket = 0x5b,
  RBracket = 0x5d,
  LBrace = 0x7b,
  RBrace = 0x7d,
  Backslash = 0x5c,
}

interface ArrayFrame {
  kind: 'array';
  value: JsonValue[];
}
interface ObjectFrame {
  kind: 'object';
  value: JsonObject;
  key: string;
  /** Keys already seen as repeated, so the third value appends instead of nesting. */
  collected?: Set<string>;
}
type Frame = ArrayFrame | ObjectFrame;

export function parseJson(text: string, options: JsonParseOptions = {}): JsonParseResult {
  const policy = options.duplicateKeys ?? 'last';
  const maxDepth = options.maxDepth ?? 100_000;
  const n = text.length;
  let i = 0;
  let duplicateKeyCount = 0;

  const fail = (expected: string, at = i): never => {
    const { line, column } = lineColumnAt(text, at);
    throw new JsonSyntaxError(at, line, column, expected, describe(text, at));
  };

  const skipWs = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  const parseString = (): string => {
    // i is at the opening quote.
    i++;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('closing quote of string');
      const c = text.charCodeAt(i);
      if (c === Tok.Quote) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c === Tok.Backslash) {
        out += text.slice(start, i);
        i++;
        const escape = readJsonEscape(text, i - 1);
        if (!escape) {
          if (text.charCodeAt(i) === 0x75) return fail('four hex digits after \\u', i + 1);
          return fail('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        }
        out += escape.value;
        i = escape.next;
        start = i;
        continue;
      }
      if (c < 0x20) fail('closing quote of string (control characters must be escaped)');
      i++;
    }
  };

  const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const parseNumber = (): number => {
    numberPattern.lastIndex = i;
    const m = numberPattern.exec(text);
    if (!m || m[0] === '-' || m[0].length === 0) return fail('a value');
    i += m[0].length;
    return Number(m[0]);
  };

  const parseLiteral = (word: string, value: JsonValue): JsonValue => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail('a value');
  };

  const stack: Frame[] = [];
  let root: JsonValue | undefined;
  let haveRoot = false;

  const attach = (value: JsonValue): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      root = value;
      haveRoot = true;
      return;
    }
    if (top.kind === 'array') {
      top.value.push(value);
      return;
    }
    const obj = top.value;
    const key = top.key;
    if (Object.prototype.hasOwnProperty.call(obj, key)) {
      duplicateKeyCount++;
      if (policy === 'collect') {
        top.collected ??= new Set();
        const existing = obj[key];
        if (top.collected.has(key)) (existing as JsonValue[]).push(value);
        else {
          top.collected.add(key);
          defineKey(obj, key, [existing, value]);
        }
        return;
      }
    }
    defineKey(obj, key, value);
  };

  // Reads one value start; containers push a frame and return undefined.
  const beginValue = (): void => {
    skipWs();
    if (i >= n) fail('a value');
    const c = text.charCodeAt(i);
    if (c === Tok.LBrace) {
      if (stack.length >= maxDepth) fail(`nesting at most ${maxDepth} deep`);
      i++;
      stack.push({ kind: 'object', value: {}, key: '' });
      skipWs();
      if (text.charCodeAt(i) === Tok.RBrace) {
        i++;
        finishContainer();
        return;
      }
      readKey();
      return;
    }
    if (c === Tok.LBracket) {
      if (stack.length >= maxDepth) fail(`nesting at most ${maxDepth} deep`);
      i++;
      stack.push({ kind: 'array', value: [] });
      skipWs();
      if (text.charCodeAt(i) === Tok.RBracket) {
        i++;
        finishContainer();
        return;
      }
      pendingValue = true;
      return;
    }
    if (c === Tok.Quote) attach(parseString());
    else if (c === 0x74) attach(parseLiteral('true', true));
    else if (c === 0x66) attach(parseLiteral('false', false));
    else if (c === 0x6e) attach(parseLiteral('null', null));
    else attach(parseNumber());
  };

  const readKey = (): void => {
    skipWs();
    if (text.charCodeAt(i) !== Tok.Quote) fail("a property name in double quotes or '}'");
    const key = parseString();
    skipWs();
    if (text.charCodeAt(i) !== Tok.Colon) fail("':' after property name");
    i++;
    (stack[stack.length - 1] as ObjectFrame).key = key;
    pendingValue = true;
  };

  const finishContainer = (): void => {
    const frame = stack.pop() as Frame;
    attach(frame.value);
  };

  let pendingValue = true;
  for (;;) {
    if (pendingValue) {
      pendingValue = false;
      beginValue();
      if (pendingValue) continue;
    }
    if (stack.length === 0) break;
    skipWs();
    const top = stack[stack.length - 1];
    const c = text.charCodeAt(i);
    if (c === Tok.Comma) {
      i++;
      if (top.kind === 'object') readKey();
      else pendingValue = true;
      continue;
    }
    if (top.kind === 'object' && c === Tok.RBrace) {
      i++;
      finishContainer();
      continue;
    }
    if (top.kind === 'array' && c === Tok.RBracket) {
      i++;
      finishContainer();
      continue;
    }
    fail(top.kind === 'object' ? "',' or '}' after a property value" : "',' or ']' after an array element");
  }
  skipWs();
  if (i < n) fail('end of input after the top-level value');
  if (!haveRoot) fail('a value');
  return { value: root as JsonValue, duplicateKeyCount };
}

function defineKey(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
