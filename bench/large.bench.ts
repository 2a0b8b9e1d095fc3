// `npm run bench` (second part): large captures, each measurement in a process of its own so its
// peak RSS is its own. Files: the corpus generator's ~115 MB / 50k-entry and ~600 MB / 250k-entry
// HARs, and a ~200 MB tshark -T json made by replicating the corpus' real tshark export with its
// frame numbers and TCP streams renumbered. Printed per file, in one run: time to first rows, time
// to fully loaded and scanned, peak RSS, and the same run's JSON.parse where it can run at all.
// Figures, not pass/fail: machines are noisy.
import { execFileSync } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { previewCapture, PREVIEW_PREFIX_BYTES } from '../extension/core/load/preview';
import { streamCaptureFile } from '../extension/core/load/stream/index';
import { CaptureScan } from '../extension/core/scan';

const CORPUS = process.env.LEAKLENS_CORPUS ?? resolve(process.cwd(), '../shared/corpus');
const OUT_DIR = resolve(process.cwd(), '.bench');

interface Measurement {
  what: string;
  ms?: number;
  firstRowsMs?: number;
  previewRowsMs?: number;
  exchanges?: number;
  /** JSON.parse of a tshark -T json file: its packets (not exchanges). */
  packets?: number;
  findings?: number;
  needles?: string;
  error?: string;
  peakRssMiB: number;
}

// ---- one measurement, in a child process ------------------------------------------------------

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function measureJsonParse(file: string): Measurement {
  const started = performance.now();
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const ms = performance.now() - started;
    return { what: 'JSON.parse', ms, packets: Array.isArray(value) ? value.length : undefined, peakRssMiB: peakRssMiB() };
  } catch (err) {
    return { what: 'JSON.parse', error: `${(err as Error).name}: ${(err as Error).message}`.slice(0, 160), peakRssMiB: peakRssMiB() };
  }
}

/** The editor's first rows: the preview of the head of the file. */
function measurePreview(file: string): number | undefined {
  const started = performance.now();
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(Math.min(PREVIEW_PREFIX_BYTES, statSync(file).size));
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const preview = previewCapture(head, file);
  return preview && preview.capture.exchanges.length > 0 ? performance.now() - started : undefined;
}

function measureStream(file: string, needles: readonly string[]): Measurement {
  const previewRowsMs = measurePreview(file);
  const started = performance.now();
  let firstRowsMs: number | undefined;
  const scan = new CaptureScan();
  const capture = streamCaptureFile(file, {
    onExchange: (exchange) => {
      firstRowsMs ??= performance.now() - started;
      scan.add(exchange);
    },
  });
  const result = scan.finish(capture);
  const ms = performance.now() - started;
  const found = needles.filter((v) => result.findings.some((f) => f.value === v));
  return {
    what: 'streamed load + scan',
    ms,
    firstRowsMs,
    previewRowsMs,
    exchanges: capture.exchanges.length,
    findings: result.findings.length,
    needles: needles.length > 0 ? `${found.length}/${needles.length} (${found.join(', ')})` : undefined,
    peakRssMiB: peakRssMiB(),
  };
}

function child(): void {
  const [, , , mode, file, needleList] = process.argv;
  const needles = needleList ? needleList.split(',').filter(Boolean) : [];
  const result = mode === 'parse' ? measureJsonParse(file) : measureStream(file, needles);
  process.stdout.write(JSON.stringify(result));
}

// ---- the files ---------------------------------------------------------------------------------

function generatedHar(entries: number, bytes: number): { file: string; needles: string[] } {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, `large_${entries}.har`);
  if (!existsSync(file)) {
    console.log(`generating ${file} (${entries} entries, ~${(bytes / 1e6).toFixed(0)} MB) with the corpus generator…`);
    execFileSync(process.execPath, [join(CORPUS, 'gen/make_large_har.js'), file, String(entries), String(bytes)], { stdio: 'inherit' });
  }
  const manifest = readFileSync(`${file}.manifest.json`, 'utf8');
  const imeis = [...new Set([...JSON.stringify(JSON.parse(manifest) as { needles?: unknown }).matchAll(/\b\d{15}\b/g)].map((m) => m[0]))];
  return { file, needles: imeis };
}

/** Frame-number fields tshark writes (they must stay unique and consistent across copies). */
const FRAME_FIELDS = /"(frame\.number|http\.request_in|http\.response_in|http\.prev_request_in|http\.prev_response_in|http\.next_request_in|http\.next_response_in|tcp\.reassembled_in|tcp\.segment)": "(\d+)"/g;
const STREAM_FIELDS = /"(tcp\.stream|udp\.stream)": "(\d+)"/g;

