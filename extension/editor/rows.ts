// What the capture panel shows, built from a Capture and its scan: the summary for the header,
// the warnings, and pages of request-table rows with the kinds each exchange leaks. Pure
// functions (no vscode), so they are cheap to test.
import { formatLocation } from '../core/load/errors';
import { bodyByteLength } from '../core/load/stream/lazy';
import type { Capture, Confidence, Exchange, Finding, HttpResponse, IdentifierKind, LoadWarning } from '../core/model';
import { displayPath, exchangeHost } from '../core/model';
import type { ScanResult } from '../core/scan';
import { confidenceRank } from '../core/detect/index';
import {
  CONFIDENCES,
  FINDING_KINDS,
  MAX_HOST_LENGTH,
  MAX_HOSTS_SENT,
  MAX_PLAIN_HTTP_HOSTS_SENT,
  type AnnotationSeverity,
  type CaptureSummary,
  type FindingConfidence,
  type FindingKind,
  type FindingsSummary,
  type KindCount,
  type PlainHttpHost,
  type RowSummary,
  type WarningView,
} from '../protocol';

// The protocol spells out the kinds and confidences for the webview (which cannot see core/);
// these fail to compile when the two lists drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const KINDS_AGREE: Same<IdentifierKind, FindingKind> = true;
const CONFIDENCES_AGREE: Same<Confidence, FindingConfidence> = true;
void KINDS_AGREE;
void CONFIDENCES_AGREE;

/**
 * Caps on the strings a row carries. A row is a one-line summary; a 100 kB query string in every
 * row of a page would make each page message megabytes long. Full values come with the details.
 */
const CAP = { method: 32, code: 64, host: 255, path: 2048, mime: 128, producer: 200, warning: 2000, where: 300 } as const;

/** `hostCount`: distinct hosts, when the caller has counted them already. */
export function captureSummary(capture: Capture, fileName: string, findings: FindingsSummary = emptyFindingsSummary(), hostCount = distinctHosts(capture)): CaptureSummary {
  return {
    fileName,
    format: capture.format,
    producer: cap(producerLabel(capture), CAP.producer),
    exchangeCount: capture.exchanges.length,
    hostCount,
    warningCount: capture.warnings.length,
    findings,
  };
}

/** What the panel needs from a scan: the header's summary, each exchange's badges and findings. */
export interface ScanView {
  summary: FindingsSummary;
  /** Indexed by exchange id; undefined for exchanges without findings. */
  byExchange: (KindCount[] | undefined)[];
  /** The findings of one exchange, in scan order, without those judged (empty when it has none or the id is unknown). */
  findingsOf(exchangeId: number): readonly Finding[];
  /** Its findings the researcher judged false positive or expected, in scan order. */
  judgedOf(exchangeId: number): readonly Finding[];
}

export interface ScanViewOptions {
  /** The region came from the leaklens.phoneRegion setting. */
  regionFromSetting?: boolean;
  /** Known values the scan looked for. */
  knownValues?: number;
  /** The researcher's judgements (the sidecar): judged findings leave the counts, badges and lists. */
  judgements?: { withoutJudged(result: ScanResult): ScanResult };
}

export function scanView(capture: Capture, result: ScanResult, options: ScanViewOptions = {}): ScanView {
  const shown = options.judgements?.withoutJudged(result) ?? result;
  const n = capture.exchanges.length;
  const findingsOf = findingsIndex(shown.findings, n);
  let judgedOf: (exchangeId: number) => readonly Finding[] = () => [];
  if (shown.findings.length !== result.findings.length) {
    const kept = new Set(shown.findings);
    judgedOf = findingsIndex(result.findings.filter((f) => !kept.has(f)), n);
  }
  return {
    summary: findingsSummary(capture, shown, options),
    byExchange: findingsByExchange(shown.findings, n),
    findingsOf,
    judgedOf,
  };
}

/**
 * Each exchange's findings without a Map of arrays: findings ordered by exchange (stable, so scan
 * order within one) and where each exchange's run starts.
 */
function findingsIndex(findings: readonly Finding[], exchangeCount: number): (exchangeId: number) => readonly Finding[] {
  const starts = new Int32Array(exchangeCount + 1);
  for (const f of findings) if (f.exchangeId >= 0 && f.exchangeId < exchangeCount) starts[f.exchangeId + 1]++;
  for (let i = 0; i < exchangeCount; i++) starts[i + 1] += starts[i];
  const next = starts.slice(0, exchangeCount);
  const ordered = new Array<Finding>(starts[exchangeCount]);
  for (const f of findings) if (f.exchangeId >= 0 && f.exchangeId < exchangeCount) ordered[next[f.exchangeId]++] = f;
  return (id) => (Number.isInteger(id) && id >= 0 && id < exchangeCount ? ordered.slice(starts[id], starts[id + 1]) : []);
}

