import assert from 'node:assert/strict';
import { cleanText, codeSpan, escapeInline, fencedBlock, sanitizeMarkdown, table, tableCell, tableCode } from '../../../../extension/core/report/markdown';
import { assertInert, linesOutsideFences, outsideCode, renderCheck, renderCheckAvailable, tableCells } from './inertMarkdown';

/** A document around a piece of generated markdown, checked strictly. */
function inert(piece: string): void {
  assertInert(`# Title\n\n${piece}\n\n---\n`);
}

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[click](javascript:alert(1))',
  '](javascript:alert(1))',
  '<javascript:alert(1)>',
  '<!-- comment -->',
  '&#x6a;avascript&colon;alert(1)',
  '![img](https://tracker.test/p.png)',
  '`` ` ```` `````',
  'a | b || c',
  'line1\n---\n# heading\n=====\n<div>',
  'x\r\ny\rz',
  '\u202eevil\u2066\u200b\u0000\u001b[31m',
  '\\',
  '\\|',
  '*bold* _em_ ~~del~~ $x$',
  '{{appendix}}',
  'www.evil.test http://evil.test/x',
];

describe('report/markdown: inert helpers', () => {
  it('the render check itself catches raw HTML and script links', function () {
    assert.ok(renderCheckAvailable(), 'markdown-it (a dev dependency) loads');
    assert.throws(() => renderCheck('a <img src=x onerror=alert(1)> b'), /rendered tag <img>/);
    assert.throws(() => renderCheck('<script>alert(1)</script>'), /rendered tag <script>/);
    assert.throws(() => renderCheck('[x](http://ok.test "t") <!-- c -->'), /HTML comment/);
    renderCheck(escapeInline('a <img src=x onerror=alert(1)> b <!-- c --> [x](javascript:alert(1))'));
  });

  it('escapeInline: every hostile text stays one line of plain text', () => {
    for (const text of HOSTILE) {
      const out = escapeInline(text);
      assert.doesNotMatch(out, /\n/);
      assert.doesNotMatch(outsideCode(out), /</);
      inert(`Title: ${out}`);
      inert(`- ${out}`);
    }
  });

  it('codeSpan: the fence outlasts any backtick run, content is padded, newlines are visible', () => {
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`x'), '`` `x ``');
    assert.equal(codeSpan('x ```` y'), '`````x ```` y`````');
    assert.equal(codeSpan('a\nb'), '`a\\nb`');
    assert.equal(codeSpan(''), '*(empty)*');
    for (const text of HOSTILE) {
      const out = codeSpan(text);
      assert.equal(outsideCode(out).trim(), '', `${JSON.stringify(text)} → ${out}`);
      inert(`Value: ${out} after`);
    }
  });

  it('cleanText: control, bidi and zero-width characters become visible escapes', () => {
    assert.equal(cleanText('a\u202eb\u2066c\u200bd\u0000e\u0085f'), 'a\\u202eb\\u2066c\\u200bd\\u0000e\\u0085f');
    assert.equal(cleanText('a\r\nb\rc'), 'a\nb\nc');
    assert.equal(cleanText('a\nb\tc', true), 'a\\nb c');
    assert.equal(cleanText('\ud800x'), '\\ud800x');
    assert.equal(cleanText('😀'), '😀');
  });

  it('tables: pipes and newlines cannot add cells or rows', () => {
    const rows = HOSTILE.map((t) => [escapeInline(t), tableCode(t), codeSpan(t.replace(/\|/g, '')), tableCell('a\\'), tableCell('x|y\\|z\\\\|w')]);
    const md = table(['A', 'B', 'C', 'D', 'E'], rows);
    for (const line of md.split('\n')) assert.equal(tableCells(line).length, 5, line);
    inert(md);
  });

  it('tableCode: a pipe in the content falls back to escaped text', () => {
    assert.equal(tableCode('a|b'), 'a\\|b');
    assert.equal(tableCode('a`b'), '``a`b``');
  });

  it('fencedBlock: no line of the content can close it', () => {
    for (const text of [...HOSTILE, '```\n<script>\n```', '````````', 'x\n```\ny']) {
      const out = fencedBlock(text, 'http');
      const fence = /^(`+)/.exec(out)?.[1] ?? '';
      const inner = out.split('\n').slice(1, -1);
      assert.ok(inner.every((l) => !new RegExp(`^\`{${fence.length},}\\s*$`).test(l)), out);
      inert(out);
    }
    assert.match(fencedBlock('x', 'ht<tp"'), /^```http\n/);
  });

  it('sanitizeMarkdown: keeps lists, emphasis and code; disarms HTML, links, entities, headings and fences', () => {
    const notes = [
      '# My heading',
      'Some **bold** text with `<code>` and a <b>tag</b>.',
      '- item [link](javascript:alert(1)) and ![img](http://t.test/x.png)',
      '- # nested heading',
      '<!-- hidden -->',
      '<div onmouseover="x">block</div>',
      '&#106;avascript:alert(1) &amp; &lt;',
      '[ref]: javascript:alert(1)',
      'Setext',
      '---',
      '===',
      '\\`<script>`x`',
      '- ~~~',
      '```js',
      '</pre><script>alert(1)</script>',
      '```',
      '````',
      'unclosed fence <b>',
    ].join('\n');
    const out = sanitizeMarkdown(notes);
    assert.match(out, /^#### My heading$/m);
    assert.match(out, /^- #### nested heading$/m);
    assert.match(out, /\*\*bold\*\*/);
    assert.match(out, /`<code>`/);
    assert.match(out, /&lt;b>tag&lt;\/b>/);
    assert.match(out, /\\\[link\\\]\(javascript\\:alert\(1\)\)/);
    assert.match(out, /```js\n<\/pre><script>alert\(1\)<\/script>\n```/);
    assert.match(out, /\n```\nunclosed fence <b>\n```$/);
    assert.match(out, /^&amp;#106;avascript:alert\(1\) &amp;amp; &amp;lt;$/m);
    inert(out);
  });

  it('sanitizeMarkdown: a fence the notes open is re-fenced at the margin and closed before what follows', () => {
    const out = sanitizeMarkdown('- item\n  ```\n  <script>\n- ~~~\n> ```');
    assert.equal(out, '- item\n````\n  <script>\n- ~~~\n> ```\n````');
    const doc = `${out}\n\nAFTER`;
    inert(doc);
    assert.ok(linesOutsideFences(doc).includes('AFTER'));
  });

  it('sanitizeMarkdown: tildes after a list or quote marker cannot open a fence in that container', () => {
    const out = sanitizeMarkdown('- item\n- ~~~\n    ~~~\n> ~~~ x\n1. ~~~~');
    assert.equal(out, '- item\n- \\~\\~\\~\n    \\~\\~\\~\n> \\~\\~\\~ x\n1. \\~\\~\\~\\~');
    inert(out);
  });
});

describe('report/markdown: review findings', () => {
  const HIDDEN_HEADINGS = [
    '- a\n    - # Fake',
    '> Fake H1\n> ===',
    '> Fake H2\n> ---',
    '- a\n\t- # Fake',
    '1. a\n   1. # Fake',
    '1. 2) # Fake',
    '> - > # Fake',
    '- a\n\n  Fake\n  ===',
    '* * *',
    '> ___',
  ];

  it('the inert check catches headings and rules hidden behind container prefixes (it means something)', () => {
    for (const raw of HIDDEN_HEADINGS) assert.throws(() => inert(raw), Error, JSON.stringify(raw));
  });

  it('sanitizeMarkdown: headings, setext underlines and rules behind list and quote markers, tabs and indents are disarmed', () => {
    for (const raw of HIDDEN_HEADINGS) {
      const out = sanitizeMarkdown(raw);
      inert(out);
      assert.ok(out.includes('Fake') || /[*_]/.test(raw), out);
    }
    assert.equal(sanitizeMarkdown('- a\n    - # Fake'), '- a\n    - #### Fake');
    assert.equal(sanitizeMarkdown('> Fake H1\n> ==='), '> Fake H1\n> \\=\\=\\=');
  });

  it('the inert check catches linkified bare URLs, www. and e-mail addresses (it means something)', () => {
    for (const raw of ['see https://phish.test/login now', 'www.phish.com', 'mail evil@phish.com', 'phish.com/login']) {
      assert.throws(() => inert(raw), /link/, raw);
    }
  });

  it('sanitizeMarkdown: bare URLs, www., domains and e-mail addresses do not become links', () => {
    const out = sanitizeMarkdown('Log in at https://phish.test/login or www.phish.com, mail evil@phish.com, see phish.com/login. Version 7.4.18, e.g. this.');
    inert(out);
    assert.doesNotMatch(out, /[^\\]:\/\//);
    assert.match(renderCheck(out), /Log in at https:\/\/phish\.test\/login or www\.phish\.com, mail evil@phish\.com/, 'renders as the same text');
  });

  it('cleanText: tag characters, variation selectors, the grapheme joiner and Hangul fillers are shown as escapes', () => {
    const text = `a\u{E0041}\u{E007F}b\ufe0f\ufe00c\u034fd\u115f\u1160\u3164\uffa0e`;
    const out = cleanText(text);
    assert.equal(out, 'a\\u{e0041}\\u{e007f}b\\ufe0f\\ufe00c\\u034fd\\u115f\\u1160\\u3164\\uffa0e');
    assert.equal(cleanText('😀 \u{1F600}'), '😀 😀', 'other astral characters stay');
    assert.ok(!/[\u{E0000}-\u{E007F}]/u.test(escapeInline(text)));
  });
});
