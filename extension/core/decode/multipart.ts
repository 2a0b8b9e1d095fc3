// multipart/form-data (and other multipart/*): split at the boundary from the Content-Type, or
// sniffed from a body that starts with `--boundary` and a line break. Part bodies are bytes:
// they may be JSON, text, gzip or binary, and are decoded further by the driver.
import { toBuffer } from './bytes';

export interface Part {
  name?: string;
  filename?: string;
  contentType?: string;
  body: Buffer;
}

const BOUNDARY_PARAM = /;\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^;\s]{1,200}))/i;
const SNIFF = /^--(?!-*\r?\n)(\S{1,200})\r?\n/;

export function isMultipartType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*multipart\//i.test(contentType);
}

export function boundaryFromContentType(contentType: string | undefined): string | undefined {
  if (!isMultipartType(contentType)) return undefined;
  const m = BOUNDARY_PARAM.exec(contentType as string);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The boundary a body starts with, when it looks like multipart (a part header follows). */
export function sniffBoundary(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8 || bytes[0] !== 0x2d || bytes[1] !== 0x2d) return undefined;
  const head = toBuffer(bytes).subarray(0, 512).toString('latin1');
  const m = SNIFF.exec(head);
  if (!m) return undefined;
  return /^content-(disposition|type)\s*:/im.test(head.slice(m[0].length)) ? m[1] : undefined;
}

function param(header: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const m = re.exec(header);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2].trim();
}

/** The parts, or undefined when the boundary does not occur. A missing final boundary is tolerated. */
export function parseMultipart(bytes: Uint8Array, boundary: string): Part[] | undefined {
  const buf = toBuffer(bytes);
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let pos = buf.indexOf(delimiter);
  if (pos === -1) return undefined;
  const parts: Part[] = [];
  while (pos !== -1) {
    let at = pos + delimiter.length;
    if (buf[at] === 0x2d && buf[at + 1] === 0x2d) break; // closing delimiter
    const lineEnd = buf.indexOf(0x0a, at);
    if (lineEnd === -1) break;
    at = lineEnd + 1;
    // The next delimiter must start a line.
    let next = buf.indexOf(delimiter, at);
    while (next !== -1 && buf[next - 1] !== 0x0a) next = buf.indexOf(delimiter, next + 1);
    let end = next === -1 ? buf.length : next - 1;
    if (next !== -1 && buf[end - 1] === 0x0d) end--;
    if (end < at) end = at;
    const content = buf.subarray(at, end);
    let headerEnd = content.indexOf('\r\n\r\n');
    let bodyStart = headerEnd + 4;
    if (content[0] === 0x0d && content[1] === 0x0a) {
      headerEnd = 0; // no headers
      bodyStart = 2;
    } else if (content[0] === 0x0a) {
      headerEnd = 0;
      bodyStart = 1;
    } else if (headerEnd === -1) {
      headerEnd = content.indexOf('\n\n');
      bodyStart = headerEnd + 2;
    }
    const part: Part = { body: headerEnd === -1 ? content.subarray(content.length) : content.subarray(bodyStart) };
    const headers = (headerEnd === -1 ? content : content.subarray(0, headerEnd)).toString('utf8');
    for (const line of headers.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon === -1) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-disposition') {
        part.name = param(value, 'name');
        part.filename = param(value, 'filename');
      } else if (name === 'content-type') {
        part.contentType = value;
      }
    }
    parts.push(part);
    pos = next;
  }
  return parts.length > 0 ? parts : undefined;
}
