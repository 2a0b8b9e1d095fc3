// Offset maps from decoded text back to its source: JSON string escapes and percent-encoding,
// decoded exactly as the decoders do it.
import assert from 'node:assert/strict';
import { percentDecode } from '../../../../extension/core/decode/url';
import { jsonStringAt, percentDecodeWithMap } from '../../../../extension/core/view/offsets';

describe('core/view/offsets', () => {
  it('unescapes a JSON string and maps each character to its escape', () => {
    const text = 'x "a\\"b\\u0041\\n868\\/c" y';
    const s = jsonStringAt(text, 2);
    assert.ok(s);
    assert.equal(s.text, 'a"bA\n868/c');
    assert.equal(s.end, text.indexOf('" y') + 1);
    const at = s.text.indexOf('868');
    assert.equal(text.slice(s.map.map(at), s.map.map(at + 3, true)), '868');
    // A range over escapes covers the whole escapes.
    assert.equal(text.slice(s.map.map(1), s.map.map(4, true)), '\\"b\\u0041');
    assert.equal(jsonStringAt(text, 0), undefined);
    assert.equal(jsonStringAt('"abc', 0), undefined);
    assert.equal(jsonStringAt('"a\\qb"', 0), undefined);
  });

  it('percent-decodes exactly like the decoder and maps characters to their escapes', () => {
    for (const input of [
      'li.wei%40example.com', '%E4%B8%AD%E5%9B%BD%20x', '%F0%9F%98%80!', '%ff%fe latin', 'a%2', '100%', '%%41', 'plain', '%41%42%43',
    ]) {
      assert.equal(percentDecodeWithMap(input).text, percentDecode(input), input);
    }
    const d = percentDecodeWithMap('id%3D868715392756833%26x%3D%E4%B8%AD');
    const at = d.text.indexOf('868715392756833');
    assert.equal('id%3D868715392756833%26x%3D%E4%B8%AD'.slice(d.map.map(at), d.map.map(at + 15, true)), '868715392756833');
    const cjk = d.text.indexOf('中');
    assert.equal('id%3D868715392756833%26x%3D%E4%B8%AD'.slice(d.map.map(cjk), d.map.map(cjk + 1, true)), '%E4%B8%AD');
    const emoji = percentDecodeWithMap('a%F0%9F%98%80b');
    assert.equal(emoji.text, 'a😀b');
    assert.equal(emoji.map.map(3), 13);
    assert.equal(emoji.map.map(1, false), 1);
    assert.equal(emoji.map.map(3, true), 13);
  });
});
