// A strict reading of generated markdown, independent of the writer: fences balanced and clean,
// no `<` or `&`-entity other than &lt;/&amp; and no `javascript:` outside code, only the headings,
// rules and links the writer itself makes, and every row of a table as wide as its header. Plus,
// when markdown-it is installed, a render with raw HTML and linkify on whose tags and links are
// all on an allowlist.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

/** The line with code spans removed, CommonMark-style: backslash escapes honoured, runs paired by length. */
export function outsideCode(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length && /[!-/:-@[-`{-~]/.test(line[i + 1])) {
      out += c + line[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      let n = 0;
      while (line[i + n] === '`') n++;
      const close = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, 'g');
      close.lastIndex = i + n;
      const m = close.exec(line);
      if (m) {
        out += ' ';
        i = m.index + n;
        continue;
      }
      out += line.slice(i, i + n);
      i += n;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Cells of a table row: split on pipes not escaped by an odd run of backslashes. */
export function tableCells(row: string): string[] {
  const cells: string[] = [];
  let current = '';
  let backslashes = 0;
  for (const c of row) {
    if (c === '|' && backslashes % 2 === 0) {
      cells.push(current);
      current = '';
    } else {
      current += c;
    }
    backslashes = c === '\\' ? backslashes + 1 : 0;
  }
  cells.push(current);
  // Leading and trailing pipes make empty first and last pieces.
  return cells.slice(1, -1).map((c) => c.trim());
}

/** The lines that are not inside a fenced code block (fences as the writer makes them: backticks at the margin). */
export function linesOutsideFences(md: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of md.split('\n')) {
    if (fence !== undefined) {
      const close = /^(`{3,})$/.exec(line);
      if (close && close[1].length >= fence.length) fence = undefined;
      continue;
    }
    const open = /^(`{3,})([A-Za-z0-9_+-]*)$/.exec(line);
    if (open) fence = open[1];
    else out.push(line);
  }
  return out;
}

export interface InertOptions {
  /** Lines allowed to be h1/h2 headings (exactly). */
  headings?: RegExp;
  /** How many thematic breaks the template has. */
  rules?: number;
  /** Link targets the writer itself makes (in the source and in the render); the advisory's CWE pages by default. */
  links?: RegExp;
}

/** The only links an advisory makes: its CWE references. */
export const ADVISORY_LINKS = /^https:\/\/cwe\.mitre\.org\/data\/definitions\/\d+\.html$/;

export function assertInert(md: string, options: InertOptions = {}): void {
  const lines = md.split('\n');
  let fence: string | undefined;
  let tableWidth: number | undefined;
  let rules = 0;
  let topHeadings = 0;
  lines.forEach((line, n) => {
    const where = `line ${n + 1}: ${line.slice(0, 200)}`;
    if (fence !== undefined) {
      const close = /^(`{3,})$/.exec(line);
      if (close && close[1].length >= fence.length) fence = undefined;
      return;
    }
    const open = /^(`{3,})([A-Za-z0-9_+-]*)$/.exec(line);
    if (open) {
      fence = open[1];
      return;
    }
    assert.doesNotMatch(line, /^\s{0,3}(?:`{3,}|~{3,})/, `a fence-like line that is not a clean fence, ${where}`);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(line, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/, `invisible character, ${where}`);
    const text = outsideCode(line);
    assert.doesNotMatch(text, /</, `raw < outside code, ${where}`);
    assert.doesNotMatch(text, /&(?!lt;|amp;)/, `entity outside code, ${where}`);
    assert.doesNotMatch(text, /javascript:/i, `javascript: outside code, ${where}`);
    for (const link of text.matchAll(/(?<!\\)\]\(([^)]*)\)/g)) {
      assert.match(link[1], options.links ?? ADVISORY_LINKS, `unexpected link, ${where}`);
    }
    const heading = /^ {0,3}(#{1,6})[ \t]/.exec(line);
    if (heading) {
      const level = heading[1].length;
      if (level <= 2) topHeadings++;
      if (level <= 2) assert.match(line, options.headings ?? /^(# .+|## (Summary|Affected product|Severity overview|Test setup|Findings|Weakness classification|Recommendations|Timeline|Appendix: all findings))$/, `unexpected heading, ${where}`);
      if (level === 3) assert.match(line, /^### \d+\. \S/, `unexpected h3, ${where}`);
    }
    if (/^ {0,3}(?:(?:-[ \t]*){3,}|(?:=[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/.test(line)) rules++;
    if (line.startsWith('|')) {
      const width = tableCells(line).length;
      if (tableWidth === undefined) tableWidth = width;
      assert.equal(width, tableWidth, `table row with ${width} cells, header has ${tableWidth}; ${where}`);
    } else {
      tableWidth = undefined;
    }
  });
  assert.equal(fence, undefined, 'a fence is left open');
  assert.equal(rules, options.rules ?? 1, 'thematic breaks or setext underlines other than the template\'s');
  const html = renderCheck(md);
  // What a renderer makes of it, not only what the line scan above recognises: a heading or link
  // hidden behind list or quote markers, tabs or a setext underline, or a bare URL linkified.
  const rendered = [...html.matchAll(/<h[12][\s>]/g)].length;
  assert.equal(rendered, topHeadings, `rendered h1/h2 headings: ${rendered}, the writer's: ${topHeadings}`);
  assert.equal([...html.matchAll(/<hr\b/g)].length, options.rules ?? 1, 'rendered thematic breaks other than the template\'s');
  for (const a of html.matchAll(/<a\s[^>]*\bhref="([^"]*)"/g)) assert.match(a[1], options.links ?? ADVISORY_LINKS, `rendered link to ${a[1]}`);
}

interface MarkdownIt {
  render(src: string): string;
}

let markdownIt: (new (options: object) => MarkdownIt) | null | undefined;

/** Whether markdown-it (a dev dependency) loads for the render check; the tests require it. */
export function renderCheckAvailable(): boolean {
  if (markdownIt === undefined) {
    try {
      markdownIt = createRequire(__filename)('markdown-it') as new (options: object) => MarkdownIt;
    } catch {
      markdownIt = null;
    }
  }
  return markdownIt !== null;
}

/** Rendered with raw HTML allowed and linkify on: only allowlisted tags, no event handlers, only http(s) links. */
export function renderCheck(md: string): string {
  if (!renderCheckAvailable() || !markdownIt) throw new Error('markdown-it is missing: run npm ci');
  const html = new markdownIt({ html: true, linkify: true }).render(md);
  const allowed = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'code', 'pre', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'strong', 'em', 'a', 'hr', 'blockquote', 'br']);
  for (const m of html.matchAll(/<\/?([A-Za-z][A-Za-z0-9-]*)([^>]*)>/g)) {
    assert.ok(allowed.has(m[1].toLowerCase()), `rendered tag <${m[1]}>: ${m[0].slice(0, 200)}`);
    const attrs = m[2];
    assert.doesNotMatch(attrs, /\bon[a-z]+\s*=/i, `event handler attribute: ${m[0].slice(0, 200)}`);
    for (const a of attrs.matchAll(/\b(?:href|src)="([^"]*)"/g)) assert.match(a[1], /^https?:\/\//, `link target ${a[1]}`);
    assert.doesNotMatch(attrs, /\bsrc=/, `source attribute: ${m[0].slice(0, 200)}`);
  }
  assert.doesNotMatch(html, /<!--/, 'an HTML comment survived');
  return html;
}
