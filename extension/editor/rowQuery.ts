// The request table's query engine: which exchanges a RowQuery shows, in which order, as a list of
// exchange ids the session pages through. Pure (no vscode).
//
//  - Search: core/search.ts (its header says exactly what matches). Built on the first search, or
//    earlier with prepareSearch() in idle time; it does not depend on the findings, so a rescan
//    (withFindings) keeps it, with every other findings-independent column and sort order.
//  - Quick filters, all ANDed; an empty list does not restrict:
//      kinds: the exchange leaks any of them;  hosts: exchangeHost() as the row shows it (capped
//      at MAX_HOST_LENGTH);  methods: compared upper-cased;  statuses: the status class, `none`
//      for no response or a status of 0 or less (codes outside 100–599 belong to no class);
//      scheme: `http` is not secure, `https` secure;  findings: with / without any.
//  - Sort by any SortColumn, ties by id (ascending, in both directions). Unknown values (no
//    response status, unknown size or time, no MIME type) come last in both directions. Strings
//    compare by UTF-16 code units as the row shows them (capped like the row). `findings` orders
//    by the best confidence, then the number of findings, then of kinds; an exchange without
//    findings is the least serious, not unknown.
//
// Cost: every column's sort order is worked out once, on first use, as a permutation of all
// exchanges (a packed numeric sort, no objects); a view is then one pass over the filters and
// one over the permutation: linear, about a millisecond for 50k exchanges. The last views are
// kept (LRU by a canonical form of the query), so paging through a view costs nothing.
import { confidenceRank } from '../core/detect/index';
import type { Capture, Exchange } from '../core/model';
import { displayPath, exchangeHost } from '../core/model';
import { canonicalSearch, SearchIndex, type SearchIndexStats, type SearchMatch } from '../core/search';
import {
  FINDING_KINDS,
  MAX_FACET_VALUES,
  MAX_HOST_LENGTH,
  STATUS_CLASSES,
  type FacetValue,
  type Facets,
  type KindCount,
  type RowQuery,
  type SortColumn,
  type StatusClass,
} from '../protocol';
import { cap, responseSize } from './rows';
import { compareStrings, descendingOrder, orderOfRanks, stringRanks, ViewCache, type Order } from './order';

/** How many views are kept. */
export const VIEW_CACHE_SIZE = 8;

/** What a row shows of each string column (rows.ts caps the same). */
const SHOWN = { method: 32, host: MAX_HOST_LENGTH, path: 2048, mime: 128 } as const;

const NO_CLASS = 255;
const KIND_BIT = new Map<string, number>(FINDING_KINDS.map((k, i) => [k, 1 << i]));

export interface RowView {
  /** Exchange ids in the order the table shows them. Shared: do not write into it. */
  ids: Int32Array;
  /** Time spent searching, filtering and sorting; 0 when the view was cached. */
  queryMs: number;
}


/** Distinct values of a string column and each exchange's index into them. */
interface Dictionary {
  values: string[];
  of: Int32Array;
  counts: Int32Array;
}

function dictionary(n: number, valueOf: (i: number) => string): Dictionary {
  const index = new Map<string, number>();
  const values: string[] = [];
  const of = new Int32Array(n);
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = valueOf(i);
    let id = index.get(v);
    if (id === undefined) {
      index.set(v, (id = values.length));
      values.push(v);
      counts.push(0);
    }
    of[i] = id;
    counts[id]++;
  }
  return { values, of, counts: Int32Array.from(counts) };
}

function stringOrder(n: number, valueOf: (i: number) => string | undefined): Order {
  return orderOfRanks(stringRanks(n, valueOf));
}

function numberOrder(n: number, valueOf: (i: number) => number | undefined): Order {
  const values = new Float64Array(n);
  const known = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = valueOf(i);
    if (v === undefined || Number.isNaN(v)) continue;
    values[i] = v === 0 ? 0 : v; // -0 is 0
    known[i] = 1;
    count++;
  }
  const distinct = new Float64Array(count);
  for (let i = 0, k = 0; i < n; i++) if (known[i]) distinct[k++] = values[i];
  distinct.sort();
  let m = 0;
  for (let i = 0; i < count; i++) if (i === 0 || distinct[i] !== distinct[m - 1]) distinct[m++] = distinct[i];
  const unique = distinct.subarray(0, m);
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) rank[i] = known[i] ? lowerBound(unique, values[i]) : -1;
  return orderOfRanks(rank);
}

