// `leaklens` command line: the same core as the editor, headless.
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CaptureLoadError } from './core/load/index';
import { loadCaptureFileAuto } from './core/load/stream/index';
import { formatLocation } from './core/load/errors';
import type { Capture, Confidence, Exchange } from './core/model';
import { confidenceRank } from './core/detect/index';
import { KnownValueError, parseKnownFile, parseKnownSpec, type KnownValue } from './core/detect/known';
import type { Sidecar } from './core/annotations/model';
import { parseSidecar, sidecarPathFor, SidecarError } from './core/annotations/sidecar';
import { sidecarResolver, writeAdvisory, type AdvisoryCapture } from './core/report/advisory';
import { chainText } from './core/report/chain';
import { scanJson, scanJsonFile, type ScanJsonFile } from './core/report/json';
import { toSarif } from './core/report/sarif';
import { CaptureScan, scanCapture, type ScanResult } from './core/scan';
import { displayPath, exchangeHost } from './core/model';
import { captureToJson } from './core/serialize';

export const EXIT_OK = 0;
export const EXIT_LEAK = 1;
export const EXIT_USAGE = 2;
export const EXIT_BAD_INPUT = 3;

const USAGE = `Usage: leaklens <command> [options]

Commands:
  inspect FILE...      print format, producer, exchange count, warnings and a table of requests
      --json           print the loaded capture model as JSON instead (bodies as text or base64)
  scan FILE...         find device and personal identifiers the captures leak
      --known KIND=VALUE   a value of the test device (imei, imsi, iccid, meid, phone, email, mac,
                           android_id, ad_id, serial, string); repeatable
      --known-file FILE    JSON object of kind → value or list of values
      --region CC          region for national phone numbers (default: from the capture's IMSI, else US)
      --format FORMAT      text (default), json or sarif
      --out FILE           write the report to FILE instead of standard output
      --fail-on LEVEL      exit 1 when a finding of this confidence or higher is found: low, medium, high
      --jobs N             scan N files at a time, each in its own thread (default 1); the report
                           keeps the order of the files given
                           Files of 64 MiB and more are read in a stream (any size: bodies are read
                           again from the file when needed, not held); progress goes to standard
                           error when it is a terminal
  advisory FILE...     write a markdown advisory for the captures (with FILE.leaklens.json annotations
                       when present): summary, severity table, evidence, CWE, recommendations, appendix.
                       Secrets are removed and identifier values masked (86871539••••833)
      --out FILE           write the advisory to FILE instead of standard output
      --include-values     show identifier values in full (secrets are still removed)
      --template FILE      markdown template with {{placeholders}} (see docs/advisory.md)
      --known, --known-file, --region   as for scan (known values are also masked)

Options:
  -h, --help           show this help
  --version            print the version

Exit codes: 0 ok, 1 leak found (with --fail-on), 2 bad usage, 3 unreadable or invalid input.`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** A progress line that replaces the previous one (only given when standard error is a terminal). */
  progress?: (text: string) => void;
  /** The CLI bundle the --jobs threads run (the running dist/cli.js by default). */
  workerScript?: string;
}

class UsageError extends Error {}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : text.slice(0, width - 1) + '…';
}

