// The decode driver: peels one field layer by layer and returns every text leaf the detectors
// should see, each with the chain of steps that exposed it (outermost first).
//
//   bytes ─┬─ Content-Encoding (gzip, br, …, undone last → first)
//          ├─ multipart parts ─────────────────────────────▶ bytes of each part
//          ├─ gzip / zlib by magic ────────────────────────▶ bytes
//          ├─ text (UTF-8, no controls) ───────────────────▶ text
//          └─ binary: protobuf fields, else readable runs ─▶ leaves
//   text ──── leaf, then the first that applies: JSON values │ multipart │ form fields │
//             otherwise JWTs, the URL-decoded view, base64 and hex runs ─▶ text / bytes
//
// Work is an explicit stack (no recursion), and every step is bounded: output per step, steps
// stacked, total output against the input size, wall-clock time and leaf count. A bound that
// stops a step is recorded with its chain and the rest of the field goes on. Nothing throws.
import { performance } from 'node:perf_hooks';
import type { DecodeLimitHit } from '../model';
import { base64Children, MIN_STANDALONE } from './base64';
import { isPlainText, plainText, readableRuns, toBuffer } from './bytes';
import { codecOfContentEncoding, inflate, isGzip, sniffCompression } from './compression';
import { isFormContentType, parseForm } from './form';
import { hexChildren } from './hex';
import { jsonStart, KEY_PATH_TAIL, MAX_KEY_IN_PATH, scanJson } from './json';
import { findJwts } from './jwt';
import { boundaryFromContentType, parseMultipart, sniffBoundary, type Part } from './multipart';
import { declaredProtobuf, parseProtobuf, plausibleUndeclared, type ProtobufMessage } from './protobuf';
import { findRuns, hasRun, type Clock, type Run } from './runs';
import { capDetail, type Child, type Issue, type LimitKind, type OutputCap } from './step';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type DecodeResult, type FieldInput, type TextLeaf } from './types';
import { urlDecodedView } from './url';

export type { DecodeLimits, DecodeResult, FieldInput, TextLeaf } from './types';
export { DEFAULT_DECODE_LIMITS } from './types';

/** `base64 → gzip → json:$.device.imei`; empty for the raw field. */
export function formatChain(chain: readonly string[]): string {
  return chain.join(' → ');
}

/** JSON nested deeper than this is still checked, but values below it are not separate leaves. */
export const MAX_JSON_DEPTH = 10_000;
/** For the ratio bound a field counts as at least this many bytes, so a tiny field may still expand. */
export const RATIO_FLOOR_BYTES = 1024;
const MAX_LIMIT_RECORDS = 64;
/** Nodes between clock reads; large nodes always read it. */
const TIME_CHECK_EVERY = 16;
const LARGE_NODE = 64 * 1024;

/** The field itself: always a leaf, never charged to the ratio budget. */
const RAW = 1;
/** Its size was already charged (bytes are charged when made; their text is the same data). */
const COUNTED = 2;
/** A number or boolean: a leaf, not decoded further. */
const FINAL = 4;
const UNQUOTED = 8;
const NOT_PROTOBUF = 16;
/** Decompressing these bytes already hit a bound; do not try again. */
const NO_INFLATE = 32;

/** One value waiting to be decoded (a class, so every instance has the same shape). */
class Work {
  constructor(
    readonly chain: string[],
    readonly keyPath: string[],
    readonly key: string | undefined,
    readonly text: string | undefined,
    readonly bytes: Uint8Array | undefined,
    readonly contentType: string | undefined,
    readonly flags: number,
  ) {}

  withText(text: string): Work {
    return new Work(this.chain, this.keyPath, this.key, text, undefined, this.contentType, this.flags);
  }
}

/** Children of `parent` still to be turned into leaves, from `index` on. */
class Resume {
  index = 0;
  constructor(
    readonly parent: Work,
    readonly children: Child[],
  ) {}
}

type LimitRecord = Pick<DecodeLimitHit, 'chain' | 'limit' | 'detail'>;

/** chain + step (Array.prototype.concat is slow in V8). */
function append(chain: string[], step: string): string[] {
  if (chain.length === 0) return [step];
  const out = chain.slice();
  out.push(step);
  return out;
}

