// The "LeakLens Findings" tree as plain data: captures, their annotations (most severe first) and
// their findings grouped by kind (most serious first). Pure — no vscode — so the whole shape is
// unit-tested; findingsTree.ts only turns these nodes into TreeItems and feeds it data.
//
// Everything shown here comes from a capture or a sidecar, both hostile: labels and descriptions
// are cleaned of control and bidi characters and capped, and tooltips are markdown in which every
// piece of that text is escaped (the adapter renders them untrusted, without HTML).
import { findingKey, findingRefOf } from '../core/annotations/anchor';
import type { Sidecar } from '../core/annotations/model';
import { parseSidecar } from '../core/annotations/sidecar';
import { formatChain } from '../core/decode/index';
import { confidenceRank } from '../core/detect/index';
import type { Exchange, ExchangePart, Finding } from '../core/model';
import { exchangeHost } from '../core/model';
import { cleanText, escapeInline, truncate } from '../core/report/markdown';
import {
  FINDING_KINDS,
  MAX_ANNOTATIONS_SENT,
  MAX_DRAFT_FINDINGS,
  MAX_NOTES_LENGTH,
  MAX_TITLE_LENGTH,
  SEVERITIES,
  type AnnotationSeverity,
  type AnnotationsView,
  type AnnotationView,
  type FindingConfidence,
  type FindingKind,
} from '../protocol';

/** Finding items listed under one kind; the rest are counted in a last "… and N more" item. */
export const FINDINGS_PER_KIND = 200;
/** Annotation items listed under one capture (the workbench lists them all). */
export const ANNOTATIONS_PER_CAPTURE = 500;
/** Exchange numbers an annotation's description names before "+ N more". */
const EXCHANGES_NAMED = 3;
/** Characters of the researcher's notes a tooltip shows. */
const TOOLTIP_NOTES_CHARS = 2000;
const CAP = { label: 200, description: 300, value: 200, host: 255, where: 600, message: 2000, path: 1000 } as const;

export const SHOW_IN_CAPTURE = 'leaklens.showInCapture';
export const OPEN_IN_LEAKLENS = 'leaklens.openInLeakLens';

/**
 * What `leaklens.showInCapture` is asked to show in the capture named by its first argument (a
 * URI string): an exchange with one of its findings highlighted (`findingKey` null: the exchange
 * alone), or an annotation by id when the capture is not open yet (its anchors are resolved after
 * loading; they may turn out to be orphans).
 */
/** `annotate`: open the annotation form for the exchange once it is shown (the text view's CodeLens). */
export type ShowInCaptureTarget = { exchangeId: number; findingKey: string | null; annotate?: boolean } | { annotationId: string };

/** A finding as the tree lists it (judged findings are left out by the caller). */
export interface TreeFinding {
  exchangeId: number;
  /** findingKey(findingRefOf(finding)): the same key the detail pane and annotations use. */
  key: string;
  kind: FindingKind;
  confidence: FindingConfidence;
  /** Canonical value. */
  value: string;
  host: string;
  /** False: sent over plain HTTP. */
  secure: boolean;
  /** Where it sits, for people: part, field and decode chain. */
  where: string;
}

/** One capture as the model needs it (findingsTree.ts builds it from the source or a sidecar). */
export interface TreeCaptureEntry {
  /** The capture's URI, as a string (command argument and node identity). */
  uri: string;
  fileName: string;
  /** Where it is, for people (workspace-relative when it can be). */
  path: string;
  /** Open in a LeakLens editor: annotations are resolved against it and findings may be known. */
  open: boolean;
  /** Scanned: `findings` are its findings. */
  scanned: boolean;
  /** Not open, and no file is where the sidecar says its capture is (moved or renamed without it). */
  missing?: boolean;
  annotations: AnnotationsView;
  findings: readonly TreeFinding[];
}

