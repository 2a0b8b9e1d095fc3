// The request table: a virtualized grid. Rows have a fixed height; a spacer gives the scroll
// container the height of all rows, and only the rows in view (plus a few) exist in the DOM,
// recycled as the view scrolls. Rows come from the host a page at a time, for the current query
// (search, filters, sort), and are kept in a small LRU cache, so the webview never holds the whole
// capture. A new query or new findings start a new generation: the cache is dropped and the rows
// in view asked for again (the old ones stay on screen until then).
//
// Keyboard: ↑/↓ move the selection, PgUp/PgDn by a screenful, Home/End to the ends, Enter opens
// the selected request's details. A multi-select table (the request table) also takes Ctrl/Cmd+click
// to toggle a row and Shift+click or Shift+↑/↓ to extend a range; the focused row (the one the
// details follow) is still one row. Shift+F10 or the context-menu key opens the row's menu. Column headers sort on click (or Enter/Space) and resize by
// dragging their right edge (or Alt+←/→ on a focused header).
import { formatCount, h, icon, setText } from './dom';

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

/** A column: its key (the cells' class is `col-<key>`), header, default width, and what it sorts by. */
export interface Column<K extends string, S extends string> {
  key: K;
  /** Header text ("" for an icon column). */
  label: string;
  /** Default width in px; the flexible column takes the rest (at least this). */
  width: number;
  sort?: S;
  /** What screen readers and the sort tooltip call it, when not the label. */
  name?: string;
  /** Header tooltip. */
  title?: string;
  /** A codicon instead of the label. */
  icon?: string;
  /** Takes the width the others leave (one per table). */
  flexible?: boolean;
}

/** What a table shows: its columns, how a row fills its cells, what it says when empty. */
export interface TableSpec<R extends { id: number }, K extends string, S extends string> {
  columns: readonly Column<K, S>[];
  /** The grid's name for screen readers. */
  label: string;
  /** Fill the cells (text only: setText, properties) and the row element (classes, aria-label). */
  fill(cells: Record<K, HTMLElement>, row: R, rowElement: HTMLElement): void;
  /** Text when the view is empty: nothing in the capture, nothing matches, or not known yet (`pending`). */
  emptyText(captureEmpty: boolean, pending: boolean): string;
}

/** Column widths in px by key. */
export type ColumnWidths = Partial<Record<string, number>>;

export interface RowsPage<R> {
  rows: R[];
  /** Rows in the view. */
  total: number;
  /** Rows there would be without search and filters. */
  all: number;
  queryMs: number;
  searchNote: string;
  /** The rows are not known yet (e.g. findings before the scan has run). */
  pending?: boolean;
}

export interface TableOptions<R extends { id: number }, K extends string, S extends string> {
  spec: TableSpec<R, K, S>;
  pageSize: number;
  sort: { column: S; descending: boolean };
  /** Rows of the current view (the caller knows the query). */
  fetchRows(offset: number, limit: number): Promise<RowsPage<R>>;
  /** Where a row (by id) sits in the current view (-1 when filtered out); without it a new view clears the selection. */
  findRow?(id: number): Promise<number>;
  /** Restored from webview state. */
  initialScrollTop: number;
  initialSelection: number | undefined;
  columnWidths: ColumnWidths;
  onScroll(scrollTop: number): void;
  /** A header was clicked: the caller changes the sort. */
  onSort(column: S): void;
  onColumnsResized(widths: ColumnWidths): void;
  /** The selected row changed (undefined: nothing selected). */
  onSelect(row: R | undefined): void;
  /** Enter or double-click on a row. */
  onOpen(row: R): void;
  /** Ctrl/Cmd+click toggles rows, Shift+click and Shift+↑/↓ select a range; onSelectionChange hears the ids. */
  multiSelect?: boolean;
  /** Restored from webview state (ids of the selected rows). */
  initialMultiSelection?: readonly number[];
  /** The selected rows (by id) changed; multi-select tables only. */
  onSelectionChange?(ids: number[]): void;
  /** Right-click on a row, Shift+F10 or the context-menu key: open a menu for the selection at this point. */
  onContextMenu?(row: R, at: { x: number; y: number }): void;
  /** The view's size is known (after each new query). */
  onTotal(page: Omit<RowsPage<R>, 'rows'>): void;
  /** A page failed to load (message), or every requested page has loaded since (undefined). */
  onError(message: string | undefined): void;
}

/** `generation` counts queries and rescans: rows of an older generation are shown only until newer ones come. */
type PageEntry<R> = { state: 'loaded'; rows: R[]; generation: number } | { state: 'pending' } | { state: 'failed'; at: number };
type LoadedPage<R> = Extract<PageEntry<R>, { state: 'loaded' }>;

