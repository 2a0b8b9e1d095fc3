// Findings placed in a capture's raw text (textFindings.ts), on corpus files: every ground-truth
// plant of the mitmproxy HAR gets a range in its own entry whose text is the planted value (JSON
// and URL escapes undone here, independently) or, for plants the verification says need base64 or
// gzip+base64, an encoded range that decodes (here, with Node's own base64 and gunzip) to text
// holding the value; entry spans agree with locate.ts; every finding of tshark exports is placed;
// and arbitrary source code gets identifiers, a decoded base64 token and known values marked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseKnownSpec } from '../../../../extension/core/detect/known';
import { loadCapture } from '../../../../extension/core/load/index';
import { locateExchange, positionOf } from '../../../../extension/core/load/locate';
import type { Capture, Finding } from '../../../../extension/core/model';
import { scanCapture } from '../../../../extension/core/scan';
import { captureTextMarks, entryAt, plainTextMarks, type CaptureTextMarks, type TextMark } from '../../../../extension/core/view/textFindings';
import { corpusPath, recoverablePlants, requestPath } from '../../corpus';

function open(rel: string): { text: string; capture: Capture; findings: Finding[]; placed: CaptureTextMarks } {
  const bytes = readFileSync(corpusPath(rel));
  const text = new TextDecoder().decode(bytes);
  const capture = loadCapture(bytes, rel);
  const findings = scanCapture(capture).findings;
  return { text, capture, findings, placed: captureTextMarks(text, capture, findings) };
}

/** The range's text as a reader of the value may write it: JSON escapes undone, then URL escapes (as a URL or a form). */
function readings(raw: string): string[] {
  let text = raw;
  try {
    text = JSON.parse(`"${raw}"`) as string;
  } catch {
    // Not a JSON string fragment: compare as it is.
  }
  const out = [text];
  for (const form of [text, text.replace(/\+/g, ' ')]) {
    try {
      out.push(decodeURIComponent(form));
    } catch {
      // Not URL-encoded.
    }
  }
  return out.map((t) => t.toLowerCase());
}

