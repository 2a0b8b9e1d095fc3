// The request table's query engine: filters, sorts, the view cache and facets, each checked
// against a reference written here from the rows the table shows (rowSummary), on generated
// captures with every kind of unknown value and on a real capture with its real scan.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadCapture } from '../../../extension/core/load/index';
import type { Body, Capture, Exchange, NameValue } from '../../../extension/core/model';
import { scanCapture } from '../../../extension/core/scan';
import { SearchIndex } from '../../../extension/core/search';
import { canonicalQuery, RowViews, VIEW_CACHE_SIZE } from '../../../extension/editor/rowQuery';
import { findingsByExchange, rowSummary } from '../../../extension/editor/rows';
import {
  CONFIDENCES,
  defaultRowQuery,
  FINDING_KINDS,
  MAX_FACET_VALUES,
  SORT_COLUMNS,
  STATUS_CLASSES,
  type KindCount,
  type RowQuery,
  type RowSummary,
  type SortColumn,
  type StatusClass,
} from '../../../extension/protocol';
import { corpusPath } from '../corpus';
import { rng } from '../rng';

const SAMPLE = corpusPath('generated/har/mitmproxy_hardump.har');

type Findings = (KindCount[] | undefined)[];


function query(overrides: Partial<RowQuery> = {}): RowQuery {
  return { ...defaultRowQuery(), ...overrides };
}

function body(bytes: Uint8Array, availability: Body['availability'], declaredSize: number, mimeType?: string): Body {
  const b: Body = { bytes, isText: true, contentEncoding: [], contentCoding: 'none', declaredSize, availability };
  if (mimeType !== undefined) b.mimeType = mimeType;
  return b;
}

/**
 * A capture with every sort of value a column can hold: methods in any case, duplicate and
 * missing hosts, no response, status 0 and odd codes, unknown sizes and times, no MIME type.
 */
function generated(seed: number, count: number): { capture: Capture; findings: Findings } {
  const r = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
  const exchanges: Exchange[] = [];
  const findings: Findings = [];
  for (let id = 0; id < count; id++) {
    const secure = r() < 0.6;
    const host = pick(['a.test', 'b.test', 'c.test', 'zz.test', 'B.test', '10.0.0.1', '']);
    const path = pick(['/', '/a', '/b?x=1', '/A', '/a/b', '/é', '/z']);
    const url = host === '' ? path : `${secure ? 'https' : 'http'}://${host}${path}`;
    const headers: NameValue[] = [];
    const exchange: Exchange = {
      id,
      origin: { kind: 'har-entry', entryIndex: id },
      startedMs: NaN,
      durationMs: pick([-1, NaN, 0, 1.5, 3, 3, 12, 250]),
      request: { method: pick(['GET', 'get', 'POST', 'Put', 'DELETE', 'OPTIONS']), url, httpVersion: 'HTTP/1.1', headers, cookies: [], query: [], headersSize: -1 },
      connection: {},
      secure,
    };
    if (r() < 0.85) {
      const sizeCase = pick(['complete', 'empty', 'omitted-known', 'omitted-unknown', 'none'] as const);
      const bytes = new Uint8Array(Math.floor(r() * 5) * 10);
      const mime = pick(['application/json', 'text/html', 'text/plain', '', 'image/png']);
      let responseBody: Body | undefined;
      if (sizeCase === 'complete') responseBody = body(bytes, 'complete', -1);
      else if (sizeCase === 'empty') responseBody = body(new Uint8Array(0), 'empty', 0);
      else if (sizeCase === 'omitted-known') responseBody = body(new Uint8Array(0), 'omitted', 40 + Math.floor(r() * 3) * 10);
      else if (sizeCase === 'omitted-unknown') responseBody = body(new Uint8Array(0), 'omitted', -1);
      exchange.response = {
        status: pick([200, 200, 204, 301, 404, 500, 101, 0, -1, 999, 42]),
        statusText: '', httpVersion: 'HTTP/1.1', headers: [], cookies: [], mimeType: mime, headersSize: -1,
      };
      if (responseBody) exchange.response.body = responseBody;
    }
    exchanges.push(exchange);
    if (r() < 0.5) {
      const kinds = [...new Set(Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(FINDING_KINDS)))];
      findings.push(kinds.map((kind) => ({ kind, count: 1 + Math.floor(r() * 4), confidence: pick(CONFIDENCES) })));
    } else findings.push(undefined);
  }
  const capture: Capture = { source: { name: 'generated', byteLength: 0, wrappers: [] }, format: 'har', exchanges, warnings: [], dns: [], pages: [] };
  return { capture, findings };
}

