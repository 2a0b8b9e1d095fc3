// The markdown advisory: what a researcher sends to a vendor (and later publishes) about the
// identifiers an app leaks. Built from the scan's findings and, when there is one, the sidecar's
// annotations and advisory metadata; nothing here re-parses a capture.
//
// Without annotations the advisory still reports the scan: one issue per destination host and
// transport, plain-HTTP ones first. With annotations, one issue per annotation, most severe first.
//
// Safety (see markdown.ts and redact.ts): every text from a capture or a sidecar goes through
// redactSecrets (credentials, tokens, JWT signatures) and, unless `includeOwnValues`, the
// identifier masker (every value the scan found or the researcher declared), then into a code
// span, a fenced block, an escaped text or a sanitised-markdown block. Template placeholders are
// replaced in one pass, so a value that reads `{{appendix}}` stays text.
//
// Template placeholders (all optional; unknown ones are left as written):
//   {{title}}           advisory title, one line (sidecar advisory.title, else generated)
//   {{byline}}          "Reported by RESEARCHER on DATE." (date alone without a researcher)
//   {{date}}            generation date, YYYY-MM-DD
//   {{researcher}}      sidecar advisory.researcher, escaped
//   {{summary}}         the researcher's summary (markdown), then a generated paragraph of scan facts
//   {{product}}         affected product, vendor, versions, and the destination hosts
//   {{setup}}           the researcher's test setup (markdown), then capture files, client user agents, known values
//   {{timeline}}        sidecar timeline entries, capture times and the generation date, in date order
//   {{severityTable}}   one table row per issue: severity, identifiers, destinations, transport, CWE
//   {{annotations}}     one `###` section per issue: what leaks, evidence per exchange, notes
//   {{findings}}        the same as {{annotations}}
//   {{cwe}}             CWE references that fit (CWE-359, CWE-319, CWE-328) with the issues they apply to
//   {{recommendations}} recommendations for the vendor, from what was found
//   {{appendix}}        counts by destination × identifier kind, then every finding (capped)
//   {{captures}}        one line per capture file: format, producer, exchanges
//   {{redaction}}       what was removed and masked
//   {{generator}}       "Generated with LeakLens on DATE."
import type { AdvisoryMeta, Annotation, ExchangeAnchor, FindingRef, FindingStateName, Severity, Sidecar } from '../annotations/model';
import { anchorKey, resolveAnchors } from '../annotations/anchor';
import { SEVERITIES } from '../annotations/model';
import { normaliseKnown, parseKnownFile, type KnownValue } from '../detect/known';
import type { Capture, Exchange, ExchangePart, Finding, IdentifierKind } from '../model';
import { displayPath, exchangeHost, headerValues } from '../model';
import type { ScanResult } from '../scan';
import { chainText } from './chain';
import { cleanText, codeSpan, escapeInline, fencedBlock, sanitizeMarkdown, table, tableCode, truncate } from './markdown';
import { IdentifierMasker, isDerivedVariant, maskIdentifier, redactSecrets, redactSecretValues, redactUrl, withholdJwtPayloads, type MaskEntry } from './redact';

export interface AdvisoryCapture {
  /** The capture's path or name as the advisory names it (its base name is shown). */
  file: string;
  capture: Capture;
  scan: ScanResult;
  sidecar?: Sidecar;
  /** Exchange id an anchor names in this capture, or undefined when it is orphaned (annotations/anchor.ts). */
  resolve?: (anchor: ExchangeAnchor) => number | undefined;
}

export interface AdvisoryOptions {
  /** Show identifier values in full instead of masked (secrets are removed regardless). */
  includeOwnValues?: boolean;
  /** A template with {{placeholders}}; DEFAULT_ADVISORY_TEMPLATE when absent. */
  template?: string;
  /** The generation date (tests pin it). */
  now?: Date;
  /** The researcher's own values beyond the sidecars' (settings, --known): masked wherever they appear. */
  known?: readonly KnownValue[];
}

export interface AdvisoryInput {
  captures: readonly AdvisoryCapture[];
  options?: AdvisoryOptions;
}

export const ADVISORY_PLACEHOLDERS = [
  'title', 'byline', 'date', 'researcher', 'summary', 'product', 'setup', 'timeline', 'severityTable', 'annotations',
  'findings', 'cwe', 'recommendations', 'appendix', 'captures', 'redaction', 'generator',
] as const;
export type AdvisoryPlaceholder = (typeof ADVISORY_PLACEHOLDERS)[number];

export const DEFAULT_ADVISORY_TEMPLATE = `# {{title}}

{{byline}}

## Summary

{{summary}}

## Affected product

{{product}}

## Severity overview

{{severityTable}}

## Test setup

{{setup}}

## Findings

{{annotations}}

## Weakness classification

{{cwe}}

## Recommendations

{{recommendations}}

## Timeline

{{timeline}}

## Appendix: all findings

{{appendix}}

---

{{redaction}}

{{generator}}
`;

/** Issues reported as sections; the rest are in the appendix. */
const MAX_ISSUES = 100;
/** Exchanges shown as evidence per issue, and findings per exchange. */
const MAX_EXCHANGES_PER_ISSUE = 6;
const MAX_FINDINGS_PER_EXCHANGE = 15;
/** Rows of the appendix's finding list and of its count table. */
const MAX_APPENDIX_FINDINGS = 1000;
const MAX_APPENDIX_HOSTS = 300;

/** How the advisory names each identifier kind (table headers, titles). */
export const KIND_LABEL: Readonly<Record<IdentifierKind, string>> = {
  imei: 'IMEI', imsi: 'IMSI', iccid: 'ICCID', meid: 'MEID', serial: 'serial number', phone: 'phone number',
  email: 'e-mail address', geo: 'location', mac: 'MAC address', android_id: 'Android ID', ad_id: 'advertising ID',
  known_value: 'known value', carrier: 'mobile carrier',
};
/** Kinds in the order they are listed: hardware and SIM identity first, carrier last. */
const KIND_ORDER: IdentifierKind[] = ['imei', 'imsi', 'iccid', 'meid', 'serial', 'phone', 'email', 'geo', 'mac', 'android_id', 'ad_id', 'known_value', 'carrier'];
const HARDWARE: ReadonlySet<IdentifierKind> = new Set(['imei', 'imsi', 'iccid', 'meid', 'serial', 'mac']);
const PERSONAL: ReadonlySet<IdentifierKind> = new Set(['phone', 'email', 'geo']);
const RESETTABLE: ReadonlySet<IdentifierKind> = new Set(['android_id', 'ad_id']);

