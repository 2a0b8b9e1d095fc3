// Tier two: UI scenarios in the real workbench, with the packaged extension installed as a user
// would. Screenshots go to test-output/e2e on every run. Waits are for states, never fixed sleeps.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, FrameLocator, Page } from 'playwright-core';
import { serializeSidecar } from '../../extension/core/annotations/sidecar';
import { loadCapture, loadCaptureFile } from '../../extension/core/load/index';
import { locateExchange } from '../../extension/core/load/locate';
import { hostileHar, hostileSidecar } from '../webview/hostileCapture';
import { CORPUS, OUTPUT, ROOT, launchChromium, screenshot, startCodeServer, workbenchUrl, type CodeServer } from './harness';

/** The 1-based line where exchange `id` starts in the file, by the extension's own locator. */
function entryLine(file: string, id: number): number {
  const at = locateExchange(readFileSync(file, 'utf8'), loadCaptureFile(file), id);
  assert.ok(at, `entry ${id} located in ${file}`);
  return at.line;
}

const HAR = 'mitmproxy_hardump.har';
const TSHARK = 'telemetry_small.tshark.json';
const LARGE = 'large.har';
const LARGE_ENTRIES = 9000;
/** Over the leaklens.streamThresholdMB the workspace sets: read by the worker, with a progress notification. */
const STREAMED = 'streamed.har';
const STREAMED_ENTRIES = 40_000;
const STREAM_THRESHOLD_MB = 25;
const ANNOTATION_TITLE = 'Telemetry upload sends the IMSI and phone number over plain HTTP';

