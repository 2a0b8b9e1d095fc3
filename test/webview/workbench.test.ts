// The workbench in a real browser, on a real corpus capture: search (on the host, debounced),
// quick filters, sorting, keyboard navigation, the detail pane's highlights in raw and decoded
// layers, the actions, and the state that survives hiding the tab.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { loadCaptureFile } from '../../extension/core/load/index';
import type { Capture, Finding } from '../../extension/core/model';
import { exchangeHost } from '../../extension/core/model';
import { scanCapture } from '../../extension/core/scan';
import { scanView } from '../../extension/editor/rows';
import type { SessionView } from '../../extension/editor/session';
import { corpusPath } from '../unit/corpus';
import { launchChromium, openWebview, savedState, type OpenWebview } from './harness';
import { newEffects, session, type Effects } from './session';

const SHOTS = resolve(__dirname, '../../../test-output/webview');

/** The exchange ids of the rows on screen, top to bottom. */
async function shownIds(page: Page): Promise<number[]> {
  const ids = await page.locator('.table-row:not(.loading) .col-id').allTextContents();
  return ids.map(Number);
}

async function waitForIds(page: Page, expected: number[], what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let ids: number[] = [];
  while (Date.now() < deadline) {
    ids = await shownIds(page);
    if (JSON.stringify(ids) === JSON.stringify(expected)) return;
    await page.waitForTimeout(50);
  }
  assert.deepEqual(ids, expected, what);
}

/** Type like a person: one key at a time. */
async function typeSearch(page: Page, text: string): Promise<void> {
  const input = page.locator('.filter-search input');
  await input.click();
  await input.press('Control+A');
  await input.press('Backspace');
  await input.pressSequentially(text, { delay: 30 });
}

/** Set a quick filter the way the component reports a choice (its value, then `change`). */
async function setFilter(page: Page, selector: string, value: string | string[]): Promise<void> {
  await page.locator(selector).evaluate((el, v) => {
    (el as unknown as { value: string | string[] }).value = v;
    el.dispatchEvent(new Event('change'));
  }, value);
}

