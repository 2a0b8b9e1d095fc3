import assert from 'node:assert/strict';
import { anchorOf, findingRefOf } from '../../../../extension/core/annotations/anchor';
import type { Annotation, Sidecar } from '../../../../extension/core/annotations/model';
import { loadCapture, loadCaptureFile } from '../../../../extension/core/load/index';
import type { Capture, Finding, IdentifierKind } from '../../../../extension/core/model';
import { exchangeHost } from '../../../../extension/core/model';
import { DEFAULT_ADVISORY_TEMPLATE, KIND_LABEL, writeAdvisory, type AdvisoryCapture } from '../../../../extension/core/report/advisory';
import { scanCapture } from '../../../../extension/core/scan';
import { corpusPath } from '../../corpus';
import { assertInert, tableCells } from './inertMarkdown';

const NOW = new Date('2026-12-01T12:00:00Z');
const IMEI = '868715392756833';
const MASKED_IMEI = '86871539••••833';

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

const JWT_SIG = 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const JWT = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"42","imei":"${IMEI}"}`)}.${JWT_SIG}`;

/** Secrets planted in the hostile capture and sidecar: none may appear in any advisory. */
const SECRETS = {
  queryApiKey: 'QAPIKEYSECRET1', queryToken: 'QTOKENSECRET2', queryAccessToken: 'QACCESSSECRET3', queryPassword: 'QPASSWORDSECRET4',
  querySession: 'QSESSIONSECRET5', querySig: 'QSIGSECRET6', queryAws: 'AKIAIOSFODNN7EXAMPLE',
  bearer: 'BEARERSECRET7abc', proxyBasic: Buffer.from('proxyuser:PROXYSECRET8').toString('base64'), cookie: 'COOKIESECRET9',
  xApiKey: 'XAPIKEYSECRET10', xAuthToken: 'XAUTHSECRET11', setCookie: 'SETCOOKIESECRET12', bodyPassword: 'BODYSECRET13',
  formToken: 'FORMSECRET14', jwtSignature: JWT_SIG, notesBearer: 'NOTESBEARER15xyz', notesPassword: 'NOTESPASSWORD16',
  notesAws: 'AKIAJ7EXAMPLE7NOTES1', googleKey: 'AIzaSyA1234567890abcdefghijklmnopqrstuv',
};

function entry(request: Record<string, unknown>, response: Record<string, unknown> = {}): unknown {
  return {
    startedDateTime: '2026-11-20T10:00:00.000Z', time: 1,
    request: { method: 'GET', httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: -1, ...request },
    response: {
      status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' },
      redirectURL: '', headersSize: -1, bodySize: -1, ...response,
    },
    cache: {}, timings: { send: 0, wait: 0, receive: 0 },
  };
}

function har(entries: unknown[], name = 'hostile.har'): Capture {
  return loadCapture(Buffer.from(JSON.stringify({ log: { version: '1.2', creator: { name: 'test<script>', version: '1|2' }, entries } })), name);
}