describe('LeakLens in the workbench', function () {
  this.timeout(180_000);
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let pageOpen = false;
  let workspace: string;

  before(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const vsix = join(OUTPUT, 'leaklens.vsix');
    execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], { cwd: ROOT, stdio: 'ignore' });
    workspace = mkdtempSync(join(tmpdir(), 'leaklens-workspace-'));
    copyFileSync(join(CORPUS, 'generated/har', HAR), join(workspace, HAR));
    copyFileSync(join(CORPUS, 'generated/pcap', TSHARK), join(workspace, TSHARK));
    // Over the preview threshold: the first rows come from the start of the file, then the rest.
    execFileSync(process.execPath, [join(CORPUS, 'gen/make_large_har.js'), join(workspace, LARGE), String(LARGE_ENTRIES), String(20_000_000)], { stdio: 'ignore' });
    // Big enough that the worker reads it for a few seconds, while the notification can be seen.
    execFileSync(process.execPath, [join(CORPUS, 'gen/make_large_har.js'), join(workspace, STREAMED), String(STREAMED_ENTRIES), String(80_000_000)], { stdio: 'ignore' });
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode/settings.json'), JSON.stringify({ 'leaklens.streamThresholdMB': STREAM_THRESHOLD_MB }, null, 2));
    server = await startCodeServer({ vsix });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    pageOpen = true;
    await page.goto(workbenchUrl(server, workspace));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${HAR}"]`).waitFor({ timeout: 60_000 });
  });

  beforeEach(async () => {
    // Every scenario starts from an empty editor area.
    await runCommand('View: Close All Editors');
    await page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached' });
  });

  afterEach(async function () {
    if (!pageOpen) return;
    const name = (this.currentTest?.title ?? 'test').replace(/[^\w]+/g, '-');
    const shot = await screenshot(page, name);
    if (this.currentTest?.state === 'failed') console.log(`      screenshot of the failure: ${shot} (code-server log in ${server?.dir})`);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A quick pick that is still closing (the theme picker after its choice) would take the keys meant for the next one. */
  async function noQuickInput(): Promise<void> {
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
  }

  async function quickOpen(fileName: string): Promise<void> {
    await noQuickInput();
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(fileName);
    // Click the match: Enter would take whichever row has focus while the list still filters.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().click();
  }

  async function runCommand(title: string): Promise<void> {
    await noQuickInput();
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().click();
  }

  function webview(): FrameLocator {
    return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
  }

  it('opens a HAR in the LeakLens editor: request table, identifier badges, plain-HTTP markers', async () => {
    await quickOpen(HAR);
    const view = webview();
    const rows = view.locator('.table-row');
    await rows.first().waitFor({ timeout: 30_000 });
    assert.ok((await rows.count()) > 5, 'rows rendered');
    const badges = view.locator('.kind-badge');
    await badges.first().waitFor();
    const labels = await badges.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    assert.ok(labels.some((l) => /IMEI/i.test(l)), `an IMEI badge among ${labels.slice(0, 5).join(' | ')}`);
    await view.locator('.table-row.insecure .codicon-unlock').first().waitFor(); // plain HTTP requests are marked
  });

  it('opens a tshark JSON with "LeakLens: Open in LeakLens" from the Command Palette', async () => {
    await quickOpen(TSHARK);
    await page.locator('.monaco-editor .view-lines').first().waitFor();
    await runCommand('LeakLens: Open in LeakLens');
    await page.locator('.tab.active', { hasText: TSHARK }).waitFor();
    const view = webview();
    await view.locator('.table-row').first().waitFor({ timeout: 30_000 });
    await view.locator('.kind-badge').first().waitFor();
  });

  it('the workbench in light, dark and high-contrast themes: a decoded body with its highlights (screenshots)', async () => {
    const themes = [
      { name: 'Light Modern', body: 'vs' },
      { name: 'Dark High Contrast', body: 'hc-black' },
      { name: 'Dark Modern', body: 'vs-dark' }, // last: the default the other scenarios expect
    ];
    await runCommand('View: Close Primary Side Bar');
    for (const theme of themes) {
      await runCommand('Preferences: Color Theme');
      await page.locator('.quick-input-widget input').fill(theme.name);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: theme.name }).first().click();
      await page.locator(`.monaco-workbench.${theme.body}`).waitFor();
      await runCommand('View: Close All Editors');
      await quickOpen(HAR);
      const view = webview();
      // #4 sends the IMSI, phone and Wi-Fi MACs base64 → gzip → JSON: the case the workbench exists for.
      await view.locator('.table-row .col-id', { hasText: /^4$/ }).click({ timeout: 30_000 });
      await view.locator('.detail-tab-header[data-tab="request-body"]').click();
      await view.locator('.detail-layer-decoded mark[data-finding]').first().waitFor();
      // Room for the details (as a researcher would drag the splitter), and the IMSI in view.
      for (let i = 0; i < 4; i++) await view.locator('.split-handle').press('ArrowUp');
      await view.locator('.detail-findings-list > li', { hasText: '460010886207782' }).locator('button').first().click();
      await view.locator('.detail-layer-decoded mark.detail-flash').first().waitFor();
      const marks = await view.locator('.detail-layer-decoded mark[data-finding]').allTextContents();
      assert.ok(marks.includes('460010886207782'), `the IMSI highlighted in the decoded layer: ${marks.join(', ')}`);
      // The webview follows the theme: its background is the editor's.
      const background = await view.locator('body').evaluate((b) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(b).backgroundColor);
      console.log(`      ${theme.name}: webview background ${background}`);
      const shot = await screenshot(page, `workbench-${theme.name.toLowerCase().replace(/\W+/g, '-')}`);
      console.log(`      screenshot: ${shot}`);
    }
    // The findings view, in the last theme.
    await webview().locator('.filter-view').evaluate((el) => {
      (el as unknown as { value: string }).value = 'findings';
      el.dispatchEvent(new Event('change'));
    });
    await webview().locator('.filter-count', { hasText: '63 findings' }).waitFor();
    console.log(`      screenshot: ${await screenshot(page, 'workbench-findings-view')}`);
    await runCommand('View: Toggle Primary Side Bar Visibility');
  });

  it('"Reveal in raw text" opens the capture as text at the exchange\'s entry', async () => {
    await quickOpen(HAR);
    const view = webview();
    await view.locator('.table-row .col-id', { hasText: /^3$/ }).click({ timeout: 30_000 });
    await view.locator('.detail-url', { hasText: '/mistats/v3/upload' }).waitFor();
    await view.locator('.detail-toolbar [aria-label*="raw" i]').click();
    await page.locator('.monaco-editor .view-lines', { hasText: '"startedDateTime"' }).first().waitFor({ timeout: 30_000 });
    const expected = entryLine(join(workspace, HAR), 3);
    await page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${expected}, Col \\d+`) }).first().waitFor();
    // Beside the LeakLens editor, which stays open.
    assert.equal(await page.locator('.editor-group-container').count(), 2);
    await webview().locator('.detail-url', { hasText: '/mistats/v3/upload' }).waitFor();
  });

  it('a 20 MB HAR: first rows from the preview, then the whole capture with search', async () => {
    await quickOpen(LARGE);
    const view = webview();
    await view.locator('.table-row .col-id', { hasText: /^0$/ }).waitFor({ timeout: 30_000 });
    await view.locator('.filter-count', { hasText: `${LARGE_ENTRIES.toLocaleString('en-US')} requests` }).waitFor({ timeout: 60_000 });
    await view.locator('.filter-search input').fill('"/api/v2/device/register"');
    await view.locator('.filter-count', { hasText: /^[\d,]+ of 9,000 requests$/ }).waitFor({ timeout: 30_000 });
  });

  it('a HAR over leaklens.streamThresholdMB: read in a worker with a progress notification (Cancel), rows while it loads, then all of it (screenshot)', async () => {
    await quickOpen(STREAMED);
    const toast = page.locator('.notification-toast', { hasText: `LeakLens: opening ${STREAMED}` });
    await toast.filter({ hasText: /\d+% · [\d,]+ requests · [\d,]+ findings/ }).waitFor({ timeout: 60_000 });
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).waitFor({ timeout: 5_000 });
    const view = webview();
    await view.locator('.table-row .col-id', { hasText: /^0$/ }).waitFor({ timeout: 30_000 });
    console.log(`      screenshot: ${await screenshot(page, 'streamed-progress')}`);
    await view.locator('.filter-count', { hasText: `${STREAMED_ENTRIES.toLocaleString('en-US')} requests` }).waitFor({ timeout: 120_000 });
    await toast.waitFor({ state: 'detached', timeout: 30_000 });
    await view.locator('.loading-rest').waitFor({ state: 'detached' });
    // The worker's scan is shown: the header counts findings, rows carry badges.
    await view.locator('.kind-badge').first().waitFor({ timeout: 30_000 });
    await view.locator('.filter-search input').fill('"/api/v2/device/register"');
    await view.locator('.filter-count', { hasText: new RegExp(`^[\\d,]+ of ${STREAMED_ENTRIES.toLocaleString('en-US')} requests$`) }).waitFor({ timeout: 30_000 });
  });

  it('annotates a leaking request from the workbench (Ctrl+Alt+A); closed and reopened, the annotation is there; the Findings tree opens it (screenshots)', async () => {
    await quickOpen(HAR);
    let view = webview();
    // #4 uploads the IMSI, phone number and Wi-Fi MACs base64(gzip(JSON)) over plain HTTP.
    await view.locator('.table-row .col-id', { hasText: /^4$/ }).click({ timeout: 30_000 });
    await view.locator('.detail-url', { hasText: '/mistats/v3/upload_z' }).waitFor();
    await page.keyboard.press('Control+Alt+A');
    const form = view.locator('.annotation-form');
    await form.waitFor({ timeout: 30_000 });
    // Pre-filled from the request's findings.
    assert.match(await form.locator('.annotation-title input').inputValue(), /IMSI/);
    await form.locator('.annotation-title input').fill(ANNOTATION_TITLE);
    await form.locator('.annotation-notes textarea').fill('Every upload carries the SIM\'s IMSI and the phone number, base64(gzip(JSON)), to `data.stat.miphone.test` over **plain HTTP**.');
    await form.locator('.annotation-tags input').fill('telemetry, cleartext');
    console.log(`      screenshot: ${await screenshot(page, 'annotate-form')}`);
    await form.locator('vscode-button', { hasText: 'Save' }).click();
    await view.locator('.table-row .col-annotation .severity-mark').first().waitFor();
    await view.locator('.detail-annotations .annotation-card', { hasText: ANNOTATION_TITLE }).waitFor();

    // Saved at once beside the capture: the sidecar anchors it to #4 by index and fingerprint.
    const sidecar = JSON.parse(readFileSync(join(workspace, `${HAR}.leaklens.json`), 'utf8')) as {
      annotations: { title: string; tags: string[]; exchanges: { index: number; method: string; requestBodySha256?: string }[]; findings: { kind: string }[] }[];
    };
    assert.equal(sidecar.annotations.length, 1);
    const [saved] = sidecar.annotations;
    assert.equal(saved.title, ANNOTATION_TITLE);
    assert.deepEqual(saved.tags, ['telemetry', 'cleartext']);
    assert.equal(saved.exchanges[0].index, 4);
    assert.match(saved.exchanges[0].requestBodySha256 ?? '', /^[0-9a-f]{64}$/);
    assert.ok(saved.findings.some((f) => f.kind === 'imsi'), 'the IMSI finding is named');

    // Close and reopen: the annotation is read back from the sidecar.
    await runCommand('View: Close All Editors');
    await page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached' });
    await quickOpen(HAR);
    view = webview();
    await view.locator('.annotation-status', { hasText: '1 annotation' }).waitFor({ timeout: 30_000 });
    await view.locator('.table-row .col-id', { hasText: /^4$/ }).click();
    await view.locator('.detail-annotations .annotation-card', { hasText: ANNOTATION_TITLE }).waitFor();
    console.log(`      screenshot: ${await screenshot(page, 'annotated-request')}`);

    // The LeakLens Findings tree lists it; clicking it selects its request.
    await view.locator('.table-row .col-id', { hasText: /^0$/ }).click();
    await view.locator('.detail-url', { hasText: '/api/v2/device/register' }).waitFor();
    const treeHeader = page.locator('.pane-header', { hasText: 'LeakLens Findings' });
    if ((await treeHeader.getAttribute('aria-expanded')) !== 'true') await treeHeader.click();
    const tree = page.locator('.pane-body[aria-label*="LeakLens Findings" i], .pane:has(.pane-header:has-text("LeakLens Findings")) .pane-body').first();
    const captureRow = tree.locator('.monaco-list-row', { hasText: HAR }).first();
    await captureRow.waitFor({ timeout: 30_000 });
    if ((await captureRow.getAttribute('aria-expanded')) !== 'true') await captureRow.click();
    const group = tree.locator('.monaco-list-row', { hasText: 'Annotations' }).first();
    await group.waitFor();
    if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click();
    await tree.locator('.monaco-list-row', { hasText: ANNOTATION_TITLE }).first().click();
    await webview().locator('.detail-url', { hasText: '/mistats/v3/upload_z' }).waitFor({ timeout: 30_000 });
    console.log(`      screenshot: ${await screenshot(page, 'findings-tree')}`);
  });

  it('"LeakLens: Export Advisory" from the Command Palette saves the advisory beside the capture with the annotation and its evidence, no secret in clear, and shows its preview', async () => {
    await quickOpen(HAR);
    await webview().locator('.table-row').first().waitFor({ timeout: 30_000 });
    await runCommand('LeakLens: Export Advisory');
    // VS Code's own save dialog (the simple one in the browser), with the default name beside the capture.
    const input = page.locator('.quick-input-widget input');
    const deadline = Date.now() + 30_000;
    let value = '';
    while (!/mitmproxy_hardump\.har\.advisory\.md$/.test(value)) {
      assert.ok(Date.now() < deadline, `the save dialog offers the default name (input: ${value})`);
      await page.waitForTimeout(100);
      value = await input.inputValue().catch(() => '');
    }
    await input.press('Enter');
    const advisory = join(workspace, `${HAR}.advisory.md`);
    await page.locator('.tab', { hasText: /Preview/ }).first().waitFor({ timeout: 30_000 });
    const markdown = readFileSync(advisory, 'utf8');
    copyFileSync(advisory, join(OUTPUT, `${HAR}.advisory.md`));
    // The annotation made in the workbench, with its evidence: where the IMSI sits and how it was encoded.
    assert.ok(markdown.includes(ANNOTATION_TITLE), 'the annotation is an issue of the advisory');
    assert.match(markdown, /telemetry/);
    assert.match(markdown, /base64 → gzip → json:\$\.imsi/, 'the decode chain of the IMSI');
    assert.ok(markdown.includes('46001088••••782'), 'the IMSI masked');
    // No identifier or secret of the capture in clear.
    for (const secret of ['460010886207782', '868715392756833', '+8613873243456', '32af5ead-3986-4d6f-924a-4197ec551d76', '22886cb0102e67c1', 'dG9rOjIyODg2Y2IwMTAyZTY3YzE']) {
      assert.ok(!markdown.includes(secret), `${secret} is not in the advisory`);
    }
    await page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame').locator('h1').first().waitFor({ timeout: 30_000 });
    await page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame').locator('h3, h2', { hasText: ANNOTATION_TITLE }).first().waitFor({ timeout: 30_000 });
    console.log(`      screenshot: ${await screenshot(page, 'advisory-preview')}`);
  });

  it('a HAR above VS Code\'s 50 MB limit for extensions opened as text: left alone, the workbench offered instead (screenshot)', async () => {
    await quickOpen(STREAMED);
    await page.locator('.tab.active', { hasText: STREAMED }).waitFor();
    await webview().locator('.table-row').first().waitFor({ timeout: 30_000 });
    await runCommand('View: Reopen Editor With...');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Text Editor' }).first().click();
    const offer = page.locator('.notification-toast', { hasText: 'above the size VS Code lets extensions read as text' });
    await offer.waitFor({ timeout: 60_000 });
    console.log(`      screenshot: ${await screenshot(page, 'text-too-large-offer')}`);
    await offer.locator('.monaco-button', { hasText: 'Open in LeakLens' }).click();
    await webview().locator('.table-row .col-id', { hasText: /^0$/ }).waitFor({ timeout: 60_000 });
  });

  it('"Reopen Editor With… → Text Editor" shows the capture as text', async () => {
    await quickOpen(HAR);
    await page.locator('.tab.active', { hasText: HAR }).waitFor();
    await webview().locator('.table-row').first().waitFor({ timeout: 30_000 });
    await runCommand('View: Reopen Editor With...');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Text Editor' }).first().click();
    await page.locator('.monaco-editor .view-lines', { hasText: '"log"' }).first().waitFor({ timeout: 30_000 });
  });
});

// Attacks through the real workbench: a hostile HAR (and sidecar) opened in code-server, then
// messages outside the contract forged on the webview's own channel to the extension host.

describe('LeakLens in the workbench: a hostile capture and forged webview messages', function () {
  this.timeout(240_000);
  const FILE = 'hostile.har';
  let exchangeCount = 0;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let workspace: string;

  before(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const vsix = join(OUTPUT, 'leaklens-attacks.vsix');
    execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], { cwd: ROOT, stdio: 'ignore' });
    workspace = mkdtempSync(join(tmpdir(), 'leaklens-hostile-'));
    const bytes = hostileHar();
    writeFileSync(join(workspace, FILE), bytes);
    writeFileSync(join(workspace, `${FILE}.leaklens.json`), serializeSidecar(hostileSidecar(loadCapture(bytes, FILE), FILE)));
    exchangeCount = loadCapture(bytes, FILE).exchanges.length;
    // An untrusted folder (Restricted Mode) whose settings try to loosen a limit: VS Code must not
    // apply them (package.json restrictedConfigurations), so every request shows, not one.
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode/settings.json'), JSON.stringify({ 'leaklens.maxExchanges': 1 }, null, 2));
    server = await startCodeServer({ vsix, workspaceTrust: true, settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.untrustedFiles': 'open' } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(workbenchUrl(server, workspace));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${FILE}"]`).waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    console.log(`      screenshot of the failure: ${await screenshot(page, 'hostile-capture-failure')} (code-server log in ${server?.dir})`);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** The webview's outer frame (VS Code's host page) and the page inside it (ours). */
  async function frames(): Promise<{ outer: Frame; inner: Frame }> {
    const outer = await (await page.locator('iframe.webview.ready').last().elementHandle())?.contentFrame();
    assert.ok(outer, 'the webview frame');
    const inner = await (await outer.locator('#active-frame').elementHandle())?.contentFrame();
    assert.ok(inner, 'the page inside it');
    return { outer, inner };
  }

  /** What our page holds that a capture could have put there: elements, handler attributes, the payloads' flag. */
  const INJECTED = `(() => {
    const found = [];
    const visit = (root, inShadow) => {
      for (const el of root.querySelectorAll('*')) {
        const tag = el.localName;
        // The components' own: the codicon stylesheet they link into their shadow roots, and their icons.
        const own = inShadow && ((tag === 'link' && /\\/codicon\\.css$/.test(el.href)) || tag === 'svg');
        if (/^(script|img|svg|iframe|frame|object|embed|meta|link|style|base|form|a|video|audio)$/.test(tag) && !own) found.push('<' + tag + '>');
        for (const a of el.attributes) if (/^on/i.test(a.name) || (/^(href|src|srcdoc|action|formaction)$/i.test(a.name) && !own)) found.push(tag + ' ' + a.name);
        if (el.shadowRoot) visit(el.shadowRoot, true);
      }
    };
    visit(document.getElementById('app'), false);
    return { found, pwned: String(globalThis.__pwned), scripts: document.scripts.length, url: location.href };
  })()`;

  it('opens a hostile HAR: no injected element in the webview; a forged executeCommand, readFile and out-of-contract messages are refused, no command runs (screenshot)', async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(FILE);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: FILE }).first().click();
    const view = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await view.locator('.table-row:not(.loading) .col-id', { hasText: /^4$/ }).waitFor({ timeout: 60_000 });
    // Restricted Mode: the capture opens and is scanned, and the folder's maxExchanges of 1 is ignored.
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
    await view.locator('.filter-count', { hasText: new RegExp(`^${exchangeCount} requests$`) }).waitFor({ timeout: 30_000 });
    await view.locator('.kind-badge').first().waitFor({ timeout: 30_000 });
    const baseline = await (await frames()).inner.evaluate<{ found: string[]; pwned: string; scripts: number; url: string }>(INJECTED);
    // Every request's details, every tab; the annotations and the findings view.
    for (let id = 0; id <= 4; id++) {
      await view.locator('.table-row .col-id', { hasText: new RegExp(`^${id}$`) }).click();
      await view.locator('.detail-url').waitFor();
      for (const tab of ['overview', 'headers', 'query', 'cookies', 'request-body', 'response-body']) await view.locator(`.detail-tab-header[data-tab="${tab}"]`).click();
    }
    await view.locator('.table-row .col-id', { hasText: /^0$/ }).click();
    await view.locator('.detail-annotations .annotation-card').first().waitFor();
    const host = (await view.locator('.table-row .col-host').first().textContent()) ?? '';
    assert.equal(host, 'evil⟨U+202E⟩gnp.exe.test', 'the bidi override shown as a marker in the real webview');
    const { outer, inner } = await frames();
    const after = await inner.evaluate<{ found: string[]; pwned: string; scripts: number; url: string }>(INJECTED);
    assert.deepEqual(after.found, [], 'no element or attribute from the capture');
    assert.equal(after.pwned, 'undefined', 'no payload ran');
    assert.equal(after.scripts, baseline.scripts, 'no script element added');
    assert.equal(after.url, baseline.url, 'no navigation');
    console.log(`      screenshot: ${await screenshot(page, 'hostile-capture')}`);

    // The real webview's CSP, and what it stops: requests and loads from inside the page, of a
    // workspace file (through the webview's own resource origin) and of the network.
    const policy = await inner.evaluate<string>(`document.querySelector('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')`);
    console.log(`      CSP: ${policy}`);
    assert.match(policy, /^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]{22,}';/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*(?!\.vscode-cdn\.net)|data:|blob:|connect-src/);
    const workspaceFile = join(workspace, `${FILE}.leaklens.json`);
    const loads = await inner.evaluate<Record<string, string>>(`(async () => {
      const violations = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const script = document.querySelector('script[nonce]');
      const resource = new URL(script.src);
      resource.pathname = ${JSON.stringify(workspaceFile)};
      const out = {};
      const attempt = async (name, run) => { try { out[name] = 'loaded: ' + await run(); } catch (e) { out[name] = 'blocked: ' + (e && e.name); } };
      const image = (src) => new Promise((resolve, reject) => { const i = new Image(); i.onload = () => resolve(src); i.onerror = () => reject(new Error('error')); i.src = src; });
      await attempt('fetch a workspace file', async () => (await fetch(resource.href)).status);
      await attempt('fetch the network', async () => (await fetch('https://example.com/')).status);
      await attempt('image of a workspace file', () => image(resource.href));
      await attempt('image from the network', () => image('https://example.com/x.png'));
      await new Promise((r) => setTimeout(r, 300));
      out.violations = violations.join(', ');
      return out;
    })()`);
    console.log(`      loads from inside the webview: ${JSON.stringify(loads)}`);
    for (const what of ['fetch a workspace file', 'fetch the network', 'image of a workspace file', 'image from the network']) assert.match(loads[what], /^blocked/, what);
    assert.match(loads.violations, /connect-src/, 'fetch stopped by the CSP');
    assert.match(loads.violations, /img-src/, 'the network image stopped by the CSP');

    // The page's API is acquired once; from inside, it cannot be had again.
    const again = await inner.evaluate<string>('(() => { try { acquireVsCodeApi(); return "acquired"; } catch (e) { return String(e.message); } })()');
    assert.match(again, /already been acquired/);
    // Replies the host sends the page, to see how it answers the forged messages.
    await inner.evaluate('(() => { globalThis.__replies = []; window.addEventListener("message", (e) => { if (e.data && e.data.requestId >= 900000) globalThis.__replies.push(e.data); }); })()');
    const sidecarPath = join(workspace, `${FILE}.leaklens.json`);
    const sidecarBefore = readFileSync(sidecarPath, 'utf8');
    const filesBefore = readdirSync(workspace).sort();
    const tabsBefore = await page.locator('.editor-group-container .tab').count();
    const query = { search: '', sort: 'id', descending: false, kinds: [], hosts: [], methods: [], statuses: [], scheme: 'any', findings: 'any' };
    const draft = { id: null, exchangeIds: [999_999], severity: 'high', title: 'forged', notes: '', tags: [], findingKeys: [] };
    // JSON.parse makes "__proto__" an own key (an object literal would set the prototype).
    const forged: { what: string; message: string }[] = [
      { what: 'executeCommand (a terminal)', message: JSON.stringify({ type: 'executeCommand', requestId: 900_001, command: 'workbench.action.terminal.new' }) },
      { what: 'executeCommand without an id', message: JSON.stringify({ type: 'executeCommand', command: 'workbench.action.terminal.new', args: [] }) },
      { what: 'readFile /etc/passwd', message: JSON.stringify({ type: 'readFile', requestId: 900_002, path: '/etc/passwd' }) },
      { what: 'an unknown type', message: JSON.stringify({ type: 'openExternal', requestId: 900_003, url: 'https://attacker.example/' }) },
      { what: 'getDetail with an extra key', message: JSON.stringify({ type: 'getDetail', requestId: 900_004, exchangeId: 0, path: '/etc/passwd' }) },
      { what: 'getDetail with a wrong type', message: JSON.stringify({ type: 'getDetail', requestId: 900_005, exchangeId: '0' }) },
      { what: 'getDetail with __proto__', message: '{"type":"getDetail","requestId":900006,"exchangeId":0,"__proto__":{"isAdmin":true}}' },
      { what: 'getRows with a 1 MB search', message: JSON.stringify({ type: 'getRows', requestId: 900_007, query: { ...query, search: 'a'.repeat(1_000_000) }, offset: 0, limit: 10 }) },
      { what: 'saveAnnotation on exchange 999999', message: JSON.stringify({ type: 'saveAnnotation', requestId: 900_008, draft }) },
      { what: 'reveal exchange 999999', message: JSON.stringify({ type: 'reveal', requestId: 900_009, exchangeId: 999_999 }) },
      { what: 'deleteAnnotation of a path', message: JSON.stringify({ type: 'deleteAnnotation', requestId: 900_010, id: '../../../../etc/passwd' }) },
      { what: 'setKnownValues with a path as kind', message: JSON.stringify({ type: 'setKnownValues', requestId: 900_011, target: 'sidecar', entries: [{ kind: '../etc/passwd', value: 'x' }] }) },
      { what: 'copy a layer that does not exist', message: JSON.stringify({ type: 'copy', requestId: 900_012, target: { what: 'layer', exchangeId: 0, section: 'request-body', field: 99, layer: 64 } }) },
    ];
    // Exactly what the page's acquireVsCodeApi().postMessage does: the webview host page's channel to the extension host.
    for (const f of forged) await outer.evaluate(`window.__vscode_post_message__('onmessage', { message: JSON.parse(${JSON.stringify(f.message)}) })`);
    const ids = forged.map((f) => JSON.parse(f.message) as { requestId?: number }).filter((m) => m.requestId !== undefined).map((m) => m.requestId);
    const deadline = Date.now() + 30_000;
    let replies: { type: string; requestId: number; message?: string }[] = [];
    while (replies.length < ids.length && Date.now() < deadline) {
      await page.waitForTimeout(200);
      replies = await inner.evaluate('globalThis.__replies');
    }
    const byId = new Map(replies.map((r) => [r.requestId, r]));
    const table = forged.map((f) => {
      const id = (JSON.parse(f.message) as { requestId?: number }).requestId;
      const reply = id === undefined ? undefined : byId.get(id);
      return `${f.what}: ${reply ? `${reply.type} (${reply.message ?? ''})` : 'no reply'}`;
    });
    console.log(`      forged messages:\n${table.map((l) => `        ${l}`).join('\n')}`);
    for (const id of ids) assert.equal(byId.get(id as number)?.type, 'error', `request ${id} refused: ${table.join(' | ')}`);
    // Nothing ran: no terminal, no new editor, no file written or created, the sidecar as it was.
    await page.waitForTimeout(1000);
    assert.equal(await page.locator('.terminal-outer-container, .integrated-terminal, .xterm').count(), 0, 'no terminal');
    assert.equal(await page.locator('.editor-group-container .tab').count(), tabsBefore, 'no editor opened');
    assert.equal(await page.locator('.tab', { hasText: 'passwd' }).count(), 0);
    assert.equal(readFileSync(sidecarPath, 'utf8'), sidecarBefore, 'the sidecar unchanged');
    assert.deepEqual(readdirSync(workspace).sort(), filesBefore, 'no file created');
    // The page still works: a valid request is answered.
    await view.locator('.table-row .col-id', { hasText: /^1$/ }).click();
    await view.locator('.detail-url', { hasText: 'api.evil.test' }).waitFor();
    console.log(`      screenshot: ${await screenshot(page, 'hostile-capture-forged-messages')}`);
    // The control: a terminal the researcher opens is seen by the check above, so that check can fail.
    await page.keyboard.press('Control+Shift+P');
    await page.locator('.quick-input-widget input').fill('>Terminal: Create New Terminal');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Terminal: Create New Terminal' }).first().click();
    await page.locator('.terminal-outer-container, .integrated-terminal, .xterm').first().waitFor({ timeout: 30_000 });
  });
});