const PART_PLACE: Record<ExchangePart, (field: string) => string> = {
  url: () => 'the URL path',
  query: (f) => `query parameter ${f}`,
  request_header: (f) => `request header ${f}`,
  request_cookie: (f) => `cookie ${f}`,
  request_body: () => 'the request body',
  response_header: (f) => `response header ${f}`,
  response_cookie: (f) => `cookie ${f} set by the response`,
  response_body: () => 'the response body',
};

const TRANSFORM_NAME: Record<string, string> = {
  base64: 'base64', base64url: 'base64url', hex: 'hex', url: 'percent-encoded', gzip: 'gzip', zlib: 'zlib',
  deflate: 'deflate', brotli: 'brotli', 'jwt:payload': 'JWT payload', 'jwt:header': 'JWT header',
};

const CWES = {
  359: { title: 'Exposure of Private Personal Information to an Unauthorized Actor', url: 'https://cwe.mitre.org/data/definitions/359.html' },
  319: { title: 'Cleartext Transmission of Sensitive Information', url: 'https://cwe.mitre.org/data/definitions/319.html' },
  328: { title: 'Use of Weak Hash', url: 'https://cwe.mitre.org/data/definitions/328.html' },
} as const;
type CweId = keyof typeof CWES;

interface Item {
  capture: number;
  finding: Finding;
  exchange: Exchange;
  host: string;
  secure: boolean;
  state?: FindingStateName;
}

interface Issue {
  /** Inline markdown; `cell` for a table cell (code spans without pipes). */
  title: (cell: boolean) => string;
  severity: Severity;
  items: Item[];
  /** Exchanges the issue is about, as capture index and exchange id (annotations may name some without findings). */
  exchanges: { capture: number; id: number }[];
  annotation?: Annotation;
  /** Anchors that no longer name an exchange. */
  orphans: { capture: number; anchor: ExchangeAnchor }[];
  /** Findings the annotation lists that this scan did not report. */
  unmatched: FindingRef[];
}

function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function listText(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut === -1 ? path : path.slice(cut + 1);
}

function sortKinds(kinds: Iterable<IdentifierKind>): IdentifierKind[] {
  return [...new Set(kinds)].sort((a, b) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b));
}

function refKey(exchangeId: number, f: Pick<FindingRef, 'kind' | 'value' | 'part' | 'fieldPath' | 'chain'>): string {
  return [exchangeId, f.kind, f.value, f.part, f.fieldPath, f.chain.join('\u0001')].join('\u0000');
}

function isoDate(d: Date): string {
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 10);
}

/**
 * Anchor → exchange id for a capture and its sidecar, by annotations/anchor.ts: all anchors of the
 * sidecar resolved together (so two anchors never claim one exchange). The default when a capture
 * comes without `resolve`.
 */
export function sidecarResolver(capture: Capture, sidecar: Sidecar | undefined): (anchor: ExchangeAnchor) => number | undefined {
  const anchors = [
    ...(sidecar?.annotations ?? []).flatMap((a) => a.exchanges ?? []),
    ...(sidecar?.findingStates ?? []).map((s) => s.exchange),
  ].filter((x): x is ExchangeAnchor => x !== undefined && x !== null);
  const byKey = new Map<string, number | undefined>();
  if (anchors.length > 0) for (const r of resolveAnchors(capture, anchors)) if (!byKey.has(anchorKey(r.anchor))) byKey.set(anchorKey(r.anchor), r.exchangeId);
  return (anchor) => byKey.get(anchorKey(anchor));
}

/** The sidecar's known values (the leaklens.knownValues shape), ignoring a malformed entry rather than failing. */
function sidecarKnown(sidecar: Sidecar | undefined, file: string): KnownValue[] {
  if (!sidecar?.knownValues) return [];
  try {
    return parseKnownFile(sidecar.knownValues, file);
  } catch {
    const out: KnownValue[] = [];
    for (const [key, value] of Object.entries(sidecar.knownValues)) {
      try {
        out.push(...parseKnownFile({ [key]: value }, file));
      } catch {
        // not usable as a known value
      }
    }
    return out;
  }
}

class Advisory {
  readonly include: boolean;
  readonly now: Date;
  readonly masker = new IdentifierMasker();
  readonly items: Item[] = [];
  readonly meta: AdvisoryMeta = {};
  falsePositives = 0;
  knownCount = 0;
  private readonly states: Map<string, FindingStateName>[] = [];
  private readonly resolvers: ((anchor: ExchangeAnchor) => number | undefined)[] = [];
  private readonly byExchange: Map<number, Finding[]>[] = [];

  constructor(readonly captures: readonly AdvisoryCapture[], options: AdvisoryOptions) {
    this.include = options.includeOwnValues === true;
    this.now = options.now ?? new Date();
    const known: KnownValue[] = [...(options.known ?? [])];
    captures.forEach((c, index) => {
      known.push(...sidecarKnown(c.sidecar, c.file));
      this.mergeMeta(c.sidecar?.advisory);
      const states = new Map<string, FindingStateName>();
      for (const s of c.sidecar?.findingStates ?? []) {
        const id = this.resolve(index, s.exchange);
        if (id !== undefined) states.set(refKey(id, s.finding), s.state);
      }
      this.states.push(states);
      // Values the researcher recorded (annotations' findings, judged findings) are masked too,
      // also when this scan no longer reports them.
      const refs = [...(c.sidecar?.annotations ?? []).flatMap((an) => an.findings ?? []), ...(c.sidecar?.findingStates ?? []).map((st) => st.finding)];
      for (const ref of refs) {
        if (ref && typeof ref.value === 'string' && typeof ref.kind === 'string' && ref.kind in KIND_LABEL) this.addValueMask(ref.kind, ref.value);
      }
      for (const finding of c.scan.findings) {
        const exchange = c.capture.exchanges[finding.exchangeId];
        if (!exchange) continue;
        const state = states.get(refKey(finding.exchangeId, finding));
        this.addMask(finding);
        if (state === 'false-positive') {
          this.falsePositives++;
          continue;
        }
        this.items.push({ capture: index, finding, exchange, host: exchangeHost(exchange), secure: exchange.secure, state });
      }
    });
    this.knownCount = known.length;
    for (const k of known) {
      const kind: IdentifierKind = k.kind === 'string' ? 'known_value' : k.kind;
      this.masker.add({ kind, text: k.value });
      const canonical = normaliseKnown(k.kind, k.value);
      if (canonical) this.masker.add({ kind, text: canonical });
    }
  }