describe('workbench in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let capture: Capture;
  let effects: Effects;
  let web: OpenWebview;
  let view: SessionView;
  const all = () => capture.exchanges.map((e) => e.id);

  before(async () => {
    browser = await launchChromium();
    capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
  });
  beforeEach(async () => {
    effects = newEffects();
    view = session(capture, effects);
    web = await openWebview(browser, view);
    effects.post = web.post;
    await waitForIds(web.page, all(), 'every row at first');
  });
  afterEach(async function () {
    // What the test left on screen, to look at (test-output/ is git-ignored).
    mkdirSync(SHOTS, { recursive: true });
    await web.page.screenshot({ path: join(SHOTS, `${(this.currentTest?.title ?? 'test').replace(/[^\w]+/g, '-').slice(0, 80)}.png`) });
    assert.deepEqual(web.errors, [], 'no console error or CSP violation');
    assert.deepEqual(web.dropped, [], 'every message the page sent was valid');
    assert.deepEqual(web.strayRequests, []);
    await web.page.close();
  });
  after(async () => {
    await browser.close();
  });

  it('search narrows the rows on the host, debounced while typing, and finds text inside decoded bodies', async () => {
    const before = web.sent.length;
    await typeSearch(web.page, 'upload_z');
    await waitForIds(web.page, [4], 'only the /upload_z request');
    const searches = web.sent.slice(before).filter((m) => m.type === 'getRows').map((m) => (m.type === 'getRows' ? m.query.search : ''));
    // Keys 30 ms apart, a 150 ms debounce: one search (two if the machine stalls mid-word), not eight.
    assert.ok(new Set(searches).size <= 2, `debounced: ${searches.length} queries for 8 keystrokes (${[...new Set(searches)].join(', ')})`);
    assert.equal(await web.page.locator('.filter-count').textContent(), '1 of 12 requests');

    // "bssid" is in #8's JSON body and inside #4's base64 → gzip → JSON body, nowhere else.
    await typeSearch(web.page, 'bssid');
    await waitForIds(web.page, [4, 8], 'the raw and the base64 → gzip body');

    // A typo still finds the contact uploads (fuzzy).
    await typeSearch(web.page, 'contcts');
    const ids = await waitUntilIds(web.page, (shown) => shown.includes(2) && shown.includes(11), 'the contact uploads');
    assert.ok(ids.length < capture.exchanges.length, `fuzzy, not everything: ${ids.join(', ')}`);
    await web.page.locator('.filter-note', { hasText: 'no exact match for “contcts”' }).waitFor();

    // Escape clears the search.
    await web.page.locator('.filter-search input').press('Escape');
    await waitForIds(web.page, all(), 'all rows again');
  });

  it('quick filters: kind, host, method, findings, scheme; Clear undoes them', async () => {
    await setFilter(web.page, '.filter-leaks', ['iccid']);
    await waitForIds(web.page, [1], 'the only ICCID leak');
    await setFilter(web.page, '.filter-leaks', []);
    await setFilter(web.page, '.filter-host', ['loc.miphone.test']);
    await waitForIds(web.page, capture.exchanges.filter((e) => exchangeHost(e) === 'loc.miphone.test').map((e) => e.id), 'one host');
    await setFilter(web.page, '.filter-host', []);
    await setFilter(web.page, '.filter-method', ['GET']);
    await waitForIds(web.page, capture.exchanges.filter((e) => e.request.method === 'GET').map((e) => e.id), 'GET requests');
    await setFilter(web.page, '.filter-scheme', 'https');
    await web.page.locator('.table-empty', { hasText: 'No requests match' }).waitFor();
    assert.equal(await web.page.locator('.filter-count').textContent(), '0 of 12 requests');
    await web.page.locator('vscode-button', { hasText: 'Clear' }).click();
    await waitForIds(web.page, all(), 'all rows after Clear');
    await setFilter(web.page, '.filter-findings', 'without');
    await web.page.locator('.table-empty', { hasText: 'No requests match' }).waitFor(); // every request leaks something
  });

  it('sorts by a column header, ascending then descending', async () => {
    const hostsOf = (ids: number[]) => ids.map((id) => exchangeHost(capture.exchanges[id]));
    await web.page.locator('.table-header .col-host').click();
    await web.page.locator('.table-header .col-host[aria-sort="ascending"]').waitFor();
    const sorted = (ids: number[]) => ids.length === capture.exchanges.length && JSON.stringify(hostsOf(ids)) === JSON.stringify(hostsOf(ids).sort());
    let hosts = hostsOf(await waitUntilIds(web.page, sorted, 'hosts in ascending order'));
    assert.equal(hosts[0], 'ad.adnet-example.test');
    await web.page.locator('.table-header .col-host').click();
    await web.page.locator('.table-header .col-host[aria-sort="descending"]').waitFor();
    hosts = hostsOf(await waitUntilIds(web.page, (ids) => ids.length > 0 && exchangeHost(capture.exchanges[ids[0]]) === 'push.miphone.test', 'push first'));
    assert.deepEqual(hosts, [...hosts].sort().reverse(), 'descending hosts');
  });

  it('keyboard: arrows, Home/End, PageDown move the selection and the details follow; Enter opens them', async () => {
    await web.page.locator('.table-row .col-id', { hasText: /^0$/ }).click();
    await detailShows(web.page, '/api/v2/device/register');
    const viewport = web.page.locator('.request-table');
    await viewport.press('ArrowDown');
    await web.page.locator('.table-row.selected .col-id', { hasText: /^1$/ }).waitFor();
    await detailShows(web.page, '/api/v2/account/bind');
    await viewport.press('End');
    await web.page.locator('.table-row.selected .col-id', { hasText: /^11$/ }).waitFor();
    await detailShows(web.page, '/api/v2/contacts/sync_chunked');
    await viewport.press('Home');
    await web.page.locator('.table-row.selected .col-id', { hasText: /^0$/ }).waitFor();
    await viewport.press('PageDown');
    await web.page.locator('.table-row.selected .col-id', { hasText: /^([2-9]|1[01])$/ }).waitFor(); // a screenful down, not one row
    const selected = Number(await web.page.locator('.table-row.selected .col-id').textContent());
    assert.ok(selected > 1, `PageDown moved by a screenful (to ${selected})`);
    assert.equal(await viewport.getAttribute('aria-activedescendant'), await web.page.locator('.table-row.selected').getAttribute('id'));
    assert.equal(await web.page.getByRole('textbox', { name: 'Search requests' }).count(), 1, 'the search box has its name');
    await viewport.press('Enter');
    await web.page.locator('.detail-pane:focus, .detail-pane :focus').first().waitFor();
  });

  it('highlights sit on the matched characters in the raw body and in the decoded layer; a finding in the list flashes its highlight', async () => {
    // #1: plain JSON. Every finding is highlighted in the raw body on exactly its matched text.
    await selectRow(web.page, 1);
    await web.page.locator('.detail-tab-header[data-tab="request-body"]').click();
    await checkMarks(web.page, view.scan?.findingsOf(1) ?? [], 'raw JSON body');

    // #4: base64 → gzip → JSON. The JSON is only readable in the decoded layer: the IMSI is marked there.
    await selectRow(web.page, 4);
    await web.page.locator('.detail-tab-header[data-tab="request-body"]').click();
    const findings = view.scan?.findingsOf(4) ?? [];
    assert.ok(findings.length >= 5);
    const decoded = web.page.locator('.detail-layer-decoded', { has: web.page.locator('.detail-layer-chain', { hasText: 'base64 → gzip' }) });
    await decoded.first().waitFor();
    const imsi = findings.findIndex((f) => f.kind === 'imsi');
    assert.equal(await decoded.locator(`mark[data-finding="${imsi}"]`).first().textContent(), '460010886207782');
    await checkMarks(web.page, findings, 'base64 → gzip → JSON body');

    // Clicking the finding in the list scrolls to its highlight and flashes it.
    await web.page.locator('.detail-findings-list > li').nth(imsi).locator('button').first().click();
    await web.page.locator(`mark.detail-flash[data-finding="${imsi}"]`).waitFor();
    assert.ok(await web.page.locator(`mark[data-finding="${imsi}"]`).first().isVisible());
  });

  it('actions: copy as curl, copy a value, reveal in raw text go to the host with ids only', async () => {
    await selectRow(web.page, 3);
    await web.page.locator('.detail-toolbar [aria-label*="curl" i]').click();
    await web.page.locator('.status-line', { hasText: 'curl' }).waitFor();
    assert.match(effects.copied.at(-1) ?? '', /^curl .*mistats\/v3\/upload/s);
    await web.page.locator('.detail-toolbar [aria-label*="raw" i]').click();
    await web.page.locator('.status-line', { hasText: 'Opened at entry 3' }).waitFor();
    assert.deepEqual(effects.revealed, [3]);
    const copies = web.sent.filter((m) => m.type === 'copy' || m.type === 'reveal');
    assert.ok(copies.every((m) => !JSON.stringify(m).includes('mistats')), 'the page names what to copy, the host builds the text');
  });

  it('state survives hiding the tab: query, sort, selection, tab and column widths come back', async () => {
    await typeSearch(web.page, 'miphone');
    await web.page.locator('.table-header .col-path').click();
    await selectRow(web.page, 8);
    await web.page.locator('.detail-tab-header[data-tab="headers"]').click();
    await web.page.waitForTimeout(300); // state is saved 100 ms after the last change
    const state = await savedState(web.page);
    const again = await openWebview(browser, view, { initialState: state });
    try {
      await again.page.locator('.table-row.selected .col-id', { hasText: /^8$/ }).waitFor();
      assert.equal(await again.page.locator('.filter-search input').inputValue(), 'miphone');
      await again.page.locator('.table-header .col-path[aria-sort="ascending"]').waitFor();
      await detailShows(again.page, '/loc/report');
      await again.page.locator('.detail-tab-header[data-tab="headers"][aria-selected="true"], .detail-tab-header[data-tab="headers"][selected]').first().waitFor();
      assert.deepEqual(again.errors, []);
    } finally {
      await again.page.close();
    }
  });

  it('a large file: the preview\'s first rows at once, search waits, then the whole capture replaces them', async () => {
    const bigger: Capture = { ...capture, exchanges: Array.from({ length: 10 }, (_, c) => capture.exchanges.map((e, i) => ({ ...e, id: c * capture.exchanges.length + i }))).flat() };
    const first: Capture = { ...bigger, exchanges: bigger.exchanges.slice(0, 5) };
    const loading: SessionView = { ...session(bigger, effects), capture: first, scan: undefined, loading: true };
    const preview = await openWebview(browser, loading);
    try {
      await waitForIds(preview.page, [0, 1, 2, 3, 4], 'the preview rows');
      await preview.page.locator('.loading-rest', { hasText: 'Showing the first 5 requests' }).waitFor();
      assert.equal(await preview.page.locator('.filter-bar').evaluate((el) => (el as unknown as { inert: boolean }).inert), true, 'search waits for the whole file');
      Object.assign(loading, { capture: bigger, scan: scanView(bigger, scanCapture(bigger)), loading: false });
      await preview.post({ type: 'captureLoaded' });
      await preview.page.locator('.filter-count', { hasText: '120 requests' }).waitFor();
      assert.equal(await preview.page.locator('.loading-rest').count(), 0);
      assert.equal(await preview.page.locator('.filter-bar').evaluate((el) => (el as unknown as { inert: boolean }).inert), false);
      assert.deepEqual(preview.errors, []);
    } finally {
      await preview.page.close();
    }
  });

  it('a capture read by the worker: progress grows the table, the header counts requests and findings so far', async () => {
    const bigger: Capture = { ...capture, exchanges: Array.from({ length: 10 }, (_, c) => capture.exchanges.map((e, i) => ({ ...e, id: c * capture.exchanges.length + i }))).flat() };
    const loading: SessionView = { ...session(bigger, effects), capture: { ...bigger, exchanges: bigger.exchanges.slice(0, 5) }, scan: undefined, loading: true };
    const page = await openWebview(browser, loading);
    try {
      await waitForIds(page.page, [0, 1, 2, 3, 4], 'the first rows');
      await page.page.locator('.findings-count', { hasText: 'Scanning while the file is read' }).waitFor();
      assert.equal(await page.page.locator('.findings-count', { hasText: 'No identifiers found' }).count(), 0, 'not "none" before the scan has seen the file');
      // The host holds 60 rows now, 40% of the file read, 37 findings placed so far.
      Object.assign(loading, { capture: { ...bigger, exchanges: bigger.exchanges.slice(0, 60) } });
      await page.post({ type: 'loadProgress', exchangeCount: 60, percent: 40, findings: 37 });
      await page.page.locator('.loading-rest', { hasText: 'Showing the first 60 requests while LeakLens reads the rest of the file (40% read)' }).waitFor();
      await page.page.locator('.findings-count', { hasText: 'Scanning while the file is read: 37 findings so far' }).waitFor();
      await page.page.locator('[data-fact="Exchanges"]', { hasText: '60 so far' }).waitFor();
      await page.page.locator('.filter-count', { hasText: /^60 requests$/ }).waitFor();
      assert.deepEqual(page.errors, []);
    } finally {
      await page.page.close();
    }
  });

  it('the findings view: one row per finding, filtered like the requests, sorted by its headers; a row opens its request at the finding', async () => {
    const all = capture.exchanges.flatMap((e) => view.scan?.findingsOf(e.id) ?? []);
    await setFilter(web.page, '.filter-view', 'findings');
    await web.page.locator('.filter-count', { hasText: `${all.length} findings` }).waitFor();
    await web.page.locator('.table-header .col-kind').waitFor();
    // The IMSIs (filtered like the requests); the one sent base64 → gzip in #4 opens #4 with that finding flashed.
    await setFilter(web.page, '.filter-leaks', ['imsi']);
    const imsis = all.filter((f) => f.kind === 'imsi').length;
    await web.page.locator('.filter-count', { hasText: `${imsis} of ${all.length} findings` }).waitFor();
    const imsi = (view.scan?.findingsOf(4) ?? []).findIndex((f) => f.kind === 'imsi');
    await web.page.locator('.table-row', { has: web.page.locator('.col-exchange', { hasText: /^4$/ }) }).first().click();
    await detailShows(web.page, '/mistats/v3/upload_z');
    await web.page.locator(`mark.detail-flash[data-finding="${imsi}"]`).waitFor();
    await setFilter(web.page, '.filter-leaks', ['iccid']);
    await web.page.locator('.filter-count', { hasText: `1 of ${all.length} findings` }).waitFor();
    await setFilter(web.page, '.filter-leaks', []);
    // Sorted by value: ascending, then descending.
    await web.page.locator('.table-header .col-value').click();
    await web.page.locator('.table-header .col-value[aria-sort="ascending"]').waitFor();
    const values = [...all.map((f) => f.value)].sort();
    await web.page.locator('.table-row:not(.loading) .col-value').first().filter({ hasText: values[0] }).waitFor();
    // Back to the requests: the request table with its own view.
    await setFilter(web.page, '.filter-view', 'requests');
    await web.page.locator('.filter-count', { hasText: '12 requests' }).waitFor();
  });

  it('restored in the findings view: only that table asks for rows; after a rescan a click still opens the finding\'s request', async () => {
    const again = await openWebview(browser, view, { initialState: { mode: 'findings', scrollTop: 3000 } });
    try {
      await again.page.locator('.filter-count', { hasText: / findings$/ }).waitFor();
      await again.page.locator('.table-row:not(.loading) .col-exchange').first().waitFor();
      assert.deepEqual(again.sent.filter((m) => m.type === 'getRows'), [], 'the hidden request table asks for nothing');
      await again.post({ type: 'findingsUpdated', findings: view.scan?.summary ?? ({} as never) });
      await again.page.locator('.table-row:not(.loading) .col-exchange', { hasText: /^1$/ }).first().click();
      await detailShows(again.page, '/api/v2/account/bind');
      assert.deepEqual(again.errors, []);
    } finally {
      await again.page.close();
    }
  });

  it('the known-values panel saves through the host and shows what it answered', async () => {
    await web.page.locator('.known-section').evaluate((el) => ((el as unknown as { open: boolean }).open = true));
    await web.page.locator('.known-panel vscode-button', { hasText: 'Add to settings' }).click();
    await web.page.locator('.known-group-settings .known-row .known-value input').last().fill('868715392756833');
    await web.page.locator('.known-panel vscode-button', { hasText: 'Save to settings and rescan' }).click();
    await web.page.locator('.known-group-settings .known-result', { hasText: 'Saved' }).waitFor();
    assert.deepEqual(effects.known, [[{ kind: 'imei', value: '868715392756833' }]]);
    assert.deepEqual(effects.sidecars, [], 'the settings list does not write the sidecar');
  });
});

