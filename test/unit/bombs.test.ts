// Bombs (issue 8): compressed bodies that expand 1,000×–660,000×, Content-Encoding stacked past
// the depth bound, base64 nested 20 deep, a 200 MB base64 string and JSON nested 1,000,000 deep,
// each through the real paths — loadCapture → scanCapture, the detail pane's model (and the
// structured clone that carries it to the webview), and the advisory. Each must stop at its cap,
// record which cap and why, produce no more than the cap, throw nothing, and leave the findings
// around it intact (an IMEI in a sibling field and a sibling exchange).
//
// No timing assertions: mocha's timeout is only a hang guard. The bench (bench/bombs.bench.ts)
// measures time to stop and the longest stall.
import assert from 'node:assert/strict';
import { decodeField, DEFAULT_DECODE_LIMITS, RATIO_FLOOR_BYTES } from '../../extension/core/decode/index';
import { CaptureLoadError, loadCapture } from '../../extension/core/load/index';
import type { Capture, DecodeLimitHit, ExchangePart } from '../../extension/core/model';
import { writeAdvisory } from '../../extension/core/report/advisory';
import { fieldsOf, scanCapture, type ScanResult } from '../../extension/core/scan';
import { parseSidecar, SidecarError } from '../../extension/core/annotations/sidecar';
import { exchangeDetail, layerText } from '../../extension/editor/detail';
import type { ExchangeDetail } from '../../extension/protocol';
import {
  brotliBomb, deepJsonArray, deepJsonObject, deflateBomb, harEntry, harText, hugeBase64, IMEI, MiB, nestedBase64, prefixedGzip,
  siblingEntry, stackedBomb, type Bomb,
} from './bombs/make';

const CAP_KINDS = new Set<DecodeLimitHit['limit']>(['max-output-bytes', 'max-ratio']);
const LIM = DEFAULT_DECODE_LIMITS;

interface Run {
  capture: Capture;
  scan: ScanResult;
  details: ExchangeDetail[];
  advisory: string;
}

/** Load, scan, build every exchange's detail (and clone it as postMessage would), write the advisory. */
function runAll(text: string, file = 'bomb.har'): Run {
  const capture = loadCapture(Buffer.from(text), file);
  const scan = scanCapture(capture);
  const details = capture.exchanges.map((ex) => {
    const detail = exchangeDetail(ex, scan.findings.filter((f) => f.exchangeId === ex.id), { format: capture.format });
    // The host posts this to the webview: a structured clone must take it (it recurses).
    structuredClone(detail);
    return detail;
  });
  const advisory = writeAdvisory({ captures: [{ file, capture, scan }], options: { includeOwnValues: true, now: new Date('2024-01-02T00:00:00Z') } });
  return { capture, scan, details, advisory };
}

function imeiFoundIn(run: Run, exchangeId: number, part?: ExchangePart): boolean {
  return run.scan.findings.some((f) => f.kind === 'imei' && f.value === IMEI && f.exchangeId === exchangeId && (part === undefined || f.part === part));
}

function limitsOf(run: Run, exchangeId: number, part: ExchangePart): DecodeLimitHit[] {
  return run.scan.limits.filter((l) => l.exchangeId === exchangeId && l.part === part);
}

/** The decoded output of the field (all leaves but the raw one), from the scan's own decoder. */
function decodedBytes(capture: Capture, exchangeId: number, part: ExchangePart): { total: number; largest: number; inputSize: number } {
  const field = fieldsOf(capture.exchanges[exchangeId]).find((f) => f.part === part);
  assert.ok(field, `no ${part} field`);
  const result = decodeField(field.input);
  let total = 0;
  let largest = 0;
  for (const leaf of result.leaves) {
    if (leaf.chain.length === 0) continue;
    total += leaf.text.length;
    largest = Math.max(largest, leaf.text.length);
  }
  return { total, largest, inputSize: field.input.bytes?.length ?? field.input.text?.length ?? 0 };
}