function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function identityOrder(n: number): Order {
  const asc = new Int32Array(n);
  const desc = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    asc[i] = i;
    desc[i] = n - 1 - i;
  }
  return { asc, desc, rank: asc };
}

/** Status class as an index into STATUS_CLASSES, or NO_CLASS. */
function statusClassOf(exchange: Exchange): number {
  const response = exchange.response;
  if (!response) return STATUS_CLASSES.indexOf('none');
  const s = response.status;
  if (!Number.isFinite(s) || s <= 0) return STATUS_CLASSES.indexOf('none');
  if (s >= 100 && s < 600) return Math.floor(s / 100) - 1;
  return NO_CLASS;
}

/**
 * Everything about a capture's rows that does not depend on the findings: the search index,
 * hosts, methods, status classes, schemes and the findings-independent sort orders. Shared by
 * the RowViews of one capture (see RowViews.withFindings).
 */
export class CaptureColumns {
  readonly search: SearchIndex;
  readonly count: number;
  private hostDict: Dictionary | undefined;
  private methodDict: Dictionary | undefined;
  private statusClasses: Uint8Array | undefined;
  private secureFlags: Uint8Array | undefined;
  private readonly orders = new Map<SortColumn, Order>();
  private facetList: Facets | undefined;

  constructor(readonly capture: Capture) {
    this.search = new SearchIndex(capture);
    this.count = capture.exchanges.length;
  }

  get hosts(): Dictionary {
    return (this.hostDict ??= dictionary(this.count, (i) => cap(exchangeHost(this.capture.exchanges[i]), SHOWN.host)));
  }

  get methods(): Dictionary {
    // Upper-cased before capping: a facet value must fit the protocol's 32-character filter values.
    return (this.methodDict ??= dictionary(this.count, (i) => cap(this.capture.exchanges[i].request.method.toUpperCase(), SHOWN.method)));
  }

  /** Distinct hosts (as rows show them): the summary's hostCount. */
  get hostCount(): number {
    return this.hosts.values.length;
  }

  get statuses(): Uint8Array {
    if (!this.statusClasses) {
      const out = new Uint8Array(this.count);
      for (let i = 0; i < this.count; i++) out[i] = statusClassOf(this.capture.exchanges[i]);
      this.statusClasses = out;
    }
    return this.statusClasses;
  }

  get secure(): Uint8Array {
    if (!this.secureFlags) {
      const out = new Uint8Array(this.count);
      for (let i = 0; i < this.count; i++) out[i] = this.capture.exchanges[i].secure ? 1 : 0;
      this.secureFlags = out;
    }
    return this.secureFlags;
  }

  /** The order of a column that does not depend on the findings. */
  order(column: Exclude<SortColumn, 'findings'>): Order {
    let order = this.orders.get(column);
    if (!order) {
      order = this.makeOrder(column);
      this.orders.set(column, order);
    }
    return order;
  }

  private makeOrder(column: Exclude<SortColumn, 'findings'>): Order {
    const n = this.count;
    const ex = this.capture.exchanges;
    switch (column) {
      case 'id':
        return identityOrder(n);
      case 'method':
        return stringOrder(n, (i) => cap(ex[i].request.method, SHOWN.method));
      case 'host': {
        const { values, of } = this.hosts;
        return stringOrder(n, (i) => values[of[i]]);
      }
      case 'path':
        return stringOrder(n, (i) => cap(displayPath(ex[i].request.url), SHOWN.path));
      case 'status':
        return numberOrder(n, (i) => {
          const response = ex[i].response;
          return response ? (Number.isFinite(response.status) ? response.status : 0) : undefined;
        });
      case 'mime':
        return stringOrder(n, (i) => {
          const response = ex[i].response;
          const mime = response?.mimeType || response?.body?.mimeType || '';
          return mime === '' ? undefined : cap(mime, SHOWN.mime);
        });
      case 'size':
        return numberOrder(n, (i) => {
          const size = responseSize(ex[i].response);
          return size >= 0 ? size : undefined;
        });
      case 'time':
        return numberOrder(n, (i) => {
          const d = ex[i].durationMs;
          return Number.isFinite(d) && d >= 0 ? d : undefined;
        });
    }
  }

