// Turn a request message and its response (as tshark dissected them) into a model Exchange.
import type { Body, Connection, Exchange, HttpRequest, HttpResponse, LoadWarning, NameValue } from '../../model';
import { headerValues } from '../../model';
import { contentEncodings, makeBody, parseCookieHeader, parseQueryString, parseSetCookie } from '../body';
import { bodySource } from './bodies';
import { messageHeaders, type HttpMessage } from './message';

/** What the whole capture knows that a single exchange needs. */
export interface CaptureFacts {
  /** frame.time_epoch in ms by frame number. */
  frameTimes: Map<number, number>;
  /** TLS SNI by connection key. */
  sniByConnection: Map<string, string>;
  /** Connections where a TLS layer was seen. */
  tlsConnections: Set<string>;
  /** DNS names by the address they resolved to. */
  namesByAddress: Map<string, string[]>;
  /** Frames whose headers had to be rebuilt from named fields (no header lines in the export). */
  headersFromFields: number[];
  warn(warning: LoadWarning): void;
}

export function messageLocation(message: HttpMessage): LoadWarning['location'] {
  const several = message.packet.layer('http').length > 1;
  return {
    frame: message.frame,
    jsonPath: `${message.packet.layersPath}.http${several ? `[${message.order}]` : ''}`,
    ...(message.packet.line !== undefined ? { line: message.packet.line } : {}),
  };
}

