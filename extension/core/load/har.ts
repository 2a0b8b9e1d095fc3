// HAR 1.1/1.2 from any producer. Lenient like a researcher needs: the schema is checked with
// har-validator and every violation becomes a warning with its JSON path, but the capture opens
// with whatever each entry does hold. Producer quirks handled here, with the producer named:
//  - chrome-har writes JSON bodies as `postData.params` whose `value` is an object (no `text`);
//  - Playwright `content: 'omit'` and several browsers leave `content.text` out;
//  - mitmproxy (reverse mode) puts 127.0.0.1 in the URL and the real name only in Host;
//  - Fiddler, Chrome, Safari, Playwright write binary bodies as base64 (`content.encoding`).
import type {
  Body, CaptureSource, Cookie, Exchange, FormParam, HttpRequest, HttpResponse, LoadWarning, NameValue, Page, Timings,
} from '../model';
import { headerValues } from '../model';
import { ContentCache } from '../contentCache';
import { isPlainText } from '../decode/bytes';
import { makeBody, parseCookieHeader, parseQueryString, parseSetCookie, textBytes } from './body';
import { CaptureLoadError } from './errors';
import { isJsonObject, type JsonObject, type JsonValue } from './json';
import { validateHarSchema } from './harSchema';

export interface HarLoadResult {
  exchanges: Exchange[];
  warnings: LoadWarning[];
  pages: Page[];
  source: Partial<CaptureSource>;
}

/** Collects warnings for one file; paths are JSON paths like `$.log.entries[3].request`. */
class Warnings {
  readonly list: LoadWarning[] = [];
  get count(): number {
    return this.list.length;
  }
  add(code: string, message: string, jsonPath: string, entryIndex?: number): void {
    this.list.push({ code, severity: 'warning', message, location: { jsonPath, entryIndex } });
  }
}

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: JsonValue | undefined, fallback = -1): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
}

function obj(value: JsonValue | undefined): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