function hostileCapture(): Capture {
  const query: [string, string][] = [
    ['q', '<img src=x onerror=alert(1)>'], ['imei', IMEI], ['x', '](javascript:alert(1))'], ['y', '```'], ['z', 'a|b'],
    ['api_key', SECRETS.queryApiKey], ['token', SECRETS.queryToken], ['access_token', SECRETS.queryAccessToken],
    ['password', SECRETS.queryPassword], ['session', SECRETS.querySession], ['sig', SECRETS.querySig], ['note', SECRETS.queryAws],
    ['k', SECRETS.googleKey], ['d', JWT],
  ];
  const url = `http://127.0.0.1/<script>alert(1)</script>/\`x\`/%E2%80%AE?${query.map(([k, v]) => `${k}=${v}`).join('&')}`;
  const body = {
    '<script>alert(1)</script>': IMEI,
    'a|b\n---\n# h': 'li.wei.2706@example.com',
    '```': '+8613873243456',
    '\u202eevil': '28:6c:07:c0:35:8f',
    '[x](javascript:alert(1))': IMEI,
    '<!-- c -->': '22886cb0102e67c1',
    password: SECRETS.bodyPassword,
  };
  return har([
    entry({
      method: 'POST', url,
      queryString: query.map(([name, value]) => ({ name, value })),
      headers: [
        { name: 'Host', value: 'evil.test<img src=x onerror=alert(1)>|`|' },
        { name: 'X-Device-Id', value: IMEI },
        { name: 'X-<b>|Evil`', value: IMEI },
        { name: 'Authorization', value: `Bearer ${JWT}` },
        { name: 'Proxy-Authorization', value: `Basic ${SECRETS.proxyBasic}` },
        { name: 'Cookie', value: `session=${SECRETS.cookie}; uid=${IMEI}` },
        { name: 'X-Api-Key', value: SECRETS.xApiKey },
        { name: 'X-Auth-Token', value: SECRETS.xAuthToken },
        { name: 'Content-Type', value: 'application/json' },
      ],
      cookies: [{ name: 'session', value: SECRETS.cookie }, { name: 'uid', value: IMEI }],
      postData: { mimeType: 'application/json', text: JSON.stringify(body) },
    }, {
      headers: [{ name: 'Set-Cookie', value: `sessionid=${SECRETS.setCookie}; Path=/` }],
      cookies: [{ name: 'sessionid', value: SECRETS.setCookie }],
    }),
    entry({
      method: 'POST', url: 'https://ads.test/v1/track',
      headers: [{ name: 'Content-Type', value: 'application/x-www-form-urlencoded' }],
      postData: { mimeType: 'application/x-www-form-urlencoded', text: `imei=${IMEI}&auth_token=${SECRETS.formToken}&email=li.wei.2706%40example.com` },
    }),
  ]);
}

const HOSTILE_NOTES = [
  `# Notes heading\nMy IMEI ${IMEI} leaked. <script>alert(1)</script> <img src=x onerror=alert(1)>`,
  '[click](javascript:alert(1)) <javascript:alert(1)> ![t](http://tracker.test/x.png) <!-- comment -->',
  `Authorization: Bearer ${SECRETS.notesBearer}`,
  `password=${SECRETS.notesPassword} and key ${SECRETS.notesAws}, see ${JWT}`,
  '| a | b |\n|---|---|\n| `x\\|y` | z |',
  'Setext\n---\n\u202eevil\u2066 ``` not a fence',
  '```\nunclosed <script> fence',
].join('\n');

function hostileSidecar(capture: Capture): Sidecar {
  const annotation: Annotation = {
    id: 'a1', exchanges: [anchorOf(capture.exchanges[0]), { index: 7, method: 'GET<script>', url: 'http://gone.test/`|<b>' }],
    severity: 'critical', title: `<script>alert(1)</script> | \`tick\` {{appendix}}\n# not a heading ${IMEI}`,
    notes: HOSTILE_NOTES, tags: ['<b>', 'a|b', '`'], findings: [], created: '2026-11-20T00:00:00Z', updated: '2026-11-20T00:00:00Z',
  };
  return {
    version: 1, capture: { file: 'hostile.har' }, annotations: [annotation], findingStates: [],
    knownValues: { imei: IMEI },
    advisory: {
      title: '<img src=x onerror=alert(1)> title', summary: '<script>x</script>\n# H\n[a](javascript:alert(1))\n---',
      product: 'App | <b>bold</b>', vendor: '`Vendor`', versions: ['1.0<script>', 'a|b'],
      setup: `Phone, Authorization: Bearer ${SECRETS.notesBearer}\n\`\`\`\n<script>`, researcher: 'Eve <eve@evil.test>',
      timeline: [{ date: '2026-11-21', event: 'Reported | to vendor <script> `x`' }, { date: '<b>', event: '# h\n---' }],
    },
  };
}

