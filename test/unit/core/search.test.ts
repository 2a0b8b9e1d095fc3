// The request table's search: what matches (exact substrings over every text and decoded layer,
// fuzzy only for terms found nowhere), checked on a real capture and against a brute-force
// reference on generated ones; the caps that keep hostile captures bounded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadCapture } from '../../../extension/core/load/index';
import type { Capture } from '../../../extension/core/model';
import { exchangeHost } from '../../../extension/core/model';
import {
  canonicalSearch,
  MAX_FIELD_CHARS,
  MAX_FIELDS_PER_EXCHANGE,
  MAX_TERMS,
  parseSearch,
  SearchIndex,
} from '../../../extension/core/search';
import { corpusPath } from '../corpus';
import { rng } from '../rng';

const SAMPLE = corpusPath('generated/har/mitmproxy_hardump.har');

function har(entries: unknown[]): Capture {
  return loadCapture(Buffer.from(JSON.stringify({ log: { version: '1.2', creator: { name: 'search.test', version: '1' }, entries } })), 'search.har');
}

interface EntrySpec {
  method?: string;
  url: string;
  headers?: { name: string; value: string }[];
  cookies?: { name: string; value: string }[];
  body?: { mimeType: string; text: string };
  response?: { status: number; mimeType: string; text: string; headers?: { name: string; value: string }[] };
}

