// Hex dumps: the hexdump -C layout, and byte ranges turned into ranges that cover exactly the
// hex digits of those bytes, one range per line.
import assert from 'node:assert/strict';
import { HEX_LINE_LENGTH, hexDump, hexRanges } from '../../../../extension/core/view/hexDump';

describe('core/view/hexDump', () => {
  const bytes = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x41, 0x42, 0x7e, 0x7f, 0x00, 0xff, 0x20, 0x30, 0x31, 0x32, 0x33, 0x0a, 0x68, 0x69]);

  it('writes offset, two groups of eight bytes and the printable characters', () => {
    const dump = hexDump(bytes);
    const lines = dump.text.split('\n');
    assert.equal(lines.length, 2);
    assert.equal(lines[0], '00000000  1f 8b 08 00 41 42 7e 7f  00 ff 20 30 31 32 33 0a  |....AB~... 0123.|');
    assert.equal(lines[0].length, HEX_LINE_LENGTH);
    assert.equal(lines[1], '00000010  68 69                                             |hi|');
    assert.equal(dump.bytesShown, bytes.length);
  });

  it('shows at most maxBytes', () => {
    const dump = hexDump(new Uint8Array(100), 32);
    assert.equal(dump.bytesShown, 32);
    assert.equal(dump.text.split('\n').length, 2);
    assert.equal(hexDump(new Uint8Array(0)).text, '');
  });

  it('covers exactly the hex digits of a byte range, one range per line', () => {
    const dump = hexDump(bytes);
    const slice = (r: { start: number; end: number }): string => dump.text.slice(r.start, r.end);
    assert.deepEqual(hexRanges(1, 3, dump.bytesShown).map(slice), ['8b 08']);
    assert.deepEqual(hexRanges(6, 10, dump.bytesShown).map(slice), ['7e 7f  00 ff']);
    assert.deepEqual(hexRanges(14, 18, dump.bytesShown).map(slice), ['33 0a', '68 69']);
    assert.deepEqual(hexRanges(0, 1, dump.bytesShown).map(slice), ['1f']);
    // Past what is shown: cut, or nothing.
    assert.deepEqual(hexRanges(17, 40, dump.bytesShown).map(slice), ['69']);
    assert.deepEqual(hexRanges(18, 40, dump.bytesShown), []);
  });

  it('finds every byte of a long dump at its own digits', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff);
    const dump = hexDump(data);
    for (let i = 0; i < data.length; i++) {
      const [r] = hexRanges(i, i + 1, dump.bytesShown);
      assert.equal(dump.text.slice(r.start, r.end), data[i].toString(16).padStart(2, '0'));
    }
  });
});
