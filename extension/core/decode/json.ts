// JSON object/array text → one leaf per scalar value, in document order.
//
// This is a scanner, not load/json.ts's parseJson: it builds no tree, keeps every value of a
// repeated key (an app can hide a second "imei" that JSON.parse would overwrite), and hands back
// each number exactly as written (868715392756833, 12345678901234567890, 39.9089740), which a
// parse into JS numbers cannot promise beyond 2^53. Like parseJson it is iterative (an explicit
// stack), so nesting a million deep cannot overflow the call stack; past `maxDepth` it keeps
// checking the syntax with one byte per level and only stops making leaves.
import { readJsonEscape } from '../load/jsonEscape';
import type { Child } from './step';

export interface JsonScan {
  children: Child[];
  /** Values nested deeper than maxDepth were not turned into leaves. */
  depthExceeded: boolean;
  /** There were more values than maxLeaves; the rest were not turned into leaves. */
  leavesExceeded: boolean;
}

/** Deepest level whose JSON path is written out in full; deeper paths write `…` for the middle. */
const PATH_DEPTH = 64;
/** keyPath keeps the keys nearest the leaf. */
export const KEY_PATH_TAIL = 32;

interface Frame {
  object: boolean;
  /** JSON path of this container. */
  path: string;
  /** Keys from the scanned root to this container. */
  keys: string[];
  /** Objects: the property being read. Arrays: the key the array sits under (its elements take it). */
  key: string | undefined;
  index: number;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Keys longer than this are cut in paths (a hostile 100 MB key must not be copied into every step). */
export const MAX_KEY_IN_PATH = 200;

export function pathSegment(key: string): string {
  if (key.length <= MAX_KEY_IN_PATH && IDENT.test(key)) return `.${key}`;
  const shown = key.length > MAX_KEY_IN_PATH ? `${key.slice(0, MAX_KEY_IN_PATH)}…` : key;
  return `['${shown.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** keys + key, keeping the last KEY_PATH_TAIL. */
function extend(keys: string[], key: string): string[] {
  if (keys.length === 0) return [key];
  const out = keys.length < KEY_PATH_TAIL ? keys.slice() : keys.slice(keys.length - KEY_PATH_TAIL + 1);
  out.push(key);
  return out;
}

/** Where the JSON value starts, or -1 when the text cannot be an object or array. */
export function jsonStart(text: string): number {
  const n = text.length;
  let i = 0;
  // Anti-XSSI prefixes: `)]}'` (Google, Angular) before the JSON.
  if (text.startsWith(")]}'")) {
    const nl = text.indexOf('\n');
    if (nl === -1) return -1;
    i = nl + 1;
  }
  if (text.charCodeAt(i) === 0xfeff) i++;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
  const first = text.charCodeAt(i);
  if (first !== 0x7b && first !== 0x5b) return -1;
  let j = n - 1;
  while (j > i) {
    const c = text.charCodeAt(j);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) j--;
    else break;
  }
  const last = text.charCodeAt(j);
  return (first === 0x7b && last === 0x7d) || (first === 0x5b && last === 0x5d) ? i : -1;
}

class Fail extends Error {}
const FAIL = new Fail();

/**
 * Scan JSON text starting at `start` (from jsonStart). Undefined when it is not valid JSON: then
 * no leaves at all, since a prefix of something else is not data.
 */
export function scanJson(text: string, start: number, maxDepth: number, maxLeaves: number): JsonScan | undefined {
  try {
    return scan(text, start, maxDepth, maxLeaves);
  } catch (err) {
    if (err === FAIL) return undefined;
    throw err;
  }
}

