// The capture worker (the built dist/captureWorker.js) through its client, in plain Node: the same
// capture and findings as loading and scanning on this thread, progress as it goes, cancellation,
// and a broken file reported with its place.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CaptureLoadError, loadCapture, loadCaptureFile } from '../../../extension/core/load/index';
import { LoadCancelledError } from '../../../extension/core/load/stream/index';
import type { Exchange } from '../../../extension/core/model';
import { scanCapture, type ScanResult } from '../../../extension/core/scan';
import { captureTextMarksInWorker, loadAndScanInWorker, scanBytesInWorker, textMarksInWorker, WorkerLoadCancelledError, type WorkerProgress } from '../../../extension/core/work/client';
import { captureTextMarks, plainTextMarks } from '../../../extension/core/view/textFindings';
import { brotliBomb, deflateBomb, harEntry, harText, siblingEntry } from '../bombs/make';
import type { KnownValue } from '../../../extension/core/detect/known';
import { responseSize } from '../../../extension/editor/rows';
import { corpusPath } from '../corpus';
import { materialize } from '../materialize';

// Tests run from dist/test/unit/work; the worker is bundled beside the extension.
const WORKER = resolve(__dirname, '../../../captureWorker.js');

/** The scan without its timings. */
function comparable(scan: ScanResult): unknown {
  const { stats, ...rest } = scan;
  const { durationMs: _, ...counts } = stats;
  return { ...rest, stats: counts };
}

const FILES = [
  'generated/har/mitmproxy_hardump.har',
  'generated/har/chrome-har_cdp.har',
  'generated/har/mitmproxy_hardump.zhar',
  'generated/har/playwright_chromium_omit-content.har',
  'public/har/harviewer__jsonp.harp',
  'generated/tshark_from_public/pcapdroid__two_flows.tshark.json',
  'generated/tshark_from_public/pcapplusplus__http-packets2.tshark.ek.jsonl',
];

const KNOWN: KnownValue[] = [{ kind: 'imei', value: '868715392756833' }, { kind: 'string', value: 'leaklens' }];