export type TreeCommand =
  | { command: typeof SHOW_IN_CAPTURE; title: string; arguments: [string, ShowInCaptureTarget] }
  /** The adapter passes the capture as a vscode.Uri (what `leaklens.openInLeakLens` accepts). */
  | { command: typeof OPEN_IN_LEAKLENS; title: string; arguments: [string] };

export type TreeNodeKind = 'capture' | 'annotations' | 'annotation' | 'exchange' | 'orphan' | 'findings' | 'kind' | 'finding' | 'more' | 'hint' | 'error';

/** A codicon and, optionally, the theme colour to draw it in. */
export interface TreeIcon {
  id: string;
  color?: string;
}

export interface TreeNode {
  /** Unique in the tree and the same from one refresh to the next, so expansion is kept. */
  id: string;
  kind: TreeNodeKind;
  label: string;
  description: string;
  /** Markdown with every capture- and sidecar-derived piece escaped; '' for none. */
  tooltip: string;
  icon: TreeIcon;
  collapsible: 'none' | 'collapsed' | 'expanded';
  command?: TreeCommand;
  /** Capture nodes: the capture's URI (for its file icon and decorations). */
  resourceUri?: string;
  children: TreeNode[];
}

const SEVERITY_ICON: Readonly<Record<AnnotationSeverity, TreeIcon>> = {
  critical: { id: 'flame', color: 'errorForeground' },
  high: { id: 'error', color: 'errorForeground' },
  medium: { id: 'warning', color: 'editorWarning.foreground' },
  low: { id: 'info', color: 'editorInfo.foreground' },
  info: { id: 'info', color: 'editorInfo.foreground' },
};
const ERROR_ICON: TreeIcon = { id: 'error', color: 'errorForeground' };
const WARNING_ICON: TreeIcon = { id: 'warning', color: 'editorWarning.foreground' };

/** How the tree names each kind (capitalised: they start a label). */
export const KIND_TITLE: Readonly<Record<FindingKind, string>> = {
  imei: 'IMEI', imsi: 'IMSI', iccid: 'ICCID', meid: 'MEID', phone: 'Phone number', email: 'E-mail address', mac: 'MAC address',
  android_id: 'Android ID', ad_id: 'Advertising ID', serial: 'Serial number', geo: 'Location', carrier: 'Mobile carrier', known_value: 'Known value',
};

const PART_NAME: Readonly<Record<ExchangePart, string>> = {
  url: 'URL path', query: 'query parameter', request_header: 'request header', request_cookie: 'request cookie', request_body: 'request body',
  response_header: 'response header', response_cookie: 'response cookie', response_body: 'response body',
};

const KIND_RANK = new Map<string, number>(FINDING_KINDS.map((k, i) => [k, i]));
const SEVERITY_RANK = new Map<string, number>(SEVERITIES.map((s, i) => [s, i]));

/** A finding of the scan as the tree lists it. */
export function treeFindingOf(finding: Finding, exchange: Exchange | undefined): TreeFinding {
  const place = finding.part === 'url' ? PART_NAME.url : `${PART_NAME[finding.part]} ${finding.fieldPath}`;
  const chain = finding.chain.length > 0 ? `, decoded ${formatChain(finding.chain)}` : '';
  return {
    exchangeId: finding.exchangeId,
    key: findingKey(findingRefOf(finding)),
    kind: finding.kind,
    confidence: finding.confidence,
    value: truncate(finding.value, 512),
    host: truncate(exchange ? exchangeHost(exchange) : '', CAP.host),
    secure: exchange?.secure ?? true,
    where: truncate(`${place}${chain}`, CAP.where),
  };
}

/**
 * The annotations of a sidecar whose capture is not open: nothing to resolve the anchors against,
 * so each names the exchanges it was written for (anchor.index) and none is known to be orphaned.
 */
