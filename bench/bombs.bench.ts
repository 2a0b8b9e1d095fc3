// `npm run bench:bombs` (and the last part of `npm run bench`): each bomb of issue 8 through the
// editor's host-thread path — load, scan, the detail pane's model — in a process of its own, so
// its peak RSS is its own. Printed per bomb: bytes sent, what it would expand to, the cap that
// stopped it, decoded bytes at the stop, time to stop (median of 3) for the decoder alone, the
// whole scan and the detail, the peak RSS above the process with the bomb built, and the longest
// event-loop stall seen while it ran (perf_hooks.monitorEventLoopDelay: on this thread a
// synchronous scan is one stall). Then the editor's own path: the capture loaded on this thread
// and scanned by the capture worker (scanBytesInWorker), with the longest stall this thread saw
// meanwhile — what the extension host feels — and the worker's time to the scan result.
// Figures, not pass/fail: machines are noisy.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { decodeField } from '../extension/core/decode/index';
import { loadCapture } from '../extension/core/load/index';
import type { Capture, ExchangePart } from '../extension/core/model';
import { fieldsOf, scanCapture } from '../extension/core/scan';
import { exchangeDetail } from '../extension/editor/detail';
import { scanBytesInWorker } from '../extension/core/work/client';
import {
  brotliBomb, deepJsonArray, deepJsonObject, deflateBomb, harEntry, harText, hugeBase64, IMEI, nestedBase64, prefixedGzip, siblingEntry,
  stackedBomb, MiB,
} from '../test/unit/bombs/make';

interface Case {
  name: string;
  part: ExchangePart;
  /** The capture's text, and what the bomb would expand to. */
  make: () => Promise<{ text: string; sent: number; expandsTo: number }>;
}

/** Sibling exchanges before and after, and an IMEI header beside the bomb: found or not, per exchange. */
function capture3(entry: Record<string, unknown>, replace: Record<string, string> = {}): string {
  (entry.request as { headers: { name: string; value: string }[] }).headers.push({ name: 'X-Device-Id', value: IMEI });
  return harText([siblingEntry('before'), entry, siblingEntry('after')], replace);
}

async function responseBomb(make: () => Promise<{ bytes: Buffer; expandsTo: number; contentEncoding: string[] }>): Promise<{ text: string; sent: number; expandsTo: number }> {
  const b = await make();
  return { text: capture3(harEntry({ response: { bytes: b.bytes, contentEncoding: b.contentEncoding } })), sent: b.bytes.length, expandsTo: b.expandsTo };
}

