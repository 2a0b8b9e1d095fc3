// The workbench's view of a sidecar on a real corpus capture: anchors resolved, the form's
// pre-filled draft, edits as new sidecars (round trip through the file format), judgements
// filtering the findings the views show, and the session's requests end to end.
import assert from 'node:assert/strict';
import { findingKey, findingRefOf } from '../../../extension/core/annotations/anchor';
import type { Sidecar } from '../../../extension/core/annotations/model';
import { parseSidecar, serializeSidecar } from '../../../extension/core/annotations/sidecar';
import { loadCaptureFile } from '../../../extension/core/load/index';
import type { Capture } from '../../../extension/core/model';
import { scanCapture, type ScanResult } from '../../../extension/core/scan';
import { AnnotationBook } from '../../../extension/editor/annotationBook';
import { scanView } from '../../../extension/editor/rows';
import { allFindingsOf, answer, type SessionView } from '../../../extension/editor/session';
import { parseWebviewMessage, type AnnotationDraft, type FromWebview, type ToWebview } from '../../../extension/protocol';
import { corpusPath } from '../corpus';

const FILE = 'mitmproxy_hardump.har.leaklens.json';
const NOW = new Date('2026-11-22T08:00:00.000Z');

describe('AnnotationBook on mitmproxy_hardump.har', () => {
  let capture: Capture;
  let result: ScanResult;
  const findingsOf = (id: number) => result.findings.filter((f) => f.exchangeId === id);
  /** The upload that sends the IMSI and phone number base64(gzip(JSON)) over plain HTTP. */
  const UPLOAD = 4;

  before(() => {
    capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    result = scanCapture(capture);
    assert.ok(findingsOf(UPLOAD).length > 0, 'the upload has findings');
    assert.equal(capture.exchanges[UPLOAD].secure, false);
  });

  /** Save as the editor does: serialize, read back (what the next book is built from). */
  function saved(sidecar: Sidecar): AnnotationBook {
    return new AnnotationBook(capture, parseSidecar(serializeSidecar(sidecar), FILE), FILE);
  }

  it('pre-fills a new annotation with the exchange’s findings, a title naming them and a severity', () => {
    const book = new AnnotationBook(capture, undefined, FILE);
    const { draft, findings } = book.draft([UPLOAD], null, findingsOf);
    assert.equal(draft.id, null);
    assert.deepEqual(draft.exchangeIds, [UPLOAD]);
    assert.equal(findings.length, new Set(findingsOf(UPLOAD).map((f) => findingKey(findingRefOf(f)))).size);
    assert.deepEqual(draft.findingKeys, findings.map((f) => f.key), 'every finding ticked');
    assert.match(draft.title, /IMSI/);
    assert.match(draft.title, /plain HTTP/);
    assert.equal(draft.severity, 'high', 'a subscriber identifier over plain HTTP');
  });

  it('creates an annotation anchored to its exchange, and it survives the file format', () => {
    const book = new AnnotationBook(capture, undefined, FILE);
    const { draft } = book.draft([UPLOAD], null, findingsOf);
    const edited: AnnotationDraft = { ...draft, title: 'IMSI and phone number uploaded in clear', notes: 'Every **launch**.', tags: ['imsi', ' cleartext ', ''], severity: 'critical' };
    const next = saved(book.withAnnotation(edited, findingsOf, NOW, () => 'a1'));
    const view = next.view();
    assert.equal(view.status, 'ok');
    assert.equal(view.total, 1);
    const a = view.annotations[0];
    assert.deepEqual(
      { id: a.id, title: a.title, notes: a.notes, tags: a.tags, severity: a.severity, exchangeIds: a.exchangeIds, orphans: a.orphans },
      { id: 'a1', title: 'IMSI and phone number uploaded in clear', notes: 'Every **launch**.', tags: ['imsi', 'cleartext'], severity: 'critical', exchangeIds: [UPLOAD], orphans: [] },
    );
    assert.deepEqual(a.findingKeys, draft.findingKeys);
    assert.equal(next.severityOf(UPLOAD), 'critical');
    assert.equal(next.severityOf(0), null);
    const stored = next.sidecar!.annotations[0];
    assert.equal(stored.created, NOW.toISOString());
    assert.equal(stored.exchanges[0].method, 'POST');
    assert.match(stored.exchanges[0].requestBodySha256 ?? '', /^[0-9a-f]{64}$/);
  });

  it('edits keep the id, creation date and unknown fields; untick a finding and it is gone', () => {
    const first = saved(new AnnotationBook(capture, undefined, FILE).withAnnotation(new AnnotationBook(capture, undefined, FILE).draft([UPLOAD], null, findingsOf).draft, findingsOf, NOW, () => 'a1'));
    const withExtra = first.sidecar!;
    withExtra.annotations[0].extra = { cvss: 7.5 };
    const book = saved(withExtra);
    const { draft } = book.draft([], 'a1', findingsOf);
    assert.equal(draft.id, 'a1');
    const later = new Date(NOW.getTime() + 60_000);
    const next = saved(book.withAnnotation({ ...draft, findingKeys: draft.findingKeys.slice(1), severity: 'low' }, findingsOf, later));
    const stored = next.sidecar!.annotations[0];
    assert.equal(stored.id, 'a1');
    assert.equal(stored.created, NOW.toISOString());
    assert.equal(stored.updated, later.toISOString());
    assert.deepEqual(stored.extra, { cvss: 7.5 });
    assert.equal(stored.findings.length, draft.findingKeys.length - 1);
    assert.equal(stored.severity, 'low');
  });

  it('refuses a finding key that is not one of the exchanges’ findings', () => {
    const book = new AnnotationBook(capture, undefined, FILE);
    const { draft } = book.draft([UPLOAD], null, findingsOf);
    assert.throws(() => book.withAnnotation({ ...draft, findingKeys: [JSON.stringify(['imei', '1', 'query', 'x', []])] }, findingsOf), /not one of its exchanges/);
  });

  it('annotates several exchanges at once', () => {
    const leaking = [...new Set(result.findings.map((f) => f.exchangeId))].slice(0, 3);
    const book = new AnnotationBook(capture, undefined, FILE);
    const { draft } = book.draft(leaking, null, findingsOf);
    const next = saved(book.withAnnotation(draft, findingsOf, NOW, () => 'multi'));
    assert.deepEqual(next.view().annotations[0].exchangeIds, leaking);
    for (const id of leaking) assert.notEqual(next.severityOf(id), null);
  });

  it('keeps an annotation whose request is not in this capture as an orphan, with the reason', () => {
    const book = saved(new AnnotationBook(capture, undefined, FILE).withAnnotation(new AnnotationBook(capture, undefined, FILE).draft([UPLOAD], null, findingsOf).draft, findingsOf, NOW, () => 'a1'));
    const sidecar = book.sidecar!;
    sidecar.annotations[0].exchanges[0] = { ...sidecar.annotations[0].exchanges[0], url: 'http://elsewhere.example/upload' };
    const moved = saved(sidecar);
    const view = moved.view().annotations[0];
    assert.deepEqual(view.exchangeIds, []);
    assert.equal(view.orphans.length, 1);
    assert.match(view.orphans[0], /no exchange is POST http:\/\/elsewhere\.example\/upload/);
    assert.equal(moved.severityOf(UPLOAD), null, 'not attached to the request that sits at its old index');
    // Editing it keeps the orphaned anchor: the researcher did not say it is about something else.
    const edited = moved.withAnnotation({ ...moved.draft([], 'a1', findingsOf).draft, title: 'renamed' }, findingsOf, NOW);
    assert.equal(edited.annotations[0].exchanges[0].url, 'http://elsewhere.example/upload');
  });

  it('judging a finding takes it out of the counts, badges and lists; taking it back restores it', () => {
    const book = new AnnotationBook(capture, undefined, FILE);
    const target = findingsOf(UPLOAD)[0];
    const key = findingKey(findingRefOf(target));
    const before = scanView(capture, result, { judgements: book });
    const judged = saved(book.withJudgement(UPLOAD, key, 'false-positive', 'test SIM of the lab', findingsOf));
    assert.equal(judged.view().judgedCount, 1);
    assert.deepEqual(judged.judgementOf(target), { judgement: 'false-positive', reason: 'test SIM of the lab' });
    const after = scanView(capture, result, { judgements: judged });
    assert.equal(after.summary.total, before.summary.total - 1);
    assert.equal(after.findingsOf(UPLOAD).length, before.findingsOf(UPLOAD).length - 1);
    assert.deepEqual(after.judgedOf(UPLOAD), [target]);
    assert.ok(!after.findingsOf(UPLOAD).includes(target));
    // The new draft offers it, not ticked.
    const { draft, findings } = judged.draft([UPLOAD], null, findingsOf);
    assert.equal(findings.find((f) => f.key === key)?.judged, 'false-positive');
    assert.ok(!draft.findingKeys.includes(key));
    // Re-judging replaces; taking back removes.
    const expected = saved(judged.withJudgement(UPLOAD, key, 'expected', 'consented', findingsOf));
    assert.equal(expected.sidecar!.findingStates.length, 1);
    assert.equal(expected.sidecar!.findingStates[0].state, 'expected');
    const restored = saved(expected.withJudgement(UPLOAD, key, null, '', findingsOf));
    assert.equal(restored.view().judgedCount, 0);
    assert.equal(scanView(capture, result, { judgements: restored }).summary.total, before.summary.total);
    assert.throws(() => restored.withJudgement(UPLOAD, key, null, '', findingsOf), /not judged/);
  });

  it('stores known values in the sidecar in the setting’s shape, trimmed and deduplicated, refusing invalid ones', () => {
    const book = new AnnotationBook(capture, undefined, FILE);
    const sidecar = book.withKnownValues([
      { kind: 'imei', value: ' 868715392756833 ' }, { kind: 'imei', value: '868715396536777' }, { kind: 'imei', value: '868715392756833' }, { kind: 'phone', value: '+8613873243456' }, { kind: 'string', value: '  ' },
    ]);
    assert.deepEqual(saved(sidecar).sidecar!.knownValues, { imei: ['868715392756833', '868715396536777'], phone: '+8613873243456' });
    assert.equal(saved(sidecar).withKnownValues([]).knownValues, undefined);
    assert.throws(() => book.withKnownValues([{ kind: 'imsi', value: '12' }]), /known values of mitmproxy_hardump\.har\.leaklens\.json.*imsi/is);
  });

  it('a new annotation or judgement on a request whose stored anchor moved reuses that anchor: the old annotation stays attached', () => {
    // An annotation written when the upload was exchange 2 (the capture has since been reordered).
    const first = new AnnotationBook(capture, undefined, FILE).withAnnotation(new AnnotationBook(capture, undefined, FILE).draft([UPLOAD], null, findingsOf).draft, findingsOf, NOW, () => 'old');
    first.annotations[0].exchanges[0] = { ...first.annotations[0].exchanges[0], index: 2 };
    const moved = saved(first);
    assert.deepEqual(moved.view().annotations[0].exchangeIds, [UPLOAD], 'found by fingerprint');
    const key = findingKey(findingRefOf(findingsOf(UPLOAD)[0]));
    const judged = saved(moved.withJudgement(UPLOAD, key, 'expected', 'consented', findingsOf));
    assert.deepEqual(judged.view().annotations[0].exchangeIds, [UPLOAD], 'still attached after the judgement');
    assert.equal(judged.severityOf(UPLOAD), 'high');
    assert.equal(judged.view().judgedCount, 1);
    const second = saved(judged.withAnnotation(judged.draft([UPLOAD], null, findingsOf).draft, findingsOf, NOW, () => 'new'));
    assert.deepEqual(second.view().annotations.map((a) => a.exchangeIds), [[UPLOAD], [UPLOAD]]);
    assert.equal(second.sidecar!.annotations[1].exchanges[0].index, 2, 'the stored anchor, not a fresh one');
  });

  it('an annotation attached to no request can still be edited (its anchors kept) but not emptied', () => {
    const sidecar = new AnnotationBook(capture, undefined, FILE).withAnnotation(new AnnotationBook(capture, undefined, FILE).draft([UPLOAD], null, findingsOf).draft, findingsOf, NOW, () => 'gone');
    sidecar.annotations[0].exchanges[0] = { ...sidecar.annotations[0].exchanges[0], url: 'http://elsewhere.example/x' };
    const book = saved(sidecar);
    const { draft } = book.draft([], 'gone', findingsOf);
    assert.deepEqual(draft.exchangeIds, []);
    const edited = book.withAnnotation({ ...draft, title: 'still relevant' }, findingsOf, NOW);
    assert.equal(edited.annotations[0].title, 'still relevant');
    assert.equal(edited.annotations[0].exchanges[0].url, 'http://elsewhere.example/x');
    const fresh = saved(new AnnotationBook(capture, undefined, FILE).withAnnotation(new AnnotationBook(capture, undefined, FILE).draft([UPLOAD], null, findingsOf).draft, findingsOf, NOW, () => 'x'));
    assert.throws(() => fresh.withAnnotation({ ...fresh.draft([], 'x', findingsOf).draft, exchangeIds: [] }, findingsOf), /at least one request/);
  });

  it('judgements of requests not in this capture are not counted', () => {
    const book = new AnnotationBook(capture, undefined, FILE);
    const key = findingKey(findingRefOf(findingsOf(UPLOAD)[0]));
    const sidecar = book.withJudgement(UPLOAD, key, 'false-positive', 'lab SIM', findingsOf);
    sidecar.findingStates[0] = { ...sidecar.findingStates[0], exchange: { ...sidecar.findingStates[0].exchange, url: 'http://elsewhere.example/' } };
    const other = saved(sidecar);
    assert.equal(other.view().judgedCount, 0);
    assert.equal(other.judgementSignature(), '');
  });

  it('stores the advisory details; empty answers remove a field, timeline entries are appended', () => {
    const book = new AnnotationBook(capture, undefined, FILE);
    const first = saved(book.withAdvisory({ title: ' RedMi 1S leaks IMSI ', product: 'Xiaomi RedMi 1S', versions: ['MIUI 38.0', ' ', 'MIUI 38.1 '], timelineEntry: { date: '2026-11-22', event: 'reported' } }));
    assert.deepEqual(first.sidecar!.advisory, { title: 'RedMi 1S leaks IMSI', product: 'Xiaomi RedMi 1S', versions: ['MIUI 38.0', 'MIUI 38.1'], timeline: [{ date: '2026-11-22', event: 'reported' }] });
    const second = saved(first.withAdvisory({ title: '', researcher: 'Lab 3', versions: [], timelineEntry: { date: '2026-11-30', event: 'fixed' } }));
    assert.deepEqual(second.sidecar!.advisory, { product: 'Xiaomi RedMi 1S', researcher: 'Lab 3', timeline: [{ date: '2026-11-22', event: 'reported' }, { date: '2026-11-30', event: 'fixed' }] });
    assert.equal(saved(second.withAdvisory({ product: '', researcher: '' })).withAdvisory({}).advisory?.timeline?.length, 2);
  });

  it('refuses every edit while the sidecar on disk cannot be read', () => {
    const book = new AnnotationBook(capture, undefined, FILE, { status: 'error', error: `${FILE}: line 3: not valid JSON` });
    assert.equal(book.view().status, 'error');
    assert.match(book.view().error, /not valid JSON/);
    const { draft } = book.draft([UPLOAD], null, findingsOf);
    assert.throws(() => book.withAnnotation(draft, findingsOf), /cannot be read, so it is not changed/);
    assert.throws(() => book.withKnownValues([]), /cannot be read/);
  });
});

