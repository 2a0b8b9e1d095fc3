// Tier two: UI scenarios in the real workbench, with the packaged extension installed as a user
// would. Screenshots go to test-output/e2e on every run. Waits are for states, never fixed sleeps.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { CORPUS, OUTPUT, ROOT, launchChromium, screenshot, startCodeServer, workbenchUrl, type CodeServer } from './harness';

const HAR = 'mitmproxy_hardump.har';
const TSHARK = 'telemetry_small.tshark.json';

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

  async function quickOpen(fileName: string): Promise<void> {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(fileName);
    // Click the match: Enter would take whichever row has focus while the list still filters.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().click();
  }

  async function runCommand(title: string): Promise<void> {
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

  it('"Reopen Editor With… → Text Editor" shows the capture as text', async () => {
    await quickOpen(HAR);
    await page.locator('.tab.active', { hasText: HAR }).waitFor();
    await webview().locator('.table-row').first().waitFor({ timeout: 30_000 });
    await runCommand('View: Reopen Editor With...');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Text Editor' }).first().click();
    await page.locator('.monaco-editor .view-lines', { hasText: '"log"' }).first().waitFor({ timeout: 30_000 });
  });
});
