// What the capture panel is sent: rows with the kinds each exchange leaks, and a findings summary
// that stays bounded whatever the capture holds.
import { displayPath } from '../../extension/core/model';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { loadCapture, loadCaptureFile } from '../../extension/core/load/index';
import type { Capture, Finding, IdentifierKind } from '../../extension/core/model';
import { scanCapture, summarise, type ScanResult } from '../../extension/core/scan';
import {
  captureSummary,
  failedScanView,
  findingsByExchange,
  rowPage,
  rowSummary,
  scanView,
  type ScanView,
} from '../../extension/editor/rows';
import {
  CONFIDENCES,
  FINDING_KINDS,
  MAX_HOST_LENGTH,
  MAX_PLAIN_HTTP_HOSTS_SENT,
  type FindingsSummary,
  type KindCount,
  type RowSummary,
} from '../../extension/protocol';

const CORPUS = process.env.LEAKLENS_CORPUS ?? resolve(process.cwd(), '../shared/corpus');
const SAMPLE = join(CORPUS, 'generated/har/mitmproxy_hardump.har');

/** A capture built from a HAR written here: one GET per URL. */
function harCapture(urls: string[]): Capture {
  const entries = urls.map((url) => ({
    startedDateTime: '2024-05-01T10:00:00.000Z',
    time: 1,
    request: { method: 'GET', url, httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize: 0 },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  }));
  const har = { log: { version: '1.2', creator: { name: 'rows.test', version: '1' }, entries } };
  return loadCapture(Buffer.from(JSON.stringify(har)), 'synthetic.har');
}

/** A finding as the scanner would report it, for building scans by hand. */
function finding(exchangeId: number, kind: IdentifierKind, confidence: Finding['confidence'], value = `${kind}-${exchangeId}`): Finding {
  return {
    exchangeId, part: 'query', fieldPath: kind, chain: [], kind, value, matchedText: value,
    start: 0, end: value.length, confidence, detector: kind, reasons: [],
  };
}

/** A ScanResult around hand-made findings, with the real summary code. */
function resultOf(capture: Capture, findings: Finding[], region = 'US'): ScanResult {
  return { findings, limits: [], summary: summarise(capture, findings, region), stats: { fields: 0, leaves: 0, inputBytes: 0, durationMs: 0 } };
}

function kindsOf(counts: readonly KindCount[]): string[] {
  return counts.map((k) => k.kind).sort();
}

/** Everything the protocol promises to bound about a findings summary. */
function assertBounded(summary: FindingsSummary): void {
  assert.ok(summary.byKind.length <= FINDING_KINDS.length);
  assert.equal(new Set(summary.byKind.map((k) => k.kind)).size, summary.byKind.length, 'one entry per kind');
  assert.ok(summary.plainHttp.length <= MAX_PLAIN_HTTP_HOSTS_SENT);
  assert.ok(summary.plainHttpHostCount >= summary.plainHttp.length);
  for (const host of summary.plainHttp) {
    assert.ok(host.host.length <= MAX_HOST_LENGTH, `host of ${host.host.length} characters`);
    assert.ok(host.kinds.length <= FINDING_KINDS.length);
    for (const k of host.kinds) assertKindCount(k);
  }
  for (const k of summary.byKind) assertKindCount(k);
  assert.match(summary.defaultRegion, /^([A-Z]{2})?$/);
  for (const n of [summary.total, summary.exchangesWithFindings, summary.knownValues, ...Object.values(summary.byConfidence)]) {
    assert.ok(Number.isSafeInteger(n) && n >= 0, String(n));
  }
}

function assertKindCount(k: KindCount): void {
  assert.ok((FINDING_KINDS as readonly string[]).includes(k.kind), k.kind);
  assert.ok((CONFIDENCES as readonly string[]).includes(k.confidence), k.confidence);
  assert.ok(Number.isSafeInteger(k.count) && k.count >= 1);
}

