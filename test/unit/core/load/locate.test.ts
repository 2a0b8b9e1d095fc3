// "Reveal in raw text": the position found for an exchange must be the start of its own source —
// checked by reading the JSON value that starts there and comparing it with what JSON.parse
// gives for that entry or packet.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadCapture } from '../../../../extension/core/load/index';
import { locateExchange, type TextPosition } from '../../../../extension/core/load/locate';
import type { Capture } from '../../../../extension/core/model';
import { corpusFiles, corpusPath } from '../../corpus';

/** Offset of a 1-based line/column in the text as an editor splits it (\r\n, \n, \r), after a BOM. */
function offsetOf(text: string, at: TextPosition): number {
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\n|\r/);
  let offset = text.startsWith('\ufeff') ? 1 : 0;
  for (let i = 0; i < at.line - 1; i++) offset += lines[i].length + (text.startsWith('\r\n', offset + lines[i].length) ? 2 : 1);
  return offset + at.column - 1;
}

/** The JSON value starting at `offset`, parsed (its end found by a bracket count outside strings). */
function valueAt(text: string, offset: number): unknown {
  assert.ok(text[offset] === '{' || text[offset] === '[', `a value starts at ${offset}: ${JSON.stringify(text.slice(offset, offset + 20))}`);
  let depth = 0;
  for (let i = offset; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (--depth === 0) return JSON.parse(text.slice(offset, i + 1));
    }
  }
  throw new Error('unterminated value');
}

function load(text: string, name: string): Capture {
  return loadCapture(Buffer.from(text, 'utf8'), name);
}

function harEntries(text: string): unknown[] {
  const json = text.replace(/^\ufeff/, '').replace(/^\s*[\w$.]+\s*\(/, '').replace(/\)\s*;?\s*$/, '');
  return (JSON.parse(json) as { log: { entries: unknown[] } }).log.entries;
}

describe('core/load/locate', () => {
  const hars = [
    ...corpusFiles('generated/har', (n) => n.endsWith('.har')),
    ...corpusFiles('public/har', (n) => /\.harp?$/.test(n) && !/not-json|brokenfile/.test(n)),
  ];

  it('finds the start of every HAR entry of the corpus (BOM, JSONP and CRLF files included)', () => {
    let checked = 0;
    for (const file of hars) {
      const text = readFileSync(file, 'utf8');
      const capture = load(text, basename(file));
      const entries = harEntries(text);
      for (const ex of capture.exchanges) {
        assert.equal(ex.origin.kind, 'har-entry');
        const at = locateExchange(text, capture, ex.id);
        assert.ok(at, `${basename(file)} #${ex.id}`);
        const index = ex.origin.kind === 'har-entry' ? ex.origin.entryIndex : -1;
        assert.deepEqual(valueAt(text, offsetOf(text, at)), entries[index], `${basename(file)} entry ${index}`);
        checked++;
      }
    }
    assert.ok(checked > 200);
  });

  it('counts lines as an editor does, whatever the line breaks, and after a BOM', () => {
    const file = corpusPath('generated/har/mitmproxy_hardump.har');
    const text = readFileSync(file, 'utf8');
    const capture = load(text, 'x.har');
    const last = capture.exchanges.length - 1;
    const lf = locateExchange(text, capture, last);
    assert.ok(lf && lf.line > 1);
    const crlf = text.replace(/\n/g, '\r\n');
    assert.deepEqual(locateExchange(crlf, load(crlf, 'x.har'), last), lf);
    const cr = text.replace(/\n/g, '\r');
    assert.deepEqual(locateExchange(cr, capture, last), lf);
    assert.deepEqual(locateExchange(`\ufeff${text}`, capture, last), lf);
    // One line: the column says where.
    const oneLine = JSON.stringify(JSON.parse(text));
    const at = locateExchange(oneLine, load(oneLine, 'x.har'), last);
    assert.ok(at);
    assert.equal(at.line, 1);
    assert.deepEqual(valueAt(oneLine, at.column - 1), harEntries(text)[last]);
  });

  it('takes the last of repeated keys, as JSON.parse and the loader do', () => {
    const text = '{"log":{"entries":[{"request":1}]},\n"log":{"entries":"x","entries":[{"a":"]}\\"{"},\n {"b":2}]}}';
    const capture = load(readFileSync(corpusPath('public/har/har-validator__valid.har'), 'utf8'), 'valid.har');
    capture.exchanges = [{ ...capture.exchanges[0], origin: { kind: 'har-entry', entryIndex: 1 } }];
    const at = locateExchange(text, capture, 0);
    assert.deepEqual(at, { line: 3, column: 2 });
  });

  it('gives up on compressed files and unknown exchanges', () => {
    const zhar = corpusPath('generated/har/mitmproxy_hardump.zhar');
    const capture = loadCapture(readFileSync(zhar), 'x.zhar');
    assert.ok(capture.exchanges.length > 0);
    assert.equal(locateExchange(readFileSync(zhar, 'latin1'), capture, 0), undefined);
    assert.equal(locateExchange('{}', capture, 10_000), undefined);
  });

  it('finds the request packet of every exchange in tshark -T json output', () => {
    let checked = 0;
    for (const file of [
      ...corpusFiles('generated/pcap', (n) => /tshark\.(json|x\.json|nodupkeys\.json|http-only\.json)$/.test(n)),
      ...corpusFiles('generated/tshark_from_public', (n) => n.endsWith('.tshark.json')),
    ]) {
      const text = readFileSync(file, 'utf8');
      const capture = load(text, basename(file));
      const packets = JSON.parse(text) as { _source: { layers: { frame: Record<string, string> } } }[];
      for (const ex of capture.exchanges) {
        assert.equal(ex.origin.kind, 'tshark-frames');
        if (ex.origin.kind !== 'tshark-frames') continue;
        const at = locateExchange(text, capture, ex.id);
        assert.ok(at, `${basename(file)} #${ex.id}`);
        const packet = valueAt(text, offsetOf(text, at)) as (typeof packets)[number];
        assert.deepEqual(packet, packets[ex.origin.packetIndex]);
        assert.equal(Number(packet._source.layers.frame['frame.number']), ex.origin.requestFrame);
        checked++;
      }
    }
    assert.ok(checked > 50);
  });

  it('finds the line of the request packet in tshark -T ek output', () => {
    let checked = 0;
    for (const file of [
      ...corpusFiles('generated/pcap', (n) => n.endsWith('.ek.jsonl')),
      ...corpusFiles('generated/tshark_from_public', (n) => n.endsWith('.ek.jsonl')),
    ]) {
      const text = readFileSync(file, 'utf8');
      const capture = load(text, basename(file));
      for (const ex of capture.exchanges) {
        if (ex.origin.kind !== 'tshark-frames') continue;
        const at = locateExchange(text, capture, ex.id);
        assert.ok(at, `${basename(file)} #${ex.id}`);
        assert.equal(at.column, 1);
        const line = text.split('\n')[at.line - 1];
        const packet = JSON.parse(line) as { layers: { frame: { frame_frame_number: string } } };
        assert.equal(Number(packet.layers.frame.frame_frame_number), ex.origin.requestFrame);
        checked++;
      }
    }
    assert.ok(checked > 50);
  });
});