describe('capture worker', function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build first`);
    dir = mkdtempSync(join(tmpdir(), 'leaklens-worker-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('gives the capture and findings of loadCaptureFile + scanCapture', () => {
    for (const name of FILES) {
      it(name, async () => {
        const file = corpusPath(name);
        const batches: number[] = [];
        const progress: WorkerProgress[] = [];
        const load = loadAndScanInWorker(file, { workerScript: WORKER, known: KNOWN, chunkBytes: 16 * 1024, batchSize: 7, progressMs: 0 }, {
          onExchanges: (exchanges, received) => {
            batches.push(exchanges.length);
            assert.equal(exchanges[exchanges.length - 1]?.id, received - 1, 'exchanges arrive in id order');
          },
          onProgress: (p) => progress.push(p),
        });
        const { capture, scan } = await load.result;
        const fast = loadCaptureFile(file);
        assert.deepStrictEqual(materialize(capture), materialize(fast));
        assert.deepStrictEqual(comparable(scan), comparable(scanCapture(fast, { known: KNOWN })));
        assert.ok(batches.every((n) => n <= 7), `batches of at most 7: ${batches.join(', ')}`);
        assert.ok(progress.length > 0, 'progress was reported');
        const last = progress[progress.length - 1];
        assert.equal(last.bytesRead, last.totalBytes);
      });
    }
  });

  it('passes the decode limits and the phone region on to the scan', async () => {
    const file = corpusPath('generated/har/chrome-har_cdp.har');
    const limits = { maxOutputBytes: 64, maxDepth: 2, maxRatio: 200, maxTimeMs: 60_000, maxLeaves: 200_000 };
    const { scan } = await loadAndScanInWorker(file, { workerScript: WORKER, limits, defaultRegion: 'DE' }).result;
    const here = scanCapture(loadCaptureFile(file), { limits, defaultRegion: 'DE' });
    assert.ok(here.limits.length > 0, 'the small limits are hit');
    assert.deepStrictEqual(comparable(scan), comparable(here));
  });

  it('reports progress with exchanges and findings so far, and shows rows before the end', async () => {
    const file = corpusPath('generated/tshark_from_public/pcapplusplus__http-packets2.tshark.x.json');
    const harFile = corpusPath('generated/har/chrome-har_cdp.har');
    for (const path of [file, harFile]) {
      const progress: WorkerProgress[] = [];
      let rowsBeforeEnd = false;
      const { capture, scan } = await loadAndScanInWorker(path, { workerScript: WORKER, chunkBytes: 4096, batchSize: 5, progressMs: 0 }, {
        onProgress: (p) => progress.push(p),
        onExchanges: () => {
          if (progress.length > 0 && progress[progress.length - 1].bytesRead < progress[progress.length - 1].totalBytes) rowsBeforeEnd = true;
        },
      }).result;
      assert.ok(progress.length > 1);
      for (let i = 1; i < progress.length; i++) {
        assert.ok(progress[i].bytesRead >= progress[i - 1].bytesRead);
        assert.ok(progress[i].exchanges >= progress[i - 1].exchanges);
        assert.ok(progress[i].findings >= progress[i - 1].findings);
      }
      assert.ok(progress[progress.length - 1].exchanges <= capture.exchanges.length);
      assert.ok(progress[progress.length - 1].findings <= scan.findings.length);
      // A HAR hands each entry on as it is read; tshark pairs its packets at the end.
      if (path === harFile) assert.ok(rowsBeforeEnd, 'rows arrived while the file was still being read');
    }
  });

  it('stops at maxExchanges with a warning', async () => {
    const file = corpusPath('generated/har/chrome-har_cdp.har');
    const { capture, scan } = await loadAndScanInWorker(file, { workerScript: WORKER, maxExchanges: 3 }).result;
    assert.equal(capture.exchanges.length, 3);
    assert.ok(capture.warnings.some((w) => w.code === 'max-exchanges'));
    assert.ok(scan.findings.every((f) => f.exchangeId < 3));
  });

  it('stops when cancelled, keeping what it sent', async () => {
    // Entries enough for many chunks: the cancel lands long before the end.
    const entry = (i: number) => JSON.stringify({
      startedDateTime: '2024-01-01T00:00:00Z', time: 1,
      request: { method: 'GET', url: `http://example.com/${i}?imei=868715392756833`, httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize: 0 },
      cache: {}, timings: { send: 0, wait: 0, receive: 0 },
    });
    const path = join(dir, 'many.har');
    writeFileSync(path, `{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [${Array.from({ length: 20_000 }, (_, i) => entry(i)).join(',')}]}}`);
    let received: Exchange[] = [];
    const load = loadAndScanInWorker(path, { workerScript: WORKER, chunkBytes: 512, batchSize: 10, progressMs: 0 }, {
      onExchanges: (exchanges) => {
        received = received.concat(exchanges);
        load.cancel();
      },
    });
    await assert.rejects(load.result, (err: unknown) => {
      assert.ok(err instanceof LoadCancelledError && err instanceof WorkerLoadCancelledError, String(err));
      // What was read before the cancel comes back scanned, for the editor to show.
      const partial = err.partial;
      assert.ok(partial, 'the worker said what it had read');
      assert.equal(partial.capture.exchanges.length, received.length);
      assert.equal(partial.capture.format, 'har');
      assert.ok(partial.scan.findings.length > 0 && partial.scan.findings.every((f) => f.exchangeId < received.length));
      return true;
    });
    assert.ok(received.length > 0 && received.length < 20_000, `${received.length} exchanges before the cancel`);
  });

  it('reports a broken file with the place, as the full load does', async () => {
    for (const name of ['public/har/mitmproxy__brokenfile.har', 'public/har/harviewer__not-json.har']) {
      const file = corpusPath(name);
      let expected: string | undefined;
      try {
        loadCaptureFile(file);
      } catch (err) {
        assert.ok(err instanceof CaptureLoadError);
        expected = err.message;
      }
      assert.ok(expected, `${name} does not load`);
      await assert.rejects(loadAndScanInWorker(file, { workerScript: WORKER }).result, (err: unknown) => {
        assert.ok(err instanceof CaptureLoadError, String(err));
        assert.equal(err.message, expected);
        return true;
      });
    }
  });

  it('names the file by its display name in errors and in the capture', async () => {
    const path = join(dir, 'cut.har');
    writeFileSync(path, '{"log": {"entries": [{"request": ');
    await assert.rejects(loadAndScanInWorker(path, { workerScript: WORKER, displayName: 'captures/cut.har' }).result, (err: unknown) => {
      assert.ok(err instanceof CaptureLoadError);
      assert.match(err.message, /^captures\/cut\.har\b/);
      return true;
    });
    const { capture } = await loadAndScanInWorker(corpusPath('generated/har/mitmproxy_hardump.har'), { workerScript: WORKER, displayName: 'x/dump.har' }).result;
    assert.equal(capture.source.name, 'x/dump.har');
  });

  it('a body read after the file changed, or was removed, is refused with why; sizes stay known without reading', async () => {
    const file = join(dir, 'changes.har');
    copyFileSync(corpusPath('generated/har/mitmproxy_hardump.har'), file);
    const { capture } = await loadAndScanInWorker(file, { workerScript: WORKER }, {}).result;
    const upload = capture.exchanges[4];
    const size = responseSize(upload.response);
    assert.ok(upload.request.body && upload.request.body.bytes.length > 0, 'read while the file is as it was');
    // Same length, other bytes (as an editor saving in place would): not shown as if it were the capture.
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('mistats', 'MISTATS'));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const fresh = capture.exchanges[1];
    assert.throws(() => fresh.request.body?.bytes, /changed after it was opened; its bodies cannot be re-read \(open it again\)/);
    rmSync(file);
    assert.throws(() => capture.exchanges[2].request.body?.bytes, /was removed or cannot be read since it was opened \(ENOENT\)/);
    assert.equal(responseSize(upload.response), size, 'the table\'s size column does not read the body');
  });
});

