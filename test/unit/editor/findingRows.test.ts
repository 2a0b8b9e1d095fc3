// The findings view: which findings a query shows, their order, paging, the caps on each row, and
// that a row's index names the same finding the detail pane lists. Checked against a reference
// written here from the capture and the scan's findings (not from ScanView or RowViews), on
// generated captures full of ties and hostile strings and on real captures with their real scans.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadCapture } from '../../../extension/core/load/index';
import type { Capture, ExchangePart, Finding, IdentifierKind } from '../../../extension/core/model';
import { exchangeHost } from '../../../extension/core/model';
import { scanCapture, summarise, type ScanResult } from '../../../extension/core/scan';
import { SearchIndex } from '../../../extension/core/search';
import { exchangeDetail, MAX_DETAIL_FINDINGS } from '../../../extension/editor/detail';
import { FINDING_ROW_CAPS, FINDING_VIEW_CACHE_SIZE, FindingViews, findingRowsMessage } from '../../../extension/editor/findingRows';
import { RowViews } from '../../../extension/editor/rowQuery';
import { cap, scanView, type ScanView } from '../../../extension/editor/rows';
import { answer, type SessionView } from '../../../extension/editor/session';
import {
  CONFIDENCES,
  defaultRowQuery,
  FINDING_KINDS,
  FINDING_SORT_COLUMNS,
  MAX_HOST_LENGTH,
  MAX_PAGE_SIZE,
  type DetailSectionId,
  type FindingRow,
  type FindingSortColumn,
  type GetFindingRowsRequest,
  type RowQuery,
  type StatusClass,
} from '../../../extension/protocol';
import { corpusPath } from '../corpus';
import { rng } from '../rng';

const SAMPLES = ['generated/har/mitmproxy_hardump.har', 'generated/har/chrome-har_cdp.har'].map((p) => corpusPath(p));

function query(overrides: Partial<RowQuery> = {}): RowQuery {
  return { ...defaultRowQuery(), ...overrides };
}

function resultOf(capture: Capture, findings: Finding[]): ScanResult {
  return { findings, limits: [], summary: summarise(capture, findings, 'US'), stats: { fields: 0, leaves: 0, inputBytes: 0, durationMs: 0 } };
}

function engine(capture: Capture, scan: ScanView): FindingViews {
  return new FindingViews(new RowViews(capture, scan.byExchange), scan);
}

// ---- the reference ----------------------------------------------------------------------------

const SECTIONS: DetailSectionId[] = ['request-headers', 'query', 'request-cookies', 'request-body', 'response-headers', 'response-cookies', 'response-body'];
const SECTION_OF_PART: Record<ExchangePart, DetailSectionId> = {
  url: 'query', query: 'query', request_header: 'request-headers', request_cookie: 'request-cookies', request_body: 'request-body',
  response_header: 'response-headers', response_cookie: 'response-cookies', response_body: 'response-body',
};

/** Every finding of the scan as a row, in exchange-major order (ids are positions in this list). */
function referenceRows(capture: Capture, findings: readonly Finding[]): FindingRow[] {
  const rows: FindingRow[] = [];
  for (const exchange of capture.exchanges) {
    const own = findings.filter((f) => f.exchangeId === exchange.id);
    own.forEach((f, index) => {
      const row: FindingRow = {
        id: rows.length,
        exchangeId: exchange.id,
        index,
        kind: f.kind,
        confidence: f.confidence,
        value: cap(f.value, 256),
        matchedText: cap(f.matchedText, 256),
        host: cap(exchangeHost(exchange), MAX_HOST_LENGTH),
        secure: exchange.secure,
        method: cap(exchange.request.method, 32),
        section: SECTION_OF_PART[f.part],
        fieldPath: cap(f.part === 'url' ? 'URL path' : f.fieldPath, 300),
        chain: f.chain.slice(0, 16).map((s) => cap(s, 200)),
      };
      if (f.known) row.known = { label: cap(f.known.label, 200), variant: cap(f.known.variant, 200), learned: f.known.learnedFrom !== undefined };
      rows.push(row);
    });
  }
  return rows;
}

