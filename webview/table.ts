// The request table: a virtualized grid. Rows have a fixed height; a spacer gives the scroll
// container the height of all rows, and only the rows in view (plus a few) exist in the DOM,
// recycled as the view scrolls. Rows come from the host a page at a time, for the current query
// (search, filters, sort), and are kept in a small LRU cache, so the webview never holds the whole
// capture. A new query or new findings start a new generation: the cache is dropped and the rows
// in view asked for again (the old ones stay on screen until then).
//
// Keyboard: ↑/↓ move the selection, PgUp/PgDn by a screenful, Home/End to the ends, Enter opens
// the selected request's details. Column headers sort on click (or Enter/Space) and resize by
// dragging their right edge (or Alt+←/→ on a focused header).
import { SORT_COLUMNS, type RowQuery, type RowSummary, type SortColumn } from '../extension/protocol';
import { describeKindCount, kindBadge } from './badges';
import { formatBytes, formatCount, formatDuration, h, icon, setText, visible } from './dom';

export const ROW_HEIGHT = 22;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 10;
/** Pages kept in memory. */
const MAX_CACHED_PAGES = 40;
/** Browsers cap element heights (Chromium near 33.5 M px, Firefox near 17.9 M px). */
const MAX_SCROLL_HEIGHT = 15_000_000;
/** A page that failed is asked for again only after this long. */
const RETRY_AFTER_MS = 5_000;
/** Wait for scrolling to settle this long before asking for pages. */
const FETCH_DELAY_MS = 40;
const MIN_COLUMN_WIDTH = 28;
const MAX_COLUMN_WIDTH = 2000;

export const COLUMNS = [
  { key: 'id', label: '#', width: 56, sort: 'id' },
  { key: 'method', label: 'Method', width: 76, sort: 'method' },
  { key: 'secure', label: '', width: 24, sort: undefined },
  { key: 'host', label: 'Host', width: 200, sort: 'host' },
  { key: 'path', label: 'Path', width: 0, sort: 'path' },
  { key: 'findings', label: 'Leaks', width: 220, sort: 'findings' },
  { key: 'status', label: 'Status', width: 72, sort: 'status' },
  { key: 'mime', label: 'Type', width: 130, sort: 'mime' },
  { key: 'size', label: 'Size', width: 76, sort: 'size' },
  { key: 'time', label: 'Time', width: 72, sort: 'time' },
] as const satisfies readonly { key: string; label: string; width: number; sort: SortColumn | undefined }[];
export type ColumnKey = (typeof COLUMNS)[number]['key'];
/** Column widths in px; the path column takes the rest of the width (at least its own entry). */
export type ColumnWidths = Partial<Record<ColumnKey, number>>;

const COLUMN_NAMES: Partial<Record<ColumnKey, string>> = { id: 'Number', secure: 'Plain HTTP', findings: 'Leaks', mime: 'Type' };

export interface RowsPage {
  rows: RowSummary[];
  /** Rows in the query's view. */
  total: number;
  exchangeCount: number;
  queryMs: number;
  searchNote: string;
}

export interface TableOptions {
  pageSize: number;
  query: RowQuery;
  fetchRows(query: RowQuery, offset: number, limit: number): Promise<RowsPage>;
  /** Where an exchange sits in the query's view (-1 when filtered out). */
  findRow(query: RowQuery, exchangeId: number): Promise<number>;
  /** Restored from webview state. */
  initialScrollTop: number;
  initialSelection: number | undefined;
  columnWidths: ColumnWidths;
  onScroll(scrollTop: number): void;
  /** A header was clicked: the caller changes the query's sort. */
  onSort(column: SortColumn): void;
  onColumnsResized(widths: ColumnWidths): void;
  /** The selected exchange changed (undefined: nothing selected). */
  onSelect(exchangeId: number | undefined): void;
  /** Enter or double-click on a row. */
  onOpen(exchangeId: number): void;
  /** The view's size is known (after each new query). */
  onTotal(page: Omit<RowsPage, 'rows'>): void;
  /** A page failed to load (message), or every requested page has loaded since (undefined). */
  onError(message: string | undefined): void;
}

/** `generation` counts queries and rescans: rows of an older generation are shown only until newer ones come. */
type PageEntry = { state: 'loaded'; rows: RowSummary[]; generation: number } | { state: 'pending' } | { state: 'failed'; at: number };
type LoadedPage = Extract<PageEntry, { state: 'loaded' }>;