describe('capture worker: scanning bytes the caller loaded (small captures, off the caller\'s thread)', function () {
  this.timeout(120_000);

  for (const name of FILES) {
    it(`${name}: the findings of scanCapture on this thread`, async () => {
      const bytes = readFileSync(corpusPath(name));
      const here = loadCapture(bytes, name);
      const scan = await scanBytesInWorker(bytes, { workerScript: WORKER, displayName: name, known: KNOWN, expectExchanges: here.exchanges.length }).result;
      assert.deepStrictEqual(comparable(scan), comparable(scanCapture(here, { known: KNOWN })));
    });
  }

  it('keeps to the exchanges the caller kept, and refuses a count that disagrees', async () => {
    const name = 'generated/har/mitmproxy_hardump.har';
    const bytes = readFileSync(corpusPath(name));
    const here = loadCapture(bytes, name);
    assert.ok(here.exchanges.length > 3);
    const first3 = await scanBytesInWorker(bytes, { workerScript: WORKER, displayName: name, maxExchanges: 3, expectExchanges: 3 }).result;
    assert.equal(first3.summary.exchanges, 3);
    assert.ok(first3.findings.every((f) => f.exchangeId < 3));
    await assert.rejects(scanBytesInWorker(bytes, { workerScript: WORKER, displayName: name, expectExchanges: 3 }).result, /read \d+ exchanges where 3 are shown/);
  });

  it('reports bytes that do not load as the loader would, naming the file and the place', async () => {
    const err = await scanBytesInWorker(Buffer.from('{"log": {"entries": [ {"request": '), { workerScript: WORKER, displayName: 'cut.har' }).result.then(
      () => assert.fail('a cut file scanned'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CaptureLoadError, String(err));
    assert.equal(err.file, 'cut.har');
    assert.ok(err.location?.line !== undefined || err.location?.jsonPath !== undefined, JSON.stringify(err.location));
  });

  it('a capture of decompression bombs is scanned while this thread keeps running, each cap recorded', async () => {
    const bombs = await Promise.all([deflateBomb('gzip'), brotliBomb(), deflateBomb('zlib')]);
    const bytes = Buffer.from(harText([
      siblingEntry('before'),
      ...bombs.map((b) => harEntry({ response: { bytes: b.bytes, contentEncoding: b.contentEncoding } })),
      siblingEntry('after'),
    ]));
    // This thread's event loop turns while the worker decodes: counted, not timed.
    let turns = 0;
    let turning = true;
    const turn = (): void => {
      turns++;
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    const job = scanBytesInWorker(bytes, { workerScript: WORKER, displayName: 'bombs.har', expectExchanges: bombs.length + 2 });
    const scan = await job.result.finally(() => (turning = false));
    assert.ok(turns > 10, `this thread's event loop turned ${turns} times while the worker scanned`);
    for (let id = 1; id <= bombs.length; id++) assert.ok(scan.limits.some((l) => l.exchangeId === id && l.part === 'response_body'), `a cap recorded for exchange #${id}`);
    assert.deepEqual(scan.findings.filter((f) => f.kind === 'imei').map((f) => f.exchangeId).sort(), [0, bombs.length + 1]);
  });

  it('abort stops the worker and rejects', async () => {
    const bomb = await deflateBomb('gzip');
    const job = scanBytesInWorker(Buffer.from(harText([harEntry({ response: { bytes: bomb.bytes, contentEncoding: bomb.contentEncoding } })])), { workerScript: WORKER, displayName: 'bomb.har' });
    job.abort();
    await assert.rejects(job.result, /the scanBytes job was stopped/);
  });
});

describe('capture worker: marking any text ("Scan This File")', function () {
  this.timeout(60_000);

  it('gives the marks of plainTextMarks on this thread: identifiers, a known value, a base64 token decoded', async () => {
    const imeiInBase64 = Buffer.from('{"imei":"868715392756833"}').toString('base64');
    const text = [
      'val imei = "490154203237518" // TelephonyManager.getDeviceId()',
      `val payload = "${imeiInBase64}"`,
      'val owner = "researcher@example.org"',
      'val androidId = "9774D56D682E549C"',
    ].join('\n');
    const options = { known: [{ kind: 'android_id' as const, value: '9774d56d682e549c' }], region: 'DE' };
    const here = plainTextMarks(text, options);
    const there = await textMarksInWorker(text, options, WORKER).result;
    assert.deepStrictEqual(there, here);
    assert.ok(there.marks.some((m) => m.findings.some((f) => f.kind === 'imei' && f.value === '490154203237518')));
    assert.ok(there.marks.some((m) => m.encoded && m.findings.some((f) => f.value === '868715392756833' && f.chain[0] === 'base64')));
    assert.ok(there.marks.some((m) => m.findings.some((f) => f.detector === 'known-value')));
  });
});

describe('capture worker: a capture held as text, scanned and placed there', function () {
  this.timeout(60_000);

  for (const name of ['generated/har/mitmproxy_hardump.har', 'generated/pcap/telemetry_small.tshark.json']) {
    it(`${name}: the marks of captureTextMarks on this thread`, async () => {
      const text = readFileSync(corpusPath(name), 'utf8');
      const capture = loadCapture(Buffer.from(text), name);
      const here = captureTextMarks(text, capture, scanCapture(capture, { known: KNOWN }).findings);
      const there = await captureTextMarksInWorker(text, { workerScript: WORKER, displayName: name, known: KNOWN, placeBudgetMs: 60_000 }).result;
      assert.deepStrictEqual(there.marks, here);
      assert.ok(there.marks.marks.length > 0);
    });
  }
});