  private mergeMeta(meta: AdvisoryMeta | undefined): void {
    if (!meta) return;
    const m = this.meta;
    if (m.title === undefined && typeof meta.title === 'string') m.title = meta.title;
    if (m.summary === undefined && typeof meta.summary === 'string') m.summary = meta.summary;
    if (m.product === undefined && typeof meta.product === 'string') m.product = meta.product;
    if (m.vendor === undefined && typeof meta.vendor === 'string') m.vendor = meta.vendor;
    if (m.setup === undefined && typeof meta.setup === 'string') m.setup = meta.setup;
    if (m.researcher === undefined && typeof meta.researcher === 'string') m.researcher = meta.researcher;
    if (m.versions === undefined && Array.isArray(meta.versions)) m.versions = meta.versions.filter((v) => typeof v === 'string');
    if (Array.isArray(meta.timeline)) {
      m.timeline = [...(m.timeline ?? []), ...meta.timeline.filter((t) => t && typeof t.date === 'string' && typeof t.event === 'string')];
    }
  }

  private addMask(f: Finding): void {
    if (f.kind === 'carrier') return;
    const derived = f.known && isDerivedVariant(f.known.variant) ? f.known.variant : undefined;
    const entry: MaskEntry = { kind: f.kind, text: f.matchedText };
    if (derived && f.matchedText !== f.value) entry.derived = derived;
    this.masker.add(entry);
    this.addValueMask(f.kind, f.value);
  }

  /** A value as the scan normalised it; a location also by each of its coordinates (`39.908974`, `116.398468`). */
  private addValueMask(kind: IdentifierKind, value: string): void {
    if (kind === 'carrier') return;
    if (kind !== 'geo') {
      this.masker.add({ kind, text: value });
      return;
    }
    for (const coordinate of value.split(/[,;\s]+/)) if (/^-?\d+\.\d\d+$/.test(coordinate)) this.masker.add({ kind, text: coordinate });
  }

  /** Every scan finding of an exchange (whatever issue or judgement it belongs to). */
  findingsOf(capture: number, id: number): readonly Finding[] {
    let index = this.byExchange[capture];
    if (!index) {
      index = this.byExchange[capture] = new Map();
      for (const f of this.captures[capture].scan.findings) {
        let list = index.get(f.exchangeId);
        if (!list) index.set(f.exchangeId, (list = []));
        list.push(f);
      }
    }
    return index.get(id) ?? [];
  }

  resolve(capture: number, anchor: ExchangeAnchor): number | undefined {
    const c = this.captures[capture];
    let resolve = c.resolve ?? this.resolvers[capture];
    if (!resolve) resolve = this.resolvers[capture] = sidecarResolver(c.capture, c.sidecar);
    const id = resolve(anchor);
    return id !== undefined && c.capture.exchanges[id] ? id : undefined;
  }

  /**
   * Text from a capture or sidecar as the advisory may show it: secrets removed, identifiers
   * masked. `free` text (notes, URLs, header values) also loses secret-named pairs; names and
   * paths (`jwt:payload → json:$.token`) only secrets recognisable by their shape.
   */
  show(text: string, free = true): string {
    const redacted = free ? redactSecrets(text) : redactSecretValues(text);
    // A JWT payload is base64 of JSON: its identifiers cannot be masked in place.
    return this.include ? redacted : this.masker.mask(withholdJwtPayloads(redacted));
  }

  /** Free text (a User-Agent, a URL from a sidecar) in a code span: secret name=value pairs removed too. */
  freeCode(text: string, max = 300): string {
    return codeSpan(this.show(truncate(text, max * 4), true), max);
  }

  /** A name, path or host in a code span. */
  code(text: string, max = 300): string {
    return codeSpan(this.show(truncate(text, max * 4), false), max);
  }

  cellCode(text: string, max = 120): string {
    return tableCode(this.show(truncate(text, max * 4), false), max);
  }

  inline(text: string, max = 300): string {
    return escapeInline(truncate(this.show(truncate(text, max * 4)), max));
  }

  block(text: string): string {
    return sanitizeMarkdown(this.show(text));
  }

  /** An identifier value: masked by its kind's rule (hashes and encodings named, not shown). */
  valueText(f: Finding): string {
    return this.include ? f.value : maskIdentifier(f.kind, f.value);
  }

  fileName(capture: number): string {
    return baseName(this.captures[capture].file);
  }

  /** `#4`, or `capture.har #4` when there are several captures. */
  exchangeLabel(capture: number, id: number, cell = false): string {
    if (this.captures.length === 1) return `#${id}`;
    return `${cell ? this.cellCode(this.fileName(capture), 80) : this.code(this.fileName(capture), 80)} #${id}`;
  }
}

// ---- issues -------------------------------------------------------------------------------------

function kindsOf(items: readonly Item[]): IdentifierKind[] {
  return sortKinds(items.map((i) => i.finding.kind));
}

function hostsOf(a: Advisory, issue: Issue): string[] {
  const hosts = new Set(issue.items.map((i) => i.host));
  for (const e of issue.exchanges) hosts.add(exchangeHost(a.captures[e.capture].capture.exchanges[e.id]));
  return [...hosts].sort();
}

function transportsOf(a: Advisory, issue: Issue): { plain: boolean; tls: boolean } {
  const secure = [...issue.items.map((i) => i.secure), ...issue.exchanges.map((e) => a.captures[e.capture].capture.exchanges[e.id].secure)];
  return { plain: secure.some((s) => !s), tls: secure.some((s) => s) };
}

function isHashed(item: Item): boolean {
  return item.finding.known !== undefined && /\b(?:md5|sha1)\b/i.test(item.finding.known.variant) && item.finding.matchedText !== item.finding.value;
}

function cwesOf(a: Advisory, issue: Issue): CweId[] {
  const out: CweId[] = [];
  if (issue.items.length === 0 || issue.items.some((i) => i.finding.kind !== 'carrier')) out.push(359);
  if (transportsOf(a, issue).plain) out.push(319);
  if (issue.items.some(isHashed)) out.push(328);
  return out;
}

/** Address-book-like: several distinct phone numbers or e-mail addresses in one exchange. */
function looksLikeContacts(items: readonly Item[]): boolean {
  const per = new Map<string, Set<string>>();
  for (const i of items) {
    if (i.finding.kind !== 'phone' && i.finding.kind !== 'email') continue;
    const key = `${i.capture}:${i.finding.exchangeId}`;
    let set = per.get(key);
    if (!set) per.set(key, (set = new Set()));
    set.add(i.finding.value);
  }
  return [...per.values()].some((s) => s.size >= 3);
}

