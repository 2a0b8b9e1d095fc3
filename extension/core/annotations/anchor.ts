// Tying annotations to exchanges in a way that survives the capture changing under them. An
// exchange id is only its position in one file: re-export the capture, or let a tool reorder its
// entries, and position 12 is another request. So an anchor also carries a fingerprint (method,
// URL, start time, SHA-256 of the request body), and resolving an anchor says how it matched, or
// that it is an orphan and why — it never attaches a note to a request that merely sits where the
// old one was.
//
// What a re-export may change without changing the request: headers, cookies, timings, the
// response, the order of entries, the spelling of the start time (another time zone offset,
// fewer fraction digits) and of the URL (host case, default port, percent-encoding). What it may
// not: method, URL after normalisation, request body bytes, start instant.
import { createHash } from 'node:crypto';
import type { Capture, Exchange, Finding } from '../model';
import type { ExchangeAnchor, FindingRef } from './model';

export interface AnchorResolution {
  anchor: ExchangeAnchor;
  /** The exchange the anchor designates in this capture; undefined for an orphan. */
  exchangeId: number | undefined;
  /**
   * `index`: at its recorded position with the same fingerprint; `fingerprint`: found elsewhere
   * (reordered or re-exported); `orphan`: no exchange, or no single exchange, is this request.
   */
  how: 'index' | 'fingerprint' | 'orphan';
  /** For people: why it matched where it did, or why not at all. */
  reason: string;
}

function bodySha256(exchange: Exchange): string | undefined {
  const bytes = exchange.request.body?.bytes;
  // No body and an empty body are the same request: producers differ in writing `postData: {text: ""}`.
  if (!bytes || bytes.length === 0) return undefined;
  return createHash('sha256').update(bytes).digest('hex');
}

function startOf(exchange: Exchange): string | undefined {
  if (exchange.startedDateTime !== undefined) return exchange.startedDateTime;
  return Number.isFinite(exchange.startedMs) ? new Date(exchange.startedMs).toISOString() : undefined;
}

/** The anchor for an exchange of the capture as it is now. */
export function anchorOf(exchange: Exchange): ExchangeAnchor {
  const anchor: ExchangeAnchor = { index: exchange.id, method: exchange.request.method, url: exchange.request.url };
  const started = startOf(exchange);
  if (started !== undefined) anchor.startedDateTime = started;
  const sha = bodySha256(exchange);
  if (sha !== undefined) anchor.requestBodySha256 = sha;
  return anchor;
}

