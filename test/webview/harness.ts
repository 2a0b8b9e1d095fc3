// The built webview (dist/webview) in headless Chromium, under the real page and CSP that
// webviewHtml builds, talking to the real host logic (editor/session.ts) through a fake
// acquireVsCodeApi. Messages from the page go through the same validator as in VS Code.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { answer, type SessionView } from '../../extension/editor/session';
import { buildWebviewHtml, createNonce, WEBVIEW_ASSETS } from '../../extension/editor/webviewHtml';
import { parseWebviewMessage, type FromWebview, type ToWebview } from '../../extension/protocol';

const ROOT = resolve(__dirname, '../../..');
const DIST = join(ROOT, 'dist/webview');
/** Where the page and its assets are served from (intercepted; nothing leaves the browser). */
export const ORIGIN = 'https://webview.leaklens.test';
/** The page's own files: the three it links and the icon font codicon.css loads. */
const ASSETS: string[] = [...Object.values(WEBVIEW_ASSETS), 'codicon.ttf'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.LEAKLENS_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface OpenWebview {
  page: Page;
  /** Every valid message the page sent, in order. */
  sent: FromWebview[];
  /** Messages the validator dropped. */
  dropped: unknown[];
  /** Requests to anything but the page's own assets (a capture must never cause one). */
  strayRequests: string[];
  /** Console errors, including CSP violations. */
  errors: string[];
  post(message: ToWebview): Promise<void>;
}

/** Loads the webview for `view`, answering its messages as the extension host would. */
export interface OpenOptions {
  size?: { width: number; height: number };
  /** What the page's getState returns at first (as VS Code restores a hidden tab's state). */
  initialState?: unknown;
}

export async function openWebview(browser: Browser, view: SessionView, options: OpenOptions = {}): Promise<OpenWebview> {
  const page = await browser.newPage({ viewport: options.size ?? { width: 1200, height: 800 } });
  const nonce = createNonce();
  const html = buildWebviewHtml(ORIGIN, nonce, {
    script: `${ORIGIN}/${WEBVIEW_ASSETS.script}`,
    codiconCss: `${ORIGIN}/${WEBVIEW_ASSETS.codiconCss}`,
    stylesCss: `${ORIGIN}/${WEBVIEW_ASSETS.stylesCss}`,
  });
  const strayRequests: string[] = [];
  const errors: string[] = [];
  const sent: FromWebview[] = [];
  const dropped: unknown[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === `${ORIGIN}/index.html`) return route.fulfill({ contentType: 'text/html', body: html });
    const name = url.startsWith(`${ORIGIN}/`) ? url.slice(ORIGIN.length + 1).replace(/\?.*$/, '') : '';
    if (ASSETS.includes(name)) {
      const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : 'font/ttf';
      return route.fulfill({ contentType: type, body: readFileSync(join(DIST, name)) });
    }
    strayRequests.push(url);
    return route.abort();
  });
  const post = async (message: ToWebview): Promise<void> => {
    await page.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(m, '*'), message);
  };
  await page.exposeFunction('__leaklensToHost', (raw: unknown) => {
    const message = parseWebviewMessage(raw);
    if (!message) {
      dropped.push(raw);
      return;
    }
    sent.push(message);
    void answer(view, message).then(post);
  });
  // Stands in for VS Code's acquireVsCodeApi; state lives in the page like the real one's.
  await page.addInitScript((initial: unknown) => {
    let state: unknown = initial;
    const api = {
      postMessage: (m: unknown) => void (globalThis as unknown as { __leaklensToHost(m: unknown): Promise<void> }).__leaklensToHost(m),
      getState: () => state,
      setState: (s: unknown) => (state = s),
    };
    (globalThis as unknown as { acquireVsCodeApi(): typeof api }).acquireVsCodeApi = () => api;
    (globalThis as unknown as { __leaklensState(): unknown }).__leaklensState = () => state;
  }, options.initialState);
  await page.goto(`${ORIGIN}/index.html`);
  return { page, sent, dropped, strayRequests, errors, post };
}

/** The state the page last saved with setState (what VS Code would hand back after hiding the tab). */
export function savedState(page: Page): Promise<unknown> {
  return page.evaluate(() => (globalThis as unknown as { __leaklensState(): unknown }).__leaklensState());
}
