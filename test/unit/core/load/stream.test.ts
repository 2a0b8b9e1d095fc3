// The streaming loader against the full load: the same capture from every corpus file, whatever
// the chunk size, plus what only the streaming loader does (lazy bodies, cancellation, limits).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Capture, Exchange } from '../../../../extension/core/model';
import { CaptureLoadError, loadCaptureFile } from '../../../../extension/core/load/index';
import {
  bodyReaderOf, bodyRefOf, exchangeForTransfer, exchangeFromTransfer, exchangeRange, HarBodyReader, LoadCancelledError,
  loadCaptureFileAuto, streamCaptureFile,
} from '../../../../extension/core/load/stream/index';
import { CORPUS } from '../../corpus';
import { materialize } from '../../materialize';

function walk(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function outcome(load: () => Capture): { capture?: unknown; error?: string } {
  try {
    return { capture: materialize(load()) };
  } catch (err) {
    if (!(err instanceof CaptureLoadError)) throw err;
    return { error: err.message };
  }
}

describe('streaming loader', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'leaklens-stream-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  describe('the streaming and the fast paths produce identical captures on every corpus file', () => {
    const files = walk(CORPUS).filter((f) => !f.startsWith(join(CORPUS, 'gen') + '/'));
    it('the corpus is there', () => assert.ok(files.length > 60, `found ${files.length} files under ${CORPUS}`));
    for (const file of files) {
      const size = statSync(file).size;
      // One-byte chunks cost a read per byte: only small files get them.
      const chunks = [size < 64_000 ? 1 : undefined, size < 700_000 ? 7 : undefined, 4096, undefined]
        .filter((c, i) => i >= 2 || c !== undefined);
      it(`${relative(CORPUS, file)} (chunks ${chunks.map((c) => c ?? 'default').join(', ')})`, () => {
        const fast = outcome(() => loadCaptureFile(file));
        for (const chunkBytes of chunks) {
          for (const keepBodies of chunkBytes === undefined ? [false, true] : [false]) {
            const streamed = outcome(() => streamCaptureFile(file, { chunkBytes, keepBodies }));
            assert.deepStrictEqual(streamed, fast, `chunkBytes ${chunkBytes ?? 'default'}, keepBodies ${keepBodies}`);
          }
        }
      });
    }
  });

  const har = (entries: unknown[], extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, ...extra, entries } });
  const entry = (url: string, text: string, encoding?: string): unknown => ({
    startedDateTime: '2024-01-01T00:00:00.000Z', time: 1, cache: {}, timings: { send: 0, wait: 0, receive: 0 },
    request: { method: 'POST', url, httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 3,
      postData: { mimeType: 'text/plain', text: 'req' } },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], redirectURL: '', headersSize: -1, bodySize: -1,
      content: { size: -1, mimeType: 'text/plain', text, ...(encoding ? { encoding } : {}) } },
  });

  it('cuts entries right when chunks end inside escapes and multibyte characters', () => {
    const texts = ['a\\"b\\\\', '\u00e9\u4e2d\ud83d\ude00', '"quoted" \\ back\\slash \u2028', '{"nested": ["]}"]}', 'x'.repeat(5000)];
    const path = write('escapes.har', har(texts.map((t, i) => entry(`https://e.example/${i}?q=\u00fc`, t)), { comment: 'c\\"}]' }));
    const fast = materialize(loadCaptureFile(path));
    for (const chunkBytes of [1, 2, 3, 5, 7, 11, 13, 4096]) {
      assert.deepStrictEqual(materialize(streamCaptureFile(path, { chunkBytes })), fast, `chunkBytes ${chunkBytes}`);
    }
    const capture = streamCaptureFile(path, { chunkBytes: 3 });
    assert.deepEqual(capture.exchanges.map((e) => Buffer.from(e.response!.body!.bytes).toString('utf8')), texts);
  });

  it('does not hold body bytes and re-reads them from the file on access', () => {
    const path = write('lazy.har', har([entry('https://a.example/', 'first body'), entry('https://b.example/', Buffer.from('\u0000\u0001bin').toString('base64'), 'base64')]));
    const capture = streamCaptureFile(path, { chunkBytes: 5 });
    for (const exchange of capture.exchanges) {
      for (const body of [exchange.request.body!, exchange.response!.body!]) {
        const own = Object.getOwnPropertyDescriptor(body, 'bytes');
        assert.ok(own && own.get && !('value' in own), 'bytes is a getter, not a data property');
      }
    }
    assert.equal(Buffer.from(capture.exchanges[0].response!.body!.bytes).toString(), 'first body');
    assert.deepEqual([...capture.exchanges[1].response!.body!.bytes], [0, 1, 0x62, 0x69, 0x6e]);
    assert.equal(Buffer.from(capture.exchanges[1].request.body!.bytes).toString(), 'req');
    const range = exchangeRange(capture.exchanges[1])!;
    assert.ok(range.start > 0 && range.end > range.start);
    const kept = streamCaptureFile(path, { keepBodies: true });
    assert.ok('value' in Object.getOwnPropertyDescriptor(kept.exchanges[0].response!.body!, 'bytes')!);
  });

  it('holds the bodies while onExchange runs and makes them lazy when it returns', () => {
    const path = write('during.har', har([entry('https://a.example/', 'first body'), entry('https://b.example/', 'second body')]));
    const during: string[] = [];
    const seen: Exchange[] = [];
    const capture = streamCaptureFile(path, {
      chunkBytes: 64,
      onExchange: (e) => {
        for (const body of [e.request.body!, e.response!.body!]) {
          assert.equal(bodyRefOf(body), undefined, 'no re-read while the exchange is handed on');
          assert.ok('value' in Object.getOwnPropertyDescriptor(body, 'bytes')!);
        }
        // The exchange handed on before this one is lazy by now.
        for (const earlier of seen) assert.ok(bodyRefOf(earlier.response!.body!));
        seen.push(e);
        during.push(Buffer.from(e.response!.body!.bytes).toString());
      },
    });
    assert.deepEqual(during, ['first body', 'second body']);
    for (const exchange of capture.exchanges) {
      assert.ok(bodyRefOf(exchange.request.body!) && bodyRefOf(exchange.response!.body!), 'lazy after the load');
    }
    assert.deepStrictEqual(materialize(capture), materialize(loadCaptureFile(path)));
  });

  it('gives the full load\'s schema warnings when many entries break the schema, in every way', () => {
    const good = entry('https://a.example/', 'x') as Record<string, unknown>;
    const entries: unknown[] = [];
    for (let i = 0; i < 60; i++) {
      const { request: _, ...noRequest } = good;
      entries.push(
        { ...good, time: 'slow' },
        noRequest,
        { ...good, response: { ...(good.response as object), content: null } },
        [good],
        null, 0, false, '', 'entry', 7,
        { ...good, extra: 1, cache: [] },
        good,
      );
    }
    const path = write('schema.har', har(entries, { comment: 5, pages: [{ id: 1 }] }));
    const fast = loadCaptureFile(path);
    assert.ok(fast.warnings.some((w) => w.code === 'har-schema-more'), 'over the cap');
    for (const chunkBytes of [100, undefined]) {
      assert.deepStrictEqual(materialize(streamCaptureFile(path, { chunkBytes })), materialize(fast), `chunkBytes ${chunkBytes ?? 'default'}`);
    }
    // Under the cap, every warning is listed: the same ones, in the same order.
    const few = write('schema-few.har', har(entries.slice(0, 12), { comment: 5 }));
    const listed = loadCaptureFile(few);
    assert.ok(listed.warnings.filter((w) => w.code === 'har-schema').length > 10);
    assert.deepStrictEqual(materialize(streamCaptureFile(few)), materialize(listed));
  });

  it('refuses to re-read bodies of a file that changed since it was loaded', () => {
    const path = write('changing.har', har([entry('https://a.example/', 'one')]));
    const capture = streamCaptureFile(path);
    writeFileSync(path, har([entry('https://a.example/', 'something else entirely')]));
    assert.throws(() => capture.exchanges[0].response!.body!.bytes, /changed after it was opened/);
  });

  it('sends exchanges across a worker boundary without reading their bodies', () => {
    const path = write('transfer.har', har([entry('https://a.example/x', 'body one'), entry('https://b.example/y', 'body two')]));
    const capture = streamCaptureFile(path);
    let reads = 0;
    const reader = bodyReaderOf(capture)!;
    const counting = { read: (ref: Parameters<typeof reader.read>[0]) => (reads++, reader.read(ref)) };
    const cloned = capture.exchanges.map((e) => structuredClone(exchangeForTransfer(e)));
    assert.equal(JSON.stringify(cloned).includes('body one'), false, 'no body bytes in the transfer form');
    const restored: Exchange[] = cloned.map((plain) => exchangeFromTransfer(plain, counting));
    assert.equal(reads, 0);
    assert.equal(Buffer.from(restored[1].response!.body!.bytes).toString(), 'body two');
    assert.ok(reads > 0);
    const elsewhere = cloned.map((plain) => exchangeFromTransfer(plain, new HarBodyReader(path)));
    assert.deepStrictEqual(materialize({ ...capture, exchanges: elsewhere }), materialize(capture));
    // Bodies that hold their bytes travel with them.
    const kept = streamCaptureFile(path, { keepBodies: true });
    const back = exchangeFromTransfer(structuredClone(exchangeForTransfer(kept.exchanges[0])), { read: () => assert.fail('not lazy') });
    assert.equal(Buffer.from(back.response!.body!.bytes).toString(), 'body one');
  });

  it('reports exchanges and progress as it goes, and stops when cancelled', () => {
    const path = write('many.har', har(Array.from({ length: 50 }, (_, i) => entry(`https://a.example/${i}`, `body ${i}`))));
    const ids: number[] = [];
    let lastProgress = { bytesRead: 0, totalBytes: 0, exchanges: 0 };
    const capture = streamCaptureFile(path, { chunkBytes: 1000, onExchange: (e) => ids.push(e.id), onProgress: (p) => (lastProgress = p) });
    assert.deepEqual(ids, capture.exchanges.map((e) => e.id));
    assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => i));
    assert.equal(lastProgress.bytesRead, lastProgress.totalBytes);
    assert.equal(lastProgress.exchanges, 50);

    let chunks = 0;
    assert.throws(() => streamCaptureFile(path, { chunkBytes: 1000, cancelled: () => ++chunks >= 3 }), LoadCancelledError);
    assert.equal(chunks, 3);
  });

  it('stops after maxExchanges with a warning that says how to read more', () => {
    const path = write('max.har', har(Array.from({ length: 10 }, (_, i) => entry(`https://a.example/${i}`, `b${i}`)), { pages: [{ id: 'p', title: 't', startedDateTime: '2024-01-01T00:00:00Z', pageTimings: {} }] }));
    for (const load of [streamCaptureFile, loadCaptureFileAuto]) {
      const capture = load(path, { maxExchanges: 4 });
      assert.equal(capture.exchanges.length, 4);
      const warning = capture.warnings.find((w) => w.code === 'max-exchanges');
      assert.match(warning?.message ?? '', /first 4 exchanges.*maxExchanges/);
      assert.equal(capture.pages.length, 1, 'what follows the entries is still read');
    }
  });

  it('gives the full load\'s schema warnings, in its order, for a HAR broken everywhere', () => {
    const bad = Array.from({ length: 60 }, (_, i) => ({ request: { url: `https://a.example/${i}`, headers: 'no', queryString: [{ name: 1 }] }, response: i % 2 ? 5 : { content: {} }, cache: null }));
    const text = JSON.stringify({
      log: { creator: { name: 5 }, browser: 'b', pages: [{ id: 3 }, null], comment: 7, entries: [null, 1, 'x', ...bad, entry('https://ok.example/', 'fine')] },
    });
    const path = write('schema.har', text);
    const fast = materialize(loadCaptureFile(path));
    const warnings = (fast as Capture).warnings;
    assert.ok(warnings.some((w) => w.code === 'har-schema-more'), 'more than the listed maximum');
    for (const chunkBytes of [7, 4096]) assert.deepStrictEqual(materialize(streamCaptureFile(path, { chunkBytes })), fast);
    const few = write('schema-few.har', JSON.stringify({ log: { version: 1, creator: {}, pages: [{}], comment: 7, entries: [null, { request: {} }] } }));
    assert.deepStrictEqual(materialize(streamCaptureFile(few, { chunkBytes: 5 })), materialize(loadCaptureFile(few)));
    const noEntries = write('schema-none.har', JSON.stringify({ log: { version: '1.2', creator: { name: 'x', version: '1' }, entries: { not: 'an array' } } }));
    assert.deepStrictEqual(materialize(streamCaptureFile(noEntries)), materialize(loadCaptureFile(noEntries)));
  });

  it('loadCaptureFileAuto gives the full load below the threshold', () => {
    const path = write('auto.har', har([entry('https://a.example/', 'x')]));
    assert.deepStrictEqual(materialize(loadCaptureFileAuto(path)), materialize(loadCaptureFile(path)));
  });

  it('a truncated file reports where it ends, the JSON path and what was expected', () => {
    const whole = har(Array.from({ length: 5 }, (_, i) => entry(`https://a.example/${i}`, `body ${i}`)));
    const path = write('truncated.har', whole.slice(0, Math.floor(whole.length * 0.7)));
    // Large files: located by the streaming loader itself.
    assert.throws(() => streamCaptureFile(path, { chunkBytes: 64 }, { exactErrorsUpTo: 0 }), (err: unknown) => {
      assert.ok(err instanceof CaptureLoadError);
      assert.ok(err.message.startsWith(path));
      assert.equal(err.location?.line, 1);
      assert.ok((err.location?.column ?? 0) > 1);
      assert.match(err.location?.jsonPath ?? '', /^\$\.log\.entries\[3\]$/);
      assert.match(err.message, /invalid JSON at byte \d+ \(found end of input\).*expected/);
      return true;
    });
    // Small files: the full load's own message.
    assert.throws(() => streamCaptureFile(path), (err: unknown) => {
      assert.ok(err instanceof CaptureLoadError);
      assert.throws(() => loadCaptureFile(path), (fast: unknown) => (fast as Error).message === err.message);
      return true;
    });
  });

  it('a log with two "entries" keys is refused (JSON.parse would read the other one), naming the place', () => {
    const one = har([entry('https://first.example/', 'a')]);
    // `{"log":{…,"entries":[…]}}` with a second "entries" after the first.
    const twice = `${one.slice(0, -2)}, "entries": ${JSON.stringify([entry('https://second.example/', 'b')])}}}`;
    const path = write('twice.har', twice);
    assert.equal(loadCaptureFile(path).exchanges[0].request.url, 'https://second.example/', 'JSON.parse keeps the last');
    assert.throws(() => streamCaptureFile(path, {}, { exactErrorsUpTo: 0 }), (err: unknown) => {
      assert.ok(err instanceof CaptureLoadError);
      assert.equal(err.location?.jsonPath, '$.log.entries');
      assert.match(err.message, /"entries" twice/);
      return true;
    });
  });

  it('a second "log" without entries (JSON.parse keeps it: no exchanges) is refused too — found by the fuzzer', () => {
    const one = har([entry('https://first.example/', 'a')]);
    for (const [name, text] of [
      ['log-twice.har', `${one.slice(0, -1)}, "log": {}}`],
      ['entries-null.har', `${one.slice(0, -2)}, "entries": null}}`],
    ] as const) {
      const path = write(name, text);
      assert.equal(loadCaptureFile(path).exchanges.length, 0, `${name}: JSON.parse reads no entries`);
      assert.throws(() => streamCaptureFile(path, {}, { exactErrorsUpTo: 0 }), (err: unknown) => {
        assert.ok(err instanceof CaptureLoadError, String(err));
        assert.match(err.message, /twice/);
        return true;
      }, name);
    }
  });

  it('a broken entry in a large file is located inside the entry, with line and column', () => {
    const text = har([entry('https://a.example/', 'ok'), entry('https://b.example/', 'ok')]).replace('"https://b.example/"', '"https://b.example/" "x"');
    const path = write('broken-entry.har', `\n\n${text}`);
    assert.throws(() => streamCaptureFile(path, { chunkBytes: 16 }, { exactErrorsUpTo: 0 }), (err: unknown) => {
      assert.ok(err instanceof CaptureLoadError);
      assert.equal(err.location?.line, 3);
      assert.equal(err.location?.column, text.indexOf(' "x"') + 2);
      assert.equal(err.location?.jsonPath, '$.log.entries[1]');
      assert.match(err.message, /found '"'/);
      return true;
    });
  });
});
