// The capture webview: asks the host for the summary, then shows the header (with the findings),
// the known-values panel, the filter bar, and a split of the virtualized request table and the
// detail pane of the selected request. The table pulls rows a page at a time for the current query;
// details come one exchange at a time. When the host rescans (the known values or the region
// changed) it re-renders the findings and asks again for what it shows.
//
// Annotations: rows can be multi-selected and annotated (toolbar, row menu, Ctrl/Cmd+Alt+A, the
// host's command); the form is a dialog in the page, and the host saves to the sidecar at once.
// The latest AnnotationsView is kept here for the header and the detail pane.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { VscodeBadge } from '@vscode-elements/elements/dist/vscode-badge/vscode-badge.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import {
  defaultRowQuery,
  parseWebviewMessage,
  FINDING_SORT_COLUMNS,
  MAX_ANNOTATED_EXCHANGES,
  type AnnotationsView,
  type AnnotationView,
  type FocusExchangeMessage,
  type LoadProgressMessage,
  type FindingRow,
  type FindingSortColumn,
  type FindingsSummary,
  type InitMessage,
  type RowSummary,
  type KnownValuesView,
  type RowQuery,
  type SortColumn,
  type ToWebview,
} from '../extension/protocol';
import { confirmInPage, openAnnotationForm, renderAnnotationStatus, type AnnotationCardActions } from './annotations';
import { HostApi } from './api';
import { DetailPane, type DetailState } from './detail';
import { focusIsFree, focusWhenReady, formatCount, h, icon, visible } from './dom';
import { FilterBar, type ViewMode } from './filters';
import { renderFindings } from './findings';
import { KnownValuesPanel } from './known';
import { showContextMenu } from './menu';
import { renderHeader, renderLoadFailed, renderWarnings } from './summary';
import { FINDINGS_TABLE, REQUEST_TABLE, type FindingColumn, type RequestColumn } from './columns';
import { VirtualTable, type ColumnWidths, type TableOptions } from './table';

/** What survives the tab being hidden (the webview is torn down; VS Code keeps this). */
interface ViewState {
  scrollTop: number;
  warningsOpen: boolean;
  knownOpen: boolean;
  query: RowQuery;
  /** Exchange shown in the detail pane (the focused row). */
  selected: number | undefined;
  /** Rows selected in the request table (what Annotate… is about); the focused row alone without a multi-selection. */
  selectedIds: number[];
  columnWidths: ColumnWidths;
  /** The findings view's own scroll position. */
  findingScrollTop: number;
  /** Which table: one row per request, or one per finding. */
  mode: ViewMode;
  findingSort: FindingSortColumn;
  findingDescending: boolean;
  findingColumnWidths: ColumnWidths;
  /** Share of the height the table takes (the detail pane has the rest). */
  split: number;
  detail: DetailState | undefined;
}

type RequestTable = VirtualTable<RowSummary, RequestColumn, SortColumn>;
type FindingsTable = VirtualTable<FindingRow, FindingColumn, FindingSortColumn>;

/** Wait this long after the selection moves before asking for its details (holding ↓ skips rows). */
const DETAIL_DELAY_MS = 60;
const MIN_SPLIT = 0.15;
const MAX_SPLIT = 0.85;

// Lit falls back to <style> elements where constructable stylesheets are missing; give them our
// script's nonce so the CSP admits them.
const scriptNonce = (document.currentScript as HTMLScriptElement | null)?.nonce;
if (scriptNonce) (globalThis as { litNonce?: string }).litNonce = scriptNonce;

const app = document.getElementById('app') ?? document.body.appendChild(h('main', { attrs: { id: 'app' } }));
let initialised = false;

interface Shown {
  /** The table on screen. */
  table: RequestTable | FindingsTable;
  requests: RequestTable;
  /** Made the first time the findings view is shown. */
  findingsTable: FindingsTable | undefined;
  workbench: HTMLElement;
  filters: FilterBar;
  detail: DetailPane;
  findings: HTMLElement;
  known: KnownValuesPanel;
  knownBadge: VscodeBadge;
  annotationStatus: HTMLElement;
  annotateButton: VscodeButton;
  loading: boolean;
  exchangeCount: number;
  /** The text of the note shown while the file is read. */
  loadingText: HTMLElement | undefined;
}
let shown: Shown | undefined;
/** The capture's annotations as the host last sent them. */
let annotations: AnnotationsView | undefined;
/** A focusExchange that came before the capture was shown (or past a preview's rows): done once it is. */
let pendingFocus: FocusExchangeMessage | undefined;

