// Reads packets one at a time (both -T json and -T ek feed it), remembers the HTTP messages,
// TLS names, DNS answers and frame times, then pairs requests with responses and builds exchanges.
import type { DnsAnswer, Exchange, LoadWarning, TsharkVariant } from '../../model';
import { buildExchange, messageLocation, type CaptureFacts } from './exchange';
import { connectionKey, endpointsOf, segmentFrames, type HttpMessage } from './message';
import type { PacketView } from './packets';

export interface TsharkLoadResult {
  exchanges: Exchange[];
  warnings: LoadWarning[];
  dns: DnsAnswer[];
  variant: TsharkVariant;
}

/** Past this many warnings of one code, the rest are counted in one summary warning. */
const WARNINGS_PER_CODE = 50;

export class WarningSink {
  readonly list: LoadWarning[] = [];
  private readonly counts = new Map<string, number>();

  add(warning: LoadWarning): void {
    const n = (this.counts.get(warning.code) ?? 0) + 1;
    this.counts.set(warning.code, n);
    if (n <= WARNINGS_PER_CODE) this.list.push(warning);
  }

  /** Append one summary per code whose warnings were cut. */
  summarise(): LoadWarning[] {
    for (const [code, n] of this.counts) {
      if (n > WARNINGS_PER_CODE) {
        this.list.push({ code, severity: 'info', message: `${n - WARNINGS_PER_CODE} more "${code}" warnings not listed (${n} in all)` });
      }
    }
    return this.list;
  }
}

