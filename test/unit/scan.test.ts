// The engine against the corpus: every plant that verification says a file holds must be found,
// with the right kind and decode chain, with and without the researcher's known values; no decoy
// may be reported; and the public HARs (no plants) must raise no high-confidence alarm.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadCaptureFile } from '../../extension/core/load/index';
import type { Finding, IdentifierKind } from '../../extension/core/model';
import { fieldsOf, scanCapture, type ScanResult } from '../../extension/core/scan';
import { decodeField } from '../../extension/core/decode/index';
import type { KnownValue } from '../../extension/core/detect/known';
import { corpusFiles, corpusPath, pathOfUrl, recoverablePlants, requestPath, type Plant } from './corpus';

interface Device {
  imei: string; imei2: string; imsi: string; iccid: string; phone: string; email: string; email2: string;
  android_id: string; wifi_mac: string; wifi_bssid: string; bt_mac: string; gaid: string;
}
type GtPlant = Plant & { encoding: string };
const gt = JSON.parse(readFileSync(corpusPath('generated/ground_truth.json'), 'utf8')) as {
  device: Device; decoys: Record<string, string>; plants: GtPlant[]; browser_plants: GtPlant[];
};
const d = gt.device;
const KNOWN: KnownValue[] = [
  { kind: 'imei', value: d.imei }, { kind: 'imei', value: d.imei2 }, { kind: 'imsi', value: d.imsi }, { kind: 'iccid', value: d.iccid },
  { kind: 'phone', value: d.phone }, { kind: 'email', value: d.email }, { kind: 'email', value: d.email2 },
  { kind: 'android_id', value: d.android_id }, { kind: 'mac', value: d.wifi_mac }, { kind: 'mac', value: d.wifi_bssid },
  { kind: 'mac', value: d.bt_mac }, { kind: 'ad_id', value: d.gaid },
];

const KIND_OF: Record<string, IdentifierKind> = {
  imei: 'imei', imsi: 'imsi', iccid: 'iccid', phone: 'phone', email: 'email', mac: 'mac', android_id: 'android_id',
  gaid: 'ad_id', gps: 'geo', telco: 'carrier', imei_md5: 'imei', imei_sha1: 'imei', android_id_sha256: 'android_id', mac_md5: 'mac',
};

const digits = (s: string): string => s.replace(/\D/g, '');

/** Does this finding report this plant: kind, value, and a chain that fits the plant's encoding? */
function reports(f: Finding, plant: Plant & { encoding?: string }, format: string): boolean {
  if (f.kind !== KIND_OF[plant.type]) return false;
  const v = plant.value;
  switch (plant.type) {
    case 'phone': {
      // National numbers are read in the capture's region; compare the subscriber digits.
      const tail = digits(v).slice(-9);
      if (!digits(f.value).endsWith(tail)) return false;
      break;
    }
    case 'gps': {
      const [lat, lon] = v.split(',');
      if (!f.value.includes(lat) || !f.value.includes(lon)) return false;
      break;
    }
    case 'telco':
      if (!f.value.includes(v) && !(v === '46001' && f.value.includes('460-01'))) return false;
      break;
    case 'mac':
      if (f.value !== v.toLowerCase().replace(/-/g, ':')) return false;
      break;
    case 'imei_md5': case 'imei_sha1': case 'android_id_sha256': case 'mac_md5':
      if (f.matchedText.toLowerCase() !== v.toLowerCase() || !f.known || !/^(md5|sha1|sha256)/.test(f.known.variant)) return false;
      return true;
    default:
      if (f.value !== v.toLowerCase()) return false;
  }
  return chainFits(f.chain, plant.location, plant.encoding, format);
}

function chainFits(chain: string[], location: string, encoding: string | undefined, format: string): boolean {
  const text = chain.join(' ');
  switch (location) {
    case 'body.base64json': return /^base64/.test(text);
    case 'body.gzipbase64json': return /^base64 gzip/.test(text);
    case 'body.json': return /json:\$/.test(text);
    case 'body.form': return /^form:/.test(text);
    case 'body.multipart': return /^multipart:/.test(text);
    case 'response.body':
      // tshark keeps the gzip bytes the server sent; HAR producers store the body decoded.
      return !/gzip/.test(encoding ?? '') || format === 'har' || /^gzip/.test(text);
    default: return true;
  }
}

function plantsWithEncoding(key: string): (Plant & { encoding?: string })[] {
  const all = [...gt.plants, ...gt.browser_plants];
  return recoverablePlants(key).map((p) => {
    const source = all.find((g) => g.request === p.request && g.type === p.type && g.key === p.key && g.location === p.location);
    assert.ok(source, `plant ${p.request} ${p.type} ${p.key} is in ground_truth.json`);
    return { ...p, encoding: source.encoding };
  });
}

