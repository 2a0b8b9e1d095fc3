// The filter bar above the request table: the search box (fuzzy, run on the host, debounced) and
// the quick filters (identifier kind, host, method, status, HTTP/HTTPS, with or without findings).
// It owns no rows: it edits a RowQuery and reports it; the table asks the host for that view.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeMultiSelect } from '@vscode-elements/elements/dist/vscode-multi-select/vscode-multi-select.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import {
  FINDINGS_FILTERS,
  FINDING_KINDS,
  MAX_SEARCH_LENGTH,
  SCHEMES,
  STATUS_CLASSES,
  type Facets,
  type FacetValue,
  type FindingKind,
  type KindCount,
  type RowQuery,
  type StatusClass,
} from '../extension/protocol';
import { kindLabel } from './badges';
import { formatCount, h, icon, setText, visible } from './dom';

/** Which table the workbench shows: one row per request, or one per finding. */
export type ViewMode = 'requests' | 'findings';

/** Wait this long after the last keystroke before searching (the host searches 50k rows per query). */
export const SEARCH_DEBOUNCE_MS = 150;

const SCHEME_LABELS: Record<RowQuery['scheme'], string> = { any: 'HTTP and HTTPS', http: 'Plain HTTP only', https: 'HTTPS only' };
const FINDINGS_LABELS: Record<RowQuery['findings'], string> = { any: 'All requests', with: 'With findings', without: 'Without findings' };
const STATUS_LABELS: Record<StatusClass, string> = { '1xx': '1xx', '2xx': '2xx', '3xx': '3xx', '4xx': '4xx', '5xx': '5xx', none: 'No response' };

export class FilterBar {
  readonly element: HTMLElement;
  private readonly search: VscodeTextfield;
  private readonly kinds: VscodeMultiSelect;
  private readonly hosts: VscodeMultiSelect;
  private readonly methods: VscodeMultiSelect;
  private readonly statuses: VscodeMultiSelect;
  private readonly scheme: VscodeSingleSelect;
  private readonly findings: VscodeSingleSelect;
  private readonly count: HTMLElement;
  private readonly note: HTMLElement;
  private readonly mode: VscodeSingleSelect;
  private readonly clear: HTMLElement;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private query: RowQuery,
    facets: Facets,
    kinds: readonly KindCount[],
    private readonly onChange: (query: RowQuery) => void,
    mode: ViewMode,
    onMode: (mode: ViewMode) => void,
  ) {
    this.mode = singleSelect('View', [
      { value: 'requests', label: 'Requests' },
      { value: 'findings', label: 'Findings' },
    ], mode);
    this.mode.title = 'One row per request, or one row per finding across the capture';
    this.mode.addEventListener('change', () => onMode(this.mode.value === 'findings' ? 'findings' : 'requests'));
    this.search = document.createElement('vscode-textfield');
    this.search.className = 'filter-search';
    this.search.placeholder = 'Search URLs, hosts, headers, decoded bodies — "exact phrase", host:name; typos are forgiven';
    this.search.maxlength = MAX_SEARCH_LENGTH;
    // `label` names the inner <input> (an aria-label on the host element does not reach it).
    this.search.label = 'Search requests';
    this.search.value = query.search;
    const searchIcon = icon('search');
    searchIcon.slot = 'content-before';
    this.search.append(searchIcon);
    this.search.addEventListener('input', () => this.searchTyped());
    this.search.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.flushSearch();
      if (event.key === 'Escape' && this.search.value !== '') {
        event.stopPropagation();
        this.search.value = '';
        this.flushSearch();
      }
    });

    this.kinds = multiSelect('Leaks', 'Requests leaking any of these kinds of identifier');
    this.hosts = multiSelect('Host', 'Requests to any of these hosts');
    this.hosts.combobox = true;
    this.methods = multiSelect('Method', 'Requests with any of these methods');
    this.statuses = multiSelect('Status', 'Responses with any of these status classes');
    this.setKinds(kinds);
    fillOptions(this.hosts, facets.hosts.map((f) => ({ value: f.value, label: `${visible(f.value) || '(no host)'} (${formatCount(f.count)})` })), query.hosts);
    fillOptions(this.methods, facets.methods.map((f) => ({ value: f.value, label: `${visible(f.value)} (${formatCount(f.count)})` })), query.methods);
    fillOptions(this.statuses, facetOptions(facets.statuses, (v) => STATUS_LABELS[v] ?? v), query.statuses);

    this.scheme = singleSelect('Scheme', SCHEMES.map((v) => ({ value: v, label: SCHEME_LABELS[v] })), query.scheme);
    this.findings = singleSelect('Findings', FINDINGS_FILTERS.map((v) => ({ value: v, label: FINDINGS_LABELS[v] })), query.findings);

    for (const select of [this.kinds, this.hosts, this.methods, this.statuses, this.scheme, this.findings]) {
      select.addEventListener('change', () => this.filtersChanged());
    }

    const clear = document.createElement('vscode-button');
    clear.secondary = true;
    clear.icon = 'clear-all';
    clear.textContent = 'Clear';
    clear.title = 'Clear the search and every filter';
    clear.addEventListener('click', () => this.reset());
    this.clear = clear;

    this.count = h('span', { class: 'filter-count', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.note = h('span', { class: 'filter-note', attrs: { role: 'status' } });
    this.note.hidden = true;
    this.element = h(
      'div',
      { class: 'filter-bar', attrs: { role: 'search', 'aria-label': 'Search and filter requests' } },
      this.search,
      this.note,
      this.count,
      h(
        'div',
        { class: 'filter-selects' },
        labelled('View', this.mode),
        labelled('Leaks', this.kinds),
        labelled('Host', this.hosts),
        labelled('Method', this.methods),
        labelled('Status', this.statuses),
        labelled('Scheme', this.scheme),
        labelled('Show', this.findings),
        clear,
      ),
    );
    this.updateClear();
  }

  /** The kinds the scan found (a rescan can change them); kinds selected but no longer found stay. */
  setKinds(kinds: readonly KindCount[]): void {
    const found = new Map(kinds.map((k) => [k.kind, k.count]));
    const shown: FindingKind[] = FINDING_KINDS.filter((k) => found.has(k) || this.query.kinds.includes(k));
    fillOptions(this.kinds, shown.map((k) => ({ value: k, label: `${kindLabel(k).name} (${formatCount(found.get(k) ?? 0)})` })), this.query.kinds);
  }

  setCount(total: number, all: number, queryMs: number, searchNote: string, noun: 'requests' | 'findings'): void {
    const text = total === all ? `${formatCount(total)} ${noun}` : `${formatCount(total)} of ${formatCount(all)} ${noun}`;
    setText(this.count, text);
    this.count.title = queryMs > 0 ? `searched and sorted in ${queryMs.toFixed(queryMs < 10 ? 1 : 0)} ms` : '';
    setText(this.note, searchNote ? visible(searchNote) : '');
    this.note.hidden = !searchNote;
  }

  focusSearch(): void {
    this.search.focus();
  }

  private searchTyped(): void {
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.flushSearch(), SEARCH_DEBOUNCE_MS);
  }

  private flushSearch(): void {
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = undefined;
    const search = this.search.value.slice(0, MAX_SEARCH_LENGTH);
    if (search === this.query.search) return;
    this.emit({ ...this.query, search });
  }

  private filtersChanged(): void {
    this.emit({
      ...this.query,
      kinds: this.kinds.value.filter((v): v is FindingKind => (FINDING_KINDS as readonly string[]).includes(v)),
      hosts: this.hosts.value.slice(),
      methods: this.methods.value.slice(),
      statuses: this.statuses.value.filter((v): v is StatusClass => (STATUS_CLASSES as readonly string[]).includes(v)),
      scheme: oneOf(this.scheme.value, SCHEMES, 'any'),
      findings: oneOf(this.findings.value, FINDINGS_FILTERS, 'any'),
    });
  }

  /** The sort changed elsewhere (a header click): keep our copy in step. */
  setSort(query: RowQuery): void {
    this.query = query;
  }

  /** Add a control at the end of the bar (the workbench's actions, e.g. Annotate…). */
  addTool(tool: HTMLElement): void {
    this.element.querySelector('.filter-selects')?.append(tool);
  }

  /** Clear the search and every filter; `silent`: without reporting it (the caller shows the new view itself). */
  reset(silent = false): RowQuery {
    this.search.value = '';
    this.kinds.value = [];
    this.hosts.value = [];
    this.methods.value = [];
    this.statuses.value = [];
    this.scheme.value = 'any';
    this.findings.value = 'any';
    const query: RowQuery = { ...this.query, search: '', kinds: [], hosts: [], methods: [], statuses: [], scheme: 'any', findings: 'any' };
    if (silent) {
      this.query = query;
      this.updateClear();
    } else this.emit(query);
    return query;
  }

  private emit(query: RowQuery): void {
    this.query = query;
    this.updateClear();
    this.onChange(query);
  }

  private updateClear(): void {
    const q = this.query;
    const active = q.search !== '' || q.kinds.length + q.hosts.length + q.methods.length + q.statuses.length > 0 || q.scheme !== 'any' || q.findings !== 'any';
    this.clear.toggleAttribute('disabled', !active);
  }
}

