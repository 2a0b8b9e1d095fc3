// A captured request as a curl command a researcher can paste into a POSIX shell (sh, bash, zsh,
// dash) to replay it. Other shells (fish, PowerShell, cmd) quote differently: the action says
// "POSIX shell".
//
// Capture text is hostile: every argument is single-quoted (`'` written as `'\''`), which a POSIX
// shell reads literally, newlines included, so nothing in it is ever expanded or run. The command
// is pasted into a terminal, and there control characters act before any shell reads a quote
// (Ctrl+C drops the line, ESC sequences end bracketed paste): none ever goes into the command.
// A body with them (or that is not text) is written to a file by a `printf` of octal escapes and
// sent with `--data-binary @file`; a header with them goes to a headers file the same way (`-H
// @file`), unless it holds a line break or NUL, which no header line can carry: then it is left out
// with a note saying so. Control characters in the URL are percent-encoded. Notes are `: '…'`
// lines (a no-op with a quoted argument), never `#` comments, which interactive zsh runs.
import type { Exchange, NameValue } from './model';
import { isHeaderNamed } from './model';

/** File the binary body is written to (in the current directory). */
export const BODY_FILE = 'leaklens-body.bin';
/** File headers with control characters are written to. */
export const HEADERS_FILE = 'leaklens-headers.txt';

/**
 * Characters that must never reach a terminal in a pasted command: C0 controls but the newline
 * (which a single-quoted word carries safely), DEL, C1 controls, line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- control characters are what is matched
const PASTE_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
/** In a header line, URL or cookie the newline is unsafe too. */
// eslint-disable-next-line no-control-regex -- control characters are what is matched
const LINE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Bodies inlined as text up to this many characters; larger ones are left out with a note. */
export const MAX_INLINE_TEXT = 1024 * 1024;
/**
 * Longest body passed as one argument (Linux refuses to start a program with an argument over
 * 128 KiB); longer ones are written to BODY_FILE by printf, a shell builtin with no such limit.
 */
export const MAX_ARGUMENT_BYTES = 64 * 1024;
/** Binary bodies written by printf up to this many bytes. */
export const MAX_INLINE_BINARY = 256 * 1024;

/** One shell word, single-quoted: `it's` → `'it'\''s'`. Lone surrogates become U+FFFD. */
export function shellQuote(text: string): string {
  return `'${wellFormed(text).replace(/'/g, `'\\''`)}'`;
}

function wellFormed(text: string): string {
  // A lone surrogate cannot be written as UTF-8; the clipboard would mangle it anyway.
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/**
 * A note line: `: 'text'`, the shell's no-op command with one quoted argument. Not `# text`:
 * interactive zsh does not take `#` as a comment (so `$(…)` or `;` in a note would run). Capture
 * text in it is flattened to one line of printable characters.
 */
function comment(text: string): string {
  return `: ${shellQuote(text.replace(LINE_UNSAFE, ' '))}`;
}

function hasLineUnsafe(text: string): boolean {
  LINE_UNSAFE.lastIndex = 0;
  return LINE_UNSAFE.test(text);
}

/** printf format writing these bytes exactly: every byte as an octal escape (no `%`, no `\`, no quote left). */
function printfBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += `\\${b.toString(8).padStart(3, '0')}`;
  return out;
}

const PSEUDO = /^:/;
const FROM_FILE = Symbol('from file');

/** Headers curl should send as captured: no HTTP/2 pseudo-headers, no Content-Length (curl computes it). */
function replayedHeaders(headers: readonly NameValue[]): NameValue[] {
  return headers.filter((h) => !PSEUDO.test(h.name) && !isHeaderNamed(h, 'content-length'));
}

/**
 * The request as a curl command: method, URL, every header, cookies, and the body as captured.
 * Notes on what could not be replayed exactly come first, as comment lines.
 */