function missing(key: string, result: ScanResult, capturePaths: string[], format: string): string[] {
  const out: string[] = [];
  for (const plant of plantsWithEncoding(key)) {
    const path = requestPath(plant.request);
    const ids = new Set(capturePaths.flatMap((p, i) => (p === path ? [i] : [])));
    if (!result.findings.some((f) => ids.has(f.exchangeId) && reports(f, plant, format))) {
      out.push(`${plant.request} ${plant.type} ${plant.location} ${plant.value}`);
    }
  }
  return out;
}

const VERIFIED = [
  'har/mitmproxy_hardump.har', 'har/mitmproxy_hardump.zhar', 'har/playwright_chromium_full.har', 'har/playwright_chromium_minimal.har',
  'har/playwright_chromium_omit-content.har', 'har/chrome-har_cdp.har',
  'pcap/telemetry.tshark.json', 'pcap/telemetry.tshark.ek.jsonl',
  'pcap/telemetry_small.tshark.json', 'pcap/telemetry_small.tshark.ek.jsonl', 'pcap/telemetry_small.tshark.x.json',
  'pcap/telemetry_small.tshark.nodupkeys.json', 'pcap/telemetry_small.tshark.jsonraw.json', 'pcap/telemetry_small.tshark.http-only.json',
  'pcap/telemetry_small.tshark.fields-e.json',
];

describe('scan: ground-truth recall on the corpus', () => {
  const recall: string[] = [];
  after(() => {
    console.log(`\n    recall per file (found / recoverable, with known values | without):\n${recall.map((r) => `      ${r}`).join('\n')}`);
  });

  for (const key of VERIFIED) {
    it(`${key}: every recoverable plant is found with its kind and chain, with and without known values`, () => {
      const capture = loadCaptureFile(corpusPath('generated', key));
      const paths = capture.exchanges.map((e) => pathOfUrl(e.request.url));
      const total = plantsWithEncoding(key).length;
      const withKnown = missing(key, scanCapture(capture, { known: KNOWN }), paths, capture.format);
      const without = missing(key, scanCapture(capture), paths, capture.format);
      recall.push(`${key}: ${total - withKnown.length}/${total} | ${total - without.length}/${total}`);
      assert.deepEqual(withKnown, [], `missed with known values in ${key}`);
      assert.deepEqual(without, [], `missed without known values in ${key}`);
    });
  }
});

describe('scan: decoys and false alarms', () => {
  it('no decoy of the ground truth is reported in any generated capture', () => {
    const decoys = Object.values(gt.decoys);
    for (const key of VERIFIED) {
      const result = scanCapture(loadCaptureFile(corpusPath('generated', key)), { known: KNOWN });
      const hits = result.findings.filter((f) => decoys.some((v) => f.value === v || f.matchedText === v || f.matchedText.includes(v)));
      assert.deepEqual(hits.map((f) => `${f.kind} ${f.value} ${f.matchedText}`), [], key);
    }
  });

  it('public HARs (no plants) give no high-confidence finding', () => {
    const files = corpusFiles('public/har', (n) => !/brokenfile|not-json/.test(n));
    const report: string[] = [];
    for (const file of files) {
      const result = scanCapture(loadCaptureFile(file));
      for (const f of result.findings) report.push(`${basename(file)} #${f.exchangeId} ${f.confidence} ${f.kind} ${f.value} (${f.part} ${f.fieldPath})`);
      assert.deepEqual(result.findings.filter((f) => f.confidence === 'high').map((f) => `${f.kind} ${f.value}`), [], basename(file));
    }
    console.log(`\n    findings in public HARs:\n${report.map((r) => `      ${r}`).join('\n') || '      none'}`);
  });
});

describe('scan: reuse of repeated content', () => {
  // Decoding and analysing each distinct content once must be invisible in the results.
  const files = [
    ...VERIFIED.map((key) => corpusPath('generated', key)),
    ...corpusFiles('public/har', (n) => !/brokenfile|not-json/.test(n)),
  ];
  for (const file of files) {
    it(`${basename(file)}: the same findings, limits and summary with and without reuse`, () => {
      const capture = loadCaptureFile(file);
      for (const options of [{}, { known: KNOWN }, { defaultRegion: 'DE' }]) {
        const reused = scanCapture(capture, options);
        const fresh = scanCapture(capture, { ...options, reuse: false });
        assert.deepEqual(reused.findings, fresh.findings);
        assert.deepEqual(reused.limits, fresh.limits);
        assert.deepEqual(reused.summary, fresh.summary);
        assert.equal(reused.stats.leaves, fresh.stats.leaves);
      }
    });
  }

  it('a capture that repeats one request many times gives that request\'s findings at every copy', () => {
    const capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    const single = scanCapture(capture);
    const copies = 5;
    const repeated = { ...capture, exchanges: Array.from({ length: copies }, (_, c) => capture.exchanges.map((e, i) => ({ ...e, id: c * capture.exchanges.length + i }))).flat() };
    const result = scanCapture(repeated);
    assert.equal(result.findings.length, single.findings.length * copies);
    const n = capture.exchanges.length;
    const strip = (f: Finding): unknown => ({ ...f, exchangeId: f.exchangeId % n, known: f.known && { ...f.known, learnedFrom: undefined }, reasons: f.detector === 'learned-value' ? [] : f.reasons });
    const last = result.findings.filter((f) => f.exchangeId >= (copies - 1) * n).map(strip);
    assert.deepEqual(last, single.findings.map(strip));
  });
});