const api = new HostApi<ViewState>(onNotification);
const state = restoreState(api.getState());
let saveQueued = false;

function saveState(): void {
  if (saveQueued) return;
  saveQueued = true;
  setTimeout(() => {
    saveQueued = false;
    api.setState(state);
  }, 100);
}

showLoading();
api.send({ type: 'ready' });

type Notification = Extract<
  ToWebview,
  { type: 'init' | 'loadFailed' | 'error' | 'findingsUpdated' | 'knownValuesUpdated' | 'captureLoaded' | 'loadProgress' | 'annotationsUpdated' | 'focusExchange' | 'startAnnotation' }
>;

function onNotification(message: Notification): void {
  switch (message.type) {
    case 'captureLoaded':
      // The whole file is read (the first rows were a preview): start over from `init`, keeping the state.
      initialised = false;
      shown = undefined;
      api.send({ type: 'ready' });
      return;
    case 'loadProgress':
      updateLoadProgress(message);
      return;
    case 'init':
      if (!initialised) showCapture(message);
      initialised = true;
      return;
    case 'loadFailed':
      initialised = true;
      app.replaceChildren(renderLoadFailed(message.fileName, message.message));
      app.setAttribute('aria-busy', 'false');
      return;
    case 'error':
      showStatus(message.message);
      return;
    case 'findingsUpdated':
      updateFindings(message.findings);
      return;
    case 'knownValuesUpdated':
      updateKnown(message.known);
      return;
    case 'annotationsUpdated':
      updateAnnotations(message.annotations);
      return;
    case 'focusExchange':
      pendingFocus = message;
      applyPendingFocus();
      return;
    case 'startAnnotation':
      // VS Code hands a focused webview's key presses to its keybindings too: this may be the
      // echo of a Ctrl/Cmd+Alt+A the page has just acted on itself.
      if (performance.now() - localShortcutAt < SHORTCUT_ECHO_MS) return;
      startAnnotation();
      return;
  }
}

function showLoading(): void {
  const ring = document.createElement('vscode-progress-ring');
  app.replaceChildren(h('div', { class: 'loading' }, ring, h('span', {}, 'Opening capture…')));
}

const statusLine = h('div', { class: 'status-line', attrs: { role: 'status', 'aria-live': 'polite' } });
let statusTimer: ReturnType<typeof setTimeout> | undefined;
/** The status line shows a table's failure to load rows (cleared when they load). */
let statusFromTable = false;

/** A message under the filter bar; `info` messages go away by themselves. */
function showStatus(message: string | undefined, kind: 'warning' | 'info' = 'warning'): void {
  statusFromTable = false;
  if (statusTimer !== undefined) clearTimeout(statusTimer);
  // Host messages name the capture file and quote sidecar or capture text: shown like capture text.
  statusLine.replaceChildren(...(message ? [icon(kind === 'info' ? 'info' : 'warning'), h('span', {}, visible(message))] : []));
  statusLine.classList.toggle('info', kind === 'info');
  statusLine.hidden = !message;
  if (message && kind === 'info') statusTimer = setTimeout(() => showStatus(undefined), 4000);
}