/** Severity of a destination's findings when the researcher has not judged them. */
function derivedSeverity(items: readonly Item[], plain: boolean): Severity {
  const kinds = new Set(items.map((i) => i.finding.kind));
  const sensitive = [...kinds].some((k) => HARDWARE.has(k) || PERSONAL.has(k));
  const resettable = [...kinds].some((k) => RESETTABLE.has(k));
  if (plain) return sensitive ? 'high' : resettable || kinds.has('known_value') ? 'medium' : 'low';
  if (sensitive) return looksLikeContacts(items) ? 'high' : 'medium';
  return resettable || kinds.has('known_value') ? 'low' : 'info';
}

function kindsTitle(kinds: readonly IdentifierKind[]): string {
  const labels = kinds.map((k) => KIND_LABEL[k]);
  const shown = labels.length > 5 ? [...labels.slice(0, 5), `${labels.length - 5} more`] : labels;
  return capitalise(listText(shown));
}

/** One issue per destination host and transport, plain HTTP first, then by severity and size. */
function hostIssues(a: Advisory): Issue[] {
  const groups = new Map<string, Item[]>();
  for (const item of a.items) {
    if (item.state === 'expected') continue;
    const key = `${item.secure ? 1 : 0}\u0000${item.host}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(item);
  }
  const issues = [...groups.values()].map((items): Issue => {
    const host = items[0].host;
    const plain = !items[0].secure;
    const kinds = kindsOf(items);
    return {
      title: (cell) => `${escapeInline(kindsTitle(kinds))} sent to ${cell ? a.cellCode(host) : a.code(host, 200)} over ${plain ? 'plain HTTP' : 'HTTPS'}`,
      severity: derivedSeverity(items, plain),
      items,
      exchanges: [],
      orphans: [],
      unmatched: [],
    };
  });
  return issues.sort((x, y) => Number(x.items[0].secure) - Number(y.items[0].secure) ||
    severityRank(y.severity) - severityRank(x.severity) || y.items.length - x.items.length ||
    (x.items[0].host < y.items[0].host ? -1 : x.items[0].host > y.items[0].host ? 1 : 0));
}

/** One issue per annotation, most severe first (sidecar order among equals). */
function annotationIssues(a: Advisory): Issue[] {
  const issues: { issue: Issue; order: number }[] = [];
  a.captures.forEach((c, capture) => {
    const byExchange = new Map<number, Item[]>();
    for (const item of a.items) {
      if (item.capture !== capture) continue;
      let list = byExchange.get(item.finding.exchangeId);
      if (!list) byExchange.set(item.finding.exchangeId, (list = []));
      list.push(item);
    }
    for (const annotation of c.sidecar?.annotations ?? []) {
      const exchanges: Issue['exchanges'] = [];
      const orphans: Issue['orphans'] = [];
      for (const anchor of annotation.exchanges ?? []) {
        const id = a.resolve(capture, anchor);
        if (id === undefined) orphans.push({ capture, anchor });
        else if (!exchanges.some((e) => e.id === id)) exchanges.push({ capture, id });
      }
      const candidates = exchanges.flatMap((e) => byExchange.get(e.id) ?? []);
      let items: Item[];
      const unmatched: FindingRef[] = [];
      if ((annotation.findings ?? []).length === 0) {
        items = candidates;
      } else {
        const byKey = new Map(candidates.map((i) => [refKey(0, i.finding), i]));
        items = [];
        for (const ref of annotation.findings) {
          const item = byKey.get(refKey(0, ref));
          if (item) items.push(item);
          else unmatched.push(ref);
        }
      }
      const severity: Severity = (SEVERITIES as readonly string[]).includes(annotation.severity) ? annotation.severity : 'info';
      const title = typeof annotation.title === 'string' && annotation.title.trim() !== '' ? annotation.title : 'Untitled annotation';
      issues.push({
        issue: { title: () => a.inline(title, 200), severity, items, exchanges, annotation, orphans, unmatched },
        order: issues.length,
      });
    }
  });
  return issues.sort((x, y) => severityRank(y.issue.severity) - severityRank(x.issue.severity) || x.order - y.order).map((x) => x.issue);
}

// ---- evidence -----------------------------------------------------------------------------------

/** `json:$.a.b` → JSON at `$.a.b`; `form:imei` → form data field `imei`; undefined for a transform. */
function structural(step: string): { format: string; path: string } | undefined {
  const m = /^(json|form|multipart|protobuf):([\s\S]*)$/.exec(step);
  if (!m) return undefined;
  const format = { json: 'JSON', form: 'form data', multipart: 'multipart', protobuf: 'protobuf' }[m[1] as 'json' | 'form' | 'multipart' | 'protobuf'];
  return { format, path: m[1] === 'protobuf' ? `field ${m[2]}` : m[2] };
}

function wrap(transforms: readonly string[], inner: string): string {
  let out = inner;
  for (let i = transforms.length - 1; i >= 0; i--) out = `${transforms[i]}(${out})`;
  return out;
}

/**
 * Where a value sits and how it was decoded, in words, ending just before the value:
 * `the request body is base64(gzip(JSON)); `$.imsi``. `value` is appended with ` = ` or, after a
 * trailing transform, ` holding `.
 */
function placeAndValue(a: Advisory, f: Pick<Finding, 'part' | 'fieldPath' | 'chain'>, value: string): string {
  let subject = PART_PLACE[f.part](a.code(f.fieldPath, 120));
  const clauses: string[] = [];
  let transforms: string[] = [];
  for (const step of f.chain) {
    const s = structural(step);
    if (!s) {
      transforms.push(TRANSFORM_NAME[step] ?? escapeInline(truncate(step, 40)));
      continue;
    }
    clauses.push(`${subject} is ${wrap(transforms, s.format)}`);
    subject = a.code(s.path, 160);
    transforms = [];
  }
  if (transforms.length > 0) return [...clauses, `${subject} is ${wrap(transforms, 'text')} holding ${value}`].join('; ');
  return [...clauses, `${subject} = ${value}`].join('; ');
}

function valueMarkdown(a: Advisory, f: Finding): string {
  const derived = f.known !== undefined && isDerivedVariant(f.known.variant) && f.matchedText !== f.value;
  const value = codeSpan(a.valueText(f), 200);
  if (!derived || !f.known) return value;
  const what = `the ${escapeInline(truncate(f.known.variant, 60))} of the ${KIND_LABEL[f.kind]} ${value}`;
  return a.include ? `${codeSpan(f.matchedText, 200)}, ${what}` : what;
}

function findingLine(a: Advisory, item: Item): string {
  const f = item.finding;
  const conf = f.confidence === 'high' ? '' : ` (${f.confidence} confidence)`;
  const chain = f.chain.length > 0 ? ` (decode chain ${a.code(chainText(f.chain), 300)})` : '';
  let known = '';
  if (f.known) {
    known = f.known.learnedFrom
      ? ` — matches the ${KIND_LABEL[f.known.learnedFrom.kind]} found in exchange ${a.exchangeLabel(item.capture, f.known.learnedFrom.exchangeId)}`
      : ` — the researcher's own value ${a.inline(f.known.label, 80)}`;
  }
  const expected = item.state === 'expected' ? ' *(judged expected)*' : '';
  return `- **${KIND_LABEL[f.kind]}**${conf}: ${placeAndValue(a, f, valueMarkdown(a, f))}${chain}${known}${expected}`;
}

