// Identifier kinds as the panel shows them: short labels for the badges, names for people, and the
// badge element itself, coloured by confidence (the colours live in styles.css, from the theme).
import type { DetailSectionId, FindingConfidence, FindingKind, KindCount } from '../extension/protocol';
import { formatCount, h } from './dom';

interface KindLabel {
  /** What the badge says. */
  short: string;
  /** What tooltips and screen readers say. */
  name: string;
}

export const KIND_LABELS: Record<FindingKind, KindLabel> = {
  imei: { short: 'IMEI', name: 'IMEI' },
  imsi: { short: 'IMSI', name: 'IMSI' },
  iccid: { short: 'ICCID', name: 'ICCID' },
  meid: { short: 'MEID', name: 'MEID' },
  phone: { short: 'PHONE', name: 'phone number' },
  email: { short: 'EMAIL', name: 'e-mail address' },
  mac: { short: 'MAC', name: 'MAC address' },
  android_id: { short: 'AID', name: 'Android ID' },
  ad_id: { short: 'ADID', name: 'advertising ID' },
  serial: { short: 'SN', name: 'serial number' },
  geo: { short: 'GEO', name: 'location' },
  carrier: { short: 'CARRIER', name: 'carrier' },
  known_value: { short: 'KNOWN', name: 'known value' },
};

const CONFIDENCE_CLASSES: Record<FindingConfidence, string> = {
  high: 'confidence-high',
  medium: 'confidence-medium',
  low: 'confidence-low',
};

export function kindLabel(kind: FindingKind): KindLabel {
  // Own-property lookup: the host only sends known kinds, but a stray one must not crash the page.
  return Object.prototype.hasOwnProperty.call(KIND_LABELS, kind) ? KIND_LABELS[kind] : { short: String(kind).toUpperCase(), name: String(kind) };
}

/** "IMEI ×2 (high confidence)". */
export function describeKindCount(k: KindCount): string {
  return `${kindLabel(k.kind).name} ×${formatCount(k.count)} (${k.confidence} confidence)`;
}

/** A badge: the kind's short label, its count when more than one, coloured by confidence. */
export function kindBadge(k: KindCount): HTMLElement {
  const description = describeKindCount(k);
  const confidence = Object.prototype.hasOwnProperty.call(CONFIDENCE_CLASSES, k.confidence) ? CONFIDENCE_CLASSES[k.confidence] : CONFIDENCE_CLASSES.low;
  return h(
    'span',
    { class: `kind-badge ${confidence}`, title: description, attrs: { role: 'img', 'aria-label': description } },
    kindLabel(k.kind).short,
    k.count > 1 ? h('span', { class: 'kind-count', attrs: { 'aria-hidden': 'true' } }, formatCount(k.count)) : null,
  );
}

/** Where a finding sits, as the findings lists say it: "request header". */
export const SECTION_WHERE: Readonly<Record<DetailSectionId, string>> = {
  'request-headers': 'request header',
  query: 'query',
  'request-cookies': 'request cookie',
  'request-body': 'request body',
  'response-headers': 'response header',
  'response-cookies': 'response cookie',
  'response-body': 'response body',
};
