import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { deflateSync } from 'node:zlib';
import { CaptureLoadError, loadCapture } from '../../../../extension/core/load/index';
import { previewCapture } from '../../../../extension/core/load/preview';
import type { Capture } from '../../../../extension/core/model';
import { rowSummary } from '../../../../extension/editor/rows';
import { corpusFiles, corpusPath } from '../../corpus';

/** What a row and the detail pane read of an exchange (bodies as bytes). */
function exchangesOf(capture: Capture): unknown[] {
  return capture.exchanges.map((e) => ({ row: rowSummary(e), request: e.request, response: e.response, timings: e.timings, connection: e.connection }));
}

function loads(bytes: Uint8Array, file: string): Capture | undefined {
  try {
    return loadCapture(bytes, file);
  } catch (err) {
    if (err instanceof CaptureLoadError) return undefined;
    throw err;
  }
}

const HARS = [...corpusFiles('generated/har', (n) => n.endsWith('.har')), ...corpusFiles('public/har', (n) => n.endsWith('.har'))];

describe('previewCapture: the first entries of a large HAR before the whole file', () => {
  it('finds the corpus HARs', () => {
    assert.ok(HARS.length >= 20, `${HARS.length} HAR files`);
  });

  for (const file of HARS) {
    it(`${basename(file)}: the preview's exchanges are the full load's first ones, at every prefix size`, () => {
      const bytes = readFileSync(file);
      const full = loads(bytes, file);
      const sizes = [bytes.length, Math.floor(bytes.length / 2), Math.floor(bytes.length / 5), 300];
      for (const size of sizes) {
        const preview = previewCapture(bytes, file, 1000, size);
        if (!full) {
          // Not JSON at all: there is nothing to preview; the full load reports the error.
          if (preview) assert.equal(preview.capture.exchanges.length, 0, `${size}: a broken file previews nothing`);
          continue;
        }
        if (!preview) continue; // e.g. entries beyond the prefix: no preview, never a wrong one
        const n = preview.capture.exchanges.length;
        assert.deepEqual(exchangesOf(preview.capture), exchangesOf(full).slice(0, n), `${size} bytes: ${n} exchanges`);
        if (size >= bytes.length) {
          assert.equal(preview.complete, true, 'the whole file read: complete');
          assert.equal(n, full.exchanges.length);
          // The creator is read when it comes before the entries (Fiddler writes it after them).
          if (preview.capture.source.producer) assert.deepEqual(preview.capture.source.producer, full.source.producer);
        } else {
          assert.equal(preview.complete, false);
        }
      }
      if (full && full.exchanges.length > 0) assert.ok(previewCapture(bytes, file, 1000, bytes.length), 'the whole file previews');
    });
  }

  it('stops at maxEntries, and at an entry the prefix cuts', () => {
    const entry = (i: number) => ({
      startedDateTime: '2014-08-02T08:00:00.000Z', time: 1,
      request: { method: 'GET', url: `http://example.test/${i}?q="]}\\"`, httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', cookies: [], headers: [], content: { size: 3, mimeType: 'text/plain', text: '[{"' }, redirectURL: '', headersSize: -1, bodySize: 3 },
      cache: {}, timings: { send: 0, wait: 1, receive: 0 },
    });
    const har = JSON.stringify({ log: { version: '1.2', creator: { name: 'gen', version: '1' }, entries: Array.from({ length: 500 }, (_, i) => entry(i)) } }, null, 1);
    const bytes = Buffer.from(har);
    const first = previewCapture(bytes, 'gen.har', 200);
    assert.equal(first?.capture.exchanges.length, 200);
    assert.equal(first?.complete, false);
    assert.deepEqual(first?.capture.source.producer, { name: 'gen', version: '1' });
    const cut = previewCapture(bytes, 'gen.har', 1000, Math.floor(bytes.length * 0.3));
    const full = loadCapture(bytes, 'gen.har');
    assert.ok(cut && cut.capture.exchanges.length > 100 && cut.capture.exchanges.length < 200, `${cut?.capture.exchanges.length} whole entries in 30 %`);
    assert.deepEqual(exchangesOf(cut.capture), exchangesOf(full).slice(0, cut.capture.exchanges.length));
  });

  for (const name of ['generated/pcap/telemetry.tshark.json', 'generated/pcap/telemetry.tshark.ek.jsonl']) {
    it(`${basename(name)}: tshark's first requests from the head of the file; the whole file previews as the full load`, () => {
      const file = corpusPath(name);
      const bytes = readFileSync(file);
      const full = loadCapture(bytes, file);
      const requests = (c: Capture) => c.exchanges.map((e) => `${e.id} ${e.request.method} ${e.request.url}`);
      const head = previewCapture(bytes, file, 1000, Math.floor(bytes.length / 3));
      assert.ok(head && head.capture.exchanges.length > 0, 'rows from a third of the file');
      assert.equal(head.complete, false);
      assert.equal(head.capture.format, full.format);
      assert.deepEqual(requests(head.capture), requests(full).slice(0, head.capture.exchanges.length));
      const whole = previewCapture(bytes, file, 1000, bytes.length);
      assert.equal(whole?.complete, true);
      assert.deepEqual(exchangesOf(whole!.capture), exchangesOf(full));
    });
  }

  it('previews a plain HAR and tshark output; anything else waits for the full load', () => {
    const har = JSON.stringify({ log: { entries: [{ request: { method: 'GET', url: 'http://a.test/' } }] } });
    const cases: [string, Uint8Array][] = [
      ['zlib (.zhar)', deflateSync(Buffer.from(har))],
      ['JSONP (.harp)', Buffer.from(`onInputData(${har});`)],
      ['a tshark array with a broken packet', Buffer.from('[{"_index": "x", "_source": {"layers": {}}} {"_index": 1}]')],
      ['entries not an array', Buffer.from('{"log": {"entries": 5}}')],
      ['no log', Buffer.from('{"entries": []}')],
      ['log not an object', Buffer.from('{"log": []}')],
      ['an entry that is not JSON', Buffer.from('{"log": {"entries": [{"a": tru}, {}]}}')],
      ['garbage between entries', Buffer.from('{"log": {"entries": [{} {}]}}')],
      ['a closing bracket too many', Buffer.from('{"log": {"version": ]], "entries": []}}')],
      ['an array a million deep before the entries', Buffer.from(`{"log": {"x": ${'['.repeat(1_000_000)}`)],
      ['an unterminated string', Buffer.from('{"log": {"entries": [{"a": "\\"}]}}')],
    ];
    for (const [name, bytes] of cases) assert.equal(previewCapture(bytes, 'x.har'), undefined, name);
  });

  it('a BOM, escapes in keys and strings, and keys before the entries', () => {
    const text = '\ufeff{"l\\u006fg": {"pages": [{"title": "]}\\\\"}], "creator": {"name": "Fiddler", "version": "2"}, "entries": [{"request": {"method": "POST", "url": "http://b.test/x"}}]}}';
    const preview = previewCapture(Buffer.from(text), 'x.har');
    assert.equal(preview?.capture.exchanges.length, 1);
    assert.equal(preview?.capture.exchanges[0].request.url, 'http://b.test/x');
    assert.deepEqual(preview?.capture.source.producer, { name: 'Fiddler', version: '2' });
    assert.equal(preview?.complete, true);
  });
});
