// Streaming loader for captures too large for one JSON.parse (V8 strings stop at 536,870,888
// characters) or to hold with all their bodies. The file is read in chunks; a structure scanner
// cuts out each HAR entry / tshark packet, which is parsed alone and read by the same code as the
// full load (HarEntryReader, TsharkJsonReader, TsharkEkReader), so both paths give the same
// capture. What lies outside the entries (version, creator, pages, …) is parsed at the end from
// the file with its entries cut out. HAR bodies are not held by default: once onExchange has returned
// (a scan reads them while they are in memory), they are re-read from the file on access (lazy.ts). tshark bodies are assembled from several packets and stay in memory,
// as do the HTTP packets until requests and responses are paired at the end.
// Compressed captures (.zhar, gzip) are not streamed: they are inflated and loaded by the full
// load, whose limit on the inflated size applies.
import { readFileSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { Capture, Exchange, LoadWarning, SourceWrapper } from '../../model';
import { isZlib } from '../../decode/compression';
import { CaptureLoadError } from '../errors';
import { harLogOf, HarEntryReader, readHarFrame } from '../har';
import { HarSchemaCollector } from '../harSchema';
import { loadCapture, loadCaptureFile } from '../index';
import { isJsonObject, JsonSyntaxError, parseJson, type JsonValue } from '../json';
import { sniffFormat, unwrap, type Unwrapped } from '../sniff';
import { TsharkEkReader, TsharkJsonReader, type TsharkLoadResult } from '../tshark';
import { HarBodyReader, lazyBody, type BodyReader } from './lazy';
import { JsonStructureScanner, ScanError } from './scanner';
import { FileSource } from './source';

export { exchangeForTransfer, exchangeFromTransfer, HarBodyReader, bodyRefOf } from './lazy';
export type { BodyReader, BodyRef, BodyPart, TransferBody, TransferExchange } from './lazy';

export interface StreamLoadOptions {
  /**
   * Each exchange as soon as it is read (ids in file order, as the fast path numbers them). HAR
   * bodies that are not kept hold their bytes during the call and are made lazy after it, so a
   * copy meant to outlive the call (exchangeForTransfer) is best made after it returns.
   */
  onExchange?: (exchange: Exchange) => void;
  /** After each chunk. */
  onProgress?: (progress: { bytesRead: number; totalBytes: number; exchanges: number }) => void;
  /** Checked after each chunk; true stops with LoadCancelledError. */
  cancelled?: () => boolean;
  /** Keep body bytes (default false for the streaming path: re-read on demand). */
  keepBodies?: boolean;
  /** Stop after this many exchanges, with a warning that says so and what setting raises it. */
  maxExchanges?: number;
  chunkBytes?: number;
}

/** The largest entry or packet read as one piece (V8's longest string is ~512 Mi UTF-16 units). */
const MAX_PIECE_BYTES = 512 * 1024 * 1024;

export class LoadCancelledError extends Error {
  override readonly name = 'LoadCancelledError';
  constructor(readonly file: string) {
    super(`${file}: loading was cancelled`);
  }
}

/** Files at or above this size take the streaming path in loadCaptureFileAuto. */
export const STREAM_MIN_BYTES = 64 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** tshark -T json is parsed whole with this depth limit (json.ts); a packet sits one level lower. */
const PACKET_MAX_DEPTH = 100_000 - 1;

/** Internals tests need to reach: the size under which a syntax error is located by the full parser. */
export interface StreamInternals {
  exactErrorsUpTo?: number;
}

const rangesOf = new WeakMap<Exchange, { start: number; end: number }>();
const readersOf = new WeakMap<Capture, BodyReader>();

/** Bytes [start, end) of the entry (HAR) or request packet (tshark) an exchange of a streamed capture was read from. */
export function exchangeRange(exchange: Exchange): { start: number; end: number } | undefined {
  return rangesOf.get(exchange);
}

/** The reader that re-reads the bodies of a streamed capture (for exchangeFromTransfer in a worker, give it the path instead). */
export function bodyReaderOf(capture: Capture): BodyReader | undefined {
  return readersOf.get(capture);
}

/** Fast path below STREAM_MIN_BYTES, streaming at or above; callers see the same capture either way. */
export function loadCaptureFileAuto(path: string, options: StreamLoadOptions = {}): Capture {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // loadCaptureFile reports it
  }
  if (size >= STREAM_MIN_BYTES) return streamCaptureFile(path, options);
  const capture = loadCaptureFile(path);
  if (options.maxExchanges !== undefined && capture.exchanges.length > options.maxExchanges) {
    const total = capture.exchanges.length;
    capture.exchanges = capture.exchanges.slice(0, options.maxExchanges);
    capture.warnings.push(maxExchangesWarning(options.maxExchanges, `${total} exchanges`));
  }
  for (const exchange of capture.exchanges) options.onExchange?.(exchange);
  options.onProgress?.({ bytesRead: size, totalBytes: size, exchanges: capture.exchanges.length });
  return capture;
}

