// A hostile capture and sidecar for the attack tests (webview tier and real VS Code): every field
// a page or notification shows holds markup, script, URL and invisible-character payloads.
import assert from 'node:assert/strict';
import { anchorOf, findingRefOf } from '../../extension/core/annotations/anchor';
import type { Sidecar } from '../../extension/core/annotations/model';
import { emptySidecar } from '../../extension/core/annotations/sidecar';
import type { Capture } from '../../extension/core/model';
import { scanCapture } from '../../extension/core/scan';

/** One payload of each kind; every hostile field holds all of them. */
export const P = {
  script: '<script>window.__pwned="script"</script>',
  img: '<img src=x onerror="window.__pwned=\'img\'">',
  svg: '<svg onload="window.__pwned=\'svg\'"></svg>',
  js: 'javascript:window.__pwned="js"',
  iframe: '<iframe srcdoc="<script>parent.__pwned=\'iframe\'</script>"></iframe>',
  meta: '<meta http-equiv="refresh" content="0;url=https://attacker.example/refresh">',
  link: '<link rel="stylesheet" href="https://attacker.example/x.css">',
  css: '<div style="background:url(https://attacker.example/bg.png)">',
  template: '${globalThis.__pwned="template"}',
  bidi: '\u202Egnp.exe',
  nul: 'nul\u0000byte',
  lone: 'lone\uD800half',
};
export const ALL = Object.values(P).join(' ');
/** encodeURIComponent refuses lone surrogates: URLs carry the rest, percent-encoded. */
const ALL_URL = encodeURIComponent(Object.values(P).filter((p) => p !== P.lone).join(' '));
export const IMEI = '868715392756833';
export const FILE_NAME = `evil${P.bidi}${P.img}.har`;

function header(name: string, value: string): { name: string; value: string } {
  return { name, value };
}

function entry(request: object, response: object, extra: object = {}): object {
  return {
    startedDateTime: '2024-05-01T10:00:00.000Z',
    time: 12,
    cache: {},
    timings: { send: 1, wait: 10, receive: 1 },
    ...extra,
    request: { httpVersion: 'HTTP/1.1', cookies: [], queryString: [], headersSize: -1, bodySize: -1, ...request },
    response: { status: 200, statusText: P.meta, httpVersion: 'HTTP/1.1', cookies: [], headers: [], redirectURL: P.js, headersSize: -1, bodySize: -1, ...response },
  };
}

function content(mimeType: string, text: string, encoding?: 'base64'): object {
  const body = encoding ? Buffer.from(text).toString('base64') : text;
  return { size: Buffer.byteLength(text), mimeType, text: body, ...(encoding ? { encoding } : {}) };
}

