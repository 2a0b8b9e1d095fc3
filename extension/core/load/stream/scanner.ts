// A byte-level JSON structure scanner for files too large to hold as one string. It builds
// nothing: it follows strings (with escapes) and nesting, and reports where each element of one
// array — `$.log.entries` of a HAR, `$` of tshark -T json — starts and ends in the file, so each
// element can be parsed alone. The bytes that carry structure are all ASCII and never occur inside
// a UTF-8 multibyte sequence, so the scanner can work on raw bytes; chunks may end anywhere
// (inside a string, an escape, a number or a multibyte character) because all state is kept
// between calls. Syntax is checked only where no parser will see it: between the elements of the
// array and after the document. Everything else is checked by the parser that reads the element
// or the rest of the document.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDelimiter(c: number): boolean {
  return isWs(c) || c === COMMA || c === COLON || c === RBRACE || c === RBRACKET || c === LBRACE || c === LBRACKET || c === QUOTE;
}

/** Where the structure is wrong, as a file offset, with what should have been there. */
export class ScanError extends Error {
  constructor(readonly offset: number, readonly expected: string, readonly jsonPath: string) {
    super(`JSON structure error at byte ${offset}: expected ${expected}`);
  }
}

export interface ScanHandler {
  /** Element `index` of the target array occupies bytes [start, end) of the file. */
  element(index: number, start: number, end: number): void;
  /** The target array's `[` is at `at`. */
  targetOpened(at: number): void;
  /** The target array's `]` is at `at`. */
  targetClosed(at: number): void;
}

/** A container the scanner follows: one on the way to the target array, or the target itself. */
interface Frame {
  isObject: boolean;
  isTarget: boolean;
  /** The key whose value comes next (objects). */
  key: string | undefined;
  expectKey: boolean;
  /** Target array: 0 after `[`, 1 after `,`, 2 after an element. */
  elementState: 0 | 1 | 2;
}

const enum StringKind {
  Skip,
  Key,
  Element,
}

export class JsonStructureScanner {
  private readonly frames: Frame[] = [];
  /** Nesting depth, counting containers the scanner does not follow. */
  private depth = 0;
  private inString = false;
  private stringKind = StringKind.Skip;
  private stringStart = 0;
  private escaped = false;
  private inScalar = false;
  private elementStart = 0;
  private elementIndex = 0;
  private started = false;
  private ended = false;
  private targetSeen = false;
  /** File offset just past the document's closing bracket. */
  endOffset = -1;

  private chunk: Buffer = Buffer.alloc(0);
  private base = 0;
  private nextQuote = -1;
  private nextBackslash = -1;

  /**
   * `path`: the keys that lead to the target array (`['log', 'entries']`; `[]` for a top-level
   * array). `readRange` fetches bytes that began in an earlier chunk.
   */
  constructor(
    private readonly path: readonly string[],
    private readonly handler: ScanHandler,
    private readonly readRange: (start: number, end: number) => Buffer,
    private readonly elementPath: (index: number) => string,
  ) {}

  /** Bytes [start, end) of the file: from the current chunk when they lie in it. */
  slice(start: number, end: number): Buffer {
    if (start >= this.base && end <= this.base + this.chunk.length) return this.chunk.subarray(start - this.base, end - this.base);
    return this.readRange(start, end);
  }

