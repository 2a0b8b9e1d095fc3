// Inert markdown: helpers that put untrusted text (anything from a capture, and the sidecar, which
// may come from someone else) into a markdown document so that it renders as that text and
// nothing else — no raw HTML, no links or images, no entity tricks, no headings, rules or table
// cells it was not given, no code span or fence it can close early, and no invisible characters
// that reorder or hide what a reader sees.
//
// Which helper for which place:
//  - escapeInline: short text in running prose or a heading (titles, product names, dates).
//  - codeSpan: a value shown verbatim (a header, a URL, a JSON path) inside a line.
//  - tableCell / tableRow: any cell of a GFM table (pipes and newlines cannot add cells or rows).
//  - fencedBlock: multi-line verbatim text (a request line); the fence outlasts any backtick run.
//  - sanitizeMarkdown: the researcher's own notes, kept as markdown (paragraphs, lists, emphasis,
//    code) but with raw HTML, entities, links and images, and top-level headings disarmed.
//  - cleanText: the character-level part all of them share (control and bidi characters shown as
//    `\u202e` escapes).

/**
 * Control characters, bidi controls, invisible separators and fillers (combining grapheme joiner,
 * Hangul fillers, variation selectors, tag characters U+E0000–E007F) and lone surrogates (not \t or \n).
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /\udb40[\udc00-\udc7f]|\u034f|[\ufe00-\ufe0f]|[\u115f\u1160\u3164\uffa0\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeCode(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * The text with control characters (except tab and newline), bidi overrides and isolates,
 * zero-width and other invisible characters, and lone surrogates written as visible `\uXXXX`
 * escapes. CR LF and lone CR become LF. With `singleLine`, newlines and tabs become `\n` and a space.
 */
export function cleanText(text: string, singleLine = false): string {
  const out = text.replace(/\r\n?/g, '\n').replace(INVISIBLE, escapeCode);
  return singleLine ? out.replace(/\n/g, '\\n').replace(/\t/g, ' ') : out;
}

/** At most `max` characters (UTF-16 units, never half a surrogate pair), with `…` when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

// Every ASCII punctuation character CommonMark lets a backslash escape and that starts or ends
// some construct (emphasis, links, code, headings, lists, tables, autolinks, math, …).
const INLINE_SPECIAL = /[\\`*_{}[\]()#+\-.!|~>=:@^$"']/g;

/**
 * Text for running prose or a heading: one line, every markdown-significant character
 * backslash-escaped, `<` and `&` as entities (so no HTML, autolink or entity reference can form).
 */
