import assert from 'node:assert/strict';
import { ContentCache, LONG_TEXT } from '../../extension/core/contentCache';

describe('ContentCache', () => {
  it('keys by context and text', () => {
    const cache = new ContentCache<number>();
    cache.set('imei', '123', 1);
    cache.set('', '123', 2);
    assert.equal(cache.get('imei', '123'), 1);
    assert.equal(cache.get('', '123'), 2);
    assert.equal(cache.get('imsi', '123'), undefined);
  });

  it('starts over when full, by entries or by characters, and never keeps over-long texts', () => {
    const byEntries = new ContentCache<number>(3, 1000, 100);
    for (let i = 0; i < 3; i++) byEntries.set('', `t${i}`, i);
    assert.equal(byEntries.get('', 't0'), 0);
    byEntries.set('', 't3', 3);
    assert.equal(byEntries.get('', 't0'), undefined, 'restarted');
    assert.equal(byEntries.get('', 't3'), 3);

    const byChars = new ContentCache<number>(100, 10, 10);
    byChars.set('', 'aaaaa', 1);
    byChars.set('', 'bbbbb', 2);
    assert.equal(byChars.get('', 'aaaaa'), 1);
    byChars.set('', 'c', 3);
    assert.equal(byChars.get('', 'aaaaa'), undefined, 'restarted at 11 characters');
    byChars.set('', 'x'.repeat(11), 4);
    assert.equal(byChars.get('', 'x'.repeat(11)), undefined, 'longer than the longest kept text');
  });

  it('replacing a value does not count twice', () => {
    const cache = new ContentCache<number>(2, 100, 100);
    cache.set('', 'a', 1);
    cache.set('', 'a', 2);
    cache.set('', 'b', 3);
    assert.equal(cache.get('', 'a'), 2, 'two entries fit');
  });

  it('keys texts longer than V8 hashes (16,383 characters) by their content: many of one length stay distinct and found', () => {
    const cache = new ContentCache<number>(10_000, 2 ** 30, 2 ** 20);
    const base = 'x'.repeat(LONG_TEXT + 100);
    for (let i = 0; i < 2000; i++) cache.set('', `${base}${String(i).padStart(6, '0')}`, i);
    for (let i = 0; i < 2000; i += 97) assert.equal(cache.get('', `${base}${String(i).padStart(6, '0')}`), i);
    assert.equal(cache.get('', `${base}999999`), undefined);
    assert.equal(cache.get('other', `${base}000000`), undefined, 'by context too');
    // Two texts with one SHA-1 (lone surrogates both become U+FFFD in UTF-8): the full text decides.
    cache.set('', `${base}\ud800`, 7);
    assert.equal(cache.get('', `${base}\udc00`), undefined);
    assert.equal(cache.get('', `${base}\ud800`), 7);
    cache.set('', `${base}000000`, -1);
    assert.equal(cache.get('', `${base}000000`), -1, 'set again: the new value');
  });
});