function joinKeys(parent: string[], keys: string[]): string[] {
  if (keys.length === 0) return parent;
  const all = parent.length === 0 ? keys : [...parent, ...keys];
  return all.length > KEY_PATH_TAIL ? all.slice(all.length - KEY_PATH_TAIL) : all;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * A quick "analyze would find nothing": no JSON/XSSI/BOM start, no multipart start, no `=`
 * (forms), no `%` (URL escapes), no 12-character alphabet run (base64, hex, JWT).
 */
export function nothingToDecode(text: string): boolean {
  const n = text.length;
  if (n < 2) return true;
  const c = text.charCodeAt(0);
  if (c === 0x7b || c === 0x5b || c === 0x29 || c === 0x2d || c === 0xfeff || isWs(c)) return false;
  if (text.indexOf('%') !== -1 || text.indexOf('=') !== -1) return false;
  return n < MIN_STANDALONE || !hasRun(text, MIN_STANDALONE);
}

// `Basic `, `Bearer `, or a whole header line `Authorization: Basic `.
const AUTH_SCHEME = /^(?:[A-Za-z][A-Za-z0-9-]*: *)?[A-Za-z][A-Za-z0-9-]* +$/;

/** Is the run the whole value (ignoring surrounding whitespace), or the whole value after `Basic `/`Bearer `? */
function standaloneIn(text: string): (r: Run) => boolean {
  let s = 0;
  let e = text.length;
  while (s < e && isWs(text.charCodeAt(s))) s++;
  while (e > s && isWs(text.charCodeAt(e - 1))) e--;
  return (r) => r.end + r.pad === e && (r.start === s || (r.start - s <= 64 && AUTH_SCHEME.test(text.slice(s, r.start))));
}

function overflowDetail(codec: string, cap: OutputCap, head: Uint8Array | undefined): string {
  const detail = capDetail(`${codec} output`, cap);
  return head ? `${detail}; its first ${head.length} bytes were decoded` : `${detail}; none of it was decoded`;
}

/** A name as written in a chain step: hostile 100 MB names are cut. */
function label(name: string): string {
  return name.length > MAX_KEY_IN_PATH ? `${name.slice(0, MAX_KEY_IN_PATH)}…` : name;
}

function partChildren(parts: Part[]): Child[] {
  return parts.map((p, i) => {
    const name = p.name ?? p.filename ?? `#${i}`;
    const child: Child = { step: `multipart:${label(name)}`, bytes: p.body, keys: [name] };
    if (p.name !== undefined) child.key = p.name;
    if (p.contentType !== undefined) child.contentType = p.contentType;
    return child;
  });
}

function protobufChildren(msg: ProtobufMessage): Child[] {
  return msg.items.map((it) => {
    const step = `protobuf:${it.path}`;
    const keys = it.path.split('.');
    if (it.kind === 'number') return { step, text: it.text, key: it.path, keys, unquoted: true, final: true };
    if (it.kind === 'string') return { step, text: it.text, key: it.path, keys };
    return { step, bytes: it.bytes, key: it.path, keys, notProtobuf: true };
  });
}

class FieldDecoder {
  readonly leaves: TextLeaf[] = [];
  readonly limits: LimitRecord[] = [];
  private readonly stack: (Work | Resume)[] = [];
  private seen: Set<string> | undefined;
  private readonly budget: number;
  /** Read lazily: small fields finish before the clock is ever read. */
  private deadline = -1;
  private produced = 0;
  private stopped = false;
  private steps = 0;

  constructor(
    private readonly lim: DecodeLimits,
    inputSize: number,
  ) {
    this.budget = lim.maxRatio * Math.max(inputSize, RATIO_FLOOR_BYTES);
  }

  run(input: FieldInput): void {
    const key = input.key;
    const keyPath = key !== undefined ? [key] : [];
    const ct = input.contentType;
    if (input.bytes !== undefined) {
      if (input.bytes.length > LARGE_NODE) this.outOfTime();
      const { bytes, chain, stoppedByBound } = this.undoContentEncoding(input.bytes, input.contentEncoding ?? []);
      const noInflate = stoppedByBound ? NO_INFLATE : 0;
      if (chain.length > 0) {
        // The field as captured is compressed: nothing in it reads as text.
        this.emit(new Work([], keyPath, key, '', undefined, ct, RAW), '');
        this.stack.push(new Work(chain, keyPath, key, undefined, bytes, ct, COUNTED | noInflate));
      } else {
        this.stack.push(new Work([], keyPath, key, undefined, bytes, ct, RAW | noInflate));
      }
    } else {
      this.stack.push(new Work([], keyPath, key, input.text ?? '', undefined, ct, RAW));
    }
    this.loop();
  }

  private readonly clock: Clock = { expired: () => this.outOfTime() };

  /** Starts the clock on first use; true once the field's time is up. */
  private outOfTime(): boolean {
    const now = performance.now();
    if (this.deadline < 0) this.deadline = now + this.lim.maxTimeMs;
    return now > this.deadline;
  }

  /** Undo the declared Content-Encoding, outermost (last) first, while each layer is really there. */
  private undoContentEncoding(input: Uint8Array, codings: readonly string[]): { bytes: Uint8Array; chain: string[]; stoppedByBound: boolean } {
    let bytes = input;
    const chain: string[] = [];
    let stoppedByBound = false;
    for (let k = codings.length - 1; k >= 0; k--) {
      const codec = codecOfContentEncoding(codings[k], bytes);
      if (codec === null) continue;
      // Unknown coding, or the producer already removed it (HAR bodies usually are decoded).
      if (codec === undefined || bytes.length === 0) break;
      if (codec === 'gzip' ? !isGzip(bytes) : isPlainText(bytes)) break;
      if (chain.length >= this.lim.maxDepth) {
        this.hit([...chain, codec], 'max-depth', `more than ${this.lim.maxDepth} decoding steps; Content-Encoding ${codings[k]} not undone`);
        stoppedByBound = true;
        break;
      }
      const cap = this.cap();
      const out = inflate(codec, bytes, cap.bytes);
      if (out.kind === 'overflow') {
        this.hit([...chain, codec], cap.limit, overflowDetail(codec, cap, out.head));
        stoppedByBound = true;
        if (!out.head) break;
        // The head up to the cap is decoded and scanned; what it is wrapped in stays as it is.
        this.produced += out.head.length;
        bytes = out.head;
        chain.push(codec);
        break;
      }
      if (out.kind === 'fail') break;
      this.produced += out.bytes.length;
      bytes = out.bytes;
      chain.push(codec);
    }
    return { bytes, chain, stoppedByBound };
  }

  private loop(): void {
    while (this.stack.length > 0 && !this.stopped) {
      const w = this.stack.pop() as Work | Resume;
      if (w instanceof Resume) {
        this.resume(w);
        continue;
      }
      const size = w.text !== undefined ? w.text.length : (w.bytes?.length ?? 0);
      if ((size > LARGE_NODE || ++this.steps % TIME_CHECK_EVERY === 0) && this.outOfTime()) {
        this.hit(w.chain, 'max-time', `decoding took longer than ${this.lim.maxTimeMs} ms; ${this.stack.length + 1} pending layer(s) not decoded`);
        this.stopped = true;
        break;
      }
      try {
        if (w.bytes !== undefined) this.bytes(w, w.bytes);
        else this.text(w, w.text ?? '');
      } catch {
        // A decoder bug or an engine limit (e.g. a regex stack overflow) costs this layer only.
      }
    }
  }

  // ---- bounds ------------------------------------------------------------------------------

  private hit(chain: string[], limit: LimitKind, detail: string): void {
    const id = limit === 'max-time' || limit === 'max-leaves' ? limit : `${limit}\u0000${chain.join('\u0000')}`;
    this.seen ??= new Set();
    if (this.seen.has(id) || this.limits.length >= MAX_LIMIT_RECORDS) return;
    this.seen.add(id);
    this.limits.push({ chain, limit, detail });
  }

  /** What one step may still produce: the per-step cap or what is left of the ratio budget. */
  private cap(): OutputCap {
    const left = Math.max(0, this.budget - this.produced);
    return left < this.lim.maxOutputBytes
      ? { bytes: left, limit: 'max-ratio' }
      : { bytes: this.lim.maxOutputBytes, limit: 'max-output-bytes' };
  }

  private charge(size: number, chain: string[]): boolean {
    if (this.produced + size > this.budget) {
      this.hit(chain, 'max-ratio', `decoded output would exceed ${this.lim.maxRatio}× the field's size (${this.budget} bytes)`);
      return false;
    }
    this.produced += size;
    return true;
  }

  private emit(w: Work, text: string): boolean {
    return this.leaf(text, w.chain, w.key, w.keyPath, w.flags);
  }

  private leaf(text: string, chain: string[], key: string | undefined, keyPath: string[], flags: number): boolean {
    if (this.leaves.length >= this.lim.maxLeaves) {
      this.hit(chain, 'max-leaves', `more than ${this.lim.maxLeaves} leaves; the rest of the field was not decoded`);
      this.stopped = true;
      return false;
    }
    if ((flags & (RAW | COUNTED)) === 0 && !this.charge(text.length, chain)) return false;
    const leaf: TextLeaf = { text, chain, key, keyPath };
    if (flags & UNQUOTED) leaf.unquoted = true;
    this.leaves.push(leaf);
    return true;
  }

  private push(w: Work, children: Child[]): void {
    if (children.length === 0) return;
    if (w.chain.length >= this.lim.maxDepth) {
      this.hit(
        [...w.chain, children[0].step],
        'max-depth',
        `more than ${this.lim.maxDepth} decoding steps stacked; ${children.length} layer(s) below ${children[0].step} not decoded`,
      );
      return;
    }
    this.resume(new Resume(w, children));
  }

  /**
   * Turn children into leaves in order. Text with nothing more to decode (most JSON values)
   * becomes a leaf at once; a child that needs decoding goes on the stack above a Resume for its
   * younger siblings, so leaves come out depth-first in document order.
   */
  private resume(r: Resume): void {
    const w = r.parent;
    const children = r.children;
    while (r.index < children.length) {
      const c = children[r.index++];
      const chain = append(w.chain, c.step);
      const keyPath = c.keys ? joinKeys(w.keyPath, c.keys) : w.keyPath;
      const key = c.key ?? w.key;
      let flags = (c.unquoted ? UNQUOTED : 0) | (c.final ? FINAL : 0) | (c.notProtobuf ? NOT_PROTOBUF : 0);
      let next: Work;
      if (c.bytes !== undefined) {
        if (!this.charge(c.bytes.length, chain)) continue;
        flags |= COUNTED;
        next = new Work(chain, keyPath, key, undefined, c.bytes, c.contentType, flags);
      } else {
        const text = c.text ?? '';
        if (c.final || (c.contentType === undefined && nothingToDecode(text))) {
          this.leaf(text, chain, key, keyPath, flags);
          if (this.stopped) return;
          continue;
        }
        next = new Work(chain, keyPath, key, text, undefined, c.contentType, flags);
      }
      if (r.index < children.length) this.stack.push(r);
      this.stack.push(next);
      return;
    }
  }

  private report(w: Work, issues: Issue[]): void {
    for (const issue of issues) this.hit([...w.chain, issue.step], issue.limit, issue.detail);
  }

  // ---- bytes -------------------------------------------------------------------------------

  private bytes(w: Work, bytes: Uint8Array): void {
    const buf = toBuffer(bytes);

    const boundary = boundaryFromContentType(w.contentType) ?? sniffBoundary(buf);
    const parts = boundary !== undefined ? parseMultipart(buf, boundary) : undefined;
    if (parts) {
      this.emit(w, plainText(buf) ?? this.readable(w, buf));
      this.push(w, partChildren(parts));
      return;
    }

    const codec = w.flags & NO_INFLATE ? undefined : sniffCompression(buf);
    if (codec !== undefined) {
      if (w.chain.length >= this.lim.maxDepth) {
        this.hit([...w.chain, codec], 'max-depth', `more than ${this.lim.maxDepth} decoding steps stacked; ${codec} data not decompressed`);
      } else {
        const cap = this.cap();
        const out = inflate(codec, buf, cap.bytes);
        if (out.kind === 'overflow') this.hit([...w.chain, codec], cap.limit, overflowDetail(codec, cap, out.head));
        const inflated = out.kind === 'ok' ? out.bytes : out.kind === 'overflow' ? out.head : undefined;
        if (inflated) {
          if (w.flags & RAW) this.emit(w, '');
          this.produced += inflated.length;
          // A head cut at the cap has spent this step's budget: it is read, not decompressed again.
          const flags = out.kind === 'overflow' ? COUNTED | NO_INFLATE : COUNTED;
          this.stack.push(new Work(append(w.chain, codec), w.keyPath, w.key, undefined, inflated, undefined, flags));
          return;
        }
      }
    }

    const text = plainText(buf);
    if (text !== undefined) {
      this.text(w.withText(text), text);
      return;
    }

    if ((w.flags & NOT_PROTOBUF) === 0) {
      const msg = parseProtobuf(buf);
      if (msg && (declaredProtobuf(w.contentType) || plausibleUndeclared(msg))) {
        if (w.flags & RAW) this.emit(w, this.readable(w, buf));
        this.push(w, protobufChildren(msg));
        return;
      }
    }

    const runs = this.readable(w, buf);
    if (w.flags & RAW || runs !== '') this.emit(w, runs);
  }

  /** Readable runs of binary data, from at most maxOutputBytes of it. */
  private readable(w: Work, buf: Buffer): string {
    const max = this.lim.maxOutputBytes;
    if (buf.length <= max) return readableRuns(buf);
    this.hit(w.chain, 'max-output-bytes', `readable text taken from the first ${max} of ${buf.length} binary bytes`);
    return readableRuns(buf.subarray(0, max));
  }

  // ---- text --------------------------------------------------------------------------------

  private text(w: Work, text: string): void {
    if (text === '' && (w.flags & RAW) === 0) return;
    if (!this.emit(w, text)) return;
    if (w.flags & FINAL || text.length < 2) return;
    const issues: Issue[] = [];
    const children = this.analyze(w, text, issues);
    if (issues.length > 0) this.report(w, issues);
    this.push(w, children);
  }

  private analyze(w: Work, text: string, issues: Issue[]): Child[] {
    const contentType = w.contentType;

    const start = jsonStart(text);
    if (start !== -1) {
      const scan = scanJson(text, start, MAX_JSON_DEPTH, Math.max(0, this.lim.maxLeaves - this.leaves.length));
      if (scan) {
        if (scan.depthExceeded) {
          issues.push({ step: 'json', limit: 'max-depth', detail: `JSON nested deeper than ${MAX_JSON_DEPTH} levels; values below that are not separate leaves` });
        }
        if (scan.leavesExceeded) {
          issues.push({ step: 'json', limit: 'max-leaves', detail: `JSON has more values than the ${this.lim.maxLeaves}-leaf limit allows` });
        }
        return scan.children;
      }
    }

    const boundary = boundaryFromContentType(contentType) ?? (text.startsWith('--') ? sniffBoundary(Buffer.from(text.slice(0, 512))) : undefined);
    if (boundary !== undefined) {
      const parts = parseMultipart(Buffer.from(text, 'utf8'), boundary);
      if (parts) return partChildren(parts);
    }

    const declaredForm = isFormContentType(contentType);
    if (declaredForm || text.indexOf('=') > 0) {
      const fields = parseForm(text, declaredForm);
      if (fields) {
        const out: Child[] = [];
        for (const f of fields) {
          if (f.value !== '') out.push({ step: `form:${label(f.name)}`, text: f.value, key: f.name, keys: [f.name] });
        }
        return out;
      }
    }

    const out: Child[] = [];
    const jwts = findJwts(text);
    for (const jwt of jwts) for (const item of jwt.children) out.push(item);

    const url = urlDecodedView(text);
    if (url) out.push({ step: 'url', text: url.text });
    // The decoded view holds the same runs, unbroken by escapes: decode them there, once.
    if (url?.whole || text.length < MIN_STANDALONE) return out;

    const { runs, timedOut } = findRuns(text, MIN_STANDALONE, jwts, this.clock);
    if (runs.length > 0) {
      const tried = new Set<string>();
      for (const item of base64Children(text, runs, standaloneIn(text), { cap: this.cap(), issues, tried, clock: this.clock })) out.push(item);
      for (const item of hexChildren(text, runs, this.cap(), issues, tried, this.clock)) out.push(item);
    }
    // The run loops look at the clock every 256 runs and stop quietly; say so here.
    if (timedOut || (runs.length > 255 && this.clock.expired())) {
      issues.push({ step: 'base64', limit: 'max-time', detail: `decoding took longer than ${this.lim.maxTimeMs} ms; the rest of this text's base64/hex runs were not tried` });
    }
    return out;
  }
}

/**
 * Peel one field (a body, header, query value, …) into the text leaves the detectors should see.
 * The raw field is always the first leaf (chain []). Never throws: a decoder that fails means
 * "not this layer", and a bound that stops one is listed in `limits`.
 */
export function decodeField(input: FieldInput, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodeResult {
  const text = input.text;
  if (text !== undefined && input.bytes === undefined && input.contentType === undefined && nothingToDecode(text)) {
    // Most fields (short header values, numbers, words) are their own only leaf: skip the machinery.
    return { leaves: [{ text, chain: [], key: input.key, keyPath: input.key !== undefined ? [input.key] : [] }], limits: [] };
  }
  const lim: DecodeLimits = limits === DEFAULT_DECODE_LIMITS ? limits : { ...DEFAULT_DECODE_LIMITS, ...limits };
  const inputSize = input.bytes !== undefined ? input.bytes.length : (input.text?.length ?? 0);
  const decoder = new FieldDecoder(lim, inputSize);
  try {
    decoder.run(input);
  } catch {
    // A decoder bug must not cost the field: keep what was found, and always the raw leaf.
    if (decoder.leaves.length === 0) {
      const text = input.text ?? (input.bytes !== undefined ? toBuffer(input.bytes).toString('utf8') : '');
      decoder.leaves.push({ text, chain: [], key: input.key, keyPath: input.key !== undefined ? [input.key] : [] });
    }
  }
  return { leaves: decoder.leaves, limits: decoder.limits };
}