function advisoryOf(captures: AdvisoryCapture[], includeOwnValues = false, template?: string): string {
  return writeAdvisory({ captures, options: { includeOwnValues, now: NOW, template } });
}

function assertNoSecrets(md: string): void {
  for (const [what, secret] of Object.entries(SECRETS)) assert.ok(!md.includes(secret), `${what} (${secret}) is in the advisory`);
}

describe('report/advisory: hostile capture and sidecar', () => {
  const capture = hostileCapture();
  const scan = scanCapture(capture);

  it('the planted identifiers are found (the test means something)', () => {
    const kinds = new Set(scan.findings.map((f) => f.kind));
    for (const k of ['imei', 'email', 'phone', 'mac'] as IdentifierKind[]) assert.ok(kinds.has(k), k);
    assert.ok(scan.findings.some((f) => f.part === 'request_header' && f.fieldPath === 'Authorization' && f.kind === 'imei'), 'IMEI in the JWT');
    assert.ok(scan.findings.some((f) => f.part === 'request_header' && f.fieldPath === 'X-<b>|Evil`'));
  });

  for (const include of [false, true]) {
    for (const withSidecar of [false, true]) {
      it(`renders inertly and without secrets (${withSidecar ? 'annotations' : 'scan only'}${include ? ', values included' : ''})`, () => {
        const md = advisoryOf([{ file: '/tmp/<x>|hostile.har', capture, scan, sidecar: withSidecar ? hostileSidecar(capture) : undefined }], include);
        assertInert(md);
        assertNoSecrets(md);
        if (include) {
          assert.ok(md.includes(IMEI));
        } else {
          assert.ok(!md.includes(IMEI), 'the IMEI is masked everywhere, the notes and title included');
          assert.ok(!md.includes('li.wei.2706'));
          assert.ok(!md.includes('13873243456'));
          assert.ok(!md.includes('c0:35:8f'));
          assert.ok(md.includes(MASKED_IMEI));
        }
        if (withSidecar) {
          assert.ok(md.includes('\n### 1. &lt;script\\>alert\\(1\\)&lt;/script\\> \\| \\`tick\\` \\{\\{appendix\\}\\}\\\\n\\# not a heading 8687'));
          assert.match(md, /^#### Notes heading$/m, 'notes headings are demoted');
          assert.match(md, /Exchange no longer found/);
          assert.match(md, /\*\*Critical\*\*/);
        }
      });
    }
  }

  it('JWTs in notes keep header and payload; in the request line an encoded parameter is withheld', () => {
    const md = advisoryOf([{ file: 'hostile.har', capture, scan, sidecar: hostileSidecar(capture) }], true);
    // Notes escape dots between word characters (no linkified domain names); they render as dots.
    assert.ok(md.replace(/\\\./g, '.').includes(`${JWT.split('.').slice(0, 2).join('.')}.\\[signature removed\\]`));
    const masked = advisoryOf([{ file: 'hostile.har', capture, scan }]);
    assert.match(masked, /&d=\[encoded identifiers: see below\] HTTP\/1\.1\n/);
  });

  it('secret headers appear by name only; the finding inside Authorization is described, not shown', () => {
    const md = advisoryOf([{ file: 'hostile.har', capture, scan }]);
    assert.match(md, /request header `Authorization` is JWT payload\(JSON\); `\$\.imei` = `86871539••••833`/);
    assert.match(md, /cookie `uid` = `86871539••••833`/);
  });

  it('a value that reads like a placeholder is not expanded; unknown placeholders stay', () => {
    const sidecar = hostileSidecar(capture);
    const md = advisoryOf([{ file: 'hostile.har', capture, scan, sidecar }], false, 'T {{ title }}\n\n{{annotations}}\n\n{{nope}}\n');
    assert.match(md, /^T &lt;img src\\=x onerror\\=alert\\\(1\\\)\\> title$/m);
    assert.ok(md.includes('{{nope}}'));
    assert.ok(!md.includes('Every finding'), 'the appendix is not pulled in by a title');
  });
});

describe('report/advisory: corpus mitmproxy_hardump.har (Xiaomi-style telemetry)', () => {
  const file = corpusPath('generated/har/mitmproxy_hardump.har');
  const capture = loadCaptureFile(file);
  const scan = scanCapture(capture);
  const md = advisoryOf([{ file, capture, scan }]);

  it('is inert markdown in the default template\'s shape', () => {
    assertInert(md);
    for (const h of ['Summary', 'Affected product', 'Severity overview', 'Test setup', 'Findings', 'Weakness classification', 'Recommendations', 'Timeline', 'Appendix: all findings']) {
      assert.match(md, new RegExp(`^## ${h}$`, 'm'));
    }
    assert.equal(DEFAULT_ADVISORY_TEMPLATE.match(/\{\{\w+\}\}/g)?.length, 13);
  });

  it('IMEI over plain HTTP, with its evidence and masked value', () => {
    const section = md.split(/^### /m).find((s) => s.startsWith('1. '));
    assert.ok(section);
    assert.match(section, /over plain HTTP/);
    assert.match(section, /\*\*IMEI\*\*: query parameter `imei` = `86871539••••833`/);
    assert.match(section, /```http\nGET \/api\/v2\/device\/register\?imei=86871539••••833&imsi=46001088••••782&mac=28:6c:07:••:••:8f/);
    assert.match(md, /`\$\.device\.imei` = `86871539••••833` \(decode chain `json:\$\.device\.imei`\)/);
    // Plain-HTTP issues come first and are rated high.
    assert.match(md, /^\| 1 \| .* over plain HTTP \| \*\*High\*\* \|/m);
  });

  it('the base64 → gzip body: the decode chain in words and as steps', () => {
    assert.match(md, /the request body is base64\(gzip\(JSON\)\); `\$\.imsi` = `46001088••••782` \(decode chain `base64 → gzip → json:\$\.imsi`\)/);
  });

  it('hashes of identifiers are named, not shown, and CWE-328 applies', () => {
    assert.match(md, /`imei_md5` = the md5 of the IMEI `86871539••••833`/);
    assert.match(md, /imei_md5=\[md5 of IMEI\]/);
    assert.match(md, /\[CWE-328\]/);
  });

  it('no identifier value or hash appears in full', () => {
    for (const f of scan.findings) {
      if (f.kind === 'carrier') continue;
      assert.ok(!md.includes(f.value), `${f.kind} ${f.value}`);
      if (f.matchedText.length >= 5) assert.ok(!md.includes(f.matchedText), `${f.kind} as ${f.matchedText}`);
    }
  });

  it('CWE-359 and CWE-319 with links', () => {
    assert.match(md, /^- \[CWE-359\]\(https:\/\/cwe\.mitre\.org\/data\/definitions\/359\.html\): Exposure of Private Personal Information/m);
    assert.match(md, /^- \[CWE-319\]\(https:\/\/cwe\.mitre\.org\/data\/definitions\/319\.html\): Cleartext Transmission/m);
  });

  it('appendix counts by kind × host equal an independent count of the scan', () => {
    const expected = new Map<string, number>();
    for (const f of scan.findings) {
      const key = `${exchangeHost(capture.exchanges[f.exchangeId])} ${f.kind}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const lines = md.split('\n');
    const start = lines.findIndex((l) => l.startsWith('| Destination | Transport |'));
    assert.ok(start > 0);
    const labelKind = new Map(Object.entries(KIND_LABEL).map(([k, label]) => [label, k]));
    const header = tableCells(lines[start]).map((c) => c.replace(/\\(.)/g, '$1'));
    const seen = new Map<string, number>();
    let total = -1;
    for (let i = start + 2; lines[i]?.startsWith('|'); i++) {
      const cells = tableCells(lines[i]);
      if (cells[0] === '**Total**') {
        total = Number(cells[cells.length - 1]);
        continue;
      }
      const host = cells[0].replace(/^`|`$/g, '');
      for (let c = 2; c < header.length - 1; c++) {
        const kind = labelKind.get(header[c]);
        assert.ok(kind, header[c]);
        const n = Number(cells[c]);
        if (n > 0) seen.set(`${host} ${kind}`, (seen.get(`${host} ${kind}`) ?? 0) + n);
      }
    }
    assert.deepEqual(new Map([...seen].sort()), new Map([...expected].sort()));
    assert.equal(total, scan.findings.length);
    const listRows = lines.filter((l) => /^\| #\d+ \|/.test(l));
    assert.equal(listRows.length, scan.findings.length);
  });

  it('annotations: one section per annotation; false positives left out; orphans reported', () => {
    const upload = capture.exchanges.find((e) => e.request.url.endsWith('/upload_z'));
    assert.ok(upload);
    const inUpload = scan.findings.filter((f) => f.exchangeId === upload.id);
    const imsi = inUpload.find((f) => f.kind === 'imsi') as Finding;
    const phone = inUpload.find((f) => f.kind === 'phone') as Finding;
    const sidecar: Sidecar = {
      version: 1, capture: { file: 'mitmproxy_hardump.har' }, findingStates: [
        { exchange: anchorOf(upload), finding: findingRefOf(phone), state: 'false-positive', reason: 'test number' },
      ],
      annotations: [{
        id: 'x1', exchanges: [anchorOf(upload)], severity: 'medium', title: 'Stats SDK uploads the IMSI gzip-compressed', notes: 'Seen on **every** start.',
        tags: ['sdk'], findings: [findingRefOf(imsi), { ...findingRefOf(imsi), value: '460019999999999' }], created: '2026-11-20T00:00:00Z', updated: '2026-11-20T00:00:00Z',
      }],
      advisory: { product: 'Mi Market', vendor: 'Xiaomi-like', versions: ['7.4.18'], researcher: 'A. Researcher', timeline: [{ date: '2026-11-25', event: 'Reported to the vendor' }] },
    };
    const out = advisoryOf([{ file, capture, scan, sidecar }]);
    assertInert(out);
    assert.match(out, /^### 1\. Stats SDK uploads the IMSI gzip\\-compressed$/m);
    assert.match(out, /^Seen on \*\*every\*\* start\.$/m);
    assert.match(out, /`\$\.imsi` = `46001088••••782`/);
    assert.match(out, /not reported by this scan/);
    assert.match(out, /1 finding judged false positive is left out/);
    assert.match(out, /further findings in 12 exchanges are not covered by an annotation/);
    assert.match(out, /\*\*Product:\*\* Mi Market/);
    assert.match(out, /Reported by A\\\. Researcher on 2026-12-01\./);
    assert.match(out, /- \*\*2026\\-11\\-25\*\*: Reported to the vendor/);
    assert.equal(out.split('\n').filter((l) => /^\| #\d+ \|/.test(l)).length, scan.findings.length - 1);
  });

  it('with no findings it says so and stays well-formed', () => {
    const clean = loadCaptureFile(corpusPath('public/har/mitmproxy__charles.har'));
    const out = advisoryOf([{ file: 'charles.har', capture: clean, scan: scanCapture(clean) }]);
    assertInert(out);
    assert.match(out, /No identifiers were found/);
  });
});

describe('report/advisory: review findings', () => {
  const RECORDED_IMEI = '354651097815437';
  const STATE_PHONE = '+8613923449289';
  const MAC = '28:6c:07:c0:35:8f';
  const encoded = b64url(JSON.stringify({ imei: IMEI, mac: MAC }));
  const capture = loadCapture(Buffer.from(JSON.stringify({ log: { version: `1.2 ${IMEI}`, creator: { name: 't', version: '1' }, entries: [
    entry({
      method: 'GET\nHost: trusted.example', url: `http://t.test/a?imei=${IMEI}&d=${encoded}&loc=39.908974,116.398468&mac=${encodeURIComponent(MAC)}`,
      headers: [{ name: 'User-Agent', value: 'App/1.0 (Linux; token=abc123def456; apitoken=UASECRET2)' }],
    }),
  ] } })), 'review.har');
  const scan = scanCapture(capture);
  const plainImei = scan.findings.find((f) => f.kind === 'imei' && f.part === 'query' && f.fieldPath === 'imei' && f.chain.length === 0) as Finding;
  const notes = [
    `IMEI again: 86-871539-275683-3, MAC 28-6C-07-C0-35-8F, phone +86 139-2344-9289, recorded ${RECORDED_IMEI}.`,
    `Longitude 116.398468, latitude 39.908974. JWT ${JWT}`,
  ].join('\n');
  const sidecar: Sidecar = {
    version: 1, capture: { file: 'review.har' },
    findingStates: [{ exchange: anchorOf(capture.exchanges[0]), finding: { kind: 'phone', value: STATE_PHONE, part: 'query', fieldPath: 'p', chain: [] }, state: 'expected', reason: 'own test number' }],
    annotations: [{
      id: 'r1', exchanges: [anchorOf(capture.exchanges[0]), { index: 9, method: 'GET', url: 'http://gone.test/x?access_token=ORPHANSECRET123&sessiontoken=ORPHANSECRET456' }],
      severity: 'high', title: 'Review', notes, tags: [],
      findings: [findingRefOf(plainImei), { kind: 'imei', value: RECORDED_IMEI, part: 'query', fieldPath: 'old', chain: [] }],
      created: '2026-11-20T00:00:00Z', updated: '2026-11-20T00:00:00Z',
    }],
    advisory: { timeline: [{ date: `2026-11-21 ${IMEI}`, event: 'Reported' }] },
  };
  const md = advisoryOf([{ file: 'review.har', capture, scan, sidecar }]);

  it('the planted findings are there (the test means something)', () => {
    assert.ok(plainImei, 'plain IMEI');
    assert.ok(scan.findings.some((f) => f.fieldPath === 'd' && f.chain.length > 0), 'encoded identifiers in d');
    assert.ok(scan.findings.some((f) => f.kind === 'geo'), 'location');
    assertInert(md);
  });

  it('secrets in the User-Agent and in orphaned anchors are removed', () => {
    for (const secret of ['abc123def456', 'UASECRET2', 'ORPHANSECRET123', 'ORPHANSECRET456']) assert.ok(!md.includes(secret), `${secret} in the advisory`);
    assert.match(md, /token=\[REDACTED\]/);
  });

  it('the request block cannot be given forged lines', () => {
    const block = /```http\n([\s\S]*?)\n```/.exec(md);
    assert.ok(block);
    const lines = block[1].split('\n');
    assert.equal(lines.length, 2, block[1]);
    assert.match(lines[0], /^GET\\nHost: trusted\.example /);
    assert.match(lines[1], /^Host: t\.test$/);
  });

  it('identifiers are masked wherever they are: coordinates, recorded values, HAR version, timeline, other separators', () => {
    for (const raw of [IMEI, '398468', '908974', RECORDED_IMEI, '275683', 'C0-35', '2344-9289', '23449289', '13923449289']) {
      assert.ok(!md.includes(raw), `${raw} in the advisory`);
    }
    assert.match(md, /116\.3•••••/);
  });

  it('encoded parameters of the exchange are withheld even when the issue lists only other findings; JWT payloads in notes are withheld', () => {
    assert.match(md, /&d=\[encoded identifiers: see below\]/);
    assert.ok(!md.includes(encoded.slice(0, 20)));
    assert.ok(!md.includes(JWT.split('.')[1]), 'JWT payload');
    assert.match(md, /JWT payload withheld/);
  });
});
