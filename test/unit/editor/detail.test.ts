// The detail pane's model: every finding highlighted on exactly its characters — in the decoded
// layer that holds it and on the encoded run outside — through pretty-printing, JSON escapes,
// percent-encoding, duplicate keys, base64 and gzip, JWTs and hex dumps; every finding of the
// corpus placed; and a hostile exchange kept fast and small.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCapture, loadCaptureFile } from '../../../extension/core/load/index';
import type { Capture, Finding } from '../../../extension/core/model';
import { scanCapture } from '../../../extension/core/scan';
import { exchangeDetail, layerText, MAX_DETAIL_FINDINGS, URL_PATH_FIELD } from '../../../extension/editor/detail';
import type { DetailLayer, DetailSectionId, ExchangeDetail } from '../../../extension/protocol';
import { corpusFiles } from '../corpus';

const IMEI = '868715392756833';
const IMEI2 = '868715396536777';

interface EntrySpec {
  method?: string;
  url?: string;
  headers?: { name: string; value: string }[];
  body?: string;
  mime?: string;
  responseBody?: string;
  responseBase64?: boolean;
}

function har(entries: EntrySpec[]): Capture {
  const doc = {
    log: {
      version: '1.2', creator: { name: 'test', version: '1' },
      entries: entries.map((e) => ({
        startedDateTime: '2024-01-01T00:00:00.000Z', time: 12,
        request: {
          method: e.method ?? (e.body !== undefined ? 'POST' : 'GET'), url: e.url ?? 'https://api.test/p', httpVersion: 'HTTP/1.1',
          headers: e.headers ?? [], queryString: [], cookies: [], headersSize: -1, bodySize: -1,
          ...(e.body !== undefined ? { postData: { mimeType: e.mime ?? 'application/json', text: e.body } } : {}),
        },
        response: {
          status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], redirectURL: '', headersSize: -1, bodySize: -1,
          content: e.responseBody !== undefined
            ? { size: -1, mimeType: 'application/octet-stream', text: e.responseBody, ...(e.responseBase64 ? { encoding: 'base64' } : {}) }
            : { size: 0, mimeType: '' },
        },
        cache: {}, timings: { blocked: -1, dns: 2, connect: 3, ssl: -1, send: 1, wait: 5, receive: 1 },
        serverIPAddress: '192.0.2.1',
      })),
    },
  };
  return loadCapture(Buffer.from(JSON.stringify(doc)), 'test.har');
}

/** The detail of each exchange with its own findings. */
function details(capture: Capture): { detail: ExchangeDetail; findings: Finding[] }[] {
  const scan = scanCapture(capture);
  return capture.exchanges.map((ex) => {
    const findings = scan.findings.filter((f) => f.exchangeId === ex.id);
    return { detail: exchangeDetail(ex, findings, { format: capture.format }), findings };
  });
}

function layerOf(detail: ExchangeDetail, section: DetailSectionId, field: number, layer: number): DetailLayer {
  const s = detail.sections.find((x) => x.id === section);
  assert.ok(s, `section ${section}`);
  return s.fields[field].layers[layer];
}

/** Every highlighted text of finding `i`, as [layer chain, text]. */
function highlighted(detail: ExchangeDetail, i: number): [string, string][] {
  const f = detail.findings[i];
  const out: [string, string][] = [];
  for (const p of f.places) {
    const layer = layerOf(detail, f.section, p.field, p.layer);
    for (const h of layer.highlights) if (h.finding === i) out.push([layer.chain.join(' → '), layer.text.slice(h.start, h.end)]);
  }
  return out;
}

function findingIndex(detail: ExchangeDetail, test: (f: ExchangeDetail['findings'][number]) => boolean): number {
  const i = detail.findings.findIndex(test);
  assert.ok(i !== -1, 'finding present');
  return i;
}

