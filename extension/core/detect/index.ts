// All identifier detectors over one decoded text leaf, with overlaps resolved: where two
// detections cover the same characters, the more specific and more confident one stays.
import type { Confidence, IdentifierKind } from '../model';
import { detectCarrier } from './carrier';
import { pickNonOverlapping } from './intervals';
import { keyHints } from './context';
import { detectDigits } from './digits';
import { detectEmail } from './email';
import { detectGeoPair } from './geo';
import { detectAdId, detectKeyedHex, detectMac, detectSerial } from './hexIds';
import { detectPhone } from './phone';
import type { Detection, Detector, LeafContext } from './types';

export type { Detection, LeafContext } from './types';

const DETECTORS: Detector[] = [
  detectDigits, detectKeyedHex, detectMac, detectAdId, detectEmail, detectGeoPair, detectCarrier, detectSerial, detectPhone,
];

/** On overlap, kinds earlier here win over later ones at equal confidence. */
const SPECIFICITY: IdentifierKind[] = [
  'iccid', 'imei', 'imsi', 'meid', 'ad_id', 'mac', 'android_id', 'email', 'geo', 'carrier', 'serial', 'phone', 'known_value',
];
const CONFIDENCE_RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

export function confidenceRank(c: Confidence): number {
  return CONFIDENCE_RANK[c];
}

function better(a: Detection, b: Detection): number {
  return (CONFIDENCE_RANK[b.confidence] - CONFIDENCE_RANK[a.confidence]) || (SPECIFICITY.indexOf(a.kind) - SPECIFICITY.indexOf(b.kind));
}

/**
 * The least any detector needs when the text's key gives no hint (keys written inline, `imei=…`,
 * still need the value's own shape): a phone-length digit span (IMEI, IMSI, ICCID and phones all
 * have one), `@`, 12 hex digits (bare MAC, MEID, Android ID), a separated or dotted MAC, a UUID,
 * or a decimal with three places (coordinates). Carrier and serial detectors need a key hint.
 */
const UNKEYED_CANDIDATE = /\d[\d\s().-]{5}\d|@|[0-9A-Fa-f]{12}|[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.|[0-9A-Fa-f]{8}-|\d\.\d{3}/;

/** The shortest identifier a detector finds when no key hints one (`a@b.cd`). */
export const MIN_UNKEYED_LENGTH = 6;

/** Cheap test before any detector: most leaves (words, small numbers) can hold no identifier. */
function mayHoldIdentifier(text: string, ctx: LeafContext): boolean {
  if (ctx.hints.size > 0) return text.length > 0;
  return text.length >= MIN_UNKEYED_LENGTH && UNKEYED_CANDIDATE.test(text);
}

/**
 * Where detections overlap, the better one (confidence, then specificity) wins. Sweeps clusters of
 * overlapping detections in start order, so a hostile text with many matches stays near-linear.
 */
function resolveOverlaps(all: Detection[]): Detection[] {
  all.sort((a, b) => a.start - b.start);
  const kept: Detection[] = [];
  let cluster: Detection[] = [];
  let clusterEnd = -1;
  const flush = (): void => {
    if (cluster.length === 1) kept.push(cluster[0]);
    else if (cluster.length > 1) {
      for (const d of pickNonOverlapping(cluster.sort(better)).sort((a, b) => a.start - b.start)) kept.push(d);
    }
    cluster = [];
  };
  for (const d of all) {
    if (d.start >= clusterEnd) {
      flush();
      clusterEnd = d.end;
    } else clusterEnd = Math.max(clusterEnd, d.end);
    cluster.push(d);
  }
  flush();
  return kept;
}

export function detectIdentifiers(text: string, key: string | undefined, defaultRegion?: string): Detection[] {
  const ctx: LeafContext = { hints: keyHints(key), key, defaultRegion };
  if (!mayHoldIdentifier(text, ctx)) return [];
  const all: Detection[] = [];
  // No push(...spread): a hostile text with 200k candidates would overflow the call stack.
  for (const detector of DETECTORS) for (const d of detector(text, ctx)) all.push(d);
  if (all.length <= 1) return all;
  return resolveOverlaps(all);
}

/** IMSIs (not low confidence) in a text, for choosing the capture's phone region before phones are read. */
export function imsiEvidence(text: string, key: string | undefined): Detection[] {
  const ctx: LeafContext = { hints: keyHints(key), key };
  return detectDigits(text, ctx).filter((d) => d.kind === 'imsi' && d.confidence !== 'low');
}