function maxExchangesWarning(max: number, inAll: string): LoadWarning {
  return {
    code: 'max-exchanges',
    severity: 'warning',
    message: `only the first ${max} exchanges were read (the file holds ${inAll}); raise the maxExchanges load limit to read them all`,
  };
}

/** Read a capture in chunks, with memory bounded by the largest entry rather than the file. Synchronous. */
export function streamCaptureFile(path: string, options: StreamLoadOptions = {}, internals: StreamInternals = {}): Capture {
  let source: FileSource;
  try {
    source = new FileSource(path);
  } catch (err) {
    throw new CaptureLoadError(path, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return new StreamLoad(path, source, options, internals).run();
  } finally {
    source.close();
  }
}

const fatalFree = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const JSONP_PREFIX = /^\s*([A-Za-z_$][\w$.]*)\s*\(/;

class StreamLoad {
  private readonly chunkBytes: number;
  private invalidUtf8 = false;
  private docStart = 0;
  private docEnd = 0;
  private bomBytes = 0;
  private exchangeCount = 0;
  private readonly wrappers: SourceWrapper[] = [];

  constructor(
    private readonly file: string,
    private readonly source: FileSource,
    private readonly options: StreamLoadOptions,
    private readonly internals: StreamInternals,
  ) {
    this.chunkBytes = Math.max(1, Math.floor(options.chunkBytes ?? DEFAULT_CHUNK_BYTES));
  }

  run(): Capture {
    const head = this.source.read(0, Math.min(this.source.size, 64 * 1024));
    if ((head[0] === 0x1f && head[1] === 0x8b) || isZlib(head)) return this.compressed();
    // unwrap on the head rejects pcap files with the full load's message; it reads only the head.
    unwrap(head.subarray(0, 16), this.file);
    const format = this.sniff();
    const capture: Capture = {
      source: { name: this.file, byteLength: this.source.size, wrappers: this.wrappers },
      format,
      exchanges: [],
      warnings: [],
      dns: [],
      pages: [],
    };
    if (format === 'har') this.har(capture);
    else if (format === 'tshark-json') this.tsharkJson(capture);
    else this.tsharkEk(capture);
    if (this.invalidUtf8) {
      capture.warnings.unshift({
        code: 'invalid-utf8',
        severity: 'warning',
        message: 'the file is not valid UTF-8; invalid bytes were replaced with U+FFFD',
      });
    }
    return capture;
  }

  /** Inflating is not streamed: the full load reads the file (see the header). */
  private compressed(): Capture {
    const bytes = readFileSync(this.file);
    const capture = loadCapture(bytes, this.file);
    capture.source.name = this.file;
    const max = this.options.maxExchanges;
    if (max !== undefined && capture.exchanges.length > max) {
      const total = capture.exchanges.length;
      capture.exchanges = capture.exchanges.slice(0, max);
      capture.warnings.push(maxExchangesWarning(max, `${total} exchanges`));
    }
    for (const exchange of capture.exchanges) this.options.onExchange?.(exchange);
    this.options.onProgress?.({ bytesRead: bytes.length, totalBytes: bytes.length, exchanges: capture.exchanges.length });
    return capture;
  }

  /** BOM, JSONP wrapper and format, read as unwrap and sniffFormat read them, from the head of the file. */
  private sniff(): ReturnType<typeof sniffFormat> {
    const size = this.source.size;
    let headBytes = Math.min(size, 64 * 1024);
    for (;;) {
      const head = this.source.read(0, headBytes);
      this.bomBytes = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
      const decoded = fatalFree.decode(head.subarray(this.bomBytes));
      const jsonp = JSONP_PREFIX.exec(decoded.slice(0, 256));
      let prefixBytes = this.bomBytes;
      this.docEnd = size;
      this.wrappers.length = 0;
      if (this.bomBytes) this.wrappers.push('utf8-bom');
      if (jsonp) {
        const close = this.lastCloseParen();
        const start = this.bomBytes + Buffer.byteLength(jsonp[0]);
        if (close > start) {
          this.wrappers.push('jsonp');
          prefixBytes = start;
          this.docEnd = close;
        }
      }
      this.docStart = prefixBytes;
      const prefixChars = fatalFree.decode(head.subarray(0, prefixBytes));
      const text = fatalFree.decode(head.subarray(prefixBytes, Math.min(head.length, this.docEnd)));
      const unwrapped: Unwrapped = { text, wrappers: this.wrappers, textOffset: prefixChars.length, prefix: prefixChars, invalidUtf8: false };
      const firstNonWs = text.search(/\S/);
      // Enough text for sniffFormat's look-ahead, or the whole file.
      if (headBytes >= size || (firstNonWs !== -1 && text.length - firstNonWs > 8192)) {
        return sniffFormat(unwrapped, this.file);
      }
      headBytes = Math.min(size, headBytes * 4);
    }
  }

  /** Offset of the file's last `)` (JSONP), -1 when there is none. */
  private lastCloseParen(): number {
    for (let end = this.source.size; end > 0; ) {
      const start = Math.max(0, end - 64 * 1024);
      const i = this.source.read(start, end).lastIndexOf(0x29);
      if (i !== -1) return start + i;
      end = start;
    }
    return -1;
  }

  private decode(bytes: Buffer): string {
    if (isUtf8(bytes)) return bytes.toString('utf8');
    this.invalidUtf8 = true;
    return fatalFree.decode(bytes);
  }

  /** Feed [docStart, docEnd) to `each` chunk by chunk, with progress and cancellation after each. */
  private readChunks(each: (chunk: Buffer, base: number) => void): void {
    const buffer = Buffer.allocUnsafe(Math.min(this.chunkBytes, Math.max(1, this.docEnd - this.docStart)));
    for (let base = this.docStart; base < this.docEnd; ) {
      const n = this.source.readInto(buffer.subarray(0, Math.min(buffer.length, this.docEnd - base)), base);
      if (n === 0) break;
      each(buffer.subarray(0, n), base);
      base += n;
      this.options.onProgress?.({ bytesRead: base, totalBytes: this.source.size, exchanges: this.exchangeCount });
      if (this.options.cancelled?.()) throw new LoadCancelledError(this.file);
    }
  }

  private har(capture: Capture): void {
    const keep = this.options.keepBodies ?? false;
    const max = this.options.maxExchanges;
    const entries = new HarEntryReader(false, keep || 'recent');
    const schema = new HarSchemaCollector();
    const bodies = keep ? undefined : new HarBodyReader(this.file, this.source.stamp);
    if (bodies) readersOf.set(capture, bodies);
    let opened = -1;
    let closed = -1;
    let skipped = 0;
    const scanner: JsonStructureScanner = new JsonStructureScanner(['log', 'entries'], {
      targetOpened: (at) => {
        opened = at;
      },
      targetClosed: (at) => {
        closed = at;
      },
      element: (index, start, end) => {
        if (max !== undefined && this.exchangeCount >= max) {
          skipped++;
          return;
        }
        this.checkPieceSize(start, end, `$.log.entries[${index}]`, 'entry');
        const text = this.decode(scanner.slice(start, end));
        let value: JsonValue;
        try {
          value = JSON.parse(text) as JsonValue;
        } catch {
          this.pieceError(text, start, `$.log.entries[${index}]`, false);
        }
        schema.addEntry(value, index);
        const exchange = entries.read(value, index);
        if (!exchange) return;
        rangesOf.set(exchange, { start, end });
        this.exchangeCount++;
        capture.exchanges.push(exchange);
        // The bodies are in memory while onExchange runs (a scan reads them at once: re-reading
        // them from the file would parse the entry again), and are made lazy when it returns.
        this.options.onExchange?.(exchange);
        if (bodies) {
          const { request, response } = exchange;
          if (request.body && request.body.bytes.length > 0) request.body = lazyBody(request.body, bodies, { start, end, part: 'request' });
          if (response?.body && response.body.bytes.length > 0) response.body = lazyBody(response.body, bodies, { start, end, part: 'response' });
        }
      },
    }, (s, e) => this.source.read(s, e), (i) => `$.log.entries[${i}]`);
    this.scan(scanner);

    // The document with its entries cut out (`"entries": []`), read as the full load reads it.
    const first = this.source.read(this.docStart, opened >= 0 ? opened + 1 : this.docEnd);
    const second = closed >= 0 ? this.source.read(closed, this.docEnd) : Buffer.alloc(0);
    const firstText = this.decode(first);
    const skeletonText = firstText + this.decode(second);
    let doc: JsonValue;
    try {
      doc = JSON.parse(skeletonText) as JsonValue;
    } catch {
      this.skeletonError(skeletonText, firstText, closed);
    }
    if (!isJsonObject(doc)) {
      throw new CaptureLoadError(this.file, 'a HAR file must be a JSON object', { jsonPath: '$' }, '{"log": {…}}');
    }
    const log = harLogOf(doc, this.file);
    // The entries read above were cut out of the text (it keeps `"entries": []`): entries left in
    // it are a second "entries" (or "log") key, which JSON.parse would take instead; so is a log
    // with no "entries" array after one was read (`{"log": {…entries…}, "log": {}}`). Two readings
    // of one file: refuse it.
    if ((Array.isArray(log.entries) && log.entries.length > 0) || (opened >= 0 && !Array.isArray(log.entries))) {
      throw new CaptureLoadError(this.file, 'the log has "entries" twice (or "log" twice); a reader would see one or the other', { jsonPath: '$.log.entries' }, 'one "entries" array in one "log"');
    }
    const frame = readHarFrame(log);
    capture.warnings.push(...schema.finish(doc), ...frame.noEntriesWarnings, ...entries.warnings, ...frame.pageWarnings);
    if (skipped > 0) capture.warnings.push(maxExchangesWarning(max!, `${skipped} more entries`));
    capture.pages = frame.pages;
    Object.assign(capture.source, frame.source);
  }

  private tsharkJson(capture: Capture): void {
    const reader = new TsharkJsonReader();
    const packetRanges: number[] = [];
    let duplicateKeys = 0;
    const scanner: JsonStructureScanner = new JsonStructureScanner([], {
      targetOpened: () => undefined,
      targetClosed: () => undefined,
      element: (index, start, end) => {
        this.checkPieceSize(start, end, `$[${index}]`, 'packet');
        const text = this.decode(scanner.slice(start, end));
        let parsed: { value: JsonValue; duplicateKeyCount: number } | undefined;
        try {
          parsed = parseJson(text, { duplicateKeys: 'collect', maxDepth: PACKET_MAX_DEPTH });
        } catch (err) {
          if (!(err instanceof JsonSyntaxError)) throw err;
          this.pieceError(text, start, `$[${index}]`, true);
        }
        duplicateKeys += parsed.duplicateKeyCount;
        packetRanges.push(start, end);
        reader.add(parsed.value, index);
      },
    }, (s, e) => this.source.read(s, e), (i) => `$[${i}]`);
    this.scan(scanner);
    this.tsharkResult(capture, reader.finish(duplicateKeys), (i) => i, packetRanges);
    capture.source.producer = { name: 'tshark', comment: '-T json' };
  }

  private tsharkEk(capture: Capture): void {
    const reader = new TsharkEkReader();
    const lineRanges: number[] = [];
    let lineStart = this.docStart;
    let lineNumber = 0;
    const line = (end: number, bytes: Buffer): void => {
      lineNumber++;
      lineRanges.push(lineStart, end);
      reader.line(this.decode(bytes), lineNumber);
    };
    this.readChunks((chunk, base) => {
      for (let from = 0; ; ) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl === -1) break;
        const end = base + nl;
        line(end, lineStart >= base ? chunk.subarray(lineStart - base, nl) : this.source.read(lineStart, end));
        lineStart = end + 1;
        from = nl + 1;
      }
    });
    if (lineStart < this.docEnd) line(this.docEnd, this.source.read(lineStart, this.docEnd));
    // EK packets are numbered by line: line n's range is at 2(n-1).
    this.tsharkResult(capture, reader.finish(), (n) => n - 1, lineRanges);
    capture.source.wrappers.push('ndjson');
    capture.source.producer = { name: 'tshark', comment: '-T ek' };
  }

  private tsharkResult(capture: Capture, result: TsharkLoadResult, slot: (packetIndex: number) => number, ranges: number[]): void {
    let exchanges = result.exchanges;
    const max = this.options.maxExchanges;
    const warnings = [...result.warnings];
    if (max !== undefined && exchanges.length > max) {
      warnings.push(maxExchangesWarning(max, `${exchanges.length} exchanges`));
      exchanges = exchanges.slice(0, max);
    }
    for (const exchange of exchanges) {
      if (exchange.origin.kind === 'tshark-frames') {
        const at = 2 * slot(exchange.origin.packetIndex);
        if (at >= 0 && at + 1 < ranges.length) rangesOf.set(exchange, { start: ranges[at], end: ranges[at + 1] });
      }
      this.exchangeCount++;
      this.options.onExchange?.(exchange);
    }
    capture.exchanges = exchanges;
    capture.dns = result.dns;
    capture.warnings.push(...warnings);
    capture.source.variant = result.variant;
  }

  private scan(scanner: JsonStructureScanner): void {
    try {
      this.readChunks((chunk, base) => scanner.feed(chunk, base));
      // The scanner refuses anything but whitespace after the document (JSON.parse would too).
      scanner.finish(this.docEnd);
    } catch (err) {
      if (err instanceof ScanError) this.syntaxError(err.offset, err.expected, err.jsonPath);
      throw err;
    }
  }

  /**
   * One entry or packet is parsed as one string: past V8's longest string it cannot be, and reading
   * it would first allocate a buffer its size. Said plainly, with where it is, before either.
   */
  private checkPieceSize(start: number, end: number, jsonPath: string, what: string): void {
    if (end - start <= MAX_PIECE_BYTES) return;
    const mib = ((end - start) / 2 ** 20).toFixed(0);
    throw new CaptureLoadError(this.file, `${jsonPath} is one ${what} of ${mib} MiB starting at byte ${start}, more than LeakLens can read as one ${what}`, { jsonPath }, `${what}s under ${MAX_PIECE_BYTES / 2 ** 20} MiB each`);
  }

  private pieceError(text: string, start: number, jsonPath: string, duplicateKeys: boolean): never {
    try {
      parseJson(text, duplicateKeys ? { duplicateKeys: 'collect' } : {});
    } catch (err) {
      if (err instanceof JsonSyntaxError) {
        this.syntaxError(start + Buffer.byteLength(text.slice(0, err.offset)), err.expected, jsonPath, err.found);
      }
      throw err;
    }
    this.syntaxError(start, 'a JSON value', jsonPath);
  }

  private skeletonError(text: string, firstText: string, secondStart: number): never {
    try {
      parseJson(text);
    } catch (err) {
      if (err instanceof JsonSyntaxError) {
        const inFirst = err.offset <= firstText.length;
        const offset = inFirst
          ? this.docStart + Buffer.byteLength(firstText.slice(0, err.offset))
          : secondStart + Buffer.byteLength(text.slice(firstText.length, err.offset));
        this.syntaxError(offset, err.expected, '$', err.found);
      }
      throw err;
    }
    this.syntaxError(this.docStart, 'a JSON document', '$');
  }

  /**
   * A file that is not JSON. Small files are read again by the full load so the message is the
   * one it gives; large ones get the byte offset, line and column, and JSON path found here.
   */
  private syntaxError(offset: number, expected: string, jsonPath: string, found?: string): never {
    if (this.source.size <= (this.internals.exactErrorsUpTo ?? STREAM_MIN_BYTES)) {
      loadCapture(readFileSync(this.file), this.file); // throws the full load's error
    }
    const { line, column } = this.lineColumnAt(offset);
    throw new CaptureLoadError(
      this.file,
      `invalid JSON at byte ${offset} (found ${found ?? this.describeAt(offset)})`,
      { line, column, jsonPath },
      expected,
    );
  }

  private describeAt(offset: number): string {
    if (offset >= this.docEnd) return 'end of input';
    const ch = fatalFree.decode(this.source.read(offset, offset + 4)).slice(0, 1);
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return `'${ch}'`;
  }

  /** Line and column (UTF-16 units, after any BOM) of a byte offset, as the full load counts them; reads the file up to it. */
  private lineColumnAt(offset: number): { line: number; column: number } {
    let line = 1;
    let column = 1;
    for (let base = this.bomBytes; base < offset; base += DEFAULT_CHUNK_BYTES) {
      const chunk = this.source.read(base, Math.min(offset, base + DEFAULT_CHUNK_BYTES));
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i];
        if (c === 0x0a) {
          line++;
          column = 1;
        } else if ((c & 0xc0) !== 0x80) {
          column += c >= 0xf0 ? 2 : 1; // a 4-byte sequence is two UTF-16 units
        }
      }
    }
    return { line, column };
  }
}

