// Pretty-printed JSON keeps every token of the source verbatim (so offsets inside tokens map 1:1),
// values are found by path exactly as the decoder names them, and hostile input stays linear.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeField } from '../../../../extension/core/decode/index';
import { jsonStart } from '../../../../extension/core/decode/json';
import { jsonStringAt } from '../../../../extension/core/view/offsets';
import { jsonValueSpans, prettyJson } from '../../../../extension/core/view/prettyJson';
import { corpusPath } from '../../corpus';

/** The text with whitespace outside strings removed: what pretty-printing must not change. */
function squeeze(json: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      out += c;
      if (c === '\\') out += json[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

describe('core/view/prettyJson', () => {
  it('lays out objects and arrays two spaces a level, empty containers on one line', () => {
    const pretty = prettyJson('{"a":1,"b":[true,null,"x"],"c":{},"d":[]}');
    assert.ok(pretty);
    assert.equal(pretty.text, '{\n  "a": 1,\n  "b": [\n    true,\n    null,\n    "x"\n  ],\n  "c": {},\n  "d": []\n}');
    assert.equal(pretty.complete, true);
    assert.equal(pretty.fullLength, pretty.text.length);
  });

  it('re-emits every token of a real capture verbatim and maps offsets inside tokens 1:1', () => {
    const source = readFileSync(corpusPath('generated/har/mitmproxy_hardump.har'), 'utf8');
    const pretty = prettyJson(source);
    assert.ok(pretty);
    assert.equal(squeeze(pretty.text), squeeze(source));
    assert.deepEqual(JSON.parse(pretty.text), JSON.parse(source));
    // Every character of every string token maps to the same character.
    let checked = 0;
    for (let i = 0; i < source.length; i++) {
      if (source[i] !== '"') continue;
      const s = jsonStringAt(source, i);
      assert.ok(s);
      for (let o = i; o < s.end; o++) {
        const p = pretty.toPretty(o);
        assert.ok(p !== undefined);
        assert.equal(pretty.text[p], source[o], `offset ${o}`);
        checked++;
      }
      i = s.end - 1;
    }
    assert.ok(checked > 10_000);
  });

  it('keeps text before the JSON value (anti-XSSI prefix) and maps range ends to token ends', () => {
    const source = ")]}'\n{ \"k\" :  12345 }";
    const start = jsonStart(source);
    const pretty = prettyJson(source, { start });
    assert.ok(pretty);
    assert.equal(pretty.text, ")]}'\n{\n  \"k\": 12345\n}");
    const at = source.indexOf('12345');
    const from = pretty.toPretty(at) as number;
    const to = pretty.toPretty(at + 5, true) as number;
    assert.equal(pretty.text.slice(from, to), '12345');
    // In the whitespace before a token a start lands on the token, an end after the previous one.
    assert.equal(pretty.text[pretty.toPretty(source.indexOf(':') + 1) as number], '1');
    assert.equal(pretty.toPretty(source.indexOf('"k"') + 3, true), pretty.text.indexOf('"k"') + 3);
  });

  it('gives up on anything that is not a JSON object or array', () => {
    for (const bad of ['', '1', '"x"', '{', '{"a":1,}', '[1 2]', '{"a" 1}', '{"a":1}x', '[01]', '[1.]', '{"a":tru}', '{a:1}', '["\\x"]', '[1]]']) {
      assert.equal(prettyJson(bad), undefined, bad);
    }
    // Raw control characters inside strings are tolerated, as the decoder tolerates them.
    assert.ok(prettyJson('["a\tb\u0001"]'));
  });

  it('cuts at maxLength but still checks the whole text; places past the cut are undefined', () => {
    const source = JSON.stringify({ list: Array.from({ length: 1000 }, (_, i) => `value-${i}`) });
    const pretty = prettyJson(source, { maxLength: 200 });
    assert.ok(pretty);
    assert.equal(pretty.text.length, 200);
    assert.equal(pretty.complete, false);
    assert.ok(pretty.fullLength > 10_000);
    assert.equal(pretty.toPretty(source.indexOf('value-999')), undefined);
    assert.equal(pretty.text.slice(pretty.toPretty(source.indexOf('value-3')) as number).startsWith('value-3'), true);
    // Everything up to sourceShown is shown.
    assert.ok(pretty.sourceShown > 0 && pretty.sourceShown < source.length);
    assert.notEqual(pretty.toPretty(pretty.sourceShown - 1), undefined);
    assert.equal(prettyJson(`${source.slice(0, -1)},]`, { maxLength: 200 }), undefined);
  });

  it('survives hostile nesting and escape-heavy strings in linear time, without recursion', () => {
    const depth = 500_000;
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    let started = performance.now();
    const pretty = prettyJson(deep, { maxLength: 1 << 20 });
    assert.ok(pretty);
    // Indentation stops growing: the output is not quadratic.
    assert.ok(pretty.fullLength < depth * 2 * 80);
    assert.ok(performance.now() - started < 3000);
    const escapes = `["${'\\n'.repeat(2_000_000)}"]`;
    started = performance.now();
    assert.ok(prettyJson(escapes));
    assert.ok(jsonValueSpans(escapes, 0, new Set(['$[0]'])).byPath.get('$[0]'));
    assert.ok(performance.now() - started < 3000);
  });
});

describe('core/view/prettyJson jsonValueSpans', () => {
  it('names values exactly as the decoder does, repeated keys included', () => {
    const text = '{"a":{"b":[1,"x",null,{"c d":"y"}]},"a":{"b":[2]},"e\\u0041":"z","k":"","n":null,"t":true}';
    const spans = jsonValueSpans(text, 0, new Set(["$.a.b[0]", "$.a.b[1]", "$.a.b[3]['c d']", '$.eA', '$.k', '$.n', '$.t', '$.a.b[2]'])).byPath;
    assert.deepEqual(spans.get('$.a.b[0]')?.map((s) => text.slice(s.start, s.end)), ['1', '2']);
    assert.deepEqual(spans.get('$.a.b[1]')?.map((s) => text.slice(s.start, s.end)), ['"x"']);
    assert.deepEqual(spans.get("$.a.b[3]['c d']")?.map((s) => text.slice(s.start, s.end)), ['"y"']);
    assert.deepEqual(spans.get('$.eA')?.map((s) => s.string), [true]);
    assert.equal(spans.get('$.t')?.length, 1);
    // No leaf for null or an empty string: none here either.
    assert.equal(spans.get('$.k'), undefined);
    assert.equal(spans.get('$.n'), undefined);
    assert.equal(spans.get('$.a.b[2]'), undefined);
  });

  it('finds every JSON leaf the decoder makes of real bodies, at the value that reads as the leaf', () => {
    const har = JSON.parse(readFileSync(corpusPath('generated/har/mitmproxy_hardump.har'), 'utf8')) as {
      log: { entries: { request: { postData?: { text?: string } }; response: { content: { text?: string } } }[] };
    };
    let leaves = 0;
    for (const entry of har.log.entries) {
      for (const text of [entry.request.postData?.text, entry.response.content.text]) {
        if (!text || jsonStart(text) === -1) continue;
        const decoded = decodeField({ text });
        const found = jsonValueSpans(text, jsonStart(text), 'all').byPath;
        const seen = new Map<string, number>();
        for (const leaf of decoded.leaves) {
          if (leaf.chain.length !== 1 || !leaf.chain[0].startsWith('json:')) continue;
          const path = leaf.chain[0].slice(5);
          const k = seen.get(path) ?? 0;
          seen.set(path, k + 1);
          const span = found.get(path)?.[k];
          assert.ok(span, path);
          const value: string | undefined = span.string ? jsonStringAt(text, span.start)?.text : text.slice(span.start, span.end);
          assert.equal(value, leaf.text, path);
          leaves++;
        }
      }
    }
    assert.ok(leaves > 50);
  });

  it('stops at `until` and says so', () => {
    const text = '[1,2,3,4,5]';
    const walk = jsonValueSpans(text, 0, new Set(['$[0]', '$[4]']), 4);
    assert.equal(walk.complete, false);
    assert.ok(walk.byPath.get('$[0]'));
    assert.equal(walk.byPath.get('$[4]'), undefined);
  });
});
