// The findings view: one row per finding of the capture, for a researcher listing every leak.
// Pure (no vscode).
//
//  - Which findings: those of the exchanges the RowQuery shows (its search and every quick filter,
//    through RowViews), and when `query.kinds` is not empty only findings of those kinds. The
//    query's own `sort` and `descending` (request-table columns) are ignored here.
//  - Ids: a finding's id is its position in the capture's findings in exchange-major order
//    (exchange id, then scan order within the exchange); `index` is its position among its
//    exchange's findings, which is its index in ExchangeDetail.findings (detail.ts lists the same
//    findings in the same order, the first MAX_DETAIL_FINDINGS of them; later ones still get rows).
//  - Sorts (FindingSortColumn), ascending:
//      exchange: capture order;  kind: FINDING_KINDS order;  value: the canonical value as the row
//      shows it (capped), by UTF-16 code units;  confidence: high, medium, low (most serious first);
//      host: as the row shows it (capped), by UTF-16 code units;  where: the section in protocol
//      order, then the field path as the row shows it.
//    Ties by id (capture order) in both directions: `descending` reverses the primary key only.
//    With `exchange` that means later exchanges first, each exchange's findings in scan order.
//    Values outside the protocol's kinds or confidences (none are expected) come last both ways.
//
// Cost: every sort's order of all findings is worked out once per scan, on first use (a packed
// numeric sort of ranks, no objects); a view is then one pass over the order, testing each
// finding's exchange against the query's exchanges: linear. The last views are kept (LRU by a
// canonical form of the query, sort and direction), so paging costs nothing. Rows cap every string.
import type { Finding } from '../core/model';
import {
  CONFIDENCES,
  FINDING_KINDS,
  MAX_PAGE_SIZE,
  type DetailSectionId,
  type FindingRow,
  type FindingRowsMessage,
  type FindingSortColumn,
  type GetFindingRowsRequest,
  type RowQuery,
} from '../protocol';
import { findingPlace } from './detail';
import { canonicalQuery, type RowViews } from './rowQuery';
import { cap, type ScanView } from './rows';
import { descendingOrder, orderOfRanks, stringRanks, ViewCache, type Order } from './order';

/** How many views are kept. */
export const FINDING_VIEW_CACHE_SIZE = 8;

/** Caps on what a row carries (the details carry more). */
export const FINDING_ROW_CAPS = { value: 256, matchedText: 256, fieldPath: 300, method: 32, step: 200, steps: 16, label: 200 } as const;

/** Sections in protocol order (ExchangeDetail.sections), for the `where` sort. */
const SECTION_ORDER = [
  'request-headers', 'query', 'request-cookies', 'request-body', 'response-headers', 'response-cookies', 'response-body',
] as const satisfies readonly DetailSectionId[];
// Fails to compile when the protocol gains a section this list lacks.
const SECTIONS_COMPLETE: [DetailSectionId] extends [(typeof SECTION_ORDER)[number]] ? true : false = true;
void SECTIONS_COMPLETE;
const SECTION_RANK = new Map<string, number>(SECTION_ORDER.map((s, i) => [s, i]));

const KIND_RANK = new Map<string, number>(FINDING_KINDS.map((k, i) => [k, i]));
const CONFIDENCE_RANK = new Map<string, number>(CONFIDENCES.map((c, i) => [c, i]));

export interface FindingView {
  /** Finding ids in the order the view shows them. Shared: do not write into it. */
  ids: Int32Array;
  /** Time spent filtering (the exchanges' view included) and sorting; 0 when the view was cached. */
  queryMs: number;
}

/** A sort order of all findings. */
/** The findings views of one capture for one scan (a rescan makes new findings: build a new one). */
export class FindingViews {
  /** Findings in the capture (in range of its exchanges). */
  readonly count: number;
  /** Every finding, exchange-major: findings[id]. */
  private readonly findings: Finding[] = [];
  private readonly exchangeOf: Int32Array;
  private readonly indexInExchange: Int32Array;
  /** 1 << FINDING_KINDS index; 0 for a kind the protocol does not know. */
  private readonly kindBit: Int32Array;
  private readonly orders = new Map<FindingSortColumn, Order>();
  private readonly cache = new ViewCache(FINDING_VIEW_CACHE_SIZE);