describe('scan: behaviour', () => {
  const capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
  const result = scanCapture(capture);

  it('reads national phone numbers in the region of the capture\'s IMSI (460 → CN)', () => {
    assert.equal(result.summary.defaultRegion, 'CN');
    assert.equal(scanCapture(capture, { defaultRegion: 'US' }).summary.defaultRegion, 'US');
  });

  it('learns high-confidence identifiers and names their hashes elsewhere, saying from where', () => {
    const md5 = result.findings.find((f) => f.fieldPath === 'imei_md5');
    assert.ok(md5, 'md5 of the IMEI attributed');
    assert.equal(md5.kind, 'imei');
    assert.equal(md5.value, d.imei);
    assert.equal(md5.detector, 'learned-value');
    const first = Math.min(...result.findings.filter((f) => f.kind === 'imei' && f.value === d.imei && f.confidence === 'high' && !f.known).map((f) => f.exchangeId));
    assert.equal(md5.known?.learnedFrom?.exchangeId, first, 'learned from the earliest exchange that sent it');
    assert.equal(scanCapture(capture, { learn: false }).findings.some((f) => f.fieldPath === 'imei_md5'), false);
  });

  it('summarises which identifiers went to which hosts over plain HTTP', () => {
    const imeiFlows = result.summary.plainHttp.filter((f) => f.kind === 'imei');
    assert.ok(imeiFlows.some((f) => f.host === 'api.account.miphone.test' && f.values.includes(d.imei)));
    assert.equal(result.summary.flows.filter((f) => f.scheme === 'https').length, 0);
  });

  it('reports one finding per leak, at the deepest decode layer', () => {
    const bind = capture.exchanges.findIndex((e) => e.request.url.endsWith('/account/bind'));
    const imei = result.findings.filter((f) => f.exchangeId === bind && f.value === d.imei);
    assert.equal(imei.length, 1);
    assert.deepEqual(imei[0].chain, ['json:$.imei']);
  });

  it('offsets point at the matched text in the decoded leaf', () => {
    // Decode each field again, independently of the scan, and read the text at the offsets.
    let checked = 0;
    for (const f of result.findings) {
      const field = fieldsOf(capture.exchanges[f.exchangeId]).find((x) => x.part === f.part && x.fieldPath === f.fieldPath);
      assert.ok(field, `field ${f.part} ${f.fieldPath}`);
      const leaves = decodeField(field.input).leaves.filter((l) => l.chain.join('>') === f.chain.join('>'));
      assert.ok(leaves.some((l) => l.text.slice(f.start, f.end) === f.matchedText), `${f.kind} ${f.matchedText} at ${f.start}-${f.end} in ${f.chain.join(' → ') || 'raw'}`);
      checked++;
    }
    assert.ok(checked > 50);
  });

  it('marks known values on findings and finds known values no detector sees', () => {
    const withFree = scanCapture(capture, { known: [...KNOWN, { kind: 'string', value: 'Redmi 1S', label: 'model' }] });
    const model = withFree.findings.filter((f) => f.kind === 'known_value');
    assert.ok(model.length > 0);
    assert.ok(withFree.findings.some((f) => f.kind === 'imei' && f.known?.variant === 'as-is'));
  });
});

describe('scan: coordinates as sibling fields', () => {
  it('pairs latitude and longitude keys under the same parent, including bracketed JSON paths', () => {
    // Keys that are not identifiers give bracketed paths: $['fix data']['gps lat'].
    const body = JSON.stringify({ 'fix data': { 'gps lat': 39.908974, 'gps lng': 116.398468 }, other: { lat: 1.5 } });
    const capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    const exchange = capture.exchanges[8];
    const bytes = new TextEncoder().encode(body);
    exchange.request.body = { ...exchange.request.body!, bytes, isText: true, contentEncoding: [], contentCoding: 'none' };
    const geo = scanCapture({ ...capture, exchanges: [{ ...exchange, id: 0 }] }).findings.filter((f) => f.kind === 'geo');
    assert.deepEqual(geo.map((f) => f.value), ['39.908974,116.398468']);
    assert.equal(geo[0].confidence, 'high');
  });
});