function scan(text: string, start: number, maxDepth: number, maxLeaves: number): JsonScan {
  const n = text.length;
  let i = start;
  const children: Child[] = [];
  let depthExceeded = false;
  let leavesExceeded = false;
  // One entry per open container (1 = object, 2 = array), at every depth.
  let kinds = new Uint8Array(64);
  let depth = 0;
  // Path and keys for the containers within maxDepth.
  const frames: Frame[] = [];
  let backslash = text.indexOf('\\', i);

  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };

  const readString = (): string => {
    // i is at the opening quote.
    let from = i + 1;
    let out = '';
    // The next quote is looked for again only once passed: a string of a million escapes must not
    // rescan the rest of the text for its closing quote after each one.
    let quote = -1;
    for (;;) {
      if (quote < from) quote = text.indexOf('"', from);
      if (quote === -1) throw FAIL;
      if (backslash !== -1 && backslash < from) backslash = text.indexOf('\\', from);
      if (backslash === -1 || backslash > quote) {
        i = quote + 1;
        return out === '' ? text.slice(from, quote) : out + text.slice(from, quote);
      }
      out += text.slice(from, backslash);
      const escape = readJsonEscape(text, backslash);
      if (!escape) throw FAIL;
      out += escape.value;
      const next = escape.next;
      from = next;
      backslash = text.indexOf('\\', from);
    }
  };

  const readNumber = (): string => {
    const s = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    let c = text.charCodeAt(i);
    if (c === 0x30) i++;
    else if (c >= 0x31 && c <= 0x39) {
      do i++;
      while ((c = text.charCodeAt(i)) >= 0x30 && c <= 0x39);
    } else throw FAIL;
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      c = text.charCodeAt(i);
      if (!(c >= 0x30 && c <= 0x39)) throw FAIL;
      do i++;
      while ((c = text.charCodeAt(i)) >= 0x30 && c <= 0x39);
    }
    c = text.charCodeAt(i);
    if (c === 0x65 || c === 0x45) {
      i++;
      c = text.charCodeAt(i);
      if (c === 0x2b || c === 0x2d) i++;
      c = text.charCodeAt(i);
      if (!(c >= 0x30 && c <= 0x39)) throw FAIL;
      do i++;
      while ((c = text.charCodeAt(i)) >= 0x30 && c <= 0x39);
    }
    return text.slice(s, i);
  };

  /** Where the value about to be read sits: path, keys and key, or undefined past maxDepth. */
  const slot = (): { path: string; keys: string[]; key: string | undefined } | undefined => {
    if (depth > frames.length) return undefined;
    const top = frames[frames.length - 1];
    if (top.object) {
      const key = top.key as string;
      return { path: top.path + pathSegment(key), keys: extend(top.keys, key), key };
    }
    const index = top.index++;
    return { path: `${top.path}[${index}]`, keys: extend(top.keys, `[${index}]`), key: top.key };
  };

  const leaf = (value: string, unquoted: boolean): void => {
    if (depth > frames.length) {
      depthExceeded = true;
      return;
    }
    const top = frames[frames.length - 1];
    let step: string;
    let keys: string[];
    let key: string | undefined;
    if (top.object) {
      key = top.key as string;
      if (!unquoted && value === '') return;
      step = `json:${top.path}${pathSegment(key)}`;
      keys = extend(top.keys, key);
    } else {
      const index = top.index++;
      if (!unquoted && value === '') return;
      key = top.key;
      step = `json:${top.path}[${index}]`;
      keys = extend(top.keys, `[${index}]`);
    }
    if (children.length >= maxLeaves) {
      leavesExceeded = true;
      return;
    }
    children.push(unquoted ? { step, text: value, key, keys, unquoted: true, final: true } : { step, text: value, key, keys, unquoted: false, final: false });
  };

  const open = (object: boolean): void => {
    if (depth === kinds.length) {
      const grown = new Uint8Array(kinds.length * 2);
      grown.set(kinds);
      kinds = grown;
    }
    kinds[depth] = object ? 1 : 2;
    if (depth === 0) {
      frames.push({ object, path: '$', keys: [], key: undefined, index: 0 });
    } else if (depth === frames.length) {
      const at = slot() as { path: string; keys: string[]; key: string | undefined };
      if (depth < maxDepth) {
        // Very deep paths keep their first PATH_DEPTH steps and the leaf's own step.
        const path = depth >= PATH_DEPTH ? `${frames[PATH_DEPTH - 1].path}…` : at.path;
        frames.push({ object, path, keys: at.keys, key: at.key, index: 0 });
      } else {
        depthExceeded = true;
      }
    }
    depth++;
  };

  const close = (): void => {
    depth--;
    if (frames.length > depth) frames.pop();
  };

  const readKey = (): void => {
    ws();
    if (text.charCodeAt(i) !== 0x22) throw FAIL;
    const key = readString();
    ws();
    if (text.charCodeAt(i) !== 0x3a) throw FAIL;
    i++;
    if (depth === frames.length) frames[frames.length - 1].key = key;
  };

  let pending = true;
  for (;;) {
    if (pending) {
      ws();
      const c = text.charCodeAt(i);
      if (c === 0x7b) {
        open(true);
        i++;
        ws();
        if (text.charCodeAt(i) === 0x7d) {
          i++;
          close();
          pending = false;
        } else {
          readKey();
        }
        continue;
      }
      if (c === 0x5b) {
        open(false);
        i++;
        ws();
        if (text.charCodeAt(i) === 0x5d) {
          i++;
          close();
          pending = false;
        }
        continue;
      }
      if (depth === 0) throw FAIL;
      if (c === 0x22) leaf(readString(), false);
      else if (c === 0x74) {
        if (!text.startsWith('true', i)) throw FAIL;
        i += 4;
        leaf('true', true);
      } else if (c === 0x66) {
        if (!text.startsWith('false', i)) throw FAIL;
        i += 5;
        leaf('false', true);
      } else if (c === 0x6e) {
        if (!text.startsWith('null', i)) throw FAIL;
        i += 4;
        // null says nothing; it still takes its array index.
        if (depth === frames.length && !frames[frames.length - 1].object) frames[frames.length - 1].index++;
      } else leaf(readNumber(), true);
      pending = false;
      continue;
    }
    if (depth === 0) break;
    ws();
    const c = text.charCodeAt(i);
    const object = kinds[depth - 1] === 1;
    if (c === 0x2c) {
      i++;
      if (object) readKey();
      pending = true;
      continue;
    }
    if ((object && c === 0x7d) || (!object && c === 0x5d)) {
      i++;
      close();
      continue;
    }
    throw FAIL;
  }
  ws();
  if (i !== n) throw FAIL;
  return { children, depthExceeded, leavesExceeded };
}