export function sidecarAnnotationsView(sidecar: Sidecar, sidecarFile: string): AnnotationsView {
  return {
    sidecarFile,
    status: 'ok',
    error: '',
    annotations: sidecar.annotations.slice(0, MAX_ANNOTATIONS_SENT).map((a): AnnotationView => ({
      id: a.id,
      severity: a.severity,
      title: truncate(a.title, MAX_TITLE_LENGTH),
      notes: truncate(a.notes, MAX_NOTES_LENGTH),
      tags: a.tags.slice(0, 32).map((t) => truncate(t, 64)),
      exchangeIds: [...new Set(a.exchanges.map((x) => x.index))],
      orphans: [],
      findingKeys: a.findings.slice(0, MAX_DRAFT_FINDINGS).map(findingKey),
      updated: a.updated,
    })),
    total: sidecar.annotations.length,
    judgedCount: sidecar.findingStates.length,
  };
}

/**
 * The entry of a capture known only by its sidecar (`bytes`, read from `sidecarPath`, which names
 * it in errors). Never throws: a sidecar that cannot be read becomes status `error` with the reason.
 */
export function sidecarOnlyEntry(args: { uri: string; fileName: string; path: string; sidecarPath: string; bytes: Uint8Array }): TreeCaptureEntry {
  const sidecarFile = baseName(args.sidecarPath);
  let annotations: AnnotationsView;
  try {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(args.bytes);
    } catch {
      throw new Error(`${args.sidecarPath}: the file is not valid UTF-8; expected a UTF-8 JSON text`);
    }
    annotations = sidecarAnnotationsView(parseSidecar(text, args.sidecarPath), sidecarFile);
  } catch (err) {
    annotations = errorAnnotations(sidecarFile, err instanceof Error ? err.message : String(err));
  }
  return { uri: args.uri, fileName: args.fileName, path: args.path, open: false, scanned: false, annotations, findings: [] };
}

/** A sidecar that could not be read at all (I/O error, too large): `message` names file and problem. */
export function errorAnnotations(sidecarFile: string, message: string): AnnotationsView {
  return { sidecarFile, status: 'error', error: truncate(message, CAP.message), annotations: [], total: 0, judgedCount: 0 };
}

/** Something about the tree as a whole (the sidecar search failed, …), shown first. */
export interface TreeProblem {
  label: string;
  message: string;
}

/**
 * The whole tree: open captures first (by file name), then captures known only by their sidecar
 * (by path); an open capture hides the sidecar-only entry of the same URI. `problems` (the sidecar
 * search failed, …) come first as error nodes.
 */
export function buildFindingsTree(entries: readonly TreeCaptureEntry[], problems: readonly TreeProblem[] = []): TreeNode[] {
  const open = new Set(entries.filter((e) => e.open).map((e) => e.uri));
  const seen = new Set<string>();
  const kept: TreeCaptureEntry[] = [];
  for (const e of entries) {
    if ((!e.open && open.has(e.uri)) || seen.has(e.uri)) continue;
    seen.add(e.uri);
    kept.push(e);
  }
  kept.sort((a, b) => Number(b.open) - Number(a.open) || compareText(a.open ? a.fileName : a.path, b.open ? b.fileName : b.path) || compareText(a.uri, b.uri));
  return [
    ...problems.map((p, i) => errorNode(`problem:${i}`, p.label, p.message)),
    ...kept.map(captureNode),
  ];
}