async function waitUntilIds(page: Page, ok: (ids: number[]) => boolean, what: string): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  let ids: number[] = [];
  while (Date.now() < deadline) {
    ids = await shownIds(page);
    if (ok(ids)) return ids;
    await page.waitForTimeout(50);
  }
  assert.fail(`${what}: rows ${ids.join(', ')}`);
}

async function selectRow(page: Page, id: number): Promise<void> {
  await page.locator('.table-row .col-id', { hasText: new RegExp(`^${id}$`) }).click();
  await page.locator('.table-row.selected .col-id', { hasText: new RegExp(`^${id}$`) }).waitFor();
}

async function detailShows(page: Page, path: string): Promise<void> {
  await page.locator('.detail-url', { hasText: path }).waitFor();
}

/** Structure steps stay inside a layer; every other step makes a new layer. */
const STRUCTURE = /^(json|form|multipart|protobuf):/;

/**
 * Every highlight in the open tab covers exactly its finding's matched text in the layer the
 * finding was read from; in an outer layer it covers the encoded run that decodes to that layer.
 */
async function checkMarks(page: Page, findings: readonly Finding[], what: string): Promise<void> {
  await page.locator('mark[data-finding]').first().waitFor();
  const marks = await page.locator('mark[data-finding]').evaluateAll((els) =>
    els
      .filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent !== null)
      .map((e) => ({
        finding: Number(e.getAttribute('data-finding')),
        text: e.textContent ?? '',
        layer: e.closest('.detail-layer')?.querySelector('.detail-layer-chain')?.textContent ?? 'raw',
      })),
  );
  assert.ok(marks.length > 0, `${what}: highlights shown`);
  let exact = 0;
  for (const mark of marks) {
    const finding = findings[mark.finding];
    assert.ok(finding, `${what}: mark for finding ${mark.finding}`);
    const transforms = finding.chain.filter((step) => !STRUCTURE.test(step)).join(' → ') || 'raw';
    if (mark.layer === transforms) {
      assert.equal(mark.text, finding.matchedText, `${what}: ${finding.kind} at ${finding.chain.join(' → ')}`);
      exact++;
    } else if (finding.chain[0] === 'base64' && mark.layer === 'raw') {
      // The run of base64 in the raw body decodes (and inflates, for base64 → gzip) to text holding the value.
      const bytes = Buffer.from(mark.text, 'base64');
      const decoded = finding.chain[1] === 'gzip' ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
      assert.ok(decoded.includes(finding.matchedText), `${what}: the raw base64 run holds ${finding.matchedText}`);
    } else {
      assert.fail(`${what}: ${finding.kind} highlighted in layer "${mark.layer}", chain ${finding.chain.join(' → ')}`);
    }
  }
  assert.ok(exact > 0, `${what}: exact highlights`);
  const marked = new Set(marks.filter((m) => m.layer !== 'raw' || !findings[m.finding].chain.some((s) => !STRUCTURE.test(s))).map((m) => m.finding));
  const bodyFindings = findings.map((f, i) => ({ f, i })).filter(({ f }) => f.part === 'request_body');
  assert.deepEqual(bodyFindings.filter(({ i }) => !marked.has(i)).map(({ f }) => `${f.kind} ${f.chain.join(' → ')}`), [], `${what}: every body finding highlighted where it was read`);
}
