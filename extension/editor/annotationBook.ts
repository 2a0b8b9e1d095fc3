// A capture's sidecar as the workbench uses it: which exchanges each annotation is about (anchors
// resolved once per sidecar and capture), which findings the researcher judged, the form's
// pre-filled draft, and every edit as a new Sidecar (the book itself never changes; the editor
// saves the new sidecar and builds a new book). Pure: no vscode, so the webview tests use it too.
import { randomBytes } from 'node:crypto';
import { anchorKey, anchorOf, findingKey, findingRefOf, resolveAnchors } from '../core/annotations/anchor';
import type { AdvisoryMeta, Annotation, ExchangeAnchor, FindingRef, FindingState, Severity, Sidecar } from '../core/annotations/model';
import { SIDECAR_SUFFIX } from '../core/annotations/model';
import { defineKey, emptySidecar } from '../core/annotations/sidecar';
import { KnownValueError, parseKnownFile } from '../core/detect/known';
import type { Capture, Finding } from '../core/model';
import { exchangeHost } from '../core/model';
import type { ScanResult } from '../core/scan';
import {
  MAX_ANNOTATIONS_SENT,
  MAX_DRAFT_FINDINGS,
  MAX_NOTES_LENGTH,
  MAX_TITLE_LENGTH,
  type AnnotationDraft,
  type AnnotationsView,
  type AnnotationSeverity,
  type AnnotationView,
  type DraftFinding,
  type Judgement,
  type KnownValueEntry,
} from '../protocol';
import { findingPlace } from './detail';
import { cap } from './rows';

/** What "Edit Advisory Details" changes; an absent field is left as it is. */
export interface AdvisoryDetails {
  title?: string;
  summary?: string;
  product?: string;
  vendor?: string;
  setup?: string;
  researcher?: string;
  versions?: string[];
  /** Appended to the timeline. */
  timelineEntry?: { date: string; event: string };
}