  feed(chunk: Buffer, base: number): void {
    this.chunk = chunk;
    this.base = base;
    this.nextQuote = -1;
    this.nextBackslash = -1;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      const c = chunk[i];
      if (this.inScalar) {
        if (!isDelimiter(c)) {
          i++;
          continue;
        }
        this.inScalar = false;
        this.endElement(base + i);
        continue; // the delimiter is read again in the array
      }
      if (this.depth > this.frames.length) {
        i = this.skipInside(chunk, i);
        continue;
      }
      if (isWs(c)) {
        i++;
        continue;
      }
      if (this.frames.length === 0) this.topLevel(c, base + i);
      else if (this.top()!.isTarget) this.inTarget(c, base + i);
      else this.inObject(c, base + i);
      i++;
    }
  }

  /**
   * Inside a container nobody asked for (an element, or the skeleton's other values): count
   * brackets only. Returns where the caller goes on: at a string it leaves open, past the
   * container's end, or the chunk's end. Short strings without escapes (most keys and values)
   * are stepped over here, without opening them.
   */
  private skipInside(chunk: Buffer, from: number): number {
    const n = chunk.length;
    const floor = this.frames.length;
    let depth = this.depth;
    let i = from;
    while (i < n) {
      const c = chunk[i];
      if (c === QUOTE) {
        const limit = i + 48 < n ? i + 48 : n;
        let j = i + 1;
        while (j < limit) {
          const b = chunk[j];
          if (b === QUOTE || b === BACKSLASH) break;
          j++;
        }
        if (j < limit && chunk[j] === QUOTE) {
          i = j + 1;
          continue;
        }
        this.depth = depth;
        this.openString(StringKind.Skip, this.base + i);
        return i + 1;
      }
      if (c === LBRACE || c === LBRACKET) depth++;
      else if (c === RBRACE || c === RBRACKET) {
        depth--;
        if (depth === floor) {
          this.depth = depth;
          if (this.top()?.isTarget) this.endElement(this.base + i + 1);
          return i + 1;
        }
      }
      i++;
    }
    this.depth = depth;
    return n;
  }

  /** The file has ended at `offset`. */
  finish(offset: number): void {
    if (this.inScalar) {
      this.inScalar = false;
      this.endElement(offset);
    }
    if (!this.ended) {
      const top = this.top();
      let expected = 'the end of the document';
      if (this.inString) expected = 'a closing \'"\' of a string';
      else if (top?.isTarget) expected = top.elementState === 2 ? "',' or ']'" : 'an element';
      else if (top) expected = top.isObject ? "'}'" : "']'";
      throw new ScanError(offset, expected, this.where());
    }
  }

  private top(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  /** JSON path of the place the scanner is at, for errors. */
  private where(): string {
    const top = this.top();
    if (top?.isTarget && top.elementState !== 0 && this.depth > this.frames.length) return this.elementPath(this.elementIndex);
    if (top?.isTarget) return this.elementPath(this.elementIndex).replace(/\[\d+\]$/, '');
    let path = '$';
    for (let d = 1; d < this.frames.length; d++) path += `.${this.path[d - 1]}`;
    return path;
  }

  private topLevel(c: number, at: number): void {
    if (this.started) throw new ScanError(at, 'nothing after the end of the document', '$');
    if (c !== LBRACE && c !== LBRACKET) throw new ScanError(at, "'{' or '['", '$');
    this.started = true;
    const isTarget = c === LBRACKET && this.path.length === 0;
    this.push(c === LBRACE, isTarget, at);
  }

  private push(isObject: boolean, isTarget: boolean, at: number): void {
    this.frames.push({ isObject, isTarget, key: undefined, expectKey: isObject, elementState: 0 });
    this.depth++;
    if (isTarget) {
      this.targetSeen = true;
      this.handler.targetOpened(at);
    }
  }

  private pop(at: number): void {
    this.frames.pop();
    this.depth--;
    if (this.frames.length === 0) {
      this.ended = true;
      this.endOffset = at + 1;
    }
  }

  private inObject(c: number, at: number): void {
    const frame = this.top()!;
    if (c === QUOTE) {
      this.openString(frame.expectKey ? StringKind.Key : StringKind.Skip, at);
    } else if (c === COMMA) {
      frame.expectKey = frame.isObject;
      frame.key = undefined;
    } else if (c === LBRACE || c === LBRACKET) {
      const level = this.frames.length - 1; // index into path of the key this frame's child is under
      const onPath = frame.isObject && !this.targetSeen && level < this.path.length && frame.key === this.path[level];
      const last = level === this.path.length - 1;
      if (onPath && (last ? c === LBRACKET : c === LBRACE)) this.push(c === LBRACE, last, at);
      else this.depth++;
    } else if (c === RBRACE || c === RBRACKET) {
      this.pop(at);
    }
    // Colons and scalar values need nothing here: the parser of the skeleton checks them.
  }

  private inTarget(c: number, at: number): void {
    const frame = this.top()!;
    if (frame.elementState === 2) {
      if (c === COMMA) frame.elementState = 1;
      else if (c === RBRACKET) this.closeTarget(at);
      else throw new ScanError(at, "',' or ']' after an element", this.elementPath(this.elementIndex - 1));
      return;
    }
    if (c === RBRACKET && frame.elementState === 0) {
      this.closeTarget(at);
      return;
    }
    if (c === RBRACKET || c === COMMA || c === COLON || c === RBRACE) {
      throw new ScanError(at, 'an element', this.elementPath(this.elementIndex));
    }
    this.elementStart = at;
    if (c === LBRACE || c === LBRACKET) this.depth++;
    else if (c === QUOTE) this.openString(StringKind.Element, at);
    else this.inScalar = true;
  }

  private closeTarget(at: number): void {
    this.handler.targetClosed(at);
    this.pop(at);
  }

  private endElement(end: number): void {
    const frame = this.top()!;
    frame.elementState = 2;
    this.handler.element(this.elementIndex++, this.elementStart, end);
  }

  private openString(kind: StringKind, at: number): void {
    this.inString = true;
    this.stringKind = kind;
    this.stringStart = at;
  }

  /** Index past the string's closing quote, or the chunk's end when the string goes on. */
  private skipString(chunk: Buffer, from: number): number {
    const n = chunk.length;
    let i = from;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    for (;;) {
      if (i >= n) return n;
      // Cached: a string of a million plain characters must not be searched a million times.
      if (this.nextQuote !== n && this.nextQuote < i) {
        const q = chunk.indexOf(QUOTE, i);
        this.nextQuote = q === -1 ? n : q;
      }
      if (this.nextBackslash !== n && this.nextBackslash < i) {
        const b = chunk.indexOf(BACKSLASH, i);
        this.nextBackslash = b === -1 ? n : b;
      }
      if (this.nextBackslash < this.nextQuote) {
        i = this.nextBackslash + 2;
        if (i > n) {
          this.escaped = true; // the escaped byte is the next chunk's first
          return n;
        }
        continue;
      }
      if (this.nextQuote === n) return n;
      const end = this.nextQuote + 1;
      this.inString = false;
      this.closeString(this.base + end);
      return end;
    }
  }

  private closeString(end: number): void {
    if (this.stringKind === StringKind.Key) {
      const frame = this.top()!;
      frame.key = this.keyName(this.stringStart, end);
      frame.expectKey = false;
    } else if (this.stringKind === StringKind.Element && this.depth === this.frames.length) {
      this.endElement(end);
    }
  }

  /** The key's text (escapes undone), or undefined when it is too long to be one of the path's keys. */
  private keyName(start: number, end: number): string | undefined {
    if (end - start > 256) return undefined;
    const raw = this.slice(start, end);
    if (raw.indexOf(BACKSLASH) === -1) return raw.toString('utf8', 1, raw.length - 1);
    try {
      return JSON.parse(raw.toString('utf8')) as string;
    } catch {
      return undefined;
    }
  }
}