interface RowElement {
  row: HTMLElement;
  cells: Record<ColumnKey, HTMLElement>;
  index: number;
}

let tableIds = 0;

export class RequestTable {
  readonly element: HTMLElement;
  private readonly header: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly headerCells = new Map<ColumnKey, HTMLElement>();
  private readonly pool: RowElement[] = [];
  /** Insertion order is recency order: the first key is the least recently used page. */
  private readonly pages = new Map<number, PageEntry>();
  /** Pages in view when the query or findings changed, shown until their fresh versions arrive. */
  private stale = new Map<number, LoadedPage>();
  private generation = 0;
  /** Rows in the current view; unknown (-1) until the first page of a new query arrives. */
  private total = -1;
  private query: RowQuery;
  private widths: Record<ColumnKey, number>;
  private renderQueued = false;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private wanted: number[] = [];
  /** Selected position in the view, and the exchange there once its row is loaded. */
  private selectedIndex = -1;
  private selectedId: number | undefined;
  /** Exchange to select once the view's rows are known (restored state, or kept across a query change). */
  private pendingSelection: number | undefined;
  private readonly idPrefix = `ll-table-${++tableIds}`;

  constructor(private readonly options: TableOptions) {
    this.query = options.query;
    this.widths = Object.fromEntries(COLUMNS.map((c) => [c.key, clampWidth(options.columnWidths[c.key] ?? c.width)])) as Record<ColumnKey, number>;
    this.pendingSelection = options.initialSelection;
    this.header = h('div', { class: 'table-header', attrs: { role: 'row', 'aria-rowindex': '1' } });
    for (const c of COLUMNS) {
      const cell = this.headerCell(c);
      this.headerCells.set(c.key, cell);
      this.header.append(cell);
    }
    this.spacer = h('div', { class: 'table-spacer', attrs: { 'aria-hidden': 'true' } });
    this.layer = h('div', { class: 'table-rows', attrs: { role: 'presentation' } });
    this.empty = h('div', { class: 'table-empty', attrs: { role: 'status' } });
    this.empty.hidden = true;
    this.viewport = h('div', { class: 'table-viewport', attrs: { role: 'rowgroup' } }, this.spacer, this.layer, this.empty);
    // The grid takes the focus and names the selected row (aria-activedescendant): rows are recycled elements.
    this.element = h(
      'div',
      {
        class: 'request-table',
        attrs: { role: 'grid', tabindex: '0', 'aria-label': 'Requests: arrow keys move, Enter opens the details', 'aria-rowcount': '1', 'aria-multiselectable': 'false' },
      },
      this.header,
      this.viewport,
    );
    this.applyWidths();
    this.updateSortIndicators();
    this.viewport.addEventListener('scroll', () => this.queueRender(), { passive: true });
    this.element.addEventListener('keydown', (event) => {
      if (event.target === this.element) this.onKey(event);
    });
    this.layer.addEventListener('click', (event) => this.onRowClick(event, false));
    this.layer.addEventListener('dblclick', (event) => this.onRowClick(event, true));
    new ResizeObserver(() => this.queueRender()).observe(this.viewport);
  }

  /** Call once the element is in the document: restores the scroll position and asks for rows. */
  attach(): void {
    this.spacer.style.height = '0px';
    this.restoreScrollTop = this.options.initialScrollTop;
    this.render();
  }

  /** A scroll position to restore once the view's height is known. */
  private restoreScrollTop: number | undefined;

  /** Show another query's rows (keeping the selected exchange selected when it is still in the view). */
  setQuery(query: RowQuery): void {
    this.query = query;
    this.updateSortIndicators();
    if (this.selectedId !== undefined) this.pendingSelection = this.selectedId;
    // A position whose row had not arrived means nothing in the new view.
    else this.selectedIndex = -1;
    this.newGeneration(false);
    this.viewport.scrollTop = 0;
  }

  /** The findings changed: same query, fresh rows (badges, and findings-based filters and sorts). */
  refresh(): void {
    if (this.selectedId !== undefined) this.pendingSelection = this.selectedId;
    this.newGeneration(true);
  }

  focus(): void {
    this.element.focus();
  }

  get selectedExchange(): number | undefined {
    return this.selectedId;
  }

