import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar, type StateStack } from 'vscode-textmate';
import { corpusPath } from './corpus';

// The TextMate grammars of syntaxes/, loaded the way VS Code loads them: every path, scope name and
// injectTo is read from package.json's contributes.grammars, and JSON itself is VS Code's own
// grammar (test/fixtures/grammars, MIT). Lines come from corpus files written by real tools, and
// what each line should be is read from the same file with JSON.parse, not from the tokenizer.

const ROOT = process.cwd();
const FIXTURE_GRAMMARS: Record<string, string> = {
  'source.json': 'test/fixtures/grammars/JSON.tmLanguage.json',
  'source.json.lines': 'test/fixtures/grammars/JSONL.tmLanguage.json',
};

interface GrammarContribution { language?: string; scopeName: string; path: string; injectTo?: string[] }
interface LanguageContribution { id: string; extensions?: string[]; configuration?: string }
interface Manifest {
  contributes: {
    languages: LanguageContribution[];
    grammars: GrammarContribution[];
    jsonLanguageParticipants?: { languageId: string }[];
  };
}

const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as Manifest;
const contributed = manifest.contributes.grammars;

/** A registry with or without our grammars' injections (without: what VS Code shows for plain JSON). */
async function registry(withInjections: boolean): Promise<Registry> {
  await onigReady;
  return new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      const path = FIXTURE_GRAMMARS[scopeName] ?? contributed.find((g) => g.scopeName === scopeName)?.path;
      if (path === undefined) return null;
      const file = resolve(ROOT, path);
      return parseRawGrammar(readFileSync(file, 'utf8'), file);
    },
    getInjections: (scopeName) => withInjections
      ? contributed.filter((g) => g.injectTo?.includes(scopeName)).map((g) => g.scopeName)
      : [],
  });
}

// The wasm is read from node_modules, as in plain Node (no fetch, no bundler asset).
const onigReady = oniguruma.loadWASM(readFileSync(resolve(ROOT, 'node_modules/vscode-oniguruma/release/onig.wasm')));

interface Token { line: number; start: number; text: string; scopes: string[] }