function refLine(a: Advisory, ref: FindingRef): string {
  const kind = (KIND_LABEL as Record<string, string | undefined>)[ref.kind] ?? escapeInline(String(ref.kind));
  const value = codeSpan(a.include ? String(ref.value) : maskIdentifier(ref.kind, String(ref.value)), 200);
  const place = PART_PLACE[ref.part] ? placeAndValue(a, { part: ref.part, fieldPath: String(ref.fieldPath), chain: (ref.chain ?? []).map(String) }, value) : value;
  return `- **${kind}**: ${place} *(recorded in the annotation; not reported by this scan)*`;
}

/** The request line and Host as a fenced block: secret parameters redacted, encoded identifiers withheld, values masked. */
function requestBlock(a: Advisory, capture: number, exchange: Exchange): string {
  const req = exchange.request;
  const withhold = new Set<string>();
  let pathWithheld = false;
  // Every finding of the exchange, not only the issue's: another issue's (or a judged) encoded value is as readable.
  for (const f of a.findingsOf(capture, exchange.id)) {
    if (f.chain.length === 0) continue;
    if (f.part === 'query') withhold.add(f.fieldPath);
    if (f.part === 'url') pathWithheld = true;
  }
  // Encoded values (base64 of JSON, a JWT) would show their identifiers undecoded and unmasked.
  const redacted = redactUrl(req.url, a.include ? {} : { withhold, withheldText: '[encoded identifiers: see below]' });
  let target = displayPath(redacted);
  if (pathWithheld && !a.include) {
    const q = target.indexOf('?');
    target = `/[path with encoded identifiers: see below]${q === -1 ? '' : target.slice(q)}`;
  }
  const version = /^HTTP\/[0-9.]{1,5}$/i.test(req.httpVersion) ? ` ${req.httpVersion.toUpperCase()}` : '';
  // Each field on its own line only: a newline in a method or host cannot add a forged header line.
  const one = (text: string, max: number): string => cleanText(truncate(text, max), true);
  const lines = [`${one(req.method, 32)} ${one(target, 600)}${version}`, `Host: ${one(exchangeHost(exchange), 200)}`];
  return fencedBlock(a.show(lines.join('\n')), 'http');
}

function exchangeHeading(a: Advisory, capture: number, exchange: Exchange): string {
  const parts = [`**Exchange ${a.exchangeLabel(capture, exchange.id)}**`];
  if (Number.isFinite(exchange.startedMs)) parts.push(new Date(exchange.startedMs).toISOString().replace(/\.\d+Z$/, 'Z'));
  parts.push(exchange.secure ? 'HTTPS' : 'plain HTTP');
  if (exchange.response) parts.push(`response ${Number.isInteger(exchange.response.status) ? exchange.response.status : '?'}`);
  return parts.join(' · ');
}