/** Control characters in capture text must not drive the terminal: show them escaped. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}


function bodySize(exchange: Exchange): string {
  const n = exchange.response?.body?.bytes.length ?? 0;
  return n === 0 ? '-' : String(n);
}

function producerText(capture: Capture): string {
  const p = capture.source.producer;
  if (!p) return 'unknown producer';
  return [p.name, p.version, p.comment && p.name === 'tshark' ? p.comment : undefined].filter(Boolean).join(' ');
}

export function inspectText(capture: Capture): string {
  const lines: string[] = [];
  const s = capture.source;
  lines.push(`${basename(s.name)}: ${capture.format}${s.formatVersion ? ` ${s.formatVersion}` : ''} by ${printable(producerText(capture))}` +
    `${s.wrappers.length ? ` [${s.wrappers.join(', ')}]` : ''}, ${s.byteLength} bytes`);
  const hosts = new Set(capture.exchanges.map(exchangeHost));
  lines.push(`${capture.exchanges.length} exchanges to ${hosts.size} hosts, ${capture.warnings.length} warnings`);
  for (const w of capture.warnings) {
    const where = formatLocation(w.location);
    lines.push(`  ${w.severity}: ${printable(w.message)}${where ? ` (${printable(where)})` : ''} [${w.code}]`);
  }
  if (capture.exchanges.length > 0) {
    lines.push('');
    const header = [pad('#', 5), pad('METHOD', 7), pad('STATUS', 6), pad('HOST', 32), pad('SIZE', 8), 'PATH'];
    lines.push(header.join(' '));
    for (const e of capture.exchanges) {
      lines.push([
        pad(String(e.id), 5),
        pad(printable(truncate(e.request.method, 7)), 7),
        pad(e.response ? String(e.response.status) : '-', 6),
        pad(printable(truncate(exchangeHost(e), 32)), 32),
        pad(bodySize(e), 8),
        printable(truncate(displayPath(e.request.url), 100)),
      ].join(' '));
    }
  }
  return lines.join('\n');
}

type Format = 'text' | 'json' | 'sarif';

interface Parsed {
  command: 'inspect' | 'scan' | 'advisory';
  files: string[];
  json: boolean;
  known: string[];
  knownFiles: string[];
  region?: string;
  format: Format;
  out?: string;
  failOn?: Confidence;
  includeValues: boolean;
  template?: string;
  jobs: number;
}

const CONFIDENCES: Confidence[] = ['low', 'medium', 'high'];

function parseArgs(argv: readonly string[]): Parsed | 'help' | 'version' {
  if (argv.length === 0) throw new UsageError('no command given');
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return 'help';
  if (command === '--version') return 'version';
  if (command !== 'inspect' && command !== 'scan' && command !== 'advisory') throw new UsageError(`unknown command "${command}"`);
  const parsed: Parsed = { command, files: [], json: false, known: [], knownFiles: [], format: 'text', includeValues: false, jobs: 1 };
  const scanOnly = (option: string): void => {
    if (command !== 'scan') throw new UsageError(`${option} is an option of scan, not ${command}`);
  };
  const scanOrAdvisory = (option: string): void => {
    if (command !== 'scan' && command !== 'advisory') throw new UsageError(`${option} is an option of scan and advisory, not ${command}`);
  };
  const advisoryOnly = (option: string): void => {
    if (command !== 'advisory') throw new UsageError(`${option} is an option of advisory, not ${command}`);
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? rest[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--json' && command === 'inspect') parsed.json = true;
    else if (flag === '-h' || flag === '--help') return 'help';
    else if (flag === '--known') { scanOrAdvisory(flag); parsed.known.push(value()); }
    else if (flag === '--known-file') { scanOrAdvisory(flag); parsed.knownFiles.push(value()); }
    else if (flag === '--include-values') { advisoryOnly(flag); parsed.includeValues = true; }
    else if (flag === '--template') { advisoryOnly(flag); parsed.template = value(); }
    else if (flag === '--region') {
      scanOrAdvisory(flag);
      const region = value().toUpperCase();
      if (!/^[A-Z]{2}$/.test(region)) throw new UsageError(`--region takes a two-letter region code such as CN or US, not "${region}"`);
      parsed.region = region;
    } else if (flag === '--format') {
      scanOnly(flag);
      const f = value();
      if (f !== 'text' && f !== 'json' && f !== 'sarif') throw new UsageError(`--format is text, json or sarif, not "${f}"`);
      parsed.format = f;
    } else if (flag === '--out') { scanOrAdvisory(flag); parsed.out = value(); }
    else if (flag === '--jobs' || flag === '-j') {
      scanOnly(flag);
      const text = value();
      const jobs = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
      if (!(jobs >= 1 && jobs <= 256)) throw new UsageError(`--jobs takes a number of threads from 1 to 256, not "${text}"`);
      parsed.jobs = jobs;
    }
    else if (flag === '--fail-on') {
      scanOnly(flag);
      const level = value() as Confidence;
      if (!CONFIDENCES.includes(level)) throw new UsageError(`--fail-on is low, medium or high, not "${level}"`);
      parsed.failOn = level;
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option "${arg}"`);
    else parsed.files.push(arg);
  }
  if (parsed.files.length === 0) throw new UsageError(`${command} needs at least one FILE`);
  return parsed;
}

function readKnownValues(parsed: Parsed): KnownValue[] {
  const values: KnownValue[] = [];
  for (const spec of parsed.known) {
    try {
      values.push(parseKnownSpec(spec));
    } catch (err) {
      throw new UsageError(`--known ${spec}: ${(err as Error).message}`);
    }
  }
  for (const file of parsed.knownFiles) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`--known-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      for (const item of parseKnownFile(json, file)) values.push(item);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return values;
}

function scanText(file: ScanJsonFile): string {
  if (file.error) return `${file.path}: ${file.error}`;
  const s = file.summary;
  if (!s) return file.path;
  const lines = [
    `${basename(file.path)}: ${file.format} by ${printable(file.producer ?? 'unknown producer')}, ${file.exchangeCount} exchanges, ` +
      `${s.findings} findings (${s.byConfidence.high} high, ${s.byConfidence.medium} medium, ${s.byConfidence.low} low) ` +
      `in ${s.exchangesWithFindings} exchanges; phone region ${s.defaultRegion}`,
  ];
  if (s.plainHttp.length > 0) {
    lines.push('', 'Sent over plain HTTP:');
    for (const flow of s.plainHttp) {
      lines.push(`  ${pad(printable(flow.host), 32)} ${pad(flow.kind, 11)} ×${pad(String(flow.count), 4)} ${printable(truncate(flow.values.join(', '), 90))}`);
    }
  }
  const https = s.flows.filter((f) => f.scheme === 'https');
  if (https.length > 0) {
    lines.push('', 'Sent over HTTPS:');
    for (const flow of https) lines.push(`  ${pad(printable(flow.host), 32)} ${pad(flow.kind, 11)} ×${pad(String(flow.count), 4)} ${printable(truncate(flow.values.join(', '), 90))}`);
  }
  let current = -1;
  if ((file.findings ?? []).length > 0) lines.push('', 'Findings:');
  for (const f of file.findings ?? []) {
    if (f.exchange.index !== current) {
      current = f.exchange.index;
      lines.push(`  #${f.exchange.index} ${printable(f.exchange.method)} ${printable(truncate(f.exchange.url, 100))}${f.exchange.secure ? '' : '  [plain HTTP]'}`);
    }
    const known = f.known ? `  [${f.known.learnedFrom ? 'learned' : 'known'}: ${f.known.variant}]` : '';
    lines.push(`    ${pad(f.confidence, 6)} ${pad(f.kind, 11)} ${pad(printable(truncate(f.value, 40)), 40)} ${f.part} ${printable(f.fieldPath)} (${printable(f.chainText)})${known}`);
  }
  for (const hit of file.decodeLimits ?? []) {
    lines.push(`  decode limit: ${hit.limit} in exchange ${hit.exchangeId} ${hit.part} ${printable(hit.fieldPath)} after ${printable(chainText(hit.chain))}: ${printable(hit.detail)}`);
  }
  return lines.join('\n');
}

/**
 * A file that cannot be opened, or that makes the tool fail, is that file's problem only: the
 * others are still processed, and the exit code says "bad input" (never 1, which means a leak).
 */
