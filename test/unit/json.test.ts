import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JsonSyntaxError, parseJson } from '../../extension/core/load/json';
import { corpusFiles } from './corpus';

describe('JSON parser', () => {
  it('gives the same value as JSON.parse on every corpus JSON file', () => {
    const files = [...corpusFiles('public/har', (n) => n.endsWith('.har') && !/brokenfile|not-json/.test(n)), ...corpusFiles('generated/pcap', (n) => n.endsWith('.json'))];
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      assert.deepEqual(parseJson(text).value, JSON.parse(text), file);
    }
  });

  it('collects repeated keys into arrays, in order, instead of keeping the last', () => {
    const { value, duplicateKeyCount } = parseJson('{"ip.addr":"1","x":0,"ip.addr":"2","ip.addr":"3"}', { duplicateKeys: 'collect' });
    assert.deepEqual(value, { 'ip.addr': ['1', '2', '3'], x: 0 });
    assert.equal(duplicateKeyCount, 2);
    assert.deepEqual(parseJson('{"a":1,"a":2}').value, { a: 2 });
  });

  it('keeps __proto__ as a plain own key without touching prototypes', () => {
    const { value } = parseJson('{"__proto__": {"polluted": true}, "a": 1}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value as object), ['__proto__', 'a']);
  });

  it('parses nesting a million deep without overflowing the stack', () => {
    const depth = 1_000_000;
    const { value } = parseJson('['.repeat(depth) + ']'.repeat(depth), { maxDepth: depth + 1 });
    assert.ok(Array.isArray(value));
    assert.throws(() => parseJson('['.repeat(200) + ']'.repeat(200), { maxDepth: 100 }), /expected nesting at most 100 deep/);
  });

  it('reports line, column, what was expected and what was found', () => {
    const cases: [string, number, number, RegExp][] = [
      ['{\n  "a": 1,\n  "b" 2\n}', 3, 7, /expected ':' after property name, found '2'/],
      ['[1, 2,, 3]', 1, 7, /expected a value, found ','/],
      ['{"a": "x\ny"}', 1, 9, /control characters must be escaped/],
      ['{"a": 1', 1, 8, /found end of input/],
      ['{"a": tru}', 1, 7, /expected a value/],
      ['[1] 2', 1, 5, /end of input after the top-level value/],
      ['"\\x"', 1, 3, /valid escape/],
    ];
    for (const [text, line, column, message] of cases) {
      assert.throws(() => parseJson(text), (err: unknown) => {
        assert.ok(err instanceof JsonSyntaxError, text);
        assert.equal(err.line, line, text);
        assert.equal(err.column, column, text);
        assert.match(err.message, message);
        return true;
      });
    }
  });
});