  private newGeneration(keepStale: boolean): void {
    this.generation++;
    const stale = new Map<number, LoadedPage>();
    if (keepStale) {
      for (const p of this.wanted) {
        const entry = this.pages.get(p) ?? this.stale.get(p);
        if (entry?.state === 'loaded') stale.set(p, entry);
      }
    }
    this.stale = stale;
    this.pages.clear();
    this.total = -1;
    this.queueRender();
  }

  //#region header: sorting and resizing

  private headerCell(c: (typeof COLUMNS)[number]): HTMLElement {
    const name = COLUMN_NAMES[c.key] ?? c.label;
    const content = c.key === 'secure' ? icon('unlock') : h('span', { class: 'header-label' }, c.label);
    const cell = h('div', { class: `cell col-${c.key}`, attrs: { role: 'columnheader', 'aria-label': name } }, content);
    if (c.key === 'secure') cell.title = 'Plain HTTP (no TLS)';
    if (c.key === 'findings') cell.title = 'Identifiers the request leaks, by confidence';
    const sort = c.sort;
    if (sort) {
      cell.classList.add('sortable');
      cell.tabIndex = 0;
      cell.append(h('span', { class: 'sort-indicator codicon', attrs: { 'aria-hidden': 'true' } }));
      cell.addEventListener('click', (event) => {
        if ((event.target as HTMLElement).classList.contains('column-resizer')) return;
        this.options.onSort(sort);
      });
      cell.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          this.options.onSort(sort);
        } else if (event.altKey && (event.key === 'ArrowLeft' || event.key === 'ArrowRight')) {
          event.preventDefault();
          this.resizeColumn(c.key, this.widths[c.key] + (event.key === 'ArrowLeft' ? -16 : 16));
          this.options.onColumnsResized({ ...this.widths });
        }
      });
    }
    if (c.key !== 'path') cell.append(this.resizer(c.key));
    return cell;
  }

  private resizer(key: ColumnKey): HTMLElement {
    const handle = h('span', { class: 'column-resizer', attrs: { 'aria-hidden': 'true' } });
    handle.addEventListener('pointerdown', (event) => {
      event.preventDefault();
      event.stopPropagation();
      handle.setPointerCapture(event.pointerId);
      const startX = event.clientX;
      const startWidth = this.widths[key];
      const move = (e: PointerEvent) => this.resizeColumn(key, startWidth + e.clientX - startX);
      const up = () => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
        handle.removeEventListener('pointercancel', up);
        this.options.onColumnsResized({ ...this.widths });
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
      handle.addEventListener('pointercancel', up);
    });
    handle.addEventListener('click', (event) => event.stopPropagation());
    return handle;
  }

  private resizeColumn(key: ColumnKey, width: number): void {
    this.widths[key] = clampWidth(width);
    this.applyWidths();
  }

  private applyWidths(): void {
    const template = COLUMNS.map((c) => (c.key === 'path' ? `minmax(${Math.max(120, this.widths.path || 0)}px, 1fr)` : `${this.widths[c.key]}px`)).join(' ');
    this.element.style.setProperty('--table-columns', template);
  }

  private updateSortIndicators(): void {
    for (const c of COLUMNS) {
      const cell = this.headerCells.get(c.key);
      if (!cell || !c.sort) continue;
      const active = this.query.sort === c.sort;
      cell.setAttribute('aria-sort', active ? (this.query.descending ? 'descending' : 'ascending') : 'none');
      cell.classList.toggle('sorted', active);
      const indicator = cell.querySelector('.sort-indicator');
      if (indicator) indicator.className = `sort-indicator codicon ${active ? (this.query.descending ? 'codicon-arrow-down' : 'codicon-arrow-up') : ''}`;
      cell.title = `Sort by ${(COLUMN_NAMES[c.key] ?? c.label).toLowerCase()}${c.key === 'findings' ? ' (most serious leaks first when descending)' : ''}`;
    }
  }

  //#endregion

  //#region selection and keyboard

  private onKey(event: KeyboardEvent): void {
    if (this.total <= 0) return;
    const perPage = Math.max(1, Math.floor(this.viewport.clientHeight / ROW_HEIGHT) - 1);
    let target: number | undefined;
    const current = this.selectedIndex < 0 ? -1 : this.selectedIndex;
    switch (event.key) {
      case 'ArrowDown':
        target = current + 1;
        break;
      case 'ArrowUp':
        target = current < 0 ? 0 : current - 1;
        break;
      case 'PageDown':
        target = current + perPage;
        break;
      case 'PageUp':
        target = current - perPage;
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        target = this.total - 1;
        break;
      case 'Enter':
        if (this.selectedId !== undefined) {
          event.preventDefault();
          this.options.onOpen(this.selectedId);
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    this.select(Math.max(0, Math.min(this.total - 1, target)), true);
  }

  private onRowClick(event: MouseEvent, open: boolean): void {
    const rowElement = (event.target as HTMLElement).closest('.table-row');
    const el = this.pool.find((r) => r.row === rowElement);
    if (!el || el.index < 0) return;
    this.select(el.index, false);
    this.element.focus({ preventScroll: true });
    if (open && this.selectedId !== undefined) this.options.onOpen(this.selectedId);
  }

  /** Select the row at a view position; its exchange is reported once its row is loaded. */
  private select(index: number, scroll: boolean): void {
    this.selectedIndex = index;
    this.pendingSelection = undefined;
    if (scroll) this.scrollToIndex(index);
    this.updateSelectedExchange();
    this.queueRender();
  }

  private updateSelectedExchange(): void {
    const id = this.selectedIndex >= 0 ? this.rowAt(this.selectedIndex)?.row.id : undefined;
    if (id === undefined || id === this.selectedId) return;
    this.selectedId = id;
    this.options.onSelect(id);
  }

  private scrollToIndex(index: number): void {
    const top = this.scrollTopFor(index * ROW_HEIGHT);
    const viewportHeight = this.viewport.clientHeight;
    const offsetPx = this.rowOffsetPx(this.viewport.scrollTop, viewportHeight);
    const rowTop = index * ROW_HEIGHT;
    if (rowTop < offsetPx) this.viewport.scrollTop = top;
    else if (rowTop + ROW_HEIGHT > offsetPx + viewportHeight) this.viewport.scrollTop = this.scrollTopFor(rowTop + ROW_HEIGHT - viewportHeight);
  }

  /** After a new query's first page: find where the previously selected exchange went. */
  private restoreSelection(generation: number): void {
    const wanted = this.pendingSelection;
    if (wanted === undefined) return;
    this.options.findRow(this.query, wanted).then(
      (index) => {
        if (generation !== this.generation || this.pendingSelection !== wanted) return;
        this.pendingSelection = undefined;
        if (index < 0) {
          this.selectedIndex = -1;
          this.queueRender();
          return; // filtered out: the detail pane keeps showing it
        }
        this.selectedIndex = index;
        this.selectedId = wanted;
        this.scrollToIndex(index);
        this.queueRender();
      },
      () => {
        /* the selection is only a convenience */
      },
    );
  }

  //#endregion

  //#region rendering

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
      this.options.onScroll(this.viewport.scrollTop);
    });
  }

  private rowCount(): number {
    return Math.max(0, this.total);
  }

  private contentHeight(): number {
    return this.rowCount() * ROW_HEIGHT;
  }

  private virtualHeight(): number {
    return Math.min(this.contentHeight(), MAX_SCROLL_HEIGHT);
  }

  /**
   * Map the native scroll position to a row offset. Below the height cap this is the identity;
   * above it the spacer is shorter than the rows and scrolling moves proportionally faster.
   */
  private rowOffsetPx(scrollTop: number, viewportHeight: number): number {
    const content = this.contentHeight();
    const virtual = this.virtualHeight();
    if (virtual >= content || virtual <= viewportHeight) return scrollTop;
    return (scrollTop * (content - viewportHeight)) / (virtual - viewportHeight);
  }

  private scrollTopFor(offsetPx: number): number {
    const viewportHeight = this.viewport.clientHeight;
    const content = this.contentHeight();
    const virtual = this.virtualHeight();
    if (virtual >= content || virtual <= viewportHeight) return offsetPx;
    return (offsetPx * (virtual - viewportHeight)) / (content - viewportHeight);
  }

  private render(): void {
    const viewportHeight = this.viewport.clientHeight;
    const scrollTop = this.viewport.scrollTop;
    const offsetPx = this.rowOffsetPx(scrollTop, viewportHeight);
    const firstVisible = Math.floor(offsetPx / ROW_HEIGHT);
    // Until the view's size is known, show the first screenful of the stale rows (or placeholders).
    const known = this.total >= 0 ? this.total : this.staleRowCount();
    const start = Math.max(0, firstVisible - OVERSCAN);
    const end = Math.min(known, firstVisible + Math.ceil(viewportHeight / ROW_HEIGHT) + 1 + OVERSCAN);

    this.layer.style.transform = `translateY(${scrollTop + start * ROW_HEIGHT - offsetPx}px)`;

    const count = Math.max(0, end - start);
    while (this.pool.length < count) {
      const row = this.createRow();
      this.pool.push(row);
      this.layer.append(row.row);
    }
    while (this.pool.length > count) this.pool.pop()?.row.remove();

    for (let i = 0; i < count; i++) this.fillRow(this.pool[i], start + i);
    const selectedRow = this.pool.find((r) => r.index === this.selectedIndex);
    if (selectedRow) this.element.setAttribute('aria-activedescendant', selectedRow.row.id);
    else this.element.removeAttribute('aria-activedescendant');
    this.requestPages(start, Math.max(end, start + 1));
  }

  private staleRowCount(): number {
    let n = 0;
    for (const [page, entry] of this.stale) n = Math.max(n, page * this.options.pageSize + entry.rows.length);
    return n;
  }

  private createRow(): RowElement {
    const cells = {} as Record<ColumnKey, HTMLElement>;
    const row = h('div', { class: 'table-row', attrs: { role: 'row', 'aria-selected': 'false' } });
    for (const c of COLUMNS) {
      cells[c.key] = h('div', { class: `cell col-${c.key}`, attrs: { role: 'gridcell' } });
      row.append(cells[c.key]);
    }
    return { row, cells, index: -1 };
  }

  private fillRow(el: RowElement, index: number): void {
    const selected = index === this.selectedIndex;
    el.row.classList.toggle('selected', selected);
    el.row.setAttribute('aria-selected', String(selected));
    el.row.id = `${this.idPrefix}-row-${index}`;
    const found = this.rowAt(index);
    const data = found?.row;
    const key = found ? `${index}:${found.row.id}:${found.generation}` : `${index}:-`;
    if (el.row.dataset.key === key) return;
    el.row.dataset.key = key;
    el.index = index;
    el.row.setAttribute('aria-rowindex', String(index + 2));
    el.row.classList.toggle('odd', index % 2 === 1);
    el.row.classList.toggle('loading', !data);
    const { cells } = el;
    if (!data) {
      for (const c of COLUMNS) {
        setText(cells[c.key], '');
        cells[c.key].title = '';
      }
      setText(cells.path, '…');
      el.row.removeAttribute('data-exchange');
      el.row.classList.remove('insecure');
      el.row.removeAttribute('aria-label');
      cells.secure.replaceChildren();
      cells.findings.replaceChildren();
      return;
    }
    const method = visible(data.method);
    const host = visible(data.host);
    const path = visible(data.path);
    const mime = visible(data.mime);
    el.row.dataset.exchange = String(data.id);
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
    el.row.classList.toggle('insecure', !data.secure);
    cells.secure.replaceChildren(...(data.secure ? [] : [icon('unlock', 'plain HTTP')]));
    cells.secure.title = data.secure ? '' : 'Plain HTTP: sent without TLS';
    cells.findings.replaceChildren(...data.findings.map(kindBadge));
    const leaks = data.findings.map(describeKindCount).join(', ');
    cells.findings.title = data.findings.map(describeKindCount).join('\n');
    // What a screen reader says for the row.
    el.row.setAttribute(
      'aria-label',
      `${data.id}: ${method} ${host}${path.length > 80 ? `${path.slice(0, 80)}…` : path}, ${data.status ?? 'no response'}${data.secure ? '' : ', plain HTTP'}${leaks ? `, leaks ${leaks}` : ''}`,
    );
  }

  private rowAt(index: number): { row: RowSummary; generation: number } | undefined {
    const page = Math.floor(index / this.options.pageSize);
    const fresh = this.pages.get(page);
    const entry = fresh?.state === 'loaded' ? fresh : this.stale.get(page);
    const row = entry?.rows[index - page * this.options.pageSize];
    return entry && row ? { row, generation: entry.generation } : undefined;
  }

  //#endregion

  //#region paging

  /** Ask for the pages under rows [start, end) and one page either side, once scrolling settles. */
  private requestPages(start: number, end: number): void {
    const size = this.options.pageSize;
    const lastPage = this.total >= 0 ? Math.floor(Math.max(0, this.total - 1) / size) : 0;
    if (this.total === 0) {
      this.wanted = [];
      return;
    }
    const first = this.total < 0 ? 0 : Math.max(0, Math.floor(start / size) - 1);
    const last = this.total < 0 ? 0 : Math.min(lastPage, Math.floor(Math.max(start, end - 1) / size) + 1);
    const wanted: number[] = [];
    for (let p = first; p <= last; p++) wanted.push(p);
    this.wanted = wanted;
    for (const p of wanted) {
      const entry = this.pages.get(p);
      if (entry) {
        this.pages.delete(p);
        this.pages.set(p, entry);
      }
    }
    if (this.fetchTimer !== undefined) clearTimeout(this.fetchTimer);
    // A new query's first page goes out at once: it is what the researcher waits for.
    const delay = this.total < 0 ? 0 : FETCH_DELAY_MS;
    this.fetchTimer = setTimeout(() => {
      this.fetchTimer = undefined;
      for (const p of this.wanted) this.fetchPage(p);
    }, delay);
  }

  private fetchPage(page: number): void {
    const entry = this.pages.get(page);
    if (entry && (entry.state !== 'failed' || Date.now() - entry.at < RETRY_AFTER_MS)) return;
    const size = this.options.pageSize;
    const offset = page * size;
    const limit = this.total >= 0 ? Math.min(size, this.total - offset) : size;
    if (limit <= 0) return;
    this.pages.set(page, { state: 'pending' });
    const generation = this.generation;
    this.options.fetchRows(this.query, offset, limit).then(
      (answer) => {
        if (generation !== this.generation) return; // asked before a newer query; asked again since
        this.pages.set(page, { state: 'loaded', rows: answer.rows, generation });
        this.stale.delete(page);
        this.evict();
        if (answer.total !== this.total) this.setTotal(answer);
        if (!this.wanted.some((p) => this.pages.get(p)?.state === 'failed')) this.options.onError(undefined);
        this.updateSelectedExchange();
        this.queueRender();
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        this.pages.set(page, { state: 'failed', at: Date.now() });
        this.options.onError(`Could not load rows ${formatCount(offset)}–${formatCount(offset + limit - 1)}: ${err instanceof Error ? err.message : String(err)}`);
        setTimeout(() => this.queueRender(), RETRY_AFTER_MS);
      },
    );
  }

  private evict(): void {
    for (const [page, entry] of this.pages) {
      if (this.pages.size <= MAX_CACHED_PAGES) break;
      if (entry.state === 'loaded' && !this.wanted.includes(page)) this.pages.delete(page);
    }
  }

  private setTotal(answer: RowsPage): void {
    const firstOfQuery = this.total < 0;
    this.total = answer.total;
    this.stale.clear();
    // Pages of a different size were cut to the old total: drop all but the one just loaded.
    if (!firstOfQuery) this.pages.clear();
    this.element.setAttribute('aria-rowcount', String(answer.total + 1));
    this.spacer.style.height = `${this.virtualHeight()}px`;
    this.empty.hidden = answer.total > 0;
    setText(this.empty, answer.exchangeCount === 0 ? 'No HTTP exchanges in this capture.' : 'No requests match the search and filters.');
    if (this.selectedIndex >= answer.total) this.selectedIndex = -1;
    if (firstOfQuery) {
      if (this.restoreScrollTop !== undefined) {
        this.viewport.scrollTop = this.restoreScrollTop;
        this.restoreScrollTop = undefined;
      }
      if (this.pendingSelection !== undefined) this.selectedIndex = -1;
      this.restoreSelection(this.generation);
    }
    const { rows: _rows, ...rest } = answer;
    void _rows;
    this.options.onTotal(rest);
  }

  //#endregion
}

function clampWidth(width: number): number {
  return Number.isFinite(width) ? Math.max(MIN_COLUMN_WIDTH, Math.min(MAX_COLUMN_WIDTH, Math.round(width))) : MIN_COLUMN_WIDTH;
}

function statusClass(status: number | null): string {
  if (status === null || status === 0) return 'status-none';
  if (status >= 500) return 'status-5xx';
  if (status >= 400) return 'status-4xx';
  if (status >= 300) return 'status-3xx';
  return 'status-2xx';
}

/** Is this a column the host can sort by? (For restoring state.) */
export function isSortColumn(value: unknown): value is SortColumn {
  return typeof value === 'string' && (SORT_COLUMNS as readonly string[]).includes(value);
}