  /** Values the quick filters offer, with how many exchanges have each. */
  facets(): Facets {
    if (!this.facetList) {
      const statusCounts = new Array<number>(STATUS_CLASSES.length).fill(0);
      const statuses = this.statuses;
      for (let i = 0; i < this.count; i++) if (statuses[i] !== NO_CLASS) statusCounts[statuses[i]]++;
      this.facetList = {
        hosts: busiestFirst(this.hosts),
        methods: busiestFirst(this.methods),
        statuses: STATUS_CLASSES.flatMap((value, i): FacetValue<StatusClass>[] => (statusCounts[i] > 0 ? [{ value, count: statusCounts[i] }] : [])),
      };
    }
    return {
      hosts: this.facetList.hosts.map((f) => ({ ...f })),
      methods: this.facetList.methods.map((f) => ({ ...f })),
      statuses: this.facetList.statuses.map((f) => ({ ...f })),
    };
  }
}

function busiestFirst(dict: Dictionary): FacetValue[] {
  const ids = dict.values.map((_, i) => i);
  ids.sort((a, b) => dict.counts[b] - dict.counts[a] || compareStrings(dict.values[a], dict.values[b]));
  return ids.slice(0, MAX_FACET_VALUES).map((id) => ({ value: dict.values[id], count: dict.counts[id] }));
}

/** The request table's views of one capture, for one set of findings. */
export class RowViews {
  readonly columns: CaptureColumns;
  private readonly findings: readonly (readonly KindCount[] | undefined)[];
  private kindMasks: Int32Array | undefined;
  private findingsOrder: Order | undefined;
  private readonly cache = new ViewCache(VIEW_CACHE_SIZE);
  /** The last search, with the time it took (when the view was not cached). */
  private lastSearch: SearchMatch | undefined;

  /**
   * `findings`: ScanView.byExchange, indexed by exchange id. `columns`: to share the search index
   * and findings-independent orders with another RowViews of the same capture (withFindings does).
   */
  constructor(
    readonly capture: Capture,
    findings: readonly (readonly KindCount[] | undefined)[],
    columns?: CaptureColumns,
  ) {
    if (columns && columns.capture !== capture) throw new Error('RowViews: columns of another capture');
    this.columns = columns ?? new CaptureColumns(capture);
    this.findings = findings;
  }

  /** The same capture with other findings (after a rescan): the search index and orders are kept. */
  withFindings(findings: readonly (readonly KindCount[] | undefined)[]): RowViews {
    return new RowViews(this.capture, findings, this.columns);
  }

  /** Build the search index, or part of it within `budgetMs`; true when it is built. */
  prepareSearch(budgetMs = Infinity): boolean {
    return this.columns.search.prepare(budgetMs);
  }

  searchStats(): SearchIndexStats {
    return this.columns.search.stats();
  }

  /** How the last search that was not cached went (fuzzy fallbacks, time). */
  get lastSearchMatch(): SearchMatch | undefined {
    return this.lastSearch;
  }

  facets(): Facets {
    return this.columns.facets();
  }

  /**
   * What the search did beyond exact matching, for the filter bar ("no exact match for xiaomo:
   * showing close words xiaomi"); "" when every term matched exactly. Term results are cached by
   * the index, so asking costs a lookup.
   */
  searchNote(search: string): string {
    if (search.trim() === '') return '';
    const match = this.columns.search.search(search);
    const notes = match.fuzzy.map((f) =>
      f.words.length > 0
        ? `no exact match for “${f.term}”: showing close words ${f.words.slice(0, 4).join(', ')}${f.words.length > 4 ? ', …' : ''}`
        : `no exact match for “${f.term}”`,
    );
    return notes.join('; ');
  }

  /** The exchange ids a query shows, in order. */
  view(query: RowQuery): RowView {
    const key = canonicalQuery(query);
    const cached = this.cache.get(key);
    if (cached) return { ids: cached, queryMs: 0 };
    const started = performance.now();
    const ids = this.compute(query);
    this.cache.set(key, ids);
    return { ids, queryMs: performance.now() - started };
  }

  /** Where an exchange sits in a query's view, -1 when the view does not show it. */
  indexOf(query: RowQuery, exchangeId: number): number {
    if (!Number.isInteger(exchangeId) || exchangeId < 0 || exchangeId >= this.columns.count) return -1;
    return this.view(query).ids.indexOf(exchangeId);
  }

