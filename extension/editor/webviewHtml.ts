// THE one place that builds the capture webview's HTML and its Content-Security-Policy.
//
// The page loads exactly one script (our bundle, by a fresh nonce) and two stylesheets from the
// extension's dist/webview folder. Capture content never goes into this HTML: the webview asks
// for it by message and renders it with textContent.
//
// Styles: the bundled @vscode-elements components are Lit elements. Lit applies their styles as
// constructable stylesheets (`adoptedStyleSheets`), which CSP's style-src does not govern, so
// no 'unsafe-inline' is needed; the nonce in style-src covers Lit's fallback of <style nonce>
// elements (the bundle sets `window.litNonce` from its own script's nonce).
//
// Only types come from 'vscode' here, so the unit tests can load this file in plain Node.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Uri, Webview } from 'vscode';

/** Files under dist/webview that the page loads. */
export const WEBVIEW_ASSETS = {
  script: 'main.js',
  codiconCss: 'codicon.css',
  stylesCss: 'styles.css',
} as const;

export interface WebviewUris {
  script: string;
  codiconCss: string;
  stylesCss: string;
}

/** 128 bits from the OS CSPRNG, base64: a nonce a page cannot guess. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

const NONCE = /^[A-Za-z0-9+/]{16,}={0,2}$/;
// A webview's cspSource is one or more scheme/host sources such as `https://*.vscode-cdn.net`;
// VS Code for the web (code-server) also puts the keyword `'self'` first. Anything that could end
// the directive or open another (`;`, `,`, other quoted keywords, line breaks) is refused.
const CSP_SOURCE_EXPRESSION = /^(?:[A-Za-z0-9+.*:/_-]+|'self')$/;

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  checkCspInputs(cspSource, nonce);
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
  ].join('; ');
}

/** The page, from plain strings: no vscode needed, so it is unit-tested directly. */
export function buildWebviewHtml(cspSource: string, nonce: string, uris: WebviewUris): string {
  const csp = contentSecurityPolicy(cspSource, nonce);
  const attr = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" id="vscode-codicon-stylesheet" href="${attr(uris.codiconCss)}" nonce="${attr(nonce)}">
  <link rel="stylesheet" href="${attr(uris.stylesCss)}" nonce="${attr(nonce)}">
  <title>LeakLens</title>
</head>
<body>
  <main id="app" aria-busy="true"></main>
  <script nonce="${attr(nonce)}" src="${attr(uris.script)}"></script>
</body>
</html>
`;
}

/**
 * The thin vscode-facing wrapper: resolves the assets under `mediaRoot` (the extension's
 * dist/webview folder, which is also the webview's only local resource root) with a new nonce.
 */
export function webviewHtml(webview: Pick<Webview, 'cspSource' | 'asWebviewUri'>, mediaRoot: Uri): string {
  const uri = (name: string) => webview.asWebviewUri(mediaRoot.with({ path: posix.join(mediaRoot.path, name) })).toString();
  return buildWebviewHtml(webview.cspSource, createNonce(), {
    script: uri(WEBVIEW_ASSETS.script),
    codiconCss: uri(WEBVIEW_ASSETS.codiconCss),
    stylesCss: uri(WEBVIEW_ASSETS.stylesCss),
  });
}

function checkCspInputs(cspSource: string, nonce: string): void {
  if (!NONCE.test(nonce)) throw new Error('webview nonce must be base64 of at least 12 random bytes');
  const expressions = cspSource.split(' ');
  if (expressions.length > 8 || !expressions.every((e) => CSP_SOURCE_EXPRESSION.test(e))) throw new Error(`refusing a webview cspSource that is not a list of plain source expressions: ${JSON.stringify(cspSource)}`);
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