function statusClass(capture: Capture, id: number): StatusClass | undefined {
  const response = capture.exchanges[id].response;
  if (!response || response.status <= 0) return 'none';
  if (response.status >= 100 && response.status < 600) return `${Math.floor(response.status / 100)}xx` as StatusClass;
  return undefined;
}

/** Does the exchange pass the query's filters (the search aside)? */
function exchangePasses(capture: Capture, rows: FindingRow[], id: number, q: RowQuery): boolean {
  const exchange = capture.exchanges[id];
  const own = rows.filter((r) => r.exchangeId === id);
  if (q.kinds.length > 0 && !own.some((r) => q.kinds.includes(r.kind))) return false;
  if (q.findings === 'with' && own.length === 0) return false;
  if (q.findings === 'without' && own.length > 0) return false;
  if (q.hosts.length > 0 && !q.hosts.includes(cap(exchangeHost(exchange), MAX_HOST_LENGTH))) return false;
  if (q.methods.length > 0 && !q.methods.some((m) => m.toUpperCase() === cap(exchange.request.method.toUpperCase(), 32))) return false;
  if (q.statuses.length > 0) {
    const c = statusClass(capture, id);
    if (c === undefined || !q.statuses.includes(c)) return false;
  }
  if (q.scheme === 'http' && exchange.secure) return false;
  if (q.scheme === 'https' && !exchange.secure) return false;
  return true;
}

function primary(row: FindingRow, sort: FindingSortColumn): (string | number)[] {
  switch (sort) {
    case 'exchange': return [row.exchangeId];
    case 'kind': return [FINDING_KINDS.indexOf(row.kind)];
    case 'value': return [row.value];
    case 'confidence': return [CONFIDENCES.indexOf(row.confidence)];
    case 'host': return [row.host];
    case 'where': return [SECTIONS.indexOf(row.section), row.fieldPath];
  }
}

