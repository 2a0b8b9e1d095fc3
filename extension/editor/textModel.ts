// What the text editor shows of LeakLens findings, without VS Code: which decoration a mark gets,
// its hover (inert markdown: every capture string escaped), its diagnostic, the CodeLenses of a
// capture, and whether a file is a capture. textDecorations.ts turns these into VS Code objects.
import { confidenceRank } from '../core/detect/index';
import { sniffFormat, unwrap } from '../core/load/sniff';
import type { CaptureFormat, Confidence, IdentifierKind } from '../core/model';
import { chainText } from '../core/report/chain';
import { cleanText, codeSpan, escapeInline, fencedBlock } from '../core/report/markdown';
import type { EntrySpan, MarkFinding, TextMark } from '../core/view/textFindings';

/** VS Code does not hand documents larger than this to extensions (its sync limit). */
export const SYNC_LIMIT_BYTES = 50 * 1024 * 1024;
/** Largest capture text handed to the worker for its findings (VS Code syncs at most 50 MB to extensions). */
export const MAX_INLINE_SCAN_CHARS = 64 * 1024 * 1024;
/** Captures up to this size are scanned again as they are edited (in a pause); larger ones on save. */
export const MAX_LIVE_CAPTURE_CHARS = 8 * 1024 * 1024;
/** "Scan this file" follows edits (debounced) up to this size; larger documents on save or request. */
export const MAX_LIVE_PLAIN_CHARS = 2 * 1024 * 1024;
/** CodeLenses offered on one capture at most (a lens per entry of a 100k-entry HAR would be noise). */
export const MAX_LENSES = 2000;
/** Diagnostics reported on one document at most. */
export const MAX_DIAGNOSTICS = 5000;

export type DecorationGroup = 'device' | 'subscriber' | 'network' | 'person' | 'location' | 'known' | 'encoded' | 'decoded';

/** Group of each kind: one decoration type (colour) per group keeps the number of types small. */
const KIND_GROUP: Record<IdentifierKind, DecorationGroup> = {
  imei: 'device', meid: 'device', serial: 'device', android_id: 'device', ad_id: 'device',
  imsi: 'subscriber', iccid: 'subscriber', phone: 'subscriber', carrier: 'subscriber',
  mac: 'network',
  email: 'person',
  geo: 'location',
  known_value: 'known',
};

/** Theme colour ids (from VS Code's chart palette, which every theme defines) per group. */
export const GROUP_COLOR: Record<DecorationGroup, string> = {
  device: 'charts.red',
  subscriber: 'charts.orange',
  network: 'charts.yellow',
  person: 'charts.purple',
  location: 'charts.green',
  known: 'charts.blue',
  encoded: 'charts.foreground',
  decoded: 'editorCodeLens.foreground',
};

/** The strongest finding at a mark: the one whose kind colours it. */
export function leadFinding(mark: TextMark): MarkFinding | undefined {
  let best: MarkFinding | undefined;
  for (const f of mark.findings) if (!best || confidenceRank(f.confidence) > confidenceRank(best.confidence)) best = f;
  return best;
}

export function decorationGroup(mark: TextMark): DecorationGroup {
  const lead = leadFinding(mark);
  if (!lead) return 'decoded';
  return mark.encoded ? 'encoded' : KIND_GROUP[lead.kind];
}

const KIND_NAME: Record<IdentifierKind, string> = {
  imei: 'IMEI', imsi: 'IMSI', iccid: 'ICCID', meid: 'MEID', phone: 'phone number', email: 'e-mail address', mac: 'MAC address',
  android_id: 'Android ID', ad_id: 'advertising ID', serial: 'serial number', geo: 'location', carrier: 'carrier', known_value: 'known value',
};

export function kindName(kind: IdentifierKind): string {
  return KIND_NAME[kind];
}

/** Most findings listed in one hover. */
const MAX_HOVER_FINDINGS = 12;
const MAX_HOVER_VALUE = 300;
const MAX_HOVER_DECODED = 600;

/**
 * The hover of the marks under the cursor, as markdown for a MarkdownString with isTrusted false
 * and supportHtml false: capture text only ever appears escaped (escapeInline) or in code spans
 * and fenced blocks, so it cannot make a link, an image, HTML or a command.
 */