function tokenize(grammar: IGrammar, text: string, resetEachLine = false): Token[] {
  const out: Token[] = [];
  let state: StateStack = INITIAL;
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, index) => {
    const result = grammar.tokenizeLine(line, resetEachLine ? INITIAL : state);
    state = result.ruleStack;
    for (const t of result.tokens) {
      out.push({ line: index + 1, start: t.startIndex, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
  });
  return out;
}

const has = (t: Token, scope: string): boolean => t.scopes.includes(scope);
const innermost = (t: Token): string => t.scopes[t.scopes.length - 1];
/** Values of tokens carrying `scope`, consecutive tokens on one line joined (escapes split a string). */
function valuesWith(tokens: Token[], scope: string): string[] {
  const values: string[] = [];
  let last: Token | undefined;
  for (const t of tokens) {
    if (!t.scopes.some((s) => s === scope)) { last = undefined; continue; }
    if (last && last.line === t.line && last.start + last.text.length === t.start) values[values.length - 1] += t.text;
    else values.push(t.text);
    last = t;
  }
  return values;
}
/** A JSON string literal's content as the value it stands for. */
const unescape = (raw: string): string => JSON.parse(`"${raw}"`) as string;

const read = (...parts: string[]): string => readFileSync(corpusPath(...parts), 'utf8');

interface HarHeader { name: string; value: string }
interface HarEntry {
  startedDateTime: string;
  request: { method: string; url: string; httpVersion: string; headers: HarHeader[]; cookies: HarHeader[] };
  response: { status: number; httpVersion: string; headers: HarHeader[]; cookies: HarHeader[]; content: { text?: string; encoding?: string } };
}
const entriesOf = (text: string): HarEntry[] => (JSON.parse(text.replace(/^\uFEFF/, '')) as { log: { entries: HarEntry[] } }).log.entries;

describe('grammars (syntaxes/)', function () {
  this.timeout(60_000); // hang guard only

  let har: IGrammar;
  let plainJson: IGrammar;
  let jsonWithInjections: IGrammar;
  let jsonLines: IGrammar;
  before(async () => {
    const withInjections = await registry(true);
    const plain = await registry(false);
    const load = async (r: Registry, scope: string): Promise<IGrammar> => {
      const g = await r.loadGrammar(scope);
      assert.ok(g, `grammar ${scope} loads`);
      return g;
    };
    har = await load(withInjections, 'source.json.har');
    jsonWithInjections = await load(withInjections, 'source.json');
    jsonLines = await load(withInjections, 'source.json.lines');
    plainJson = await load(plain, 'source.json');
  });

  it('package.json: .har is the "har" language with the HAR grammar, and a JSON language participant', () => {
    const language = manifest.contributes.languages.find((l) => l.id === 'har');
    assert.deepEqual(language?.extensions, ['.har']);
    assert.ok(language?.configuration && readFileSync(resolve(ROOT, language.configuration), 'utf8').includes('brackets'));
    assert.equal(contributed.find((g) => g.language === 'har')?.scopeName, 'source.json.har');
    assert.deepEqual(manifest.contributes.jsonLanguageParticipants, [{ languageId: 'har' }]);
    // Every grammar file ships: the .vsix includes syntaxes/** (scripts/check-package.mjs).
    for (const g of contributed) assert.match(g.path, /^\.\/syntaxes\/[\w.-]+\.json$/);
  });

  describe('HAR written by mitmproxy (generated/har/mitmproxy_hardump.har)', () => {
    const text = read('generated/har/mitmproxy_hardump.har');
    const entries = entriesOf(text);
    let tokens: Token[];
    before(() => { tokens = tokenize(har, text); });

    it('marks the "entries" key', () => {
      const keys = tokens.filter((t) => has(t, 'keyword.control.har-entries.leaklens'));
      assert.deepEqual(keys.map((t) => t.text), ['entries']);
      assert.ok(has(keys[0], 'support.type.property-name.json'), 'still a JSON property name');
    });

    it('marks every entry boundary: one "startedDateTime" key per entry, its value in the boundary', () => {
      const keys = tokens.filter((t) => has(t, 'keyword.control.entry-boundary.leaklens'));
      assert.equal(keys.length, entries.length);
      assert.ok(keys.every((t) => t.text === 'startedDateTime' && has(t, 'meta.entry-boundary.leaklens')));
      assert.deepEqual(valuesWith(tokens, 'constant.other.timestamp.leaklens').map(unescape), entries.map((e) => e.startedDateTime));
    });

    it('marks request method, url, httpVersion and response status values', () => {
      assert.deepEqual(valuesWith(tokens, 'keyword.other.http-method.leaklens'), entries.map((e) => e.request.method));
      assert.deepEqual(valuesWith(tokens, 'markup.underline.link.url.leaklens').map(unescape), entries.map((e) => e.request.url));
      assert.deepEqual(valuesWith(tokens, 'constant.numeric.http-status.leaklens').map(Number), entries.map((e) => e.response.status));
      assert.deepEqual(valuesWith(tokens, 'constant.language.http-version.leaklens'),
        entries.flatMap((e) => [e.request.httpVersion, e.response.httpVersion]));
    });

    it('marks header names that carry identifiers (User-Agent, X-Device-Id), not Host or Connection', () => {
      const marked = new Set(valuesWith(tokens, 'entity.name.function.identifier-header.leaklens'));
      const headerNames = new Set(entries.flatMap((e) => e.request.headers.map((h) => h.name)));
      for (const name of ['User-Agent', 'X-Device-Id']) {
        assert.ok(headerNames.has(name), `${name} is a request header of this capture`);
        assert.ok(marked.has(name), `${name} is marked`);
      }
      for (const name of ['Host', 'Connection', 'Content-Type']) {
        assert.ok(headerNames.has(name), `${name} is a request header of this capture`);
        assert.ok(!marked.has(name), `${name} is not marked`);
      }
      const xDeviceId = tokens.find((t) => t.text === 'X-Device-Id');
      assert.ok(xDeviceId && has(xDeviceId, 'string.quoted.double.json'), 'still a JSON string');
    });

    it('marks base64 values (a Set-Cookie token, a base64 JSON body), not ids, numbers or words', () => {
      const marked = valuesWith(tokens, 'constant.character.base64.leaklens');
      const cookie = entries.flatMap((e) => e.response.cookies).find((c) => c.name === 'device_token');
      assert.ok(cookie && /=$/.test(cookie.value), 'the capture sets a padded base64 cookie');
      assert.ok(marked.includes(cookie.value));
      const bodies = entries.map((e) => e.response.content).concat(entries.flatMap((e) => {
        const post = (e.request as { postData?: { text?: string } }).postData;
        return post?.text ? [{ text: post.text }] : [];
      }));
      const jsonInBase64 = bodies.find((b) => b.text?.startsWith('eyJ'))?.text;
      assert.ok(jsonInBase64, 'the capture has a base64(JSON) body');
      assert.ok(marked.includes(jsonInBase64));
      // The IMEI (digits), Android ID (lowercase hex), the GAID (a UUID), a user agent and a word are no base64.
      const all = new Set(tokens.map((t) => t.text));
      for (const notBase64 of ['868715392756833', '22886cb0102e67c1', '32af5ead-3986-4d6f-924a-4197ec551d76', 'Dalvik/1.6.0 (Linux; U; Android 4.3; Redmi 1S MIUI/JHCCNBH45.0)', 'close']) {
        assert.ok(all.has(notBase64), `${notBase64} is a token of this capture`);
        assert.ok(!marked.includes(notBase64), `${notBase64} is not marked as base64`);
      }
    });

    it('keeps JSON tokenization intact: nothing illegal, every token as plain JSON colours it underneath', () => {
      assert.deepEqual(tokens.filter((t) => t.scopes.some((s) => s.startsWith('invalid'))), []);
      const plain = tokenize(plainJson, text);
      const plainAt = new Map(plain.map((t) => [`${t.line}:${t.start}`, t]));
      let compared = 0;
      for (const t of tokens) {
        const p = plainAt.get(`${t.line}:${t.start}`);
        assert.ok(p, `plain JSON has a token at ${t.line}:${t.start} too`);
        const ours = t.scopes.filter((s) => !s.endsWith('.leaklens'));
        assert.equal(ours[ours.length - 1], innermost(p), `line ${t.line} col ${t.start} ${JSON.stringify(t.text)}`);
        compared++;
      }
      assert.equal(compared, plain.length, 'same token boundaries as plain JSON');
    });
  });

  it('Chrome DevTools HAR (public/har/mitmproxy__chrome.har): real "cookie"/"user-agent" headers, "accept" not', () => {
    const text = read('public/har/mitmproxy__chrome.har');
    const tokens = tokenize(har, text);
    const entries = entriesOf(text);
    const names = new Set(entries.flatMap((e) => e.request.headers.map((h) => h.name)));
    const marked = new Set(valuesWith(tokens, 'entity.name.function.identifier-header.leaklens'));
    for (const name of ['cookie', 'user-agent', 'referer']) assert.ok(names.has(name) && marked.has(name), name);
    for (const name of ['accept', 'accept-language', ':authority']) assert.ok(names.has(name) && !marked.has(name), name);
    // Cookie names such as "__Secure-3PSIDTS" are names, not base64 values.
    const base64 = valuesWith(tokens, 'constant.character.base64.leaklens');
    const cookieNames = entries.flatMap((e) => e.request.cookies.map((c) => c.name));
    assert.ok(cookieNames.includes('__Secure-3PSIDTS'));
    assert.deepEqual(base64.filter((v) => cookieNames.includes(v)), []);
    // Its base64 response bodies are marked.
    const bodies = entries.map((e) => e.response.content).filter((c) => c.encoding === 'base64' && c.text && c.text.length >= 16);
    assert.ok(bodies.length > 0);
    for (const b of bodies) assert.ok(base64.includes(b.text ?? ''), `${b.text?.slice(0, 20)}… is marked`);
  });

  it('Fiddler HAR (public/har/harviewer__noPages_fiddler2.har): every base64 body is marked, also with "\\/" escapes', () => {
    const text = read('public/har/harviewer__noPages_fiddler2.har');
    const tokens = tokenize(har, text);
    const base64 = new Set(valuesWith(tokens, 'constant.character.base64.leaklens').map(unescape));
    const bodies = entriesOf(text).map((e) => e.response.content).filter((c) => c.encoding === 'base64' && c.text);
    assert.ok(bodies.length > 0);
    assert.deepEqual(bodies.filter((b) => !base64.has(b.text ?? '')).map((b) => b.text?.slice(0, 24)), []);
    // doubleclick's test_cookie value: a long mixed-case word without digits, not base64.
    assert.ok(tokens.some((t) => t.text === 'CheckForPermission'));
    assert.ok(!base64.has('CheckForPermission'));
    assert.deepEqual(tokens.filter((t) => t.scopes.some((s) => s.startsWith('invalid'))), []);
    // JSON may escape "/" (PHP's json_encode does): the same body written that way is still base64.
    const withSlash = bodies.map((b) => b.text ?? '').find((t) => t.includes('/'));
    assert.ok(withSlash);
    const escaped = JSON.stringify({ text: withSlash }).replace(/\//g, '\\/');
    assert.ok(escaped.includes('\\/'));
    const marked = valuesWith(tokenize(har, escaped), 'constant.character.base64.leaklens');
    assert.deepEqual(marked.map(unescape), [withSlash]);
  });

  it('HAR markers stay out of ordinary JSON: the same HAR tokenized as "json" has no HAR scope', () => {
    const tokens = tokenize(jsonWithInjections, read('generated/har/mitmproxy_hardump.har'));
    assert.deepEqual([...new Set(tokens.flatMap((t) => t.scopes).filter((s) => s.endsWith('.leaklens')))], []);
  });

  it('tshark -T json (pcapplusplus__frag_http_req.tshark.json): http.cookie, http.request.uri, http.user_agent keys', () => {
    const text = read('generated/tshark_from_public/pcapplusplus__frag_http_req.tshark.json');
    const tokens = tokenize(jsonWithInjections, text);
    const keyWith = (key: string): Token | undefined => tokens.find((t) => t.text === key && has(t, 'support.type.property-name.json'));
    for (const [key, scope] of [
      ['http.cookie', 'entity.name.function.identifier-header.leaklens'],
      ['http.user_agent', 'entity.name.function.identifier-header.leaklens'],
      ['http.request.uri', 'markup.underline.link.url.leaklens'],
      ['http.request.method', 'keyword.other.http-method.leaklens'],
    ] as const) {
      assert.ok(text.includes(`"${key}":`), `${key} is in the file`);
      const t = keyWith(key);
      assert.ok(t && has(t, scope), `${key} has ${scope}`);
    }
    for (const key of ['frame.time', 'http.host', 'http.accept', 'ip.src']) {
      const t = keyWith(key);
      assert.ok(t, `${key} is a key of the file`);
      assert.ok(!t.scopes.some((s) => s.endsWith('.leaklens')), `${key} is not marked`);
    }
    assert.deepEqual(tokens.filter((t) => t.scopes.some((s) => s.startsWith('invalid'))), []);
  });

  it('tshark -T json with a body (pcapplusplus__http-packets2.tshark.json): http.file_data key', () => {
    const tokens = tokenize(jsonWithInjections, read('generated/tshark_from_public/pcapplusplus__http-packets2.tshark.json'));
    const bodyKeys = tokens.filter((t) => has(t, 'keyword.other.body.leaklens'));
    assert.ok(bodyKeys.length > 0);
    assert.ok(bodyKeys.every((t) => t.text === 'http.file_data'));
  });

  it('tshark -T ek (JSON Lines): http_http_cookie and http_http_request_uri keys', () => {
    const text = read('generated/tshark_from_public/pcapplusplus__frag_http_req.tshark.ek.jsonl');
    const tokens = tokenize(jsonLines, text, true);
    const find = (key: string): Token | undefined => tokens.find((t) => t.text === key);
    assert.ok(has(find('http_http_cookie') ?? tokens[0], 'entity.name.function.identifier-header.leaklens'));
    assert.ok(has(find('http_http_request_uri') ?? tokens[0], 'markup.underline.link.url.leaklens'));
    assert.ok(!(find('http_http_host')?.scopes ?? ['x.leaklens']).some((s) => s.endsWith('.leaklens')));
  });
});