function compareKeys(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

function referenceView(capture: Capture, rows: FindingRow[], q: RowQuery, sort: FindingSortColumn, descending: boolean, searched?: Set<number>): FindingRow[] {
  const shown = new Set(capture.exchanges.map((e) => e.id).filter((id) => exchangePasses(capture, rows, id, q) && (!searched || searched.has(id))));
  const kept = rows.filter((r) => shown.has(r.exchangeId) && (q.kinds.length === 0 || q.kinds.includes(r.kind)));
  return kept.sort((a, b) => (descending ? -1 : 1) * compareKeys(primary(a, sort), primary(b, sort)) || a.id - b.id);
}

function wholeView(views: FindingViews, q: RowQuery, sort: FindingSortColumn, descending: boolean): FindingRow[] {
  const { ids } = views.view(q, sort, descending);
  const rows: FindingRow[] = [];
  for (let offset = 0; offset < ids.length; offset += MAX_PAGE_SIZE) rows.push(...views.page(ids, offset, MAX_PAGE_SIZE));
  return rows;
}

// ---- generated captures -----------------------------------------------------------------------

const PARTS: ExchangePart[] = ['url', 'query', 'request_header', 'request_cookie', 'request_body', 'response_header', 'response_cookie', 'response_body'];

/**
 * Exchanges with repeated hosts, methods and statuses, and findings with repeated kinds, values,
 * confidences and places (many ties), interleaved across exchanges in the scan's list, some of
 * them hostile: huge values, a host and method far over the caps, a chain of 40 long steps.
 */
function generated(seed: number, count: number): { capture: Capture; findings: Finding[] } {
  const r = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
  const har = {
    log: {
      version: '1.2',
      creator: { name: 'findingRows.test', version: '1' },
      entries: Array.from({ length: count }, (_, id) => {
        const secure = r() < 0.5;
        const host = id === 3 ? `${'h'.repeat(400)}.test` : pick(['a.test', 'b.test', 'c.test', 'B.test']);
        return {
          startedDateTime: '2024-05-01T10:00:00.000Z',
          time: 1,
          request: {
            method: id === 5 ? 'X'.repeat(500) : pick(['GET', 'post', 'PUT']),
            url: `${secure ? 'https' : 'http'}://${host}/p${id % 4}?q=${pick(['alpha', 'beta', 'gamma'])}`,
            httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0,
          },
          response: { status: pick([200, 204, 404, 500]), statusText: '', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize: 0 },
          cache: {},
          timings: { send: 0, wait: 1, receive: 0 },
        };
      }),
    },
  };
  const capture = loadCapture(Buffer.from(JSON.stringify(har)), 'generated.har');
  const findings: Finding[] = [];
  for (let id = 0; id < count; id++) {
    if (r() < 0.25 && id !== 3 && id !== 5) continue; // exchanges without findings (3 and 5, the hostile ones, have some)
    const n = 1 + Math.floor(r() * 6);
    for (let j = 0; j < n; j++) {
      const kind = pick(FINDING_KINDS) as IdentifierKind;
      const value = r() < 0.05 ? `${pick(['v', 'w'])}${'9'.repeat(1000)}${j}` : pick(['111', '222', '333', 'abc', 'ABC', 'é', '']);
      const f: Finding = {
        exchangeId: id,
        part: pick(PARTS),
        fieldPath: r() < 0.05 ? `$.${'k'.repeat(600)}` : pick(['imei', 'X-Id', '$.a', '$.b', 'body']),
        chain: r() < 0.05 ? Array.from({ length: 40 }, (_, s) => `json:$.${'s'.repeat(300)}${s}`) : pick([[], ['base64'], ['base64', 'gzip', 'json:$.a']]),
        kind,
        value,
        matchedText: r() < 0.05 ? 'm'.repeat(5000) : value,
        start: 0,
        end: value.length,
        confidence: pick(CONFIDENCES),
        detector: kind,
        reasons: [],
      };
      if (r() < 0.1) f.known = { label: r() < 0.5 ? 'L'.repeat(1000) : 'my phone', variant: 'md5', ...(r() < 0.5 ? { learnedFrom: { exchangeId: 0, kind: 'imei' as const } } : {}) };
      findings.push(f);
    }
  }
  // Scan order: within an exchange as listed; across exchanges interleaved (a stable shuffle by exchange).
  const shuffled = findings.map((f, i) => ({ f, k: r(), i }));
  const keyOf = new Map<number, number>();
  for (const s of shuffled) if (!keyOf.has(s.f.exchangeId)) keyOf.set(s.f.exchangeId, s.k);
  shuffled.sort((a, b) => (keyOf.get(a.f.exchangeId) ?? 0) - (keyOf.get(b.f.exchangeId) ?? 0) || a.i - b.i);
  return { capture, findings: shuffled.map((s) => s.f) };
}

function randomQuery(r: () => number, capture: Capture): RowQuery {
  const some = <T>(list: readonly T[], p: number): T[] => (r() < p ? list.filter(() => r() < 0.4) : []);
  const hosts = [...new Set(capture.exchanges.map((e) => cap(exchangeHost(e), MAX_HOST_LENGTH)))];
  return query({
    // The table's sort and direction: ignored by the findings view.
    sort: r() < 0.5 ? 'id' : 'host',
    descending: r() < 0.5,
    kinds: some(FINDING_KINDS, 0.5),
    hosts: some([...hosts, 'not.in.capture'], 0.3),
    methods: some(['GET', 'POST', 'put', 'TRACE'], 0.3),
    statuses: some(['2xx', '4xx', '5xx', 'none'] as StatusClass[], 0.3),
    scheme: r() < 0.6 ? 'any' : r() < 0.5 ? 'http' : 'https',
    findings: r() < 0.6 ? 'any' : r() < 0.5 ? 'with' : 'without',
  });
}

describe('findings view: generated captures against a reference', () => {
  const { capture, findings } = generated(7, 300);
  const scan = scanView(capture, resultOf(capture, findings));
  const rows = referenceRows(capture, findings);

  it('the generated scan is rich in ties and hostile strings', () => {
    assert.equal(rows.length, findings.length);
    assert.ok(rows.length > 500, `${rows.length} findings`);
    for (const c of CONFIDENCES) assert.ok(rows.some((r) => r.confidence === c), c);
    assert.ok(findings.some((f) => f.chain.length > 16) && findings.some((f) => f.value.length > 256) && findings.some((f) => f.part === 'url'));
  });

  it('every sort, ascending and descending: ties in capture order, descending reverses the primary key only', () => {
    const views = engine(capture, scan);
    for (const sort of FINDING_SORT_COLUMNS) {
      for (const descending of [false, true]) {
        const got = wholeView(views, query(), sort, descending);
        assert.deepEqual(got, referenceView(capture, rows, query(), sort, descending), `${sort} ${descending ? 'desc' : 'asc'}`);
        for (let i = 1; i < got.length; i++) {
          const c = compareKeys(primary(got[i - 1], sort), primary(got[i], sort));
          assert.ok(descending ? c >= 0 : c <= 0, `${sort} out of order at ${i}`);
          if (c === 0) assert.ok(got[i - 1].id < got[i].id, `${sort} tie at ${i} not in capture order`);
        }
      }
    }
  });

  it('exchange order is capture order, then scan order; ascending confidence is the most serious first', () => {
    const views = engine(capture, scan);
    assert.deepEqual(Array.from(views.view(query(), 'exchange', false).ids), rows.map((r) => r.id));
    const byConfidence = wholeView(views, query(), 'confidence', false);
    assert.equal(byConfidence[0].confidence, 'high');
    assert.equal(byConfidence[byConfidence.length - 1].confidence, 'low');
    const later = wholeView(views, query(), 'exchange', true);
    assert.equal(later[0].exchangeId, rows[rows.length - 1].exchangeId);
    assert.equal(later[0].index, 0, 'the last exchange first, its findings in scan order');
  });

  it('filters: random queries and sorts equal the reference', () => {
    const views = engine(capture, scan);
    const r = rng(99);
    for (let i = 0; i < 150; i++) {
      const q = randomQuery(r, capture);
      const sort = FINDING_SORT_COLUMNS[Math.floor(r() * FINDING_SORT_COLUMNS.length)];
      const descending = r() < 0.5;
      const expected = referenceView(capture, rows, q, sort, descending);
      assert.equal(views.view(q, sort, descending).ids.length, expected.length);
      assert.deepEqual(wholeView(views, q, sort, descending), expected, JSON.stringify([q, sort, descending]));
    }
  });

  it('a search (whitespace terms, host:) keeps the findings of the exchanges it matches', () => {
    const views = engine(capture, scan);
    const index = new SearchIndex(capture);
    for (const search of ['beta', 'host:b.test', 'gamma host:a.test']) {
      const searched = new Set(Array.from(index.ids(search)));
      assert.ok(searched.size > 0 && searched.size < capture.exchanges.length, search);
      for (const sort of ['exchange', 'value'] as const) {
        const q = query({ search, kinds: ['imei', 'phone', 'email', 'geo'] });
        assert.deepEqual(wholeView(views, q, sort, true), referenceView(capture, rows, q, sort, true, searched), `${search} ${sort}`);
      }
    }
  });

  it('paging: pages put together are the whole view; past the end is empty', () => {
    const views = engine(capture, scan);
    const q = query({ findings: 'with', scheme: 'https' });
    const whole = wholeView(views, q, 'value', true);
    const { ids } = views.view(q, 'value', true);
    for (const limit of [1, 7, 100, MAX_PAGE_SIZE]) {
      const pages: FindingRow[] = [];
      for (let offset = 0; offset < ids.length; offset += limit) {
        const page = views.page(ids, offset, limit);
        assert.equal(page.length, Math.min(limit, ids.length - offset));
        pages.push(...page);
      }
      assert.deepEqual(pages, whole, `limit ${limit}`);
    }
    assert.deepEqual(views.page(ids, ids.length, 10), []);
    assert.deepEqual(views.page(ids, ids.length + 500, 10), []);
    assert.equal(views.page(ids, 0, MAX_PAGE_SIZE * 10).length, Math.min(ids.length, MAX_PAGE_SIZE), 'never more than a page');
  });

  it('rows cap every string and chain, whatever the capture holds', () => {
    const views = engine(capture, scan);
    const all = wholeView(views, query(), 'exchange', false);
    assert.ok(all.some((r) => r.host.length === MAX_HOST_LENGTH && r.host.endsWith('…')));
    assert.ok(all.some((r) => r.method.length === FINDING_ROW_CAPS.method));
    assert.ok(all.some((r) => r.chain.length === FINDING_ROW_CAPS.steps));
    assert.ok(all.some((r) => r.fieldPath === 'URL path'));
    for (const r of all) {
      assert.ok(r.value.length <= FINDING_ROW_CAPS.value && r.matchedText.length <= FINDING_ROW_CAPS.matchedText);
      assert.ok(r.host.length <= MAX_HOST_LENGTH && r.method.length <= FINDING_ROW_CAPS.method);
      assert.ok(r.fieldPath.length <= FINDING_ROW_CAPS.fieldPath);
      assert.ok(r.chain.length <= FINDING_ROW_CAPS.steps && r.chain.every((s) => s.length <= FINDING_ROW_CAPS.step));
      if (r.known) assert.ok(r.known.label.length <= FINDING_ROW_CAPS.label && r.known.variant.length <= FINDING_ROW_CAPS.label);
    }
    const page = JSON.stringify(views.page(views.view(query(), 'value', true).ids, 0, MAX_PAGE_SIZE));
    assert.ok(page.length < 1500 * MAX_PAGE_SIZE, `a page of ${page.length} characters`);
  });

  it('views are cached by a canonical key; the table sort does not matter; LRU of FINDING_VIEW_CACHE_SIZE', () => {
    const views = engine(capture, scan);
    const first = views.view(query({ kinds: ['imei', 'phone'], hosts: ['b.test', 'a.test'] }), 'kind', false);
    const again = views.view(query({ kinds: ['phone', 'imei', 'phone'], hosts: ['a.test', 'b.test'], sort: 'path', descending: true }), 'kind', false);
    assert.equal(again.ids, first.ids);
    assert.equal(again.queryMs, 0);
    assert.notEqual(views.view(query({ kinds: ['imei', 'phone'], hosts: ['a.test', 'b.test'] }), 'kind', true).ids, first.ids, 'direction is part of the key');
    for (let i = 0; i < FINDING_VIEW_CACHE_SIZE; i++) views.view(query({ search: `term${i}` }), 'exchange', false);
    assert.notEqual(views.view(query({ kinds: ['imei', 'phone'], hosts: ['a.test', 'b.test'] }), 'kind', false).ids, first.ids, 'evicted');
  });

  it('a rescan gives new findings: a new engine, the old one unchanged', () => {
    const views = engine(capture, scan);
    const before = wholeView(views, query(), 'exchange', false);
    const fewer = findings.filter((f) => f.kind !== 'imei');
    const rescan = scanView(capture, resultOf(capture, fewer));
    const after = engine(capture, rescan);
    assert.equal(after.count, fewer.length);
    assert.deepEqual(wholeView(after, query(), 'kind', false), referenceView(capture, referenceRows(capture, fewer), query(), 'kind', false));
    assert.deepEqual(wholeView(views, query(), 'exchange', false), before);
  });

  it('an exchange with more findings than the detail lists still gets a row for each', () => {
    const { capture: small } = generated(3, 4);
    const many: Finding[] = Array.from({ length: MAX_DETAIL_FINDINGS + 5 }, (_, i) => ({
      exchangeId: 1, part: 'query', fieldPath: `p${i}`, chain: [], kind: 'imei', value: `${i}`, matchedText: `${i}`,
      start: 0, end: 1, confidence: 'high', detector: 'imei', reasons: [],
    }));
    const views = engine(small, scanView(small, resultOf(small, many)));
    const { ids } = views.view(query(), 'exchange', false);
    assert.equal(ids.length, many.length);
    const last = views.page(ids, ids.length - 1, 1)[0];
    assert.deepEqual([last.exchangeId, last.index, last.fieldPath], [1, many.length - 1, `p${many.length - 1}`]);
  });

  it('200k findings: every sort and a filtered view hold them all (speed is measured by npm run bench, not here)', function () {
    this.timeout(60_000);
    const { capture: big } = generated(11, 20_000);
    const r = rng(5);
    const lots: Finding[] = [];
    for (let id = 0; id < big.exchanges.length; id++) {
      for (let j = 0; j < 10; j++) {
        const value = String(Math.floor(r() * 50_000));
        lots.push({
          exchangeId: id, part: PARTS[j % PARTS.length], fieldPath: `f${j}`, chain: [], kind: FINDING_KINDS[(id + j) % FINDING_KINDS.length],
          value, matchedText: value, start: 0, end: value.length, confidence: CONFIDENCES[j % 3], detector: 'x', reasons: [],
        });
      }
    }
    const views = engine(big, scanView(big, resultOf(big, lots)));
    for (const sort of FINDING_SORT_COLUMNS) {
      for (const descending of [false, true]) assert.equal(views.view(query(), sort, descending).ids.length, lots.length);
    }
    const filtered = views.view(query({ kinds: ['imei'], scheme: 'http' }), 'value', true);
    assert.ok(filtered.ids.length > 0 && filtered.ids.length < lots.length);
  });
});

// ---- real captures ------------------------------------------------------------------------------

describe('findings view: real captures and their scans', () => {
  for (const file of SAMPLES) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    describe(name, () => {
      let capture: Capture;
      let result: ScanResult;
      let scan: ScanView;
      let rows: FindingRow[];

      before(() => {
        capture = loadCapture(readFileSync(file), file);
        result = scanCapture(capture, { known: [{ kind: 'imei', value: '868715392756833', label: 'test phone' }] });
        scan = scanView(capture, result);
        rows = referenceRows(capture, result.findings);
        assert.ok(rows.length > 50);
      });

      it('queries (search, host, kinds, with/without) and every sort equal the reference', () => {
        const views = engine(capture, scan);
        assert.equal(views.count, result.findings.length);
        const index = new SearchIndex(capture);
        const queries: [RowQuery, Set<number> | undefined][] = [
          [query(), undefined],
          [query({ search: 'miphone' }), new Set(Array.from(index.ids('miphone')))],
          [query({ search: 'contacts' }), new Set(Array.from(index.ids('contacts')))],
          [query({ hosts: ['api.account.miphone.test'] }), undefined],
          [query({ kinds: ['imei', 'mac'] }), undefined],
          [query({ kinds: ['phone'], hosts: ['api.account.miphone.test', 'data.stat.miphone.test'], methods: ['post'] }), undefined],
          [query({ findings: 'with' }), undefined],
          [query({ findings: 'without' }), undefined],
          [query({ scheme: 'https' }), undefined],
        ];
        for (const [q, searched] of queries) {
          for (const sort of FINDING_SORT_COLUMNS) {
            for (const descending of [false, true]) {
              const expected = referenceView(capture, rows, q, sort, descending, searched);
              assert.deepEqual(wholeView(views, q, sort, descending), expected, JSON.stringify([q, sort, descending]));
            }
          }
        }
        assert.equal(views.view(query({ findings: 'without' }), 'exchange', false).ids.length, 0);
        assert.ok(views.view(query({ kinds: ['imei'] }), 'exchange', false).ids.length > 3);
        assert.ok(wholeView(views, query(), 'exchange', false).some((r) => r.known?.label === 'test phone'));
      });

      it("a row's index is the same finding in the exchange's detail", () => {
        const views = engine(capture, scan);
        const details = new Map<number, ReturnType<typeof exchangeDetail>>();
        for (const row of wholeView(views, query(), 'value', false)) {
          let detail = details.get(row.exchangeId);
          if (!detail) details.set(row.exchangeId, (detail = exchangeDetail(capture.exchanges[row.exchangeId], scan.findingsOf(row.exchangeId))));
          const d = detail.findings[row.index];
          assert.ok(d, `#${row.exchangeId}[${row.index}]`);
          assert.deepEqual(
            [row.kind, row.confidence, row.value, row.matchedText, row.section, row.fieldPath, row.chain, row.known],
            [d.kind, d.confidence, cap(d.value, 256), cap(d.matchedText, 256), d.section, cap(d.fieldPath, 300), d.chain.slice(0, 16).map((s) => cap(s, 200)), d.known],
          );
        }
      });
    });
  }
});

