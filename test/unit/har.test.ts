import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { brotliCompressSync, inflateSync } from 'node:zlib';
import { CaptureLoadError, loadCapture, loadCaptureFile } from '../../extension/core/load/index';
import type { Capture } from '../../extension/core/model';
import { exchangeHost } from '../../extension/core/model';
import {
  corpusFiles, corpusPath, exchangeViews, pathOfUrl, recoverablePlants, requestPath, valueVariants,
} from './corpus';

interface RawEntry {
  request: { method: string; url: string; postData?: { text?: string } };
  response?: { status: number; content?: { text?: string; encoding?: string } };
}

/** Reads a HAR with nothing but Node built-ins, to compare the loader against. */
function readHarIndependently(file: string): { log: { entries: RawEntry[]; creator?: { name: string } } } {
  let bytes = readFileSync(file);
  if (file.endsWith('.zhar')) bytes = inflateSync(bytes);
  let text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const jsonp = /^\s*[\w$.]+\s*\(/.exec(text);
  if (jsonp) text = text.slice(jsonp[0].length, text.lastIndexOf(')'));
  return JSON.parse(text);
}

const INVALID_JSON = new Set(['mitmproxy__brokenfile.har', 'harviewer__not-json.har']);
const harFiles = [
  ...corpusFiles('public/har'),
  ...corpusFiles('generated/har', (n) => n.endsWith('.har') || n.endsWith('.zhar')),
];

describe('HAR loader on every corpus HAR', () => {
  it('finds the corpus', () => {
    assert.ok(harFiles.length >= 27, `expected the corpus HARs, found ${harFiles.length}`);
  });

  for (const file of harFiles) {
    const name = basename(file);
    if (INVALID_JSON.has(name)) continue;
    it(`${name}: entries, methods, URLs, statuses and bodies match an independent read`, () => {
      const capture = loadCaptureFile(file);
      const raw = readHarIndependently(file);
      assert.equal(capture.format, 'har');
      assert.equal(capture.exchanges.length, raw.log.entries.length);
      assert.equal(capture.source.producer?.name, raw.log.creator?.name);
      raw.log.entries.forEach((entry, i) => {
        const ex = capture.exchanges[i];
        assert.equal(ex.id, i);
        assert.deepEqual(ex.origin, { kind: 'har-entry', entryIndex: i, ...(ex.origin.kind === 'har-entry' && ex.origin.pageref ? { pageref: ex.origin.pageref } : {}) });
        assert.equal(ex.request.method, entry.request.method);
        assert.equal(ex.request.url, entry.request.url);
        assert.equal(ex.response?.status, entry.response?.status);
        const content = entry.response?.content;
        if (content && typeof content.text === 'string') {
          const expected = content.encoding === 'base64'
            ? Buffer.from(content.text, 'base64')
            : Buffer.from(content.text, 'utf8');
          assert.ok(Buffer.from(ex.response?.body?.bytes ?? []).equals(expected), `entry ${i} response body bytes`);
        }
        const postText = entry.request.postData?.text;
        if (typeof postText === 'string') {
          assert.equal(Buffer.from(ex.request.body?.bytes ?? []).toString('utf8'), postText, `entry ${i} request body`);
        }
      });
    });
  }
});

describe('HAR loader: ground-truth plants', () => {
  const files = [
    'har/mitmproxy_hardump.har', 'har/mitmproxy_hardump.zhar', 'har/playwright_chromium_full.har',
    'har/playwright_chromium_minimal.har', 'har/playwright_chromium_omit-content.har', 'har/chrome-har_cdp.har',
  ];
  for (const key of files) {
    it(`${key}: every recoverable plant is in the loaded exchange for its request`, () => {
      const capture = loadCaptureFile(corpusPath('generated', key));
      const plants = recoverablePlants(key);
      assert.ok(plants.length >= 16, `${key} has ${plants.length} recoverable plants`);
      const missing: string[] = [];
      for (const plant of plants) {
        const path = requestPath(plant.request);
        const candidates = capture.exchanges.filter((e) => pathOfUrl(e.request.url) === path);
        const views = candidates.flatMap(exchangeViews);
        // A GPS plant is "lat,lon" but is sent as two fields, as verify_plants.py also treats it.
        const parts = plant.type === 'gps' ? plant.value.split(',') : [plant.value];
        const found = parts.every((part) => valueVariants(part).some((v) => views.some((text) => text.includes(v))));
        if (!found) missing.push(`${plant.request} ${plant.type} ${plant.location} ${plant.value}`);
      }
      assert.deepEqual(missing, [], `plants not found in ${key}`);
    });
  }
});

describe('HAR loader: producer quirks', () => {
  it('keeps the UTF-8 BOM as a wrapper fact (Fiddler, Chrome with BOM)', () => {
    for (const f of ['public/har/mitmproxy__with-bom.har', 'public/har/harviewer__ie11.fiddler.har']) {
      const capture = loadCaptureFile(corpusPath(f));
      assert.ok(capture.source.wrappers.includes('utf8-bom'), f);
      assert.ok(capture.exchanges.length > 0);
    }
  });

  it('unwraps JSONP (.harp) and zlib (.zhar)', () => {
    assert.deepEqual(loadCaptureFile(corpusPath('public/har/harviewer__jsonp.harp')).source.wrappers, ['jsonp']);
    const zhar = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.zhar'));
    const har = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    assert.deepEqual(zhar.source.wrappers, ['zlib']);
    assert.deepEqual(zhar.exchanges.map((e) => e.request.url), har.exchanges.map((e) => e.request.url));
  });

  it('identical bodies share one bytes object; a bad one still warns at every place', () => {
    const entry = (text: string, encoding?: string): object => ({
      startedDateTime: '2014-08-02T08:00:00.000Z', time: 1,
      request: { method: 'GET', url: 'http://a.test/', httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
      response: {
        status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], redirectURL: '', headersSize: -1, bodySize: -1,
        content: { size: text.length, mimeType: 'application/json', text, ...(encoding ? { encoding } : {}) },
      },
      cache: {}, timings: { send: 0, wait: 1, receive: 0 },
    });
    const har = { log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [
      entry('{"imei":"868715392756833"}'), entry('{"imei":"868715392756833"}'), entry('{"other":1}'),
      entry('not base64 !', 'base64'), entry('not base64 !', 'base64'),
    ] } };
    const capture = loadCapture(Buffer.from(JSON.stringify(har)), 'shared.har');
    const bytes = capture.exchanges.map((e) => e.response?.body?.bytes);
    assert.equal(bytes[0], bytes[1], 'same text, same bytes object');
    assert.notEqual(bytes[0], bytes[2]);
    assert.equal(Buffer.from(bytes[1] ?? []).toString(), '{"imei":"868715392756833"}');
    const bad = capture.warnings.filter((w) => w.code === 'har-bad-base64').map((w) => w.location?.entryIndex);
    assert.deepEqual(bad, [3, 4], 'each bad body keeps its own warning');
  });

  it('a JSONP HAR whose callback is `x (` is JSONP, not zlib (its first two bytes pass the zlib check sum)', () => {
    const har = { log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [] } };
    const capture = loadCapture(Buffer.from(`x (${JSON.stringify(har)});`), 'x.harp');
    assert.deepEqual(capture.source.wrappers, ['jsonp']);
  });

  it('base64 bytes still in brotli (no magic to tell) are not called truncated for being smaller than content.size', () => {
    const br = brotliCompressSync(Buffer.from('{"imei":"868715392756833"}'.repeat(20)));
    const har = { log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [{
      startedDateTime: '2014-08-02T08:00:00.000Z', time: 1,
      request: { method: 'GET', url: 'http://a.test/', httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
      response: {
        status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', cookies: [], redirectURL: '', headersSize: -1, bodySize: br.length,
        headers: [{ name: 'Content-Encoding', value: 'br' }],
        content: { size: 520, mimeType: 'application/json', encoding: 'base64', text: br.toString('base64') },
      },
      cache: {}, timings: { send: 0, wait: 1, receive: 0 },
    }] } };
    const body = loadCapture(Buffer.from(JSON.stringify(har)), 'br.har').exchanges[0].response?.body;
    assert.equal(body?.contentCoding, 'unknown');
    assert.equal(body?.availability, 'complete');
  });

  it('opens HARs without pages (Charles, Fiddler 2)', () => {
    for (const f of ['public/har/mitmproxy__charles.har', 'public/har/harviewer__noPages_fiddler2.har']) {
      const capture = loadCaptureFile(corpusPath(f));
      assert.equal(capture.pages.length, 0);
      assert.ok(capture.exchanges.length > 0);
    }
  });

  it('rebuilds chrome-har object-valued postData.params as a JSON body and says so', () => {
    const capture = loadCaptureFile(corpusPath('generated/har/chrome-har_cdp.har'));
    const loc = capture.exchanges.find((e) => e.request.method === 'POST' && e.request.url.endsWith('/loc/report2'));
    assert.ok(loc?.request.body, 'loc/report2 has a body');
    const json = JSON.parse(Buffer.from(loc.request.body.bytes).toString('utf8'));
    assert.equal(json.location.lat, 39.908974);
    assert.match(loc.request.body.note ?? '', /rebuilt from postData\.params/);
    assert.ok(loc.request.body.params?.some((p) => p.valueWasNonString));
    assert.ok(capture.warnings.some((w) => w.code === 'har-params-non-string' && w.location?.jsonPath?.includes('postData.params')));
  });

  it('marks content the producer omitted (Playwright content: omit)', () => {
    const capture = loadCaptureFile(corpusPath('generated/har/playwright_chromium_omit-content.har'));
    const withSize = capture.exchanges.filter((e) => (e.response?.body?.declaredSize ?? 0) > 0);
    assert.ok(withSize.length > 0);
    for (const e of withSize) assert.equal(e.response?.body?.availability, 'omitted');
  });

  it('decodes base64 response bodies to exact bytes and records the file encoding', () => {
    const capture = loadCaptureFile(corpusPath('public/har/harviewer__svg.base64.har'));
    const body = capture.exchanges[0].response?.body;
    assert.equal(body?.fileEncoding, 'base64');
    assert.match(Buffer.from(body?.bytes ?? []).toString('utf8'), /<svg/);
  });

  it('names the real host when mitmproxy reverse mode wrote 127.0.0.1 in the URL', () => {
    const capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    assert.ok(capture.exchanges[0].request.url.startsWith('http://127.0.0.1/'));
    assert.equal(exchangeHost(capture.exchanges[0]), 'api.account.miphone.test');
  });

  it('keeps a still-gzipped body encoded and says so (mitmproxy corrupted gzip)', () => {
    const capture = loadCaptureFile(corpusPath('public/har/mitmproxy__flows_corrupted_gzip_body.har'));
    const body = capture.exchanges[0].response?.body;
    assert.deepEqual(body?.contentEncoding, ['gzip']);
    assert.equal(body?.contentCoding, 'still-encoded');
  });

  it('turns schema violations into warnings with JSON paths and still opens (IE 11, Firefox)', () => {
    const ie = loadCaptureFile(corpusPath('public/har/harviewer__ie11.har'));
    assert.equal(ie.exchanges.length, 25);
    const w = ie.warnings.find((x) => x.code === 'har-schema');
    assert.ok(w, 'a schema warning');
    assert.match(w.location?.jsonPath ?? '', /^\$\.log\.entries\[\d+\]\.request\.cookies$/);
    assert.equal(typeof w.location?.entryIndex, 'number');
  });

  it('records the WebSocket message count (mitmproxy _webSocketMessages)', () => {
    const capture = loadCaptureFile(corpusPath('public/har/mitmproxy__flows_websocket.har'));
    assert.ok(capture.exchanges.some((e) => typeof e.extras?.webSocketMessages === 'number'));
  });
});