const CASES: Case[] = [
  { name: 'gzip 256 MiB zeros', part: 'response_body', make: () => responseBomb(() => deflateBomb('gzip')) },
  { name: 'zlib 256 MiB zeros', part: 'response_body', make: () => responseBomb(() => deflateBomb('zlib')) },
  { name: 'raw deflate 256 MiB', part: 'response_body', make: () => responseBomb(() => deflateBomb('deflate')) },
  { name: 'brotli 1 GiB zeros', part: 'response_body', make: () => responseBomb(() => brotliBomb()) },
  { name: 'gzip IMEI + 64 MiB', part: 'response_body', make: () => responseBomb(() => prefixedGzip(`{"imei":"${IMEI}","pad":"`, 64 * MiB)) },
  { name: 'CE br,gzip,… ×12', part: 'response_body', make: () => responseBomb(() => stackedBomb(12)) },
  { name: 'CE br,gzip,br,gzip', part: 'response_body', make: () => responseBomb(() => stackedBomb(4)) },
  {
    name: 'base64 → gzip bomb (header)', part: 'request_header', make: async () => {
      const b = await deflateBomb('gzip');
      const value = b.bytes.toString('base64');
      return { text: capture3(harEntry({ requestHeaders: [{ name: 'X-Blob', value }] })), sent: value.length, expandsTo: b.expandsTo };
    },
  },
  {
    // One request, 40 headers, each its own bomb: each stops at its cap, but the caps add up.
    name: '40 base64 → gzip bombs (headers)', part: 'request_header', make: async () => {
      const b = await deflateBomb('gzip');
      const value = b.bytes.toString('base64');
      const headers = Array.from({ length: 40 }, (_, i) => ({ name: i === 0 ? 'X-Blob' : `X-Blob-${i}`, value }));
      return { text: capture3(harEntry({ requestHeaders: headers })), sent: value.length * 40, expandsTo: b.expandsTo * 40 };
    },
  },
  {
    name: 'base64 nested 20 deep', part: 'request_body', make: () => {
      const text = nestedBase64(`{"imei":"${IMEI}"}`, 20);
      return Promise.resolve({ text: capture3(harEntry({ postData: { text } })), sent: text.length, expandsTo: 25 });
    },
  },
  {
    name: '200 MB base64 string', part: 'request_body', make: () => {
      const text = hugeBase64(200_000_000);
      return Promise.resolve({ text: capture3(harEntry({ postData: { text } })), sent: text.length, expandsTo: Math.floor(text.length * 3 / 4) });
    },
  },
  {
    name: 'JSON 1,000,000 deep (body)', part: 'request_body', make: () => {
      const text = deepJsonObject(1_000_000);
      return Promise.resolve({ text: capture3(harEntry({ postData: { mimeType: 'application/json', text } })), sent: text.length, expandsTo: text.length });
    },
  },
  {
    name: 'JSON 1,000,000 deep (HAR fields)', part: 'request_body', make: () => {
      const deep = deepJsonArray(1_000_000);
      const entry = harEntry({ postData: { mimeType: 'application/json', params: [{ name: 'deep', value: 'DP' }, { name: 'imei', value: IMEI }] }, requestHeaders: [{ name: 'X-Deep', value: 'DH' }] });
      return Promise.resolve({ text: capture3(entry, { DP: deep, DH: deep }), sent: deep.length * 2, expandsTo: deep.length * 2 });
    },
  },
];

interface Row {
  name: string;
  sent: number;
  expandsTo: number;
  cap: string;
  decodedAtStop: number;
  decodeMs: number;
  loadMs: number;
  scanMs: number | string;
  detailMs: number;
  stallMs: number;
  /** The editor's path: load here, scan in the worker. */
  workerScanMs: number | string;
  hostStallMs: number | string;
  rssDeltaMiB: number;
  imeis: string;
}

/** The capture worker as the editor runs it (npm run build makes it). */
const WORKER = resolve(process.cwd(), 'dist/captureWorker.js');

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function timed<T>(fn: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t };
}