function contentLength(headers: readonly NameValue[]): number | undefined {
  const value = headerValues(headers, 'content-length')[0]?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function buildBody(message: HttpMessage, headers: NameValue[], bodyless: boolean, facts: CaptureFacts): Body | undefined {
  const codings = contentEncodings(headers);
  const source = bodySource(message, bodyless, codings);
  if (!source) return undefined;
  if (source.replacedBytes > 0) {
    facts.warn({
      code: 'tshark-lossy-body',
      severity: 'warning',
      message: `the ${message.kind} body in frame ${message.frame} is only in tshark's http.file_data text, where ${source.replacedBytes} non-ASCII byte(s) became U+FFFD; export with tshark -x (or -T json with tcp.payload) for exact bytes`,
      location: messageLocation(message),
    });
  }
  return makeBody(source.bytes, {
    headers,
    mimeType: headerValues(headers, 'content-type')[0],
    declaredSize: contentLength(headers),
    availability: source.availability,
    note: source.note,
  });
}

function hostForUrl(address: string | undefined, port: number | undefined, secure: boolean): string {
  const host = address === undefined ? 'unknown-host' : address.includes(':') ? `[${address}]` : address;
  const defaultPort = secure ? 443 : 80;
  return port !== undefined && port !== defaultPort ? `${host}:${port}` : host;
}

/** http.request.full_uri when tshark wrote it; otherwise scheme + Host + request target. */
function requestUrl(request: HttpMessage, headers: NameValue[], secure: boolean): string {
  const full = request.http.first('http.request.full_uri');
  if (full) return full;
  const uri = request.http.first('http.request.uri') ?? '/';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return uri; // proxy-form target
  const scheme = secure ? 'https' : 'http';
  const host = headerValues(headers, 'host')[0]?.trim()
    || hostForUrl(request.endpoints.dst, request.endpoints.dstPort, secure);
  if (request.http.first('http.request.method') === 'CONNECT') return `${scheme}://${uri}`;
  return `${scheme}://${host}${uri.startsWith('/') || uri === '*' ? uri : `/${uri}`}`;
}

function queryOf(url: string): NameValue[] {
  const q = url.indexOf('?');
  if (q === -1) return [];
  const hash = url.indexOf('#', q);
  return parseQueryString(url.slice(q + 1, hash === -1 ? undefined : hash));
}

function headersSize(startLine: string, headers: readonly NameValue[]): number {
  return headers.reduce((n, h) => n + h.name.length + 2 + h.value.length + 2, startLine.length + 2 + 2);
}

function buildRequest(message: HttpMessage, secure: boolean, facts: CaptureFacts): HttpRequest {
  const http = message.http;
  const { headers, fromNamedFields } = messageHeaders(http, 'request');
  if (fromNamedFields) facts.headersFromFields.push(message.frame);
  const method = http.first('http.request.method') ?? '';
  const httpVersion = http.first('http.request.version') ?? '';
  const url = requestUrl(message, headers, secure);
  const request: HttpRequest = {
    method,
    url,
    httpVersion,
    headers,
    cookies: headerValues(headers, 'cookie').flatMap(parseCookieHeader),
    query: queryOf(url),
    headersSize: headersSize(`${method} ${http.first('http.request.uri') ?? ''} ${httpVersion}`, headers),
  };
  const body = buildBody(message, headers, false, facts);
  if (body && body.bytes.length > 0) request.body = body;
  return request;
}

function isBodyless(status: number, requestMethod: string): boolean {
  return (status >= 100 && status < 200) || status === 204 || status === 304 || requestMethod === 'HEAD';
}

function buildResponse(message: HttpMessage, requestMethod: string, facts: CaptureFacts): HttpResponse {
  const http = message.http;
  const { headers, fromNamedFields } = messageHeaders(http, 'response');
  if (fromNamedFields) facts.headersFromFields.push(message.frame);
  const code = http.first('http.response.code') ?? '';
  const status = /^\d+$/.test(code) ? Number(code) : 0;
  const statusText = http.first('http.response.phrase') ?? '';
  const httpVersion = http.first('http.response.version') ?? '';
  const response: HttpResponse = {
    status,
    statusText,
    httpVersion,
    headers,
    cookies: headerValues(headers, 'set-cookie').map(parseSetCookie),
    mimeType: headerValues(headers, 'content-type')[0] ?? '',
    headersSize: headersSize(`${httpVersion} ${code} ${statusText}`, headers),
  };
  const location = headerValues(headers, 'location')[0];
  if (location !== undefined) response.redirectURL = location;
  const body = buildBody(message, headers, isBodyless(status, requestMethod), facts);
  if (body) response.body = body;
  return response;
}

function buildConnection(request: HttpMessage, facts: CaptureFacts): Connection {
  const e = request.endpoints;
  const connection: Connection = {};
  if (e.src !== undefined) connection.clientAddress = e.src;
  if (e.srcPort !== undefined) connection.clientPort = e.srcPort;
  if (e.dst !== undefined) connection.serverAddress = e.dst;
  if (e.dstPort !== undefined) connection.serverPort = e.dstPort;
  const sni = facts.sniByConnection.get(request.connKey);
  if (sni !== undefined) connection.tlsSni = sni;
  const names = e.dst === undefined ? undefined : facts.namesByAddress.get(e.dst);
  if (names) connection.dnsNames = [...names];
  if (e.stream !== undefined) connection.id = e.stream;
  return connection;
}

function isSecure(request: HttpMessage, facts: CaptureFacts): boolean {
  const full = request.http.first('http.request.full_uri');
  if (full !== undefined) return full.toLowerCase().startsWith('https:');
  return facts.tlsConnections.has(request.connKey) || request.endpoints.dstPort === 443;
}

/** Start of the request: its first segment's time when known, else its own frame's. */
function startTime(request: HttpMessage, facts: CaptureFacts): number {
  const first = facts.frameTimes.get(request.frames[0]);
  if (first === undefined || !Number.isFinite(first)) return request.timeMs;
  return Number.isFinite(request.timeMs) ? Math.min(first, request.timeMs) : first;
}

export function buildExchange(id: number, request: HttpMessage, response: HttpMessage | undefined, facts: CaptureFacts): Exchange {
  const secure = isSecure(request, facts);
  const httpRequest = buildRequest(request, secure, facts);
  const startedMs = startTime(request, facts);
  const frames = new Set(request.frames);
  for (const f of response?.frames ?? []) frames.add(f);
  const exchange: Exchange = {
    id,
    origin: {
      kind: 'tshark-frames',
      requestFrame: request.frame,
      ...(response ? { responseFrame: response.frame } : {}),
      frames: [...frames].sort((a, b) => a - b),
      packetIndex: request.packet.index,
    },
    startedMs,
    durationMs: response && Number.isFinite(startedMs) && Number.isFinite(response.timeMs) ? Math.max(0, response.timeMs - startedMs) : -1,
    request: httpRequest,
    connection: buildConnection(request, facts),
    secure,
  };
  // A Date holds ±8.64e15 ms; a hostile frame.time_epoch beyond that must not drop the request.
  if (Number.isFinite(startedMs) && Math.abs(startedMs) <= 8.64e15) exchange.startedDateTime = new Date(startedMs).toISOString();
  if (response) exchange.response = buildResponse(response, httpRequest.method, facts);
  return exchange;
}