/** A HAR whose every field a page shows holds the payloads. */
export function hostileHar(): Buffer {
  const boundary = 'XyZ';
  const multipart = [
    `--${boundary}`,
    `Content-Disposition: form-data; name="${P.bidi}"; filename="${P.script}${P.bidi}.txt"`,
    'Content-Type: text/html',
    '',
    ALL,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  const jsonBody = JSON.stringify({ [P.script]: P.img, [`${P.bidi}key`]: P.nul, imei: IMEI, nested: { [P.svg]: [P.template, P.lone] } });
  const har = {
    log: {
      version: '1.2',
      creator: { name: `${P.bidi} ${P.nul} creator ${ALL}`, version: P.script },
      pages: [{ startedDateTime: '2024-05-01T10:00:00.000Z', id: P.img, title: ALL, pageTimings: {} }],
      entries: [
        // 0: everything in the request line, headers, cookies and query; an HTML response.
        entry(
          {
            method: 'GET',
            url: `http://evil${P.bidi}.test/${ALL_URL}/raw${P.bidi}${P.nul}?q=${ALL_URL}&imei=${IMEI}`,
            headers: [header('Host', `evil${P.bidi}.test`), header(`X-${P.bidi}-Name`, ALL), header('User-Agent', `${P.script}${P.nul}`), header('Referer', P.js)],
            cookies: [{ name: `c${P.bidi}`, value: P.img }, { name: P.script, value: ALL }],
            queryString: [{ name: 'q', value: ALL }, { name: 'imei', value: IMEI }],
          },
          {
            headers: [header('Content-Type', 'text/html'), header(`Set-${P.bidi}`, ALL), header('Location', P.js)],
            cookies: [{ name: 'session', value: ALL }],
            content: content('text/html', `<!DOCTYPE html><html><head>${P.meta}${P.link}<base href="https://attacker.example/"></head><body onload="window.__pwned='body'">${ALL}</body></html>`),
          },
          { serverIPAddress: `10.0.0.1${P.bidi}`, _resourceType: ALL, pageref: P.img },
        ),
        // 1: a JSON request body with hostile keys; an SVG response.
        entry(
          { method: 'POST', url: `https://api.evil.test/json?${P.bidi}=1`, headers: [header('Content-Type', 'application/json')], postData: { mimeType: 'application/json', text: jsonBody } },
          { content: content('image/svg+xml', `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned='svgbody'"><script>window.__pwned='svgscript'</script><foreignObject>${ALL}</foreignObject></svg>`) },
        ),
        // 2: a multipart upload with a hostile file name; a CSS response with url().
        entry(
          {
            method: 'POST',
            url: 'https://upload.evil.test/form',
            headers: [header('Content-Type', `multipart/form-data; boundary=${boundary}`)],
            postData: { mimeType: `multipart/form-data; boundary=${boundary}`, text: multipart },
          },
          { content: content('text/css', `body { background: url("https://attacker.example/css.png"); } /* ${ALL} */`) },
        ),
        // 3: a form body; a base64 HTML response whose MIME type is itself hostile.
        entry(
          {
            method: 'POST',
            url: 'http://form.evil.test/submit',
            headers: [header('Content-Type', 'application/x-www-form-urlencoded')],
            postData: { mimeType: 'application/x-www-form-urlencoded', text: `a=${encodeURIComponent(P.svg)}&imei=${IMEI}&${encodeURIComponent(P.bidi)}=${encodeURIComponent(P.iframe)}` },
          },
          { content: content(`text/html${P.bidi}`, ALL, 'base64') },
        ),
        // 4: malformed fields the loader warns about (the warnings quote them).
        entry(
          { method: `GE${P.bidi}T`, url: `http://warn.evil.test/${P.template}`, headers: [header(P.img, P.script)] },
          { status: 302, headers: [], content: content('application/octet-stream', `\u0000\u0001\u001b[31m${ALL}`) },
          { startedDateTime: `not a date ${P.script}` },
        ),
      ],
    },
  };
  return Buffer.from(JSON.stringify(har));
}

/** A sidecar with hostile text in every field the page shows: annotations, an orphan, a judgement, known values. */
export function hostileSidecar(capture: Capture, fileName = FILE_NAME): Sidecar {
  const result = scanCapture(capture);
  const imei = result.findings.find((f) => f.exchangeId === 0 && f.kind === 'imei');
  assert.ok(imei, 'the hostile capture leaks the IMEI in exchange 0');
  const other = result.findings.find((f) => f !== imei);
  const sidecar = emptySidecar(fileName);
  const stamp = '2024-05-01T10:00:00.000Z';
  sidecar.annotations.push(
    { id: 'a1', exchanges: [anchorOf(capture.exchanges[0])], severity: 'critical', title: ALL, notes: `${ALL}\nsecond line ${P.bidi}\n**bold** [link](https://attacker.example/)`, tags: [P.img, P.bidi, P.script], findings: [findingRefOf(imei)], created: stamp, updated: stamp },
    { id: `orphan${P.bidi}`, exchanges: [{ ...anchorOf(capture.exchanges[1]), url: `http://gone.test/${P.script}${P.bidi}` }], severity: 'high', title: `orphan ${ALL}`, notes: '', tags: [], findings: [], created: stamp, updated: stamp },
  );
  if (other) sidecar.findingStates.push({ exchange: anchorOf(capture.exchanges[other.exchangeId]), finding: findingRefOf(other), state: 'expected', reason: ALL });
  sidecar.knownValues = { imei: IMEI, string: [P.script, `${P.bidi}device`] };
  return sidecar;
}