function fileErrorMessage(path: string, err: unknown): string {
  if (err instanceof CaptureLoadError) return err.message;
  return `${path}: could not be processed (internal error: ${err instanceof Error ? err.message : String(err)})`;
}

/** What scanning one file gives: its report entry, and whether a finding reached --fail-on. */
interface ScannedFile {
  file: ScanJsonFile;
  leak: boolean;
  /** The message already printed to standard error for a file that could not be scanned. */
  error?: string;
}

interface ScanJob {
  path: string;
  known: KnownValue[];
  region?: string;
  failOn?: Confidence;
}

/**
 * Load and scan one capture. Large files are read in a stream and scanned exchange by exchange as
 * they are read, so memory follows the number of exchanges, not the size of the file.
 */
function scanOne(job: ScanJob, onProgress?: (p: { bytesRead: number; totalBytes: number; exchanges: number; findings: number }) => void): ScannedFile {
  try {
    const scan = new CaptureScan({ known: job.known, defaultRegion: job.region });
    const capture = loadCaptureFileAuto(job.path, {
      onExchange: (exchange) => scan.add(exchange),
      onProgress: onProgress && ((p) => onProgress({ ...p, findings: scan.findingCount })),
    });
    const result = scan.finish(capture);
    const threshold = job.failOn;
    const leak = threshold !== undefined && result.findings.some((f) => confidenceRank(f.confidence) >= confidenceRank(threshold));
    return { file: scanJsonFile(job.path, capture, result), leak };
  } catch (err) {
    const message = fileErrorMessage(job.path, err);
    return { file: { path: job.path, error: message }, leak: false, error: message };
  }
}

