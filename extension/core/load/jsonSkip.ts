// A JSON skipper: finds where strings and values end without building anything, for reading
// positions in large files (locate.ts: where an entry starts; preview.ts: the first entries).
// Strings with escapes and nesting are tracked iteratively, so any depth costs one linear pass;
// JSON.parse checks whatever the caller then parses.

export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function skipWs(text: string, at: number): number {
  let i = at;
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string whose opening quote is at `at`; -1 when the text ends first. */
export function skipString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return -1;
}

/**
 * Index just past the JSON value starting at `at` (after whitespace), or -1 when the text ends
 * inside it (a number or literal running into the end may be cut, so it counts as inside) or a
 * bracket closes what was never opened.
 */
export function skipValue(text: string, at: number): number {
  let i = skipWs(text, at);
  let depth = 0;
  do {
    if (i >= text.length) return -1;
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(text, i);
      if (i < 0) return -1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return -1;
      depth--;
      i++;
    } else if (depth > 0 && (c === 0x2c || c === 0x3a || isWs(c))) {
      i++;
    } else {
      const start = i;
      while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
      if (i === start || i >= text.length) return -1;
    }
  } while (depth > 0);
  return i;
}

function isDelimiter(c: number): boolean {
  return isWs(c) || c === 0x2c || c === 0x3a || c === 0x7d || c === 0x5d || c === 0x7b || c === 0x5b || c === 0x22;
}

/** `"name" :` at `at` (after whitespace): the key, escapes undone, and where its value starts. */
export function readKey(text: string, at: number): { name: string; valueAt: number } | undefined {
  const start = skipWs(text, at);
  if (text.charCodeAt(start) !== 0x22) return undefined;
  const end = skipString(text, start);
  if (end < 0) return undefined;
  let name: string | undefined = text.slice(start + 1, end - 1);
  if (name.indexOf('\\') !== -1) {
    try {
      name = JSON.parse(text.slice(start, end)) as string;
    } catch {
      name = undefined;
    }
  }
  if (name === undefined) return undefined;
  const colon = skipWs(text, end);
  if (text.charCodeAt(colon) !== 0x3a) return undefined;
  return { name, valueAt: skipWs(text, colon + 1) };
}
