// Annotating in a real browser, on the corpus capture, against the real host logic and an
// in-memory sidecar: multi-selection, the form (toolbar, shortcut, row menu), the cards in the
// details, judging findings, hostile annotation text, focusExchange, an unreadable sidecar, and
// known values saved to the sidecar.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { findingKey, findingRefOf } from '../../extension/core/annotations/anchor';
import type { Sidecar } from '../../extension/core/annotations/model';
import { loadCaptureFile } from '../../extension/core/load/index';
import type { Capture, Finding } from '../../extension/core/model';
import { AnnotationBook } from '../../extension/editor/annotationBook';
import { allFindingsOf, type SessionView } from '../../extension/editor/session';
import type { GetAnnotationDraftRequest, ToWebview } from '../../extension/protocol';
import { corpusPath } from '../unit/corpus';
import { launchChromium, openWebview, type OpenWebview } from './harness';
import { newEffects, session, SIDECAR_FILE, type Effects } from './session';

const SHOTS = resolve(__dirname, '../../../test-output/webview');

describe('annotations in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let capture: Capture;
  let effects: Effects;
  let view: SessionView;
  let web: OpenWebview;
  let page: Page;
  /** Every notification the in-memory host sent the page. */
  let posted: ToWebview[];

  async function open(sidecar?: Parameters<typeof session>[2]): Promise<void> {
    effects = newEffects();
    view = session(capture, effects, sidecar);
    web = await openWebview(browser, view);
    posted = [];
    effects.post = async (message) => {
      posted.push(message);
      await web.post(message);
    };
    page = web.page;
    await page.locator('.table-row:not(.loading) .col-id', { hasText: /^11$/ }).waitFor();
  }

  const findingsOf = (id: number): readonly Finding[] => view.scan?.findingsOf(id) ?? [];
  const lastSidecar = (): Sidecar => {
    const s = effects.sidecars.at(-1);
    assert.ok(s, 'a sidecar was saved');
    return s;
  };
  const row = (id: number) => page.locator('.table-row', { has: page.locator('.col-id', { hasText: new RegExp(`^${id}$`) }) });
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, name) });
  const drafts = () => web.sent.filter((m): m is GetAnnotationDraftRequest => m.type === 'getAnnotationDraft');
  /** The page's focused element, as "tag.class1.class2" (the test bundle has no DOM types: browser code as text). */
  const focused = () => page.evaluate<string>('(() => { const el = document.activeElement; return el ? [el.localName, ...el.classList].join(".") : "none"; })()');

  before(async () => {
    browser = await launchChromium();
    capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    mkdirSync(SHOTS, { recursive: true });
  });
  beforeEach(async () => open());
  afterEach(async function () {
    await page.screenshot({ path: join(SHOTS, `annotations-${(this.currentTest?.title ?? 'test').replace(/[^\w]+/g, '-').slice(0, 70)}.png`) });
    assert.deepEqual(web.errors, [], 'no console error or CSP violation');
    assert.deepEqual(web.dropped, [], 'every message the page sent was valid');
    assert.deepEqual(web.strayRequests, []);
    await page.close();
  });
  after(async () => {
    await browser.close();
  });

  async function selectRow(id: number): Promise<void> {
    await row(id).locator('.col-id').click();
    await page.locator('.table-row.focused .col-id', { hasText: new RegExp(`^${id}$`) }).waitFor();
    await page.locator('.detail-url').waitFor();
  }

  /** Fill and save the open form; waits for the host's answer in the status line. */
  async function fillAndSave(values: { title?: string; notes?: string; tags?: string; severity?: string }, answer: RegExp): Promise<void> {
    const form = page.locator('.annotation-form');
    if (values.severity) {
      await form.locator('.annotation-severity').evaluate((el, v) => {
        (el as unknown as { value: string }).value = v;
        el.dispatchEvent(new Event('change'));
      }, values.severity);
    }
    if (values.title !== undefined) await form.locator('.annotation-title input').fill(values.title);
    if (values.notes !== undefined) await form.locator('.annotation-notes textarea').fill(values.notes);
    if (values.tags !== undefined) await form.locator('.annotation-tags input').fill(values.tags);
    await form.locator('vscode-button', { hasText: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    await page.locator('.status-line', { hasText: answer }).waitFor();
  }

  it('annotates a leaking request from the toolbar: pre-filled form, saved to the sidecar, marked in the row and listed in the details', async () => {
    await selectRow(4);
    const findings = findingsOf(4);
    assert.ok(findings.length > 0, '#4 leaks');
    const book = view.annotations;
    assert.ok(book);
    const expected = book.draft([4], null, (id) => allFindingsOf(view, id)).draft;

    await page.locator('.annotate-button').click();
    const form = page.getByRole('dialog', { name: 'Annotate request #4' });
    await form.waitFor();
    assert.deepEqual(drafts().at(-1)?.exchangeIds, [4]);
    assert.equal(await form.locator('.annotation-finding input').count(), findings.length, 'every finding of #4 is offered');
    assert.equal(await form.locator('.annotation-finding input:checked').count(), findings.length, 'and pre-ticked');
    assert.equal(await form.locator('.annotation-title input').inputValue(), expected.title);
    assert.ok(expected.title.length > 0);
    assert.equal(await form.locator('.annotation-severity').evaluate((el) => (el as unknown as { value: string }).value), expected.severity);
    await form.getByText(`Saved to ${SIDECAR_FILE}`).waitFor();
    assert.equal(await page.locator('#app').evaluate((el) => (el as unknown as { inert: boolean }).inert), true, 'the page behind the dialog is inert');
    await form.locator('.annotation-notes textarea').fill('Sends the IMSI gzip+base64 in a telemetry upload.\n\nSee *mistats*.');
    await shot('annotation-form.png');

    await fillAndSave({ title: 'IMSI in telemetry upload', tags: 'telemetry, imsi, telemetry', severity: 'critical' }, /Added the annotation/);
    const sidecar = lastSidecar();
    assert.equal(sidecar.annotations.length, 1);
    const a = sidecar.annotations[0];
    assert.equal(a.title, 'IMSI in telemetry upload');
    assert.equal(a.severity, 'critical');
    assert.equal(a.notes, 'Sends the IMSI gzip+base64 in a telemetry upload.\n\nSee *mistats*.');
    assert.deepEqual(a.tags, ['telemetry', 'imsi']);
    assert.deepEqual(a.exchanges.map((x) => view.annotations?.exchangeOf(x)), [4], 'anchored to #4');
    assert.deepEqual(a.findings.map(findingKey).sort(), findings.map((f) => findingKey(findingRefOf(f))).sort(), 'with its findings');

    await row(4).locator('.col-annotation .severity-mark.severity-critical').waitFor();
    assert.match((await row(4).getAttribute('aria-label')) ?? '', /annotated \(critical\)/);
    assert.equal(await row(3).locator('.col-annotation .severity-mark').count(), 0);
    const card = page.locator('.detail-annotations .annotation-card');
    await card.waitFor();
    assert.equal(await card.locator('.annotation-card-title').textContent(), 'IMSI in telemetry upload');
    assert.equal(await card.locator('.annotation-card-notes').textContent(), 'Sends the IMSI gzip+base64 in a telemetry upload.\n\nSee *mistats*.', 'notes as written, not rendered');
    assert.deepEqual(await card.locator('.annotation-tag').allTextContents(), ['telemetry', 'imsi']);
    await card.locator('.severity-badge', { hasText: 'Critical' }).waitFor();
    await page.locator('.annotation-status', { hasText: `1 annotation · 0 findings judged · saved in ${SIDECAR_FILE}` }).waitFor();
    await shot('annotated-detail.png');
  });

  it('Ctrl+click and Shift+click select several rows; Ctrl+Alt+A annotates them all', async () => {
    await selectRow(2);
    await row(5).locator('.col-id').click({ modifiers: ['Control'] });
    await page.locator('.table-row.focused .col-id', { hasText: /^5$/ }).waitFor();
    assert.deepEqual((await page.locator('.table-row[aria-selected="true"] .col-id').allTextContents()).map(Number), [2, 5]);
    assert.equal(await page.locator('.request-table').getAttribute('aria-multiselectable'), 'true');
    await page.locator('.annotate-button', { hasText: 'Annotate 2…' }).waitFor();
    await page.keyboard.press('Control+Alt+KeyA');
    await page.getByRole('dialog', { name: 'Annotate 2 requests' }).waitFor();
    assert.deepEqual([...(drafts().at(-1)?.exchangeIds ?? [])].sort((x, y) => x - y), [2, 5]);
    const offered = findingsOf(2).length + findingsOf(5).length;
    assert.equal(await page.locator('.annotation-finding input').count(), offered, 'the findings of both');
    await page.keyboard.press('Escape');
    await page.locator('.annotation-form').waitFor({ state: 'detached' });

    // Shift+click: a range; Shift+↓ extends it; a plain click selects one row again.
    await selectRow(7);
    await row(9).locator('.col-id').click({ modifiers: ['Shift'] });
    await page.locator('.table-row.focused .col-id', { hasText: /^9$/ }).waitFor();
    assert.deepEqual((await page.locator('.table-row[aria-selected="true"] .col-id').allTextContents()).map(Number), [7, 8, 9]);
    await page.locator('.request-table').press('Shift+ArrowDown');
    await page.locator('.table-row.focused .col-id', { hasText: /^10$/ }).waitFor();
    assert.deepEqual((await page.locator('.table-row[aria-selected="true"] .col-id').allTextContents()).map(Number), [7, 8, 9, 10]);
    await page.locator('.detail-url', { hasText: capture.exchanges[10].request.url.replace(/^https?:\/\/[^/]+/, '').slice(0, 20) }).waitFor();
    await row(3).locator('.col-id').click();
    await page.locator('.table-row.focused .col-id', { hasText: /^3$/ }).waitFor();
    assert.deepEqual((await page.locator('.table-row[aria-selected="true"] .col-id').allTextContents()).map(Number), [3]);
  });

  it('the row menu (right-click, Shift+F10) annotates and copies; Escape closes the form and the focus comes back', async () => {
    await row(3).locator('.col-host').click({ button: 'right' });
    const menu = page.getByRole('menu', { name: 'Request #3' });
    await menu.waitFor();
    assert.deepEqual(await menu.getByRole('menuitem').allTextContents(), ['Annotate…Ctrl+Alt+A', 'Copy URL', 'Copy as curl', 'Reveal in raw text']);
    await menu.getByRole('menuitem', { name: 'Annotate…' }).click();
    await page.getByRole('dialog', { name: 'Annotate request #3' }).waitFor();
    assert.deepEqual(drafts().at(-1)?.exchangeIds, [3]);
    await page.keyboard.press('Escape');
    await page.locator('.annotation-form').waitFor({ state: 'detached' });
    assert.equal(await page.locator('.request-table').evaluate((el) => (el.ownerDocument as unknown as { activeElement: unknown }).activeElement === el), true, 'focus back on the table');
    assert.equal(effects.sidecars.length, 0, 'cancelled: nothing saved');

    // The keyboard way: Shift+F10 on the focused row, ↓ to "Copy URL", Enter.
    await page.locator('.request-table').press('Shift+F10');
    await menu.waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('.status-line', { hasText: 'Copied the URL' }).waitFor();
    assert.equal(effects.copied.at(-1), capture.exchanges[3].request.url);
    assert.equal(await menu.count(), 0);
  });

  it('edits and deletes an annotation from the details (delete asks first)', async () => {
    await selectRow(4);
    await page.locator('.annotate-button').click();
    await page.locator('.annotation-form').waitFor();
    await fillAndSave({ title: 'First title' }, /Added the annotation/);
    const id = lastSidecar().annotations[0].id;

    await page.locator('.annotation-card vscode-button', { hasText: 'Edit' }).click();
    const form = page.getByRole('dialog', { name: 'Edit annotation' });
    await form.waitFor();
    assert.deepEqual(drafts().at(-1), { type: 'getAnnotationDraft', requestId: drafts().at(-1)?.requestId, exchangeIds: [], annotationId: id });
    assert.equal(await form.locator('.annotation-title input').inputValue(), 'First title');
    await fillAndSave({ title: 'Second title', severity: 'low' }, /Saved the annotation/);
    assert.deepEqual(lastSidecar().annotations.map((a) => [a.id, a.title, a.severity]), [[id, 'Second title', 'low']]);
    await page.locator('.annotation-card-title', { hasText: 'Second title' }).waitFor();
    await row(4).locator('.severity-mark.severity-low').waitFor();

    await page.locator('.annotation-card vscode-button', { hasText: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete the annotation “Second title”?' });
    await confirm.waitFor();
    await shot('annotation-delete-confirm.png');
    await confirm.locator('vscode-button', { hasText: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(lastSidecar().annotations.length, 1, 'cancel keeps it');
    await page.locator('.annotation-card vscode-button', { hasText: 'Delete' }).click();
    await confirm.locator('vscode-button', { hasText: 'Delete' }).click();
    await page.locator('.status-line', { hasText: 'Deleted the annotation “Second title”' }).waitFor();
    assert.deepEqual(lastSidecar().annotations, []);
    await page.locator('.annotation-card').waitFor({ state: 'detached' });
    await row(4).locator('.severity-mark').waitFor({ state: 'detached' });
  });

  it('marks a finding a false positive with a reason: gone from the badges and counts, shown judged; undo brings it back', async () => {
    // A kind #4 leaks once, so its badge disappears with it.
    const findings = findingsOf(4);
    const index = findings.findIndex((f) => findings.filter((g) => g.kind === f.kind).length === 1);
    assert.ok(index >= 0, 'a kind #4 leaks once');
    const finding = findings[index];
    const total = view.scan?.summary.total ?? 0;
    const badge = row(4).locator('.col-findings .kind-badge', { hasText: new RegExp(`^${finding.kind === 'android_id' ? 'AID' : finding.kind.toUpperCase()}`) });
    await selectRow(4);
    await badge.first().waitFor();
    const item = page.locator('.detail-finding').nth(index);
    await item.hover();
    await item.getByRole('button', { name: 'Mark false positive…' }).click();
    await item.locator('.detail-judge-reason input').fill('our own test SIM, not a user’s');
    await shot('judge-form.png');
    await item.locator('.detail-judge-reason input').press('Enter');
    await page.locator('.status-line', { hasText: 'Marked the finding a false positive' }).waitFor();
    assert.deepEqual(lastSidecar().findingStates.map((s) => [s.state, s.reason, findingKey(s.finding)]), [['false-positive', 'our own test SIM, not a user’s', findingKey(findingRefOf(finding))]]);

    await badge.waitFor({ state: 'detached' });
    await page.locator('.findings-count', { hasText: `${total - 1} finding` }).waitFor();
    const judged = page.locator('.detail-finding.detail-finding-judged');
    await judged.waitFor();
    assert.equal(await page.locator('.detail-finding').count(), findings.length, 'still listed, last');
    assert.equal(await page.locator('.detail-finding').last().getAttribute('class'), await judged.getAttribute('class'));
    await judged.locator('.detail-judgement-reason', { hasText: 'our own test SIM' }).waitFor();
    await judged.locator('.detail-judgement-label', { hasText: 'False positive' }).waitFor();
    await page.locator('.annotation-status', { hasText: '1 finding judged' }).waitFor();
    await shot('judged-finding.png');

    await judged.getByRole('button', { name: 'Undo judgement' }).click();
    await page.locator('.status-line', { hasText: 'Took the judgement back' }).waitFor();
    assert.deepEqual(lastSidecar().findingStates, []);
    await badge.first().waitFor();
    await page.locator('.findings-count', { hasText: `${total} finding` }).waitFor();
    await judged.waitFor({ state: 'detached' });
  });

  it('hostile annotation text stays text: no element, no script, bidi controls made visible', async () => {
    const title = '<img src=x onerror="window.__pwned=1">';
    const notes = 'line one\n\u202Eexe.txt <script>window.__pwned=2</script>';
    await selectRow(4);
    await page.locator('.annotate-button').click();
    await page.locator('.annotation-form').waitFor();
    await fillAndSave({ title, notes, tags: '<b>bold</b>, \u202Etag' }, /Added the annotation/);
    const card = page.locator('.annotation-card');
    await card.waitFor();
    assert.equal(await card.locator('.annotation-card-title').textContent(), title);
    assert.equal(await card.locator('.annotation-card-notes').textContent(), 'line one\n⟨U+202E⟩exe.txt <script>window.__pwned=2</script>');
    assert.deepEqual(await card.locator('.annotation-tag').allTextContents(), ['<b>bold</b>', '⟨U+202E⟩tag']);
    assert.equal(await page.locator('img, .annotation-card script, .annotation-card b').count(), 0, 'no element made from the text');
    // The form shows it back as text too.
    await card.locator('vscode-button', { hasText: 'Edit' }).click();
    await page.locator('.annotation-form').waitFor();
    assert.equal(await page.locator('.annotation-form .annotation-title input').inputValue(), title);
    assert.equal(await page.locator('img').count(), 0);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('focusExchange from the host clears the filters hiding the row, selects it and flashes the finding', async () => {
    await page.locator('.filter-method').evaluate((el) => {
      (el as unknown as { value: string[] }).value = ['GET'];
      el.dispatchEvent(new Event('change'));
    });
    await page.locator('.filter-count', { hasText: /of 12 requests/ }).waitFor();
    // The count can change before the table has re-rendered its rows: wait for the row to go.
    await row(4).waitFor({ state: 'detached' });
    assert.equal(await row(4).count(), 0, '#4 (a POST) is filtered out');
    const findings = findingsOf(4);
    const index = findings.findIndex((f) => f.kind === 'imsi');
    assert.ok(index >= 0);
    await web.post({ type: 'focusExchange', exchangeId: 4, findingKey: findingKey(findingRefOf(findings[index])) });
    await page.locator('.filter-count', { hasText: /^12 requests$/ }).waitFor();
    await page.locator('.table-row.focused[aria-selected="true"] .col-id', { hasText: /^4$/ }).waitFor();
    await page.locator('.detail-url', { hasText: '/mistats/v3/upload_z' }).waitFor();
    await page.locator(`mark.detail-flash[data-finding="${index}"]`).first().waitFor();
    assert.equal(await page.locator('.detail-finding-main[aria-current="true"]').count(), 1);
  });

  it('focusExchange with annotate (the text view\'s CodeLens): selects the row and opens the form for that request, whatever was selected', async () => {
    await selectRow(1);
    await web.post({ type: 'focusExchange', exchangeId: 4, findingKey: null, annotate: true });
    await page.locator('.table-row.focused[aria-selected="true"] .col-id', { hasText: /^4$/ }).waitFor();
    const form = page.locator('.annotation-form');
    await form.waitFor();
    assert.match((await form.textContent()) ?? '', /request #4/);
    assert.match((await form.textContent()) ?? '', /IMSI/, 'pre-filled with #4\'s findings');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
  });

  it('an unreadable sidecar: an error banner with the reason, and annotating is off', async () => {
    await page.close();
    await open({ status: { status: 'error', error: `${SIDECAR_FILE}: line 3, column 5: expected "annotations" to be a list` } });
    const banner = page.locator('.annotation-status-error');
    await banner.waitFor();
    assert.equal(await banner.getAttribute('role'), 'alert');
    assert.match((await banner.textContent()) ?? '', /expected "annotations" to be a list.*Annotating is off until the file is fixed; the file is left as it is\./);
    await selectRow(4);
    assert.equal(await page.locator('.annotate-button').getAttribute('disabled'), '');
    await page.keyboard.press('Control+Alt+KeyA');
    await page.locator('.status-line', { hasText: 'annotating is off until it is fixed' }).waitFor();
    assert.equal(await page.locator('.annotation-form').count(), 0);
    assert.deepEqual(drafts(), [], 'the form is not even asked for');
    assert.equal(await page.locator('.detail-finding-judge').first().isDisabled(), true, 'judging is off too');
    await row(4).locator('.col-id').click({ button: 'right' });
    assert.equal(await page.getByRole('menuitem', { name: 'Annotate…' }).isDisabled(), true);
    await page.keyboard.press('Escape');
    await shot('sidecar-error.png');
  });

  it('known values saved to this capture go to the sidecar, the settings list untouched', async () => {
    await page.locator('.known-section').evaluate((el) => ((el as unknown as { open: boolean }).open = true));
    const group = page.locator('.known-group-sidecar');
    await group.getByText(`Saved in ${SIDECAR_FILE} beside the capture`).waitFor();
    await group.locator('vscode-button', { hasText: 'Add to this capture' }).click();
    await group.locator('.known-row .known-value input').last().fill('460001234567890');
    await group.locator('.known-row .known-kind').evaluate((el) => {
      (el as unknown as { value: string }).value = 'imsi';
      el.dispatchEvent(new Event('change'));
    });
    await shot('known-values-sidecar.png');
    await group.locator('vscode-button', { hasText: 'Save to this capture and rescan' }).click();
    await group.locator('.known-result', { hasText: `Saved to ${SIDECAR_FILE}` }).waitFor();
    assert.deepEqual(lastSidecar().knownValues, { imsi: '460001234567890' });
    const updates = posted.filter((m) => m.type === 'knownValuesUpdated');
    assert.deepEqual(
      updates.map((m) => m.type === 'knownValuesUpdated' && m.known.sidecarEntries),
      [[{ kind: 'imsi', value: '460001234567890' }]],
      'the known values changed: the panel is told',
    );
    assert.deepEqual(effects.known, [], 'the settings are not written');
    const sent = web.sent.filter((m) => m.type === 'setKnownValues');
    assert.deepEqual(sent.map((m) => m.type === 'setKnownValues' && [m.target, m.entries]), [['sidecar', [{ kind: 'imsi', value: '460001234567890' }]]]);
  });

  it('an annotation whose requests are all gone is listed in the header with why, and is edited and deleted there', async () => {
    await page.close();
    const blank = new AnnotationBook(capture, undefined, SIDECAR_FILE);
    const sidecar = blank.withAnnotation(
      { id: null, exchangeIds: [4], severity: 'high', title: 'Upload seen last week', notes: '', tags: [], findingKeys: [] },
      () => [],
      new Date('2024-05-01T10:00:00Z'),
      () => 'gone1',
    );
    sidecar.annotations[0].exchanges[0] = { ...sidecar.annotations[0].exchanges[0], url: 'http://elsewhere.example/x' };
    await open({ sidecar });

    await page.locator('.annotation-status', { hasText: '1 annotation could not be attached' }).waitFor();
    const item = page.locator('.annotation-orphan[data-annotation="gone1"]');
    await item.waitFor();
    assert.equal(await item.locator('.annotation-orphan-title').textContent(), 'Upload seen last week');
    assert.match((await item.locator('.annotation-orphan-reason').textContent()) ?? '', /no exchange is POST http:\/\/elsewhere\.example\/x/);
    await item.locator('.severity-badge', { hasText: 'High' }).waitFor();
    await selectRow(4);
    assert.equal(await page.locator('.annotation-card').count(), 0, 'no card: #4 at its old index is another request now');
    await shot('annotation-orphan-header.png');

    await item.getByRole('button', { name: 'Edit annotation Upload seen last week' }).click();
    const form = page.getByRole('dialog', { name: 'Edit annotation' });
    await form.waitFor();
    assert.deepEqual(drafts().at(-1), { type: 'getAnnotationDraft', requestId: drafts().at(-1)?.requestId, exchangeIds: [], annotationId: 'gone1' });
    await form.getByText('Its requests are not in this capture any more.').waitFor();
    await fillAndSave({ title: 'Upload seen last week (renamed)' }, /Saved the annotation/);
    const saved = lastSidecar().annotations;
    assert.deepEqual(saved.map((a) => [a.id, a.title]), [['gone1', 'Upload seen last week (renamed)']]);
    assert.equal(saved[0].exchanges[0].url, 'http://elsewhere.example/x', 'the orphaned anchor is kept');
    await item.locator('.annotation-orphan-title', { hasText: 'Upload seen last week (renamed)' }).waitFor();
    await page.locator('.annotation-orphan[data-annotation="gone1"] .annotation-edit:focus').waitFor();

    await item.getByRole('button', { name: 'Delete annotation Upload seen last week (renamed)' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete the annotation “Upload seen last week (renamed)”?' });
    await confirm.locator('vscode-button', { hasText: 'Delete' }).click();
    await page.locator('.status-line', { hasText: 'Deleted the annotation' }).waitFor();
    assert.deepEqual(lastSidecar().annotations, []);
    await item.waitFor({ state: 'detached' });
    await page.locator('.annotation-status', { hasText: 'No annotations yet' }).waitFor();
    await page.locator('.request-table:focus').waitFor();
  });

  it('judged findings leave the tab counts and the list’s count', async () => {
    await selectRow(4);
    const findings = findingsOf(4);
    const inBody = findings.map((f, i) => ({ f, i })).filter(({ f }) => f.part === 'request_body');
    assert.ok(inBody.length > 0, '#4 leaks in its request body');
    const tabCount = page.locator('.detail-tab-header[data-tab="request-body"] .detail-tab-count');
    assert.equal(await tabCount.textContent(), String(inBody.length));
    const list = page.locator('.detail-findings-list');
    assert.equal(await list.getAttribute('aria-label'), `Findings in this request (${findings.length})`);

    const item = page.locator('.detail-finding').nth(inBody[0].i);
    await item.hover();
    await item.getByRole('button', { name: 'Mark expected…' }).click();
    await item.locator('.detail-judge-reason input').fill('sent to the vendor with consent');
    await item.locator('.detail-judge-reason input').press('Enter');
    await page.locator('.detail-finding.detail-finding-judged').waitFor();
    if (inBody.length > 1) assert.equal(await tabCount.textContent(), String(inBody.length - 1));
    else assert.equal(await tabCount.count(), 0);
    assert.equal(await list.getAttribute('aria-label'), `Findings in this request (${findings.length - 1}, and 1 judged)`);
    await page.locator('.detail-findings-title', { hasText: `${findings.length - 1} finding` }).waitFor();
  });

  it('judging and undoing by keyboard: the focus comes back to the finding once the details are built again', async () => {
    await selectRow(4);
    const findings = findingsOf(4);
    const index = 0;
    const key = findingKey(findingRefOf(findings[index]));
    const item = page.locator('.detail-finding').nth(index);
    await item.locator('.detail-finding-main').focus();
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'button.detail-icon-button.detail-finding-judge');
    await page.keyboard.press('Enter');
    const reason = item.locator('.detail-judge-reason input');
    await reason.fill('our own test SIM');
    await reason.press('Enter');
    await page.locator('.status-line', { hasText: 'Marked the finding a false positive' }).waitFor();
    assert.deepEqual(lastSidecar().findingStates.map((s) => findingKey(s.finding)), [key]);
    const judged = page.locator('.detail-finding.detail-finding-judged');
    await judged.waitFor();
    await judged.locator('.detail-finding-main:focus').waitFor();
    assert.equal(await focused(), 'button.detail-finding-main', 'on the judged finding, not the body');

    await judged.getByRole('button', { name: 'Undo judgement' }).press('Enter');
    await page.locator('.status-line', { hasText: 'Took the judgement back' }).waitFor();
    await judged.waitFor({ state: 'detached' });
    await page.locator('.detail-findings-list .detail-finding-main:focus').waitFor();
    assert.equal(await page.locator('.detail-finding').nth(index).locator('.detail-finding-main:focus').count(), 1, 'on the same finding, back in its place');
  });

  it('editing and deleting from a card puts the focus back on the card, then on the table', async () => {
    await selectRow(4);
    await page.locator('.annotate-button').click();
    await page.locator('.annotation-form').waitFor();
    await fillAndSave({ title: 'Focus' }, /Added the annotation/);
    const edit = page.locator('.annotation-card .annotation-edit');
    await edit.press('Enter');
    await page.getByRole('dialog', { name: 'Edit annotation' }).waitFor();
    await fillAndSave({ title: 'Focus, edited' }, /Saved the annotation/);
    await page.locator('.annotation-card-title', { hasText: 'Focus, edited' }).waitFor();
    await page.locator('.annotation-card .annotation-edit:focus').waitFor();

    await page.locator('.annotation-card .annotation-delete').press('Enter');
    await page.getByRole('dialog', { name: 'Delete the annotation “Focus, edited”?' }).locator('vscode-button', { hasText: 'Delete' }).click();
    await page.locator('.status-line', { hasText: 'Deleted the annotation' }).waitFor();
    await page.locator('.annotation-card').waitFor({ state: 'detached' });
    await page.locator('.request-table:focus').waitFor();
  });

  it('Ctrl+Alt+A with the host’s echo of the same key press asks for the form once; AltGr+A is left to type its letter', async () => {
    await selectRow(4);
    await page.locator('.request-table').press('Control+Alt+KeyA');
    // VS Code's keybinding runs the command too: its startAnnotation comes straight after.
    await web.post({ type: 'startAnnotation' });
    const form = page.getByRole('dialog', { name: 'Annotate request #4' });
    await form.waitFor();
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 0))'); // the echo has been handled
    assert.equal(drafts().length, 1, 'one getAnnotationDraft');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });

    // AltGr arrives as Ctrl+Alt (Windows): the page neither opens the form nor swallows the key.
    const altGr = await page.evaluate<{ altGraph: boolean; prevented: boolean; sent: string[] }>(`(() => {
      const api = acquireVsCodeApi();
      const post = api.postMessage;
      const sent = [];
      api.postMessage = (m) => { sent.push(m.type); post(m); };
      try {
        const event = new KeyboardEvent('keydown', { key: 'ą', code: 'KeyA', ctrlKey: true, altKey: true, modifierAltGraph: true, bubbles: true, cancelable: true });
        (document.activeElement || document.body).dispatchEvent(event);
        return { altGraph: event.getModifierState('AltGraph'), prevented: event.defaultPrevented, sent };
      } finally {
        api.postMessage = post;
      }
    })()`);
    assert.deepEqual(altGr, { altGraph: true, prevented: false, sent: [] });
    assert.equal(await page.locator('.annotation-form').count(), 0);
    assert.equal(drafts().length, 1);
  });

  it('the host’s echo arriving before the form’s answer is dropped too', async () => {
    await selectRow(4);
    // The key press and the command's echo in one task of the page: the echo is handled before
    // the host can have answered the first getAnnotationDraft, whatever the machine's speed.
    const prevented = await page.evaluate<boolean>(`(() => {
      const event = new KeyboardEvent('keydown', { key: 'a', code: 'KeyA', ctrlKey: true, altKey: true, bubbles: true, cancelable: true });
      (document.activeElement || document.body).dispatchEvent(event);
      window.postMessage({ type: 'startAnnotation' }, '*');
      return event.defaultPrevented;
    })()`);
    assert.equal(prevented, true, 'the page’s own shortcut');
    await page.getByRole('dialog', { name: 'Annotate request #4' }).waitFor();
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 0))');
    assert.equal(drafts().length, 1, 'one getAnnotationDraft');
  });

  it('an annotation save leaves known values being typed alone; an update of the other list too', async () => {
    await page.locator('.known-section').evaluate((el) => ((el as unknown as { open: boolean }).open = true));
    const settings = page.locator('.known-group-settings');
    await settings.locator('vscode-button', { hasText: 'Add to settings' }).click();
    await settings.locator('.known-row .known-value input').last().fill('868715392756833');

    await selectRow(4);
    const item = page.locator('.detail-finding').first();
    await item.hover();
    await item.getByRole('button', { name: 'Mark expected…' }).click();
    await item.locator('.detail-judge-reason input').fill('sent with consent');
    await item.locator('.detail-judge-reason input').press('Enter');
    await page.locator('.status-line', { hasText: 'Marked the finding expected' }).waitFor();
    await page.locator('.detail-finding.detail-finding-judged').waitFor();
    assert.deepEqual(posted.filter((m) => m.type === 'knownValuesUpdated'), [], 'the known values did not change: the panel is not told');
    assert.equal(await settings.locator('.known-row .known-value input').last().inputValue(), '868715392756833', 'still there, unsaved');

    // The capture's list changed elsewhere: it is shown, the settings' rows being typed are kept.
    await web.post({ type: 'knownValuesUpdated', known: { entries: [], source: 'none', problems: [], sidecarEntries: [{ kind: 'imsi', value: '460001234567890' }] } });
    const sidecarValue = page.locator('.known-group-sidecar .known-row .known-value input');
    await sidecarValue.waitFor();
    assert.equal(await sidecarValue.inputValue(), '460001234567890');
    assert.equal(await settings.locator('.known-row .known-value input').last().inputValue(), '868715392756833');
    await shot('known-values-kept.png');
  });
});
