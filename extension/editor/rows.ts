// What the capture panel shows, built from a Capture: the summary for the header, the warnings,
// and pages of request-table rows. Pure functions (no vscode), so they are cheap to test.
import { formatLocation } from '../core/load/errors';
import type { Capture, Exchange, HttpResponse, LoadWarning } from '../core/model';
import { exchangeHost } from '../core/model';
import type { CaptureSummary, RowSummary, WarningView } from '../protocol';

/**
 * Caps on the strings a row carries. A row is a one-line summary; a 100 kB query string in every
 * row of a page would make each page message megabytes long. Full values come with the details.
 */
const CAP = { method: 32, code: 64, host: 255, path: 2048, mime: 128, producer: 200, warning: 2000, where: 300 } as const;

export function captureSummary(capture: Capture, fileName: string): CaptureSummary {
  return {
    fileName,
    format: capture.format,
    producer: cap(producerLabel(capture), CAP.producer),
    exchangeCount: capture.exchanges.length,
    warningCount: capture.warnings.length,
  };
}

export function warningViews(warnings: readonly LoadWarning[], max: number): WarningView[] {
  return warnings.slice(0, Math.max(0, max)).map((w) => ({
    code: cap(w.code, CAP.code),
    severity: w.severity === 'info' ? 'info' : 'warning',
    message: cap(w.message, CAP.warning),
    where: cap(formatLocation(w.location), CAP.where),
  }));
}

/** Rows [offset, offset + limit) of the request table; fewer (or none) past the end. */
export function rowPage(capture: Capture, offset: number, limit: number): RowSummary[] {
  const start = Math.max(0, Math.floor(offset));
  const end = Math.min(capture.exchanges.length, start + Math.max(0, Math.floor(limit)));
  const rows: RowSummary[] = [];
  for (let i = start; i < end; i++) rows.push(rowSummary(capture.exchanges[i]));
  return rows;
}

export function rowSummary(exchange: Exchange): RowSummary {
  const response = exchange.response;
  return {
    id: exchange.id,
    method: cap(exchange.request.method, CAP.method),
    host: cap(exchangeHost(exchange), CAP.host),
    path: cap(urlPath(exchange.request.url), CAP.path),
    status: response ? (Number.isFinite(response.status) ? response.status : 0) : null,
    size: responseSize(response),
    mime: cap(response?.mimeType || response?.body?.mimeType || '', CAP.mime),
  };
}

/**
 * Path and query exactly as captured: the URL minus scheme and authority. (`new URL` would
 * re-encode what the app sent, and the raw form is what a researcher needs to see.)
 */
export function urlPath(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  if (!match) return url;
  const rest = url.slice(match[0].length);
  return rest === '' ? '/' : rest;
}

/** Bytes of response body: what the file holds, or what the producer declared when it omitted or cut it. */
function responseSize(response: HttpResponse | undefined): number {
  const body = response?.body;
  if (!body) return -1;
  if (body.availability === 'complete' || body.availability === 'empty') return body.bytes.length;
  return body.declaredSize >= 0 ? body.declaredSize : -1;
}

function producerLabel(capture: Capture): string {
  const producer = capture.source.producer;
  if (!producer) return '';
  const name = [producer.name, producer.version].filter(Boolean).join(' ');
  return producer.comment ? `${name} (${producer.comment})` : name;
}

/** Shorten to at most `max` UTF-16 units, ending in "…", without splitting a surrogate pair. */
export function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