describe('annotation requests through the session', () => {
  let view: SessionView;
  let saves: { sidecar: Sidecar; what: string }[];
  let result: ScanResult;

  beforeEach(() => {
    const capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    result = scanCapture(capture);
    saves = [];
    view = {
      fileName: 'mitmproxy_hardump.har',
      capture,
      loadError: undefined,
      scan: scanView(capture, result),
      annotations: new AnnotationBook(capture, undefined, FILE),
      effects: {
        copy: async () => {},
        reveal: async () => '',
        setKnownValues: async () => 'settings',
        saveSidecar: async (edit, what) => {
          const sidecar = edit(view.annotations!);
          saves.push({ sidecar, what });
          view.annotations = new AnnotationBook(capture, parseSidecar(serializeSidecar(sidecar), FILE), FILE);
          view.scan = scanView(capture, result, { judgements: view.annotations });
          return `${what} (saved to ${FILE})`;
        },
      },
    };
  });

  /** As the page sends it: through the validator first. */
  async function send(raw: unknown): Promise<ToWebview> {
    const message = parseWebviewMessage(raw);
    assert.ok(message, `valid: ${JSON.stringify(raw).slice(0, 200)}`);
    return answer(view, message as FromWebview);
  }

  it('draft → save → rows carry the severity, init lists the annotation → delete', async () => {
    const draftReply = await send({ type: 'getAnnotationDraft', requestId: 1, exchangeIds: [4], annotationId: null });
    assert.equal(draftReply.type, 'annotationDraft');
    if (draftReply.type !== 'annotationDraft') return;
    const saveReply = await send({ type: 'saveAnnotation', requestId: 2, draft: { ...draftReply.draft, title: 'Upload in clear' } });
    assert.deepEqual(saveReply, { type: 'done', requestId: 2, message: `Added the annotation (saved to ${FILE})` });
    const rows = await send({ type: 'getRows', requestId: 3, query: { search: '', sort: 'id', descending: false, kinds: [], hosts: [], methods: [], statuses: [], scheme: 'any', findings: 'any' }, offset: 0, limit: 10 });
    assert.equal(rows.type, 'rows');
    if (rows.type !== 'rows') return;
    assert.equal(rows.rows.find((r) => r.id === 4)?.annotation, 'high');
    assert.equal(rows.rows.find((r) => r.id === 0)?.annotation, null);
    const init = await send({ type: 'ready' });
    assert.equal(init.type === 'init' && init.annotations.annotations[0].title, 'Upload in clear');
    const id = saves[0].sidecar.annotations[0].id;
    const deleted = await send({ type: 'deleteAnnotation', requestId: 4, id });
    assert.deepEqual(deleted, { type: 'done', requestId: 4, message: `Deleted the annotation “Upload in clear” (saved to ${FILE})` });
    assert.equal(saves[1].sidecar.annotations.length, 0);
    const again = await send({ type: 'deleteAnnotation', requestId: 5, id });
    assert.equal(again.type, 'error');
  });

  it('judging through the detail pane’s key: the detail lists it last, judged; copy still finds it', async () => {
    const detail = await send({ type: 'getDetail', requestId: 1, exchangeId: 4 });
    assert.equal(detail.type, 'detail');
    if (detail.type !== 'detail') return;
    const first = detail.detail.findings[0];
    assert.equal(first.judged, null);
    const judged = await send({ type: 'judgeFinding', requestId: 2, exchangeId: 4, key: first.key, judgement: 'expected', reason: 'consented telemetry' });
    assert.equal(judged.type, 'done');
    const after = await send({ type: 'getDetail', requestId: 3, exchangeId: 4 });
    if (after.type !== 'detail') return assert.fail(after.type);
    const last = after.detail.findings[after.detail.findings.length - 1];
    assert.equal(last.key, first.key);
    assert.deepEqual(last.judged, { judgement: 'expected', reason: 'consented telemetry' });
    assert.equal(after.detail.findings.length, detail.detail.findings.length, 'still listed');
    assert.equal(allFindingsOf(view, 4).length, detail.detail.findings.length);
    assert.equal(view.scan!.summary.total, scanView(view.capture!, result).summary.total - 1);
  });

  it('saves known values to the sidecar when asked to', async () => {
    const reply = await send({ type: 'setKnownValues', requestId: 1, target: 'sidecar', entries: [{ kind: 'imei', value: '868715392756833' }] });
    assert.equal(reply.type, 'done');
    assert.deepEqual(saves[0].sidecar.knownValues, { imei: '868715392756833' });
    const settings = await send({ type: 'setKnownValues', requestId: 2, target: 'settings', entries: [] });
    assert.deepEqual(settings, { type: 'done', requestId: 2, message: 'settings' });
    assert.equal(saves.length, 1);
  });

  it('the validator refuses malformed annotation requests', () => {
    const draft = { id: null, exchangeIds: [4], severity: 'high', title: 't', notes: '', tags: [], findingKeys: [] };
    assert.ok(parseWebviewMessage({ type: 'saveAnnotation', requestId: 1, draft }));
    for (const [what, raw] of [
      ['an unknown severity', { type: 'saveAnnotation', requestId: 1, draft: { ...draft, severity: 'urgent' } }],
      ['no exchange', { type: 'saveAnnotation', requestId: 1, draft: { ...draft, exchangeIds: [] } }],
      ['a repeated exchange', { type: 'saveAnnotation', requestId: 1, draft: { ...draft, exchangeIds: [4, 4] } }],
      ['a title over its cap', { type: 'saveAnnotation', requestId: 1, draft: { ...draft, title: 'x'.repeat(301) } }],
      ['an extra key', { type: 'saveAnnotation', requestId: 1, draft: { ...draft, created: 'now' } }],
      ['a __proto__ key', { type: 'saveAnnotation', requestId: 1, draft: JSON.parse('{"__proto__":{"x":1},"id":null,"exchangeIds":[4],"severity":"high","title":"t","notes":"","tags":[],"findingKeys":[]}') as unknown }],
      ['an empty id', { type: 'deleteAnnotation', requestId: 1, id: '' }],
      ['an unknown judgement', { type: 'judgeFinding', requestId: 1, exchangeId: 4, key: 'k', judgement: 'wrong', reason: '' }],
      ['a new draft without exchanges', { type: 'getAnnotationDraft', requestId: 1, exchangeIds: [], annotationId: null }],
      ['known values to an unknown place', { type: 'setKnownValues', requestId: 1, target: 'global', entries: [] }],
    ] as const) {
      assert.equal(parseWebviewMessage(raw), undefined, what);
    }
  });
});