interface RowElement<K extends string> {
  row: HTMLElement;
  cells: Record<K, HTMLElement>;
  index: number;
}

let tableIds = 0;

export class VirtualTable<R extends { id: number }, K extends string, S extends string> {
  readonly element: HTMLElement;
  private readonly header: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly headerCells = new Map<K, HTMLElement>();
  private readonly pool: RowElement<K>[] = [];
  /** Insertion order is recency order: the first key is the least recently used page. */
  private readonly pages = new Map<number, PageEntry<R>>();
  /** Pages in view when the query or findings changed, shown until their fresh versions arrive. */
  private stale = new Map<number, LoadedPage<R>>();
  private generation = 0;
  /** Rows in the current view; unknown (-1) until the first page of a new query arrives. */
  private total = -1;
  private sort: { column: S; descending: boolean };
  private widths: Record<K, number>;
  private readonly columns: readonly Column<K, S>[];
  private renderQueued = false;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private wanted: number[] = [];
  /** Selected position in the view, and the exchange there once its row is loaded. */
  private selectedIndex = -1;
  private selectedId: number | undefined;
  private selectedRow: R | undefined;
  /** Exchange to select once the view's rows are known (restored state, or kept across a query change). */
  private pendingSelection: number | undefined;
  /** Ids of the selected rows in a multi-select table (the focused row is usually one of them). */
  private multi = new Set<number>();
  /** Where a Shift range starts (a view position), -1 when none. */
  private anchorIndex = -1;
  /** A plain selection landed on a row not loaded yet: its id joins `multi` when it arrives. */
  private selectFocusedWhenLoaded = false;
  private readonly idPrefix = `ll-table-${++tableIds}`;