function scanReport(parsed: Parsed, files: ScanJsonFile[], version: string): string {
  return parsed.format === 'json'
    ? JSON.stringify(scanJson(files, version), null, 2)
    : parsed.format === 'sarif'
      ? JSON.stringify(toSarif(files, version), null, 2)
      : files.map(scanText).join('\n\n');
}

function finishScan(parsed: Parsed, io: CliIo, version: string, scanned: readonly ScannedFile[]): number {
  let status = EXIT_OK;
  for (const s of scanned) {
    if (s.error !== undefined) status = EXIT_BAD_INPUT;
    else if (s.leak && status === EXIT_OK) status = EXIT_LEAK;
  }
  const report = scanReport(parsed, scanned.map((s) => s.file), version);
  if (parsed.out) writeReport(parsed.out, report + '\n', parsed.files);
  else io.out(report);
  return status;
}

function progressLine(file: string, p: { bytesRead: number; totalBytes: number; exchanges: number; findings: number }): string {
  const percent = p.totalBytes > 0 ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 100;
  return `${basename(file)}: ${percent}% · ${p.exchanges.toLocaleString('en-US')} exchanges · ${p.findings.toLocaleString('en-US')} findings`;
}

function runScan(parsed: Parsed, io: CliIo, version: string): number | Promise<number> {
  const known = readKnownValues(parsed);
  const jobs = parsed.files.map((path): ScanJob => ({ path, known, region: parsed.region, failOn: parsed.failOn }));
  if (parsed.jobs > 1 && jobs.length > 1) return runScanJobs(parsed, io, version, jobs);
  const scanned: ScannedFile[] = [];
  for (const job of jobs) {
    let last = 0;
    const result = scanOne(job, io.progress && ((p) => {
      // A terminal line ten times a second is enough to see it move.
      const now = Date.now();
      if (now - last < 100 && p.bytesRead < p.totalBytes) return;
      last = now;
      io.progress?.(progressLine(job.path, p));
    }));
    io.progress?.('');
    if (result.error !== undefined) io.err(`leaklens: ${printable(result.error)}`);
    scanned.push(result);
  }
  return finishScan(parsed, io, version, scanned);
}

/** Messages of a --jobs thread. */
type JobMessage =
  | { type: 'progress'; index: number; progress: { bytesRead: number; totalBytes: number; exchanges: number; findings: number } }
  | { type: 'done'; index: number; scanned: ScannedFile };

