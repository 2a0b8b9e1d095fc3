// What the two tables show: the request table (one row per exchange) and the findings view (one
// row per finding, across the capture). Cells get text and properties only.
import type { DetailSectionId, FindingRow, FindingSortColumn, RowSummary, SortColumn } from '../extension/protocol';
import { severityMarker, SEVERITY_LABELS } from './annotations';
import { describeKindCount, kindBadge, kindLabel } from './badges';
import { formatBytes, formatDuration, icon, setText, visible } from './dom';
import type { TableSpec } from './table';

export type RequestColumn = 'id' | 'annotation' | 'method' | 'secure' | 'host' | 'path' | 'findings' | 'status' | 'mime' | 'size' | 'time';

export const REQUEST_TABLE: TableSpec<RowSummary, RequestColumn, SortColumn> = {
  label: 'Requests',
  columns: [
    { key: 'id', label: '#', width: 56, sort: 'id', name: 'Number' },
    { key: 'annotation', label: '', width: 24, name: 'Annotation', title: 'Annotated: the most serious annotation’s severity', icon: 'comment-discussion' },
    { key: 'method', label: 'Method', width: 76, sort: 'method' },
    { key: 'secure', label: '', width: 24, name: 'Plain HTTP', title: 'Plain HTTP (no TLS)', icon: 'unlock' },
    { key: 'host', label: 'Host', width: 200, sort: 'host' },
    { key: 'path', label: 'Path', width: 0, sort: 'path', flexible: true },
    { key: 'findings', label: 'Leaks', width: 220, sort: 'findings', title: 'Identifiers the request leaks, by confidence; most serious first when sorted descending' },
    { key: 'status', label: 'Status', width: 72, sort: 'status' },
    { key: 'mime', label: 'Type', width: 130, sort: 'mime' },
    { key: 'size', label: 'Size', width: 76, sort: 'size' },
    { key: 'time', label: 'Time', width: 72, sort: 'time' },
  ],
  emptyText: (captureEmpty) => (captureEmpty ? 'No HTTP exchanges in this capture.' : 'No requests match the search and filters.'),
  fill(cells, data, row) {
    const method = visible(data.method);
    const host = visible(data.host);
    const path = visible(data.path);
    const mime = visible(data.mime);
    setText(cells.id, String(data.id));
    setText(cells.method, method);
    setText(cells.host, host);
    setText(cells.path, path);
    setText(cells.status, data.status === null ? '—' : String(data.status));
    setText(cells.mime, mime);
    setText(cells.size, formatBytes(data.size));
    setText(cells.time, formatDuration(data.durationMs));
    // Tooltips (a property, never markup) show what the ellipsis hides.
    cells.host.title = host;
    cells.path.title = path;
    cells.mime.title = mime;
    cells.size.title = data.size >= 0 ? `${data.size.toLocaleString('en-US')} bytes` : 'size unknown';
    cells.time.title = data.durationMs >= 0 ? `${data.durationMs.toLocaleString('en-US')} ms` : 'time unknown';
    cells.status.className = `cell col-status ${statusClass(data.status)}`;
    // Plain HTTP: anyone on the path reads what the request carries.
    row.classList.toggle('insecure', !data.secure);
    cells.secure.replaceChildren(...(data.secure ? [] : [icon('unlock', 'plain HTTP')]));
    cells.secure.title = data.secure ? '' : 'Plain HTTP: sent without TLS';
    cells.findings.replaceChildren(...data.findings.map(kindBadge));
    const annotation = data.annotation;
    cells.annotation.replaceChildren(...(annotation ? [severityMarker(annotation)] : []));
    cells.annotation.title = annotation ? `Annotated (${SEVERITY_LABELS[annotation] ?? annotation} severity at most)` : '';
    const leaks = data.findings.map(describeKindCount).join(', ');
    cells.findings.title = data.findings.map(describeKindCount).join('\n');
    // What a screen reader says for the row.
    row.setAttribute(
      'aria-label',
      `${data.id}: ${method} ${host}${path.length > 80 ? `${path.slice(0, 80)}…` : path}, ${data.status ?? 'no response'}${data.secure ? '' : ', plain HTTP'}${leaks ? `, leaks ${leaks}` : ''}${annotation ? `, annotated (${annotation})` : ''}`,
    );
  },
};

