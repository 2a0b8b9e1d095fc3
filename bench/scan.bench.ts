// `npm run bench`: scan throughput on a ~115 MB HAR from the corpus generator, beside the same
// run's JSON.parse of the same bytes. Figures, not pass/fail: machines are noisy.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadCapture } from '../extension/core/load/index';
import { previewCapture } from '../extension/core/load/preview';
import type { Capture, Finding } from '../extension/core/model';
import { scanCapture } from '../extension/core/scan';
import { SearchIndex } from '../extension/core/search';
import { CaptureColumns, RowViews } from '../extension/editor/rowQuery';
import { captureSummary, findingsByExchange, rowPage, rowSummary } from '../extension/editor/rows';
import { DEFAULT_PAGE_SIZE, defaultRowQuery, type KindCount, type RowQuery, type SortColumn } from '../extension/protocol';

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
  // Also on a heap holding nothing else yet, as when the editor opens a capture.
  firstRows(bytes, file, median(parse));
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
  searchAndQuery(capture, fresh.findings);
}

// ---- the request table: time to first rows, and search while typing ------------------------

/** A full garbage collection, for memory figures and to start timed runs from the same state. */
const gc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

function heapMb(): number {
  const m = process.memoryUsage();
  // arrayBuffers are part of external.
  return (m.heapUsed + m.external) / 1e6;
}

/**
 * What the editor does before the first page of rows can be sent: load the capture, then build
 * rows 0–199 (the scan runs after, and badges follow with findingsUpdated). Also what the init
 * message carries besides (summary with the distinct host count, facets, the default view).
 */
/**
 * What the editor does before the first rows can be shown. For a file this large it reads a
 * preview (the first entries, from the start of the file), answers init and the first page from
 * it, and only then reads the whole file; both paths are timed.
 */
function firstRows(bytes: Buffer, file: string, parseMs: number): void {
  const preview: number[] = [];
  const load: number[] = [];
  const page: number[] = [];
  const summary: number[] = [];
  const facets: number[] = [];
  const view: number[] = [];
  let previewCount = 0;
  // No forced GC between runs, as in the load figures below (a GC right before shrinks the heap
  // and makes the load pay to grow it again: about 15% slower here).
  for (let run = 0; run < RUNS; run++) {
    const p0 = performance.now();
    const first = previewCapture(bytes, file);
    if (!first) throw new Error('no preview of the bench file');
    const views = new RowViews(first.capture, []);
    captureSummary(first.capture, file, undefined, views.columns.hostCount);
    views.facets();
    const ids = views.view(defaultRowQuery()).ids;
    for (let i = 0; i < Math.min(ids.length, DEFAULT_PAGE_SIZE); i++) rowSummary(first.capture.exchanges[ids[i]]);
    preview.push(performance.now() - p0);
    previewCount = first.capture.exchanges.length;

    const t0 = performance.now();
    const capture = loadCapture(bytes, file);
    const t1 = performance.now();
    rowPage(capture, 0, DEFAULT_PAGE_SIZE);
    const t2 = performance.now();
    load.push(t1 - t0);
    page.push(t2 - t1);
    const full = new RowViews(capture, []);
    summary.push(time(() => captureSummary(capture, file, undefined, full.columns.hostCount))[1]);
    facets.push(time(() => full.facets())[1]);
    view.push(time(() => full.view(defaultRowQuery()))[1]);
  }
  gc();
  const shown = median(preview);
  console.log(`time to first rows (preview of the first ${previewCount} entries: init + first page) ${shown.toFixed(1)} ms  ratio ${(shown / parseMs).toFixed(3)}× JSON.parse  (target ≤ 1.50; median of ${RUNS})`);
  const all = median(load.map((l, i) => l + page[i]));
  console.log(`  then the whole file: load + first page ${all.toFixed(0)} ms (${(all / parseMs).toFixed(2)}× JSON.parse); init on it also builds: summary ${median(summary).toFixed(0)} ms, facets ${median(facets).toFixed(0)} ms, default view ${median(view).toFixed(1)} ms`);
}

const TYPED = ['xiaomi', 'imei', 'api.account', '8687153927', 'xiaomo', 'application/json'];
const KEY_RUNS = Number(process.env.BENCH_KEY_RUNS ?? 5);

function tableQuery(search: string, sort: SortColumn): RowQuery {
  return { ...defaultRowQuery(), search, sort };
}