/** Scan files `parsed.jobs` at a time, each thread taking the next file when it is done. */
async function runScanJobs(parsed: Parsed, io: CliIo, version: string, jobs: readonly ScanJob[]): Promise<number> {
  const script = io.workerScript ?? __filename;
  const results: (ScannedFile | undefined)[] = jobs.map(() => undefined);
  const running = new Map<number, string>();
  let next = 0;
  let done = 0;
  const show = (): void => {
    if (!io.progress) return;
    const active = [...running.values()];
    io.progress(`${done}/${jobs.length} files scanned${active.length ? ` · ${active.join(' · ')}` : ''}`);
  };
  const record = (index: number, scanned: ScannedFile): void => {
    results[index] = scanned;
    running.delete(index);
    done++;
    if (scanned.error !== undefined) io.err(`leaklens: ${printable(scanned.error)}`);
  };
  // A thread that dies (out of memory, a crash in a decoder) fails the file it was scanning, and
  // only that file: a fresh thread takes the next one.
  const thread = (): Promise<void> =>
    new Promise<void>((resolveThread) => {
      if (next >= jobs.length) return resolveThread();
      const worker = new Worker(script, { workerData: { leaklensScanJob: true, progress: io.progress !== undefined } });
      let current: number | undefined;
      let finished = false;
      const give = (): void => {
        if (next >= jobs.length) {
          finished = true;
          void worker.terminate().then(() => resolveThread());
          return;
        }
        current = next++;
        running.set(current, basename(jobs[current].path));
        worker.postMessage({ index: current, job: jobs[current] });
        show();
      };
      const died = (why: string): void => {
        if (finished) return;
        finished = true;
        if (current !== undefined && results[current] === undefined) {
          const message = `${jobs[current].path}: could not be processed (its scanning thread stopped: ${why})`;
          record(current, { file: { path: jobs[current].path, error: message }, leak: false, error: message });
        }
        void worker.terminate();
        void thread().then(resolveThread);
      };
      worker.on('message', (message: JobMessage) => {
        if (message.type === 'progress') {
          running.set(message.index, progressLine(jobs[message.index].path, message.progress));
          show();
          return;
        }
        record(message.index, message.scanned);
        current = undefined;
        give();
      });
      worker.on('error', (err) => died(err.message));
      worker.on('exit', (code) => died(`exit code ${code}`));
      give();
    });
  await Promise.all(Array.from({ length: Math.min(parsed.jobs, jobs.length) }, thread));
  io.progress?.('');
  const scanned = results.map((r, i): ScannedFile => r ?? { file: { path: jobs[i].path, error: 'not scanned' }, leak: false, error: 'not scanned' });
  return finishScan(parsed, io, version, scanned);
}

/** In a --jobs thread: scan the files the main thread hands over, one at a time. */
function serveScanJobs(): void {
  const port = parentPort;
  if (!port) return;
  const withProgress = (workerData as { progress?: boolean }).progress === true;
  port.on('message', ({ index, job }: { index: number; job: ScanJob }) => {
    let last = 0;
    const scanned = scanOne(job, withProgress ? (progress) => {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      port.postMessage({ type: 'progress', index, progress } satisfies JobMessage);
    } : undefined);
    port.postMessage({ type: 'done', index, scanned } satisfies JobMessage);
  });
}

/** The file itself, links followed, when it exists; else its absolute path. */
function canonicalPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Write a report to `out`, never over one of the captures read (or their sidecars): a mistyped
 * `--out capture.har` must not destroy the evidence. Atomically, so an interrupted run leaves the
 * old report or the new one, not half of it.
 */
