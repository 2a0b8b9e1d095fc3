// The text editor's view of findings (textModel.ts): the hover of a real corpus mark (kind,
// confidence, value, chain, decoded text), hostile capture text kept inert in the hover (rendered
// by markdown-it with HTML and linkify on: no link, image or HTML), diagnostics' severity by
// confidence, the CodeLens cap, the cursor lookup, decoration groups and the capture sniffing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadCapture } from '../../../extension/core/load/index';
import { scanCapture } from '../../../extension/core/scan';
import { captureTextMarks, type EntrySpan, type TextMark } from '../../../extension/core/view/textFindings';
import {
  captureFormatOf, decorationGroup, diagnosticsOf, hoverMarkdown, lensEntries, marksAt,
} from '../../../extension/editor/textModel';
import { renderCheck } from '../core/report/inertMarkdown';
import { corpusPath } from '../corpus';

const HAR = 'generated/har/mitmproxy_hardump.har';

describe('textModel', function () {
  this.timeout(60_000);
  const bytes = readFileSync(corpusPath(HAR));
  const text = new TextDecoder().decode(bytes);
  const capture = loadCapture(bytes, HAR);
  const { marks, entries } = captureTextMarks(text, capture, scanCapture(capture).findings);

  it('hovers a plain IMEI with kind, value, confidence and request, found under the cursor', () => {
    const offset = text.indexOf('868715392756833') + 3;
    const under = marksAt(marks, offset);
    assert.ok(under.length >= 1);
    const md = hoverMarkdown(under);
    assert.match(md, /\*\*IMEI\*\* `868715392756833`/);
    assert.match(md, /high confidence/);
    assert.match(md, /request #0/);
    renderCheck(md);
  });

  it('hovers a base64 body with its chain and its decoded text', () => {
    const encoded = marks.find((m) => m.encoded && m.findings.some((f) => f.chain.join('>') === 'base64>json:$.imei'));
    assert.ok(encoded);
    const md = hoverMarkdown(marksAt(marks, encoded.start + 10));
    assert.match(md, /chain `base64 → json:\$\.imei`/);
    assert.match(md, /Decoded \(base64\)/);
    assert.ok(md.includes('"imei":"868715392756833"'), md);
    assert.equal(decorationGroup(encoded), 'encoded');
    const html = renderCheck(md);
    assert.match(html, /<pre><code>/);
  });

  it('keeps hostile values, paths and decoded text inert', () => {
    const hostile = '[x](command:workbench.action.terminal.new) <img src=x onerror=alert(1)> ![i](https://evil.example/i.png) <script>alert(1)</script>';
    const mark: TextMark = {
      start: 0, end: 10, encoded: true,
      decoded: { text: `\`\`\`\n${hostile}\n\`\`\``, chain: ['base64'], truncated: false },
      findings: [{
        kind: 'known_value', confidence: 'high', value: hostile, matchedText: `${hostile}\u202e`, chain: ['base64', `json:$.${hostile}`],
        exchangeId: 4, part: 'request_header', fieldPath: hostile, detector: 'known-value', known: { label: hostile, variant: '<b>as-is</b>' },
      }],
    };
    const md = hoverMarkdown([mark]);
    const html = renderCheck(md);
    assert.doesNotMatch(html, /<a\b/, 'no link');
    assert.doesNotMatch(html, /<img\b/, 'no image');
    assert.doesNotMatch(html, /<script\b/, 'no script');
    assert.doesNotMatch(html, /<b>/, 'no HTML from the variant');
    assert.doesNotMatch(md, /\u202e/, 'bidi override made visible');
    // The text is still shown, as text.
    assert.ok(html.includes('command:workbench.action.terminal.new'));
  });

  it('lists at most 12 findings per hover and says how many more', () => {
    const many: TextMark = {
      start: 0, end: 1, encoded: false,
      findings: Array.from({ length: 20 }, (_, i) => ({ kind: 'imei' as const, confidence: 'low' as const, value: String(i), matchedText: String(i), chain: [], detector: 'imei' })),
    };
    const md = hoverMarkdown([many]);
    assert.equal(md.split('\n').filter((l) => l.startsWith('- ')).length, 12);
    assert.match(md, /…and 8 more/);
  });

  it('diagnostics: high confidence is a warning, medium information, low a hint; capture text escaped', () => {
    const diagnostics = diagnosticsOf(marks);
    assert.equal(diagnostics.length, marks.filter((m) => m.findings.length > 0).length);
    const rank = { high: 3, medium: 2, low: 1 } as const;
    for (const d of diagnostics) {
      const lead = marks.find((m) => m.start === d.start && m.end === d.end);
      const best = Math.max(...(lead?.findings ?? []).map((f) => rank[f.confidence]));
      assert.equal(d.level, best === 3 ? 'warning' : best === 2 ? 'information' : 'hint');
    }
    const hostile: TextMark = { start: 0, end: 5, encoded: false, findings: [{ kind: 'email', confidence: 'low', value: 'a\u202eb@x.test', matchedText: 'a', chain: ['json:$.x\u2066'], detector: 'email' }] };
    const [d] = diagnosticsOf([hostile]);
    assert.equal(d.level, 'hint');
    assert.doesNotMatch(d.message, /[\u202e\u2066]/, 'no bidi control reaches the Problems panel');
    const medium = marks.find((m) => m.findings.length > 0 && m.findings.every((f) => f.confidence === 'medium'));
    assert.ok(medium, 'the corpus has a medium finding (the IMEI in the uid cookie)');
    assert.equal(diagnosticsOf([medium])[0].level, 'information');
    assert.equal(diagnosticsOf(marks, 3).length, 3);
  });

  it('CodeLens entries: one per exchange, capped', () => {
    assert.equal(lensEntries(entries).length, capture.exchanges.length);
    const spans: EntrySpan[] = Array.from({ length: 50 }, (_, i) => ({ exchangeId: i, start: i * 10, end: i * 10 + 5, primary: i % 2 === 0 }));
    assert.equal(lensEntries(spans).length, 25);
    assert.deepEqual(lensEntries(spans, 3).map((e) => e.exchangeId), [0, 2, 4]);
  });

  it('marksAt finds a mark inside a long encoded range, nothing before it, nothing just after one', () => {
    const encoded = marks.find((m) => m.encoded && m.end - m.start > 100);
    assert.ok(encoded);
    assert.ok(marksAt(marks, encoded.start + 50).includes(encoded));
    const gap = marks[0].start - 1;
    assert.deepEqual(marksAt(marks, gap), []);
    // [start, end): the character just after a mark is outside it.
    const lone = marks.find((m) => !marks.some((o) => o !== m && o.start <= m.end && m.end < o.end));
    assert.ok(lone);
    assert.ok(!marksAt(marks, lone.end).includes(lone));
    assert.ok(marksAt(marks, lone.end - 1).includes(lone));
  });

  it('sniffs captures by content, not only by name', () => {
    assert.equal(captureFormatOf('a.har', text.slice(0, 4000)), 'har');
    assert.equal(captureFormatOf('capture.json', readFileSync(corpusPath('generated/pcap/telemetry_small.tshark.json'), 'utf8').slice(0, 4000)), 'tshark-json');
    assert.equal(captureFormatOf('capture.jsonl', readFileSync(corpusPath('generated/pcap/telemetry_small.tshark.ek.jsonl'), 'utf8').slice(0, 4000)), 'tshark-ek');
    assert.equal(captureFormatOf('package.json', '{"name": "x", "version": "1.0.0"}'), undefined);
    assert.equal(captureFormatOf('notes.txt', text.slice(0, 4000)), undefined);
  });
});
