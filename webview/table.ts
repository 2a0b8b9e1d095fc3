// The request table: a virtualized list. Rows have a fixed height; a spacer gives the scroll
// container the height of all rows, and only the rows in view (plus a few) exist in the DOM,
// recycled as the view scrolls. Rows come from the host a page at a time and are kept in a
// small LRU cache, so the webview never holds the whole capture. When the findings change, the
// cache is dropped and the rows in view asked for again (showing the old ones until then).
import type { RowSummary } from '../extension/protocol';
import { describeKindCount, kindBadge } from './badges';
import { formatBytes, h, icon, setText, visible } from './dom';

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

const COLUMNS = [
  { key: 'id', label: '#' },
  { key: 'method', label: 'Method' },
  { key: 'secure', label: '' },
  { key: 'host', label: 'Host' },
  { key: 'path', label: 'Path' },
  { key: 'findings', label: 'Leaks' },
  { key: 'status', label: 'Status' },
  { key: 'mime', label: 'Type' },
  { key: 'size', label: 'Size' },
] as const;
type ColumnKey = (typeof COLUMNS)[number]['key'];

export interface TableOptions {
  total: number;
  pageSize: number;
  fetchRows(offset: number, limit: number): Promise<{ rows: RowSummary[]; total: number }>;
  /** Scroll position to restore (from webview state). */
  initialScrollTop: number;
  onScroll(scrollTop: number): void;
  /** A page failed to load (message), or every requested page has loaded since (undefined). */
  onError(message: string | undefined): void;
}

/** `generation` counts refreshes: rows of an older generation are shown only until newer ones come. */
type PageEntry = { state: 'loaded'; rows: RowSummary[]; generation: number } | { state: 'pending' } | { state: 'failed'; at: number };
type LoadedPage = Extract<PageEntry, { state: 'loaded' }>;

interface RowElement {
  row: HTMLElement;
  cells: Record<ColumnKey, HTMLElement>;
  index: number;
}

export class RequestTable {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly pool: RowElement[] = [];
  /** Insertion order is recency order: the first key is the least recently used page. */
  private readonly pages = new Map<number, PageEntry>();
  /** Pages in view when the findings changed, shown until their fresh versions arrive. */
  private stale = new Map<number, LoadedPage>();
  private generation = 0;
  private total: number;
  private renderQueued = false;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private wanted: number[] = [];

  constructor(private readonly options: TableOptions) {
    this.total = options.total;
    const header = h(
      'div',
      { class: 'table-header', attrs: { role: 'row', 'aria-rowindex': '1' } },
      ...COLUMNS.map((c) =>
        c.key === 'secure'
          ? h('div', { class: 'cell col-secure', title: 'Plain HTTP (no TLS)', attrs: { role: 'columnheader', 'aria-label': 'Plain HTTP' } }, icon('unlock'))
          : h('div', { class: `cell col-${c.key}`, title: c.key === 'findings' ? 'Identifiers the request leaks, by confidence' : undefined, attrs: { role: 'columnheader' } }, c.label),
      ),
    );
    this.spacer = h('div', { class: 'table-spacer', attrs: { 'aria-hidden': 'true' } });
    this.layer = h('div', { class: 'table-rows' });
    this.viewport = h('div', { class: 'table-viewport', attrs: { role: 'rowgroup', tabindex: '0' } }, this.spacer, this.layer);
    this.element = h(
      'div',
      { class: 'request-table', attrs: { role: 'grid', 'aria-label': 'Requests', 'aria-rowcount': String(this.total + 1) } },
      header,
      this.viewport,
    );
    if (this.total === 0) {
      this.viewport.append(h('div', { class: 'table-empty' }, 'No HTTP exchanges in this capture.'));
    }
    this.viewport.addEventListener('scroll', () => this.queueRender(), { passive: true });
    new ResizeObserver(() => this.queueRender()).observe(this.viewport);
  }

  /** Call once the element is in the document: sizes the spacer and restores the scroll position. */
  attach(): void {
    this.spacer.style.height = `${this.virtualHeight()}px`;
    this.viewport.scrollTop = this.options.initialScrollTop;
    this.render();
  }