export function hoverMarkdown(marks: readonly TextMark[]): string {
  const lines: string[] = [];
  // An encoded range's decoded text first: it is what the researcher is looking at.
  const decoded = marks.find((m) => m.decoded)?.decoded;
  if (decoded) {
    const cut = decoded.text.length > MAX_HOVER_DECODED || decoded.truncated;
    lines.push(`Decoded (${escapeInline(chainText(decoded.chain))})${cut ? ', first characters' : ''}:`);
    lines.push(fencedBlock(decoded.text.slice(0, MAX_HOVER_DECODED) + (cut ? '…' : '')));
  }
  let listed = 0;
  let omitted = 0;
  for (const mark of marks) {
    for (const f of mark.findings) {
      if (listed >= MAX_HOVER_FINDINGS) {
        omitted++;
        continue;
      }
      listed++;
      lines.push(findingLine(f, mark.encoded));
    }
  }
  if (omitted > 0) lines.push(`…and ${omitted} more`);
  if (lines.length === 0) return '';
  return [`**LeakLens**`, ...lines].join('\n\n');
}

function findingLine(f: MarkFinding, encoded: boolean): string {
  const parts = [`**${escapeInline(kindName(f.kind))}** ${codeSpan(f.value, MAX_HOVER_VALUE)}`, `${f.confidence} confidence`];
  if (f.chain.length > 0 || encoded) parts.push(`chain ${codeSpan(chainText(f.chain), MAX_HOVER_VALUE)}`);
  if (f.exchangeId !== undefined) parts.push(`request #${f.exchangeId}`);
  if (f.part) parts.push(`${escapeInline(f.part.replace(/_/g, ' '))}${f.fieldPath ? ` ${codeSpan(f.fieldPath, 120)}` : ''}`);
  if (f.known) parts.push(`matches known value ${codeSpan(f.known.label, 120)} (${escapeInline(f.known.variant)})`);
  if (f.matchedText !== '' && f.matchedText !== f.value) parts.push(`written ${codeSpan(f.matchedText, MAX_HOVER_VALUE)}`);
  return `- ${parts.join(' · ')}`;
}

export type DiagnosticLevel = 'error' | 'warning' | 'information' | 'hint';

/** Severity by confidence: high findings are warnings (a leak to look at), the rest information. */
export function diagnosticLevel(confidence: Confidence): DiagnosticLevel {
  return confidence === 'high' ? 'warning' : confidence === 'medium' ? 'information' : 'hint';
}

export interface TextDiagnostic {
  start: number;
  end: number;
  level: DiagnosticLevel;
  /** Plain text (the Problems panel renders no markdown). */
  message: string;
}

export function diagnosticsOf(marks: readonly TextMark[], max = MAX_DIAGNOSTICS): TextDiagnostic[] {
  const out: TextDiagnostic[] = [];
  for (const mark of marks) {
    const lead = leadFinding(mark);
    if (!lead) continue;
    if (out.length >= max) break;
    const others = mark.findings.length - 1;
    const value = lead.value.length > 80 ? `${lead.value.slice(0, 79)}…` : lead.value;
    const where = lead.chain.length > 0 ? ` via ${chainText(lead.chain)}` : '';
    out.push({
      start: mark.start,
      end: mark.end,
      level: diagnosticLevel(lead.confidence),
      // Capture text: control and bidi characters shown as escapes (the Problems panel shows text as it is).
      message: cleanText(`${kindName(lead.kind)} ${JSON.stringify(value)} (${lead.confidence} confidence${where})${others > 0 ? ` and ${others} more` : ''}`, true),
    });
  }
  return out;
}

/** The entries a CodeLens goes on: one per exchange (its entry or request packet), at most `max`. */
export function lensEntries(entries: readonly EntrySpan[], max = MAX_LENSES): EntrySpan[] {
  const out: EntrySpan[] = [];
  for (const e of entries) {
    if (!e.primary) continue;
    if (out.length >= max) break;
    out.push(e);
  }
  return out;
}

/** Marks overlapping [offset, offset] (the cursor), innermost first. */
export function marksAt(marks: readonly TextMark[], offset: number): TextMark[] {
  // Marks are sorted by start; few overlap, so a binary search to the last start ≤ offset and a
  // short walk back is enough (an encoded mark may span a whole body: walk until one cannot reach).
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid].start <= offset) lo = mid + 1;
    else hi = mid;
  }
  const out: TextMark[] = [];
  for (let i = lo - 1, walked = 0; i >= 0 && walked < 256; i--, walked++) {
    const m = marks[i];
    // [start, end): the character after a mark is not in it.
    if (offset >= m.start && offset < m.end) out.push(m);
  }
  return out.sort((a, b) => a.end - a.start - (b.end - b.start));
}

/** Names a capture file may have (the loaders sniff the content; these are where we look). */
const CAPTURE_NAME = /\.(har|harp|json|jsonl|ndjson)$/i;

/** Is this text (its first characters suffice) a capture a LeakLens loader reads? */
export function captureFormatOf(fileName: string, head: string): CaptureFormat | undefined {
  if (!CAPTURE_NAME.test(fileName)) return undefined;
  try {
    return sniffFormat(unwrap(new TextEncoder().encode(head.slice(0, 8192)), fileName), fileName);
  } catch {
    return undefined;
  }
}
