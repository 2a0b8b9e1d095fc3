// The annotations sidecar: what a researcher records about a capture, stored beside it
// (`capture.har.leaklens.json`) so findings live in the repository next to the code under study.
// Plain data only (it is JSON on disk); reading, validating, anchoring and writing live in the
// sibling modules. Fields a newer LeakLens writes and this one does not know are kept in `extra`
// and written back unchanged.
import type { ExchangePart, IdentifierKind } from '../model';

/** The sidecar's schema version; a file with a higher major version is refused, not rewritten. */
export const SIDECAR_VERSION = 1;
/** The sidecar's name beside a capture: `capture.har` → `capture.har.leaklens.json`. */
export const SIDECAR_SUFFIX = '.leaklens.json';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_STATES = ['false-positive', 'expected'] as const;
export type FindingStateName = (typeof FINDING_STATES)[number];

/**
 * Which exchange an annotation is about, robust to a re-exported or reordered capture: its index
 * when written, and a fingerprint (method, URL, start time, SHA-256 of the request body) to find
 * it again or to report it orphaned instead of attaching to the wrong request.
 */
export interface ExchangeAnchor {
  /** Exchange id (position in the capture) when the anchor was written. */
  index: number;
  method: string;
  url: string;
  /** As the producer wrote it; omitted when the capture has none. */
  startedDateTime?: string;
  /** Hex SHA-256 of the request body bytes; omitted when there is no body. */
  requestBodySha256?: string;
  /** Fields this version does not know, kept as read (not part of the fingerprint). */
  extra?: Record<string, unknown>;
}

/** A finding, named by what does not change between scans: kind, value and where it sits. */
export interface FindingRef {
  kind: IdentifierKind;
  /** Canonical value (digits of an IMEI, E.164 phone, …). */
  value: string;
  part: ExchangePart;
  fieldPath: string;
  chain: string[];
  /** Fields this version does not know, kept as read (not part of the finding's identity). */
  extra?: Record<string, unknown>;
}

export interface Annotation {
  /** Stable id (random, written once), so edits and references survive reordering. */
  id: string;
  /** The exchanges it is about (one or more). */
  exchanges: ExchangeAnchor[];
  severity: Severity;
  title: string;
  /** Free markdown, the researcher's own. */
  notes: string;
  tags: string[];
  /** The findings it is about (pre-filled with the exchanges' findings). */
  findings: FindingRef[];
  /** ISO 8601. */
  created: string;
  updated: string;
  /** Fields this version does not know, kept as read. */
  extra?: Record<string, unknown>;
}

/** A finding the researcher judged: a false positive, or expected (e.g. sent to the vendor with consent). */
export interface FindingState {
  exchange: ExchangeAnchor;
  finding: FindingRef;
  state: FindingStateName;
  reason: string;
  extra?: Record<string, unknown>;
}

/** What the advisory says about the study, beyond the capture. */
export interface AdvisoryMeta {
  title?: string;
  summary?: string;
  product?: string;
  vendor?: string;
  versions?: string[];
  /** Test setup: device, OS, proxy. */
  setup?: string;
  researcher?: string;
  /** Timeline entries: date (ISO) and what happened. */
  timeline?: { date: string; event: string; extra?: Record<string, unknown> }[];
  extra?: Record<string, unknown>;
}

export interface Sidecar {
  version: number;
  /** The capture it belongs to (base name, and its size when written, to notice another file). */
  capture: { file: string; byteLength?: number; extra?: Record<string, unknown> };
  annotations: Annotation[];
  findingStates: FindingState[];
  /** The researcher's own device values, in the leaklens.knownValues setting's shape. */
  knownValues?: Record<string, unknown>;
  advisory?: AdvisoryMeta;
  extra?: Record<string, unknown>;
}