/** No step produced more than the per-step cap, nor all steps more than the ratio budget. */
function assertWithinCaps(capture: Capture, exchangeId: number, part: ExchangePart): void {
  const { total, largest, inputSize } = decodedBytes(capture, exchangeId, part);
  assert.ok(largest <= LIM.maxOutputBytes, `one leaf of ${largest} bytes is over the ${LIM.maxOutputBytes}-byte cap`);
  const budget = LIM.maxRatio * Math.max(inputSize, RATIO_FLOOR_BYTES);
  // Decompressed bytes are charged when made and their text leaf again as text: allow both.
  assert.ok(total <= 2 * budget + LIM.maxOutputBytes, `decoded ${total} bytes, budget ${budget}`);
}

function notesOf(detail: ExchangeDetail): string[] {
  return detail.sections.flatMap((s) => s.notes);
}

/** A capture of three exchanges: sibling, the bomb's (with an IMEI header beside it), sibling. */
function bombCapture(entry: Record<string, unknown>, replace: Record<string, string> = {}): string {
  return harText([siblingEntry('before'), entry, siblingEntry('after')], replace);
}

function withImeiHeader(spec: Parameters<typeof harEntry>[0]): Record<string, unknown> {
  return harEntry({ ...spec, requestHeaders: [...(spec.requestHeaders ?? []), { name: 'X-Device-Id', value: IMEI }] });
}

function assertSiblingsFound(run: Run): void {
  assert.equal(run.capture.exchanges.length, 3);
  assert.ok(imeiFoundIn(run, 0), 'the IMEI of the exchange before the bomb');
  assert.ok(imeiFoundIn(run, 2), 'the IMEI of the exchange after the bomb');
  assert.ok(imeiFoundIn(run, 1, 'request_header'), 'the IMEI in a sibling field of the bomb');
  assert.ok(run.advisory.includes(IMEI), 'the advisory names the IMEI');
}

describe('bombs: decompression', function () {
  // Hang guard only (building the bombs included).
  this.timeout(120_000);

  const cases: [string, () => Promise<Bomb>][] = [
    ['gzip', () => deflateBomb('gzip')],
    ['zlib (Content-Encoding: deflate)', () => deflateBomb('zlib')],
    ['raw deflate (Content-Encoding: deflate)', () => deflateBomb('deflate')],
    ['brotli, 1 GiB of zeros', () => brotliBomb()],
  ];
  for (const [name, make] of cases) {
    it(`${name}: stops at its cap, says which, and the rest is scanned`, async () => {
      const bomb = await make();
      assert.ok(bomb.expandsTo / bomb.bytes.length >= 1000, `a ${Math.round(bomb.expandsTo / bomb.bytes.length)}× bomb`);
      const run = runAll(bombCapture(withImeiHeader({ response: { bytes: bomb.bytes, contentEncoding: bomb.contentEncoding } })));
      const body = run.capture.exchanges[1].response?.body;
      assert.equal(body?.contentCoding === 'already-decoded', false, 'the loader keeps the coding on the bytes');
      const hits = limitsOf(run, 1, 'response_body');
      assert.ok(hits.some((h) => CAP_KINDS.has(h.limit) && h.detail.length > 0), JSON.stringify(hits));
      assertWithinCaps(run.capture, 1, 'response_body');
      assertSiblingsFound(run);
      assert.ok(notesOf(run.details[1]).some((n) => n.includes('decoding stopped')), 'the detail pane says decoding stopped');
    });
  }

  it('a gzip bomb with an IMEI up front: the head up to the cap is still scanned', async () => {
    const bomb = await prefixedGzip(`{"imei":"${IMEI}","pad":"`, 64 * MiB);
    const run = runAll(bombCapture(harEntry({ response: { bytes: bomb.bytes, contentEncoding: bomb.contentEncoding } })));
    assert.ok(limitsOf(run, 1, 'response_body').some((h) => CAP_KINDS.has(h.limit)));
    assertWithinCaps(run.capture, 1, 'response_body');
    assert.ok(imeiFoundIn(run, 1, 'response_body'), 'the IMEI before the cap');
  });

  it('a gzip bomb sent base64-encoded in a header (base64 → gzip, no Content-Encoding)', async () => {
    const bomb = await deflateBomb('gzip');
    const run = runAll(bombCapture(withImeiHeader({ requestHeaders: [{ name: 'X-Blob', value: bomb.bytes.toString('base64') }] })));
    const hits = run.scan.limits.filter((l) => l.exchangeId === 1 && l.fieldPath === 'X-Blob');
    assert.ok(hits.some((h) => CAP_KINDS.has(h.limit) && h.chain.join('>') === 'base64>gzip'), JSON.stringify(hits));
    assertSiblingsFound(run);
  });

  it('Content-Encoding stacked 12 deep (br, gzip, br, …): the depth bound stops it', async () => {
    const bomb = await stackedBomb(12);
    const run = runAll(bombCapture(withImeiHeader({ response: { bytes: bomb.bytes, contentEncoding: bomb.contentEncoding } })));
    const hits = limitsOf(run, 1, 'response_body');
    assert.ok(hits.some((h) => h.limit === 'max-depth' && h.chain.length === LIM.maxDepth + 1), JSON.stringify(hits));
    assertWithinCaps(run.capture, 1, 'response_body');
    assertSiblingsFound(run);
  });

  it('Content-Encoding stacked 4 deep: undone to the bomb, which its cap stops', async () => {
    const bomb = await stackedBomb(4);
    const run = runAll(bombCapture(withImeiHeader({ response: { bytes: bomb.bytes, contentEncoding: bomb.contentEncoding } })));
    const hits = limitsOf(run, 1, 'response_body');
    assert.ok(hits.some((h) => CAP_KINDS.has(h.limit) && h.chain.length === 4 && h.chain[3] === 'brotli'), JSON.stringify(hits));
    assertWithinCaps(run.capture, 1, 'response_body');
    assertSiblingsFound(run);
  });
});

