// The findings part of the header: how many identifiers the scan found and how sure it is, the
// kinds found, and — the headline of a leak report — which hosts received identifiers over plain
// HTTP, where anyone on the network path can read them.
import { CONFIDENCES, FINDING_KINDS, type FindingKind, type FindingsSummary, type HostFindings, type KindCount, type PlainHttpHost } from '../extension/protocol';
import { describeKindCount, kindBadge } from './badges';
import { formatCount, h, icon, visible } from './dom';

/** `loading`: the file is still being read and scanned as it is read (findings so far), so "none" would be premature. */
export function renderFindings(findings: FindingsSummary, loading?: { findings: number }): HTMLElement {
  const section = h('section', { class: 'findings', attrs: { 'aria-label': 'Findings' } });
  if (findings.scanError) {
    section.append(h('div', { class: 'findings-line scan-error', attrs: { role: 'alert' } }, icon('error'), h('span', {}, visible(findings.scanError))));
    return section;
  }
  if (loading) {
    section.append(h('div', { class: 'findings-line', attrs: { role: 'status' } }, icon('shield'), h('span', { class: 'findings-count' }, `Scanning while the file is read: ${plural(loading.findings, 'finding')} so far`)));
    return section;
  }
  section.append(headline(findings));
  if (findings.limitNote) section.append(h('div', { class: 'findings-line limit-note', attrs: { role: 'note' } }, icon('warning'), h('span', {}, visible(findings.limitNote))));
  if (findings.byKind.length > 0) {
    section.append(h('div', { class: 'kind-counts', attrs: { role: 'list', 'aria-label': 'Findings by kind' } }, ...findings.byKind.map((k) => listItem(kindBadge(k)))));
  }
  if (findings.plainHttp.length > 0) section.append(plainHttpCallout(findings.plainHttp, findings.plainHttpHostCount));
  if (findings.byHost.length > 0) section.append(byHostList(findings.byHost, findings.hostsWithFindings));
  return section;
}

/** Hosts listed before "…and N more" (the list scrolls; every host is in the Host filter). */
const HOSTS_SHOWN = 40;

/** Where the identifiers went: each destination host with the kinds it received. */
function byHostList(hosts: HostFindings[], hostCount: number): HTMLElement {
  const list = h('ul', { class: 'by-host-list' });
  for (const host of hosts.slice(0, HOSTS_SHOWN)) {
    const name = visible(host.host) || '(no host)';
    list.append(
      h(
        'li',
        { class: 'by-host', attrs: { 'aria-label': `${name}${host.plainHttp ? ' (partly over plain HTTP)' : ''}: ${host.kinds.map(describeKindCount).join(', ')}` } },
        host.plainHttp ? icon('unlock', 'plain HTTP') : icon('lock', 'HTTPS only'),
        h('span', { class: 'by-host-name', title: name }, name),
        h('span', { class: 'by-host-kinds', attrs: { 'aria-hidden': 'true' } }, ...host.kinds.map(kindBadge)),
      ),
    );
  }
  if (hostCount > HOSTS_SHOWN) list.append(h('li', { class: 'by-host-more' }, `…and ${plural(hostCount - Math.min(HOSTS_SHOWN, hosts.length), 'more host')} (see the Host filter)`));
  return h(
    'div',
    { class: 'by-host-section' },
    h('div', { class: 'by-host-title' }, icon('globe'), h('span', {}, 'By destination'), h('span', { class: 'plain-http-hosts' }, plural(hostCount, 'host'))),
    list,
  );
}

/** "63 findings in 12 requests (62 high, 1 medium, 0 low) · phone region CN · 2 known values" */
function headline(f: FindingsSummary): HTMLElement {
  const parts: (string | Node)[] = [];
  if (f.total === 0) {
    parts.push(h('span', { class: 'findings-count' }, 'No identifiers found'));
  } else {
    parts.push(
      h('span', { class: 'findings-count' }, `${plural(f.total, 'finding')} in ${plural(f.exchangesWithFindings, 'request')}`),
      ' (',
      h('span', { class: f.byConfidence.high > 0 ? 'confidence-text-high' : '' }, `${formatCount(f.byConfidence.high)} high`),
      ', ',
      h('span', { class: f.byConfidence.medium > 0 ? 'confidence-text-medium' : '' }, `${formatCount(f.byConfidence.medium)} medium`),
      ', ',
      h('span', {}, `${formatCount(f.byConfidence.low)} low`),
      ')',
    );
  }
  const extras: { text: string; title: string }[] = [];
  if (f.defaultRegion) {
    extras.push({
      text: `phone region ${f.defaultRegion}`,
      title: f.regionFromSetting
        ? 'National phone numbers are read in this region (the leaklens.phoneRegion setting).'
        : 'National phone numbers are read in this region: the SIM’s, from the IMSIs in the capture (US when there are none). The leaklens.phoneRegion setting overrides it.',
    });
  }
  extras.push({
    text: f.knownValues > 0 ? plural(f.knownValues, 'known value') : 'no known values',
    title: 'Your test device’s own identifiers, from the leaklens.knownValues setting: LeakLens also finds them encoded and hashed.',
  });
  for (const extra of extras) {
    parts.push(h('span', { class: 'findings-sep', attrs: { 'aria-hidden': 'true' } }, ' · '), h('span', { class: 'findings-extra', title: extra.title }, extra.text));
  }
  return h('div', { class: 'findings-line' }, icon(f.byConfidence.high > 0 ? 'shield' : 'pass'), h('span', { class: 'findings-text' }, ...parts));
}

/**
 * The headline of a leak report: identifiers anyone on the network path could read. One line:
 * how many hosts, and every kind sent in the clear (the hosts are marked in the list below).
 */
function plainHttpCallout(hosts: PlainHttpHost[], hostCount: number): HTMLElement {
  const kinds = new Map<FindingKind, KindCount>();
  for (const host of hosts) {
    for (const k of host.kinds) {
      const seen = kinds.get(k.kind);
      if (!seen) kinds.set(k.kind, { ...k });
      else {
        seen.count += k.count;
        if (CONFIDENCES.indexOf(k.confidence) < CONFIDENCES.indexOf(seen.confidence)) seen.confidence = k.confidence;
      }
    }
  }
  const ordered = FINDING_KINDS.filter((k) => kinds.has(k)).map((k) => kinds.get(k) as KindCount);
  const names = hosts.slice(0, 3).map((h) => visible(h.host) || '(no host)');
  return h(
    'div',
    { class: 'plain-http', attrs: { role: 'note' } },
    h(
      'div',
      { class: 'plain-http-title' },
      icon('unlock'),
      h('span', {}, 'Sent over plain HTTP'),
      h('span', { class: 'plain-http-hosts', title: hosts.map((h) => visible(h.host)).join('\n') }, `to ${plural(hostCount, 'host')} (${names.join(', ')}${hostCount > names.length ? ', …' : ''})`),
    ),
    h('div', { class: 'plain-http-kinds', attrs: { role: 'list', 'aria-label': 'Kinds sent over plain HTTP' } }, ...ordered.map((k) => listItem(kindBadge(k)))),
  );
}

function listItem(child: Node): HTMLElement {
  return h('span', { attrs: { role: 'listitem' } }, child);
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}
