// The fuzz targets: how each makes inputs from its seeds (main thread) and what it checks when it
// runs one (worker thread). A check returns nothing when the input was handled as promised and
// throws InvariantFailure when not; any other exception escaping a check is itself a failure.
//
// What the code promises (and so what is checked):
// - loaders (load/index.ts, load/stream): a capture, or a CaptureLoadError whose message starts
//   with the file name and whose location names a line and column, a JSON path, an entry or a
//   frame (a line within the file);
// - decodeField, detectIdentifiers, scanCapture, writeAdvisory: never throw ("Nothing throws");
//   detections lie where they say (text.slice(start, end) is matchedText);
// - parseSidecar: a Sidecar, or a SidecarError naming the file and a place; a sidecar it accepts
//   is written by serializeSidecar as text it reads back to the same sidecar.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { isZlib } from '../../extension/core/decode/compression';
import { decodeField, DEFAULT_DECODE_LIMITS, type FieldInput } from '../../extension/core/decode/index';
import { detectIdentifiers } from '../../extension/core/detect/index';
import { KnownValueError, parseKnownFile, type KnownValue } from '../../extension/core/detect/known';
import { CaptureLoadError, loadCapture } from '../../extension/core/load/index';
import { streamCaptureFile } from '../../extension/core/load/stream/index';
import type { Capture, SourceLocation } from '../../extension/core/model';
import { parseSidecar, serializeSidecar, SidecarError } from '../../extension/core/annotations/sidecar';
import type { Sidecar } from '../../extension/core/annotations/model';
import { DEFAULT_ADVISORY_TEMPLATE, sidecarResolver, writeAdvisory } from '../../extension/core/report/advisory';
import { fieldsOf, scanCapture } from '../../extension/core/scan';
import { chance, int, mutateBytes, mutateJson, mutateNdjson, mutateText, pick, structuralBoundaries, type MutateOptions, type Rng } from './mutate';

/** One input: the bytes of a file (a capture, a sidecar, or a JSON string for text targets) and how to run it. */
export interface FuzzInput {
  data: Uint8Array;
  /** Options of the run (chunk size, content type, …), JSON-serialisable. */
  meta: Record<string, string | number | boolean | string[]>;
  /** A second file: the sidecar of an advisory input. */
  extra?: Uint8Array;
  /** What was done to the seed, for the crash report. */
  note: string;
}

export type Outcome = 'accepted' | 'refused';

/** Not what the code promises. */
export class InvariantFailure extends Error {
  override readonly name = 'InvariantFailure';
}

export interface Seeds {
  /** Whole files (text) per kind. */
  har: string[];
  tsharkJson: string[];
  tsharkEk: string[];
  sidecar: string[];
  /** Small files whose every structural boundary is a truncation point, per kind. */
  sweep: { har: string; tsharkJson: string; tsharkEk: string; sidecar: string };
  fields: FieldInput[];
  leaves: { text: string; key?: string }[];
}

export interface GenerateContext {
  seeds: Seeds;
  mutate: MutateOptions;
}

export interface Target {
  name: string;
  /** Input number `index` (its own RNG): the sweep of truncations is interleaved with random inputs. */
  generate(r: Rng, index: number, ctx: GenerateContext): FuzzInput;
  /** Runs in the worker; `tmp` is a folder of its own for files. Says whether the input was accepted or refused (with a documented error). */
  check(input: FuzzInput, tmp: string): Outcome;
  /** File extension of `data` in crash and fixture files. */
  ext: string;
  /** Per-input time cap when it differs from the runner's (multiplied with it). */
  timeoutFactor?: number;
}

// ---------------------------------------------------------------------------------------------
// Seeds

const CORPUS = process.env.LEAKLENS_CORPUS ?? resolve(process.cwd(), '../shared/corpus');
const SAMPLES = resolve(process.cwd(), 'samples');

function corpusText(rel: string): string {
  return readFileSync(join(CORPUS, rel), 'utf8');
}

