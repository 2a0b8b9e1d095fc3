import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { anchorKey, anchorOf, findingRefOf, resolveAnchors, sameFinding, sameStart } from '../../../extension/core/annotations/anchor';
import { loadCapture, loadCaptureFile } from '../../../extension/core/load/index';
import type { Capture, Exchange, Finding } from '../../../extension/core/model';
import { scanCapture } from '../../../extension/core/scan';
import { corpusPath } from '../corpus';
import { rng } from '../rng';

const HAR = corpusPath('generated/har/mitmproxy_hardump.har');

/** The capture with its exchanges in another order and numbered again, as a reordering tool would leave it. */
function reordered(capture: Capture, order: number[]): Capture {
  return { ...capture, exchanges: order.map((from, to) => ({ ...capture.exchanges[from], id: to })) };
}

function shuffle(n: number, seed: number): number[] {
  const random = rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

interface HarDoc {
  log: { entries: { startedDateTime: string; request: { method: string; url: string; headers: { name: string; value: string }[] }; time: number }[] };
}

describe('anchors: exchanges found again after the capture changed', () => {
  const capture = loadCaptureFile(HAR);
  const anchors = capture.exchanges.map(anchorOf);

  it('anchors carry the index, method, URL, start time and a SHA-256 of the request body', () => {
    const post = capture.exchanges.find((e) => (e.request.body?.bytes.length ?? 0) > 0) as Exchange;
    const anchor = anchorOf(post);
    assert.equal(anchor.index, post.id);
    assert.equal(anchor.method, post.request.method);
    assert.equal(anchor.url, post.request.url);
    assert.equal(anchor.startedDateTime, post.startedDateTime);
    assert.match(anchor.requestBodySha256 ?? '', /^[0-9a-f]{64}$/);
    const get = capture.exchanges.find((e) => !e.request.body || e.request.body.bytes.length === 0) as Exchange;
    assert.equal(anchorOf(get).requestBodySha256, undefined);
  });

  it('attaches by index when the capture is unchanged', () => {
    const resolved = resolveAnchors(capture, anchors);
    assert.deepEqual(resolved.map((r) => [r.how, r.exchangeId]), anchors.map((_, i) => ['index', i]));
  });

  it('re-attaches by fingerprint after the entries are shuffled and numbered again', () => {
    for (const seed of [1, 2, 3]) {
      const order = shuffle(capture.exchanges.length, seed);
      const moved = reordered(capture, order);
      const resolved = resolveAnchors(moved, anchors);
      resolved.forEach((r, oldIndex) => {
        const newIndex = order.indexOf(oldIndex);
        assert.equal(r.exchangeId, newIndex, r.reason);
        assert.equal(r.how, newIndex === oldIndex ? 'index' : 'fingerprint');
        if (r.how === 'fingerprint') assert.match(r.reason, new RegExp(`moved from exchange ${oldIndex} to ${newIndex}`));
      });
    }
  });

  it('re-attaches after a re-export: headers changed, start time in another zone and precision, entries inserted before', () => {
    const doc = JSON.parse(readFileSync(HAR, 'utf8')) as HarDoc;
    const first = doc.log.entries[0];
    for (const entry of doc.log.entries) {
      // Another exporter: its own headers, times written in +01:00 to the millisecond, other timings.
      entry.request.headers = [...entry.request.headers.filter((h) => h.name.toLowerCase() !== 'user-agent'), { name: 'X-Exported-By', value: 'other tool' }];
      const ms = Date.parse(entry.startedDateTime);
      entry.startedDateTime = new Date(ms + 3_600_000).toISOString().replace('Z', '+01:00');
      entry.time += 1;
    }
    // Two requests the first export did not have, at the front (every index shifts by two), and the order reversed.
    const extra = JSON.parse(JSON.stringify(first)) as HarDoc['log']['entries'][number];
    extra.request.url += '&again=1';
    doc.log.entries = [extra, { ...extra, startedDateTime: '2030-01-01T00:00:00.000Z' }, ...doc.log.entries.reverse()];
    const reexported = loadCapture(Buffer.from(JSON.stringify(doc)), 'reexported.har');
    const n = capture.exchanges.length;
    const resolved = resolveAnchors(reexported, anchors);
    resolved.forEach((r, oldIndex) => {
      assert.equal(r.how, 'fingerprint', r.reason);
      assert.equal(r.exchangeId, 2 + (n - 1 - oldIndex), r.reason);
    });
    // A producer that drops fractional seconds did not move the request either.
    assert.ok(sameStart('2026-11-22T00:33:53.819064+00:00', '2026-11-22T01:33:53+01:00'));
    assert.ok(!sameStart('2026-11-22T00:33:53.819064+00:00', '2026-11-22T00:33:53.820Z'));
    assert.ok(sameStart(undefined, '2026-11-22T00:33:53Z'), 'an unknown start does not count against a match');
  });

  it('matches a URL written differently but parsing the same (host case, default port)', () => {
    const anchor = { ...anchors[0], index: 99, url: anchors[0].url.replace('http://127.0.0.1/', 'HTTP://127.0.0.1:80/') };
    const [r] = resolveAnchors(capture, [anchor]);
    assert.equal(r.exchangeId, 0, r.reason);
  });

  it('reports an orphan, with the reason, when the request is gone or changed', () => {
    const post = capture.exchanges.findIndex((e) => (e.request.body?.bytes.length ?? 0) > 0);
    const without = reordered(capture, capture.exchanges.map((_, i) => i).filter((i) => i !== post));
    const [gone] = resolveAnchors(without, [anchors[post]]);
    assert.equal(gone.how, 'orphan');
    assert.equal(gone.exchangeId, undefined);
    assert.match(gone.reason, /^no exchange is POST http/);

    // Something else now sits at the recorded index: it must not be attached to.
    assert.notEqual(without.exchanges[post], undefined);

    const otherBody = { ...anchors[post], requestBodySha256: '0'.repeat(64) };
    const [body] = resolveAnchors(capture, [otherBody]);
    assert.equal(body.how, 'orphan');
    assert.match(body.reason, new RegExp(`exchange\\(s\\) ${post} are POST .* but with another request body`));

    const otherTime = { ...anchors[post], startedDateTime: '2001-01-01T00:00:00.000Z' };
    const [time] = resolveAnchors(capture, [otherTime]);
    assert.equal(time.how, 'orphan');
    assert.match(time.reason, /with the same body but started at another time/);
  });

  it('two identical requests: each anchor gets its own, the nearer one; equally near is reported as ambiguous', () => {
    const twin = (e: Exchange, id: number): Exchange => ({ ...e, id });
    const base = capture.exchanges[0];
    // Positions 0..5: twin at 1 and at 4, other requests between.
    const list = [capture.exchanges[2], twin(base, 1), capture.exchanges[3], capture.exchanges[5], twin(base, 4), capture.exchanges[6]].map((e, i) => ({ ...e, id: i }));
    const twins: Capture = { ...capture, exchanges: list };
    const a1 = { ...anchorOf(list[1]), index: 0 };
    const a2 = { ...anchorOf(list[4]), index: 5 };
    const [r1, r2] = resolveAnchors(twins, [a1, a2]);
    assert.deepEqual([r1.exchangeId, r2.exchangeId], [1, 4], `${r1.reason} / ${r2.reason}`);
    assert.match(r1.reason, /1 identical request\(s\) further away/);
    // The same anchor twice (two annotations on one request) shares its exchange.
    const shared = resolveAnchors(twins, [a1, a1]);
    assert.deepEqual(shared.map((r) => r.exchangeId), [1, 1]);
    // Recorded at 2: the twins at 1 and 4 are 1 and 2 away, so the nearer wins.
    assert.equal(resolveAnchors(twins, [{ ...anchorOf(list[1]), index: 2 }])[0].exchangeId, 1);
    // Recorded at 1 between twins at 0 and 2: equally near, so neither is chosen.
    const list2 = [twin(base, 0), capture.exchanges[3], twin(base, 2)].map((e, i) => ({ ...e, id: i }));
    const [amb] = resolveAnchors({ ...capture, exchanges: list2 }, [{ ...anchorOf(list2[0]), index: 1 }]);
    assert.equal(amb.how, 'orphan');
    assert.match(amb.reason, /^ambiguous: exchanges 0, 2 are all GET .* equally near the recorded position 1/);
    // Both twins already taken by other anchors: the third is an orphan, not a double attachment.
    const taken = resolveAnchors({ ...capture, exchanges: list2 }, [
      { ...anchorOf(list2[0]), index: 0 },
      { ...anchorOf(list2[2]), index: 2 },
      { ...anchorOf(list2[0]), index: 7 },
    ]);
    assert.deepEqual(taken.map((r) => r.how), ['index', 'index', 'orphan']);
    assert.match(taken[2].reason, /already belong to another anchor/);
    assert.notEqual(anchorKey(taken[0].anchor), anchorKey(taken[2].anchor));
  });

  it('finding references match the findings of a later scan, and not others', () => {
    const findings: Finding[] = scanCapture(capture).findings;
    assert.ok(findings.length > 0);
    const ref = findingRefOf(findings[0]);
    assert.ok(sameFinding(ref, findings[0]));
    const rescanned = scanCapture(reordered(capture, shuffle(capture.exchanges.length, 9))).findings;
    assert.ok(rescanned.some((f) => sameFinding(ref, f)));
    assert.ok(!sameFinding(ref, { ...findings[0], chain: [...findings[0].chain, 'extra'] }));
    assert.ok(!sameFinding(ref, { ...findings[0], value: 'other' }));
    ref.chain.push('mutated');
    assert.ok(!findings[0].chain.includes('mutated'), 'the reference owns its chain');
  });
});