/** Where the sidecar stands: read, absent (the first save creates it), or unreadable (edits refused). */
export type SidecarStatus = { status: 'ok' | 'none' } | { status: 'error'; error: string };

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const SEVERITIES_AGREE: Same<Severity, AnnotationSeverity> = true;
void SEVERITIES_AGREE;

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export class AnnotationBook {
  /** Exchange id each anchor (by anchorKey) resolves to in this capture; undefined for orphans. */
  private readonly resolved = new Map<string, number | undefined>();
  private readonly orphanReasons = new Map<string, string>();
  /** The stored anchor each attached exchange was found by, reused for new annotations and judgements on it. */
  private readonly anchors = new Map<number, ExchangeAnchor>();
  /** Highest severity per exchange. */
  private readonly severities = new Map<number, Severity>();
  /** Judgements by exchange id, then finding key. */
  private readonly judgements = new Map<number, Map<string, { judgement: Judgement; reason: string }>>();

  constructor(
    readonly capture: Capture,
    /** The sidecar as read (undefined: none yet, or unreadable — see `status`). */
    readonly sidecar: Sidecar | undefined,
    readonly sidecarFile: string,
    readonly status: SidecarStatus = { status: sidecar ? 'ok' : 'none' },
  ) {
    if (!sidecar) return;
    const anchors: ExchangeAnchor[] = [...sidecar.annotations.flatMap((a) => a.exchanges), ...sidecar.findingStates.map((s) => s.exchange)];
    if (anchors.length > 0) {
      for (const r of resolveAnchors(capture, anchors)) {
        const key = anchorKey(r.anchor);
        if (this.resolved.has(key)) continue;
        this.resolved.set(key, r.exchangeId);
        if (r.exchangeId === undefined) this.orphanReasons.set(key, r.reason);
        else if (!this.anchors.has(r.exchangeId)) this.anchors.set(r.exchangeId, r.anchor);
      }
    }
    for (const a of sidecar.annotations) {
      for (const anchor of a.exchanges) {
        const id = this.resolved.get(anchorKey(anchor));
        if (id === undefined) continue;
        const known = this.severities.get(id);
        if (known === undefined || SEVERITY_RANK[a.severity] > SEVERITY_RANK[known]) this.severities.set(id, a.severity);
      }
    }
    for (const s of sidecar.findingStates) {
      const id = this.resolved.get(anchorKey(s.exchange));
      if (id === undefined) continue;
      let byKey = this.judgements.get(id);
      if (!byKey) this.judgements.set(id, (byKey = new Map()));
      byKey.set(findingKey(s.finding), { judgement: s.state, reason: s.reason });
    }
  }

  /** Whether edits can be saved: not while the sidecar on disk cannot be read (it would be overwritten). */
  get writable(): boolean {
    return this.status.status !== 'error';
  }

  exchangeOf(anchor: ExchangeAnchor): number | undefined {
    return this.resolved.get(anchorKey(anchor));
  }

  /**
   * The anchor to store for an exchange: the one the sidecar already attaches to it, if any. A
   * fresh anchor (today's index) for a request whose stored anchor was found elsewhere (the capture
   * was reordered) would claim the exchange first and leave the stored one orphaned.
   */
  private anchorFor(exchangeId: number): ExchangeAnchor {
    return this.anchors.get(exchangeId) ?? anchorOf(this.capture.exchanges[exchangeId]);
  }

  severityOf(exchangeId: number): AnnotationSeverity | null {
    return this.severities.get(exchangeId) ?? null;
  }

  judgementOf(finding: Finding): { judgement: Judgement; reason: string } | null {
    return this.judgements.get(finding.exchangeId)?.get(findingKey(findingRefOf(finding))) ?? null;
  }

  /** The scan without the findings the researcher judged (what the views and counts show). */
  withoutJudged(result: ScanResult): ScanResult {
    if (this.judgements.size === 0) return result;
    const findings = result.findings.filter((f) => this.judgementOf(f) === null);
    const byConfidence = { high: 0, medium: 0, low: 0 };
    const byKind: ScanResult['summary']['byKind'] = {};
    const exchanges = new Set<number>();
    for (const f of findings) {
      byConfidence[f.confidence]++;
      byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
      exchanges.add(f.exchangeId);
    }
    return { ...result, findings, summary: { ...result.summary, findings: findings.length, byConfidence, byKind, exchangesWithFindings: exchanges.size } };
  }

  /** Judgements attached to an exchange of this capture (those of requests it does not hold do not count). */
  get judgedCount(): number {
    let n = 0;
    for (const byKey of this.judgements.values()) n += byKey.size;
    return n;
  }

  /** What the judgements are, by exchange: equal signatures filter the findings alike and show the same reasons. */
  judgementSignature(): string {
    const parts: string[] = [];
    for (const [id, byKey] of this.judgements) for (const [key, j] of byKey) parts.push(JSON.stringify([id, key, j.judgement, j.reason]));
    return parts.sort().join('\n');
  }

  /** The annotations the workbench lists, creation order. */
  view(): AnnotationsView {
    const annotations = this.sidecar?.annotations ?? [];
    return {
      sidecarFile: this.sidecarFile,
      status: this.status.status,
      error: this.status.status === 'error' ? cap(this.status.error, 2000) : '',
      annotations: annotations.slice(0, MAX_ANNOTATIONS_SENT).map((a) => this.annotationView(a)),
      total: annotations.length,
      judgedCount: this.judgedCount,
    };
  }

  annotationView(a: Annotation): AnnotationView {
    const exchangeIds: number[] = [];
    const orphans: string[] = [];
    for (const anchor of a.exchanges) {
      const id = this.exchangeOf(anchor);
      if (id !== undefined) exchangeIds.push(id);
      else orphans.push(cap(this.orphanReasons.get(anchorKey(anchor)) ?? `no exchange is ${anchor.method} ${anchor.url}`, 500));
    }
    return {
      id: a.id,
      severity: a.severity,
      title: cap(a.title, MAX_TITLE_LENGTH),
      notes: cap(a.notes, MAX_NOTES_LENGTH),
      tags: a.tags.slice(0, 32).map((t) => cap(t, 64)),
      exchangeIds,
      orphans,
      findingKeys: a.findings.slice(0, MAX_DRAFT_FINDINGS).map(findingKey),
      updated: a.updated,
    };
  }

  annotation(id: string): Annotation | undefined {
    return this.sidecar?.annotations.find((a) => a.id === id);
  }

  /**
   * The form's values. A new annotation on `exchangeIds` is pre-filled with their findings (judged
   * ones offered but not ticked), a title naming what leaks and where, and the severity that fits
   * (high for device or subscriber identifiers over plain HTTP). Editing shows the annotation as saved.
   */
  draft(exchangeIds: readonly number[], annotationId: string | null, findingsOf: (exchangeId: number) => readonly Finding[]): { draft: AnnotationDraft; findings: DraftFinding[] } {
    const existing = annotationId === null ? undefined : this.annotation(annotationId);
    if (annotationId !== null && !existing) throw new Error(`there is no annotation ${JSON.stringify(annotationId)} in ${this.sidecarFile}`);
    const ids = existing ? existing.exchanges.map((x) => this.exchangeOf(x)).filter((id): id is number => id !== undefined) : [...exchangeIds];
    for (const id of ids) if (!this.capture.exchanges[id]) throw new Error(`there is no exchange #${id}`);
    const findings: DraftFinding[] = [];
    const offered = new Set<string>();
    for (const id of ids) {
      for (const f of findingsOf(id)) {
        const key = findingKey(findingRefOf(f));
        if (offered.has(key) || findings.length >= MAX_DRAFT_FINDINGS) continue;
        offered.add(key);
        const place = findingPlace(f);
        findings.push({
          key, exchangeId: id, kind: f.kind, confidence: f.confidence, value: cap(f.value, 512),
          section: place.section, fieldPath: cap(place.fieldPath, 300), chain: f.chain.slice(0, 16).map((s) => cap(s, 100)),
          judged: this.judgementOf(f)?.judgement ?? null, missing: false,
        });
      }
    }
    if (existing) {
      for (const ref of existing.findings) {
        const key = findingKey(ref);
        if (offered.has(key) || findings.length >= MAX_DRAFT_FINDINGS) continue;
        offered.add(key);
        findings.push({
          key, exchangeId: ids[0] ?? -1, kind: ref.kind, confidence: 'low', value: cap(ref.value, 512),
          section: sectionOfPart(ref.part), fieldPath: cap(ref.fieldPath, 300), chain: ref.chain.slice(0, 16).map((s) => cap(s, 100)),
          judged: null, missing: true,
        });
      }
      return {
        draft: { id: existing.id, exchangeIds: ids, severity: existing.severity, title: existing.title, notes: existing.notes, tags: [...existing.tags], findingKeys: existing.findings.map(findingKey) },
        findings,
      };
    }
    const ticked = findings.filter((f) => f.judged === null);
    return {
      draft: { id: null, exchangeIds: ids, severity: suggestedSeverity(this.capture, ids, ticked), title: suggestedTitle(this.capture, ids, ticked), notes: '', tags: [], findingKeys: ticked.map((f) => f.key) },
      findings,
    };
  }

  /** The sidecar with this annotation created or replaced. Finding keys not among the exchanges' findings (nor the annotation's own) are refused. */
  withAnnotation(draft: AnnotationDraft, findingsOf: (exchangeId: number) => readonly Finding[], now = new Date(), newId = randomId): Sidecar {
    const sidecar = this.editable();
    const existing = draft.id === null ? undefined : sidecar.annotations.find((a) => a.id === draft.id);
    if (draft.id !== null && !existing) throw new Error(`there is no annotation ${JSON.stringify(draft.id)} in ${this.sidecarFile} (removed elsewhere?)`);
    const exchanges: ExchangeAnchor[] = [];
    const refs = new Map<string, FindingRef>();
    for (const ref of existing?.findings ?? []) refs.set(findingKey(ref), ref);
    for (const id of draft.exchangeIds) {
      const exchange = this.capture.exchanges[id];
      if (!exchange) throw new Error(`there is no exchange #${id}`);
      // An exchange the annotation already named keeps its stored anchor (and unknown fields).
      const stored = existing?.exchanges.find((x) => this.exchangeOf(x) === id);
      exchanges.push(stored ?? this.anchorFor(id));
      for (const f of findingsOf(id)) {
        const ref = findingRefOf(f);
        const key = findingKey(ref);
        if (!refs.has(key)) refs.set(key, ref);
      }
    }
    // Orphaned anchors stay: the researcher did not say the annotation is no longer about them.
    for (const x of existing?.exchanges ?? []) if (this.exchangeOf(x) === undefined) exchanges.push(x);
    if (exchanges.length === 0) throw new Error('an annotation is about at least one request: select one, or delete the annotation');
    const findings: FindingRef[] = [];
    for (const key of new Set(draft.findingKeys)) {
      const ref = refs.get(key);
      if (!ref) throw new Error('a finding the annotation names is not one of its exchanges’ findings');
      findings.push(ref);
    }
    const stamp = now.toISOString();
    const title = draft.title.trim();
    const annotation: Annotation = {
      ...(existing ?? {}),
      id: existing?.id ?? uniqueId(sidecar, newId),
      exchanges,
      severity: draft.severity,
      title: title === '' ? suggestedTitle(this.capture, draft.exchangeIds, []) : title,
      notes: draft.notes,
      tags: [...new Set(draft.tags.map((t) => t.trim()).filter((t) => t !== ''))],
      findings,
      created: existing?.created ?? stamp,
      updated: stamp,
    };
    sidecar.annotations = existing ? sidecar.annotations.map((a) => (a === existing ? annotation : a)) : [...sidecar.annotations, annotation];
    return sidecar;
  }

  withoutAnnotation(id: string): Sidecar {
    const sidecar = this.editable();
    if (!sidecar.annotations.some((a) => a.id === id)) throw new Error(`there is no annotation ${JSON.stringify(id)} in ${this.sidecarFile}`);
    sidecar.annotations = sidecar.annotations.filter((a) => a.id !== id);
    return sidecar;
  }

  /** The sidecar with one finding judged (or its judgement taken back, `judgement` null). */
  withJudgement(exchangeId: number, key: string, judgement: Judgement | null, reason: string, findingsOf: (exchangeId: number) => readonly Finding[]): Sidecar {
    const sidecar = this.editable();
    const finding = findingsOf(exchangeId).find((f) => findingKey(findingRefOf(f)) === key);
    const stateOf = (s: FindingState) => this.exchangeOf(s.exchange) === exchangeId && findingKey(s.finding) === key;
    const kept = sidecar.findingStates.filter((s) => !stateOf(s));
    if (judgement === null) {
      if (kept.length === sidecar.findingStates.length) throw new Error('that finding is not judged');
      sidecar.findingStates = kept;
      return sidecar;
    }
    if (!finding) throw new Error(`exchange #${exchangeId} has no such finding (the capture was rescanned?)`);
    const previous = sidecar.findingStates.find(stateOf);
    const state: FindingState = { ...(previous ?? {}), exchange: previous?.exchange ?? this.anchorFor(exchangeId), finding: previous?.finding ?? findingRefOf(finding), state: judgement, reason: reason.trim() };
    sidecar.findingStates = [...kept, state];
    return sidecar;
  }

  /**
   * The sidecar with these known values (the leaklens.knownValues shape), or without any. Values
   * are trimmed and deduplicated, and checked as the scan will read them: an invalid one (an IMSI
   * of two digits) is refused with the reason, instead of being saved and then ignored.
   */
  withKnownValues(entries: readonly KnownValueEntry[]): Sidecar {
    const sidecar = this.editable();
    const known = new Map<string, string[]>();
    for (const { kind, value } of entries) {
      const text = value.trim();
      if (text === '') continue;
      const values = known.get(kind) ?? [];
      if (!values.includes(text)) values.push(text);
      known.set(kind, values);
    }
    if (known.size === 0) {
      delete sidecar.knownValues;
      return sidecar;
    }
    const record: Record<string, string | string[]> = {};
    for (const [kind, values] of known) defineKey(record, kind, values.length === 1 ? values[0] : values);
    try {
      parseKnownFile(record, `The known values of ${this.sidecarFile}`);
    } catch (err) {
      if (err instanceof KnownValueError) throw new Error(err.message, { cause: err });
      throw err;
    }
    sidecar.knownValues = record;
    return sidecar;
  }

  /** The sidecar with these advisory details (title, product, …); empty strings and lists remove a field. */
  withAdvisory(details: AdvisoryDetails): Sidecar {
    const sidecar = this.editable();
    const advisory: AdvisoryMeta = { ...(sidecar.advisory ?? {}) };
    for (const key of ['title', 'summary', 'product', 'vendor', 'setup', 'researcher'] as const) {
      const value = details[key];
      if (value === undefined) continue;
      if (value.trim() === '') delete advisory[key];
      else advisory[key] = value.trim();
    }
    if (details.versions !== undefined) {
      const versions = details.versions.map((v) => v.trim()).filter((v) => v !== '');
      if (versions.length === 0) delete advisory.versions;
      else advisory.versions = versions;
    }
    if (details.timelineEntry) advisory.timeline = [...(advisory.timeline ?? []), details.timelineEntry];
    if (Object.keys(advisory).length === 0) delete sidecar.advisory;
    else sidecar.advisory = advisory;
    return sidecar;
  }

  /** A shallow copy to change (the lists are replaced, never mutated: the book's own stays as read). */
  private editable(): Sidecar {
    if (this.status.status === 'error') throw new Error(`${this.sidecarFile} cannot be read, so it is not changed: ${this.status.error}`);
    const base = this.sidecar ?? emptySidecar(this.sidecarFile.slice(0, -SIDECAR_SUFFIX.length));
    return { ...base, annotations: [...base.annotations], findingStates: [...base.findingStates] };
  }
}