export function loadSeeds(): Seeds {
  const har = [
    'public/har/har-validator__valid.har', 'public/har/mitmproxy__insomnia.har', 'public/har/mitmproxy__postdata.har',
    'public/har/mitmproxy__flows_successful_log.har', 'public/har/harviewer__firebug_url-params.har', 'public/har/mitmproxy__charles.har',
    'public/har/harviewer__ff47_post-empty-post-data.har', 'public/har/mitmproxy__flows_websocket.har', 'public/har/harviewer__svg.base64.har',
    'public/har/gz_proxy__kika_android_app_mitmproxy.har', 'generated/har/playwright_chromium_omit-content.har',
  ].map(corpusText);
  har.push(readFileSync(join(SAMPLES, 'mitmproxy_hardump.har'), 'utf8'));
  const tsharkJson = [
    'generated/tshark_from_public/pcapplusplus__frag_http_req.tshark.json', 'generated/pcap/telemetry_small.tshark.fields-e.json',
    'generated/tshark_from_public/pcapplusplus__one_ipv6_http_stream.tshark.json',
  ].map(corpusText);
  const tsharkEk = [
    'generated/tshark_from_public/pcapplusplus__frag_http_req.tshark.ek.jsonl', 'generated/tshark_from_public/pcapplusplus__three_http_streams.tshark.ek.jsonl',
  ].map(corpusText);
  const sidecar = [readFileSync(join(SAMPLES, 'mitmproxy_hardump.har.leaklens.json'), 'utf8')];

  // Decoder and detector seeds: every field of the seed captures, and the leaves they decode to.
  const fields: FieldInput[] = [];
  const leaves: { text: string; key?: string }[] = [];
  const captures: Capture[] = [];
  for (const [i, text] of [...har, ...tsharkJson, ...tsharkEk].entries()) {
    captures.push(loadCapture(Buffer.from(text), `seed${i}`));
  }
  for (const capture of captures) {
    for (const exchange of capture.exchanges) {
      for (const field of fieldsOf(exchange)) {
        fields.push(field.input);
        if (leaves.length < 5000) for (const leaf of decodeField(field.input).leaves) leaves.push({ text: leaf.text, key: leaf.key });
      }
    }
  }
  return {
    har, tsharkJson, tsharkEk, sidecar, fields, leaves,
    sweep: { har: har[0], tsharkJson: tsharkJson[1], tsharkEk: tsharkEk[0].split('\n').slice(0, 4).join('\n'), sidecar: sidecar[0] },
  };
}

// ---------------------------------------------------------------------------------------------
// Invariants

function where(location: SourceLocation | undefined): boolean {
  if (!location) return false;
  if (location.line !== undefined) return Number.isSafeInteger(location.line) && location.line >= 1 && (location.column === undefined || location.column >= 1);
  return (location.jsonPath?.startsWith('$') ?? false) || location.entryIndex !== undefined || location.frame !== undefined;
}

function lineCount(data: Uint8Array): number {
  let n = 1;
  for (const b of data) if (b === 0x0a) n++;
  return n;
}

function isCompressed(data: Uint8Array): boolean {
  return (data[0] === 0x1f && data[1] === 0x8b) || isZlib(data);
}

/** A load error as promised: the file, then a place inside it. Anything else is rethrown as a failure. */
function expectLoadError(err: unknown, file: string, data: Uint8Array): void {
  if (!(err instanceof CaptureLoadError)) throw err;
  if (err.file !== file || !err.message.startsWith(file)) throw new InvariantFailure(`CaptureLoadError does not name the file: ${err.message}`);
  if (!where(err.location)) throw new InvariantFailure(`CaptureLoadError does not say where: ${err.message}`);
  const line = err.location?.line;
  // Line numbers count the file's own lines; a compressed file's count those of its inflated text.
  if (line !== undefined && !isCompressed(data) && line > lineCount(data)) {
    throw new InvariantFailure(`CaptureLoadError names line ${line} of a file of ${lineCount(data)} lines: ${err.message}`);
  }
}

function checkCapture(capture: Capture): void {
  const ids = new Set<number>();
  for (const exchange of capture.exchanges) {
    if (ids.has(exchange.id)) throw new InvariantFailure(`exchange id ${exchange.id} twice`);
    ids.add(exchange.id);
    if (typeof exchange.request.url !== 'string') throw new InvariantFailure(`exchange ${exchange.id} has no URL string`);
  }
}

function loadOrExplain(data: Uint8Array, file: string): Capture | undefined {
  try {
    const capture = loadCapture(data, file);
    checkCapture(capture);
    return capture;
  } catch (err) {
    expectLoadError(err, file, data);
    return undefined;
  }
}