// ---- through the session ------------------------------------------------------------------------

describe('findings view: through answer()', () => {
  function request(overrides: Partial<GetFindingRowsRequest> = {}): GetFindingRowsRequest {
    return { type: 'getFindingRows', requestId: 41, query: query(), sort: 'exchange', descending: false, offset: 0, limit: 50, ...overrides };
  }

  it('answers pages of the view; no scan: an empty view; a rescan: the new findings', async () => {
    const capture = loadCapture(readFileSync(SAMPLES[0]), SAMPLES[0]);
    const result = scanCapture(capture);
    const rows = referenceRows(capture, result.findings);
    const view: SessionView = { fileName: 'mitmproxy_hardump.har', capture, loadError: undefined, scan: undefined };

    const empty = await answer(view, request());
    assert.deepEqual(empty, { type: 'findingRows', requestId: 41, offset: 0, total: 0, findingCount: 0, scanned: false, queryMs: 0, searchNote: '', rows: [] });

    view.scan = scanView(capture, result);
    const q = query({ kinds: ['imei', 'phone'], sort: 'status', descending: true });
    const expected = referenceView(capture, rows, q, 'confidence', true);
    const first = await answer(view, request({ query: q, sort: 'confidence', descending: true, limit: 10 }));
    assert.equal(first.type, 'findingRows');
    if (first.type !== 'findingRows') return;
    assert.deepEqual([first.requestId, first.offset, first.total, first.findingCount], [41, 0, expected.length, rows.length]);
    assert.deepEqual(first.rows, expected.slice(0, 10));
    const second = await answer(view, request({ query: q, sort: 'confidence', descending: true, offset: 10, limit: 10 }));
    assert.ok(second.type === 'findingRows' && second.queryMs === 0, 'the cached view');
    assert.deepEqual(second.type === 'findingRows' && second.rows, expected.slice(10, 20));

    const fewer = result.findings.filter((f) => f.kind !== 'phone');
    view.scan = scanView(capture, resultOf(capture, fewer));
    const rescanned = await answer(view, request({ query: q, sort: 'confidence', descending: true, limit: 1000 }));
    assert.ok(rescanned.type === 'findingRows');
    assert.deepEqual([rescanned.total, rescanned.findingCount], [fewer.filter((f) => f.kind === 'imei').length, fewer.length]);
    assert.deepEqual(rescanned.rows, referenceView(capture, referenceRows(capture, fewer), q, 'confidence', true));

    assert.deepEqual(findingRowsMessage(undefined, request({ offset: 5 })).rows, []);
  });
});