function issueEvidence(a: Advisory, issue: Issue): string[] {
  const blocks: string[] = [];
  const groups = new Map<string, { capture: number; id: number; items: Item[] }>();
  const group = (capture: number, id: number): { capture: number; id: number; items: Item[] } => {
    const key = `${capture}:${id}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { capture, id, items: [] }));
    return g;
  };
  for (const e of issue.exchanges) group(e.capture, e.id);
  for (const item of issue.items) group(item.capture, item.finding.exchangeId).items.push(item);
  const all = [...groups.values()];
  const chosen = [...all]
    .sort((x, y) => new Set(y.items.map((i) => i.finding.kind)).size - new Set(x.items.map((i) => i.finding.kind)).size || x.capture - y.capture || x.id - y.id)
    .slice(0, MAX_EXCHANGES_PER_ISSUE)
    .sort((x, y) => x.capture - y.capture || x.id - y.id);
  for (const g of chosen) {
    const exchange = a.captures[g.capture].capture.exchanges[g.id];
    blocks.push(exchangeHeading(a, g.capture, exchange));
    blocks.push(requestBlock(a, g.capture, exchange));
    const lines = g.items.slice(0, MAX_FINDINGS_PER_EXCHANGE).map((item) => findingLine(a, item));
    if (g.items.length > MAX_FINDINGS_PER_EXCHANGE) lines.push(`- … and ${plural(g.items.length - MAX_FINDINGS_PER_EXCHANGE, 'more finding')} in this exchange (see the appendix)`);
    if (lines.length === 0) lines.push('- *(no findings of the scan in this exchange)*');
    blocks.push(lines.join('\n'));
  }
  if (all.length > chosen.length) {
    const rest = all.filter((g) => !chosen.includes(g));
    const ids = rest.slice(0, 30).map((g) => a.exchangeLabel(g.capture, g.id)).join(', ');
    blocks.push(`The same leak is in ${plural(rest.length, 'more exchange')}: ${ids}${rest.length > 30 ? ', …' : ''} (all are listed in the appendix).`);
  }
  return blocks;
}

function issueSection(a: Advisory, issue: Issue, n: number): string {
  const blocks: string[] = [`### ${n}. ${issue.title(false)}`];
  const kinds = kindsOf(issue.items);
  const hosts = hostsOf(a, issue);
  const { plain, tls } = transportsOf(a, issue);
  const transport = plain && tls ? 'plain HTTP and HTTPS' : plain ? 'plain HTTP (unencrypted)' : tls ? 'HTTPS' : 'an unknown transport';
  const facts = [
    `- **Severity:** ${capitalise(issue.severity)}`,
    `- **What leaks:** ${kinds.length > 0 ? listText(kinds.map((k) => KIND_LABEL[k])) : 'no identifier found by the scan'}`,
    `- **To:** ${hosts.slice(0, 10).map((h) => a.code(h, 200)).join(', ')}${hosts.length > 10 ? `, and ${plural(hosts.length - 10, 'more host')}` : ''}`,
    `- **Over:** ${transport}`,
    `- **Weaknesses:** ${cwesOf(a, issue).map((id) => `CWE-${id}`).join(', ') || 'none'}`,
  ];
  const tags = (issue.annotation?.tags ?? []).filter((t) => typeof t === 'string');
  if (tags.length > 0) facts.push(`- **Tags:** ${tags.slice(0, 20).map((t) => a.code(t, 60)).join(', ')}`);
  blocks.push(facts.join('\n'));
  blocks.push('#### Evidence');
  blocks.push(...issueEvidence(a, issue));
  if (issue.unmatched.length > 0) blocks.push(issue.unmatched.slice(0, 50).map((r) => refLine(a, r)).join('\n'));
  if (issue.orphans.length > 0) {
    blocks.push(issue.orphans.slice(0, 20).map((o) =>
      `- Exchange no longer found in ${a.code(a.fileName(o.capture), 80)}: ${a.freeCode(`${String(o.anchor.method)} ${redactUrl(String(o.anchor.url))}`, 300)} (the capture may have changed since the annotation was written)`).join('\n'));
  }
  const notes = issue.annotation?.notes;
  if (typeof notes === 'string' && notes.trim() !== '') {
    blocks.push("#### Researcher's notes");
    blocks.push(a.block(notes));
  }
  return blocks.join('\n\n');
}

// ---- sections -----------------------------------------------------------------------------------

function severityTable(a: Advisory, issues: readonly Issue[]): string {
  if (issues.length === 0) return '*No issues: the scan found no identifiers in the captured traffic.*';
  const rows = issues.map((issue, i) => {
    const hosts = hostsOf(a, issue);
    const { plain, tls } = transportsOf(a, issue);
    return [
      String(i + 1),
      issue.title(true),
      `**${capitalise(issue.severity)}**`,
      escapeInline(kindsOf(issue.items).map((k) => KIND_LABEL[k]).join(', ') || '—'),
      `${hosts.slice(0, 3).map((h) => a.cellCode(h, 80)).join(', ')}${hosts.length > 3 ? ` \\+${hosts.length - 3}` : ''}`,
      [plain ? 'HTTP' : '', tls ? 'HTTPS' : ''].filter(Boolean).join(', ') || '—',
      cwesOf(a, issue).map((id) => `CWE\\-${id}`).join(', ') || '—',
    ];
  });
  return table(['#', 'Issue', 'Severity', 'Identifiers', 'Destination', 'Transport', 'CWE'], rows, ['r']);
}

function summarySection(a: Advisory, issues: readonly Issue[]): string {
  const blocks: string[] = [];
  if (a.meta.summary) blocks.push(a.block(a.meta.summary));
  const items = a.items;
  const exchanges = a.captures.reduce((n, c) => n + c.capture.exchanges.length, 0);
  const files = listText(a.captures.map((_c, i) => a.code(a.fileName(i), 100)));
  if (items.length === 0) {
    blocks.push(`LeakLens found no device or personal identifiers in the ${plural(exchanges, 'exchange')} of ${files}.`);
    return blocks.join('\n\n');
  }
  const withFindings = new Set(items.map((i) => `${i.capture}:${i.finding.exchangeId}`)).size;
  const kinds = sortKinds(items.map((i) => i.finding.kind));
  const hosts = new Set(items.map((i) => i.host));
  const plainItems = items.filter((i) => !i.secure);
  const plainHosts = new Set(plainItems.map((i) => i.host));
  const sentences = [
    `The captured traffic (${files}) sends ${listText(kinds.map((k) => KIND_LABEL[k]))} to ${plural(hosts.size, 'host')}: ` +
      `${plural(items.length, 'finding')} in ${withFindings} of ${plural(exchanges, 'exchange')}.`,
  ];
  if (plainItems.length > 0) {
    const plainKinds = sortKinds(plainItems.map((i) => i.finding.kind));
    const who = plainHosts.size === hosts.size ? (hosts.size === 1 ? 'It receives' : 'All of them receive') : `${plainHosts.size} of them ${plainHosts.size === 1 ? 'receives' : 'receive'}`;
    sentences.push(`${who} ` +
      `identifiers over plain HTTP (${listText(plainKinds.map((k) => KIND_LABEL[k]))}), readable and changeable by anyone on the network path.`);
  }
  if (items.some(isHashed)) sentences.push('Some identifiers are sent as MD5 or SHA-1 hashes, which hide nothing: an IMEI or a MAC address can be recovered from its hash by trying every value.');
  if (looksLikeContacts(items)) sentences.push("Phone numbers or e-mail addresses of other people (the address book) are uploaded.");
  const worst = issues[0];
  if (worst) sentences.push(`The most severe issue is rated **${worst.severity}**.`);
  blocks.push(sentences.join(' '));
  return blocks.join('\n\n');
}

function productSection(a: Advisory): string {
  const m = a.meta;
  const lines = [
    `- **Product:** ${m.product ? a.inline(m.product) : '*not stated* (set `advisory.product` in the sidecar, e.g. with LeakLens: Edit Advisory Details)'}`,
  ];
  if (m.vendor) lines.push(`- **Vendor:** ${a.inline(m.vendor)}`);
  if (m.versions && m.versions.length > 0) lines.push(`- **Versions:** ${m.versions.slice(0, 50).map((v) => a.inline(v, 80)).join(', ')}`);
  const agents = userAgents(a);
  if (agents.length > 0) lines.push(`- **Client seen in the traffic:** ${agents.map(({ agent }) => a.freeCode(agent, 200)).join(', ')}`);
  const hosts = [...new Set(a.items.map((i) => i.host))].sort();
  if (hosts.length > 0) lines.push(`- **Hosts receiving identifiers:** ${hosts.slice(0, 30).map((h) => a.code(h, 200)).join(', ')}${hosts.length > 30 ? `, and ${plural(hosts.length - 30, 'more')}` : ''}`);
  return lines.join('\n');
}

/** The most frequent request User-Agent values (up to 3). */
function userAgents(a: Advisory): { agent: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const c of a.captures) {
    for (const e of c.capture.exchanges) {
      const ua = headerValues(e.request.headers, 'user-agent')[0];
      if (ua) counts.set(ua, (counts.get(ua) ?? 0) + 1);
      if (counts.size > 1000) break;
    }
  }
  return [...counts].map(([agent, count]) => ({ agent, count })).sort((x, y) => y.count - x.count).slice(0, 3);
}