function showCapture(init: InitMessage): void {
  const detail = new DetailPane(
    {
      copy: (target) => void act(api.request({ type: 'copy', target })),
      reveal: (exchangeId) => void act(api.request({ type: 'reveal', exchangeId })),
      judge: async (exchangeId, key, judgement, reason) => {
        const answer = await api.request({ type: 'judgeFinding', exchangeId, key, judgement, reason });
        showStatus(answer.message, 'info');
      },
      editAnnotation: (id) => void editAnnotation(id, 'card'),
      deleteAnnotation: (annotation) => void deleteAnnotation(annotation, 'card'),
    },
    state.detail,
    (detailState) => {
      state.detail = detailState;
      saveState();
    },
  );
  // While a preview shows, positions past its rows are kept for the whole capture, not clamped.
  const common = {
    pageSize: init.pageSize,
    onError: (message: string | undefined) => {
      // "All pages loaded" clears only the table's own failure, not what an action reported meanwhile.
      if (message) {
        showStatus(message);
        statusFromTable = true;
      } else if (statusFromTable) showStatus(undefined);
    },
  };
  const isShown = (table: unknown) => shown?.table === table;
  const requests: RequestTable = new VirtualTable({
    ...common,
    spec: REQUEST_TABLE,
    initialScrollTop: state.scrollTop,
    onScroll: (scrollTop) => {
      if (init.loading) return;
      state.scrollTop = scrollTop;
      saveState();
    },
    sort: { column: state.query.sort, descending: state.query.descending },
    initialSelection: state.mode === 'requests' ? state.selected : undefined,
    multiSelect: true,
    initialMultiSelection: state.mode === 'requests' && state.selectedIds.length > 0 ? state.selectedIds : undefined,
    onSelectionChange: (ids) => {
      state.selectedIds = ids.slice(0, MAX_ANNOTATED_EXCHANGES);
      saveState();
      updateAnnotateButton();
    },
    onContextMenu: (row, at) => showRowMenu(row.id, at),
    columnWidths: state.columnWidths,
    fetchRows: async (offset, limit) => {
      const answer = await api.request({ type: 'getRows', query: state.query, offset, limit });
      return { rows: answer.rows, total: answer.total, all: answer.exchangeCount, queryMs: answer.queryMs, searchNote: answer.searchNote };
    },
    findRow: async (exchangeId) => (await api.request({ type: 'findRow', query: state.query, exchangeId })).index,
    onSort: (column) => setSort(column),
    onColumnsResized: (widths) => {
      state.columnWidths = widths;
      saveState();
    },
    onSelect: (row) => selectExchange(row?.id),
    onOpen: (row) => openDetail(row.id),
    onTotal: (page) => {
      if (isShown(requests)) filters.setCount(page.total, page.all, page.queryMs, page.searchNote, 'requests');
    },
  });
  const makeFindingsTable = (): FindingsTable => {
    const table: FindingsTable = new VirtualTable({
      ...common,
      spec: FINDINGS_TABLE,
      initialScrollTop: state.findingScrollTop,
      onScroll: (scrollTop) => {
        if (init.loading) return;
        state.findingScrollTop = scrollTop;
        saveState();
      },
      sort: { column: state.findingSort, descending: state.findingDescending },
      initialSelection: undefined,
      columnWidths: state.findingColumnWidths,
      fetchRows: async (offset, limit) => {
        const answer = await api.request({ type: 'getFindingRows', query: state.query, sort: state.findingSort, descending: state.findingDescending, offset, limit });
        return { rows: answer.rows, total: answer.total, all: answer.findingCount, queryMs: answer.queryMs, searchNote: answer.searchNote, pending: !answer.scanned };
      },
      onSort: (column) => setFindingSort(column),
      onColumnsResized: (widths) => {
        state.findingColumnWidths = widths;
        saveState();
      },
      onSelect: (row) => selectExchange(row?.exchangeId, row?.index),
      onOpen: (row) => openDetail(row.exchangeId, row.index),
      onTotal: (page) => {
        if (isShown(table)) filters.setCount(page.total, page.all, page.queryMs, page.searchNote, 'findings');
      },
    } satisfies TableOptions<FindingRow, FindingColumn, FindingSortColumn>);
    return table;
  };
  const filters = new FilterBar(
    state.query,
    init.facets,
    init.summary.findings.byKind,
    (query) => {
      state.query = query;
      saveState();
      refreshActiveTable();
    },
    state.mode,
    (mode) => setMode(mode),
  );

  const warnings = renderWarnings(init.summary, init.warnings, state.warningsOpen, (open) => {
    state.warningsOpen = open;
    saveState();
  });
  annotations = init.annotations;
  const known = new KnownValuesPanel(init.known, init.annotations.sidecarFile, async (target, entries) => {
    const answer = await api.request({ type: 'setKnownValues', target, entries });
    return answer.message;
  });
  known.setSidecar(init.annotations.sidecarFile, init.annotations.status !== 'error');
  const annotateButton = document.createElement('vscode-button');
  annotateButton.className = 'annotate-button';
  annotateButton.icon = 'comment-discussion';
  annotateButton.textContent = 'Annotate…';
  annotateButton.addEventListener('click', () => startAnnotation());
  filters.addTool(annotateButton);
  const annotationStatus = renderAnnotationStatus(init.annotations, headerAnnotationActions(init.annotations));
  detail.setAnnotations(init.annotations.annotations, init.annotations.status !== 'error');
  const { section: knownSection, badge: knownBadge } = knownValuesSection(known, init.known);
  const findings = renderFindings(init.summary.findings, init.loading ? { findings: init.summary.findings.total } : undefined);
  showStatus(undefined);

  const splitter = h('div', {
    class: 'split-handle',
    title: 'Drag to resize (or focus and use ↑/↓)',
    attrs: { role: 'separator', 'aria-orientation': 'horizontal', 'aria-label': 'Resize the request table and the details', tabindex: '0' },
  });
  const findingsTable = state.mode === 'findings' ? makeFindingsTable() : undefined;
  const table = findingsTable ?? requests;
  const workbench = h('div', { class: 'workbench' }, table.element, splitter, detail.element);
  makeFindings = makeFindingsTable;
  applySplit(workbench, splitter);
  makeSplitter(workbench, splitter);

  // The first rows of a large file, shown while the rest is read: search and sorting wait for it.
  const loadingText = init.loading ? h('span', {}, loadingSentence(init.summary.exchangeCount)) : undefined;
  const loadingNote = loadingText
    ? h('div', { class: 'loading-rest', attrs: { role: 'status' } }, document.createElement('vscode-progress-ring'), loadingText)
    : null;
  if (init.loading) {
    filters.element.inert = true;
    // Saving known values now would be against the preview; the panel waits like the search.
    knownSection.inert = true;
    table.element.querySelector('.table-header')?.setAttribute('inert', '');
  }
  const header = renderHeader(init.summary, findings);
  header.append(annotationStatus);
  app.replaceChildren(
    header,
    ...(warnings ? [warnings] : []),
    knownSection,
    ...(loadingNote ? [loadingNote] : []),
    filters.element,
    statusLine,
    workbench,
  );
  app.setAttribute('aria-busy', 'false');
  table.attach();
  attached.add(table);
  shown = {
    table,
    requests,
    findingsTable,
    workbench,
    filters,
    detail,
    findings,
    known,
    knownBadge,
    annotationStatus,
    annotateButton,
    loading: init.loading,
    exchangeCount: init.summary.exchangeCount,
    loadingText,
  };
  updateAnnotateButton();
  // A selection past the preview's rows waits for the whole capture.
  if (state.selected !== undefined && !(init.loading && state.selected >= init.summary.exchangeCount)) loadDetail(state.selected);
  else detail.showEmpty();
  applyPendingFocus();
}