function streamOrExplain(input: FuzzInput, tmp: string, file: string): Outcome {
  const path = join(tmp, file);
  writeFileSync(path, input.data);
  try {
    const capture = streamCaptureFile(
      path,
      { chunkBytes: Number(input.meta.chunkBytes ?? 4096), keepBodies: Boolean(input.meta.keepBodies) },
      // 0: the stream's own error locations instead of the full load's.
      { exactErrorsUpTo: Number(input.meta.exactErrorsUpTo ?? 64 * 1024 * 1024) },
    );
    checkCapture(capture);
    // Lazy bodies are read back from the file: reading them must work too.
    for (const exchange of capture.exchanges) {
      void exchange.request.body?.bytes.length;
      void exchange.response?.body?.bytes.length;
    }
    // The stream promises the capture the full load gives (stream/index.ts); it may refuse more
    // (a second "entries"), never accept what the full load refuses.
    const full = loadOrExplain(input.data, path);
    if (!full) throw new InvariantFailure('the streamed load accepts a file the full load refuses');
    if (full.exchanges.length !== capture.exchanges.length) {
      throw new InvariantFailure(`the streamed load reads ${capture.exchanges.length} exchanges, the full load ${full.exchanges.length}`);
    }
    return 'accepted';
  } catch (err) {
    if (err instanceof InvariantFailure) throw err;
    expectLoadError(err, path, input.data);
    // Refused by design where the full load reads one of two readings; otherwise both refuse.
    if (!(err as CaptureLoadError).reason.includes('twice') && loadOrExplain(input.data, path)) {
      throw new InvariantFailure(`the streamed load refuses a file the full load accepts: ${(err as Error).message.slice(0, 300)}`);
    }
    return 'refused';
  }
}

function checkScan(capture: Capture, known?: KnownValue[]): ReturnType<typeof scanCapture> {
  const result = scanCapture(capture, { known });
  const ids = new Set(capture.exchanges.map((e) => e.id));
  for (const f of result.findings) {
    if (!ids.has(f.exchangeId)) throw new InvariantFailure(`finding on exchange ${f.exchangeId}, which the capture does not have`);
    if (!(f.start >= 0 && f.end >= f.start)) throw new InvariantFailure(`finding ${f.kind} at ${f.start}..${f.end}`);
  }
  if (result.summary.findings !== result.findings.length) throw new InvariantFailure(`summary counts ${result.summary.findings} findings of ${result.findings.length}`);
  return result;
}

function textOf(input: FuzzInput): string {
  const value = JSON.parse(Buffer.from(input.data).toString('utf8')) as unknown;
  if (typeof value !== 'string') throw new Error('a text input is a JSON string');
  return value;
}

function textData(text: string): Uint8Array {
  // A JSON string keeps lone surrogates (as \udxxx escapes), which UTF-8 would lose.
  return Buffer.from(JSON.stringify(text));
}

// ---------------------------------------------------------------------------------------------
// Generators

/** Every fourth input cuts the sweep file at its next structural boundary; the rest are mutations. */
function sweepOrMutate(index: number, sweepText: string, mutate: () => Buffer, r: Rng): { data: Buffer; note: string } {
  if (index % 4 === 0) {
    const boundaries = structuralBoundaries(sweepText);
    const at = boundaries[(index / 4) % boundaries.length];
    const text = sweepText.slice(0, at);
    // Also the file cut inside a multi-byte character: one byte short of the boundary.
    const bytes = Buffer.from(text);
    const cut = chance(r, 0.1) && bytes.length > 0 ? bytes.subarray(0, bytes.length - 1) : bytes;
    return { data: cut, note: `truncated at boundary ${(index / 4) % boundaries.length} of ${boundaries.length} (char ${at})` };
  }
  return { data: mutate(), note: '' };
}

function jsonInput(r: Rng, index: number, sweep: string, seeds: string[], ctx: GenerateContext, ndjson = false): { data: Buffer; note: string } {
  const notes: string[] = [];
  const seedIndex = int(r, 0, seeds.length - 1);
  const result = sweepOrMutate(index, sweep, () => (ndjson ? mutateNdjson : mutateJson)(r, seeds[seedIndex], ctx.mutate, notes), r);
  return { data: result.data, note: result.note || `seed ${seedIndex}: ${notes.join('; ')}` };
}