export type FindingColumn = 'exchange' | 'secure' | 'kind' | 'value' | 'confidence' | 'host' | 'where' | 'chain';

const SECTION_NAMES: Record<DetailSectionId, string> = {
  'request-headers': 'request header',
  query: 'URL',
  'request-cookies': 'request cookie',
  'request-body': 'request body',
  'response-headers': 'response header',
  'response-cookies': 'response cookie',
  'response-body': 'response body',
};

export const FINDINGS_TABLE: TableSpec<FindingRow, FindingColumn, FindingSortColumn> = {
  label: 'Findings',
  columns: [
    { key: 'exchange', label: '#', width: 56, sort: 'exchange', name: 'Request number', title: 'The request the finding is in' },
    { key: 'secure', label: '', width: 24, name: 'Plain HTTP', title: 'Sent over plain HTTP (no TLS)', icon: 'unlock' },
    { key: 'kind', label: 'Kind', width: 90, sort: 'kind' },
    { key: 'value', label: 'Value', width: 0, sort: 'value', flexible: true },
    { key: 'confidence', label: 'Confidence', width: 112, sort: 'confidence' },
    { key: 'host', label: 'Host', width: 200, sort: 'host' },
    { key: 'where', label: 'Where', width: 220, sort: 'where', title: 'Part of the request and the header, parameter or JSON path' },
    { key: 'chain', label: 'Decoded by', width: 200, title: 'Decode steps that exposed the value' },
  ],
  emptyText: (captureEmpty, pending) =>
    pending ? 'Scanning the capture…' : captureEmpty ? 'The scan found no identifiers in this capture.' : 'No findings in the requests the search and filters show.',
  fill(cells, data, row) {
    const value = visible(data.value);
    const host = visible(data.host);
    const where = `${SECTION_NAMES[data.section] ?? data.section} · ${visible(data.fieldPath)}`;
    const chain = data.chain.length > 0 ? visible(data.chain.join(' → ')) : 'as sent';
    const known = data.known ? ` (known value “${visible(data.known.label)}” as ${visible(data.known.variant)})` : '';
    setText(cells.exchange, String(data.exchangeId));
    cells.kind.replaceChildren(kindBadge({ kind: data.kind, count: 1, confidence: data.confidence }));
    setText(cells.value, `${value}${known}`);
    cells.value.title = data.matchedText !== data.value ? `${value}\nas it appeared: ${visible(data.matchedText)}` : value;
    setText(cells.confidence, data.confidence);
    cells.confidence.className = `cell col-confidence confidence-text-${data.confidence}`;
    setText(cells.host, host);
    cells.host.title = host;
    setText(cells.where, where);
    cells.where.title = where;
    setText(cells.chain, chain);
    cells.chain.title = chain;
    row.classList.toggle('insecure', !data.secure);
    cells.secure.replaceChildren(...(data.secure ? [] : [icon('unlock', 'plain HTTP')]));
    cells.secure.title = data.secure ? '' : 'Plain HTTP: sent without TLS';
    row.setAttribute('aria-label', `${kindLabel(data.kind).name} ${value}, ${data.confidence} confidence, ${host}${data.secure ? '' : ' over plain HTTP'}, ${where}, request ${data.exchangeId}`);
  },
};

function statusClass(status: number | null): string {
  if (status === null || status === 0) return 'status-none';
  if (status >= 500) return 'status-5xx';
  if (status >= 400) return 'status-4xx';
  if (status >= 300) return 'status-3xx';
  return 'status-2xx';
}