/** What the findings header is built from while loading (it only says how many so far). */
const emptyFindings: FindingsSummary = {
  total: 0, exchangesWithFindings: 0, byConfidence: { high: 0, medium: 0, low: 0 }, byKind: [], defaultRegion: '', regionFromSetting: false,
  knownValues: 0, plainHttp: [], plainHttpHostCount: 0, byHost: [], hostsWithFindings: 0, scanError: '',
};

function loadingSentence(rows: number, percent?: number): string {
  const read = percent === undefined ? '' : ` (${percent}% read)`;
  return `Showing the first ${formatCount(rows)} requests while LeakLens reads the rest of the file${read}; search, filters and sorting come with it.`;
}

/** More of the file was read: the note says how far, and the table shows the rows the host holds now. */
function updateLoadProgress(progress: LoadProgressMessage): void {
  if (!shown?.loading) return;
  shown.loadingText?.replaceChildren(loadingSentence(progress.exchangeCount, progress.percent));
  const section = renderFindings(emptyFindings, { findings: progress.findings });
  shown.findings.replaceWith(section);
  shown.findings = section;
  // The header's count came with the first rows: it says how many are read now.
  app.querySelector('[data-fact="Exchanges"]')?.replaceChildren(`${formatCount(progress.exchangeCount)} so far`);
  if (progress.exchangeCount === shown.exchangeCount) return;
  shown.exchangeCount = progress.exchangeCount;
  shown.table.refresh();
  applyPendingFocus();
}

function knownValuesSection(panel: KnownValuesPanel, known: KnownValuesView): { section: HTMLElement; badge: VscodeBadge } {
  const collapsible = document.createElement('vscode-collapsible');
  collapsible.className = 'known-section';
  collapsible.heading = 'Known values';
  collapsible.description = 'your test device’s identifiers, found in any encoding or hash';
  collapsible.open = state.knownOpen;
  collapsible.addEventListener('vsc-collapsible-toggle', (event) => {
    state.knownOpen = event.detail.open;
    saveState();
  });
  const badge = document.createElement('vscode-badge');
  badge.variant = 'counter';
  badge.slot = 'decorations';
  badge.textContent = formatCount(known.entries.length + known.sidecarEntries.length);
  collapsible.append(badge, panel.element);
  return { section: collapsible, badge };
}

/** Turn a promise of a host action into a status line. */
async function act(request: Promise<{ message: string }>): Promise<void> {
  try {
    showStatus((await request).message, 'info');
  } catch (err) {
    showStatus(err instanceof Error ? err.message : String(err));
  }
}

/** Makes the findings table (set once the capture is shown). */
let makeFindings: (() => FindingsTable) | undefined;