/** A ~200 MB tshark -T json: the corpus' real export repeated, frames and streams renumbered per copy. */
async function generatedTshark(targetBytes: number): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, `large_tshark_${Math.round(targetBytes / 1e6)}MB.json`);
  if (existsSync(file)) return file;
  console.log(`generating ${file} (~${(targetBytes / 1e6).toFixed(0)} MB) from generated/pcap/telemetry.tshark.json…`);
  const source = readFileSync(join(CORPUS, 'generated/pcap/telemetry.tshark.json'), 'utf8');
  // tshark writes one packet per `  {` … `  }` block at the array's first level.
  const packets = source.trim().replace(/^\[\s*/, '').replace(/\s*\]$/, '').split(/\n {2}\},?\n(?= {2}\{)/).map((p, i, all) => (i < all.length - 1 ? `${p}\n  }` : p));
  let maxFrame = 0;
  let maxStream = 0;
  for (const m of source.matchAll(FRAME_FIELDS)) maxFrame = Math.max(maxFrame, Number(m[2]));
  for (const m of source.matchAll(STREAM_FIELDS)) maxStream = Math.max(maxStream, Number(m[2]));
  const copies = Math.max(1, Math.ceil(targetBytes / source.length));
  const out = createWriteStream(file);
  out.write('[\n');
  for (let copy = 0; copy < copies; copy++) {
    const frameOffset = copy * maxFrame;
    const streamOffset = copy * (maxStream + 1);
    for (let i = 0; i < packets.length; i++) {
      const text = packets[i]
        .replace(FRAME_FIELDS, (_m, name: string, n: string) => `"${name}": "${Number(n) + frameOffset}"`)
        .replace(STREAM_FIELDS, (_m, name: string, n: string) => `"${name}": "${Number(n) + streamOffset}"`);
      const last = copy === copies - 1 && i === packets.length - 1;
      if (!out.write(`${text}${last ? '\n' : ',\n'}`)) await once(out, 'drain');
    }
  }
  out.end(']\n');
  await once(out, 'finish');
  return file;
}

// ---- the report ----------------------------------------------------------------------------------

function run(mode: 'parse' | 'stream', file: string, needles: readonly string[] = []): Measurement {
  const output = execFileSync(process.execPath, ['--max-old-space-size=8192', __filename, '--child', mode, file, needles.join(',')], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(output) as Measurement;
}

function line(m: Measurement, parseMs?: number): string {
  if (m.error) return `  ${m.what}: cannot: ${m.error}  (peak RSS ${m.peakRssMiB.toFixed(0)} MiB)`;
  const parts = [`  ${m.what}: ${((m.ms ?? 0) / 1000).toFixed(2)} s`];
  if (parseMs !== undefined && m.ms !== undefined) parts.push(`${(m.ms / parseMs).toFixed(2)}× JSON.parse`);
  if (m.previewRowsMs !== undefined) parts.push(`first rows (editor preview of the head) ${m.previewRowsMs.toFixed(0)} ms`);
  if (m.firstRowsMs !== undefined) parts.push(`first streamed exchange ${m.firstRowsMs.toFixed(0)} ms`);
  if (m.exchanges !== undefined) parts.push(`${m.exchanges.toLocaleString('en-US')} exchanges`);
  if (m.packets !== undefined) parts.push(`${m.packets.toLocaleString('en-US')} packets`);
  if (m.findings !== undefined) parts.push(`${m.findings.toLocaleString('en-US')} findings`);
  if (m.needles) parts.push(`needle IMEIs found ${m.needles}`);
  parts.push(`peak RSS ${m.peakRssMiB.toFixed(0)} MiB`);
  return parts.join(' · ');
}

async function main(): Promise<void> {
  const files: { label: string; file: string; needles: string[] }[] = [];
  const small = generatedHar(Number(process.env.BENCH_ENTRIES ?? 50_000), Number(process.env.BENCH_BYTES ?? 100_000_000));
  files.push({ label: 'HAR', ...small });
  if (process.env.BENCH_SKIP_HUGE !== '1') files.push({ label: 'HAR', ...generatedHar(250_000, 600_000_000) });
  files.push({ label: 'tshark -T json', file: await generatedTshark(200_000_000), needles: [] });
  console.log('\nlarge captures (each figure from its own process: peak RSS is that run\'s alone)');
  for (const { label, file, needles } of files) {
    const mb = statSync(file).size / 1e6;
    console.log(`${label} ${file}: ${mb.toFixed(0)} MB`);
    const parse = run('parse', file);
    console.log(line(parse));
    console.log(line(run('stream', file, needles), parse.error ? undefined : parse.ms));
  }
}

if (process.argv[2] === '--child') child();
else void main();