// A capture opened as text: the extension marks the scan's findings in the JSON itself (issue 9),
// with a hover naming kind, confidence and decode chain, and a CodeLens per request that opens
// the workbench there. Own workspace, where .har files open in the text editor by default.
describe('LeakLens findings in a capture opened as text', function () {
  this.timeout(180_000);
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let workspace: string;
  let harText: string;
  const SOURCE = 'Telemetry.kt';

  before(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const vsix = join(OUTPUT, 'leaklens-text.vsix');
    execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], { cwd: ROOT, stdio: 'ignore' });
    workspace = mkdtempSync(join(tmpdir(), 'leaklens-text-'));
    copyFileSync(join(CORPUS, 'generated/har', HAR), join(workspace, HAR));
    // App source, for "Scan This File": an IMEI literal and a base64 payload holding another.
    writeFileSync(join(workspace, SOURCE), [
      'object Telemetry {',
      '    const val TEST_IMEI = "490154203237518"',
      `    const val PAYLOAD = "${Buffer.from('{"imei":"868715392756833"}').toString('base64')}"`,
      '}',
      '',
    ].join('\n'));
    harText = readFileSync(join(workspace, HAR), 'utf8');
    server = await startCodeServer({ vsix, settings: { 'workbench.editorAssociations': { '*.har': 'default' }, 'editor.hover.delay': 150, 'editor.stickyScroll.enabled': false } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(workbenchUrl(server, workspace));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${HAR}"]`).waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    console.log(`      screenshot of the failure: ${await screenshot(page, 'text-findings-failure')} (code-server log in ${server?.dir})`);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Go to a 1-based line (Ctrl+G), so it is rendered. */
  async function goToLine(line: number): Promise<void> {
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`:${line}`);
    await page.keyboard.press('Enter');
  }

  /**
   * Hover the characters `needle` (from `offset` on in it) where the editor renders them, until a
   * hover holding `expect` shows (the scan runs in the background first).
   */
  async function hover(needle: string, expect: RegExp): Promise<string> {
    const hoverBox = page.locator('.monaco-hover:not(.hidden)', { hasText: expect });
    const deadline = Date.now() + 60_000;
    for (;;) {
      // A string, evaluated in the page: the test code has no DOM types.
      const box = (await page.evaluate(`(() => {
        for (const span of document.querySelectorAll('.monaco-editor .view-lines span')) {
          const node = span.firstChild;
          if (!node || node.nodeType !== 3 || span.children.length > 0) continue;
          const at = (node.textContent || '').indexOf(${JSON.stringify(needle)});
          if (at === -1) continue;
          const range = document.createRange();
          range.setStart(node, at + 2);
          range.setEnd(node, at + 4);
          const r = range.getBoundingClientRect();
          return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
        }
        return undefined;
      })()`)) as { x: number; y: number } | undefined;
      if (box) {
        await page.mouse.move(box.x - 40, box.y + 200);
        await page.mouse.move(box.x, box.y, { steps: 4 });
        try {
          await hoverBox.first().waitFor({ timeout: 3_000 });
          return await hoverBox.first().innerText();
        } catch (err) {
          if (Date.now() > deadline) throw err;
        }
      } else if (Date.now() > deadline) {
        throw new Error(`"${needle}" is not rendered`);
      } else {
        await page.waitForTimeout(250);
      }
    }
  }

  it('opens a corpus HAR as text: hovering the IMEI and the base64 body shows kind, confidence, chain and decoded text; the CodeLens opens the request in LeakLens with its annotation form (screenshots)', async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(HAR);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: HAR }).first().click();
    await page.locator('.monaco-editor .view-lines', { hasText: '"log"' }).first().waitFor({ timeout: 30_000 });
    // A CodeLens per request once the scan is placed.
    await page.locator('.monaco-editor .codelens-decoration', { hasText: 'in LeakLens' }).filter({ visible: true }).first().waitFor({ timeout: 60_000 });

    // The first IMEI: exchange 0's query (`?imei=…` in the URL and in queryString).
    const imeiLine = harText.slice(0, harText.indexOf('868715392756833')).split('\n').length;
    await goToLine(imeiLine);
    const imeiHover = await hover('868715392756833', /IMEI/);
    assert.match(imeiHover, /IMEI/);
    assert.match(imeiHover, /868715392756833/);
    assert.match(imeiHover, /high confidence/);
    assert.match(imeiHover, /request #0/);
    console.log(`      screenshot: ${await screenshot(page, 'text-hover-imei')}`);
    await page.keyboard.press('Escape');

    // Exchange 3 posts base64(JSON) holding the IMEI: the encoded body hovers with its chain and decoded text.
    const base64 = 'eyJpbWVpIjoi';
    const base64Line = harText.slice(0, harText.indexOf(base64)).split('\n').length;
    await goToLine(base64Line);
    // The har language keeps VS Code's JSON features: the breadcrumbs are the JSON outline.
    await page.locator('.monaco-workbench .statusbar', { hasText: 'HAR' }).waitFor({ timeout: 15_000 });
    await page.locator('.breadcrumbs-control', { hasText: 'entries' }).first().waitFor({ timeout: 30_000 });
    const encodedHover = await hover(base64, /Decoded/);
    assert.match(encodedHover, /base64 → json:\$\.imei/);
    assert.match(encodedHover, /"imei":"868715392756833"/);
    console.log(`      screenshot: ${await screenshot(page, 'text-hover-base64')}`);
    await page.keyboard.press('Escape');

    // "Annotate request #3" above that entry opens the workbench at it with the annotation form
    // for it. A lens clicked while the editor swaps in a fresh set of lenses runs nothing: then it
    // is clicked again.
    const view = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    const opened = view.locator('.detail-url', { hasText: '/mistats/v3/upload' });
    const form = view.locator('.annotation-form');
    for (let attempt = 1; ; attempt++) {
      await goToLine(entryLine(join(workspace, HAR), 3));
      await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Annotate request #3' }).filter({ visible: true }).first().click();
      try {
        await opened.waitFor({ timeout: 15_000 });
        break;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
    await form.waitFor({ timeout: 15_000 });
    // The form is pre-filled from request #3's findings: its IMEI, sent base64-encoded.
    assert.match(await form.innerText(), /IMEI/);
    console.log(`      screenshot: ${await screenshot(page, 'text-codelens-annotate')}`);
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('"Scan This File for Identifiers" marks an IMEI and a base64 payload in app source; the payload hovers with its decoded text (screenshot)', async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(SOURCE);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: SOURCE }).first().click();
    await page.locator('.monaco-editor .view-lines', { hasText: 'object Telemetry' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Control+Shift+P');
    await page.locator('.quick-input-widget input').fill('>LeakLens: Scan This File for Identifiers');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Scan This File for Identifiers' }).first().click();
    const imeiHover = await hover('490154203237518', /IMEI/);
    assert.match(imeiHover, /490154203237518/);
    await page.keyboard.press('Escape');
    const payloadHover = await hover('eyJpbWVpIjoi', /Decoded/);
    assert.match(payloadHover, /"imei":"868715392756833"/);
    assert.match(payloadHover, /base64/);
    console.log(`      screenshot: ${await screenshot(page, 'text-scan-this-file')}`);
    await page.keyboard.press('Escape');
  });
});