// ---- the reference: written from the rows, the way a reader of the table would -------------

function statusClass(status: number | null): StatusClass | undefined {
  if (status === null || status <= 0) return 'none';
  if (status >= 100 && status < 600) return `${Math.floor(status / 100)}xx` as StatusClass;
  return undefined;
}

function passes(row: RowSummary, q: RowQuery): boolean {
  if (q.kinds.length > 0 && !row.findings.some((k) => q.kinds.includes(k.kind))) return false;
  if (q.hosts.length > 0 && !q.hosts.includes(row.host)) return false;
  if (q.methods.length > 0 && !q.methods.some((m) => m.toUpperCase() === row.method.toUpperCase())) return false;
  if (q.statuses.length > 0) {
    const c = statusClass(row.status);
    if (c === undefined || !q.statuses.includes(c)) return false;
  }
  if (q.scheme === 'http' && row.secure) return false;
  if (q.scheme === 'https' && !row.secure) return false;
  if (q.findings === 'with' && row.findings.length === 0) return false;
  if (q.findings === 'without' && row.findings.length > 0) return false;
  return true;
}

const RANK: Record<string, number> = { high: 3, medium: 2, low: 1 };

/** The value a column sorts by; undefined when unknown. */
function sortKey(row: RowSummary, column: SortColumn): string | number[] | undefined {
  switch (column) {
    case 'id': return [row.id];
    case 'method': return row.method;
    case 'host': return row.host;
    case 'path': return row.path;
    case 'status': return row.status === null ? undefined : [row.status];
    case 'mime': return row.mime === '' ? undefined : row.mime;
    case 'size': return row.size < 0 ? undefined : [row.size];
    case 'time': return row.durationMs < 0 ? undefined : [row.durationMs];
    case 'findings': {
      const best = Math.max(0, ...row.findings.map((k) => RANK[k.confidence]));
      const total = row.findings.reduce((n, k) => n + k.count, 0);
      return [best, total, row.findings.length];
    }
  }
}

function compareKeys(a: string | number[], b: string | number[]): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const x = a as number[];
  const y = b as number[];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

function referenceView(rows: RowSummary[], q: RowQuery, searched?: Set<number>): number[] {
  const kept = rows.filter((row) => passes(row, q) && (!searched || searched.has(row.id)));
  kept.sort((a, b) => {
    const ka = sortKey(a, q.sort);
    const kb = sortKey(b, q.sort);
    if (ka === undefined || kb === undefined) return (ka === undefined ? 1 : 0) - (kb === undefined ? 1 : 0) || a.id - b.id;
    return (q.descending ? -1 : 1) * compareKeys(ka, kb) || a.id - b.id;
  });
  return kept.map((row) => row.id);
}

function rowsOf(capture: Capture, findings: Findings): RowSummary[] {
  return capture.exchanges.map((e) => rowSummary(e, findings[e.id]));
}