/** An encoded range decoded with Node alone: JSON-unescape, base64, then gunzip when it is gzip. */
function decodedText(raw: string): string {
  const unescaped = JSON.parse(`"${raw}"`) as string;
  let bytes = Buffer.from(unescaped, 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return bytes.toString('utf8');
}

describe('textFindings: capture text', function () {
  this.timeout(60_000);

  describe('mitmproxy HAR against its ground truth', () => {
    const rel = 'generated/har/mitmproxy_hardump.har';
    const { text, capture, findings, placed } = open(rel);
    const plants = recoverablePlants('har/mitmproxy_hardump.har');

    it('locates the file and places every finding', () => {
      assert.equal(placed.located, true);
      assert.ok(findings.length > 40, `findings: ${findings.length}`);
      assert.equal(placed.unplaced, 0);
      const placedFindings = new Set(placed.marks.flatMap((m) => m.findings.map((f) => f.finding)));
      for (const f of findings) assert.ok(placedFindings.has(f), `not placed: ${f.kind} ${f.value} in #${f.exchangeId} ${f.part}`);
    });

    it('entry spans start where locate.ts says each entry starts, and entryAt finds them', () => {
      assert.equal(placed.entries.length, capture.exchanges.length);
      for (const entry of placed.entries) {
        const expected = locateExchange(text, capture, entry.exchangeId);
        assert.deepEqual(positionOf(text, entry.start), expected);
        assert.equal(text[entry.start], '{');
        assert.equal(text[entry.end - 1], '}');
        assert.equal(entryAt(placed.entries, entry.start)?.exchangeId, entry.exchangeId);
        assert.equal(entryAt(placed.entries, entry.end - 1)?.exchangeId, entry.exchangeId);
        assert.equal(entryAt(placed.entries, Math.floor((entry.start + entry.end) / 2))?.exchangeId, entry.exchangeId);
      }
      assert.equal(entryAt(placed.entries, 0), undefined, 'the file head is no entry');
      assert.equal(entryAt(placed.entries, text.length - 1), undefined, 'the closing brackets are no entry');
    });

    for (const plant of plants) {
      it(`${plant.request} ${plant.type} (${plant.found_in_view}) has a range in its entry`, () => {
        const path = requestPath(plant.request);
        const exchange = capture.exchanges.find((x) => x.request.url.split('?')[0].endsWith(path));
        assert.ok(exchange, `no exchange for ${path}`);
        const inEntry = placed.marks.filter((m) => m.findings.some((f) => f.exchangeId === exchange.id));
        const wanted = plant.value.toLowerCase();
        // A coordinate pair may be sent (and found) as its two halves.
        const pieces = wanted.includes(',') ? wanted.split(',') : [wanted];
        if (plant.found_in_view === 'raw') {
          const hit = inEntry.find((m) => !m.encoded && readings(text.slice(m.start, m.end)).some((r) => pieces.includes(r)));
          assert.ok(hit, `no range reads ${plant.value}; ranges: ${inEntry.map((m) => text.slice(m.start, m.end)).join(' | ')}`);
        } else {
          const hit = inEntry.find((m) => m.encoded && pieces.every((p) => decodedText(text.slice(m.start, m.end)).toLowerCase().includes(p)));
          assert.ok(hit, `no encoded range decodes to text holding ${plant.value}`);
          // The hover data names the chain and shows the decoded text.
          const chainStep = plant.found_in_view === 'base64' ? 'base64' : 'gzip';
          assert.ok(hit.findings.every((f) => f.chain.includes(chainStep)), hit.findings.map((f) => f.chain.join('>')).join(', '));
          assert.ok(hit.decoded, 'decoded text for the hover');
          for (const p of pieces) assert.ok(hit.decoded.text.toLowerCase().includes(p), `decoded text lacks ${p}`);
          assert.ok(hit.decoded.chain.includes(chainStep));
        }
      });
    }

    it('a number inside a longer one is not marked (the operator code 46001 inside the IMSI)', () => {
      for (const m of placed.marks) {
        const before = text.charCodeAt(m.start - 1);
        const after = text.charCodeAt(m.end);
        const alnum = (c: number) => /[0-9A-Za-z]/.test(String.fromCharCode(c));
        if (!m.encoded && /^[0-9A-Za-z]/.test(text[m.start])) assert.ok(!alnum(before), `cut at ${m.start}: ${text.slice(m.start - 5, m.end + 5)}`);
        if (!m.encoded && /[0-9A-Za-z]$/.test(text[m.end - 1])) assert.ok(!alnum(after), `cut at ${m.end}: ${text.slice(m.start - 5, m.end + 5)}`);
      }
    });
  });

  for (const rel of ['generated/pcap/telemetry_small.tshark.json', 'generated/pcap/telemetry_small.tshark.ek.jsonl', 'generated/har/chrome-har_cdp.har']) {
    it(`${rel}: every finding is placed inside one of its exchange's entries`, () => {
      const { text, capture, findings, placed } = open(rel);
      assert.equal(placed.located, true);
      assert.ok(findings.length > 10);
      assert.equal(placed.unplaced, 0);
      for (const mark of placed.marks) {
        assert.ok(mark.end > mark.start && mark.end <= text.length);
        const ids = new Set(placed.entries.filter((e) => e.start <= mark.start && mark.end <= e.end).map((e) => e.exchangeId));
        for (const f of mark.findings) assert.ok(ids.has(f.exchangeId as number), `mark at ${mark.start} outside exchange #${f.exchangeId}`);
      }
      // Each exchange's primary span holds its request: the first in file order is the request packet or the entry.
      for (const x of capture.exchanges) assert.ok(placed.entries.some((e) => e.exchangeId === x.id && e.primary), `exchange #${x.id} has no entry`);
    });
  }

  it('a compressed capture (.zhar) is not located: its text is not the capture', () => {
    const bytes = readFileSync(corpusPath('generated/har/mitmproxy_hardump.zhar'));
    const capture = loadCapture(bytes, 'x.zhar');
    const findings = scanCapture(capture).findings;
    const placed = captureTextMarks(new TextDecoder('latin1').decode(bytes), capture, findings);
    assert.equal(placed.located, false);
    assert.equal(placed.marks.length, 0);
    assert.equal(placed.unplaced, findings.length);
  });

  it('a text edited since the scan places what it still holds and counts the rest', () => {
    const { text, capture, findings } = open('generated/har/mitmproxy_hardump.har');
    const edited = text.replace(/868715392756833/g, '000000000000000');
    const placed = captureTextMarks(edited, capture, findings);
    assert.ok(placed.unplaced > 0);
    assert.ok(placed.marks.length > 0, 'the findings the edit left alone are still placed');
    assert.ok(placed.unplaced < findings.length);
    for (const m of placed.marks) assert.ok(!edited.slice(m.start, m.end).includes('000000000000000') || m.encoded);
  });
});

describe('textFindings: any text ("Scan this file")', () => {
  const imei = '868715392756833';
  const imei2 = '868715396536777';
  const encoded = Buffer.from(imei2).toString('base64');
  const kotlin = [
    'package com.example.telemetry',
    '',
    'object DeviceInfo {',
    `    const val FALLBACK_IMEI = "${imei}"`,
    `    private val blob = "${encoded}" // obfuscated`,
    '    val androidId = "22886CB0102E67C1".lowercase()',
    '    fun send(url: String) = http.post(url, mapOf("k" to "v"))',
    '}',
  ].join('\n');
  const known = [parseKnownSpec('android_id=22886cb0102e67c1')];
  const { marks } = plainTextMarks(kotlin, { known });
  const at = (needle: string): TextMark[] => {
    const start = kotlin.indexOf(needle);
    return marks.filter((m) => m.start === start && m.end === start + needle.length);
  };

  it('marks the IMEI written in the code', () => {
    const hit = at(imei);
    assert.equal(hit.length, 1);
    assert.ok(hit[0].findings.some((f) => f.kind === 'imei' && f.value === imei && f.chain.length === 0));
    assert.equal(hit[0].encoded, false);
  });

  it('marks the base64 token with its decoded text and the IMEI inside it', () => {
    const hit = at(encoded);
    assert.equal(hit.length, 1);
    assert.equal(hit[0].encoded, true);
    assert.equal(hit[0].decoded?.text, imei2);
    assert.ok(hit[0].decoded?.chain[0].startsWith('base64'));
    assert.ok(hit[0].findings.some((f) => f.kind === 'imei' && f.value === imei2 && f.chain[0].startsWith('base64')));
  });

  it('a value inside base64-encoded JSON is listed once, at its JSON path (not again as the layer\'s raw text)', () => {
    const json = Buffer.from(`{"imei":"${imei}"}`).toString('base64');
    const source = `val payload = "${json}"`;
    const mark = plainTextMarks(source).marks.find((m) => m.encoded);
    assert.ok(mark);
    assert.deepEqual(mark.findings.filter((f) => f.kind === 'imei').map((f) => f.chain.join(' → ')), ['base64 → json:$.imei']);
  });

  it('marks the known value in another case, naming the known value and the form', () => {
    const hit = at('22886CB0102E67C1');
    assert.ok(hit.length >= 1);
    const knownFinding = hit.flatMap((m) => m.findings).find((f) => f.known);
    assert.ok(knownFinding, 'known-value finding');
    assert.equal(knownFinding.value, '22886cb0102e67c1');
    assert.match(knownFinding.known?.variant ?? '', /upper/);
  });

  it('leaves identifiers-free code alone', () => {
    assert.deepEqual(plainTextMarks('fun main() {\n  println("hello, world")\n  val x = listOf(1, 2, 3)\n}\n').marks, []);
  });

  it('stops decoding tokens at the cap and says so', () => {
    const many = Array.from({ length: 50 }, (_, i) => Buffer.from(`token number ${i} padded`).toString('base64')).join('\n');
    const capped = plainTextMarks(many, { maxTokens: 10 });
    assert.equal(capped.tokensCapped, true);
    assert.equal(capped.tokensDecoded, 10);
    assert.ok(plainTextMarks(many).marks.length > capped.marks.length);
  });
});

describe('textFindings: bounded work', function () {
  this.timeout(60_000);

  it('placing stops at its time budget and counts the rest unplaced', () => {
    const bytes = readFileSync(corpusPath('generated/har/mitmproxy_hardump.har'));
    const capture = loadCapture(bytes, 'mitmproxy_hardump.har');
    const findings = scanCapture(capture).findings;
    const spent = captureTextMarks(bytes.toString('utf8'), capture, findings, { timeBudgetMs: 0 });
    assert.equal(spent.timedOut, true);
    assert.equal(spent.unplaced, findings.length);
    assert.deepEqual(spent.marks, []);
    const placed = captureTextMarks(bytes.toString('utf8'), capture, findings);
    assert.equal(placed.timedOut, false);
    assert.ok(placed.marks.length > 0);
  });

  it('tshark packets without frame.number: each looked for in its own packet (the search once ran to the end of the file per packet)', () => {
    const source = readFileSync(corpusPath('generated/pcap/telemetry_small.tshark.json'), 'utf8');
    const renamed = source.replace(/"frame\.number"/g, '"frame.numbr"');
    // 6,000 packets' worth: linear work is milliseconds; the old search was minutes.
    const packets = JSON.parse(renamed) as unknown[];
    const many = JSON.stringify(Array.from({ length: Math.ceil(6000 / packets.length) }, () => packets).flat(), null, 2);
    const capture = loadCapture(Buffer.from(many), 'many.tshark.json');
    const findings = scanCapture(capture).findings;
    assert.ok(capture.exchanges.length > 0 && findings.length > 0, 'the renamed packets still load and leak');
    const result = captureTextMarks(many, capture, findings);
    assert.equal(result.timedOut, false);
    assert.ok(result.marks.length > 0, 'found in their packets by position when the frame number is missing');
  });
});
