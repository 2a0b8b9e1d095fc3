// `leaklens scan --format json`: a stable, versioned document (see docs/scan-json.md).
import type { Capture, DecodeLimitHit, Finding, LoadWarning } from '../model';
import { exchangeHost } from '../model';
import type { ScanResult, ScanSummary } from '../scan';
import { chainText } from './chain';

export const SCAN_JSON_SCHEMA = 'leaklens-scan';
export const SCAN_JSON_VERSION = 1;

export interface ScanJsonFinding extends Finding {
  chainText: string;
  exchange: { index: number; method: string; host: string; url: string; secure: boolean; status?: number };
}

export interface ScanJsonFile {
  path: string;
  /** Set when the file could not be opened; nothing else but `path` is then present. */
  error?: string;
  format?: Capture['format'];
  producer?: string;
  exchangeCount?: number;
  warnings?: LoadWarning[];
  summary?: ScanSummary;
  findings?: ScanJsonFinding[];
  decodeLimits?: DecodeLimitHit[];
}

export interface ScanJson {
  schema: typeof SCAN_JSON_SCHEMA;
  version: typeof SCAN_JSON_VERSION;
  tool: { name: 'leaklens'; version: string };
  files: ScanJsonFile[];
}

export function findingWithExchange(capture: Capture, f: Finding): ScanJsonFinding {
  const ex = capture.exchanges[f.exchangeId];
  const exchange: ScanJsonFinding['exchange'] = {
    index: f.exchangeId, method: ex.request.method, host: exchangeHost(ex), url: ex.request.url, secure: ex.secure,
  };
  if (ex.response) exchange.status = ex.response.status;
  return { ...f, chainText: chainText(f.chain), exchange };
}

export function scanJsonFile(path: string, capture: Capture, result: ScanResult): ScanJsonFile {
  const p = capture.source.producer;
  return {
    path,
    format: capture.format,
    producer: p ? [p.name, p.version].filter(Boolean).join(' ') : undefined,
    exchangeCount: capture.exchanges.length,
    warnings: capture.warnings,
    summary: result.summary,
    findings: result.findings.map((f) => findingWithExchange(capture, f)),
    decodeLimits: result.limits,
  };
}

export function scanJson(files: ScanJsonFile[], version: string): ScanJson {
  return { schema: SCAN_JSON_SCHEMA, version: SCAN_JSON_VERSION, tool: { name: 'leaklens', version }, files };
}