function randomQuery(r: () => number, rows: RowSummary[]): RowQuery {
  const some = <T>(list: readonly T[], p: number): T[] => (r() < p ? list.filter(() => r() < 0.4) : []);
  const hosts = [...new Set(rows.map((row) => row.host))];
  return query({
    sort: SORT_COLUMNS[Math.floor(r() * SORT_COLUMNS.length)],
    descending: r() < 0.5,
    kinds: some(FINDING_KINDS, 0.3),
    hosts: some([...hosts, 'not.in.capture'], 0.3),
    methods: some(['GET', 'post', 'PUT', 'delete', 'options', 'TRACE'], 0.3),
    statuses: some(STATUS_CLASSES, 0.3),
    scheme: r() < 0.7 ? 'any' : r() < 0.5 ? 'http' : 'https',
    findings: r() < 0.7 ? 'any' : r() < 0.5 ? 'with' : 'without',
  });
}

describe('row views: filters and sorts against a reference', () => {
  it('every column, ascending and descending, unknown values last', () => {
    const { capture, findings } = generated(1, 600);
    const views = new RowViews(capture, findings);
    const rows = rowsOf(capture, findings);
    for (const sort of SORT_COLUMNS) {
      for (const descending of [false, true]) {
        const q = query({ sort, descending });
        assert.deepEqual(Array.from(views.view(q).ids), referenceView(rows, q), `${sort} ${descending ? 'desc' : 'asc'}`);
      }
    }
  });

  it('sorting puts the unknowns last in both directions, ties by id', () => {
    const { capture, findings } = generated(2, 300);
    const views = new RowViews(capture, findings);
    const rows = rowsOf(capture, findings);
    for (const [sort, unknown] of [['status', (r: RowSummary) => r.status === null], ['size', (r: RowSummary) => r.size < 0], ['time', (r: RowSummary) => r.durationMs < 0], ['mime', (r: RowSummary) => r.mime === '']] as const) {
      const expectedTail = rows.filter(unknown).map((r) => r.id);
      assert.ok(expectedTail.length > 0, `${sort}: the capture has unknowns`);
      for (const descending of [false, true]) {
        const ids = Array.from(views.view(query({ sort, descending })).ids);
        assert.deepEqual(ids.slice(ids.length - expectedTail.length), expectedTail, `${sort} ${descending}`);
      }
    }
  });

  it('each filter alone, and random combinations of all of them', () => {
    const { capture, findings } = generated(3, 500);
    const views = new RowViews(capture, findings);
    const rows = rowsOf(capture, findings);
    const singles: Partial<RowQuery>[] = [
      { kinds: ['imei'] }, { kinds: ['email', 'geo'] }, { hosts: ['a.test'] }, { hosts: ['', 'zz.test'] }, { hosts: ['b.test'] },
      { methods: ['get'] }, { methods: ['PUT', 'OPTIONS'] }, { statuses: ['2xx'] }, { statuses: ['none'] }, { statuses: ['1xx', '5xx'] },
      { scheme: 'http' }, { scheme: 'https' }, { findings: 'with' }, { findings: 'without' },
    ];
    for (const s of singles) {
      const q = query(s);
      const expected = referenceView(rows, q);
      assert.ok(expected.length > 0 && expected.length < rows.length, `${JSON.stringify(s)} restricts`);
      assert.deepEqual(Array.from(views.view(q).ids), expected, JSON.stringify(s));
    }
    const r = rng(99);
    for (let i = 0; i < 300; i++) {
      const q = randomQuery(r, rows);
      assert.deepEqual(Array.from(views.view(q).ids), referenceView(rows, q), JSON.stringify(q));
    }
  });

  it('status classes: none is no response or a status of 0 or less; 999 and 42 are in no class', () => {
    const { capture, findings } = generated(4, 400);
    const views = new RowViews(capture, findings);
    const none = Array.from(views.view(query({ statuses: ['none'] })).ids);
    for (const id of none) {
      const response = capture.exchanges[id].response;
      assert.ok(!response || response.status <= 0, `#${id}`);
    }
    const anyClass = new Set(Array.from(views.view(query({ statuses: [...STATUS_CLASSES] })).ids));
    const odd = capture.exchanges.filter((e) => e.response && (e.response.status === 999 || e.response.status === 42));
    assert.ok(odd.length > 0);
    for (const e of odd) assert.ok(!anyClass.has(e.id));
  });
});