function entry(spec: EntrySpec): unknown {
  const res = spec.response ?? { status: 200, mimeType: 'text/plain', text: '' };
  return {
    startedDateTime: '2024-05-01T10:00:00.000Z',
    time: 1,
    request: {
      method: spec.method ?? 'GET', url: spec.url, httpVersion: 'HTTP/1.1', headers: spec.headers ?? [], queryString: [], cookies: spec.cookies ?? [],
      headersSize: -1, bodySize: -1, ...(spec.body ? { postData: spec.body } : {}),
    },
    response: {
      status: res.status, statusText: '', httpVersion: 'HTTP/1.1', headers: res.headers ?? [], cookies: [],
      content: { size: res.text.length, mimeType: res.mimeType, text: res.text }, redirectURL: '', headersSize: -1, bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  };
}


function idsOf(index: SearchIndex, text: string, fuzzy = true): number[] {
  return Array.from(index.ids(text, { fuzzy }));
}

describe('search: parsing the search text', () => {
  it('splits on whitespace, keeps quoted phrases whole, reads host:, lower-cases and drops duplicates', () => {
    assert.deepEqual(parseSearch('  Foo  "Bar baz"   HOST:Api.Test foo host:"a b" "unterminated x'), [
      { text: 'foo', exact: false, field: 'any' },
      { text: 'bar baz', exact: true, field: 'any' },
      { text: 'api.test', exact: false, field: 'host' },
      { text: 'a b', exact: true, field: 'host' },
      { text: 'unterminated x', exact: true, field: 'any' },
    ]);
    assert.deepEqual(parseSearch('   '), []);
    assert.deepEqual(parseSearch('"" host: \u0000'), []);
    assert.equal(parseSearch(Array.from({ length: 100 }, (_, i) => `t${i}`).join(' ')).length, MAX_TERMS);
  });

  it('gives the same canonical form to texts with the same terms', () => {
    assert.equal(canonicalSearch('b  A'), canonicalSearch('a b'));
    assert.notEqual(canonicalSearch('"a"'), canonicalSearch('a'));
    assert.notEqual(canonicalSearch('host:a'), canonicalSearch('a'));
  });
});

describe('search: a real capture (mitmproxy har_dump of a phone\'s telemetry)', () => {
  let capture: Capture;
  let index: SearchIndex;
  let raw: string;

  before(() => {
    raw = readFileSync(SAMPLE, 'utf8');
    capture = loadCapture(Buffer.from(raw), SAMPLE);
    index = new SearchIndex(capture);
    assert.equal(capture.exchanges.length, 12);
  });

  it('an empty search matches everything, without building the index', () => {
    const fresh = new SearchIndex(capture);
    const all = fresh.search('  ');
    assert.equal(all.bitmap, undefined);
    assert.equal(all.count, 12);
    assert.equal(fresh.ready, false);
    assert.deepEqual(idsOf(fresh, ''), [...Array(12).keys()]);
  });

  it('a host (the URL says 127.0.0.1: the host comes from the Host header)', () => {
    const expected = capture.exchanges.filter((e) => exchangeHost(e).includes('data.stat')).map((e) => e.id);
    assert.deepEqual(expected, [3, 4, 10]);
    assert.deepEqual(idsOf(index, 'data.stat'), expected);
    assert.deepEqual(idsOf(index, 'host:data.stat'), expected);
    assert.deepEqual(idsOf(index, 'host:DATA.STAT'), expected);
  });

  it('host: looks at the host only', () => {
    assert.equal(idsOf(index, 'dalvik').length, 12, 'in every User-Agent');
    assert.deepEqual(idsOf(index, 'host:dalvik'), []);
  });

  it('a header name and a header value, whatever the case', () => {
    assert.deepEqual(idsOf(index, 'x-device-id'), [0]);
    assert.deepEqual(idsOf(index, 'X-Device-ID: 868715392756833'.split(' ')[0]), [0]);
    assert.deepEqual(idsOf(index, '"X-Encoding: gzip+base64"'), [4]);
    assert.equal(idsOf(index, '"transfer-encoding: chunked"').length, 12, 'every response is chunked');
    assert.equal(idsOf(index, 'jhccnbh45').length, 12);
  });

  it('a term only in a base64+gzip body, and one only in a base64 body', () => {
    for (const [term, id] of [['contacts_count', 4], ['version_code', 3]] as const) {
      assert.ok(!raw.includes(term), `${term} must not be readable in the file itself`);
      assert.deepEqual(idsOf(index, term, false), [id], term);
    }
  });

  it('URL-encoded and form-encoded values, decoded', () => {
    assert.ok(capture.exchanges[0].request.url.includes('28%3A6c%3A07'));
    assert.ok(idsOf(index, '28:6c:07:c0:35:8f').includes(0));
    assert.ok(idsOf(index, 'carrier=china unicom'.split(' ')[0]).includes(0));
    // Exchange 5 sends it only as li.wei.2706%40example.com in a form body; 1 and 9 as JSON.
    const form = capture.exchanges[5].request.body;
    assert.ok(form && !Buffer.from(form.bytes).toString('utf8').includes('li.wei.2706@'));
    assert.deepEqual(idsOf(index, 'li.wei.2706@example.com'), [1, 5, 9]);
  });

  it('a typo is matched fuzzily, and only when the term is found nowhere', () => {
    assert.deepEqual(idsOf(index, 'xiaomi'), [6]);
    const typo = index.search('xiaomo');
    assert.deepEqual(typo.fuzzy, [{ term: 'xiaomo', words: ['xiaomi'] }]);
    assert.deepEqual(idsOf(index, 'xiaomo'), [6]);
    assert.deepEqual(idsOf(index, 'xiaomo', false), []);
    assert.deepEqual(idsOf(index, '"xiaomo"'), [], 'a quoted phrase is never fuzzy');
    // `imei` is found exactly: it is not widened to `imsi`.
    const imei = index.search('imei');
    assert.deepEqual(imei.fuzzy, []);
    assert.deepEqual(idsOf(index, 'imei'), idsOf(index, 'imei', false));
    // A typo'd host, dots and all.
    assert.deepEqual(idsOf(index, 'api.acount'), idsOf(index, 'api.account'));
    assert.deepEqual(idsOf(index, 'zqxwvy'), [], 'nothing close');
  });

  it('every term must match (AND)', () => {
    const miphone = new Set(idsOf(index, 'miphone'));
    const register = idsOf(index, 'register');
    const both = register.filter((id) => miphone.has(id));
    assert.deepEqual(both, [0, 7]);
    assert.deepEqual(idsOf(index, 'miphone register'), both);
    assert.deepEqual(idsOf(index, 'REGISTER   miphone '), both);
    assert.deepEqual(idsOf(index, 'miphone register "no such phrase"'), []);
  });

  it('a quoted phrase matches as written, spaces included', () => {
    const phrase = idsOf(index, '"china unicom"');
    assert.ok(phrase.length > 0);
    assert.ok(phrase.includes(4), 'in the base64+gzip body');
    const words = idsOf(index, 'china unicom');
    for (const id of phrase) assert.ok(words.includes(id));
    assert.deepEqual(idsOf(index, '"unicom china"'), []);
  });

  it('a value as the researcher types it, digit by digit', () => {
    const full = idsOf(index, '868715392756833');
    let typed = '';
    let previous: number[] | undefined;
    for (const ch of '868715392756833') {
      typed += ch;
      const now = idsOf(index, typed);
      if (previous) for (const id of now) assert.ok(previous.includes(id), `${typed}: a longer term can only narrow`);
      previous = now;
    }
    assert.deepEqual(previous, full);
    assert.deepEqual(idsOf(new SearchIndex(capture), '868715392756833'), full, 'a fresh index agrees with the narrowed one');
  });
});

describe('search: decoded layers', () => {
  it('JSON strings with escapes are found as they read, not only as written', () => {
    const text = '{"u":"http:\\/\\/leak.test\\/p?id=1","n":"\\u4e2d\\u6587","plain":"visible"}';
    const capture = har([
      entry({ method: 'POST', url: 'http://a.test/up', body: { mimeType: 'application/json', text } }),
      entry({ url: 'http://b.test/' }),
    ]);
    const index = new SearchIndex(capture);
    assert.ok(!text.includes('leak.test/p') && !text.includes('中文'));
    assert.deepEqual(idsOf(index, 'http://leak.test/p?id=1', false), [0]);
    assert.deepEqual(idsOf(index, '中文', false), [0]);
    assert.deepEqual(idsOf(index, '"plain":"visible"', false), [0]);
  });

  it('a JWT in a header is found by what its payload says', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'researcher-4711', email: 'jwt.user@example.com' })).toString('base64url');
    const jwt = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${payload}.c2lnbmF0dXJlc2lnbmF0dXJl`;
    const capture = har([entry({ url: 'http://a.test/', headers: [{ name: 'Authorization', value: `Bearer ${jwt}` }] }), entry({ url: 'http://b.test/' })]);
    const index = new SearchIndex(capture);
    assert.deepEqual(idsOf(index, 'jwt.user@example.com', false), [0]);
    assert.deepEqual(idsOf(index, 'researcher-4711', false), [0]);
  });
});

describe('search: cookies', () => {
  it('cookies without a Cookie header, and what a cookie value decodes to', () => {
    const token = Buffer.from('{"device":"cookie-device-99"}').toString('base64');
    const capture = har([
      entry({ url: 'http://a.test/', cookies: [{ name: 'sid', value: 'only-in-the-cookie-list' }] }),
      entry({ url: 'http://b.test/', headers: [{ name: 'Cookie', value: `t=${token}; x=1` }], cookies: [{ name: 't', value: token }, { name: 'x', value: '1' }] }),
      entry({ url: 'http://c.test/' }),
    ]);
    const index = new SearchIndex(capture);
    assert.deepEqual(idsOf(index, 'sid=only-in-the-cookie-list', false), [0]);
    assert.deepEqual(idsOf(index, 'cookie-device-99', false), [1]);
    assert.deepEqual(idsOf(index, '"x=1"', false), [1], 'in the Cookie header line');
  });
});

describe('search: against a brute-force reference', () => {
  const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'kappa', 'sigma', 'tau', 'ion', 'zeta', 'eta', 'rho', 'Mixed', 'CASE', 'ünï', '中文', '数据'];

  /** A capture of random hosts, paths, headers and bodies that no decoder changes. */
  function generated(seed: number, count: number): Capture {
    const r = rng(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
    const word = (): string => pick(WORDS) + (r() < 0.3 ? String(Math.floor(r() * 100)) : '');
    const entries: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const host = `${word()}.${pick(['svc', 'api', 'cdn'])}${Math.floor(r() * 5)}.test`.toLowerCase();
      const path = Array.from({ length: 1 + Math.floor(r() * 3) }, word).join('/');
      const headers = Array.from({ length: Math.floor(r() * 4) }, () => ({ name: `X-${pick(WORDS)}`, value: `${word()} ${word()}` }));
      const body = r() < 0.5 ? { mimeType: 'text/plain', text: Array.from({ length: 1 + Math.floor(r() * 6) }, word).join(' ') } : undefined;
      const response = { status: 200, mimeType: pick(['text/plain', 'text/html', 'image/x-test']), text: r() < 0.5 ? `${word()} ${word()}` : '' };
      entries.push(entry({ url: `${pick(['http', 'https'])}://${host}/${path}`, headers, body, response }));
    }
    return har(entries);
  }

  /** Every text the search promises to look at, for these plain exchanges. */
  function texts(capture: Capture): string[][] {
    const utf8 = new TextDecoder();
    return capture.exchanges.map((e) => {
      const out = [exchangeHost(e), e.request.url];
      for (const h of [...e.request.headers, ...(e.response?.headers ?? [])]) out.push(`${h.name}: ${h.value}`);
      if (e.response?.mimeType) out.push(e.response.mimeType);
      for (const body of [e.request.body, e.response?.body]) if (body) out.push(utf8.decode(body.bytes));
      return out.map((t) => t.toLowerCase());
    });
  }

  function reference(all: string[][], text: string): number[] {
    const terms = parseSearch(text);
    const out: number[] = [];
    all.forEach((list, id) => {
      const ok = terms.every((t) => (t.field === 'host' ? list[0].includes(t.text) : list.some((s) => s.includes(t.text))));
      if (ok) out.push(id);
    });
    return out;
  }

  it('matches the same exchanges for random terms, typed character by character and all at once', function () {
    this.timeout(30_000);
    for (const seed of [1, 2, 3]) {
      const capture = generated(seed, 400);
      const all = texts(capture);
      const typing = new SearchIndex(capture);
      const r = rng(seed * 7919);
      const queries: string[] = [];
      for (let q = 0; q < 60; q++) {
        // A slice of a real text (a hit), or random letters (mostly a miss).
        const source = all[Math.floor(r() * all.length)];
        const s = source[Math.floor(r() * source.length)];
        const start = Math.floor(r() * s.length);
        const slice = s.slice(start, start + 1 + Math.floor(r() * 8)).trim();
        const randomLetters = Array.from({ length: 1 + Math.floor(r() * 4) }, () => 'aeiouxyzt'[Math.floor(r() * 9)]).join('');
        queries.push(r() < 0.7 ? slice : randomLetters);
      }
      queries.push('host:api', 'host:svc1 alpha', '"alpha beta"', 'x-alpha: ', 'image/x', '中', 'ünï', 'mixed case');
      for (const query of queries) {
        if (parseSearch(query).length === 0) continue;
        const expected = reference(all, query);
        // Typed one character at a time: the index narrows from the previous term's texts.
        for (let k = 1; k <= query.length; k++) {
          const prefix = query.slice(0, k);
          if (parseSearch(prefix).length === 0) continue;
          assert.deepEqual(idsOf(typing, prefix, false), reference(all, prefix), `seed ${seed}, ${JSON.stringify(prefix)} typed`);
        }
        const fresh = new SearchIndex(capture);
        assert.deepEqual(idsOf(fresh, query, false), expected, `seed ${seed}, ${JSON.stringify(query)} on a fresh index`);
        // Deleting back: cached terms must still be right.
        assert.deepEqual(idsOf(typing, query, false), expected);
      }
    }
  });

  it('a two-term AND equals the intersection of each term', () => {
    const capture = generated(11, 300);
    const all = texts(capture);
    const index = new SearchIndex(capture);
    for (const [a, b] of [['alpha', 'beta'], ['svc', 'text/html'], ['gam', '2'], ['中文', 'x-']]) {
      const left = new Set(idsOf(index, a, false));
      const both = idsOf(index, b, false).filter((id) => left.has(id));
      assert.deepEqual(idsOf(index, `${a} ${b}`, false), both);
      assert.deepEqual(both, reference(all, `${a} ${b}`));
    }
  });

  it('prepare() in small slices builds the same index as all at once', () => {
    const capture = generated(5, 2000);
    const sliced = new SearchIndex(capture);
    let calls = 0;
    while (!sliced.prepare(0)) calls++;
    assert.ok(calls > 0, 'a zero budget stops after the first few exchanges');
    const whole = new SearchIndex(capture);
    assert.equal(whole.prepare(), true);
    assert.deepEqual(sliced.stats().texts, whole.stats().texts);
    for (const q of ['alpha', 'host:cdn', 'ta 1', '数据']) assert.deepEqual(idsOf(sliced, q, false), idsOf(whole, q, false), q);
  });
});