function setSort(column: SortColumn): void {
  if (!shown) return;
  const q = state.query;
  // First click sorts ascending (findings: most serious first); a second click flips.
  const descending = q.sort === column ? !q.descending : column === 'findings' || column === 'size' || column === 'time';
  state.query = { ...q, sort: column, descending };
  saveState();
  shown.filters.setSort(state.query);
  refreshActiveTable();
}

function setFindingSort(column: FindingSortColumn): void {
  state.findingDescending = state.findingSort === column ? !state.findingDescending : false;
  state.findingSort = column;
  saveState();
  refreshActiveTable();
}

/** The search, filters or sort changed: the table on screen asks for its new view. */
function refreshActiveTable(): void {
  if (!shown) return;
  if (shown.findingsTable && shown.table === shown.findingsTable) shown.findingsTable.setQuery({ column: state.findingSort, descending: state.findingDescending });
  else shown.requests.setQuery({ column: state.query.sort, descending: state.query.descending });
}

/** Show the other table in place of this one (it asks for the current view). */
function setMode(mode: ViewMode): void {
  if (!shown || state.mode === mode) return;
  state.mode = mode;
  saveState();
  const next = mode === 'requests' ? shown.requests : (shown.findingsTable ??= makeFindings?.());
  if (!next) return;
  shown.table.element.replaceWith(next.element);
  shown.table = next;
  if (attached.has(next)) refreshActiveTable();
  else {
    next.attach();
    attached.add(next);
  }
  next.focus();
}

/** Tables whose attach() ran (the first one shown runs it in showCapture). */
const attached = new WeakSet<object>();

function openDetail(exchangeId: number, finding?: number): void {
  if (state.selected !== exchangeId || finding !== undefined) selectExchange(exchangeId, finding, 0);
  if (!shown) return;
  shown.detail.element.tabIndex = -1;
  shown.detail.element.focus();
}

let detailTimer: ReturnType<typeof setTimeout> | undefined;
let detailRequest = 0;

/** Show an exchange's details (and reveal one of its findings, from the findings view). */
function selectExchange(exchangeId: number | undefined, finding?: number, delay = DETAIL_DELAY_MS): void {
  if (!shown) return;
  // The same exchange, another of its findings: no need to fetch it again.
  if (exchangeId !== undefined && exchangeId === state.selected && finding !== undefined && shown.detail.exchangeId === exchangeId && detailTimer === undefined) {
    shown.detail.focusFinding(finding);
    return;
  }
  state.selected = exchangeId;
  saveState();
  detailRequest++; // an answer still on its way is for the previous selection
  if (detailTimer !== undefined) clearTimeout(detailTimer);
  detailTimer = undefined;
  if (exchangeId === undefined) {
    shown.detail.showEmpty();
    return;
  }
  detailTimer = setTimeout(() => {
    detailTimer = undefined;
    loadDetail(exchangeId, finding);
  }, delay);
}

/** `finding`: reveal this finding once shown, by index or by key (DetailFinding.key). */
function loadDetail(exchangeId: number, finding?: number | string): void {
  if (!shown) return;
  const { detail } = shown;
  const ticket = ++detailRequest;
  detail.showLoading(exchangeId);
  api.request({ type: 'getDetail', exchangeId }).then(
    (answer) => {
      if (ticket !== detailRequest) return;
      detail.show(answer.detail);
      if (typeof finding === 'string') detail.focusFindingByKey(finding);
      else if (finding !== undefined && finding < answer.detail.findings.length) detail.focusFinding(finding);
    },
    (err: unknown) => {
      if (ticket === detailRequest) detail.showError(exchangeId, err instanceof Error ? err.message : String(err));
    },
  );
}

function updateFindings(findings: FindingsSummary): void {
  if (!shown) return; // not shown yet: `init` will carry the new findings
  const section = renderFindings(findings);
  shown.findings.replaceWith(section);
  shown.findings = section;
  shown.filters.setKinds(findings.byKind);
  shown.table.refresh();
  // The other table's rows are out of date too: it asks again when shown.
  if (state.selected !== undefined) loadDetail(state.selected);
}

function updateKnown(known: KnownValuesView): void {
  if (!shown) return;
  shown.known.update(known);
  shown.knownBadge.textContent = formatCount(known.entries.length + known.sidecarEntries.length);
}

//#region annotations

function updateAnnotations(view: AnnotationsView): void {
  annotations = view;
  if (!shown) return; // `init` carries them
  const status = renderAnnotationStatus(view, headerAnnotationActions(view));
  shown.annotationStatus.replaceWith(status);
  shown.annotationStatus = status;
  applyHeaderFocus();
  shown.detail.setAnnotations(view.annotations, view.status !== 'error');
  shown.known.setSidecar(view.sidecarFile, view.status !== 'error');
  updateAnnotateButton();
  // The row marks come with the rows: the table on screen asks again (the host may not rescan).
  if (shown.table === shown.requests) shown.requests.refresh();
}