/** Highlights sorted, non-overlapping, inside the text; places and highlights agree. */
function checkInvariants(detail: ExchangeDetail): void {
  const placed = new Map<number, Set<string>>();
  for (const section of detail.sections) {
    section.fields.forEach((field, fi) => field.layers.forEach((layer, li) => {
      let end = 0;
      for (const h of layer.highlights) {
        assert.ok(h.start >= end && h.end > h.start && h.end <= layer.text.length, `highlight ${h.start}-${h.end} in ${section.id}`);
        assert.ok(h.finding >= 0 && h.finding < detail.findings.length);
        assert.equal(detail.findings[h.finding].section, section.id);
        end = h.end;
        let set = placed.get(h.finding);
        if (!set) placed.set(h.finding, (set = new Set()));
        set.add(`${fi}/${li}`);
      }
    }));
  }
  detail.findings.forEach((f, i) => {
    assert.deepEqual(new Set(f.places.map((p) => `${p.field}/${p.layer}`)), placed.get(i) ?? new Set(), `places of finding ${i}`);
  });
}

describe('editor/detail', () => {
  it('highlights an IMEI in a JSON body, compact or already indented, in the pretty-printed text', () => {
    const [compact, indented] = details(har([
      { body: `{"device":{"imei":"${IMEI}","n":1}}` },
      { body: `{\n        "device" : {\n            "imei" :   "${IMEI}"\n        }\n}` },
    ]));
    for (const { detail } of [compact, indented]) {
      checkInvariants(detail);
      const layer = layerOf(detail, 'request-body', 0, 0);
      assert.equal(layer.view, 'json');
      assert.deepEqual(layer.chain, []);
      assert.equal(layer.text, `{\n  "device": {\n    "imei": "${IMEI}"${detail === compact.detail ? ',\n    "n": 1' : ''}\n  }\n}`);
      const i = findingIndex(detail, (f) => f.kind === 'imei');
      assert.deepEqual(detail.findings[i].chain, ['json:$.device.imei']);
      assert.equal(detail.findings[i].fieldPath, 'body');
      assert.deepEqual(highlighted(detail, i), [['', IMEI]]);
    }
  });

  it('shows base64(gzip(JSON)) as its decoded JSON, the value highlighted there and the base64 run outside', () => {
    const json = `{"imei":"${IMEI}","n":1}`;
    const encoded = gzipSync(Buffer.from(json)).toString('base64');
    const [{ detail }] = details(har([{ body: `payload ${encoded} end`, mime: 'text/plain' }]));
    checkInvariants(detail);
    const body = detail.sections.find((s) => s.id === 'request-body');
    assert.ok(body);
    assert.match(body.title, /^Request body \(text\/plain, \d+ B\)$/);
    const layers = body.fields[0].layers;
    assert.deepEqual(layers.map((l) => [l.chain, l.view]), [[[], 'text'], [['base64', 'gzip'], 'json']]);
    const i = findingIndex(detail, (f) => f.kind === 'imei');
    assert.deepEqual(detail.findings[i].chain, ['base64', 'gzip', 'json:$.imei']);
    assert.deepEqual(highlighted(detail, i), [['', encoded], ['base64 → gzip', IMEI]]);
    // Copying the decoded layer gives the whole pretty JSON.
    assert.deepEqual(JSON.parse(layerText(capture1(), 'request-body', 0, 1) ?? ''), JSON.parse(json));
    function capture1(): Capture['exchanges'][number] {
      return har([{ body: `payload ${encoded} end`, mime: 'text/plain' }]).exchanges[0];
    }
  });

  it('past its decoding time budget, the details show the remaining fields raw and say why (bodies as text)', () => {
    const json = `{"imei":"${IMEI}","n":1}`;
    const encoded = gzipSync(Buffer.from(json)).toString('base64');
    const capture = har([{ headers: [{ name: 'X-Blob', value: encoded }], body: `payload ${encoded} end`, mime: 'text/plain' }]);
    const findings = scanCapture(capture).findings;
    const spent = exchangeDetail(capture.exchanges[0], findings, { decodeBudgetMs: 0 });
    checkInvariants(spent);
    for (const id of ['request-headers', 'request-body'] as const) {
      const section = spent.sections.find((s) => s.id === id);
      assert.ok(section, id);
      const field = id === 'request-headers' ? section.fields.findIndex((f) => f.name === 'X-Blob') : 0;
      assert.ok(field >= 0);
      assert.equal(section.fields[field].layers.length, 1, `${id}: only the raw layer`);
      assert.equal(section.fields[field].layers[0].view, 'text', `${id}: shown as text`);
      assert.ok(section.fields[field].layers[0].text.includes(encoded), `${id}: the raw value is there`);
      assert.ok(section.notes.some((n) => /not decoded here: the time these details may spend decoding/.test(n)), `${id}: ${section.notes.join(' | ')}`);
    }
    // With time to spend, the same fields are decoded.
    const decoded = exchangeDetail(capture.exchanges[0], findings);
    assert.ok(decoded.sections.find((s) => s.id === 'request-body')?.fields[0].layers.some((l) => l.chain.join('>') === 'base64>gzip'));
  });

  it('finds a form value through its percent-encoding', () => {
    const [{ detail }] = details(har([{ body: `a=1&email=li.wei.2706%40example.com&imei=${IMEI}&name=A+B`, mime: 'application/x-www-form-urlencoded' }]));
    checkInvariants(detail);
    const email = findingIndex(detail, (f) => f.kind === 'email');
    assert.deepEqual(detail.findings[email].chain, ['form:email']);
    assert.deepEqual(highlighted(detail, email), [['', 'li.wei.2706%40example.com']]);
    assert.deepEqual(highlighted(detail, findingIndex(detail, (f) => f.kind === 'imei')), [['', IMEI]]);
  });

  it('finds form values among runs of empty fields (`&&&…`, a quadratic case once) and after them', () => {
    const body = `imei=${IMEI}${'&'.repeat(200_000)}x=1&email=li.wei.2706%40example.com`;
    const [{ detail }] = details(har([{ body, mime: 'application/x-www-form-urlencoded' }]));
    checkInvariants(detail);
    assert.deepEqual(highlighted(detail, findingIndex(detail, (f) => f.kind === 'imei')), [['', IMEI]]);
    assert.deepEqual(highlighted(detail, findingIndex(detail, (f) => f.kind === 'email')), [['', 'li.wei.2706%40example.com']]);
  });

  it('places query parameters, the URL path and headers in their fields', () => {
    const [{ detail }] = details(har([{
      url: `https://api.test/dev/${IMEI}/x?imei=${IMEI}&q=1`,
      headers: [{ name: 'User-Agent', value: 'test' }, { name: 'X-Device-Id', value: IMEI }, { name: 'X-Info', value: `imei%3D${IMEI2}%26a%3Db` }],
    }]));
    checkInvariants(detail);
    const query = detail.sections.find((s) => s.id === 'query');
    assert.ok(query);
    assert.deepEqual(query.fields.map((f) => f.name), [URL_PATH_FIELD, 'imei', 'q']);
    const path = findingIndex(detail, (f) => f.section === 'query' && f.fieldPath === URL_PATH_FIELD);
    assert.deepEqual(detail.findings[path].places, [{ field: 0, layer: 0 }]);
    assert.deepEqual(highlighted(detail, path), [['', IMEI]]);
    const param = findingIndex(detail, (f) => f.section === 'query' && f.fieldPath === 'imei');
    assert.deepEqual(detail.findings[param].places, [{ field: 1, layer: 0 }]);
    const header = findingIndex(detail, (f) => f.section === 'request-headers' && f.fieldPath === 'X-Device-Id');
    assert.deepEqual(detail.findings[header].places, [{ field: 1, layer: 0 }]);
    assert.deepEqual(highlighted(detail, header), [['', IMEI]]);
    // Percent-decoded: exact characters in the decoded layer and in the raw value.
    const info = findingIndex(detail, (f) => f.fieldPath === 'X-Info');
    assert.deepEqual(detail.findings[info].chain, ['url', 'form:imei']);
    assert.deepEqual(highlighted(detail, info), [['', IMEI2], ['url', IMEI2]]);
    const raw = layerOf(detail, 'request-headers', 2, 0);
    const h = raw.highlights.find((x) => x.finding === info);
    assert.equal(h?.start, 'imei%3D'.length);
  });

  it('maps through JSON escapes before and inside the value, and JSON inside a JSON string', () => {
    const [plain, nested] = details(har([
      { body: `{"note":"a\\"b\\\\c\\u00e9 \\n","imei":"8687153927\\u00356833"}` },
      { body: `{"data":"{\\"x\\":\\"\\\\u0041\\",\\"imei\\":\\"${IMEI}\\"}"}` },
    ]));
    checkInvariants(plain.detail);
    const i = findingIndex(plain.detail, (f) => f.kind === 'imei');
    assert.equal(plain.detail.findings[i].matchedText, IMEI);
    assert.deepEqual(highlighted(plain.detail, i), [['', '8687153927\\u00356833']]);
    checkInvariants(nested.detail);
    const j = findingIndex(nested.detail, (f) => f.kind === 'imei');
    assert.deepEqual(nested.detail.findings[j].chain, ['json:$.data', 'json:$.imei']);
    assert.deepEqual(highlighted(nested.detail, j), [['', IMEI]]);
  });

  it('tells repeated keys apart: each finding on its own value', () => {
    const body = `{"imei":"${IMEI}","imei":"${IMEI2}","x":{"imei":"${IMEI}"},"imei":"${IMEI}"}`;
    const [{ detail, findings }] = details(har([{ body }]));
    checkInvariants(detail);
    const top = detail.findings.map((f, i) => ({ f, i })).filter(({ f }) => f.chain[0] === 'json:$.imei');
    assert.equal(top.length, 3);
    const layer = layerOf(detail, 'request-body', 0, 0);
    const starts = top.map(({ i }) => {
      const hs = layer.highlights.filter((h) => h.finding === i);
      assert.equal(hs.length, 1);
      assert.equal(layer.text.slice(hs[0].start, hs[0].end), findings[i].matchedText);
      return hs[0].start;
    });
    assert.equal(new Set(starts).size, 3);
    // In document order: the first IMEI, the second IMEI, the last IMEI.
    assert.deepEqual([...starts].sort((a, b) => a - b), starts);
  });

  it('decodes a JWT: the payload as JSON with the value highlighted, the payload segment outside', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64url');
    const payload = b64(`{"sub":"u1","imei":"${IMEI}"}`);
    const jwt = `${b64('{"alg":"HS256","typ":"JWT"}')}.${payload}.c2lnbmF0dXJlc2lnbmF0dXJl`;
    const [{ detail }] = details(har([{ headers: [{ name: 'Authorization', value: `Bearer ${jwt}` }] }]));
    checkInvariants(detail);
    const field = detail.sections.find((s) => s.id === 'request-headers')?.fields[0];
    assert.ok(field);
    assert.deepEqual(field.layers.map((l) => l.chain.join(' → ')), ['', 'jwt:header', 'jwt:payload']);
    assert.equal(field.layers[2].view, 'json');
    const i = findingIndex(detail, (f) => f.kind === 'imei');
    assert.deepEqual(highlighted(detail, i), [['', payload], ['jwt:payload', IMEI]]);
  });

  it('shows a binary body as a hex dump with the identifier bytes highlighted', () => {
    const bytes = Buffer.concat([Buffer.from([0x00, 0x01, 0x02, 0xff, 0x10]), Buffer.from(`imei=${IMEI}`), Buffer.from([0x00, 0x9c])]);
    const [{ detail }] = details(har([{ responseBody: bytes.toString('base64'), responseBase64: true }]));
    checkInvariants(detail);
    const layer = layerOf(detail, 'response-body', 0, 0);
    assert.equal(layer.view, 'hex');
    assert.ok(layer.text.startsWith('00000000  00 01 02 ff 10 69 6d 65  69 3d 38 36 38 37 31 35  |.....imei=868715|'));
    const i = findingIndex(detail, (f) => f.kind === 'imei');
    const hex = highlighted(detail, i).map(([, text]) => text);
    assert.deepEqual(hex, ['38 36 38 37 31 35', '33 39 32 37 35 36 38 33  33']);
  });

  it('keeps highlights apart when findings overlap: the stronger keeps its characters', () => {
    const capture = har([{ body: `{"imei":"${IMEI}"}` }]);
    const scan = scanCapture(capture);
    const real = scan.findings.filter((f) => f.exchangeId === 0);
    assert.equal(real.length, 1);
    // A weaker finding over the same characters and beyond.
    const text = `{"imei":"${IMEI}"}`;
    const weak: Finding = { ...real[0], kind: 'phone', confidence: 'low', chain: [], start: 2, end: text.indexOf(IMEI) + IMEI.length };
    weak.matchedText = text.slice(weak.start, weak.end);
    const detail = exchangeDetail(capture.exchanges[0], [weak, real[0]]);
    checkInvariants(detail);
    assert.deepEqual(highlighted(detail, 1), [['', IMEI]]);
    // The weaker one keeps only what is left: `imei": "` around the colon (pretty-printed).
    assert.deepEqual(highlighted(detail, 0).map(([, t]) => t), ['imei": "']);
  });

  it('fills the overview', () => {
    const [{ detail }] = details(har([{ url: 'https://api.test/a?b=1', headers: [{ name: 'Host', value: 'api.test' }] }]));
    const o = detail.overview;
    assert.equal(o.method, 'GET');
    assert.equal(o.url, 'https://api.test/a?b=1');
    assert.equal(o.status, 200);
    assert.equal(o.remoteAddress, '192.0.2.1');
    assert.equal(o.origin, 'HAR entry 0');
    assert.deepEqual(o.timings.map((t) => t.phase), ['dns', 'connect', 'send', 'wait', 'receive']);
    assert.deepEqual(detail.sections.map((s) => s.id), ['request-headers', 'query']);
  });

  it('places every finding of the verified corpus captures, on text that reads as the finding', () => {
    const files = [
      ...corpusFiles('generated/har', (n) => n.endsWith('.har')),
      ...corpusFiles('generated/pcap', (n) => /telemetry(_small)?\.tshark\.(json|ek\.jsonl)$/.test(n)),
    ];
    let total = 0;
    for (const file of files) {
      const capture = loadCaptureFile(file);
      for (const { detail, findings } of details(capture)) {
        checkInvariants(detail);
        assert.equal(detail.findings.length, findings.length);
        detail.findings.forEach((f, i) => {
          total++;
          const texts = highlighted(detail, i).map(([, t]) => t);
          assert.ok(texts.length > 0, `${basename(file)} #${detail.id}: ${f.kind} ${f.chain.join(' → ')} not placed`);
          const m = findings[i].matchedText;
          const reads = texts.some((t) => t === m || jsonUnescape(t) === m || safeDecode(t) === m);
          assert.ok(reads, `${basename(file)} #${detail.id}: ${f.kind} ${JSON.stringify(m)} highlighted as ${JSON.stringify(texts)}`);
        });
      }
    }
    assert.ok(total > 300);
  });

  it('copies each layer as the detail numbers it: the same text when nothing was cut', () => {
    const capture = loadCaptureFile(corpusFiles('generated/har', (n) => n === 'mitmproxy_hardump.har')[0]);
    let layers = 0;
    for (const { detail } of details(capture)) {
      const ex = capture.exchanges[detail.id];
      for (const section of detail.sections) {
        section.fields.forEach((field, fi) => field.layers.forEach((layer, li) => {
          const text = layerText(ex, section.id, fi, li);
          if (layer.truncated === '') assert.equal(text, layer.text, `${section.id} ${fi}/${li}`);
          else assert.ok(text !== undefined && text.length > layer.text.length && text.startsWith(layer.text.slice(0, 1000)));
          layers++;
        }));
        assert.equal(layerText(ex, section.id, section.fields.length, 0), undefined);
      }
    }
    assert.ok(layers > 100);
  });

  it('stays small for 5,000 headers and a 50 MB body (its time is in npm run bench)', function () {
    this.timeout(120_000);
    const record = (n: number): string => `{"id":${n},"imei":"${IMEI}","note":"user ${n}","b":"SGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQ="}`;
    const parts: string[] = [];
    let size = 0;
    for (let n = 0; size < 50_000_000; n++) {
      parts.push(record(n));
      size += parts[parts.length - 1].length + 1;
    }
    const body = `[${parts.join(',')}]`;
    const headers = Array.from({ length: 5000 }, (_, i) => ({ name: `X-H${i}`, value: i % 50 === 0 ? `imei=${IMEI}` : `v${i}` }));
    const capture = har([{ body, headers }]);
    const ex = capture.exchanges[0];
    // Findings as the scan would report them (scanning 50 MB is not what is measured here).
    const findings: Finding[] = [];
    for (let i = 0; i < 5000; i += 50) {
      findings.push({ exchangeId: 0, part: 'request_header', fieldPath: `X-H${i}`, chain: ['form:imei'], kind: 'imei', value: IMEI, matchedText: IMEI, start: 0, end: 15, confidence: 'high', detector: 'imei', reasons: [] });
    }
    for (let n = 0; n < 5000; n++) {
      // Every third record: the last ones listed lie far past the shown text.
      findings.push({ exchangeId: 0, part: 'request_body', fieldPath: 'body', chain: [`json:$[${n * 3}].imei`], kind: 'imei', value: IMEI, matchedText: IMEI, start: 0, end: 15, confidence: 'high', detector: 'imei', reasons: [] });
    }
    const detail = exchangeDetail(ex, findings);
    const bytes = Buffer.byteLength(JSON.stringify(detail));
    assert.ok(bytes < 4_000_000, `${bytes} bytes`);
    checkInvariants(detail);
    const headerSection = detail.sections.find((s) => s.id === 'request-headers');
    assert.equal(headerSection?.fields.length, 500);
    assert.ok(headerSection?.notes.includes('showing the first 500 of 5,000 headers'));
    assert.equal(detail.findings.length, MAX_DETAIL_FINDINGS);
    const bodyLayer = layerOf(detail, 'request-body', 0, 0);
    // Too large to pretty-print: shown as text, cut.
    assert.equal(bodyLayer.view, 'text');
    assert.match(bodyLayer.truncated, /^showing the first/);
    // Findings within the shown text are highlighted; those past it are not.
    assert.deepEqual(highlighted(detail, 100).map(([, t]) => t), [IMEI]);
    assert.deepEqual(detail.findings[MAX_DETAIL_FINDINGS - 1].places, []);
    // Headers past the first 500 are not fields: their findings have no place.
    assert.deepEqual(highlighted(detail, 0).map(([, t]) => t), [IMEI]);
    assert.deepEqual(detail.findings[99].places, []);
  });

  it('survives hostile nesting in a body', () => {
    const deep = `${'['.repeat(200_000)}"${IMEI}"${']'.repeat(200_000)}`;
    const capture = har([{ body: deep }]);
    const findings = scanCapture(capture).findings;
    const detail = exchangeDetail(capture.exchanges[0], findings);
    checkInvariants(detail);
    assert.ok(layerOf(detail, 'request-body', 0, 0).text.length > 0);
  });
});

function jsonUnescape(text: string): string | undefined {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