function streamMeta(r: Rng): FuzzInput['meta'] {
  return {
    chunkBytes: pick(r, [7, 64, 4096, 4096, 65536, 1 << 22]),
    keepBodies: chance(r, 0.3),
    exactErrorsUpTo: chance(r, 0.5) ? 0 : 64 * 1024 * 1024,
  };
}

const CONTENT_TYPES = [
  'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'multipart/form-data',
  'application/octet-stream', 'application/x-protobuf', 'application/grpc', 'text/html; charset=utf-8', '', 'application/jwt', 'image/png',
];
const ENCODINGS = ['gzip', 'deflate', 'br', 'zstd', 'identity', 'x-unknown', ''];

function mutateField(r: Rng, field: FieldInput, ctx: GenerateContext, notes: string[]): FieldInput {
  const out: FieldInput = { ...field };
  let bytes: Buffer = field.bytes ? Buffer.from(field.bytes) : Buffer.from(field.text ?? '');
  const op = int(r, 0, 7);
  if (op <= 1) {
    const text = bytes.toString('utf8');
    bytes = /^\s*[[{]/.test(text) ? mutateJson(r, text, ctx.mutate, notes) : Buffer.from(mutateText(r, text, ctx.mutate, notes));
  } else if (op === 2) {
    bytes = mutateBytes(r, bytes, notes);
  } else if (op === 3) {
    // Wrapped again: base64, URL-encoding, hex, gzip or zlib, whole or cut.
    const wrap = int(r, 0, 4);
    if (wrap === 0) bytes = Buffer.from(bytes.toString('base64'));
    else if (wrap === 1) bytes = Buffer.from(encodeURIComponent(bytes.toString('latin1')));
    else if (wrap === 2) bytes = Buffer.from(bytes.toString('hex'));
    else bytes = wrap === 3 ? gzipSync(bytes) : deflateSync(bytes);
    if (chance(r, 0.3)) bytes = bytes.subarray(0, int(r, 0, bytes.length));
    notes.push(`wrapped ${wrap}`);
  } else if (op === 4) {
    out.contentType = pick(r, CONTENT_TYPES);
    notes.push(`content type ${out.contentType}`);
  } else if (op === 5) {
    out.contentEncoding = Array.from({ length: int(r, 1, 3) }, () => pick(r, ENCODINGS));
    notes.push(`content encoding ${out.contentEncoding.join(',')}`);
  } else if (op === 6) {
    // Nested JSON strings holding base64 of JSON of …: the decode stack at depth.
    let text = bytes.toString('utf8');
    const depth = int(r, 1, 12);
    for (let i = 0; i < depth; i++) text = chance(r, 0.5) ? Buffer.from(text).toString('base64') : JSON.stringify({ v: text });
    bytes = Buffer.from(text);
    notes.push(`nested ${depth}`);
  } else {
    out.key = pick(r, ['imei', 'x-device-id', '', '__proto__', 'lat', 'lon', 'mac', 'a'.repeat(10_000), '\u202e']);
    notes.push(`key ${JSON.stringify(out.key).slice(0, 20)}`);
  }
  if (field.text !== undefined && chance(r, 0.5)) {
    out.text = bytes.toString('utf8');
    delete out.bytes;
  } else {
    out.bytes = bytes;
    delete out.text;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Targets

function loaderTarget(name: string, kind: 'har' | 'tsharkJson' | 'tsharkEk', file: string, stream: boolean): Target {
  return {
    name,
    ext: kind === 'tsharkEk' ? 'jsonl' : kind === 'har' ? 'har' : 'json',
    // A streamed input is loaded twice (the stream, then the full load to compare), and a broken
    // entry of tens of MB is parsed again for its exact place: 25 MB took 2 s + 1 s, linear.
    ...(stream ? { timeoutFactor: 2 } : {}),
    generate(r, index, ctx) {
      const { data, note } = jsonInput(r, index, ctx.seeds.sweep[kind], ctx.seeds[kind], ctx, kind === 'tsharkEk');
      const meta = stream ? streamMeta(r) : {};
      // Chunks of a few bytes exercise every boundary of a small file; on a grown one (array × 3000,
      // tens of MB) they only cost millions of reads (82 MB in 7-byte chunks: 8 s, linear).
      if (stream && data.length > 1 << 20) meta.chunkBytes = Math.max(Number(meta.chunkBytes), 1 << 16);
      return { data, meta, note };
    },
    check(input, tmp) {
      if (stream) return streamOrExplain(input, tmp, file);
      return loadOrExplain(input.data, file) ? 'accepted' : 'refused';
    },
  };
}

const EPOCH = new Date('2026-01-01T00:00:00Z');

export const TARGETS: readonly Target[] = [
  loaderTarget('har', 'har', 'fuzz.har', false),
  loaderTarget('har-stream', 'har', 'fuzz.har', true),
  loaderTarget('tshark-json', 'tsharkJson', 'fuzz.json', false),
  loaderTarget('tshark-json-stream', 'tsharkJson', 'fuzz.json', true),
  loaderTarget('tshark-ek', 'tsharkEk', 'fuzz.jsonl', false),
  loaderTarget('tshark-ek-stream', 'tsharkEk', 'fuzz.jsonl', true),
  {
    name: 'decode',
    ext: 'bin',
    generate(r, _index, ctx) {
      const notes: string[] = [];
      const seed = pick(r, ctx.seeds.fields);
      const field = mutateField(r, seed, ctx, notes);
      const meta: FuzzInput['meta'] = { asText: field.text !== undefined };
      if (field.key !== undefined) meta.key = field.key;
      if (field.contentType !== undefined) meta.contentType = field.contentType;
      if (field.contentEncoding !== undefined) meta.contentEncoding = field.contentEncoding;
      const data = field.text !== undefined ? textData(field.text) : Buffer.from(field.bytes ?? []);
      return { data, meta, note: notes.join('; ') };
    },
    check(input) {
      const meta = input.meta;
      const field: FieldInput = meta.asText ? { text: textOf(input) } : { bytes: input.data };
      if (typeof meta.key === 'string') field.key = meta.key;
      if (typeof meta.contentType === 'string') field.contentType = meta.contentType;
      if (Array.isArray(meta.contentEncoding)) field.contentEncoding = meta.contentEncoding;
      const result = decodeField(field);
      if (result.leaves.length > DEFAULT_DECODE_LIMITS.maxLeaves + 1) throw new InvariantFailure(`${result.leaves.length} leaves, over the bound`);
      for (const leaf of result.leaves) {
        if (typeof leaf.text !== 'string' || !Array.isArray(leaf.chain)) throw new InvariantFailure('a leaf without text or chain');
        if (leaf.chain.length > DEFAULT_DECODE_LIMITS.maxDepth * 2 + 2) throw new InvariantFailure(`a chain of ${leaf.chain.length} steps: ${leaf.chain.slice(0, 12).join(' → ')}`);
      }
      return 'accepted';
    },
  },
  {
    name: 'detect',
    ext: 'json',
    generate(r, _index, ctx) {
      const notes: string[] = [];
      const leaf = pick(r, ctx.seeds.leaves);
      const text = mutateText(r, leaf.text, ctx.mutate, notes);
      const meta: FuzzInput['meta'] = { region: pick(r, ['', 'US', 'CN', 'DE', 'zz', 'XX']) };
      const key = chance(r, 0.2) ? pick(r, ['imei', 'phone', 'lat', 'mac', 'carrier', 'serial', '', '\ud800']) : leaf.key;
      if (key !== undefined) meta.key = key;
      return { data: textData(text), meta, note: notes.join('; ') };
    },
    check(input) {
      const text = textOf(input);
      const key = typeof input.meta.key === 'string' ? input.meta.key : undefined;
      const region = typeof input.meta.region === 'string' && input.meta.region ? input.meta.region : undefined;
      for (const d of detectIdentifiers(text, key, region)) {
        if (!(d.start >= 0 && d.end > d.start && d.end <= text.length)) throw new InvariantFailure(`${d.kind} at ${d.start}..${d.end} of ${text.length}`);
        if (text.slice(d.start, d.end) !== d.matchedText) {
          throw new InvariantFailure(`${d.kind}: text at ${d.start}..${d.end} is ${JSON.stringify(text.slice(d.start, d.end))}, matchedText ${JSON.stringify(d.matchedText)}`);
        }
      }
      return 'accepted';
    },
  },
  {
    name: 'scan',
    ext: 'capture',
    generate(r, index, ctx) {
      const kind = pick(r, ['har', 'har', 'tsharkJson', 'tsharkEk'] as const);
      const { data, note } = jsonInput(r, index, ctx.seeds.sweep[kind], ctx.seeds[kind], ctx, kind === 'tsharkEk');
      return { data, meta: { kind }, note };
    },
    check(input) {
      const capture = loadOrExplain(input.data, 'fuzz.capture');
      if (!capture) return 'refused';
      checkScan(capture);
      return 'accepted';
    },
  },
  {
    name: 'sidecar',
    ext: 'leaklens.json',
    generate(r, index, ctx) {
      const { data, note } = jsonInput(r, index, ctx.seeds.sweep.sidecar, ctx.seeds.sidecar, ctx);
      return { data, meta: {}, note };
    },
    check(input) {
      const file = 'fuzz.har.leaklens.json';
      const text = Buffer.from(input.data).toString('utf8');
      let sidecar: Sidecar;
      try {
        sidecar = parseSidecar(text, file);
      } catch (err) {
        if (!(err instanceof SidecarError)) throw err;
        if (!err.message.startsWith(file)) throw new InvariantFailure(`SidecarError does not name the file: ${err.message}`);
        if (!where(err.location)) throw new InvariantFailure(`SidecarError does not say where: ${err.message}`);
        return 'refused';
      }
      const written = serializeSidecar(sidecar);
      let again: string;
      try {
        again = serializeSidecar(parseSidecar(written, file));
      } catch (err) {
        throw new InvariantFailure(`a sidecar it accepted, once written, is refused: ${(err as Error).message}`);
      }
      if (again !== written) throw new InvariantFailure('a sidecar read back from its own text is written differently');
      return 'accepted';
    },
  },
  {
    name: 'advisory',
    ext: 'har',
    // Scan and advisory of the 220 kB sample, plus multi-MB hostile sidecar values: masking is
    // linear in them (a 2 M-character finding value costs ~4 s on one core), not a hang.
    timeoutFactor: 4,
    generate(r, _index, ctx) {
      const notes: string[] = [];
      const capture = ctx.seeds.har[ctx.seeds.har.length - 1];
      // The sample capture with its sidecar: mostly whole, so annotations attach; sometimes mutated.
      const data = chance(r, 0.6) ? Buffer.from(capture) : mutateJson(r, capture, ctx.mutate, notes);
      const extra = chance(r, 0.15) ? Buffer.from(ctx.seeds.sidecar[0]) : mutateJson(r, ctx.seeds.sidecar[0], ctx.mutate, notes);
      const meta: FuzzInput['meta'] = { includeOwnValues: chance(r, 0.3) };
      if (chance(r, 0.2)) meta.template = mutateText(r, DEFAULT_ADVISORY_TEMPLATE, { ...ctx.mutate, hugeChars: 10_000 }, notes);
      return { data, extra, meta, note: notes.join('; ') };
    },
    check(input) {
      const capture = loadOrExplain(input.data, 'fuzz.har');
      if (!capture) return 'refused';
      let sidecar: Sidecar | undefined;
      try {
        sidecar = parseSidecar(Buffer.from(input.extra ?? []).toString('utf8'), 'fuzz.har.leaklens.json');
      } catch (err) {
        if (!(err instanceof SidecarError)) throw err;
      }
      let known: KnownValue[] | undefined;
      try {
        known = sidecar?.knownValues ? parseKnownFile(sidecar.knownValues, 'fuzz.har.leaklens.json') : undefined;
      } catch (err) {
        if (!(err instanceof KnownValueError)) throw err;
      }
      const scan = checkScan(capture, known);
      const text = writeAdvisory({
        captures: [{ file: 'fuzz.har', capture, scan, sidecar, resolve: sidecarResolver(capture, sidecar) }],
        options: { includeOwnValues: Boolean(input.meta.includeOwnValues), now: EPOCH, known, template: typeof input.meta.template === 'string' ? input.meta.template : undefined },
      });
      if (typeof text !== 'string' || !text.endsWith('\n')) throw new InvariantFailure('the advisory is not a text ending in a newline');
      // Accepted when the sidecar was read too: its annotations reached the writer.
      return sidecar ? 'accepted' : 'refused';
    },
  },
];

export function targetNamed(name: string): Target {
  const target = TARGETS.find((t) => t.name === name);
  if (!target) throw new Error(`no fuzz target "${name}" (there are ${TARGETS.map((t) => t.name).join(', ')})`);
  return target;
}