export function captureNode(e: TreeCaptureEntry): TreeNode {
  const id = `capture:${e.uri}`;
  const view = e.annotations;
  const plainHttp = e.findings.reduce((n, f) => n + (f.secure ? 0 : 1), 0);
  const parts: string[] = [];
  if (view.total > 0) parts.push(plural(view.total, 'annotation'));
  if (view.status === 'error') parts.push('annotations unreadable');
  if (!e.open) parts.push(e.missing ? 'capture file missing' : 'not open');
  else if (!e.scanned) parts.push('not scanned yet');
  else {
    parts.push(e.findings.length === 0 ? 'no findings' : plural(e.findings.length, 'finding'));
    if (plainHttp > 0) parts.push(`${count(plainHttp)} plain HTTP`);
  }

  const children: TreeNode[] = [];
  if (view.status === 'error') children.push(errorNode(`${id}/sidecar-error`, `${oneLine(view.sidecarFile, CAP.label)} cannot be read`, view.error));
  if (view.annotations.length > 0) children.push(annotationsGroup(id, e));
  if (!e.open && e.missing) {
    children.push(hintNode(`${id}/missing-hint`, 'Capture file missing', 'No capture is beside this annotations file: it names the capture by its own name minus .leaklens.json', WARNING_ICON));
  } else if (!e.open) {
    children.push({
      id: `${id}/open-hint`, kind: 'hint', label: 'Open to scan for findings', description: '', tooltip: 'Opens the capture in LeakLens, which scans it',
      icon: { id: 'go-to-file' }, collapsible: 'none', command: { command: OPEN_IN_LEAKLENS, title: 'Open in LeakLens', arguments: [e.uri] }, children: [],
    });
  } else if (!e.scanned) {
    children.push(hintNode(`${id}/scan-hint`, 'Not scanned yet', 'The findings are listed once LeakLens has read and scanned the capture', { id: 'loading' }));
  } else if (e.findings.length === 0) {
    children.push(hintNode(`${id}/no-findings`, 'No findings', 'The scan found no identifiers (judged findings are not listed)', { id: 'check' }));
  } else {
    children.push(findingsGroup(id, e));
  }

  const tooltip = [
    `**${escapeInline(truncate(e.fileName, CAP.label))}**`,
    escapeInline(truncate(e.path, CAP.path)),
    view.status === 'none' ? 'No annotations file yet' : `Annotations: ${escapeInline(truncate(view.sidecarFile, CAP.label))}`,
    ...(view.judgedCount > 0 ? [`${plural(view.judgedCount, 'finding')} judged false positive or expected (not listed)`] : []),
    ...(e.open ? [] : ['Not open in LeakLens: exchange numbers are as recorded in the annotations file']),
  ].join('\n\n');
  return {
    id, kind: 'capture', label: oneLine(e.fileName, CAP.label), description: parts.join(' · '), tooltip,
    icon: { id: 'file' }, collapsible: e.open ? 'expanded' : 'collapsed', resourceUri: e.uri, children,
  };
}

function annotationsGroup(parentId: string, e: TreeCaptureEntry): TreeNode {
  const id = `${parentId}/annotations`;
  const view = e.annotations;
  // Most severe first; within one severity the sidecar's (creation) order.
  const sorted = view.annotations
    .map((a, i) => ({ a, i }))
    .sort((x, y) => severityRank(y.a.severity) - severityRank(x.a.severity) || x.i - y.i)
    .map(({ a }) => a);
  const shown = sorted.slice(0, ANNOTATIONS_PER_CAPTURE);
  const children = shown.map((a, i) => annotationNode(`${id}/${i}`, e, a));
  const hidden = view.total - shown.length;
  if (hidden > 0) children.push(moreNode(`${id}/more`, hidden, 'open the capture: the workbench lists every annotation'));
  const orphaned = view.annotations.reduce((n, a) => n + (a.orphans.length > 0 ? 1 : 0), 0);
  const bySeverity = SEVERITIES.slice()
    .reverse()
    .map((s) => ({ s, n: view.annotations.reduce((k, a) => k + (a.severity === s ? 1 : 0), 0) }))
    .filter(({ n }) => n > 0)
    .map(({ s, n }) => `${count(n)} ${s}`);
  return {
    id, kind: 'annotations', label: 'Annotations',
    description: [count(view.total), ...(orphaned > 0 ? [`${count(orphaned)} with orphaned anchors`] : [])].join(' · '),
    tooltip: `${escapeInline(truncate(view.sidecarFile, CAP.label))}: ${bySeverity.join(', ')}`,
    icon: { id: 'comment-discussion' }, collapsible: 'expanded', children,
  };
}