function randomId(): string {
  return randomBytes(6).toString('hex');
}

function uniqueId(sidecar: Sidecar, newId: () => string): string {
  for (;;) {
    const id = newId();
    if (!sidecar.annotations.some((a) => a.id === id)) return id;
  }
}

function sectionOfPart(part: FindingRef['part']): DraftFinding['section'] {
  return findingPlace({ part, fieldPath: '' }).section;
}

const DEVICE_KINDS = new Set(['imei', 'imsi', 'iccid', 'meid', 'phone', 'mac', 'serial', 'android_id']);

function suggestedSeverity(capture: Capture, ids: readonly number[], findings: readonly DraftFinding[]): AnnotationSeverity {
  if (findings.length === 0) return 'info';
  const plain = ids.some((id) => capture.exchanges[id]?.secure === false);
  const device = findings.some((f) => DEVICE_KINDS.has(f.kind) && f.confidence !== 'low');
  if (device) return plain ? 'high' : 'medium';
  return plain ? 'medium' : 'low';
}

const KIND_NAMES: Readonly<Record<string, string>> = {
  imei: 'IMEI', imsi: 'IMSI', iccid: 'ICCID', meid: 'MEID', phone: 'phone number', email: 'e-mail address', mac: 'MAC address',
  android_id: 'Android ID', ad_id: 'advertising ID', serial: 'serial number', geo: 'location', carrier: 'carrier name', known_value: 'known value',
};

function suggestedTitle(capture: Capture, ids: readonly number[], findings: readonly DraftFinding[]): string {
  const hosts = [...new Set(ids.map((id) => capture.exchanges[id]).filter((x) => x !== undefined).map((x) => exchangeHost(x)))];
  const kinds = [...new Set(findings.map((f) => KIND_NAMES[f.kind] ?? f.kind))];
  const plain = ids.some((id) => capture.exchanges[id]?.secure === false);
  const to = hosts.length === 0 ? '' : hosts.length <= 2 ? ` to ${hosts.join(' and ')}` : ` to ${hosts.length} hosts`;
  if (kinds.length === 0) return cap(`Request${ids.length > 1 ? 's' : ''}${to}`, MAX_TITLE_LENGTH);
  const what = kinds.length <= 3 ? joinAnd(kinds) : `${kinds.slice(0, 3).join(', ')} and ${kinds.length - 3} more`;
  return cap(`${what.charAt(0).toUpperCase()}${what.slice(1)} sent${to}${plain ? ' over plain HTTP' : ''}`, MAX_TITLE_LENGTH);
}

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

