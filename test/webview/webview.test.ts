// The webview in a real browser: rows from a corpus capture, paging on scroll, and hostile
// capture content that must stay inert text.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { loadCapture, loadCaptureFile } from '../../extension/core/load/index';
import type { Capture } from '../../extension/core/model';
import { scanCapture } from '../../extension/core/scan';
import { scanView } from '../../extension/editor/rows';
import type { SessionView } from '../../extension/editor/session';
import { corpusPath } from '../unit/corpus';
import { launchChromium, openWebview } from './harness';

function sessionOf(capture: Capture, fileName: string): SessionView {
  return { fileName, capture, loadError: undefined, scan: scanView(capture, scanCapture(capture)) };
}

describe('webview in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
  });

  it('renders the rows, badges and summary of a corpus capture, with no stray request or error', async () => {
    const capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    const web = await openWebview(browser, sessionOf(capture, 'mitmproxy_hardump.har'));
    const rows = web.page.locator('.table-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), capture.exchanges.length);
    await web.page.locator('.table-row .col-host', { hasText: 'api.account.miphone.test' }).first().waitFor();
    await web.page.locator('.kind-badge', { hasText: 'IMEI' }).first().waitFor();
    assert.match((await web.page.locator('main').textContent()) ?? '', /Sent over plain HTTP/);
    assert.deepEqual(web.strayRequests, []);
    assert.deepEqual(web.errors, []);
    assert.deepEqual(web.dropped, []);
    await web.page.close();
  });

  it('asks the host for pages as it scrolls, never for the whole capture', async () => {
    const one = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    const copies = 500; // 6,000 exchanges
    const capture: Capture = { ...one, exchanges: Array.from({ length: copies }, (_, c) => one.exchanges.map((e, i) => ({ ...e, id: c * one.exchanges.length + i }))).flat() };
    const web = await openWebview(browser, sessionOf(capture, 'big.har'));
    await web.page.locator('.table-row').first().waitFor();
    const rendered = await web.page.locator('.table-row').count();
    assert.ok(rendered < 200, `virtualized: ${rendered} row elements for ${capture.exchanges.length} exchanges`);
    await web.page.locator('.table-viewport').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    const last = String(capture.exchanges.length - 1);
    await web.page.locator('.table-row .col-id', { hasText: new RegExp(`^${last}$`) }).waitFor();
    const pages = web.sent.filter((m) => m.type === 'getRows');
    assert.ok(pages.length >= 2, 'a page at the top and one at the bottom');
    assert.ok(pages.every((m) => m.type === 'getRows' && m.limit <= 500), 'pages, not the capture');
    await web.page.close();
  });

  it('renders hostile capture content as inert text: no element, no script, no request', async () => {
    const payload = '<img src=x onerror="window.__pwned=1">';
    const entry = (url: string, text: string, mimeType: string): object => ({
      startedDateTime: '2014-08-02T08:00:00.000Z', time: 1,
      request: {
        method: 'GET', url, httpVersion: 'HTTP/1.1', cookies: [], queryString: [], headersSize: -1, bodySize: 0,
        headers: [{ name: 'Host', value: `evil.test${payload}` }, { name: 'X-A', value: '</script><script>window.__pwned=2</script>' }],
      },
      response: {
        status: 200, statusText: `OK${payload}`, httpVersion: 'HTTP/1.1', cookies: [], headers: [], redirectURL: 'javascript:window.__pwned=3',
        headersSize: -1, bodySize: -1, content: { size: text.length, mimeType, text },
      },
      cache: {}, timings: { send: 0, wait: 1, receive: 0 },
    });
    const har = { log: { version: '1.2', creator: { name: `creator${payload}`, version: '</title><script>window.__pwned=4</script>' }, entries: [
      entry(`http://evil.test/${encodeURIComponent(payload)}?q=${payload}`, '<svg onload="window.__pwned=5"><script>window.__pwned=6</script></svg>', `image/svg+xml${payload}`),
      entry('javascript:window.__pwned=7', '<html><body onload="window.__pwned=8">x</body></html>', 'text/html'),
    ] } };
    const capture = loadCapture(Buffer.from(JSON.stringify(har)), `evil${payload}.har`);
    const web = await openWebview(browser, sessionOf(capture, `evil${payload}.har`));
    // Both rows filled in (placeholders come first).
    await web.page.locator('.table-row .col-status', { hasText: '200' }).nth(1).waitFor();
    // The detail pane of each hostile request, every tab opened.
    for (const [id, body] of [['0', '<svg onload'], ['1', '<html><body onload']]) {
      await web.page.locator('.table-row .col-id', { hasText: new RegExp(`^${id}$`) }).click();
      await web.page.locator('.detail-url').waitFor();
      for (const tab of ['overview', 'headers', 'query', 'cookies', 'request-body', 'response-body']) {
        await web.page.locator(`.detail-tab-header[data-tab="${tab}"]`).click();
      }
      await web.page.locator('.detail-text', { hasText: body }).first().waitFor();
    }
    const text = (await web.page.locator('main').textContent()) ?? '';
    assert.ok(text.includes('onerror'), 'the payload is shown as text');
    assert.equal(await web.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined, 'no payload ran');
    // Every element of the page, shadow roots included: none may carry an event handler or the
    // payload's code in an attribute, and no embedding element may exist.
    const live = await web.page.evaluate(() => {
      const found: string[] = [];
      const visit = (root: { querySelectorAll(s: string): ArrayLike<{ tagName: string; attributes: ArrayLike<{ name: string; value: string }>; shadowRoot: unknown }> }): void => {
        for (const el of Array.from(root.querySelectorAll('*'))) {
          if (/^(IMG|SCRIPT|IFRAME|OBJECT|EMBED)$/.test(el.tagName) && !(el.tagName === 'SCRIPT' && /main\.js$/.test((el as unknown as { src: string }).src))) found.push(el.tagName);
          // Text in title or aria-label is inert; handlers and URL-bearing attributes are not.
          for (const a of Array.from(el.attributes)) if (/^on/i.test(a.name) || (/^(href|src|action|formaction|xlink:href|srcdoc)$/i.test(a.name) && !(/^(SCRIPT|LINK)$/.test(el.tagName) && a.value.startsWith('https://webview.leaklens.test/')))) found.push(`${el.tagName} ${a.name}=${a.value}`);
          if (el.shadowRoot) visit(el.shadowRoot as never);
        }
      };
      visit((globalThis as unknown as { document: never }).document);
      return found;
    });
    assert.deepEqual(live, [], 'no element or attribute came from the capture');
    assert.deepEqual(web.strayRequests, [], 'nothing in the capture made the page fetch');
    await web.page.close();
  });
});