describe('bombs: base64', function () {
  this.timeout(120_000);

  it('base64 nested 20 deep in a body and a header: the depth bound stops it and says where', () => {
    const deep = nestedBase64(`{"imei":"${IMEI}"}`, 20);
    const run = runAll(bombCapture(withImeiHeader({ postData: { text: deep }, requestHeaders: [{ name: 'X-Token', value: deep }] })));
    for (const [part, fieldPath] of [['request_body', 'body'], ['request_header', 'X-Token']] as const) {
      const hits = run.scan.limits.filter((l) => l.exchangeId === 1 && l.part === part && l.fieldPath === fieldPath);
      const depth = hits.find((h) => h.limit === 'max-depth');
      assert.ok(depth, `${part}: ${JSON.stringify(hits)}`);
      assert.equal(depth.chain.length, LIM.maxDepth + 1);
      assert.ok(depth.chain.every((s) => s === 'base64'));
    }
    assertSiblingsFound(run);
    assert.ok(notesOf(run.details[1]).some((n) => n.includes('decoding stopped')));
  });

  it('a 200 MB base64 string: refused before it is decoded; the detail pane shows a bounded part', () => {
    const huge = hugeBase64(200 * 1000 * 1000);
    const capture = loadCapture(Buffer.from(bombCapture(withImeiHeader({ postData: { text: huge } }))), 'bomb.har');
    const field = fieldsOf(capture.exchanges[1]).find((f) => f.part === 'request_body');
    assert.ok(field);
    const result = decodeField(field.input);
    assert.ok(result.limits.some((h) => h.limit === 'max-output-bytes' && /base64 run of 2\d{8} characters/.test(h.detail)), JSON.stringify(result.limits));
    assertWithinCaps(capture, 1, 'request_body');
    const detail = exchangeDetail(capture.exchanges[1], []);
    structuredClone(detail);
    const json = JSON.stringify(detail);
    assert.ok(json.length < 8 * MiB, `detail message of ${json.length} characters`);
    assert.ok(notesOf(detail).some((n) => n.includes('base64 run of')), 'the detail pane says why it was not decoded');
    const copied = layerText(capture.exchanges[1], 'request-body', 0, 0);
    assert.ok(copied !== undefined && copied.length <= 16 * MiB);
  });

  // scan.ts once ran a global regex over token runs here, and V8's backtracking stack overflowed on
  // a run of ~10 million characters: the RangeError escaped scanCapture and the capture went unscanned.
  it('a 10 MB and a 200 MB base64 string: the capture is still scanned', () => {
    for (const chars of [10_000_000, 200_000_000]) {
      const run = runAll(bombCapture(withImeiHeader({ postData: { text: hugeBase64(chars) } })));
      assertSiblingsFound(run);
      const capped = limitsOf(run, 1, 'request_body').some((l) => l.limit === 'max-output-bytes');
      // 10 M base64 characters decode to 7.5 MB, under the 16 MiB step cap; 200 M would be 150 MB.
      assert.equal(capped, chars >= 20_000_000, `${chars} characters: capped ${capped}`);
    }
  });
});