describe('rows and findings for the panel', () => {
  describe('the sample capture (mitmproxy har_dump)', () => {
    let capture: Capture;
    let result: ScanResult;
    let view: ScanView;
    let rows: RowSummary[];

    before(() => {
      capture = loadCaptureFile(SAMPLE);
      result = scanCapture(capture);
      view = scanView(capture, result);
      rows = rowPage(capture, 0, capture.exchanges.length, view.byExchange);
    });

    it('the device registration row carries its badges and is marked plain HTTP', () => {
      const register = rows.filter((r) => r.path.startsWith('/api/v2/device/register'));
      assert.equal(register.length, 1);
      const row = register[0];
      assert.deepEqual(kindsOf(row.findings), ['android_id', 'carrier', 'imei', 'imsi', 'mac']);
      assert.equal(row.secure, false);
      const imei = row.findings.find((k) => k.kind === 'imei');
      // In the query and again in X-Device-Id.
      assert.deepEqual(imei, { kind: 'imei', count: 2, confidence: 'high' });
      for (const k of row.findings) assertKindCount(k);
    });

    it('badges agree with the findings, most serious first', () => {
      for (const row of rows) {
        const own = result.findings.filter((f) => f.exchangeId === row.id);
        assert.equal(row.findings.reduce((n, k) => n + k.count, 0), own.length, `row ${row.id}`);
        assert.deepEqual(kindsOf(row.findings), [...new Set(own.map((f) => f.kind))].sort(), `row ${row.id}`);
        const ranks = row.findings.map((k) => CONFIDENCES.indexOf(k.confidence));
        assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), `row ${row.id} ordered by confidence`);
        for (const k of row.findings) {
          const best = own.filter((f) => f.kind === k.kind).map((f) => CONFIDENCES.indexOf(f.confidence));
          assert.equal(CONFIDENCES.indexOf(k.confidence), Math.min(...best), `row ${row.id} ${k.kind}`);
        }
      }
    });

    it('the summary counts what the scan found', () => {
      const s = view.summary;
      assert.equal(s.total, result.findings.length);
      assert.equal(s.exchangesWithFindings, result.summary.exchangesWithFindings);
      assert.deepEqual(s.byConfidence, result.summary.byConfidence);
      assert.equal(s.defaultRegion, 'CN'); // from the IMSI 460…
      assert.equal(s.regionFromSetting, false);
      assert.equal(s.scanError, '');
      assert.deepEqual(Object.fromEntries(s.byKind.map((k) => [k.kind, k.count])), result.summary.byKind);
      assert.deepEqual(s.byKind.map((k) => k.kind), FINDING_KINDS.filter((k) => result.summary.byKind[k]), 'in FINDING_KINDS order');
      assertBounded(s);
    });

    it('says which hosts got identifiers over plain HTTP: the IMEI stands out', () => {
      const s = view.summary;
      const hosts = new Set(result.summary.plainHttp.map((f) => f.host));
      assert.equal(s.plainHttpHostCount, hosts.size);
      assert.deepEqual(new Set(s.plainHttp.map((h) => h.host)), hosts);
      const account = s.plainHttp.find((h) => h.host === 'api.account.miphone.test');
      assert.ok(account);
      assert.equal(account.kinds[0].kind, 'imei', 'most serious kind first');
      assert.equal(account.kinds[0].confidence, 'high');
      for (const flow of result.summary.plainHttp) {
        const host = s.plainHttp.find((h) => h.host === flow.host);
        assert.equal(host?.kinds.find((k) => k.kind === flow.kind)?.count, flow.count, `${flow.host} ${flow.kind}`);
      }
    });

    it('the init summary carries the findings and stays small', () => {
      const summary = captureSummary(capture, 'mitmproxy_hardump.har', view.summary);
      assert.equal(summary.findings, view.summary);
      assert.ok(JSON.stringify(summary).length < 8_000, `${JSON.stringify(summary).length} characters`);
    });

    it('known values and a region from the settings show in the summary', () => {
      const known = scanCapture(capture, { known: [{ kind: 'imei', value: '868715392756833' }], defaultRegion: 'DE' });
      const s = scanView(capture, known, { knownValues: 1, regionFromSetting: true }).summary;
      assert.equal(s.knownValues, 1);
      assert.equal(s.defaultRegion, 'DE');
      assert.equal(s.regionFromSetting, true);
    });
  });

  describe('rows without a scan', () => {
    it('carry no badges and say whether the request used TLS', () => {
      const capture = harCapture(['http://a.example/x', 'https://b.example/y']);
      const rows = rowPage(capture, 0, 10);
      assert.deepEqual(rows.map((r) => [r.findings, r.secure]), [[[], false], [[], true]]);
      assert.deepEqual(captureSummary(capture, 'x.har').findings.byKind, []);
    });

    it('rowSummary copies the badges rather than sharing them', () => {
      const capture = harCapture(['http://a.example/x']);
      const counts: KindCount[] = [{ kind: 'imei', count: 1, confidence: 'high' }];
      const row = rowSummary(capture.exchanges[0], counts);
      row.findings[0].count = 99;
      assert.equal(counts[0].count, 1);
    });
  });

  describe('bounds', () => {
    it('plain HTTP hosts are capped, the most serious kept, long names cut', () => {
      const urls: string[] = [];
      for (let i = 0; i < 500; i++) urls.push(`http://host${String(i).padStart(3, '0')}.example/collect`);
      urls.push(`http://${'x'.repeat(60)}.${'y'.repeat(60)}.${'z'.repeat(60)}.${'w'.repeat(60)}.${'v'.repeat(60)}.example/p`);
      const capture = harCapture(urls);
      const findings: Finding[] = [];
      for (let i = 0; i < urls.length; i++) {
        // Every host gets low-confidence serials; only host 250 gets a high IMEI.
        for (let n = 0; n < 20; n++) findings.push(finding(i, 'serial', 'low', `s${n}`));
        if (i === 250) findings.push(finding(i, 'imei', 'high'));
      }
      const s = scanView(capture, resultOf(capture, findings)).summary;
      assertBounded(s);
      assert.equal(s.plainHttp.length, MAX_PLAIN_HTTP_HOSTS_SENT);
      assert.equal(s.plainHttpHostCount, urls.length);
      assert.equal(s.plainHttp[0].host, 'host250.example', 'the host with a high-confidence finding comes first');
      assert.ok(JSON.stringify(s).length < 40_000, `${JSON.stringify(s).length} characters`);
    });

    it('a host name longer than any DNS name is cut', () => {
      const longHost = `${'a'.repeat(63)}.`.repeat(40) + 'example';
      const capture = harCapture([`http://${longHost}/p`]);
      const s = scanView(capture, resultOf(capture, [finding(0, 'imei', 'high')])).summary;
      assertBounded(s);
      assert.equal(s.plainHttp[0].host.length, MAX_HOST_LENGTH);
      assert.ok(s.plainHttp[0].host.endsWith('…'));
    });

    it('a row has one badge per kind however many findings it has', () => {
      const capture = harCapture(['http://a.example/x', 'https://b.example/y']);
      const findings: Finding[] = [];
      for (let n = 0; n < 10_000; n++) {
        const kind = FINDING_KINDS[n % FINDING_KINDS.length];
        findings.push(finding(0, kind, n % 7 === 0 ? 'high' : n % 3 === 0 ? 'medium' : 'low', `v${n}`));
      }
      const byExchange = findingsByExchange(findings, capture.exchanges.length);
      const [row, secureRow] = rowPage(capture, 0, 2, byExchange);
      assert.equal(row.findings.length, FINDING_KINDS.length);
      assert.equal(row.findings.reduce((n, k) => n + k.count, 0), 10_000);
      for (const k of row.findings) assertKindCount(k);
      assert.deepEqual(secureRow.findings, []);
      assert.equal(secureRow.secure, true);
      // No plain-HTTP hosts for findings over TLS.
      const s = scanView(capture, resultOf(capture, [finding(1, 'imei', 'high')])).summary;
      assert.deepEqual(s.plainHttp, []);
      assert.equal(s.plainHttpHostCount, 0);
    });

    it('findings that name no exchange of the capture, or an unknown kind, are left out', () => {
      const capture = harCapture(['http://a.example/x']);
      const stray = [finding(5, 'imei', 'high'), finding(-1, 'imei', 'high'), { ...finding(0, 'imei', 'high'), kind: '__proto__' as IdentifierKind }];
      const byExchange = findingsByExchange(stray, capture.exchanges.length);
      assert.equal(byExchange.length, 1);
      assert.equal(byExchange[0], undefined);
      assert.deepEqual(rowPage(capture, 0, 1, byExchange)[0].findings, []);
    });

    it('a region that is not a two-letter code is not sent', () => {
      const capture = harCapture(['http://a.example/x']);
      assert.equal(scanView(capture, resultOf(capture, [], '<img src=x>')).summary.defaultRegion, '');
    });

    it('a failed scan sends its reason, capped, and no findings', () => {
      const capture = harCapture(['http://a.example/x']);
      const view = failedScanView(capture, `The scan failed: ${'x'.repeat(10_000)}`);
      assert.ok(view.summary.scanError.startsWith('The scan failed: '));
      assert.ok(view.summary.scanError.length <= 2000);
      assert.equal(view.summary.total, 0);
      assert.deepEqual(rowPage(capture, 0, 1, view.byExchange)[0].findings, []);
    });
  });

  it('displayPath keeps the path and query exactly as captured', () => {
    assert.equal(displayPath('http://127.0.0.1/api/v2/device/register?imei=1&mac=28%3A6c'), '/api/v2/device/register?imei=1&mac=28%3A6c');
    assert.equal(displayPath('https://example.com'), '/');
  });
});