function timeRange(capture: Capture): { first: number; last: number } | undefined {
  let first = Infinity;
  let last = -Infinity;
  for (const e of capture.exchanges) {
    if (!Number.isFinite(e.startedMs)) continue;
    if (e.startedMs < first) first = e.startedMs;
    if (e.startedMs > last) last = e.startedMs;
  }
  return Number.isFinite(first) ? { first, last } : undefined;
}

function utc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function capturesSection(a: Advisory): string {
  return a.captures.map((c, i) => {
    const s = c.capture.source;
    const producer = s.producer ? [s.producer.name, s.producer.version].filter(Boolean).join(' ') : 'an unknown producer';
    const range = timeRange(c.capture);
    const when = range ? `, ${utc(range.first)} to ${utc(range.last)}` : '';
    const format = `${c.capture.format}${s.formatVersion ? ` ${s.formatVersion}` : ''}`;
    return `- ${a.code(a.fileName(i), 100)}: ${a.inline(format, 100)} written by ${a.inline(producer, 100)}, ${plural(c.capture.exchanges.length, 'exchange')}, ` +
      `${plural(s.byteLength, 'byte')}${escapeInline(when)}`;
  }).join('\n');
}

function setupSection(a: Advisory): string {
  const blocks: string[] = [];
  if (a.meta.setup) blocks.push(a.block(a.meta.setup));
  const lines = [capturesSection(a)];
  const agents = userAgents(a);
  if (agents.length > 0) lines.push(`- Client user agent${agents.length > 1 ? 's' : ''}: ${agents.map(({ agent, count }) => `${a.freeCode(agent, 200)} (${plural(count, 'request')})`).join(', ')}`);
  const regions = [...new Set(a.captures.map((c) => c.scan.summary.defaultRegion))];
  lines.push(`- Scanned with LeakLens (every header, parameter, cookie and body, through base64, gzip, JSON, form, JWT and other encodings); national phone numbers read as ${escapeInline(regions.join(', '))}.`);
  if (a.knownCount > 0) lines.push(`- The researcher declared ${plural(a.knownCount, 'own device value')} (test device, SIM, accounts); they are masked below.`);
  blocks.push(lines.join('\n'));
  return blocks.join('\n\n');
}

function timelineSection(a: Advisory): string {
  const entries: { date: string; text: string }[] = [];
  for (const t of a.meta.timeline ?? []) entries.push({ date: t.date, text: a.inline(t.event, 500) });
  a.captures.forEach((c, i) => {
    const range = timeRange(c.capture);
    if (range) entries.push({ date: new Date(range.first).toISOString(), text: `Traffic captured (${a.code(a.fileName(i), 100)})` });
  });
  entries.push({ date: a.now.toISOString(), text: 'Advisory drafted with LeakLens' });
  entries.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
  return entries.map((e) => `- **${a.inline(truncate(e.date, 40).slice(0, /^\d{4}-\d{2}-\d{2}T/.test(e.date) ? 10 : 40), 40)}**: ${e.text}`).join('\n');
}

function cweSection(a: Advisory, issues: readonly Issue[]): string {
  const applies = new Map<CweId, number[]>();
  issues.forEach((issue, i) => {
    for (const id of cwesOf(a, issue)) {
      let list = applies.get(id);
      if (!list) applies.set(id, (list = []));
      list.push(i + 1);
    }
  });
  if (applies.size === 0) return '*None.*';
  const why: Record<CweId, string> = {
    359: 'device and personal identifiers leave the device for servers the user did not choose to share them with',
    319: 'the identifiers travel over plain HTTP, readable and changeable on every network hop',
    328: 'identifiers are "anonymised" with MD5 or SHA-1; their small value space makes the hash reversible',
  };
  return ([359, 319, 328] as CweId[]).filter((id) => applies.has(id)).map((id) => {
    const list = applies.get(id) ?? [];
    return `- [CWE-${id}](${CWES[id].url}): ${CWES[id].title}: ${why[id]} (issue${list.length > 1 ? 's' : ''} ${list.join(', ')}).`;
  }).join('\n');
}

function recommendationsSection(a: Advisory): string {
  const items = a.items;
  const kinds = new Set(items.map((i) => i.finding.kind));
  const out: string[] = [];
  if (items.some((i) => !i.secure)) {
    out.push('Send all traffic over HTTPS with certificate validation (and HSTS or a network security config that forbids cleartext); never fall back to plain HTTP.');
  }
  const hardware = KIND_ORDER.filter((k) => HARDWARE.has(k) && kinds.has(k));
  if (hardware.length > 0) {
    out.push(`Stop collecting non-resettable hardware and SIM identifiers (${listText(hardware.map((k) => KIND_LABEL[k]))}); where an identifier is needed, use a random, app-scoped one the user can reset.`);
  }
  if (items.some(isHashed)) out.push('Do not treat hashing as anonymisation: an MD5 or SHA-1 of an IMEI, MAC or phone number is as identifying as the value.');
  if (looksLikeContacts(items)) out.push("Do not upload the address book without the user's explicit, informed consent; it is other people's data.");
  if (kinds.has('phone') || kinds.has('email')) out.push('Send phone numbers and e-mail addresses only to the first-party service that needs them, never to analytics or advertising hosts.');
  if (kinds.has('geo')) out.push('Collect location only after consent and only as precisely as the feature needs.');
  if (kinds.has('ad_id') || kinds.has('android_id')) out.push('Do not combine the advertising ID with persistent identifiers (Android ID, IMEI, MAC); platform policies forbid linking them.');
  if (items.length > 0) {
    out.push('Review which data each SDK sends, document it in the privacy policy, and delete what was collected without a legal basis.');
  }
  return out.length === 0 ? '*None.*' : out.map((r) => `- ${r}`).join('\n');
}

