// curl commands from captured requests: run through a real POSIX shell (dash as /bin/sh, and
// bash) with `curl` replaced by a function printing its arguments, the arguments must come out
// exactly as intended, however hostile the capture text; binary bodies are written byte for byte.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BODY_FILE, HEADERS_FILE, curlCommand, shellQuote } from '../../../extension/core/curl';
import { loadCaptureFile } from '../../../extension/core/load/index';
import type { Body, Exchange, NameValue } from '../../../extension/core/model';
import { corpusPath } from '../corpus';

const SHELLS = ['sh', ...(existsSync('/bin/bash') || existsSync('/usr/bin/bash') ? ['bash'] : [])];

/** Run the command in a fresh directory with curl as an argument printer: its arguments, and the body file if written. */
function run(command: string, shell = 'sh'): { args: string[]; file?: Buffer; headers?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'leaklens-curl-'));
  try {
    const script = `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${command}\n`;
    // On stdin: one argument may not exceed 128 KiB, a script on stdin has no such bound.
    const out = execFileSync(shell, ['-s'], { cwd: dir, input: Buffer.from(script, 'utf8'), encoding: 'buffer', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const text = out.toString('utf8');
    const args = text === '' ? [] : text.slice(0, -1).split('\0');
    const path = join(dir, BODY_FILE);
    const headersPath = join(dir, HEADERS_FILE);
    return {
      args,
      ...(existsSync(path) ? { file: readFileSync(path) } : {}),
      ...(existsSync(headersPath) ? { headers: readFileSync(headersPath, 'utf8') } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function body(bytes: Uint8Array, isText: boolean, extra: Partial<Body> = {}): Body {
  return { bytes, isText, contentEncoding: [], contentCoding: 'none', declaredSize: -1, availability: 'complete', ...extra };
}

function exchange(method: string, url: string, headers: NameValue[], requestBody?: Body): Exchange {
  return {
    id: 0,
    origin: { kind: 'har-entry', entryIndex: 0 },
    startedMs: NaN,
    durationMs: -1,
    request: { method, url, httpVersion: 'HTTP/1.1', headers, cookies: [], query: [], headersSize: -1, ...(requestBody ? { body: requestBody } : {}) },
    connection: {},
    secure: true,
  };
}

const HOSTILE = [
  `it's`, `'; rm -rf / ; echo '`, '$(rm -rf /)', '`id`', '"double" \\ back\\slash', '$HOME ${PATH} !! *.txt ~',
  `'\\''`, 'emoji 😀 中文', '-H evil', '\\',
];

/** What acts on a terminal's line editor before the shell reads any quote (Ctrl+C, ESC, TAB, C1, separators). */
// eslint-disable-next-line no-control-regex -- control characters are what is matched
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

describe('core/curl', () => {
  for (const shell of SHELLS) {
    it(`keeps hostile header values, URL and body as single arguments (${shell})`, () => {
      const headers = HOSTILE.map((v, i) => ({ name: `X-H${i}`, value: v }));
      const text = HOSTILE.join('|');
      const ex = exchange('PUT', "https://h.test/p?q=it's&x=$(id)", headers, body(Buffer.from(text), true));
      const { args } = run(curlCommand(ex), shell);
      assert.deepEqual(args, [
        '-X', 'PUT', "https://h.test/p?q=it's&x=$(id)",
        ...HOSTILE.flatMap((v, i) => ['-H', `X-H${i}: ${v}`]),
        '--data-binary', text,
      ]);
    });
  }

  it('never puts a control character into the pasted command: headers go through a file, the URL is percent-encoded, line breaks are left out', () => {
    const controls = ['ctrl-c\u0003\ntouch /tmp/pwned', 'esc\u001b[201~;id', 'tab\there', 'c1\u0085x', 'sep\u2028x', 'del\u007fx'];
    const headers = [
      { name: 'X-Ctrl', value: 'a\u0003b' },
      { name: 'X-Esc', value: '\u001b[201~; touch /tmp/pwned' },
      { name: 'X-Tab', value: 'tab\there' },
      { name: 'X-C1', value: 'x\u0085y' },
      { name: 'X-Break', value: 'line1\ntouch /tmp/pwned' },
      { name: '@/etc/passwd', value: 'x' },
      { name: 'X-Plain', value: 'ok' },
    ];
    const ex = exchange('POST', 'https://h.test/p?q=\u0003x\u001by', headers, body(Buffer.from(controls.join('|')), true));
    ex.request.cookies = [{ name: 'c', value: 'v\u0003w' }];
    const command = curlCommand(ex);
    assert.doesNotMatch(command, TERMINAL_CONTROL);
    for (const shell of SHELLS) {
      const { args, headers: headerFile, file } = run(command, shell);
      assert.deepEqual(args, ['https://h.test/p?q=%03x%1By', '-H', 'X-Plain: ok', '-H', `@${HEADERS_FILE}`, '--data-binary', `@${BODY_FILE}`]);
      assert.equal(headerFile, 'X-Ctrl: a\u0003b\nX-Esc: \u001b[201~; touch /tmp/pwned\nX-Tab: tab\there\nX-C1: x\u0085y\n@/etc/passwd: x\n');
      assert.equal(file?.toString('utf8'), controls.join('|'));
    }
    assert.match(command, /header "X-Break" holds a NUL or a line break/);
    assert.match(command, /cookies hold control characters/);
    assert.match(command, /the URL holds control characters/);
  });

  it('notes are no-op commands with a quoted argument: capture text in them runs in no shell, even interactive zsh (no # comments)', () => {
    const ex = exchange('POST', 'https://h.test/', [{ name: 'X$(touch pwned);`id`', value: 'a\nb' }], body(new Uint8Array(0), true, { availability: 'omitted', declaredSize: 1 }));
    ex.request.method = 'P$(id)\u0003';
    const command = curlCommand(ex);
    const notes = command.split('\n').filter((l) => !l.startsWith('curl') && !l.startsWith('  '));
    assert.ok(notes.length >= 2);
    for (const line of notes) assert.match(line, /^: '[^'\n]*'$|^: '([^']|'\\'')*'$/, line);
    for (const shell of SHELLS) {
      // The notes run as commands and print nothing; only curl's arguments come out.
      assert.deepEqual(run(command, shell).args, ['https://h.test/']);
    }
  });

  it('quotes the way a POSIX shell reads literally', () => {
    assert.equal(shellQuote(`a'b`), `'a'\\''b'`);
    assert.equal(run(`curl ${shellQuote('\ud800 lone')}`).args[0], '\ufffd lone');
  });

  it('writes a binary body byte for byte with printf and sends it from the file', () => {
    const bytes = Uint8Array.from({ length: 600 }, (_, i) => (i * 131 + 7) & 0xff);
    bytes[0] = 0;
    bytes[1] = 0x25; // %
    bytes[2] = 0x5c; // \
    bytes[3] = 0x27; // '
    const command = curlCommand(exchange('POST', 'https://h.test/upload', [{ name: 'Content-Type', value: 'application/octet-stream' }], body(bytes, false)));
    assert.match(command, /^: 'the request body is binary \(600 bytes\)/);
    for (const shell of SHELLS) {
      const { args, file } = run(command, shell);
      assert.deepEqual(args, ['https://h.test/upload', '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${BODY_FILE}`]);
      assert.ok(file);
      assert.deepEqual([...file], [...bytes]);
    }
  });

  it('drops pseudo-headers and Content-Length, sends empty headers as `Name;`, and leaves out NUL headers with a note', () => {
    const ex = exchange('GET', 'https://h.test/', [
      { name: ':authority', value: 'h.test' }, { name: ':path', value: '/' }, { name: 'Content-Length', value: '5' },
      { name: 'X-Empty', value: '' }, { name: 'X-Nul', value: 'a\u0000b' }, { name: 'Accept-Encoding', value: 'gzip, br' },
    ]);
    const command = curlCommand(ex);
    assert.match(command, /^: 'header "X-Nul" holds a NUL or a line break/);
    assert.deepEqual(run(command).args, ['https://h.test/', '-H', 'X-Empty;', '-H', 'Accept-Encoding: gzip, br', '--compressed']);
  });

  it('says the method only when curl would not imply it', () => {
    const text = body(Buffer.from('a=1'), true);
    assert.deepEqual(run(curlCommand(exchange('GET', 'https://h.test/', []))).args, ['https://h.test/']);
    assert.deepEqual(run(curlCommand(exchange('POST', 'https://h.test/', [], text))).args, ['https://h.test/', '--data-binary', 'a=1']);
    assert.deepEqual(run(curlCommand(exchange('GET', 'https://h.test/', [], text))).args, ['-X', 'GET', 'https://h.test/', '--data-binary', 'a=1']);
    assert.deepEqual(run(curlCommand(exchange('HEAD', 'https://h.test/', []))).args, ['--head', 'https://h.test/']);
    assert.deepEqual(run(curlCommand(exchange('POST', 'https://h.test/', []))).args, ['-X', 'POST', 'https://h.test/']);
    // curl globbing off for brackets; a URL that looks like an option goes behind --url.
    assert.deepEqual(run(curlCommand(exchange('GET', 'https://h.test/?a[]=1', []))).args, ['--globoff', 'https://h.test/?a[]=1']);
    assert.deepEqual(run(curlCommand(exchange('GET', '-o/tmp/x', []))).args, ['--url', '-o/tmp/x']);
  });

  it('sends a text body starting with @ through the file, not as a file name', () => {
    const { args, file } = run(curlCommand(exchange('POST', 'https://h.test/', [], body(Buffer.from('@/etc/passwd\nmore'), true))));
    assert.deepEqual(args, ['https://h.test/', '--data-binary', `@${BODY_FILE}`]);
    assert.equal(file?.toString('utf8'), '@/etc/passwd\nmore');
  });

  it('notes an omitted body and a Content-Encoding the producer already undid', () => {
    const omitted = curlCommand(exchange('POST', 'https://h.test/', [], body(new Uint8Array(0), true, { availability: 'omitted', declaredSize: 42 })));
    assert.match(omitted, /^: 'the request body was not recorded by the producer \(42 bytes declared\)/);
    assert.deepEqual(run(omitted).args, ['-X', 'POST', 'https://h.test/']);
    const decoded = exchange('POST', 'https://h.test/', [{ name: 'Content-Encoding', value: 'gzip' }], body(Buffer.from('{"a":1}'), true, { contentEncoding: ['gzip'], contentCoding: 'already-decoded' }));
    const command = curlCommand(decoded);
    assert.match(command, /Content-Encoding gzip already undone/);
    assert.deepEqual(run(command).args, ['https://h.test/', '--data-binary', '{"a":1}']);
  });

  it('replays every request of a real capture: headers as captured, body as captured', () => {
    const capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    for (const ex of capture.exchanges) {
      const { args, file } = run(curlCommand(ex));
      const url = args.indexOf(ex.request.url);
      assert.ok(url !== -1, ex.request.url);
      const sent = ex.request.headers.filter((h) => !h.name.startsWith(':') && h.name.toLowerCase() !== 'content-length');
      const headerArgs = args.filter((_, i) => args[i - 1] === '-H');
      assert.deepEqual(headerArgs, sent.map((h) => (h.value === '' ? `${h.name};` : `${h.name}: ${h.value}`)));
      const data = args[args.indexOf('--data-binary') + 1];
      const bytes = ex.request.body?.bytes ?? new Uint8Array(0);
      if (bytes.length === 0) assert.equal(args.includes('--data-binary'), false);
      else if (data === `@${BODY_FILE}`) assert.deepEqual([...(file ?? [])], [...bytes]);
      else assert.equal(data, Buffer.from(bytes).toString('utf8'));
    }
  });
});
