// Every file of the corpus either opens or fails with an error that names the file and the place.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CaptureLoadError, loadCaptureFile } from '../../extension/core/load/index';
import { CORPUS } from './corpus';

function walk(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

/** Files that are captures by their maker's intent; the rest (ground truth, scripts, docs) are not. */
function isCapture(rel: string): boolean {
  return /\.(har|harp|zhar|pcap|pcapng)$/.test(rel) || /\.tshark\./.test(rel);
}

/** Captures that are broken on purpose, or binary pcaps, and the error each deserves. */
const EXPECTED_ERRORS: [RegExp, RegExp][] = [
  [/brokenfile\.har$/, /\(line 5, column 1\): invalid JSON/],
  [/not-json\.har$/, /\(line 8, column 5\): invalid JSON/],
  [/\.pcap(ng)?$/, /\(line 1, column 1\): this is a binary pcap\/pcapng capture.*tshark -r/],
];

describe('every corpus file', () => {
  const files = walk(CORPUS).filter((f) => !f.startsWith(join(CORPUS, 'gen') + '/'));
  it('the corpus is there', () => assert.ok(files.length > 60, `found ${files.length} files under ${CORPUS}`));

  for (const file of files) {
    const rel = relative(CORPUS, file);
    const expected = EXPECTED_ERRORS.find(([name]) => name.test(rel));
    if (isCapture(rel) && !expected) {
      it(`${rel} opens`, () => {
        const capture = loadCaptureFile(file);
        assert.ok(capture.exchanges.length > 0 || capture.warnings.length > 0, 'either exchanges or a warning saying why none');
        for (const w of capture.warnings) assert.ok(w.message.length > 0 && w.code.length > 0);
      });
    } else {
      it(`${rel} fails with a clear error`, () => {
        assert.throws(() => loadCaptureFile(file), (err: unknown) => {
          assert.ok(err instanceof CaptureLoadError, String(err));
          assert.ok(err.message.startsWith(file), 'names the file');
          assert.ok(err.location, 'names the place');
          if (expected) assert.match(err.message, expected[1]);
          else assert.match(err.message, /not a HAR or tshark export|invalid JSON/);
          return true;
        });
      });
    }
  }
});