function annotationNode(id: string, e: TreeCaptureEntry, a: AnnotationView): TreeNode {
  const severity = a.severity.toUpperCase();
  const ids = a.exchangeIds;
  const named = ids.slice(0, EXCHANGES_NAMED).map((x) => `#${x}`).join(', ');
  const exchanges = ids.length === 0 ? 'no exchange' : ids.length > EXCHANGES_NAMED ? `${named} + ${count(ids.length - EXCHANGES_NAMED)} more` : named;
  const parts = [severity, exchanges];
  if (a.orphans.length > 0) parts.push(`⚠ ${count(a.orphans.length)} orphaned`);
  if (!e.open) parts.push('not open');

  const children: TreeNode[] = [];
  if (e.open && ids.length > 1) {
    ids.slice(0, FINDINGS_PER_KIND).forEach((x, i) => {
      children.push({
        id: `${id}/x${i}`, kind: 'exchange', label: `Exchange #${x}`, description: '', tooltip: `Show exchange #${x} in the capture`,
        icon: { id: 'arrow-swap' }, collapsible: 'none', command: showCommand(e.uri, { exchangeId: x, findingKey: annotatedFindingIn(e, a, x) }), children: [],
      });
    });
    if (ids.length > FINDINGS_PER_KIND) children.push(moreNode(`${id}/x-more`, ids.length - FINDINGS_PER_KIND, 'open the annotation in the workbench'));
  }
  a.orphans.forEach((reason, i) => {
    children.push({
      id: `${id}/o${i}`, kind: 'orphan', label: 'Orphaned anchor', description: oneLine(reason, CAP.description),
      tooltip: `**Orphaned anchor**: the capture has no single exchange this annotation was written for\n\n${escapeInline(truncate(reason, CAP.message))}`,
      icon: WARNING_ICON, collapsible: 'none', children: [],
    });
  });

  // Open: straight to the first exchange (with a finding the annotation names in it). Not open, or
  // no anchor resolved: the provider opens the capture and resolves the annotation itself.
  const command: TreeCommand = e.open && ids.length > 0 ? showCommand(e.uri, { exchangeId: ids[0], findingKey: annotatedFindingIn(e, a, ids[0]) }) : showCommand(e.uri, { annotationId: a.id });

  const notes = truncate(a.notes, TOOLTIP_NOTES_CHARS);
  const tooltip = [
    `**${severity}** · ${escapeInline(truncate(a.title, CAP.label))}`,
    `${ids.length === 0 ? 'No exchange found' : `Exchange${ids.length === 1 ? '' : 's'} ${escapeInline(truncate(ids.map((x) => `#${x}`).join(', '), CAP.description))}`}${e.open ? '' : ' (as recorded; the capture is not open)'}`,
    ...(a.tags.length > 0 ? [`Tags: ${a.tags.map((t) => escapeInline(t)).join(', ')}`] : []),
    ...(notes.trim() === '' ? [] : [notes.split(/\r\n?|\n/).map((line) => escapeInline(line)).join('  \n')]),
    ...a.orphans.map((reason) => `⚠ Orphaned: ${escapeInline(truncate(reason, CAP.message))}`),
    ...(a.updated ? [`Updated ${escapeInline(truncate(a.updated, 64))}`] : []),
  ].join('\n\n');
  return {
    id, kind: 'annotation', label: oneLine(a.title, CAP.label), description: parts.join(' · '), tooltip,
    icon: SEVERITY_ICON[a.severity] ?? SEVERITY_ICON.info, collapsible: children.length > 0 ? 'collapsed' : 'none', command, children,
  };
}