export function curlCommand(exchange: Exchange): string {
  const req = exchange.request;
  const notes: string[] = [];
  const prelude: string[] = [];
  /** Groups of shell words; each group goes on its own line. */
  const args: string[][] = [];
  const body = req.body;
  /** The body as text to inline, or FROM_FILE when it is read from BODY_FILE. */
  let data: string | typeof FROM_FILE | undefined;
  let dropContentEncoding = false;

  if (body && body.availability === 'omitted') {
    notes.push(`the request body was not recorded by the producer${body.declaredSize > 0 ? ` (${body.declaredSize} bytes declared)` : ''}; it is not sent`);
  } else if (body && body.bytes.length > 0) {
    if (body.availability === 'truncated') notes.push('the capture holds only part of the request body; only that part is sent');
    if (body.note) notes.push(`request body: ${body.note}`);
    if (body.contentEncoding.length > 0 && body.contentCoding === 'already-decoded') {
      // The bytes are decoded: sending them with the Content-Encoding header would lie to the server.
      dropContentEncoding = true;
      notes.push(`the capture holds the body with Content-Encoding ${body.contentEncoding.join(', ')} already undone, so that header is left out`);
    }
    if (body.isText && !body.bytes.includes(0)) {
      if (body.bytes.length > MAX_INLINE_TEXT * 3) {
        notes.push(`the request body (${body.bytes.length} bytes) is too large to inline; save it as ${BODY_FILE} to send it`);
        data = FROM_FILE;
      } else {
        const text = Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength).toString('utf8');
        if (text.length > MAX_INLINE_TEXT) {
          notes.push(`the request body (${text.length} characters) is too large to inline; save it as ${BODY_FILE} to send it`);
          data = FROM_FILE;
        } else if (PASTE_UNSAFE.test(text)) {
          // Control characters must not reach the terminal: the printf line writes them from octal escapes.
          if (body.bytes.length <= MAX_INLINE_BINARY) {
            notes.push(`the request body holds control characters: the printf line writes it to ${BODY_FILE}`);
            prelude.push(`printf ${shellQuote(printfBytes(body.bytes))} > ${BODY_FILE}`);
          } else {
            notes.push(`the request body holds control characters and is too large to inline (${body.bytes.length} bytes); save it as ${BODY_FILE} to send it`);
          }
          data = FROM_FILE;
        } else if (text.startsWith('@') || body.bytes.length > MAX_ARGUMENT_BYTES) {
          // --data-binary reads `@name` as a file name, and a program takes no argument over
          // 128 KiB: such a text goes through the file.
          prelude.push(`printf '%s' ${shellQuote(text)} > ${BODY_FILE}`);
          data = FROM_FILE;
        } else {
          data = text;
        }
      }
    } else if (body.bytes.length <= MAX_INLINE_BINARY) {
      notes.push(`the request body is binary (${body.bytes.length} bytes): the printf line writes it to ${BODY_FILE}`);
      prelude.push(`printf ${shellQuote(printfBytes(body.bytes))} > ${BODY_FILE}`);
      data = FROM_FILE;
    } else {
      notes.push(`the request body is binary and too large to inline (${body.bytes.length} bytes); save it as ${BODY_FILE} to send it`);
      data = FROM_FILE;
    }
  }

  let method = req.method || 'GET';
  if (hasLineUnsafe(method)) {
    notes.push(`the method ${JSON.stringify(method.slice(0, 40))} holds control characters; GET is used instead`);
    method = 'GET';
  }
  const first: string[] = [];
  if (method === 'HEAD' && data === undefined) first.push('--head');
  else if (!((method === 'GET' && data === undefined) || (method === 'POST' && data !== undefined))) first.push('-X', shellQuote(method));

  const version = req.httpVersion.toUpperCase();
  if (version === 'HTTP/1.0') first.push('--http1.0');
  else if (version === 'HTTP/2' || version === 'HTTP/2.0' || version === 'H2') first.push('--http2');

  let url = req.url;
  if (hasLineUnsafe(url)) {
    notes.push('the URL holds control characters; they are percent-encoded');
    url = url.replace(LINE_UNSAFE, (c) => encodeURIComponent(c));
  }
  // curl reads [] and {} in URLs as globs: turn that off when they occur.
  if (/[[\]{}]/.test(url)) first.push('--globoff');
  // A URL starting with `-` would be read as an option.
  if (url.startsWith('-')) first.push('--url', shellQuote(url));
  else first.push(shellQuote(url));
  args.push(first);

  let hasCookieHeader = false;
  let acceptsEncoding = false;
  /** Header lines with control characters (or a name curl would read as a file): written to HEADERS_FILE. */
  const fileHeaders: string[] = [];
  for (const h of replayedHeaders(req.headers)) {
    if (dropContentEncoding && isHeaderNamed(h, 'content-encoding')) continue;
    // eslint-disable-next-line no-control-regex -- NUL and line breaks are what is matched
    if (/[\u0000\r\n\u2028\u2029]/.test(h.name + h.value)) {
      notes.push(`header ${JSON.stringify(h.name.slice(0, 100))} holds a NUL or a line break, which no header line can carry; it is left out`);
      continue;
    }
    if (isHeaderNamed(h, 'cookie')) hasCookieHeader = true;
    if (isHeaderNamed(h, 'accept-encoding')) acceptsEncoding = true;
    // `Name:` with nothing after it tells curl to remove the header; `Name;` sends it empty.
    const line = h.value === '' ? `${h.name};` : `${h.name}: ${h.value}`;
    // curl reads `-H @name` as a file of headers.
    if (hasLineUnsafe(line) || line.startsWith('@')) fileHeaders.push(line);
    else args.push(['-H', shellQuote(line)]);
  }
  if (fileHeaders.length > 0) {
    notes.push(`${fileHeaders.length === 1 ? 'a header holds' : `${fileHeaders.length} headers hold`} control characters: the printf line writes ${fileHeaders.length === 1 ? 'it' : 'them'} to ${HEADERS_FILE}`);
    prelude.push(`printf ${shellQuote(printfBytes(Buffer.from(fileHeaders.map((l) => `${wellFormed(l)}\n`).join(''), 'utf8')))} > ${HEADERS_FILE}`);
    args.push(['-H', `@${HEADERS_FILE}`]);
  }
  if (!hasCookieHeader && req.cookies.length > 0) {
    const cookies = req.cookies.filter((c) => !hasLineUnsafe(c.name + c.value));
    if (cookies.length < req.cookies.length) notes.push(`${req.cookies.length - cookies.length} cookies hold control characters; they are left out`);
    if (cookies.length > 0) args.push(['-b', shellQuote(cookies.map((c) => `${c.name}=${c.value}`).join('; '))]);
  }
  if (acceptsEncoding) args.push(['--compressed']);
  if (data === FROM_FILE) args.push(['--data-binary', `@${BODY_FILE}`]);
  else if (data !== undefined) args.push(['--data-binary', shellQuote(data)]);

  const lines = [...notes.map(comment), ...prelude];
  lines.push(`curl ${args.map((group) => group.join(' ')).join(' \\\n  ')}`);
  return lines.join('\n');
}