function appendixSection(a: Advisory): string {
  const items = a.items;
  if (items.length === 0) return '*No findings.*';
  const blocks: string[] = [];
  const kinds = sortKinds(items.map((i) => i.finding.kind));
  const rows = new Map<string, { host: string; secure: boolean; counts: Map<IdentifierKind, number>; total: number }>();
  for (const item of items) {
    const key = `${item.host}\u0000${item.secure ? 1 : 0}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { host: item.host, secure: item.secure, counts: new Map(), total: 0 }));
    row.counts.set(item.finding.kind, (row.counts.get(item.finding.kind) ?? 0) + 1);
    row.total++;
  }
  const sorted = [...rows.values()].sort((x, y) => (x.host < y.host ? -1 : x.host > y.host ? 1 : Number(x.secure) - Number(y.secure)));
  const shown = sorted.slice(0, MAX_APPENDIX_HOSTS);
  blocks.push('Findings by destination host and identifier kind:');
  const totals = kinds.map((k) => items.filter((i) => i.finding.kind === k).length);
  blocks.push(table(
    ['Destination', 'Transport', ...kinds.map((k) => escapeInline(KIND_LABEL[k])), 'Total'],
    [
      ...shown.map((r) => [a.cellCode(r.host, 120), r.secure ? 'HTTPS' : 'HTTP', ...kinds.map((k) => String(r.counts.get(k) ?? 0)), String(r.total)]),
      ['**Total**', '', ...totals.map(String), String(items.length)],
    ],
    ['l', 'l', ...kinds.map((): 'r' => 'r'), 'r'],
  ));
  if (sorted.length > shown.length) blocks.push(`*${plural(sorted.length - shown.length, 'more destination')} not shown; the total row counts them.*`);
  const listed = items.slice(0, MAX_APPENDIX_FINDINGS);
  blocks.push('Every finding:');
  blocks.push(table(
    ['Exchange', 'Destination', 'Transport', 'Identifier', 'Where', 'Value', 'Confidence'],
    listed.map((item) => {
      const f = item.finding;
      const derived = f.known !== undefined && isDerivedVariant(f.known.variant) && f.matchedText !== f.value;
      const value = a.cellCode(a.valueText(f), 80) + (derived && f.known ? ` (${escapeInline(truncate(f.known.variant, 40))})` : '');
      const where = `${f.part} ${f.fieldPath}${f.chain.length > 0 ? ` (${chainText(f.chain)})` : ''}`;
      return [
        a.exchangeLabel(item.capture, f.exchangeId, true),
        a.cellCode(item.host, 80),
        item.secure ? 'HTTPS' : 'HTTP',
        escapeInline(KIND_LABEL[f.kind]),
        a.cellCode(where, 160),
        value,
        f.confidence + (item.state === 'expected' ? ' (expected)' : ''),
      ];
    }),
  ));
  if (items.length > listed.length) blocks.push(`*The first ${plural(listed.length, 'finding')} of ${items.length.toLocaleString('en-US')} are listed.*`);
  if (a.falsePositives > 0) blocks.push(`*${plural(a.falsePositives, 'finding')} judged false positive ${a.falsePositives === 1 ? 'is' : 'are'} left out.*`);
  return blocks.join('\n\n');
}

function redactionText(a: Advisory): string {
  const secrets = 'Secrets are removed: Authorization and Cookie headers, session cookies, tokens, API keys and JWT signatures.';
  if (a.include) return `${secrets} Identifier values are shown in full at the researcher's request.`;
  return `${secrets} Identifier values are masked, keeping their first and last characters (an IMEI reads like 86871539••••833); hashes and encodings of identifiers are named, not shown.`;
}

function defaultTitle(a: Advisory): string {
  const kinds = sortKinds(a.items.map((i) => i.finding.kind)).filter((k) => k !== 'carrier');
  const subject = a.meta.product ?? (a.captures.length === 1 ? a.fileName(0) : `${a.captures.length} captures`);
  if (kinds.length === 0) return `Privacy review of ${subject}`;
  const plain = a.items.some((i) => !i.secure && i.finding.kind !== 'carrier');
  const shown = kinds.slice(0, 4).map((k) => KIND_LABEL[k]);
  return `${subject} sends ${listText(kinds.length > 4 ? [...shown, 'other identifiers'] : shown)}${plain ? ' over plain HTTP' : ''}`;
}

/** Replace {{name}} (spaces allowed inside the braces) in one pass; unknown names stay as written. */
export function renderTemplate(template: string, values: ReadonlyMap<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g, (m, name: string) => values.get(name) ?? m);
}

/** The markdown advisory for one or more scanned captures and their sidecars. */
export function writeAdvisory(input: AdvisoryInput): string {
  const options = input.options ?? {};
  const a = new Advisory(input.captures, options);
  const hasAnnotations = input.captures.some((c) => (c.sidecar?.annotations ?? []).length > 0);
  const allIssues = hasAnnotations ? annotationIssues(a) : hostIssues(a);
  const issues = allIssues.slice(0, MAX_ISSUES);

  const sections = issues.map((issue, i) => issueSection(a, issue, i + 1));
  if (allIssues.length > issues.length) sections.push(`*${plural(allIssues.length - issues.length, 'more issue')} not shown; every finding is in the appendix.*`);
  if (hasAnnotations) {
    const covered = new Set(issues.flatMap((issue) => issue.items));
    const rest = a.items.filter((i) => !covered.has(i));
    if (rest.length > 0) {
      const exchanges = new Set(rest.map((i) => `${i.capture}:${i.finding.exchangeId}`)).size;
      sections.push(`*${plural(rest.length, 'further finding')} in ${plural(exchanges, 'exchange')} ${rest.length === 1 ? 'is' : 'are'} not covered by an annotation; see the appendix.*`);
    }
  }
  if (sections.length === 0) sections.push('*No identifiers were found in the captured traffic.*');

  const date = isoDate(a.now);
  const researcher = a.meta.researcher ? a.inline(a.meta.researcher, 200) : '';
  const values = new Map<string, string>([
    ['title', a.inline(a.meta.title ?? defaultTitle(a), 300)],
    ['byline', researcher ? `Reported by ${researcher} on ${date}.` : `Drafted on ${date}.`],
    ['date', date],
    ['researcher', researcher],
    ['summary', summarySection(a, issues)],
    ['product', productSection(a)],
    ['setup', setupSection(a)],
    ['timeline', timelineSection(a)],
    ['severityTable', severityTable(a, issues)],
    ['annotations', sections.join('\n\n')],
    ['findings', sections.join('\n\n')],
    ['cwe', cweSection(a, issues)],
    ['recommendations', recommendationsSection(a)],
    ['appendix', appendixSection(a)],
    ['captures', capturesSection(a)],
    ['redaction', `*${redactionText(a)}*`],
    ['generator', `*Generated with LeakLens on ${date}.*`],
  ]);
  const out = renderTemplate(options.template ?? DEFAULT_ADVISORY_TEMPLATE, values);
  return `${out.replace(/\s+$/, '')}\n`;
}