function arr(value: JsonValue | undefined): JsonValue[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** Values that should be strings but are numbers or booleans (seen in the wild) become their text. */
function textOf(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Longer texts rarely repeat (tokens, long URLs); hashing them to look them up is wasted. */
const MAX_INTERNED_LENGTH = 4096;
/** The table starts over when it holds this many texts and pairs: it bounds memory, not sharing. */
const MAX_INTERNED = 200_000;

/**
 * One string and one `{name, value}` object for each text and pair the capture repeats. Real
 * captures carry the same User-Agent, Accept headers and cookies on thousands of entries, and
 * JSON.parse gives every occurrence its own copy: interned, a large capture takes about half the
 * memory. Pairs are shared between exchanges, so nothing may write into a header, cookie or query
 * pair of a loaded capture (nothing does: the model is read-only after loading).
 */
class Interner {
  private texts = new Map<string, string>();
  private pairs = new Map<string, Map<string, NameValue>>();
  private count = 0;

  text(s: string): string;
  text(s: string | undefined): string | undefined;
  text(s: string | undefined): string | undefined {
    if (s === undefined || s.length > MAX_INTERNED_LENGTH) return s;
    const kept = this.texts.get(s);
    if (kept !== undefined) return kept;
    this.room();
    this.texts.set(s, s);
    return s;
  }

  pair(name: string, value: string): NameValue {
    if (name.length > MAX_INTERNED_LENGTH || value.length > MAX_INTERNED_LENGTH) return { name, value };
    const kept = this.pairs.get(name)?.get(value);
    if (kept) return kept;
    const pair = { name: this.text(name), value: this.text(value) };
    this.room();
    let byValue = this.pairs.get(pair.name);
    if (!byValue) this.pairs.set(pair.name, (byValue = new Map()));
    byValue.set(pair.value, pair);
    return pair;
  }

  private room(): void {
    if (++this.count <= MAX_INTERNED) return;
    // Starting over costs some sharing, never a wrong value; the texts a capture repeats come back at once.
    this.texts = new Map();
    this.pairs = new Map();
    this.count = 1;
  }
}

/** No sharing: for readers whose exchanges are thrown away at once (re-reading one body). */
const NOT_INTERNED = {
  text: <T extends string | undefined>(s: T): T => s,
  pair: (name: string, value: string): NameValue => ({ name, value }),
} as unknown as Interner;

/**
 * HAR arrays of `{name, value, …}` objects (headers, query, cookies): a malformed item is skipped
 * with a warning at its path, and `build` makes the model object from the valid ones.
 */
function namedItems<T>(
  value: JsonValue | undefined, what: string, path: string, warnings: Warnings, entryIndex: number,
  build: (o: JsonObject, name: string) => T,
): T[] {
  const list = arr(value);
  if (!list) return [];
  // map() sizes the array exactly; one grown by push keeps up to half its length again spare.
  if (list.every((item) => isNamed(item))) return list.map((item) => build(item as JsonObject, textOf((item as JsonObject).name) as string));
  const out: T[] = [];
  list.forEach((item, i) => {
    const o = obj(item);
    const name = o ? textOf(o.name) : undefined;
    if (!o || name === undefined) {
      warnings.add('har-bad-item', `expected ${what} with a string "name"; skipped`, `${path}[${i}]`, entryIndex);
      return;
    }
    out.push(build(o, name));
  });
  return out;
}

function isNamed(item: JsonValue): boolean {
  return isJsonObject(item) && textOf(item.name) !== undefined;
}

function nameValues(value: JsonValue | undefined, path: string, warnings: Warnings, entryIndex: number, intern: Interner): NameValue[] {
  return namedItems(value, 'an object', path, warnings, entryIndex, (o, name) => intern.pair(name, textOf(o.value) ?? ''));
}

function cookies(value: JsonValue | undefined, path: string, warnings: Warnings, entryIndex: number, intern: Interner): Cookie[] {
  return namedItems(value, 'a cookie object', path, warnings, entryIndex, (o, name) => {
    const cookiePath = str(o.path);
    const domain = str(o.domain);
    const expires = str(o.expires);
    const sameSite = str(o.sameSite);
    const httpOnly = typeof o.httpOnly === 'boolean' ? o.httpOnly : undefined;
    const secure = typeof o.secure === 'boolean' ? o.secure : undefined;
    const cookieValue = textOf(o.value) ?? '';
    if (cookiePath === undefined && domain === undefined && expires === undefined && sameSite === undefined && httpOnly === undefined && secure === undefined) {
      return intern.pair(name, cookieValue);
    }
    const cookie: Cookie = { name: intern.text(name), value: intern.text(cookieValue) };
    if (cookiePath !== undefined) cookie.path = intern.text(cookiePath);
    if (domain !== undefined) cookie.domain = intern.text(domain);
    if (expires !== undefined) cookie.expires = intern.text(expires);
    if (httpOnly !== undefined) cookie.httpOnly = httpOnly;
    if (secure !== undefined) cookie.secure = secure;
    if (sameSite !== undefined) cookie.sameSite = intern.text(sameSite);
    return cookie;
  });
}

function decodeBase64(text: string): Uint8Array | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
}

/**
 * JSON text of a value the file holds. JSON.parse accepts nesting that JSON.stringify cannot
 * walk back (it recurses), so a hostile value nested thousands deep becomes undefined here.
 */
function stringifyOrUndefined(value: JsonValue): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Bytes of a HAR text field, undoing the file's own base64 when the producer declared it. */
function harTextBytes(
  text: string, encoding: string | undefined, path: string, warnings: Warnings, entryIndex: number, encodingKey = 'encoding',
): Uint8Array {
  if (encoding === undefined || encoding === '') return textBytes(text);
  if (encoding.toLowerCase() === 'base64') {
    const bytes = decodeBase64(text);
    if (bytes) return bytes;
    warnings.add('har-bad-base64', 'declared base64 but is not valid base64; kept as text', `${path}.text`, entryIndex);
    return textBytes(text);
  }
  warnings.add('har-unknown-encoding', `unknown content encoding "${encoding}"; kept as text`, `${path}.${encodingKey}`, entryIndex);
  return textBytes(text);
}

/**
 * A HAR repeats its bodies: polled configs, the same script on every page. Identical body texts
 * share one bytes object: the capture takes less memory, and the scanner recognises a repeat
 * without reading it again. Texts whose conversion raised a warning are not shared, so each
 * place still gets its warning.
 */
class SharedBodies {
  // Without sharing (re-reading one body) nothing is held here. 'recent' (streamed captures, whose
  // bodies are re-read on access) shares within a small bounded cache: a repeated body is then
  // neither converted again here nor read again by the scanner, which knows it by its bytes object.
  private readonly bodies: ContentCache<{ bytes: Uint8Array; isText: boolean }> | undefined;

  constructor(share: boolean | 'recent' = true) {
    this.bodies = share === 'recent'
      ? new ContentCache<{ bytes: Uint8Array; isText: boolean }>(10_000, 2 ** 24, 64 * 1024)
      : share ? new ContentCache<{ bytes: Uint8Array; isText: boolean }>(100_000, 2 ** 30, 2 ** 28) : undefined;
  }

  bytesOf(
    text: string, encoding: string | undefined, path: string, warnings: Warnings, entryIndex: number, encodingKey?: string,
  ): { bytes: Uint8Array; isText?: boolean } {
    const context = encoding ?? '';
    const shared = this.bodies?.get(context, text);
    if (shared) return shared;
    const before = warnings.count;
    const bytes = harTextBytes(text, encoding, path, warnings, entryIndex, encodingKey);
    if (warnings.count !== before) return { bytes };
    const entry = { bytes, isText: isPlainText(bytes) };
    this.bodies?.set(context, text, entry);
    return entry;
  }
}

function formParams(list: JsonValue[], path: string, warnings: Warnings, entryIndex: number): FormParam[] {
  const out: FormParam[] = [];
  list.forEach((item, i) => {
    const o = obj(item);
    const name = o ? textOf(o.name) : undefined;
    if (!o || name === undefined) {
      warnings.add('har-bad-item', 'expected a param object with a string "name"; param skipped', `${path}[${i}]`, entryIndex);
      return;
    }
    const param: FormParam = { name };
    if (o.value !== undefined) {
      const asText = textOf(o.value);
      if (asText !== undefined && typeof o.value === 'string') param.value = asText;
      else {
        // chrome-har writes parsed JSON here (objects, numbers); keep it as JSON text.
        const json = stringifyOrUndefined(o.value);
        if (json === undefined) {
          warnings.add('har-param-too-deep', 'param value is nested too deeply to keep; left out', `${path}[${i}].value`, entryIndex);
        } else param.value = json;
        param.valueWasNonString = true;
      }
    }
    const fileName = str(o.fileName);
    const contentType = str(o.contentType);
    if (fileName !== undefined) param.fileName = fileName;
    if (contentType !== undefined) param.contentType = contentType;
    out.push(param);
  });
  return out;
}

/**
 * Text standing in for a body the producer only wrote as params: JSON when the mime type says so
 * (repeated names become arrays, as chrome-har flattens them), form-urlencoded otherwise.
 */
function bodyFromParams(params: readonly FormParam[], rawList: JsonValue[], mimeType: string): string {
  if (/json/i.test(mimeType)) {
    const rebuilt: Record<string, JsonValue> = Object.create(null) as Record<string, JsonValue>;
    const counts = new Map<string, number>();
    rawList.forEach((item) => {
      const o = obj(item);
      const name = o ? textOf(o.name) : undefined;
      if (name === undefined || !o) return;
      const value = o.value ?? null;
      const seen = counts.get(name) ?? 0;
      counts.set(name, seen + 1);
      if (seen === 0) rebuilt[name] = value;
      else if (seen === 1) rebuilt[name] = [rebuilt[name], value];
      else (rebuilt[name] as JsonValue[]).push(value);
    });
    const json = stringifyOrUndefined(rebuilt);
    if (json !== undefined) return json;
  }
  return params
    .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(p.value ?? '')}`)
    .join('&');
}

function requestBody(
  postData: JsonObject | undefined, headers: NameValue[], bodySize: number, path: string, warnings: Warnings, entryIndex: number,
  bodies: SharedBodies, intern: Interner,
): Body | undefined {
  if (!postData) {
    if (bodySize > 0) {
      return makeBody(new Uint8Array(0), { headers, declaredSize: bodySize, availability: 'omitted', note: 'bodySize > 0 but no postData' });
    }
    return undefined;
  }
  const mimeType = intern.text(str(postData.mimeType) ?? headerValues(headers, 'content-type')[0] ?? '');
  const text = textOf(postData.text);
  const paramList = arr(postData.params);
  const params = paramList ? formParams(paramList, `${path}.params`, warnings, entryIndex) : undefined;
  // Some producers (HTTP Toolkit) mark base64 request bodies with `encoding` or `_encoding`.
  const encodingKey = str(postData.encoding) !== undefined ? 'encoding' : '_encoding';
  const encoding = str(postData.encoding) ?? str(postData._encoding);

  let body: Body;
  if (text !== undefined) {
    const { bytes, isText } = bodies.bytesOf(text, encoding, path, warnings, entryIndex, encodingKey);
    body = makeBody(bytes, { headers, mimeType, fileEncoding: encoding, declaredSize: bodySize, isText });
  } else if (params && params.length > 0 && paramList) {
    const rebuilt = bodyFromParams(params, paramList, mimeType);
    body = makeBody(textBytes(rebuilt), {
      headers, mimeType, declaredSize: bodySize,
      note: 'rebuilt from postData.params: the producer did not record the body text, so these are not the exact bytes sent',
    });
    if (params.some((p) => p.valueWasNonString)) {
      warnings.add('har-params-non-string', 'postData.params has non-string values (chrome-har style); kept as JSON text', `${path}.params`, entryIndex);
    }
  } else {
    body = makeBody(new Uint8Array(0), {
      headers, mimeType, declaredSize: bodySize,
      availability: bodySize > 0 ? 'omitted' : 'empty',
    });
  }
  if (params) body.params = params;
  return body;
}

function responseBody(
  content: JsonObject | undefined, headers: NameValue[], path: string, warnings: Warnings, entryIndex: number, bodies: SharedBodies,
  intern: Interner,
): Body | undefined {
  if (!content) return undefined;
  const mimeType = intern.text(str(content.mimeType) ?? '');
  const size = num(content.size);
  const text = textOf(content.text);
  const encoding = str(content.encoding);
  if (text === undefined) {
    return makeBody(new Uint8Array(0), {
      headers, mimeType, declaredSize: size,
      availability: size > 0 ? 'omitted' : 'empty',
      note: size > 0 ? `the producer recorded a size of ${size} bytes but no content.text` : undefined,
    });
  }
  const { bytes, isText } = bodies.bytesOf(text, encoding, path, warnings, entryIndex);
  const body = makeBody(bytes, { headers, mimeType, fileEncoding: encoding, declaredSize: size, isText });
  // content.size is the decoded size; fewer decoded bytes than that means the producer cut it.
  // Bytes that may still be compressed (brotli has no magic to tell) are smaller by design.
  const decoded = body.contentCoding === 'none' || body.contentCoding === 'already-decoded';
  if (decoded && size > 0 && bytes.length > 0 && bytes.length < size) {
    body.availability = 'truncated';
    body.note = `holds ${bytes.length} of ${size} bytes`;
  }
  return body;
}

function readTimings(value: JsonValue | undefined, total: number): Timings | undefined {
  const t = obj(value);
  if (!t) return undefined;
  return {
    blocked: num(t.blocked), dns: num(t.dns), connect: num(t.connect), ssl: num(t.ssl),
    send: num(t.send), wait: num(t.wait), receive: num(t.receive), total,
  };
}

function splitAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  return address.replace(/^\[(.*)\]$/, '$1');
}

function internCookie(cookie: Cookie, intern: Interner): Cookie {
  cookie.name = intern.text(cookie.name);
  cookie.value = intern.text(cookie.value);
  if (cookie.path !== undefined) cookie.path = intern.text(cookie.path);
  if (cookie.domain !== undefined) cookie.domain = intern.text(cookie.domain);
  if (cookie.expires !== undefined) cookie.expires = intern.text(cookie.expires);
  if (cookie.sameSite !== undefined) cookie.sameSite = intern.text(cookie.sameSite);
  return cookie;
}

function loadEntry(entry: JsonObject, index: number, warnings: Warnings, bodies: SharedBodies, intern: Interner): Exchange | undefined {
  const path = `$.log.entries[${index}]`;
  const req = obj(entry.request);
  if (!req) {
    warnings.add('har-no-request', 'entry has no request object; entry skipped', `${path}.request`, index);
    return undefined;
  }
  const url = textOf(req.url) ?? '';
  const reqHeaders = nameValues(req.headers, `${path}.request.headers`, warnings, index, intern);
  let reqCookies = cookies(req.cookies, `${path}.request.cookies`, warnings, index, intern);
  if (reqCookies.length === 0) {
    reqCookies = headerValues(reqHeaders, 'cookie').flatMap(parseCookieHeader).map((c) => intern.pair(c.name, c.value));
  }
  let query = nameValues(req.queryString, `${path}.request.queryString`, warnings, index, intern);
  if (query.length === 0) {
    const q = url.indexOf('?');
    if (q !== -1) {
      const hash = url.indexOf('#', q);
      query = parseQueryString(url.slice(q + 1, hash === -1 ? undefined : hash)).map((p) => intern.pair(p.name, p.value));
    }
  }
  const request: HttpRequest = {
    method: intern.text(textOf(req.method) ?? ''),
    url,
    httpVersion: intern.text(textOf(req.httpVersion) ?? ''),
    headers: reqHeaders,
    cookies: reqCookies,
    query,
    headersSize: num(req.headersSize),
  };
  const reqBody = requestBody(obj(req.postData), reqHeaders, num(req.bodySize), `${path}.request.postData`, warnings, index, bodies, intern);
  if (reqBody) request.body = reqBody;

  let response: HttpResponse | undefined;
  const res = obj(entry.response);
  if (res) {
    const resHeaders = nameValues(res.headers, `${path}.response.headers`, warnings, index, intern);
    let resCookies = cookies(res.cookies, `${path}.response.cookies`, warnings, index, intern);
    if (resCookies.length === 0) resCookies = headerValues(resHeaders, 'set-cookie').map((v) => internCookie(parseSetCookie(v), intern));
    const content = obj(res.content);
    response = {
      status: num(res.status, 0),
      statusText: intern.text(textOf(res.statusText) ?? ''),
      httpVersion: intern.text(textOf(res.httpVersion) ?? ''),
      headers: resHeaders,
      cookies: resCookies,
      mimeType: intern.text((content && str(content.mimeType)) ?? headerValues(resHeaders, 'content-type')[0] ?? ''),
      headersSize: num(res.headersSize),
    };
    const redirect = str(res.redirectURL);
    if (redirect) response.redirectURL = redirect;
    const resBody = responseBody(content, resHeaders, `${path}.response.content`, warnings, index, bodies, intern);
    if (resBody) response.body = resBody;
  } else {
    warnings.add('har-no-response', 'entry has no response object', `${path}.response`, index);
  }

  const startedDateTime = str(entry.startedDateTime);
  const startedMs = startedDateTime ? Date.parse(startedDateTime) : NaN;
  const durationMs = num(entry.time);
  let scheme = '';
  try {
    scheme = new URL(url).protocol;
  } catch {
    warnings.add('har-bad-url', `request.url is not an absolute URL: ${JSON.stringify(url.slice(0, 200))}`, `${path}.request.url`, index);
  }
  const serverPort = num(entry._serverPort);
  const exchange: Exchange = {
    id: 0,
    origin: { kind: 'har-entry', entryIndex: index, ...(str(entry.pageref) ? { pageref: intern.text(str(entry.pageref)) } : {}) },
    startedMs,
    durationMs,
    request,
    connection: {},
    secure: scheme === 'https:' || scheme === 'wss:',
  };
  if (startedDateTime) exchange.startedDateTime = startedDateTime;
  if (response) exchange.response = response;
  const timings = readTimings(entry.timings, durationMs);
  if (timings) exchange.timings = timings;
  const serverAddress = intern.text(splitAddress(str(entry.serverIPAddress)));
  if (serverAddress) exchange.connection.serverAddress = serverAddress;
  if (serverPort >= 0) exchange.connection.serverPort = serverPort;
  const connectionId = textOf(entry.connection);
  if (connectionId) exchange.connection.id = intern.text(connectionId);

  const extras: Record<string, string | number | boolean> = {};
  for (const key of ['_resourceType', '_securityState', '_fetchType', '_initiator_type', '_priority']) {
    const v = entry[key];
    if (typeof v === 'string') extras[key] = intern.text(v);
    else if (typeof v === 'number' || typeof v === 'boolean') extras[key] = v;
  }
  const wsMessages = arr(entry._webSocketMessages);
  if (wsMessages) extras.webSocketMessages = wsMessages.length;
  if (Object.keys(extras).length > 0) exchange.extras = extras;
  return exchange;
}

function readPages(log: JsonObject, warnings: Warnings): Page[] {
  const list = arr(log.pages);
  if (!list) return [];
  const pages: Page[] = [];
  list.forEach((item, i) => {
    const o = obj(item);
    const id = o ? textOf(o.id) : undefined;
    if (!o || id === undefined) {
      warnings.add('har-bad-page', 'page without a string id; page skipped', `$.log.pages[${i}]`);
      return;
    }
    const page: Page = { id };
    const title = str(o.title);
    const started = str(o.startedDateTime);
    if (title !== undefined) page.title = title;
    if (started !== undefined) page.startedDateTime = started;
    pages.push(page);
  });
  return pages;
}

function readNamed(value: JsonValue | undefined): { name: string; version?: string; comment?: string } | undefined {
  const o = obj(value);
  const name = o ? str(o.name) : undefined;
  if (!o || name === undefined) return undefined;
  const out: { name: string; version?: string; comment?: string } = { name };
  const version = str(o.version);
  const comment = str(o.comment);
  if (version) out.version = version;
  if (comment) out.comment = comment;
  return out;
}

/** The `log` object of a HAR document; throws when there is none. */
export function harLogOf(doc: JsonObject, file: string): JsonObject {
  const log = obj(doc.log);
  if (!log) {
    throw new CaptureLoadError(file, 'no "log" object at the top level', { jsonPath: '$.log' }, 'a HAR document {"log": {"entries": […]}}');
  }
  return log;
}

/**
 * Everything of a HAR outside its entries, read from `log`. The streaming loader calls this on the
 * document with its entries cut out, so both loaders read these parts with the same code.
 */
export function readHarFrame(log: JsonObject): {
  source: Partial<CaptureSource>; pages: Page[]; noEntriesWarnings: LoadWarning[]; pageWarnings: LoadWarning[];
} {
  const source: Partial<CaptureSource> = {};
  const version = str(log.version);
  if (version) source.formatVersion = version;
  const producer = readNamed(log.creator);
  if (producer) source.producer = producer;
  const browser = readNamed(log.browser);
  if (browser) source.browser = { name: browser.name, ...(browser.version ? { version: browser.version } : {}) };
  const noEntries = new Warnings();
  if (!arr(log.entries)) {
    noEntries.add('har-no-entries', 'log.entries is missing or not an array: no requests to show', '$.log.entries');
  }
  const pageWarnings = new Warnings();
  const pages = readPages(log, pageWarnings);
  return { source, pages, noEntriesWarnings: noEntries.list, pageWarnings: pageWarnings.list };
}

export function loadHar(doc: JsonObject, file: string): HarLoadResult {
  const log = harLogOf(doc, file);
  const schema = validateHarSchema(doc);
  const frame = readHarFrame(log);
  const reader = new HarEntryReader();
  (arr(log.entries) ?? []).forEach((item, index) => reader.read(item, index));
  return {
    exchanges: reader.exchanges,
    warnings: [...schema, ...frame.noEntriesWarnings, ...reader.warnings, ...frame.pageWarnings],
    pages: frame.pages,
    source: frame.source,
  };
}

/**
 * Reads `log.entries` one entry at a time, numbering exchanges in order; a bad entry is skipped
 * with a warning. The full load, the preview and the streaming loader all read entries with it.
 */
export class HarEntryReader {
  private readonly list = new Warnings();
  private readonly bodies: SharedBodies;
  private readonly intern: Interner;
  private count = 0;
  /** Kept unless `keep` is false (a streaming loader hands them on instead). */
  readonly exchanges: Exchange[] = [];

  /**
   * `shareBodies: false` keeps no body bytes between entries, `'recent'` only a bounded few (for
   * loaders that drop them); `intern: false` shares no strings either (for a reader whose
   * exchanges are dropped at once).
   */
  constructor(private readonly keep = true, shareBodies: boolean | 'recent' = true, intern = true) {
    this.bodies = new SharedBodies(shareBodies);
    this.intern = intern ? new Interner() : NOT_INTERNED;
  }

  get warnings(): LoadWarning[] {
    return this.list.list;
  }

  read(item: JsonValue, index: number): Exchange | undefined {
    const entry = obj(item);
    if (!entry) {
      this.list.add('har-bad-entry', `entry is ${item === null ? 'null' : typeof item}, not an object; entry skipped`, `$.log.entries[${index}]`, index);
      return undefined;
    }
    const exchange = loadEntry(entry, index, this.list, this.bodies, this.intern);
    if (!exchange) return undefined;
    exchange.id = this.count++;
    if (this.keep) this.exchanges.push(exchange);
    return exchange;
  }
}

/**
 * The first entries of a HAR, read exactly as loadHar reads them (for a preview while the whole
 * file loads), with the creator when it was read before them.
 */
export function loadHarEntries(entries: readonly JsonValue[], creator: JsonValue | undefined): Pick<HarLoadResult, 'exchanges' | 'warnings' | 'source'> {
  const reader = new HarEntryReader();
  entries.forEach((item, index) => reader.read(item, index));
  const producer = readNamed(creator);
  return { exchanges: reader.exchanges, warnings: reader.warnings, source: producer ? { producer } : {} };
}