describe('search: hostile captures stay bounded', function () {
  this.timeout(60_000);

  it('a 10 MB URL is searchable in its first MAX_FIELD_CHARS characters', () => {
    const head = 'http://big.test/start?q=';
    const url = `${head}${'a'.repeat(MAX_FIELD_CHARS)}needlebeyondthecap${'b'.repeat(10_000_000)}`;
    const capture = har([entry({ url }), entry({ url: 'http://small.test/needlebeyondthecap' })]);
    const index = new SearchIndex(capture);
    assert.deepEqual(idsOf(index, 'big.test/start'), [0]);
    assert.deepEqual(idsOf(index, 'needlebeyondthecap', false), [1], 'past the cap: not indexed');
    assert.ok(index.stats().truncated.fieldsCut >= 1);
    assert.ok(index.stats().chars < 2 * MAX_FIELD_CHARS + 10_000);
  });

  it('100,000 headers: the first MAX_FIELDS_PER_EXCHANGE fields are indexed', () => {
    const headers = Array.from({ length: 100_000 }, (_, i) => ({ name: `X-H${i}`, value: `value-${i}` }));
    const capture = har([entry({ url: 'http://many.test/', headers })]);
    const index = new SearchIndex(capture);
    assert.deepEqual(idsOf(index, '"x-h10: value-10"'), [0]);
    assert.deepEqual(idsOf(index, `"x-h${MAX_FIELDS_PER_EXCHANGE + 10}: "`), []);
    assert.ok(index.stats().truncated.fieldsDropped > 0);
    assert.ok(index.stats().texts <= MAX_FIELDS_PER_EXCHANGE + 2);
  });

  it('a long search text and terms that look like patterns are plain text', () => {
    const capture = har([entry({ url: 'http://a.test/(a+)+$?x=[z]*' }), entry({ url: 'http://b.test/' })]);
    const index = new SearchIndex(capture);
    assert.deepEqual(idsOf(index, '(a+)+$'), [0]);
    assert.deepEqual(idsOf(index, '[z]*'), [0]);
    assert.deepEqual(idsOf(index, '.*'), []);
    assert.deepEqual(idsOf(index, 'x'.repeat(500)), []);
  });
});
