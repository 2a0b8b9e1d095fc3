import assert from 'node:assert/strict';
import type { Uri, Webview } from 'vscode';
import { buildWebviewHtml, contentSecurityPolicy, createNonce, webviewHtml } from '../../extension/editor/webviewHtml';

const CSP_SOURCE = 'https://*.vscode-cdn.net';
const NONCE = 'q2d1Zm9vYmFyYmF6cXV4MQ==';
const URIS = {
  script: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js',
  codiconCss: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/codicon.css',
  stylesCss: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/styles.css',
};

function cspOf(html: string): string {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(match, 'the page has a CSP meta tag');
  return match[1].replace(/&#39;/g, "'");
}

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
}

/** A stand-in for vscode.Uri with just what webviewHtml uses. */
function fakeUri(path: string): Uri {
  return {
    path,
    with: (change: { path: string }) => fakeUri(change.path),
    toString: () => `https://file+.vscode-resource.vscode-cdn.net${path}`,
  } as unknown as Uri;
}

const fakeWebview: Pick<Webview, 'cspSource' | 'asWebviewUri'> = { cspSource: CSP_SOURCE, asWebviewUri: (uri: Uri) => uri };

describe('webview HTML', () => {
  it('has exactly the CSP of the design', () => {
    assert.equal(
      contentSecurityPolicy(CSP_SOURCE, NONCE),
      `default-src 'none'; script-src 'nonce-${NONCE}'; style-src ${CSP_SOURCE} 'nonce-${NONCE}'; font-src ${CSP_SOURCE}; img-src ${CSP_SOURCE}`,
    );
    assert.equal(cspOf(buildWebviewHtml(CSP_SOURCE, NONCE, URIS)), contentSecurityPolicy(CSP_SOURCE, NONCE));
  });

  it("starts from default-src 'none' and never allows inline or eval", () => {
    const csp = cspOf(buildWebviewHtml(CSP_SOURCE, NONCE, URIS));
    assert.deepEqual(directives(csp).get('default-src'), ["'none'"]);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|\*;|data:|blob:|https:(?!\/\/)/);
    assert.deepEqual([...directives(csp).keys()].sort(), ['default-src', 'font-src', 'img-src', 'script-src', 'style-src']);
  });

  it('loads exactly one script, by the nonce in the CSP', () => {
    const html = buildWebviewHtml(CSP_SOURCE, NONCE, URIS);
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0][1], new RegExp(` nonce="${NONCE.replace(/[+/=]/g, (c) => `\\${c}`)}"`));
    assert.match(scripts[0][1], / src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\/main\.js"/);
    const scriptSrc = directives(cspOf(html)).get('script-src');
    assert.deepEqual(scriptSrc, [`'nonce-${NONCE}'`]);
  });

  it('has no inline handlers, inline styles or form', () => {
    const html = buildWebviewHtml(CSP_SOURCE, NONCE, URIS);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /<style|<form|<iframe|<base/i);
    assert.match(html, /<link rel="stylesheet" id="vscode-codicon-stylesheet" href="[^"]+codicon\.css"/);
    assert.match(html, /<link rel="stylesheet" href="[^"]+styles\.css"/);
  });

  it('escapes the resource URIs it is given', () => {
    const html = buildWebviewHtml(CSP_SOURCE, NONCE, { ...URIS, script: 'https://x/"><script>alert(1)</script>' });
    assert.equal([...html.matchAll(/<script\b/g)].length, 1);
    assert.match(html, /&#34;&#62;&#60;script&#62;/);
  });

  it('refuses a nonce or cspSource that could inject into the policy', () => {
    assert.throws(() => buildWebviewHtml(CSP_SOURCE, "abc' 'unsafe-inline", URIS));
    assert.throws(() => buildWebviewHtml(CSP_SOURCE, 'short', URIS));
    assert.throws(() => buildWebviewHtml(`${CSP_SOURCE}; script-src *`, NONCE, URIS));
    assert.throws(() => buildWebviewHtml(`${CSP_SOURCE} 'unsafe-inline'`, NONCE, URIS));
    assert.throws(() => buildWebviewHtml(`'self'\nscript-src *`, NONCE, URIS));
    assert.throws(() => buildWebviewHtml(`${CSP_SOURCE}  'self'`, NONCE, URIS), 'empty expressions');
  });

  it('accepts the cspSource of VS Code for the web: \'self\' and a CDN host (found by the e2e tests)', () => {
    const web = "'self' https://*.vscode-cdn.net";
    const policy = contentSecurityPolicy(web, NONCE);
    assert.match(policy, /style-src 'self' https:\/\/\*\.vscode-cdn\.net 'nonce-/);
    assert.match(policy, /^default-src 'none'; script-src 'nonce-[^']+';/);
    assert.doesNotMatch(policy, /unsafe/);
  });

  it('makes a fresh 128-bit nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    assert.equal(nonces.size, 100);
    for (const n of nonces) assert.equal(Buffer.from(n, 'base64').length, 16);
  });

  it('two builds of the page get different nonces', () => {
    const root = fakeUri('/ext/dist/webview');
    const first = webviewHtml(fakeWebview, root);
    const second = webviewHtml(fakeWebview, root);
    const nonceOf = (html: string) => /<script nonce="([^"]+)"/.exec(html)?.[1];
    assert.ok(nonceOf(first));
    assert.notEqual(nonceOf(first), nonceOf(second));
    assert.ok(cspOf(first).includes(`'nonce-${nonceOf(first)}'`));
    assert.ok(cspOf(second).includes(`'nonce-${nonceOf(second)}'`));
  });

  it('resolves the assets under the dist/webview root', () => {
    const html = webviewHtml(fakeWebview, fakeUri('/ext/dist/webview'));
    for (const file of ['main.js', 'codicon.css', 'styles.css']) {
      assert.ok(html.includes(`https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/${file}`), file);
    }
  });
});