  private compute(query: RowQuery): Int32Array {
    const n = this.columns.count;
    const pass = this.filter(query);
    const order = this.order(query.sort, query.descending);
    const out = new Int32Array(n);
    let k = 0;
    if (!pass) {
      out.set(order);
      return out;
    }
    for (let i = 0; i < n; i++) {
      const id = order[i];
      if (pass[id]) out[k++] = id;
    }
    return out.slice(0, k);
  }

  /** 1 for each exchange that passes the search and every filter; undefined when nothing restricts. */
  private filter(query: RowQuery): Uint8Array | undefined {
    const n = this.columns.count;
    let pass: Uint8Array | undefined;
    const restrict = (test: (i: number) => boolean): void => {
      if (!pass) pass = new Uint8Array(n).fill(1);
      for (let i = 0; i < n; i++) if (pass[i] && !test(i)) pass[i] = 0;
    };
    if (query.search.trim() !== '') {
      // The bitmap is this call's own (search() copies it), so the filters below may write into it.
      const match = this.columns.search.search(query.search);
      this.lastSearch = { ...match, bitmap: undefined };
      if (match.bitmap) pass = match.bitmap;
    }
    if (query.kinds.length > 0) {
      let wanted = 0;
      for (const k of query.kinds) wanted |= KIND_BIT.get(k) ?? 0;
      const masks = this.masks();
      restrict((i) => (masks[i] & wanted) !== 0);
    }
    if (query.findings !== 'any') {
      const want = query.findings === 'with';
      restrict((i) => ((this.findings[i]?.length ?? 0) > 0) === want);
    }
    if (query.hosts.length > 0) {
      const { values, of } = this.columns.hosts;
      const wanted = new Set(query.hosts);
      const allowed = Uint8Array.from(values, (v) => (wanted.has(v) ? 1 : 0));
      restrict((i) => allowed[of[i]] === 1);
    }
    if (query.methods.length > 0) {
      const { values, of } = this.columns.methods;
      const wanted = new Set(query.methods.map((m) => m.toUpperCase()));
      const allowed = Uint8Array.from(values, (v) => (wanted.has(v) ? 1 : 0));
      restrict((i) => allowed[of[i]] === 1);
    }
    if (query.statuses.length > 0) {
      const statuses = this.columns.statuses;
      const allowed = new Uint8Array(256);
      for (const s of query.statuses) {
        const c = STATUS_CLASSES.indexOf(s);
        if (c >= 0) allowed[c] = 1;
      }
      restrict((i) => allowed[statuses[i]] === 1);
    }
    if (query.scheme !== 'any') {
      const secure = this.columns.secure;
      const want = query.scheme === 'https' ? 1 : 0;
      restrict((i) => secure[i] === want);
    }
    return pass;
  }

  private order(column: SortColumn, desc: boolean): Int32Array {
    const order = column === 'findings' ? (this.findingsOrder ??= this.makeFindingsOrder()) : this.columns.order(column);
    if (!desc) return order.asc;
    return (order.desc ??= descendingOrder(order));
  }

  /** Kinds each exchange leaks, one bit per FINDING_KINDS index. */
  private masks(): Int32Array {
    if (!this.kindMasks) {
      const n = this.columns.count;
      const masks = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        for (const k of this.findings[i] ?? []) masks[i] |= KIND_BIT.get(k.kind) ?? 0;
      }
      this.kindMasks = masks;
    }
    return this.kindMasks;
  }

  /** Seriousness: best confidence, then how many findings, then how many kinds. */
  private makeFindingsOrder(): Order {
    return numberOrder(this.columns.count, (i) => {
      const kinds = this.findings[i];
      if (!kinds || kinds.length === 0) return 0;
      let best = 0;
      let total = 0;
      for (const k of kinds) {
        best = Math.max(best, confidenceRank(k.confidence));
        total += Number.isFinite(k.count) && k.count > 0 ? Math.min(k.count, 1e9) : 0;
      }
      return best * 1e13 + total * 100 + Math.min(kinds.length, 99);
    });
  }
}

/** The same key for queries that show the same rows: lists sorted and deduplicated, search by its terms. */
export function canonicalQuery(query: RowQuery): string {
  const set = (values: readonly string[]): string[] => [...new Set(values)].sort();
  return JSON.stringify([
    canonicalSearch(query.search),
    query.sort,
    query.descending,
    set(query.kinds),
    set(query.hosts),
    set(query.methods.map((m) => m.toUpperCase())),
    set(query.statuses),
    query.scheme,
    query.findings,
  ]);
}