/** A finding the annotation names that exchange `exchangeId` has in this scan, to highlight; else null. */
function annotatedFindingIn(e: TreeCaptureEntry, a: AnnotationView, exchangeId: number): string | null {
  if (a.findingKeys.length === 0) return null;
  const named = new Set(a.findingKeys);
  return e.findings.find((f) => f.exchangeId === exchangeId && named.has(f.key))?.key ?? null;
}

function findingsGroup(parentId: string, e: TreeCaptureEntry): TreeNode {
  const id = `${parentId}/findings`;
  const byKind = new Map<FindingKind, TreeFinding[]>();
  for (const f of e.findings) {
    if (!KIND_RANK.has(f.kind)) continue;
    const list = byKind.get(f.kind);
    if (list) list.push(f);
    else byKind.set(f.kind, [f]);
  }
  // Most serious first, as the request table's badges: best confidence, then the kinds' order.
  const groups = [...byKind].map(([kind, findings]) => ({ kind, findings, best: bestConfidence(findings) }));
  groups.sort((a, b) => confidenceRank(b.best) - confidenceRank(a.best) || kindRank(a.kind) - kindRank(b.kind));
  const hosts = new Set(e.findings.map((f) => f.host)).size;
  return {
    id, kind: 'findings', label: 'Findings', description: `${count(e.findings.length)} · ${plural(groups.length, 'kind')} · ${plural(hosts, 'host')}`,
    tooltip: 'Findings not judged false positive or expected, by kind, most serious first',
    icon: { id: 'search' }, collapsible: 'expanded', children: groups.map((g) => kindNode(id, e, g.kind, g.findings, g.best)),
  };
}

function kindNode(parentId: string, e: TreeCaptureEntry, kind: FindingKind, findings: TreeFinding[], best: FindingConfidence): TreeNode {
  const id = `${parentId}/${kind}`;
  // Within a kind: surest first, plain HTTP before TLS, then capture order — what the cap keeps.
  const sorted = findings
    .map((f, i) => ({ f, i }))
    .sort((x, y) => confidenceRank(y.f.confidence) - confidenceRank(x.f.confidence) || Number(x.f.secure) - Number(y.f.secure) || x.f.exchangeId - y.f.exchangeId || x.i - y.i)
    .map(({ f }) => f);
  const plainHttp = findings.reduce((n, f) => n + (f.secure ? 0 : 1), 0);
  const values = new Set(findings.map((f) => f.value)).size;
  const children = sorted.slice(0, FINDINGS_PER_KIND).map((f, i) => findingNode(`${id}/${i}`, e.uri, f));
  if (sorted.length > FINDINGS_PER_KIND) children.push(moreNode(`${id}/more`, sorted.length - FINDINGS_PER_KIND, "use the workbench's Findings view"));
  const title = KIND_TITLE[kind];
  return {
    id, kind: 'kind', label: `${title} — ${count(findings.length)}`,
    description: [`${best} confidence`, plural(values, 'value'), ...(plainHttp > 0 ? [`${count(plainHttp)} plain HTTP`] : [])].join(' · '),
    tooltip: `**${title}**: ${plural(findings.length, 'finding')} of ${plural(values, 'distinct value')}, best confidence ${best}${plainHttp > 0 ? `; ${count(plainHttp)} sent over plain HTTP` : ''}`,
    icon: { id: 'key', ...(plainHttp > 0 ? { color: 'errorForeground' } : {}) }, collapsible: 'collapsed', children,
  };
}