/** The summary of a scan that could not run: no findings, and why. */
export function failedScanView(capture: Capture, message: string): ScanView {
  return { summary: { ...emptyFindingsSummary(), scanError: cap(message, CAP.warning) }, byExchange: new Array(capture.exchanges.length), findingsOf: () => [], judgedOf: () => [] };
}

export function emptyFindingsSummary(): FindingsSummary {
  return {
    total: 0,
    exchangesWithFindings: 0,
    byConfidence: { high: 0, medium: 0, low: 0 },
    byKind: [],
    defaultRegion: '',
    regionFromSetting: false,
    knownValues: 0,
    plainHttp: [],
    plainHttpHostCount: 0,
    byHost: [],
    hostsWithFindings: 0,
    scanError: '',
  };
}

function distinctHosts(capture: Capture): number {
  const hosts = new Set<string>();
  for (const exchange of capture.exchanges) hosts.add(exchangeHost(exchange));
  return hosts.size;
}

/**
 * The header's findings summary. Bounded whatever the capture holds: one entry per kind, at most
 * MAX_PLAIN_HTTP_HOSTS_SENT hosts (the most serious), host names capped.
 */
export function findingsSummary(capture: Capture, result: ScanResult, options: ScanViewOptions = {}): FindingsSummary {
  const byKind = new KindTally();
  const plain = new Map<string, KindTally>();
  const all = new Map<string, KindTally>();
  // Findings come grouped by exchange: look the host up once per exchange.
  let lastExchange = -1;
  let host: string | undefined;
  let secure = true;
  for (const f of result.findings) {
    byKind.add(f);
    if (f.exchangeId !== lastExchange) {
      const exchange = capture.exchanges[f.exchangeId];
      lastExchange = f.exchangeId;
      host = exchange ? exchangeHost(exchange) : undefined;
      secure = exchange?.secure ?? true;
    }
    if (host === undefined) continue;
    tallyOf(all, host).add(f);
    if (!secure) tallyOf(plain, host).add(f);
  }
  const hosts = mostSeriousHosts(plain);
  const byHost = mostSeriousHosts(all);
  const s = result.summary;
  const region = /^[A-Z]{2}$/.test(s.defaultRegion) ? s.defaultRegion : '';
  return {
    total: count(s.findings),
    exchangesWithFindings: count(s.exchangesWithFindings),
    byConfidence: { high: count(s.byConfidence.high), medium: count(s.byConfidence.medium), low: count(s.byConfidence.low) },
    byKind: byKind.inKindOrder(),
    defaultRegion: region,
    regionFromSetting: options.regionFromSetting === true,
    knownValues: count(options.knownValues ?? 0),
    plainHttp: hosts.slice(0, MAX_PLAIN_HTTP_HOSTS_SENT).map((h) => ({ host: cap(h.host, MAX_HOST_LENGTH), kinds: h.kinds })),
    plainHttpHostCount: hosts.length,
    byHost: byHost.slice(0, MAX_HOSTS_SENT).map((h) => ({ host: cap(h.host, MAX_HOST_LENGTH), kinds: h.kinds, plainHttp: plain.has(h.host) })),
    hostsWithFindings: byHost.length,
    scanError: '',
  };
}

function tallyOf(map: Map<string, KindTally>, host: string): KindTally {
  let tally = map.get(host);
  if (!tally) map.set(host, (tally = new KindTally()));
  return tally;
}

function mostSeriousHosts(tallies: Map<string, KindTally>): PlainHttpHost[] {
  const hosts: PlainHttpHost[] = [...tallies].map(([host, tally]) => ({ host, kinds: tally.mostSeriousFirst() }));
  return hosts.sort(
    (a, b) =>
      seriousness(b.kinds) - seriousness(a.kinds) ||
      totalCount(b.kinds) - totalCount(a.kinds) ||
      (a.host < b.host ? -1 : a.host > b.host ? 1 : 0),
  );
}