function writeReport(out: string, text: string, inputs: readonly string[]): void {
  const target = canonicalPath(out);
  for (const input of inputs) {
    for (const protectedPath of [input, sidecarPathFor(input)]) {
      if (existsSync(protectedPath) && canonicalPath(protectedPath) === target) {
        throw new UsageError(`--out ${out} is ${protectedPath === input ? 'one of the captures' : 'the sidecar of a capture'} being read; LeakLens never writes a capture or its sidecar from the command line`);
      }
    }
  }
  const temp = join(dirname(resolve(out)), `.${basename(out)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, text, { flag: 'wx' });
    renameSync(temp, out);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** The sidecar beside a capture, parsed; undefined when there is none. Throws SidecarError (naming the file) when it is unusable. */
function readSidecarBeside(path: string): Sidecar | undefined {
  const file = sidecarPathFor(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SidecarError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseSidecar(text, file);
}

function runAdvisory(parsed: Parsed, io: CliIo): number {
  const known = readKnownValues(parsed);
  let template: string | undefined;
  if (parsed.template !== undefined) {
    try {
      template = readFileSync(parsed.template, 'utf8');
    } catch (err) {
      throw new UsageError(`--template ${parsed.template}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const captures: AdvisoryCapture[] = [];
  let status = EXIT_OK;
  for (const path of parsed.files) {
    let capture: Capture;
    let scan: ScanResult;
    try {
      capture = loadCaptureFileAuto(path);
    } catch (err) {
      io.err(`leaklens: ${printable(fileErrorMessage(path, err))}`);
      status = EXIT_BAD_INPUT;
      continue;
    }
    let sidecar: Sidecar | undefined;
    try {
      sidecar = readSidecarBeside(path);
    } catch (err) {
      // The capture is still reported; its annotations are not, and the exit code says so.
      const message = err instanceof SidecarError ? err.message : fileErrorMessage(sidecarPathFor(path), err);
      io.err(`leaklens: ${printable(message)} (the advisory reports ${basename(path)} without its annotations)`);
      status = EXIT_BAD_INPUT;
    }
    try {
      const ownKnown = sidecar?.knownValues ? parseKnownFile(sidecar.knownValues, sidecarPathFor(path)) : [];
      scan = scanCapture(capture, { known: [...known, ...ownKnown], defaultRegion: parsed.region });
    } catch (err) {
      if (!(err instanceof KnownValueError)) throw err;
      io.err(`leaklens: ${printable(err.message)}`);
      status = EXIT_BAD_INPUT;
      scan = scanCapture(capture, { known, defaultRegion: parsed.region });
    }
    captures.push({ file: path, capture, scan, sidecar, resolve: sidecarResolver(capture, sidecar) });
  }
  if (captures.length === 0) return status;
  const report = writeAdvisory({ captures, options: { includeOwnValues: parsed.includeValues, template, known } });
  if (parsed.out) writeReport(parsed.out, report, parsed.files);
  else io.out(report.replace(/\n$/, ''));
  return status;
}

/** The exit code; a promise only for `scan --jobs N` with several files. */
export function runCli(argv: readonly string[], io: CliIo, version = '0.0.0'): number | Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
    if (parsed === 'help') {
      io.out(USAGE);
      return EXIT_OK;
    }
    if (parsed === 'version') {
      io.out(version);
      return EXIT_OK;
    }
    if (parsed.command === 'scan') return runScan(parsed, io, version);
    if (parsed.command === 'advisory') return runAdvisory(parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`leaklens: ${err.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    throw err;
  }
  let status = EXIT_OK;
  const models: unknown[] = [];
  for (const file of parsed.files) {
    try {
      const capture = loadCaptureFileAuto(file);
      if (parsed.json) models.push(captureToJson(capture));
      else io.out(inspectText(capture) + (parsed.files.length > 1 ? '\n' : ''));
    } catch (err) {
      io.err(`leaklens: ${printable(fileErrorMessage(file, err))}`);
      status = EXIT_BAD_INPUT;
    }
  }
  if (parsed.json && models.length > 0) io.out(JSON.stringify(models.length === 1 ? models[0] : models, null, 2));
  return status;
}

declare const __LEAKLENS_VERSION__: string | undefined;

if (!isMainThread && (workerData as { leaklensScanJob?: boolean } | undefined)?.leaklensScanJob === true) {
  serveScanJobs();
} else if (require.main === module) {
  const version = typeof __LEAKLENS_VERSION__ === 'string' ? __LEAKLENS_VERSION__ : '0.0.0';
  const terminal = process.stderr.isTTY === true;
  let shown = 0;
  void Promise.resolve(
    runCli(process.argv.slice(2), {
      out: (t) => process.stdout.write(t + '\n'),
      err: (t) => process.stderr.write((shown > 0 ? '\r\x1b[K' : '') + t + '\n'),
      // On a terminal only: a redirected standard error gets the messages, not a stream of progress lines.
      progress: terminal
        ? (t) => {
            process.stderr.write(`\r\x1b[K${t.slice(0, Math.max(20, (process.stderr.columns ?? 100) - 1))}`);
            shown = t.length;
          }
        : undefined,
    }, version),
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Never 1, which means "a leak was found".
      process.stderr.write(`leaklens: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT_BAD_INPUT;
    },
  );
}