describe('bombs: JSON nested 1,000,000 deep', function () {
  this.timeout(120_000);
  const DEPTH = 1_000_000;

  it('in a body: the JSON walker stops at its depth bound, the IMEI at the bottom is still read as text', () => {
    const run = runAll(bombCapture(withImeiHeader({ postData: { mimeType: 'application/json', text: deepJsonObject(DEPTH) } })));
    const hits = limitsOf(run, 1, 'request_body');
    assert.ok(hits.some((h) => h.limit === 'max-depth' && h.detail.includes('JSON nested deeper')), JSON.stringify(hits));
    assertSiblingsFound(run);
    assert.ok(imeiFoundIn(run, 1, 'request_body'), 'the raw text is still scanned');
    // What the host posts for it is flat (sections → fields → layers of text), however deep the body.
    const json = JSON.stringify(run.details[1]);
    assert.ok(json.length < 8 * MiB, `detail message of ${json.length} characters`);
    assert.ok(notesOf(run.details[1]).some((n) => n.includes('JSON nested deeper')));
  });

  it('an array 1,000,000 deep in a response body, and in base64 in a query value', () => {
    const deep = deepJsonArray(DEPTH);
    const run = runAll(bombCapture(withImeiHeader({ url: `https://bomb.test/q?d=${Buffer.from(deep).toString('base64')}`, response: { bytes: Buffer.from(deep) } })));
    assert.ok(limitsOf(run, 1, 'response_body').some((h) => h.limit === 'max-depth'));
    assertSiblingsFound(run);
  });

  it('in HAR fields (postData.params, a header value, a cookie, an entry extra): the loader keeps the rest', () => {
    const entry = withImeiHeader({
      postData: { mimeType: 'application/json', params: [{ name: 'deep', value: 'DEEP_PARAM' }, { name: 'imei', value: IMEI }] },
      requestHeaders: [{ name: 'X-Deep', value: 'DEEP_HEADER' }],
    });
    (entry.request as { cookies: unknown[] }).cookies.push({ name: 'c', value: 'DEEP_COOKIE' });
    entry._deep = 'DEEP_EXTRA';
    const deep = deepJsonArray(DEPTH);
    const text = bombCapture(entry, { DEEP_PARAM: deep, DEEP_HEADER: deep, DEEP_COOKIE: deep, DEEP_EXTRA: deep });
    const run = runAll(text);
    assert.ok(run.capture.warnings.some((w) => w.code === 'har-param-too-deep'));
    const req = run.capture.exchanges[1].request;
    assert.equal(req.headers.find((h) => h.name === 'X-Deep')?.value, '', 'a non-string header value is not kept');
    assert.equal(req.cookies[0].value, '');
    for (const path of ['headers[0].value', 'cookies[0].value']) {
      assert.ok(run.capture.warnings.some((w) => w.location?.jsonPath === `$.log.entries[1].request.${path}`), `a warning at ${path}`);
    }
    assert.ok(imeiFoundIn(run, 1, 'request_body'), 'the IMEI param beside the deep one');
    assertSiblingsFound(run);
  });

  it('a tshark -T json packet nested 1,000,000 deep is refused with where, not a stack overflow', () => {
    const text = `[{"_index":"x","_source":{"layers":{"frame":{"frame.number":"1","deep":${deepJsonArray(DEPTH)}}}}}]`;
    assert.throws(() => loadCapture(Buffer.from(text), 'deep.json'), (err: unknown) =>
      err instanceof CaptureLoadError && /line 1, column \d+\).*nesting at most \d+ deep/.test(err.message));
  });

  it('in the sidecar: refused as a sidecar error with where', () => {
    const text = `{"schema":1,"x":${deepJsonArray(DEPTH)}}`;
    assert.throws(() => parseSidecar(text, 'deep.har.leaklens.json'), (err: unknown) =>
      err instanceof SidecarError && /nesting at most \d+ deep/.test(err.message) && err.location?.line === 1 && (err.location.column ?? 0) > 1);
  });
});