/** Each exchange's kinds with counts and best confidence, indexed by exchange id. */
export function findingsByExchange(findings: readonly Finding[], exchangeCount: number): (KindCount[] | undefined)[] {
  const tallies = new Map<number, KindTally>();
  for (const f of findings) {
    if (!Number.isInteger(f.exchangeId) || f.exchangeId < 0 || f.exchangeId >= exchangeCount) continue;
    let tally = tallies.get(f.exchangeId);
    if (!tally) tallies.set(f.exchangeId, (tally = new KindTally()));
    tally.add(f);
  }
  const out = new Array<KindCount[] | undefined>(exchangeCount);
  for (const [id, tally] of tallies) {
    const counts = tally.mostSeriousFirst();
    if (counts.length > 0) out[id] = counts;
  }
  return out;
}

const KIND_RANK = new Map<string, number>(FINDING_KINDS.map((k, i) => [k, i]));

/** Counts and best confidence per kind; kinds the protocol does not know are left out. */
class KindTally {
  private readonly counts = new Map<FindingKind, KindCount>();

  add(f: Pick<Finding, 'kind' | 'confidence'>): void {
    if (!KIND_RANK.has(f.kind) || !(CONFIDENCES as readonly string[]).includes(f.confidence)) return;
    const entry = this.counts.get(f.kind);
    if (!entry) {
      this.counts.set(f.kind, { kind: f.kind, count: 1, confidence: f.confidence });
      return;
    }
    entry.count++;
    if (confidenceRank(f.confidence) > confidenceRank(entry.confidence)) entry.confidence = f.confidence;
  }

  inKindOrder(): KindCount[] {
    return [...this.counts.values()].sort((a, b) => kindRank(a.kind) - kindRank(b.kind));
  }

  mostSeriousFirst(): KindCount[] {
    return [...this.counts.values()].sort((a, b) => confidenceRank(b.confidence) - confidenceRank(a.confidence) || kindRank(a.kind) - kindRank(b.kind));
  }
}


function kindRank(k: FindingKind): number {
  return KIND_RANK.get(k) ?? FINDING_KINDS.length;
}

/** The best confidence among the kinds, as a rank (high 3, medium 2, low 1; 0 for none). */
function seriousness(kinds: readonly KindCount[]): number {
  let best = 0;
  for (const k of kinds) best = Math.max(best, confidenceRank(k.confidence));
  return best;
}

function totalCount(kinds: readonly KindCount[]): number {
  let n = 0;
  for (const k of kinds) n += k.count;
  return n;
}

function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

export function warningViews(warnings: readonly LoadWarning[], max: number): WarningView[] {
  return warnings.slice(0, Math.max(0, max)).map((w) => ({
    code: cap(w.code, CAP.code),
    severity: w.severity === 'info' ? 'info' : 'warning',
    message: cap(w.message, CAP.warning),
    where: cap(formatLocation(w.location), CAP.where),
  }));
}

/**
 * Rows [offset, offset + limit) of the request table; fewer (or none) past the end. `findings`
 * is ScanView.byExchange (rows carry no badges without it).
 */
export function rowPage(capture: Capture, offset: number, limit: number, findings?: readonly (readonly KindCount[] | undefined)[]): RowSummary[] {
  const start = Math.max(0, Math.floor(offset));
  const end = Math.min(capture.exchanges.length, start + Math.max(0, Math.floor(limit)));
  const rows: RowSummary[] = [];
  for (let i = start; i < end; i++) {
    const exchange = capture.exchanges[i];
    rows.push(rowSummary(exchange, findings?.[exchange.id]));
  }
  return rows;
}

export function rowSummary(exchange: Exchange, findings: readonly KindCount[] = [], annotation: AnnotationSeverity | null = null): RowSummary {
  const response = exchange.response;
  return {
    id: exchange.id,
    method: cap(exchange.request.method, CAP.method),
    host: cap(exchangeHost(exchange), CAP.host),
    path: cap(displayPath(exchange.request.url), CAP.path),
    status: response ? (Number.isFinite(response.status) ? response.status : 0) : null,
    size: responseSize(response),
    mime: cap(response?.mimeType || response?.body?.mimeType || '', CAP.mime),
    secure: exchange.secure,
    durationMs: Number.isFinite(exchange.durationMs) && exchange.durationMs >= 0 ? exchange.durationMs : -1,
    findings: findings.map((f) => ({ ...f })),
    annotation,
  };
}

/** Bytes of response body: what the file holds, or what the producer declared when it omitted or cut it. */
export function responseSize(response: HttpResponse | undefined): number {
  const body = response?.body;
  if (!body) return -1;
  // The length without the bytes: a streamed capture's bodies are re-read from the file otherwise.
  if (body.availability === 'complete' || body.availability === 'empty') return bodyByteLength(body);
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