describe('row views: the view cache and indexOf', () => {
  it('the same query (in any spelling) returns the same ids without recomputing', () => {
    const { capture, findings } = generated(5, 300);
    const views = new RowViews(capture, findings);
    const q = query({ sort: 'host', hosts: ['a.test', 'b.test'], methods: ['get', 'POST'], search: 'test /a' });
    const first = views.view(q);
    const again = views.view(q);
    assert.equal(again.ids, first.ids, 'the very same array');
    assert.equal(again.queryMs, 0);
    const respelled = views.view({ ...q, hosts: ['b.test', 'a.test', 'a.test'], methods: ['post', 'GET'], search: '  /a   TEST ' });
    assert.equal(respelled.ids, first.ids);
    assert.equal(canonicalQuery(q), canonicalQuery({ ...q, methods: ['Get', 'post'] }));
    assert.notEqual(views.view({ ...q, descending: true }).ids, first.ids);
  });

  it('keeps the last VIEW_CACHE_SIZE views', () => {
    const { capture, findings } = generated(6, 100);
    const views = new RowViews(capture, findings);
    const queries = SORT_COLUMNS.map((sort) => query({ sort }));
    assert.ok(queries.length > VIEW_CACHE_SIZE);
    const first = views.view(queries[0]).ids;
    assert.equal(views.view(queries[0]).ids, first);
    for (const q of queries.slice(1)) views.view(q);
    assert.notEqual(views.view(queries[0]).ids, first, 'evicted and recomputed');
    assert.deepEqual(views.view(queries[0]).ids, first, 'to the same ids');
  });

  it('indexOf: the position in the view, -1 when filtered out or unknown', () => {
    const { capture, findings } = generated(7, 300);
    const views = new RowViews(capture, findings);
    const q = query({ sort: 'time', descending: true, scheme: 'https' });
    const ids = Array.from(views.view(q).ids);
    for (const at of [0, 5, ids.length - 1]) assert.equal(views.indexOf(q, ids[at]), at);
    const plain = capture.exchanges.find((e) => !e.secure);
    assert.ok(plain);
    assert.equal(views.indexOf(q, plain.id), -1);
    assert.equal(views.indexOf(q, 10_000), -1);
    assert.equal(views.indexOf(q, -1), -1);
  });
});

describe('row views: facets', () => {
  it('hosts, methods and status classes with counts equal to an independent count', () => {
    const { capture, findings } = generated(8, 700);
    const facets = new RowViews(capture, findings).facets();
    const rows = rowsOf(capture, findings);
    const tally = (values: string[]): Map<string, number> => {
      const m = new Map<string, number>();
      for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
      return m;
    };
    assert.deepEqual(new Map(facets.hosts.map((f) => [f.value, f.count])), tally(rows.map((r) => r.host)));
    assert.deepEqual(new Map(facets.methods.map((f) => [f.value, f.count])), tally(rows.map((r) => r.method.toUpperCase())));
    const statuses = tally(rows.flatMap((r) => statusClass(r.status) ?? []));
    assert.deepEqual(new Map(facets.statuses.map((f) => [f.value, f.count])), statuses);
    assert.deepEqual(facets.statuses.map((f) => f.value), STATUS_CLASSES.filter((c) => statuses.has(c)), 'in STATUS_CLASSES order');
    for (const list of [facets.hosts, facets.methods]) {
      for (let i = 1; i < list.length; i++) assert.ok(list[i - 1].count >= list[i].count, 'busiest first');
    }
  });

  it('at most MAX_FACET_VALUES hosts, the busiest', () => {
    const exchanges: Exchange[] = [];
    for (let h = 0; h < MAX_FACET_VALUES + 50; h++) {
      for (let k = 0; k <= h % 7; k++) {
        const id = exchanges.length;
        exchanges.push({
          id, origin: { kind: 'har-entry', entryIndex: id }, startedMs: NaN, durationMs: -1, connection: {}, secure: true,
          request: { method: 'GET', url: `https://h${h}.test/`, httpVersion: 'HTTP/1.1', headers: [], cookies: [], query: [], headersSize: -1 },
        });
      }
    }
    const capture: Capture = { source: { name: 'many', byteLength: 0, wrappers: [] }, format: 'har', exchanges, warnings: [], dns: [], pages: [] };
    const hosts = new RowViews(capture, []).facets().hosts;
    assert.equal(hosts.length, MAX_FACET_VALUES);
    const counts = new Map<string, number>();
    for (const e of exchanges) counts.set(new URL(e.request.url).hostname, (counts.get(new URL(e.request.url).hostname) ?? 0) + 1);
    const expected = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_FACET_VALUES);
    assert.deepEqual(hosts.map((f) => [f.value, f.count]), expected);
  });
});