function toInt(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** 1xx responses other than 101 come before the final response to the same request. */
function isInterim(code: string | undefined): boolean {
  return code !== undefined && /^1\d\d$/.test(code) && code !== '101';
}

function byFrameThenOrder(a: HttpMessage, b: HttpMessage): number {
  return a.frame - b.frame || a.order - b.order;
}

function groupBy<K>(messages: readonly HttpMessage[], key: (m: HttpMessage) => K | undefined): Map<K, HttpMessage[]> {
  const map = new Map<K, HttpMessage[]>();
  for (const m of messages) {
    const k = key(m);
    if (k === undefined) continue;
    const list = map.get(k);
    if (list) list.push(m);
    else map.set(k, [m]);
  }
  return map;
}

/**
 * Pair responses with requests: by tshark's `http.request_in` on the response, then its
 * `http.response_in` on the request, then (for exports without either, such as jsonraw) in order
 * on the same connection, as HTTP/1.1 answers requests in order.
 */
export function pairMessages(requests: readonly HttpMessage[], responses: readonly HttpMessage[]): { responseOf: Map<HttpMessage, HttpMessage>; orphans: HttpMessage[] } {
  const responseOf = new Map<HttpMessage, HttpMessage>();
  const free = (r: HttpMessage): boolean => !responseOf.has(r);

  const requestsByFrame = groupBy(requests, (r) => r.frame);
  let unmatched: HttpMessage[] = [];
  for (const response of responses) {
    const requestFrame = toInt(response.http.first('http.request_in'));
    const request = requestFrame === undefined ? undefined : requestsByFrame.get(requestFrame)?.find(free);
    if (request) responseOf.set(request, response);
    else unmatched.push(response);
  }

  const requestsByResponseFrame = groupBy(requests, (r) => toInt(r.http.first('http.response_in')));
  unmatched = unmatched.filter((response) => {
    const request = requestsByResponseFrame.get(response.frame)?.find(free);
    if (request) responseOf.set(request, response);
    return !request;
  });

  const unlinked = (m: HttpMessage, field: string): boolean => !m.http.has(field);
  const queues = groupBy(requests.filter((r) => free(r) && unlinked(r, 'http.response_in')), (r) => r.connKey);
  const next = new Map<string, number>();
  const orphans = unmatched.filter((response) => {
    if (!unlinked(response, 'http.request_in')) return true;
    const queue = queues.get(response.connKey) ?? [];
    const i = next.get(response.connKey) ?? 0;
    if (i >= queue.length || queue[i].frame > response.frame) return true;
    responseOf.set(queue[i], response);
    next.set(response.connKey, i + 1);
    return false;
  });
  return { responseOf, orphans };
}

export class TsharkCollector {
  private readonly requests: HttpMessage[] = [];
  private readonly responses: HttpMessage[] = [];
  private readonly dns: DnsAnswer[] = [];
  private readonly sink = new WarningSink();
  private readonly facts: CaptureFacts = {
    frameTimes: new Map(),
    sniByConnection: new Map(),
    tlsConnections: new Set(),
    namesByAddress: new Map(),
    headersFromFields: [],
    warn: (w) => this.sink.add(w),
  };
  private rawBytes = false;
  private hexOnlyPackets = 0;
  private framesGuessed = 0;
  private http2Packets = 0;

  warn(warning: LoadWarning): void {
    this.sink.add(warning);
  }

  /** Read one packet; `fallbackFrame` is its position, used when the export has no frame.number. */
  add(packet: PacketView, fallbackFrame: number): void {
    let frame = fallbackFrame;
    try {
      const number = packet.frameNumber();
      if (number !== undefined) frame = number;
      else if (packet.hexOnly) this.hexOnlyPackets++;
      else this.framesGuessed++;
      const time = packet.timeMs();
      if (Number.isFinite(time)) this.facts.frameTimes.set(frame, time);
      if (packet.rawBytes) this.rawBytes = true;
      if (packet.hasLayer('tls')) this.readTls(packet, 'tls');
      if (packet.hasLayer('ssl')) this.readTls(packet, 'ssl');
      if (packet.hasLayer('dns')) this.readDns(packet, frame);
      if (packet.hasLayer('http2')) this.http2Packets++;
      if (packet.hasLayer('http')) this.readHttp(packet, frame, time);
    } catch (err) {
      this.warn({
        code: 'tshark-packet-error',
        severity: 'warning',
        message: `frame ${frame} could not be read (${(err as Error).message}); it was skipped`,
        location: { frame, jsonPath: packet.layersPath, ...(packet.line !== undefined ? { line: packet.line } : {}) },
      });
    }
    for (const name of packet.malformed) {
      this.warn({
        code: 'tshark-malformed-layer',
        severity: 'warning',
        message: `frame ${frame}: the "${name}" layer is not an object; it was ignored`,
        location: { frame, jsonPath: `${packet.layersPath}.${name}`, ...(packet.line !== undefined ? { line: packet.line } : {}) },
      });
    }
  }

  private readTls(packet: PacketView, layer: 'tls' | 'ssl'): void {
    const key = connectionKey(endpointsOf(packet));
    this.facts.tlsConnections.add(key);
    for (const tls of packet.layer(layer)) {
      const sni = tls.first(`${layer}.handshake.extensions_server_name`);
      if (sni && !this.facts.sniByConnection.has(key)) this.facts.sniByConnection.set(key, sni);
    }
  }

  private readDns(packet: PacketView, frame: number): void {
    for (const dns of packet.layer('dns')) {
      const addresses = [...dns.all('dns.a'), ...dns.all('dns.aaaa')];
      const name = dns.first('dns.qry.name') ?? dns.first('dns.resp.name');
      if (addresses.length === 0 || !name) continue;
      this.dns.push({ name, addresses, frame });
      for (const address of addresses) {
        const names = this.facts.namesByAddress.get(address);
        if (!names) this.facts.namesByAddress.set(address, [name]);
        else if (!names.includes(name)) names.push(name);
      }
    }
  }

  private readHttp(packet: PacketView, frame: number, timeMs: number): void {
    const layers = packet.layer('http');
    if (layers.length === 0) return;
    const endpoints = endpointsOf(packet);
    const connKey = connectionKey(endpoints);
    const frames = segmentFrames(packet, frame);
    layers.forEach((http, order) => {
      // Layers with neither (continuation data, a bare body) start no message.
      const kind = http.has('http.request.method') ? 'request' : http.has('http.response.code') ? 'response' : undefined;
      if (!kind || (kind === 'response' && isInterim(http.first('http.response.code')))) return;
      const message: HttpMessage = { kind, packet, http, order, frame, timeMs, endpoints, connKey, frames };
      (kind === 'request' ? this.requests : this.responses).push(message);
    });
  }

  finish(duplicateKeys: boolean): TsharkLoadResult {
    const requests = [...this.requests].sort(byFrameThenOrder);
    const responses = [...this.responses].sort(byFrameThenOrder);
    const { responseOf, orphans } = pairMessages(requests, responses);
    const exchanges: Exchange[] = [];
    for (const request of requests) {
      try {
        exchanges.push(buildExchange(exchanges.length, request, responseOf.get(request), this.facts));
      } catch (err) {
        this.warn({
          code: 'tshark-exchange-error',
          severity: 'warning',
          message: `the request in frame ${request.frame} could not be read (${(err as Error).message}); it was skipped`,
          location: messageLocation(request),
        });
      }
    }
    for (const response of orphans) {
      this.warn({
        code: 'tshark-orphan-response',
        severity: 'warning',
        message: `the response in frame ${response.frame} has no request in this capture; it is not shown as an exchange`,
        location: messageLocation(response),
      });
    }
    this.summaryWarnings(requests);
    return {
      exchanges,
      warnings: this.sink.summarise(),
      dns: this.dns,
      variant: { duplicateKeys, rawBytes: this.rawBytes },
    };
  }

  private summaryWarnings(requests: readonly HttpMessage[]): void {
    if (this.hexOnlyPackets > 0) {
      this.warn({
        code: 'tshark-jsonraw',
        severity: 'info',
        message: `tshark -T jsonraw writes only bytes: frame numbers are taken from packet order, times are unknown, and responses are paired with requests in order on each connection (${this.hexOnlyPackets} packets)`,
      });
    }
    if (this.framesGuessed > 0) {
      this.warn({
        code: 'tshark-no-frame-number',
        severity: 'info',
        message: `${this.framesGuessed} packet(s) have no frame.number; their position in the file was used instead`,
      });
    }
    const rebuilt = this.facts.headersFromFields;
    if (rebuilt.length > 0) {
      this.warn({
        code: 'tshark-headers-from-fields',
        severity: 'info',
        message: `${rebuilt.length} message(s) have no header lines (frames ${rebuilt.slice(0, 10).join(', ')}${rebuilt.length > 10 ? ', …' : ''}); their headers were rebuilt from named http.* fields and may be incomplete`,
      });
    }
    if (this.http2Packets > 0) {
      this.warn({
        code: 'tshark-http2',
        severity: 'info',
        message: `${this.http2Packets} packet(s) carry HTTP/2, which this loader does not read yet`,
      });
    }
    const withHttp = new Set(requests.map((r) => r.connKey));
    const encrypted = [...this.facts.tlsConnections].filter((k) => !withHttp.has(k));
    if (encrypted.length > 0) {
      const names = [...new Set(encrypted.map((k) => this.facts.sniByConnection.get(k)).filter((n): n is string => n !== undefined))];
      this.warn({
        code: 'tshark-encrypted',
        severity: 'info',
        message: `${encrypted.length} TLS connection(s) show no HTTP (encrypted without keys)${names.length > 0 ? `; server names: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}` : ''}`,
      });
    }
  }
}