/** What Annotate… is about: the selected rows, else the focused one. */
function annotationTargets(): number[] {
  if (state.mode === 'requests' && state.selectedIds.length > 0) return state.selectedIds.slice(0, MAX_ANNOTATED_EXCHANGES);
  return state.selected === undefined ? [] : [state.selected];
}

/** Why annotating is not possible now, undefined when it is. */
function cannotAnnotate(): string | undefined {
  if (!shown || !annotations) return 'The capture is not shown yet.';
  if (annotations.status === 'error') return `${annotations.sidecarFile} cannot be read: annotating is off until it is fixed.`;
  if (shown.loading) return 'LeakLens is still reading the capture.';
  if (annotationTargets().length === 0) return 'Select one or more requests to annotate.';
  return undefined;
}

function updateAnnotateButton(): void {
  if (!shown) return;
  const why = cannotAnnotate();
  const n = annotationTargets().length;
  shown.annotateButton.toggleAttribute('disabled', why !== undefined);
  shown.annotateButton.textContent = n > 1 ? `Annotate ${formatCount(n)}…` : 'Annotate…';
  shown.annotateButton.title = why ?? `Annotate ${n === 1 ? 'the selected request' : `the ${formatCount(n)} selected requests`} (${isMac() ? '⌥⌘A' : 'Ctrl+Alt+A'})`;
}

