// `npm run bench`: scan throughput on a ~115 MB HAR from the corpus generator, beside the same
// run's JSON.parse of the same bytes. Figures, not pass/fail: machines are noisy.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCapture } from '../extension/core/load/index';
import { scanCapture } from '../extension/core/scan';

const CORPUS = process.env.LEAKLENS_CORPUS ?? resolve(process.cwd(), '../shared/corpus');
const OUT_DIR = resolve(process.cwd(), '.bench');
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 50_000);
const BYTES = Number(process.env.BENCH_BYTES ?? 100_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const value = fn();
  return [value, performance.now() - t];
}

function main(): void {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, `large_${ENTRIES}.har`);
  if (!existsSync(file)) {
    console.log(`generating ${file} (${ENTRIES} entries, ~${(BYTES / 1e6).toFixed(0)} MB) with the corpus generator…`);
    execFileSync(process.execPath, [join(CORPUS, 'gen/make_large_har.js'), file, String(ENTRIES), String(BYTES)], { stdio: 'inherit' });
  }
  const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8')) as { needles?: Record<string, unknown> };
  const bytes = readFileSync(file);
  const mb = statSync(file).size / 1e6;
  console.log(`file: ${file}, ${mb.toFixed(1)} MB`);

  const parse: number[] = [];
  const load: number[] = [];
  const scan: number[] = [];
  let findings = 0;
  let exchanges = 0;
  let leaves = 0;
  // The baseline runs first, with nothing else on the heap, so garbage from our own runs cannot slow it.
  for (let run = 0; run < RUNS; run++) parse.push(time(() => JSON.parse(bytes.toString('utf8')))[1]);
  for (let run = 0; run < RUNS; run++) {
    const [capture, loadMs] = time(() => loadCapture(bytes, file));
    load.push(loadMs);
    const [result, scanMs] = time(() => scanCapture(capture));
    scan.push(scanMs);
    findings = result.findings.length;
    exchanges = capture.exchanges.length;
    leaves = result.stats.leaves;
    if (run === RUNS - 1) {
      const needles = JSON.stringify(manifest.needles ?? {});
      const imeis = [...needles.matchAll(/\b\d{15}\b/g)].map((m) => m[0]);
      const found = imeis.filter((v) => result.findings.some((f) => f.value === v));
      console.log(`needle IMEIs of the manifest found: ${found.length}/${imeis.length} (${found.join(', ')})`);
    }
  }
  const p = median(parse);
  const l = median(load);
  const s = median(scan);
  console.log(`exchanges ${exchanges}, decoded leaves ${leaves}, findings ${findings}; median of ${RUNS} runs`);
  console.log(`JSON.parse (decode utf8 + parse) ${p.toFixed(0)} ms  ${(mb / (p / 1000)).toFixed(1)} MB/s  (baseline)`);
  console.log(`load (sniff, parse, validate, model) ${l.toFixed(0)} ms  ${(mb / (l / 1000)).toFixed(1)} MB/s  ratio ${(l / p).toFixed(2)}× JSON.parse`);
  console.log(`scan (after load) ${s.toFixed(0)} ms  ${(mb / (s / 1000)).toFixed(1)} MB/s  ratio ${(s / p).toFixed(2)}× JSON.parse  (target ≤ 1.00)`);
  // What the reuse of repeated content buys: the same file with every field decoded and analysed
  // afresh, as content that never repeats would be. One run: it is a bound, not the headline.
  const capture = loadCapture(bytes, file);
  const [fresh, freshMs] = time(() => scanCapture(capture, { reuse: false }));
  const same = fresh.findings.length === findings ? 'same findings' : `DIFFERENT findings: ${fresh.findings.length}`;
  console.log(`scan without reuse of repeated content (1 run) ${freshMs.toFixed(0)} ms  ${(mb / (freshMs / 1000)).toFixed(1)} MB/s  ratio ${(freshMs / p).toFixed(2)}× JSON.parse  (${same})`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

main();