async function measureOne(c: Case): Promise<Row> {
  const { text, sent, expandsTo } = await c.make();
  const buf = Buffer.from(text);
  global.gc?.();
  const baseRss = process.resourceUsage().maxRSS;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const decodeMs: number[] = [];
  const loadMs: number[] = [];
  const scanMs: number[] = [];
  const detailMs: number[] = [];
  let cap = '';
  let decodedAtStop = 0;
  let scanError = '';
  let imeis = '';
  for (let i = 0; i < 3; i++) {
    await tick();
    const load = timed(() => loadCapture(buf, 'bomb.har'));
    loadMs.push(load.ms);
    const capture: Capture = load.value;
    await tick();
    const field = fieldsOf(capture.exchanges[1]).find((f) => f.part === c.part && (c.part !== 'request_header' || f.fieldPath === 'X-Blob'));
    if (field) {
      const decoded = timed(() => decodeField(field.input));
      decodeMs.push(decoded.ms);
      cap = decoded.value.limits.map((l) => `${l.limit}@${l.chain.slice(0, 3).join('>')}${l.chain.length > 3 ? `…(${l.chain.length})` : ''}`).join(', ') || '—';
      // Decoded text handed to the detectors, or the bytes a capped decompression kept when they are not text (zeros).
      const text = decoded.value.leaves.reduce((n, l) => n + (l.chain.length > 0 ? l.text.length : 0), 0);
      const heads = decoded.value.limits.map((l) => Number(/its first (\d+) bytes were decoded/.exec(l.detail)?.[1] ?? 0));
      decodedAtStop = Math.max(text, ...heads);
    }
    await tick();
    let findings: ReturnType<typeof scanCapture>['findings'] = [];
    try {
      const scan = timed(() => scanCapture(capture));
      scanMs.push(scan.ms);
      findings = scan.value.findings;
    } catch (err) {
      scanError = `${(err as Error).name}`;
    }
    imeis = [0, 1, 2].map((id) => (findings.some((f) => f.exchangeId === id && f.value === IMEI) ? 'y' : '-')).join('');
    await tick();
    const detail = timed(() => exchangeDetail(capture.exchanges[1], findings.filter((f) => f.exchangeId === 1)));
    structuredClone(detail.value);
    detailMs.push(detail.ms);
  }
  await tick();
  histogram.disable();
  let workerScanMs: number | string = 'no dist/captureWorker.js';
  let hostStallMs: number | string = '';
  if (existsSync(WORKER)) {
    const host = monitorEventLoopDelay({ resolution: 10 });
    host.enable();
    // The monitor's timer needs a first tick to measure from: a block before it goes unseen.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    const capture = loadCapture(buf, 'bomb.har');
    try {
      await scanBytesInWorker(buf, { workerScript: WORKER, displayName: 'bomb.har', expectExchanges: capture.exchanges.length }).result;
      workerScanMs = performance.now() - started;
    } catch (err) {
      workerScanMs = (err as Error).name;
    }
    await tick();
    host.disable();
    hostStallMs = host.max / 1e6;
  }
  return {
    name: c.name, sent, expandsTo, cap, decodedAtStop,
    decodeMs: median(decodeMs), loadMs: median(loadMs), scanMs: scanError || median(scanMs), detailMs: median(detailMs),
    stallMs: histogram.max / 1e6,
    workerScanMs,
    hostStallMs,
    rssDeltaMiB: (process.resourceUsage().maxRSS - baseRss) / 1024,
    imeis,
  };
}

function size(n: number): string {
  if (n >= 1024 * MiB) return `${(n / 1024 / MiB).toFixed(1)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function ms(x: number | string): string {
  return typeof x === 'string' ? x : x.toFixed(x < 10 ? 1 : 0);
}

function print(rows: Row[]): void {
  const header = ['bomb', 'sent', 'expands to', 'cap that stopped it (at chain)', 'decoded at stop', 'decode ms', 'load ms', 'scan ms', 'detail ms', 'longest stall, all on this thread ms (load, scan, details ×3)', 'load + worker scan ms', 'host stall, editor path ms', 'peak RSS Δ (both paths)', 'IMEI found before/in/after'];
  const lines = rows.map((r) => [
    r.name, size(r.sent), size(r.expandsTo), r.cap, size(r.decodedAtStop), ms(r.decodeMs), ms(r.loadMs), ms(r.scanMs), ms(r.detailMs), ms(r.stallMs), ms(r.workerScanMs), ms(r.hostStallMs),
    `${r.rssDeltaMiB.toFixed(0)} MiB`, r.imeis,
  ]);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
}

async function main(): Promise<void> {
  const one = process.argv.indexOf('--one');
  if (one !== -1) {
    const c = CASES[Number(process.argv[one + 1])];
    process.stdout.write(JSON.stringify(await measureOne(c)));
    return;
  }
  console.log('Bombs (issue 8): each in its own process; times are medians of 3; stall = longest event-loop delay while it ran.');
  const rows: Row[] = [];
  for (let i = 0; i < CASES.length; i++) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', process.argv[1], '--one', String(i)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    rows.push(JSON.parse(out) as Row);
    process.stderr.write(`  ${CASES[i].name} done\n`);
  }
  print(rows);
}

void main();