/** URL as WHATWG parsing writes it (host case, default port, escapes), or as given when it does not parse. */
function normalUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** The request-line part of the fingerprint, the key candidates are looked up by. */
function requestKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${normalUrl(url)}`;
}

/**
 * Same start instant. Both parsed to milliseconds; when either was written without fractional
 * seconds, compared to the second (a producer that drops the fraction did not move the request).
 * Unknown on either side does not count against a match: the other parts of the fingerprint decide.
 */
export function sameStart(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === b) return true;
  const ma = Date.parse(a);
  const mb = Date.parse(b);
  if (Number.isNaN(ma) || Number.isNaN(mb)) return false;
  const fractional = /:\d\d[.,]\d/;
  if (!fractional.test(a) || !fractional.test(b)) return Math.floor(ma / 1000) === Math.floor(mb / 1000);
  return ma === mb;
}

/** Identity of an anchor (index and fingerprint; unknown fields do not count). */
export function anchorKey(a: ExchangeAnchor): string {
  return JSON.stringify([a.index, a.method, a.url, a.startedDateTime ?? null, a.requestBodySha256 ?? null]);
}

/**
 * Resolve anchors against a capture, one result per anchor in the same order.
 *  1. The exchange at the anchor's index, when its fingerprint matches.
 *  2. Otherwise the exchanges with the same fingerprint not already taken by a different anchor:
 *     one → that one; several → the nearest to the old index; two equally near → orphan
 *     (ambiguous: identical requests the file no longer tells apart).
 *  3. None → orphan, with the nearest miss in the reason (same request, other body or start time).
 * Identical anchors (several annotations on one exchange) share their exchange.
 */
export function resolveAnchors(capture: Capture, anchors: readonly ExchangeAnchor[]): AnchorResolution[] {
  const exchanges = capture.exchanges;
  const shaCache = new Map<number, string | undefined>();
  const shaOf = (exchange: Exchange): string | undefined => {
    if (!shaCache.has(exchange.id)) shaCache.set(exchange.id, bodySha256(exchange));
    return shaCache.get(exchange.id);
  };
  const sameRequestLine = (anchor: ExchangeAnchor, exchange: Exchange): boolean =>
    (exchange.request.method === anchor.method && exchange.request.url === anchor.url) ||
    requestKey(exchange.request.method, exchange.request.url) === requestKey(anchor.method, anchor.url);
  const matches = (anchor: ExchangeAnchor, exchange: Exchange): boolean =>
    sameRequestLine(anchor, exchange) && shaOf(exchange) === anchor.requestBodySha256 && sameStart(anchor.startedDateTime, startOf(exchange));

  const results: (AnchorResolution | undefined)[] = anchors.map(() => undefined);
  /** Which anchor (by key) each exchange went to, so two different anchors do not share one. */
  const claimedBy = new Map<number, string>();

  anchors.forEach((anchor, i) => {
    const exchange = exchanges[anchor.index];
    if (exchange && matches(anchor, exchange)) {
      results[i] = { anchor, exchangeId: exchange.id, how: 'index', reason: `exchange ${exchange.id}, as recorded` };
      claimedBy.set(exchange.id, anchorKey(anchor));
    }
  });

  // Exchanges by request line, built only when some anchor moved.
  let byRequest: Map<string, Exchange[]> | undefined;
  anchors.forEach((anchor, i) => {
    if (results[i]) return;
    if (!byRequest) {
      byRequest = new Map();
      for (const exchange of exchanges) {
        const key = requestKey(exchange.request.method, exchange.request.url);
        const list = byRequest.get(key);
        if (list) list.push(exchange);
        else byRequest.set(key, [exchange]);
      }
    }
    const key = anchorKey(anchor);
    const sameLine = byRequest.get(requestKey(anchor.method, anchor.url)) ?? [];
    const fingerprinted = sameLine.filter((exchange) => matches(anchor, exchange));
    const free = fingerprinted.filter((exchange) => (claimedBy.get(exchange.id) ?? key) === key);
    const distance = (exchange: Exchange): number => Math.abs(exchange.id - anchor.index);
    free.sort((a, b) => distance(a) - distance(b) || a.id - b.id);
    const chosen = free[0];
    if (chosen && (free.length === 1 || distance(free[1]) !== distance(chosen))) {
      claimedBy.set(chosen.id, key);
      const others = free.length > 1 ? `; ${free.length - 1} identical request(s) further away` : '';
      results[i] = { anchor, exchangeId: chosen.id, how: 'fingerprint', reason: `moved from exchange ${anchor.index} to ${chosen.id} (same method, URL, start time and body)${others}` };
      return;
    }
    results[i] = { anchor, exchangeId: undefined, how: 'orphan', reason: orphanReason(anchor, sameLine, fingerprinted, free, shaOf) };
  });
  return results as AnchorResolution[];
}

function orphanReason(
  anchor: ExchangeAnchor,
  sameLine: readonly Exchange[],
  fingerprinted: readonly Exchange[],
  free: readonly Exchange[],
  shaOf: (exchange: Exchange) => string | undefined,
): string {
  const request = `${anchor.method} ${anchor.url}`;
  if (free.length > 1) {
    return `ambiguous: exchanges ${free.map((e) => e.id).join(', ')} are all ${request} with the same start time and body, equally near the recorded position ${anchor.index}`;
  }
  if (fingerprinted.length > 0) {
    return `the matching exchange(s) ${fingerprinted.map((e) => e.id).join(', ')} already belong to another anchor`;
  }
  if (sameLine.length === 0) return `no exchange is ${request}`;
  const sameBody = sameLine.filter((e) => shaOf(e) === anchor.requestBodySha256);
  const ids = (list: readonly Exchange[]): string => list.slice(0, 5).map((e) => e.id).join(', ') + (list.length > 5 ? ', …' : '');
  if (sameBody.length > 0) return `exchange(s) ${ids(sameBody)} are ${request} with the same body but started at another time`;
  return `exchange(s) ${ids(sameLine)} are ${request} but with another request body`;
}

/** A finding named by what does not change between scans. */
export function findingRefOf(finding: Finding): FindingRef {
  return { kind: finding.kind, value: finding.value, part: finding.part, fieldPath: finding.fieldPath, chain: [...finding.chain] };
}

export function sameFinding(ref: FindingRef, finding: Finding | FindingRef): boolean {
  return (
    ref.kind === finding.kind &&
    ref.value === finding.value &&
    ref.part === finding.part &&
    ref.fieldPath === finding.fieldPath &&
    ref.chain.length === finding.chain.length &&
    ref.chain.every((step, i) => step === finding.chain[i])
  );
}

/** Identity of a finding reference (unknown fields do not count). */
export function findingKey(ref: FindingRef): string {
  return JSON.stringify([ref.kind, ref.value, ref.part, ref.fieldPath, ref.chain]);
}