  constructor(private readonly options: TableOptions<R, K, S>) {
    this.sort = options.sort;
    this.columns = options.spec.columns;
    this.widths = Object.fromEntries(this.columns.map((c) => [c.key, clampWidth(options.columnWidths[c.key] ?? c.width)])) as Record<K, number>;
    this.pendingSelection = options.initialSelection;
    if (options.multiSelect) this.multi = new Set(options.initialMultiSelection ?? (options.initialSelection === undefined ? [] : [options.initialSelection]));
    this.header = h('div', { class: 'table-header', attrs: { role: 'row', 'aria-rowindex': '1' } });
    for (const c of this.columns) {
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
        attrs: { role: 'grid', tabindex: '0', 'aria-label': `${options.spec.label}: arrow keys move, Enter opens the details`, 'aria-rowcount': '1', 'aria-multiselectable': String(options.multiSelect === true) },
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
    this.layer.addEventListener('contextmenu', (event) => this.onRowContextMenu(event));
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

  /** Show another view's rows (search, filters or sort changed), keeping the selected row when it is still in it. */
  setQuery(sort: { column: S; descending: boolean }): void {
    this.sort = sort;
    this.updateSortIndicators();
    if (this.selectedId !== undefined) this.pendingSelection = this.selectedId;
    // A position whose row had not arrived means nothing in the new view.
    else this.selectedIndex = -1;
    // Positions of the old view mean nothing in the new one; the selected ids stay selected.
    this.anchorIndex = -1;
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

  get selected(): R | undefined {
    return this.selectedRow;
  }

  /** Ids of the selected rows: the multi-selection, or the focused row of a single-select table. */
  get selectedIds(): number[] {
    if (this.options.multiSelect) return [...this.multi];
    return this.selectedId === undefined ? [] : [this.selectedId];
  }

  /**
   * Select the row with this id alone and scroll to it, once the view's rows are known (call after
   * setQuery when the view changes too). Reports the selection change, not onSelect: the caller
   * shows the row itself.
   */
  selectId(id: number): void {
    this.pendingSelection = id;
    if (this.options.multiSelect) {
      this.multi = new Set([id]);
      this.selectFocusedWhenLoaded = false;
      this.options.onSelectionChange?.([id]);
    }
    this.queueRender();
    if (this.total >= 0) this.restoreSelection(this.generation);
  }

  private newGeneration(keepStale: boolean): void {
    this.generation++;
    const stale = new Map<number, LoadedPage<R>>();
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

  private headerCell(c: Column<K, S>): HTMLElement {
    const name = c.name ?? c.label;
    const content = c.icon ? icon(c.icon) : h('span', { class: 'header-label' }, c.label);
    const cell = h('div', { class: `cell col-${c.key}`, attrs: { role: 'columnheader', 'aria-label': name } }, content);
    if (c.title) cell.title = c.title;
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
    if (!c.flexible) cell.append(this.resizer(c.key));
    return cell;
  }

  private resizer(key: K): HTMLElement {
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

  private resizeColumn(key: K, width: number): void {
    this.widths[key] = clampWidth(width);
    this.applyWidths();
  }

  private applyWidths(): void {
    const template = this.columns.map((c) => (c.flexible ? `minmax(${Math.max(120, this.widths[c.key] || 0)}px, 1fr)` : `${this.widths[c.key]}px`)).join(' ');
    this.element.style.setProperty('--table-columns', template);
  }

  private updateSortIndicators(): void {
    for (const c of this.columns) {
      const cell = this.headerCells.get(c.key);
      if (!cell || !c.sort) continue;
      const active = this.sort.column === c.sort;
      cell.setAttribute('aria-sort', active ? (this.sort.descending ? 'descending' : 'ascending') : 'none');
      cell.classList.toggle('sorted', active);
      const indicator = cell.querySelector('.sort-indicator');
      if (indicator) indicator.className = `sort-indicator codicon ${active ? (this.sort.descending ? 'codicon-arrow-down' : 'codicon-arrow-up') : ''}`;
      cell.title = c.title ? `${c.title} (click to sort)` : `Sort by ${(c.name ?? c.label).toLowerCase()}`;
    }
  }

  //#endregion

  //#region selection and keyboard

  private onKey(event: KeyboardEvent): void {
    if (this.total <= 0) return;
    if (event.key === 'ContextMenu' || (event.shiftKey && event.key === 'F10')) {
      event.preventDefault();
      this.openMenuAtSelection();
      return;
    }
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
        if (this.selectedRow !== undefined) {
          event.preventDefault();
          this.options.onOpen(this.selectedRow);
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    const extend = event.shiftKey && this.options.multiSelect === true;
    if (extend && this.anchorIndex < 0) this.anchorIndex = current >= 0 ? current : 0;
    this.select(Math.max(0, Math.min(this.total - 1, target)), true, extend ? 'range' : 'replace');
  }

  private onRowClick(event: MouseEvent, open: boolean): void {
    const el = this.rowElementOf(event);
    if (!el) return;
    const multi = this.options.multiSelect === true;
    // The second click of a double-click already selected the row; it only opens it.
    if (!open) this.select(el.index, false, multi && (event.ctrlKey || event.metaKey) ? 'toggle' : multi && event.shiftKey ? 'range' : 'replace');
    this.element.focus({ preventScroll: true });
    if (open && this.selectedRow !== undefined) this.options.onOpen(this.selectedRow);
  }

  private onRowContextMenu(event: MouseEvent): void {
    const el = this.rowElementOf(event);
    if (!el || !this.options.onContextMenu) return;
    event.preventDefault();
    const data = this.rowAt(el.index)?.row;
    if (!data) return;
    // A right-click inside the selection acts on all of it; outside, on that row alone (as in VS Code's lists).
    const inSelection = this.options.multiSelect ? this.multi.has(data.id) : el.index === this.selectedIndex;
    if (!inSelection || el.index !== this.selectedIndex) this.select(el.index, false, inSelection ? 'focus' : 'replace');
    this.element.focus({ preventScroll: true });
    this.options.onContextMenu(data, { x: event.clientX, y: event.clientY });
  }

  private openMenuAtSelection(): void {
    const data = this.selectedIndex >= 0 ? this.rowAt(this.selectedIndex)?.row : undefined;
    if (!data || !this.options.onContextMenu) return;
    this.scrollToIndex(this.selectedIndex);
    const rowElement = this.pool.find((r) => r.index === this.selectedIndex)?.row;
    const box = (rowElement ?? this.viewport).getBoundingClientRect();
    this.options.onContextMenu(data, { x: box.left + 24, y: box.top + Math.min(box.height, ROW_HEIGHT) });
  }

  private rowElementOf(event: MouseEvent): RowElement<K> | undefined {
    const rowElement = (event.target as HTMLElement).closest('.table-row');
    const el = this.pool.find((r) => r.row === rowElement);
    return el && el.index >= 0 ? el : undefined;
  }

  /**
   * Move the focus to a view position; its exchange is reported once its row is loaded. `replace`
   * selects that row alone, `toggle` adds or removes it, `range` selects from the anchor to it,
   * `focus` only moves the focus (multi-select tables; single-select ones always replace).
   */
  private select(index: number, scroll: boolean, how: 'replace' | 'toggle' | 'range' | 'focus' = 'replace'): void {
    this.selectedIndex = index;
    this.pendingSelection = undefined;
    if (this.options.multiSelect && how !== 'focus') this.updateMulti(index, how);
    if (scroll) this.scrollToIndex(index);
    this.updateSelectedExchange();
    this.queueRender();
  }

  private updateMulti(index: number, how: 'replace' | 'toggle' | 'range'): void {
    const id = this.rowAt(index)?.row.id;
    this.selectFocusedWhenLoaded = false;
    if (how === 'toggle') {
      if (id !== undefined && !this.multi.delete(id)) this.multi.add(id);
      this.anchorIndex = index;
    } else if (how === 'range') {
      const anchor = this.anchorIndex >= 0 ? this.anchorIndex : index;
      this.anchorIndex = anchor;
      const next = new Set<number>();
      // Rows of the range not loaded yet cannot be named; ranges are made over rows on screen.
      for (let i = Math.min(anchor, index); i <= Math.max(anchor, index); i++) {
        const row = this.rowAt(i)?.row;
        if (row) next.add(row.id);
      }
      this.multi = next;
    } else {
      this.multi = new Set(id === undefined ? [] : [id]);
      this.selectFocusedWhenLoaded = id === undefined;
      this.anchorIndex = index;
    }
    this.options.onSelectionChange?.([...this.multi]);
  }

  private updateSelectedExchange(): void {
    const row = this.selectedIndex >= 0 ? this.rowAt(this.selectedIndex)?.row : undefined;
    if (row !== undefined && this.selectFocusedWhenLoaded) {
      this.selectFocusedWhenLoaded = false;
      this.multi = new Set([row.id]);
      this.options.onSelectionChange?.([row.id]);
      this.queueRender();
    }
    if (row === undefined) return;
    if (row.id === this.selectedId) {
      this.selectedRow = row; // a fresher copy (after a rescan, or restored before its page came)
      return;
    }
    this.selectedId = row.id;
    this.selectedRow = row;
    this.options.onSelect(row);
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
    if (!this.options.findRow) {
      // Without a way to find it again (finding ids change with a rescan), the selection goes.
      this.pendingSelection = undefined;
      this.selectedIndex = -1;
      this.selectedId = undefined;
      this.selectedRow = undefined;
      return;
    }
    this.options.findRow(wanted).then(
      (index) => {
        if (generation !== this.generation || this.pendingSelection !== wanted) return;
        this.pendingSelection = undefined;
        if (index < 0) {
          this.selectedIndex = -1;
          this.queueRender();
          return; // filtered out: the detail pane keeps showing it
        }
        this.selectedIndex = index;
        this.anchorIndex = index;
        this.selectedId = wanted;
        this.selectedRow = this.rowAt(index)?.row ?? this.selectedRow;
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
    // A table that is not on screen (the other view) neither renders nor asks for rows.
    if (this.renderQueued || !this.element.isConnected) return;
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

  private createRow(): RowElement<K> {
    const cells = {} as Record<K, HTMLElement>;
    const row = h('div', { class: 'table-row', attrs: { role: 'row', 'aria-selected': 'false' } });
    for (const c of this.columns) {
      cells[c.key] = h('div', { class: `cell col-${c.key}`, attrs: { role: 'gridcell' } });
      row.append(cells[c.key]);
    }
    return { row, cells, index: -1 };
  }

  private fillRow(el: RowElement<K>, index: number): void {
    const found = this.rowAt(index);
    const data = found?.row;
    const focused = index === this.selectedIndex;
    const selected = this.options.multiSelect ? data !== undefined && this.multi.has(data.id) : focused;
    el.row.classList.toggle('selected', selected);
    el.row.classList.toggle('focused', focused);
    el.row.setAttribute('aria-selected', String(selected));
    el.row.id = `${this.idPrefix}-row-${index}`;
    const key = found ? `${index}:${found.row.id}:${found.generation}` : `${index}:-`;
    if (el.row.dataset.key === key) return;
    el.row.dataset.key = key;
    el.index = index;
    el.row.setAttribute('aria-rowindex', String(index + 2));
    el.row.classList.toggle('odd', index % 2 === 1);
    el.row.classList.toggle('loading', !data);
    const { cells } = el;
    if (!data) {
      for (const c of this.columns) {
        cells[c.key].replaceChildren();
        cells[c.key].title = '';
      }
      const flexible = this.columns.find((c) => c.flexible);
      if (flexible) setText(cells[flexible.key], '…');
      el.row.removeAttribute('aria-label');
      el.row.classList.remove('insecure');
      return;
    }
    this.options.spec.fill(cells, data, el.row);
  }

  private rowAt(index: number): { row: R; generation: number } | undefined {
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
    this.options.fetchRows(offset, limit).then(
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

  private setTotal(answer: RowsPage<R>): void {
    const firstOfQuery = this.total < 0;
    this.total = answer.total;
    this.stale.clear();
    // Pages of a different size were cut to the old total: drop all but the one just loaded.
    if (!firstOfQuery) this.pages.clear();
    this.element.setAttribute('aria-rowcount', String(answer.total + 1));
    this.spacer.style.height = `${this.virtualHeight()}px`;
    this.empty.hidden = answer.total > 0;
    setText(this.empty, this.options.spec.emptyText(answer.all === 0, answer.pending === true));
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