export function escapeInline(text: string): string {
  return cleanText(text, true)
    .replace(INLINE_SPECIAL, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');
}

/** Longest run of backticks in the text. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 0x60) {
      run++;
      if (run > longest) longest = run;
    } else {
      run = 0;
    }
  }
  return longest;
}

/**
 * A code span showing the text verbatim on one line: the fence is one backtick longer than any
 * run inside, and a space pads content that starts or ends with a backtick or a space (CommonMark
 * strips exactly one on each side). Newlines show as `\n`. Empty text reads `(empty)`.
 */
export function codeSpan(text: string, maxLength = 2000): string {
  const content = truncate(cleanText(text, true), maxLength);
  if (content === '') return '*(empty)*';
  const fence = '`'.repeat(longestBacktickRun(content) + 1);
  const pad = /^[` ]|[` ]$/.test(content) ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * A table cell holding text shown verbatim: a code span when the text has no `|` (GFM splits
 * cells on pipes even inside code spans, and a backslash inside a code span cannot be escaped),
 * otherwise escaped prose with `\|`.
 */
export function tableCode(text: string, maxLength = 300): string {
  const content = truncate(cleanText(text, true), maxLength);
  return content.includes('|') ? escapeInline(content) : codeSpan(content, maxLength);
}

/**
 * Markdown for a table cell built by these helpers: newlines cannot end the row, and any pipe
 * not already escaped is escaped. Do not pass a code span containing `|` (use tableCode).
 */
export function tableCell(markdown: string): string {
  let out = '';
  let backslashes = 0;
  for (const c of markdown.replace(/\r\n?|\n/g, ' ')) {
    if (c === '|' && backslashes % 2 === 0) out += '\\';
    out += c;
    backslashes = c === '\\' ? backslashes + 1 : 0;
  }
  // A cell ending in an odd run of backslashes would escape the separator that follows.
  if (backslashes % 2 === 1) out += '\\';
  return out.trim() === '' ? ' ' : out;
}

/** A GFM table: header cells, alignment per column (`l` or `r`), rows; each cell is markdown. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[] = []): string {
  const line = (cells: readonly string[]): string => {
    const full = header.map((_h, i) => tableCell(cells[i] ?? ''));
    return `| ${full.join(' | ')} |`;
  };
  const delimiter = `| ${header.map((_h, i) => (align[i] === 'r' ? '---:' : '---')).join(' | ')} |`;
  return [line(header), delimiter, ...rows.map(line)].join('\n');
}

/**
 * A fenced code block showing the text verbatim: the fence is backticks, longer than any backtick
 * run in the text (at least three), so no line inside can close it; the info string is reduced to
 * `[A-Za-z0-9_+-]`.
 */
export function fencedBlock(text: string, info = ''): string {
  const content = cleanText(text).replace(/\n+$/, '');
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
  return `${fence}${info.replace(/[^A-Za-z0-9_+-]/g, '')}\n${content}\n${fence}`;
}

/** ASCII punctuation, which a backslash escapes in CommonMark. */
function isAsciiPunctuation(c: string): boolean {
  return /^[!-/:-@[-`{-~]$/.test(c);
}

/**
 * One line of the researcher's markdown outside fenced code: code spans (a backtick run closed by
 * an equal run on the same line) are kept verbatim; elsewhere `<` and `&` become entities and
 * `[`, `]` are escaped, so there is no raw HTML, autolink, entity, link, image or link reference;
 * backslash escapes are kept; a backtick run that does not close on the line is escaped.
 */
function sanitizeLine(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length && isAsciiPunctuation(line[i + 1])) {
      out += line[i + 1] === '<' ? '&lt;' : line[i + 1] === '&' ? '&amp;' : c + line[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      let n = 0;
      while (line[i + n] === '`') n++;
      // The first later run of exactly n backticks closes it.
      let j = i + n;
      let close = -1;
      while (j < line.length) {
        if (line[j] !== '`') {
          j++;
          continue;
        }
        let m = 0;
        while (line[j + m] === '`') m++;
        if (m === n) {
          close = j;
          break;
        }
        j += m;
      }
      if (close === -1) {
        out += '\\`'.repeat(n);
        i += n;
      } else {
        out += line.slice(i, close + n);
        i = close + n;
      }
      continue;
    }
    // `javascript:` and friends stay text even where a renderer would autolink a scheme; so do bare
    // URLs, `www.` and domain names, and e-mail addresses (GFM and linkify make them links): a
    // backslash before `:`, `.` or `@` breaks the link and renders as nothing.
    if (c === ':' && (/(?:javascript|vbscript|data)\s*$/i.test(out.slice(-40)) || line.startsWith('//', i + 1))) out += '\\:';
    else if (c === '@' || (c === '.' && i > 0 && /[A-Za-z0-9_-]/.test(line[i - 1]) && /[A-Za-z0-9]/.test(line[i + 1] ?? ''))) out += `\\${c}`;
    else out += c === '<' ? '&lt;' : c === '&' ? '&amp;' : c === '[' ? '\\[' : c === ']' ? '\\]' : c;
    i++;
  }
  return out;
}

/** A thematic break (`---`, `* * *`, `___`) or a setext underline (`===`, `---`), after its container prefixes. */
/**
 * A thematic break (three or more of `-`, `*` or `_`, spaces between) or a setext underline (`=`
 * or `-` alone). Not a regex: `(?:-[ \t]*){3,}` overflowed V8's regexp stack on a line of millions.
 */
function isRuleOrUnderline(line: string): boolean {
  const marks = line.replace(/[ \t]/g, '');
  if (marks === '') return false;
  const c = marks[0];
  if (c !== '-' && c !== '*' && c !== '_' && c !== '=') return false;
  for (let i = 1; i < marks.length; i++) if (marks[i] !== c) return false;
  // `=` and `-` underline at any length, but only written without spaces; breaks need three.
  if ((c === '=' || c === '-') && /^[ \t]*[-=]+[ \t]*$/.test(line)) return true;
  return c !== '=' && marks.length >= 3;
}
/** One container prefix: a list marker or a block-quote marker, with the indentation before it. */
const CONTAINER = /^[ \t]*(?:(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)[ \t]*|>[ \t]?)/;

/**
 * A line with headings demoted and rules and setext underlines escaped, also behind any number of
 * list and quote markers and any indentation (`- a` then `    - # x`, `> ===`, tabs, `1. 2) # x`):
 * container prefixes are stripped one at a time and the rest checked after each.
 */
function disarmBlockStart(line: string, headingOffset: number): string {
  let prefix = '';
  let rest = line;
  for (let guard = 0; guard < 200; guard++) {
    if (isRuleOrUnderline(rest)) return prefix + rest.replace(/[-=*_]/g, (c) => `\\${c}`);
    const heading = /^([ \t]*)(#{1,6})(?=[ \t]|$)/.exec(rest);
    if (heading) return `${prefix}${heading[1]}${'#'.repeat(Math.min(6, heading[2].length + headingOffset))}${rest.slice(heading[0].length)}`;
    const container = CONTAINER.exec(rest);
    if (!container || container[0] === '') break;
    prefix += container[0];
    rest = rest.slice(container[0].length);
  }
  return prefix + rest;
}

/**
 * The researcher's markdown (annotation notes, the advisory summary and setup) made inert but kept
 * readable: paragraphs, lists, emphasis, block quotes and code spans stay; raw HTML, autolinks,
 * entities, links and images are shown as text; headings are demoted by `headingOffset` levels (so
 * notes cannot open a section of the advisory); setext underlines and `---` rules are escaped.
 * Fenced code is re-fenced at the left margin by fencedBlock (a fence the notes leave open is
 * closed there), so no fence can run on into the rest of the document.
 */
export function sanitizeMarkdown(text: string, headingOffset = 3, maxLength = 20_000): string {
  const lines = truncate(cleanText(text), maxLength).split('\n');
  const out: string[] = [];
  let fence: { char: string; length: number; info: string; content: string[] } | undefined;
  for (const line of lines) {
    if (fence) {
      const close = /^ {0,3}(`{2}`+|~{2}~+)[ \t]*$/.exec(line);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length) {
        out.push(fencedBlock(fence.content.join('\n'), fence.info));
        fence = undefined;
      } else {
        fence.content.push(line);
      }
      continue;
    }
    const open = /^ {0,3}(`{2}`+|~{2}~+)(.*)$/.exec(line);
    if (open && !(open[1][0] === '`' && open[2].includes('`'))) {
      fence = { char: open[1][0], length: open[1].length, info: open[2].trim().split(/\s/)[0] ?? '', content: [] };
      continue;
    }
    const body = disarmBlockStart(line, headingOffset);
    // Tildes after indentation or a list or quote marker could open a fence inside that container
    // (backticks there are escaped as runs that do not close on the line).
    out.push(sanitizeLine(body).replace(/^((?:[ \t]*(?:[-+*]|\d{1,9}[.)]|>))*[ \t]*)(~{2}~+)/, (_m, lead: string, run: string) => lead + '\\~'.repeat(run.length)));
  }
  if (fence) out.push(fencedBlock(fence.content.join('\n'), fence.info));
  return out.join('\n').replace(/\n+$/, '');
}