function findingNode(id: string, uri: string, f: TreeFinding): TreeNode {
  const parts = [`#${f.exchangeId}`, ...(f.host ? [oneLine(f.host, CAP.host)] : []), ...(f.secure ? [] : ['plain HTTP']), ...(f.confidence === 'high' ? [] : [`${f.confidence} confidence`])];
  const tooltip = [
    `**${KIND_TITLE[f.kind] ?? escapeInline(String(f.kind))}** ${escapeInline(truncate(f.value, CAP.value * 2))} · ${f.confidence} confidence`,
    `Exchange #${f.exchangeId}${f.host ? ` to ${escapeInline(truncate(f.host, CAP.host))}` : ''} over ${f.secure ? 'TLS' : '**plain HTTP**'}`,
    ...(f.where ? [`In the ${escapeInline(truncate(f.where, CAP.where))}`] : []),
  ].join('\n\n');
  return {
    id, kind: 'finding', label: oneLine(f.value, CAP.value), description: parts.join(' · '), tooltip,
    icon: f.secure ? { id: 'lock' } : { id: 'unlock', color: 'errorForeground' }, collapsible: 'none',
    command: showCommand(uri, { exchangeId: f.exchangeId, findingKey: f.key }), children: [],
  };
}

function showCommand(uri: string, target: ShowInCaptureTarget): TreeCommand {
  return { command: SHOW_IN_CAPTURE, title: 'Show in Capture', arguments: [uri, target] };
}

function errorNode(id: string, label: string, message: string): TreeNode {
  return {
    id, kind: 'error', label: oneLine(label, CAP.label), description: oneLine(message, CAP.description),
    tooltip: `**${escapeInline(truncate(label, CAP.label))}**\n\n${escapeInline(truncate(message, CAP.message))}`,
    icon: ERROR_ICON, collapsible: 'none', children: [],
  };
}

function hintNode(id: string, label: string, tooltip: string, icon: TreeIcon): TreeNode {
  return { id, kind: 'hint', label, description: '', tooltip: escapeInline(tooltip), icon, collapsible: 'none', children: [] };
}

function moreNode(id: string, hidden: number, advice: string): TreeNode {
  return { id, kind: 'more', label: `… and ${count(hidden)} more (${advice})`, description: '', tooltip: '', icon: { id: 'ellipsis' }, collapsible: 'none', children: [] };
}

/**
 * Checks the arguments of `leaklens.showInCapture` (any extension can run a command, so they are
 * input like any other): [uri string, target]; undefined when they are not that.
 */
export function parseShowInCaptureArgs(args: readonly unknown[]): { uri: string; target: ShowInCaptureTarget } | undefined {
  const [uri, target] = args;
  if (typeof uri !== 'string' || uri === '' || uri.length > 8192 || typeof target !== 'object' || target === null) return undefined;
  const t = target as Record<string, unknown>;
  if (Object.hasOwn(t, 'annotationId')) {
    const id = t.annotationId;
    return typeof id === 'string' && id !== '' && id.length <= 256 ? { uri, target: { annotationId: id } } : undefined;
  }
  const exchangeId = t.exchangeId;
  const key = Object.hasOwn(t, 'findingKey') ? t.findingKey : null;
  if (typeof exchangeId !== 'number' || !Number.isSafeInteger(exchangeId) || exchangeId < 0) return undefined;
  if (key !== null && (typeof key !== 'string' || key.length > 8192)) return undefined;
  const annotate = Object.hasOwn(t, 'annotate') ? t.annotate : false;
  if (typeof annotate !== 'boolean') return undefined;
  return { uri, target: annotate ? { exchangeId, findingKey: key, annotate } : { exchangeId, findingKey: key } };
}

// ---- helpers ------------------------------------------------------------------------------------

/** Plain one-line text for a label or description: invisible characters made visible, capped. */
function oneLine(text: string, max: number): string {
  return truncate(cleanText(truncate(text, max * 2), true), max);
}

function bestConfidence(findings: readonly TreeFinding[]): FindingConfidence {
  let best: FindingConfidence = 'low';
  for (const f of findings) if (confidenceRank(f.confidence) > confidenceRank(best)) best = f.confidence;
  return best;
}

function kindRank(kind: FindingKind): number {
  return KIND_RANK.get(kind) ?? FINDING_KINDS.length;
}

function severityRank(severity: AnnotationSeverity): number {
  return SEVERITY_RANK.get(severity) ?? -1;
}

function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}