/** Search index build and memory, then RowViews.view per keystroke as a researcher types. */
function searchAndQuery(capture: Capture, findings: Finding[]): void {
  const byExchange: (KindCount[] | undefined)[] = findingsByExchange(findings, capture.exchanges.length);
  console.log('');
  console.log(`request table at ${capture.exchanges.length} rows`);

  // The first keystroke of a session whose index was never prepared pays for the build.
  const cold: number[] = [];
  for (let run = 0; run < 3; run++) {
    gc();
    const views = new RowViews(capture, byExchange);
    cold.push(time(() => views.view(tableQuery('x', 'id')))[1]);
  }
  console.log(`first keystroke without prepare() (index build + search) ${median(cold).toFixed(0)} ms  (median of 3)`);

  gc();
  gc();
  const before = heapMb();
  const columns = new CaptureColumns(capture);
  const builds: number[] = [];
  builds.push(time(() => columns.search.prepare())[1]);
  gc();
  gc();
  const after = heapMb();
  for (let run = 1; run < 3; run++) builds.push(time(() => new CaptureColumns(capture).search.prepare())[1]);
  const stats = columns.search.stats();
  console.log(`search index build (prepare(), one time) ${median(builds).toFixed(0)} ms (median of 3)  ${(capture.source.byteLength / 1e6 / (median(builds) / 1000)).toFixed(0)} MB/s of file`);
  console.log(`  memory ${(stats.bytes / 1e6).toFixed(1)} MB by its own count, ${(after - before).toFixed(1)} MB by process.memoryUsage (heap + external, after GC); ${stats.texts} distinct texts, ${(stats.chars / 1e6).toFixed(1)} M chars, ${stats.postings} postings, ${stats.words} words / ${stats.wordPostings} word postings; truncated ${JSON.stringify(stats.truncated)}`);

  // Sort orders are worked out once per column, on first use.
  const warm = new RowViews(capture, byExchange, columns);
  for (const sort of ['id', 'host'] as const) {
    const [, ms] = time(() => warm.view(tableQuery('', sort)));
    console.log(`  first view sorted by ${sort} (its order built once) ${ms.toFixed(1)} ms`);
  }

  const all: Record<string, number[]> = {};
  for (const sort of ['id', 'host'] as const) {
    const overall: number[] = [];
    for (const text of TYPED) {
      const samples: number[] = [];
      let rows = 0;
      let fuzzy = '';
      for (let run = 0; run < KEY_RUNS; run++) {
        // Each run types the query from scratch: no term cached, no view cached.
        columns.search.clearCache();
        const views = new RowViews(capture, byExchange, columns);
        gc();
        let typed = '';
        for (const ch of text) {
          typed += ch;
          const [view, ms] = time(() => views.view(tableQuery(typed, sort)));
          samples.push(ms);
          rows = view.ids.length;
        }
        const words = views.lastSearchMatch?.fuzzy.flatMap((f) => f.words) ?? [];
        fuzzy = words.length > 0 ? `, fuzzy → ${words.join(', ')}` : '';
      }
      overall.push(...samples);
      console.log(`  keystrokes "${text}" sort ${sort}: median ${median(samples).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)}, max ${Math.max(...samples).toFixed(1)}  (${text.length} keys × ${KEY_RUNS} runs; ${rows} rows${fuzzy})`);
    }
    all[sort] = overall;
  }
  for (const [sort, samples] of Object.entries(all)) {
    console.log(`per keystroke, sort ${sort}, all queries: median ${median(samples).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)}, max ${Math.max(...samples).toFixed(1)}  (target < 100 ms)`);
  }
  // Paging through a view: the view is cached.
  const views = new RowViews(capture, byExchange, columns);
  views.view(tableQuery('imei', 'host'));
  const [, pageMs] = time(() => views.view(tableQuery('imei', 'host')));
  console.log(`  the same view again (paging) ${pageMs.toFixed(3)} ms`);

  // The bound for content that never repeats: every field indexed afresh (1 run, search only).
  gc();
  const unique = new SearchIndex(capture, { reuse: false });
  const [, uniqueMs] = time(() => unique.prepare());
  const u = unique.stats();
  const keys: number[] = [];
  for (const text of TYPED) {
    unique.clearCache();
    for (let k = 1; k <= text.length; k++) keys.push(time(() => unique.search(text.slice(0, k)))[1]);
  }
  console.log(`search index without reuse of repeated content (1 run): build ${uniqueMs.toFixed(0)} ms, ${(u.bytes / 1e6).toFixed(0)} MB by its own count, ${(u.chars / 1e6).toFixed(1)} M chars in ${u.texts} texts; per keystroke (search only) median ${median(keys).toFixed(1)} ms, p95 ${percentile(keys, 95).toFixed(1)}, max ${Math.max(...keys).toFixed(1)}`);
}

main();
