// Regressions from a review of hostile-input handling. Inputs are sized so the old quadratic code
// would need minutes; the fixed code needs well under a second, so mocha's timeout is the guard
// (no timing assertions: machines are noisy).
import assert from 'node:assert/strict';
import { loadCapture } from '../../extension/core/load/index';
import { detectIdentifiers } from '../../extension/core/detect/index';
import { KnownValueMatcher } from '../../extension/core/detect/known';
import { scanCapture } from '../../extension/core/scan';
import { serializeBody } from '../../extension/core/serialize';
import { makeBody } from '../../extension/core/load/body';
import type { Capture } from '../../extension/core/model';

function har(entries: unknown[]): Capture {
  return loadCapture(Buffer.from(JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries } })), 'hostile.har');
}

function entry(url: string, postData?: unknown): unknown {
  return {
    startedDateTime: '2020-01-01T00:00:00Z', time: 1,
    request: { method: 'POST', url, httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: -1, ...(postData ? { postData } : {}) },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize: -1 },
    cache: {}, timings: { send: 0, wait: 0, receive: 0 },
  };
}

describe('hostile input: no quadratic blow-ups', function () {
  this.timeout(30_000);

  it('a coordinate pair followed by a megabyte of spaces', () => {
    const text = '39.908974,116.398468' + ' '.repeat(1_000_000) + 'x';
    assert.equal(detectIdentifiers(text, undefined).filter((d) => d.kind === 'geo').length, 1);
  });

  it('a URL with a million # and a newline', () => {
    const capture = har([entry('http://a.test/?q=1' + '#'.repeat(1_000_000) + '\nx')]);
    assert.deepEqual(capture.exchanges[0].request.query, [{ name: 'q', value: '1' }]);
  });

  it('the same IMEI 60,000 times in one JSON body', () => {
    const capture = har([entry('http://a.test/up', { mimeType: 'application/json', text: JSON.stringify(Array(60_000).fill('868715392756833')) })]);
    const result = scanCapture(capture);
    const imeis = result.findings.filter((f) => f.kind === 'imei');
    assert.equal(imeis.length, 60_000, 'one finding per array element, the raw-text copies folded into them');
    assert.ok(imeis.every((f) => f.chain.length === 1 && f.chain[0].startsWith('json:$[')));
  });

  it('a known value that overlaps itself across half a million repetitions', () => {
    const matcher = new KnownValueMatcher([{ kind: 'string', value: 'a-a-a-a' }]);
    assert.ok(matcher.match('a-'.repeat(500_000)).length > 0);
  });
});

describe('hostile input: values that used to escape as exceptions', () => {
  it('a postData param nested 20,000 deep is left out with a warning, and the rest loads', () => {
    // Written as text: JSON.stringify itself cannot walk a value this deep.
    const text = JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [
      entry('http://a.test/p?imei=868715392756833', { mimeType: 'application/json', params: [{ name: 'deep', value: 'DEEP' }, { name: 'imei', value: '868715392756833' }] }),
    ] } }).replace('"DEEP"', '['.repeat(20_000) + '1' + ']'.repeat(20_000));
    const capture = loadCapture(Buffer.from(text), 'deep.har');
    assert.equal(capture.exchanges.length, 1);
    assert.ok(capture.warnings.some((w) => w.code === 'har-param-too-deep' && w.location?.jsonPath === '$.log.entries[0].request.postData.params[0].value'));
    assert.ok(scanCapture(capture).findings.some((f) => f.kind === 'imei'));
  });

  it('a tshark frame time beyond what a Date holds keeps its request', () => {
    const packet = (frame: number, epoch: string, uri: string): unknown => ({
      _index: 'x', _source: { layers: {
        frame: { 'frame.number': String(frame), 'frame.time_epoch': epoch },
        ip: { 'ip.src': '10.0.0.1', 'ip.dst': '10.0.0.2' },
        tcp: { 'tcp.srcport': '40000', 'tcp.dstport': '80', 'tcp.stream': String(frame) },
        http: { [`GET ${uri} HTTP/1.1\\r\\n`]: { 'http.request.method': 'GET', 'http.request.uri': uri, 'http.request.version': 'HTTP/1.1' },
          'http.host': 'a.test', 'http.request.line': 'Host: a.test\r\n', 'http.request.full_uri': `http://a.test${uri}`, 'http.request': '1' },
      } },
    });
    const capture = loadCapture(Buffer.from(JSON.stringify([packet(1, '1.0', '/ok'), packet(2, '9999999999999', '/far?imei=868715392756833')])), 'far.json');
    assert.deepEqual(capture.exchanges.map((e) => new URL(e.request.url).pathname), ['/ok', '/far']);
    assert.equal(capture.exchanges[1].startedDateTime, undefined);
  });
});

describe('hostile input: exact bytes and exact places', () => {
  it('a body starting with a UTF-8 BOM keeps it in --json output', () => {
    const body = makeBody(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]), { headers: [] });
    assert.equal(serializeBody(body).text, '\ufeffhi');
  });

  it('binary bytes after the first megabyte make the body binary, serialised as base64', () => {
    const bytes = new Uint8Array(1024 * 1024 + 3).fill(0x61);
    bytes.set([0xff, 0x00, 0xfe], 1024 * 1024);
    const body = makeBody(bytes, { headers: [] });
    assert.equal(body.isText, false);
    const out = serializeBody(body);
    assert.equal(out.text, undefined);
    assert.ok(Buffer.from(out.base64 ?? '', 'base64').equals(Buffer.from(bytes)));
  });

  it('an unknown _encoding is reported at _encoding, not at a key the file does not have', () => {
    const capture = har([entry('http://a.test/', { mimeType: 'text/plain', text: 'abc', _encoding: 'hex' })]);
    assert.ok(capture.warnings.some((w) => w.code === 'har-unknown-encoding' && w.location?.jsonPath === '$.log.entries[0].request.postData._encoding'));
  });
});