describe('row views: a real capture and its scan', () => {
  let capture: Capture;
  let findings: Findings;
  let views: RowViews;

  before(() => {
    capture = loadCapture(readFileSync(SAMPLE), SAMPLE);
    findings = findingsByExchange(scanCapture(capture).findings, capture.exchanges.length);
    views = new RowViews(capture, findings);
  });

  it('kinds and findings filters follow the scan', () => {
    const imei = Array.from(views.view(query({ kinds: ['imei'] })).ids);
    const expected = findings.flatMap((kinds, id) => (kinds?.some((k) => k.kind === 'imei') ? [id] : []));
    assert.ok(expected.length >= 3);
    assert.deepEqual(imei, expected);
    const without = Array.from(views.view(query({ findings: 'without' })).ids);
    assert.deepEqual(without, findings.flatMap((kinds, id) => (kinds && kinds.length > 0 ? [] : [id])));
  });

  it('search, filters and sort together', () => {
    const rows = rowsOf(capture, findings);
    const searched = new Set(Array.from(new SearchIndex(capture).ids('miphone')));
    for (const sort of SORT_COLUMNS) {
      const q = query({ search: 'miphone', sort, descending: true, methods: ['post'] });
      const expected = referenceView(rows, q, searched);
      assert.ok(expected.length > 1);
      assert.deepEqual(Array.from(views.view(q).ids), expected, sort);
    }
    assert.deepEqual(Array.from(views.view(query({ search: 'xiaomo' })).ids), [6], 'fuzzy fallback');
    assert.deepEqual(views.lastSearchMatch?.fuzzy, [{ term: 'xiaomo', words: ['xiaomi'] }]);
  });

  it('the findings sort puts the most serious first when descending', () => {
    const ids = Array.from(views.view(query({ sort: 'findings', descending: true })).ids);
    const best = (id: number): number => Math.max(0, ...(findings[id] ?? []).map((k) => RANK[k.confidence]));
    for (let i = 1; i < ids.length; i++) assert.ok(best(ids[i - 1]) >= best(ids[i]));
    assert.deepEqual(ids, referenceView(rowsOf(capture, findings), query({ sort: 'findings', descending: true })));
  });

  it('withFindings keeps the search index and findings-independent work, and uses the new findings', () => {
    views.view(query({ search: 'register', sort: 'host' }));
    const none: Findings = new Array(capture.exchanges.length);
    const rescanned = views.withFindings(none);
    assert.equal(rescanned.columns, views.columns);
    assert.equal(rescanned.columns.search.ready, true, 'no rebuild');
    assert.deepEqual(Array.from(rescanned.view(query({ kinds: ['imei'] })).ids), []);
    assert.equal(rescanned.view(query({ findings: 'without' })).ids.length, capture.exchanges.length);
    assert.deepEqual(rescanned.view(query({ search: 'register', sort: 'host' })).ids, views.view(query({ search: 'register', sort: 'host' })).ids);
  });

  it('refuses columns of another capture', () => {
    const other = loadCapture(readFileSync(SAMPLE), SAMPLE);
    assert.throws(() => new RowViews(other, [], views.columns));
  });
});