/** A visible caption before a control (the selects only say "N Selected"). */
function labelled(text: string, control: HTMLElement): HTMLElement {
  return h('span', { class: 'filter-field' }, h('span', { class: 'filter-label', attrs: { 'aria-hidden': 'true' } }, text), control);
}

function multiSelect(label: string, title: string): VscodeMultiSelect {
  const select = document.createElement('vscode-multi-select');
  select.className = `filter-select filter-${label.toLowerCase()}`;
  select.label = label;
  select.title = title;
  select.setAttribute('aria-label', label);
  select.dataset.placeholder = label;
  return select;
}

function singleSelect(label: string, options: { value: string; label: string }[], value: string): VscodeSingleSelect {
  const select = document.createElement('vscode-single-select');
  select.className = `filter-select filter-${label.toLowerCase()}`;
  select.label = label;
  select.setAttribute('aria-label', label);
  for (const o of options) {
    const option = document.createElement('vscode-option');
    option.value = o.value;
    option.textContent = o.label;
    select.append(option);
  }
  select.value = value;
  return select;
}

function fillOptions(select: VscodeMultiSelect, options: { value: string; label: string }[], selected: readonly string[]): void {
  const present = new Set(options.map((o) => o.value));
  // A selected value the capture no longer offers stays selectable, so the filter can be undone.
  const all = [...options, ...selected.filter((v) => !present.has(v)).map((v) => ({ value: v, label: visible(v) }))];
  select.replaceChildren(
    ...all.map((o) => {
      const option = document.createElement('vscode-option');
      option.value = o.value;
      option.textContent = o.label;
      option.selected = selected.includes(o.value);
      return option;
    }),
  );
  select.value = selected.slice();
}

function facetOptions<V extends string>(values: readonly FacetValue<V>[], label: (v: V) => string): { value: string; label: string }[] {
  return values.map((f) => ({ value: f.value, label: `${label(f.value)} (${formatCount(f.count)})` }));
}

function oneOf<T extends string>(value: string, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
