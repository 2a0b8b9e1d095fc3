// SARIF 2.1.0 for CI: one rule per identifier kind, one result per finding, located by the
// capture file and a logical location naming the exchange and the field.
import { pathToFileURL } from 'node:url';
import type { Confidence, IdentifierKind } from '../model';
import type { ScanJsonFile } from './json';
import { cleanText } from './markdown';

const KIND_TITLES: Record<IdentifierKind, string> = {
  imei: 'IMEI (device hardware identity)',
  imsi: 'IMSI (SIM subscriber identity)',
  iccid: 'ICCID (SIM card number)',
  meid: 'MEID (CDMA device identity)',
  phone: 'phone number',
  email: 'email address',
  mac: 'MAC address or BSSID',
  android_id: 'Android ID',
  ad_id: 'advertising ID (GAID/IDFA)',
  serial: 'device serial number',
  geo: 'geographic coordinates',
  carrier: 'mobile carrier',
  known_value: "researcher's known value",
};

const KINDS = Object.keys(KIND_TITLES) as IdentifierKind[];

function ruleId(kind: IdentifierKind): string {
  return `leaklens/${kind}`;
}

function level(confidence: Confidence): 'error' | 'warning' | 'note' {
  return confidence === 'high' ? 'error' : confidence === 'medium' ? 'warning' : 'note';
}

function artifactUri(path: string): string {
  return /^[a-z]+:\/\//i.test(path) ? path : pathToFileURL(path).href;
}

/**
 * A plain-text SARIF message holding capture text: viewers show it as is, so control and bidi
 * characters become `\u202e` escapes, and `[` `]` are escaped as SARIF §3.11.6 asks, so the
 * capture cannot make an embedded link (`[text](https://…)`).
 */
export function sarifText(text: string): string {
  return cleanText(text, true).replace(/[[\]]/g, (c) => `\\${c}`);
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: unknown[];
}

export function toSarif(files: readonly ScanJsonFile[], toolVersion: string): SarifLog {
  const artifacts = files.map((f) => ({ location: { uri: artifactUri(f.path) } }));
  const results = files.flatMap((file, artifactIndex) => (file.findings ?? []).map((f) => {
    const where = `${f.exchange.method} ${f.exchange.host} (exchange ${f.exchange.index}), ${f.part} ${f.fieldPath}`;
    const scheme = f.exchange.secure ? 'HTTPS' : 'plain HTTP';
    return {
      ruleId: ruleId(f.kind),
      ruleIndex: KINDS.indexOf(f.kind),
      level: level(f.confidence),
      message: {
        text: sarifText(`${KIND_TITLES[f.kind]} ${f.value} sent to ${f.exchange.host} over ${scheme}: ${where}, via ${f.chainText}.` +
          (f.known ? ` Matches ${f.known.learnedFrom ? 'a value learned from this capture' : 'a known value'} (${f.known.variant}).` : '')),
      },
      locations: [{
        physicalLocation: { artifactLocation: { uri: artifactUri(file.path), index: artifactIndex } },
        logicalLocations: [{
          name: f.fieldPath,
          fullyQualifiedName: `exchanges[${f.exchange.index}].${f.part}.${f.fieldPath}${f.chain.length ? ` | ${f.chainText}` : ''}`,
          kind: 'member',
        }],
      }],
      partialFingerprints: { 'leaklens/v1': `${f.kind}:${f.value}:${f.exchange.method}:${f.exchange.url}:${f.part}:${f.fieldPath}:${f.chainText}` },
      properties: {
        confidence: f.confidence, detector: f.detector, chain: f.chain, matchedText: f.matchedText, reasons: f.reasons,
        exchangeIndex: f.exchange.index, url: f.exchange.url, secure: f.exchange.secure,
      },
    };
  }));
  const notifications = files.filter((f) => f.error).map((f) => ({
    level: 'error', message: { text: sarifText(f.error ?? '') }, locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(f.path) } } }],
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'LeakLens',
          version: toolVersion,
          rules: KINDS.map((kind) => ({
            id: ruleId(kind),
            name: kind.replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase()) + 'Leak',
            shortDescription: { text: `A ${KIND_TITLES[kind]} leaves the device.` },
            fullDescription: { text: `The capture shows a ${KIND_TITLES[kind]} sent in network traffic, possibly encoded (base64, gzip, JSON, …) or hashed.` },
            defaultConfiguration: { level: 'error' },
            properties: { tags: ['privacy', 'pii'] },
          })),
        },
      },
      artifacts,
      results,
      invocations: [{ executionSuccessful: notifications.length === 0, toolExecutionNotifications: notifications }],
    }],
  };
}