  /** The findings changed: forget the cached rows and ask again for the ones in view. */
  refresh(): void {
    this.generation++;
    const stale = new Map<number, LoadedPage>();
    for (const p of this.wanted) {
      const entry = this.pages.get(p) ?? this.stale.get(p);
      if (entry?.state === 'loaded') stale.set(p, entry);
    }
    this.stale = stale;
    this.pages.clear();
    this.queueRender();
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
      this.options.onScroll(this.viewport.scrollTop);
    });
  }

  private contentHeight(): number {
    return this.total * ROW_HEIGHT;
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

  private render(): void {
    const viewportHeight = this.viewport.clientHeight;
    const scrollTop = this.viewport.scrollTop;
    const offsetPx = this.rowOffsetPx(scrollTop, viewportHeight);
    const firstVisible = Math.floor(offsetPx / ROW_HEIGHT);
    const start = Math.max(0, firstVisible - OVERSCAN);
    const end = Math.min(this.total, firstVisible + Math.ceil(viewportHeight / ROW_HEIGHT) + 1 + OVERSCAN);

    // Position the layer where row `start` sits in spacer coordinates.
    this.layer.style.transform = `translateY(${scrollTop + start * ROW_HEIGHT - offsetPx}px)`;

    const count = Math.max(0, end - start);
    while (this.pool.length < count) {
      const row = this.createRow();
      this.pool.push(row);
      this.layer.append(row.row);
    }
    while (this.pool.length > count) this.pool.pop()?.row.remove();

    for (let i = 0; i < count; i++) this.fillRow(this.pool[i], start + i);
    this.requestPages(start, end);
  }

  private createRow(): RowElement {
    const cells = {} as Record<ColumnKey, HTMLElement>;
    const row = h('div', { class: 'table-row', attrs: { role: 'row' } });
    for (const c of COLUMNS) {
      cells[c.key] = h('div', { class: `cell col-${c.key}`, attrs: { role: 'gridcell' } });
      row.append(cells[c.key]);
    }
    return { row, cells, index: -1 };
  }

  private fillRow(el: RowElement, index: number): void {
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
      for (const c of COLUMNS) setText(cells[c.key], '');
      setText(cells.path, '…');
      for (const c of COLUMNS) cells[c.key].title = '';
      el.row.classList.remove('insecure');
      cells.secure.replaceChildren();
      cells.findings.replaceChildren();
      return;
    }
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
    // Tooltips (a property, never markup) show what the ellipsis hides.
    cells.host.title = host;
    cells.path.title = path;
    cells.mime.title = mime;
    cells.size.title = data.size >= 0 ? `${data.size.toLocaleString('en-US')} bytes` : 'size unknown';
    cells.status.className = `cell col-status ${statusClass(data.status)}`;
    // Plain HTTP: anyone on the path reads what the request carries.
    el.row.classList.toggle('insecure', !data.secure);
    cells.secure.replaceChildren(...(data.secure ? [] : [icon('unlock', 'plain HTTP')]));
    cells.secure.title = data.secure ? '' : 'Plain HTTP: sent without TLS';
    cells.findings.replaceChildren(...data.findings.map(kindBadge));
    cells.findings.title = data.findings.map(describeKindCount).join('\n');
  }

  private rowAt(index: number): { row: RowSummary; generation: number } | undefined {
    const page = Math.floor(index / this.options.pageSize);
    const fresh = this.pages.get(page);
    const entry = fresh?.state === 'loaded' ? fresh : this.stale.get(page);
    const row = entry?.rows[index - page * this.options.pageSize];
    return entry && row ? { row, generation: entry.generation } : undefined;
  }

  /** Ask for the pages under rows [start, end) and one page either side, once scrolling settles. */
  private requestPages(start: number, end: number): void {
    if (this.total === 0) return;
    const size = this.options.pageSize;
    const first = Math.max(0, Math.floor(start / size) - 1);
    const last = Math.min(Math.floor((this.total - 1) / size), Math.floor(Math.max(start, end - 1) / size) + 1);
    const wanted: number[] = [];
    for (let p = first; p <= last; p++) wanted.push(p);
    this.wanted = wanted;
    // Mark visible pages as recently used.
    for (const p of wanted) {
      const entry = this.pages.get(p);
      if (entry) {
        this.pages.delete(p);
        this.pages.set(p, entry);
      }
    }
    if (this.fetchTimer !== undefined) clearTimeout(this.fetchTimer);
    this.fetchTimer = setTimeout(() => {
      this.fetchTimer = undefined;
      for (const p of this.wanted) this.fetchPage(p);
    }, FETCH_DELAY_MS);
  }

  private fetchPage(page: number): void {
    const entry = this.pages.get(page);
    if (entry && (entry.state !== 'failed' || Date.now() - entry.at < RETRY_AFTER_MS)) return;
    const size = this.options.pageSize;
    const offset = page * size;
    const limit = Math.min(size, this.total - offset);
    if (limit <= 0) return;
    this.pages.set(page, { state: 'pending' });
    const generation = this.generation;
    this.options.fetchRows(offset, limit).then(
      ({ rows, total }) => {
        if (generation !== this.generation) return; // asked before a refresh; asked again since
        this.pages.set(page, { state: 'loaded', rows, generation });
        this.stale.delete(page);
        this.evict();
        if (total !== this.total) this.setTotal(total);
        if (!this.wanted.some((p) => this.pages.get(p)?.state === 'failed')) this.options.onError(undefined);
        this.queueRender();
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        this.pages.set(page, { state: 'failed', at: Date.now() });
        this.options.onError(`Could not load rows ${offset.toLocaleString('en-US')}–${(offset + limit - 1).toLocaleString('en-US')}: ${err instanceof Error ? err.message : String(err)}`);
        // Try again after the pause, if the page is still in view.
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

  private setTotal(total: number): void {
    this.total = total;
    this.pages.clear();
    this.stale.clear();
    this.element.setAttribute('aria-rowcount', String(total + 1));
    this.spacer.style.height = `${this.virtualHeight()}px`;
  }
}

function statusClass(status: number | null): string {
  if (status === null || status === 0) return 'status-none';
  if (status >= 500) return 'status-5xx';
  if (status >= 400) return 'status-4xx';
  if (status >= 300) return 'status-3xx';
  return 'status-2xx';
}