function isMac(): boolean {
  return /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

function modalOpen(): boolean {
  return document.querySelector('.modal-backdrop') !== null;
}

/** The Edit and Delete of the header's list (annotations that could not be attached). */
function headerAnnotationActions(view: AnnotationsView): AnnotationCardActions {
  return {
    writable: view.status !== 'error',
    edit: (id) => void editAnnotation(id, 'header'),
    remove: (annotation) => void deleteAnnotation(annotation, 'header'),
  };
}

/** Where an annotation's Edit or Delete was pressed: its card in the details, or the header's list. */
type AnnotationPlace = 'card' | 'header';

/**
 * After an edit or a delete from the header's list, where the focus goes back once the header is
 * rendered again: this annotation's Edit button, or (null) the first one left, else the table.
 * Kept until the researcher presses a key or clicks, and used only while the focus is lost.
 */
let headerFocus: { id: string | null } | undefined;
document.addEventListener('keydown', () => (headerFocus = undefined), true);
document.addEventListener('pointerdown', () => (headerFocus = undefined), true);

function applyHeaderFocus(): void {
  const wish = headerFocus;
  if (!wish || !shown || !focusIsFree()) return;
  const items = [...shown.annotationStatus.querySelectorAll<HTMLElement>('.annotation-orphan')];
  const item = (wish.id === null ? undefined : items.find((el) => el.dataset.annotation === wish.id)) ?? items[0];
  const edit = item?.querySelector<HTMLElement>('.annotation-edit:not([disabled])');
  if (edit) focusWhenReady(edit, () => headerFocus === wish && focusIsFree());
  else shown.table.focus();
}

/** The form or the confirmation closed (the card or line may have been built again meanwhile): put the focus back. */
function refocusAfterAnnotation(id: string, place: AnnotationPlace, deleted: boolean): void {
  if (!shown) return;
  if (place === 'header') {
    headerFocus = { id: deleted ? null : id };
    applyHeaderFocus();
    return;
  }
  const selected = state.selected;
  const left = deleted ? (annotations?.annotations.some((a) => selected !== undefined && a.exchangeIds.includes(selected)) ?? false) : true;
  if (!left || !shown.detail.restoreFocus(deleted ? { annotations: true } : { annotation: id })) {
    if (focusIsFree()) shown.table.focus();
  }
}

/**
 * When the page last acted on its own Ctrl/Cmd+Alt+A (performance.now()). VS Code also hands the
 * key press to its keybinding, whose command sends `startAnnotation` right after: an echo within
 * SHORTCUT_ECHO_MS is dropped, so the form is asked for once.
 */
let localShortcutAt = -Infinity;
const SHORTCUT_ECHO_MS = 500;

/** The annotation form for the selected rows, or for the requests the host named (the selection may still be changing then). */
function startAnnotation(exchangeIds?: number[]): void {
  if (modalOpen() || formRequested) return;
  const why = cannotAnnotate();
  if (why) {
    showStatus(why);
    return;
  }
  void openForm(exchangeIds ?? annotationTargets(), null);
}

/** An existing annotation's form (its own exchanges: an annotation whose requests are all gone has none). */
function editAnnotation(id: string, place: AnnotationPlace): Promise<void> {
  if (annotations?.status === 'error') {
    showStatus(cannotAnnotate());
    return Promise.resolve();
  }
  return openForm([], id, () => refocusAfterAnnotation(id, place, false));
}

/** A getAnnotationDraft is on its way: a second trigger meanwhile is dropped (one form, one request). */
let formRequested = false;

async function openForm(exchangeIds: number[], annotationId: string | null, onClosed?: () => void): Promise<void> {
  if (formRequested) return;
  formRequested = true;
  let answer;
  try {
    answer = await api.request({ type: 'getAnnotationDraft', exchangeIds, annotationId });
  } catch (err) {
    showStatus(err instanceof Error ? err.message : String(err));
    return;
  } finally {
    formRequested = false;
  }
  if (modalOpen()) return;
  openAnnotationForm(app, {
    draft: answer.draft,
    findings: answer.findings,
    sidecarFile: annotations?.sidecarFile ?? '',
    save: async (draft) => (await api.request({ type: 'saveAnnotation', draft })).message,
    onClose: (message) => {
      if (message) showStatus(message, 'info');
      onClosed?.();
    },
  });
}

async function deleteAnnotation(annotation: AnnotationView, place: AnnotationPlace): Promise<void> {
  const file = annotations?.sidecarFile ?? 'the sidecar';
  const title = annotation.title.length > 80 ? `${annotation.title.slice(0, 80)}…` : annotation.title;
  const ok = await confirmInPage(app, `Delete the annotation “${visible(title)}”?`, `It is removed from ${visible(file)} at once.`, 'Delete');
  if (!ok) return;
  try {
    showStatus((await api.request({ type: 'deleteAnnotation', id: annotation.id })).message, 'info');
  } catch (err) {
    showStatus(err instanceof Error ? err.message : String(err));
    return;
  }
  refocusAfterAnnotation(annotation.id, place, true);
}

function showRowMenu(exchangeId: number, at: { x: number; y: number }): void {
  const why = cannotAnnotate();
  showContextMenu(
    [
      { label: 'Annotate…', icon: 'comment-discussion', hint: isMac() ? '⌥⌘A' : 'Ctrl+Alt+A', disabled: why !== undefined, run: () => startAnnotation() },
      { label: 'Copy URL', icon: 'link', run: () => void act(api.request({ type: 'copy', target: { what: 'url', exchangeId } })) },
      { label: 'Copy as curl', icon: 'terminal', run: () => void act(api.request({ type: 'copy', target: { what: 'curl', exchangeId } })) },
      { label: 'Reveal in raw text', icon: 'go-to-file', run: () => void act(api.request({ type: 'reveal', exchangeId })) },
    ],
    at,
    `Request #${exchangeId}`,
  );
}

// The page's own shortcut, so it works at once and on what the page has selected. VS Code hands a
// focused webview's key presses to its keybindings too, so the command's `startAnnotation` follows:
// see SHORTCUT_ECHO_MS.
document.addEventListener('keydown', (event) => {
  if (!(event.altKey && (event.ctrlKey || event.metaKey) && !event.shiftKey && event.code === 'KeyA')) return;
  // On Windows AltGr arrives as Ctrl+Alt, and AltGr+A types a letter (ą on a Polish keyboard): let it.
  if (event.getModifierState('AltGraph')) return;
  event.preventDefault();
  const now = performance.now();
  if (event.repeat || now - localShortcutAt < SHORTCUT_ECHO_MS) return;
  localShortcutAt = now;
  startAnnotation();
});

/**
 * Show the exchange the host asked for: its row selected (the search and filters cleared when they
 * hide it), its details, the finding flashed. Waits for the capture to be shown, and for the whole
 * capture when a preview does not hold it.
 */
function applyPendingFocus(): void {
  const focus = pendingFocus;
  const s = shown;
  if (!focus || !s || !initialised || (s.loading && focus.exchangeId >= s.exchangeCount)) return;
  pendingFocus = undefined;
  if (state.mode !== 'requests') setMode('requests');
  const table = s.requests;
  api.request({ type: 'findRow', query: state.query, exchangeId: focus.exchangeId }).then(
    (answer) => {
      if (shown !== s) return;
      if (answer.index < 0) {
        state.query = s.filters.reset(true);
        table.setQuery({ column: state.query.sort, descending: state.query.descending });
      }
      table.selectId(focus.exchangeId);
      if (detailTimer !== undefined) clearTimeout(detailTimer);
      detailTimer = undefined;
      state.selected = focus.exchangeId;
      saveState();
      loadDetail(focus.exchangeId, focus.findingKey ?? undefined);
      table.focus();
      // After the selection, so the form is for this request whatever was selected before.
      if (focus.annotate) startAnnotation([focus.exchangeId]);
    },
    (err: unknown) => showStatus(err instanceof Error ? err.message : String(err)),
  );
}

//#endregion

//#region split between the table and the details

function applySplit(workbench: HTMLElement, splitter: HTMLElement): void {
  workbench.style.setProperty('--table-share', `${(state.split * 100).toFixed(2)}%`);
  splitter.setAttribute('aria-valuenow', String(Math.round(state.split * 100)));
  splitter.setAttribute('aria-valuemin', String(MIN_SPLIT * 100));
  splitter.setAttribute('aria-valuemax', String(MAX_SPLIT * 100));
}

function makeSplitter(workbench: HTMLElement, splitter: HTMLElement): void {
  const setSplit = (share: number) => {
    state.split = Math.max(MIN_SPLIT, Math.min(MAX_SPLIT, share));
    applySplit(workbench, splitter);
    saveState();
  };
  splitter.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    splitter.setPointerCapture(event.pointerId);
    const box = workbench.getBoundingClientRect();
    const move = (e: PointerEvent) => setSplit((e.clientY - box.top) / Math.max(1, box.height));
    const up = () => {
      splitter.removeEventListener('pointermove', move);
      splitter.removeEventListener('pointerup', up);
      splitter.removeEventListener('pointercancel', up);
    };
    splitter.addEventListener('pointermove', move);
    splitter.addEventListener('pointerup', up);
    splitter.addEventListener('pointercancel', up);
  });
  splitter.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      event.preventDefault();
      setSplit(state.split + (event.key === 'ArrowUp' ? -0.05 : 0.05));
    }
  });
}