describe('HAR loader: broken input', () => {
  const load = (text: string, name = 'x.har'): Capture => loadCapture(Buffer.from(text), name);

  it('invalid JSON names the file, line, column and what was expected', () => {
    const file = corpusPath('public/har/harviewer__not-json.har');
    assert.throws(() => loadCaptureFile(file), (err: unknown) => {
      assert.ok(err instanceof CaptureLoadError);
      assert.equal(err.location?.line, 8);
      assert.equal(err.location?.column, 5);
      assert.match(err.message, /harviewer__not-json\.har \(line 8, column 5\): invalid JSON .*expected ',' or '}'/);
      return true;
    });
    assert.throws(() => loadCaptureFile(corpusPath('public/har/mitmproxy__brokenfile.har')), /mitmproxy__brokenfile\.har \(line 5, column 1\): invalid JSON/);
  });

  it('a bad entry is skipped with a warning and the rest opens', () => {
    const capture = load(JSON.stringify({
      log: {
        version: '1.2', creator: { name: 't', version: '1' },
        entries: [
          null,
          { request: 5 },
          { startedDateTime: '2020-01-01T00:00:00Z', time: 1, request: { method: 'GET', url: 'http://a.test/x?imei=1', headers: [{ name: 'H' }, 7], cookies: 'no', queryString: [] }, response: { status: 200, content: { size: 2, text: 'ok' } } },
        ],
      },
    }));
    assert.equal(capture.exchanges.length, 1);
    assert.equal(capture.exchanges[0].id, 0);
    assert.equal(capture.exchanges[0].request.url, 'http://a.test/x?imei=1');
    assert.deepEqual(capture.exchanges[0].request.query, [{ name: 'imei', value: '1' }]);
    const paths = capture.warnings.map((w) => w.location?.jsonPath);
    assert.ok(paths.includes('$.log.entries[0]'));
    assert.ok(paths.includes('$.log.entries[1].request'));
    assert.ok(paths.includes('$.log.entries[2].request.headers[1]'));
  });

  it('a HAR without log is an error naming $.log; a .json that is neither format says so', () => {
    assert.throws(() => load('{"log": 3}'), /x\.har \(\$\.log\): no "log" object/);
    assert.throws(() => load('{"name": "pkg", "version": "1"}', 'package.json'), /package\.json \(line 1, column 1\): not a HAR or tshark export/);
    assert.throws(() => loadCaptureFile(corpusPath('generated/ground_truth.json')), /not a HAR or tshark export/);
    assert.throws(() => load('   ', 'empty.har'), /empty\.har \(line 1, column 1\): the file is empty/);
  });

  it('a missing file is a load error naming it', () => {
    assert.throws(() => loadCaptureFile('/nonexistent/capture.har'), /\/nonexistent\/capture\.har: cannot read the file \(ENOENT\)/);
  });

  it('never writes the capture file', () => {
    const file = corpusPath('generated/har/mitmproxy_hardump.har');
    const before = statSync(file).mtimeMs;
    loadCaptureFile(file);
    assert.equal(statSync(file).mtimeMs, before);
  });
});