  /** `rows`: the request table's engine for the same capture and scan (it decides which exchanges a query shows). */
  constructor(
    readonly rows: RowViews,
    readonly scan: ScanView,
  ) {
    const n = rows.columns.count;
    const exchangeOf: number[] = [];
    const indexInExchange: number[] = [];
    for (let id = 0; id < n; id++) {
      const list = scan.findingsOf(id);
      for (let j = 0; j < list.length; j++) {
        this.findings.push(list[j]);
        exchangeOf.push(id);
        indexInExchange.push(j);
      }
    }
    this.count = this.findings.length;
    this.exchangeOf = Int32Array.from(exchangeOf);
    this.indexInExchange = Int32Array.from(indexInExchange);
    this.kindBit = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const k = KIND_RANK.get(this.findings[i].kind);
      this.kindBit[i] = k === undefined ? 0 : 1 << k;
    }
  }

  /** The finding ids a query shows, in order. */
  view(query: RowQuery, sort: FindingSortColumn, descending: boolean): FindingView {
    // The table's sort does not change which exchanges show: ask for capture order, which shares
    // the table's default view and never builds a column's sort order for nothing.
    const shown: RowQuery = { ...query, sort: 'id', descending: false };
    const key = JSON.stringify([canonicalQuery(shown), sort, descending]);
    const cached = this.cache.get(key);
    if (cached) return { ids: cached, queryMs: 0 };
    const started = performance.now();
    const ids = this.compute(shown, sort, descending);
    this.cache.set(key, ids);
    return { ids, queryMs: performance.now() - started };
  }

  /** Rows [offset, offset + limit) of a view (at most MAX_PAGE_SIZE); fewer, or none, past its end. */
  page(ids: Int32Array, offset: number, limit: number): FindingRow[] {
    const start = Math.max(0, Math.floor(offset));
    const end = Math.min(ids.length, start + Math.max(0, Math.min(MAX_PAGE_SIZE, Math.floor(limit))));
    const out: FindingRow[] = [];
    for (let i = start; i < end; i++) out.push(this.row(ids[i]));
    return out;
  }

  /** The row of finding `id` (0 ≤ id < count). */
  row(id: number): FindingRow {
    const f = this.findings[id];
    if (f === undefined) throw new RangeError(`there is no finding #${id}`);
    const exchangeId = this.exchangeOf[id];
    const exchange = this.rows.capture.exchanges[exchangeId];
    const hosts = this.rows.columns.hosts; // capped at MAX_HOST_LENGTH, as the request table shows it
    const place = findingPlace(f);
    const chain = f.chain.length > FINDING_ROW_CAPS.steps ? f.chain.slice(0, FINDING_ROW_CAPS.steps) : f.chain;
    const row: FindingRow = {
      id,
      exchangeId,
      index: this.indexInExchange[id],
      kind: f.kind,
      confidence: f.confidence,
      value: cap(f.value, FINDING_ROW_CAPS.value),
      matchedText: cap(f.matchedText, FINDING_ROW_CAPS.matchedText),
      host: hosts.values[hosts.of[exchangeId]],
      secure: exchange.secure,
      method: cap(exchange.request.method, FINDING_ROW_CAPS.method),
      section: place.section,
      fieldPath: cap(place.fieldPath, FINDING_ROW_CAPS.fieldPath),
      chain: chain.map((step) => cap(step, FINDING_ROW_CAPS.step)),
    };
    if (f.known) {
      row.known = { label: cap(f.known.label, FINDING_ROW_CAPS.label), variant: cap(f.known.variant, FINDING_ROW_CAPS.label), learned: !!f.known.learnedFrom };
    }
    return row;
  }

  private compute(shown: RowQuery, sort: FindingSortColumn, descending: boolean): Int32Array {
    const exchanges = this.rows.view(shown).ids;
    const n = this.rows.columns.count;
    // Which exchanges show; undefined when all do.
    let pass: Uint8Array | undefined;
    if (exchanges.length < n) {
      pass = new Uint8Array(n);
      for (let i = 0; i < exchanges.length; i++) pass[exchanges[i]] = 1;
    }
    let wanted = 0;
    for (const k of shown.kinds) {
      const rank = KIND_RANK.get(k);
      if (rank !== undefined) wanted |= 1 << rank;
    }
    const order = this.order(sort, descending);
    const { exchangeOf, kindBit } = this;
    const out = new Int32Array(order.length);
    let k = 0;
    for (let i = 0; i < order.length; i++) {
      const id = order[i];
      if (pass && pass[exchangeOf[id]] === 0) continue;
      if (wanted !== 0 && (kindBit[id] & wanted) === 0) continue;
      out[k++] = id;
    }
    return k === out.length ? out : out.slice(0, k);
  }

  private order(sort: FindingSortColumn, desc: boolean): Int32Array {
    let order = this.orders.get(sort);
    if (!order) {
      order = orderOfRanks(this.ranks(sort));
      this.orders.set(sort, order);
    }
    if (!desc) return order.asc;
    return (order.desc ??= descendingOrder(order));
  }

  /** Each finding's dense rank for a sort column (-1: unknown). */
  private ranks(sort: FindingSortColumn): Int32Array {
    const m = this.count;
    const fs = this.findings;
    const rank = new Int32Array(m);
    switch (sort) {
      case 'exchange':
        rank.set(this.exchangeOf);
        return rank;
      case 'kind':
        for (let i = 0; i < m; i++) rank[i] = KIND_RANK.get(fs[i].kind) ?? -1;
        return rank;
      case 'confidence':
        for (let i = 0; i < m; i++) rank[i] = CONFIDENCE_RANK.get(fs[i].confidence) ?? -1;
        return rank;
      case 'value':
        return stringRanks(m, (i) => cap(fs[i].value, FINDING_ROW_CAPS.value));
      case 'host': {
        const { values, of } = this.rows.columns.hosts;
        const hostRank = stringRanks(values.length, (h) => values[h]);
        for (let i = 0; i < m; i++) rank[i] = hostRank[of[this.exchangeOf[i]]];
        return rank;
      }
      case 'where':
        return stringRanks(m, (i) => {
          const place = findingPlace(fs[i]);
          const section = SECTION_RANK.get(place.section);
          // One digit, then a NUL below every character: compares as (section, field path).
          return section === undefined ? undefined : `${section}\u0000${cap(place.fieldPath, FINDING_ROW_CAPS.fieldPath)}`;
        });
    }
  }
}


/** The answer to `getFindingRows`; `views` is undefined before the scan has run (an empty view). */
export function findingRowsMessage(views: FindingViews | undefined, request: GetFindingRowsRequest): FindingRowsMessage {
  const message: FindingRowsMessage = {
    type: 'findingRows',
    requestId: request.requestId,
    offset: request.offset,
    total: 0,
    findingCount: 0,
    scanned: views !== undefined,
    queryMs: 0,
    searchNote: '',
    rows: [],
  };
  if (!views) return message;
  const { ids, queryMs } = views.view(request.query, request.sort, request.descending);
  message.total = ids.length;
  message.findingCount = views.count;
  message.queryMs = queryMs;
  message.rows = views.page(ids, request.offset, request.limit);
  return message;
}