//#endregion

//#region state

/** Saved state is checked like any input: a bad or old one falls back to the defaults piece by piece. */
function restoreState(saved: Partial<ViewState> | undefined): ViewState {
  const s: Partial<ViewState> = typeof saved === 'object' && saved !== null ? saved : {};
  // The host would refuse a query the contract does not allow; check it the same way.
  const parsed = parseWebviewMessage({ type: 'getRows', requestId: 0, query: s.query, offset: 0, limit: 1 });
  const query = parsed?.type === 'getRows' ? parsed.query : defaultRowQuery();
  const widths = (saved: unknown, keys: readonly string[]): ColumnWidths => {
    const out: ColumnWidths = {};
    if (typeof saved !== 'object' || saved === null) return out;
    for (const key of keys) {
      const w = (saved as Record<string, unknown>)[key];
      if (typeof w === 'number' && Number.isFinite(w)) out[key] = w;
    }
    return out;
  };
  return {
    scrollTop: typeof s.scrollTop === 'number' && Number.isFinite(s.scrollTop) ? s.scrollTop : 0,
    findingScrollTop: typeof s.findingScrollTop === 'number' && Number.isFinite(s.findingScrollTop) ? s.findingScrollTop : 0,
    warningsOpen: s.warningsOpen === true,
    knownOpen: s.knownOpen === true,
    query,
    selected: typeof s.selected === 'number' && Number.isInteger(s.selected) && s.selected >= 0 ? s.selected : undefined,
    selectedIds: Array.isArray(s.selectedIds)
      ? [...new Set(s.selectedIds.filter((id): id is number => typeof id === 'number' && Number.isInteger(id) && id >= 0))].slice(0, MAX_ANNOTATED_EXCHANGES)
      : [],
    columnWidths: widths(s.columnWidths, REQUEST_TABLE.columns.map((c) => c.key)),
    mode: s.mode === 'findings' ? 'findings' : 'requests',
    findingSort: typeof s.findingSort === 'string' && (FINDING_SORT_COLUMNS as readonly string[]).includes(s.findingSort) ? s.findingSort : 'exchange',
    findingDescending: s.findingDescending === true,
    findingColumnWidths: widths(s.findingColumnWidths, FINDINGS_TABLE.columns.map((c) => c.key)),
    split: typeof s.split === 'number' && s.split >= MIN_SPLIT && s.split <= MAX_SPLIT ? s.split : 0.5,
    detail: typeof s.detail === 'object' && s.detail !== null && typeof (s.detail as { tab?: unknown }).tab === 'string' ? { tab: (s.detail as DetailState).tab } : undefined,
  };
}

//#endregion
