// Sort orders of a table's items (exchanges for the request table, findings for the findings
// view), shared by both engines: computed once per column from a dense rank per item, reversed on
// demand, unknowns last either way, ties in item order.

/** A sort order of all items. */
export interface Order {
  /** Ascending, unknowns last, ties by id. */
  asc: Int32Array;
  desc: Int32Array | undefined;
  /** Dense rank of each item's value; -1 for unknown. */
  rank: Int32Array;
}

/** The order of all items (exchanges, findings) by rank (-1: unknown, last), ties by id. */
export function orderOfRanks(rank: Int32Array): Order {
  const n = rank.length;
  let distinct = 0;
  for (let i = 0; i < n; i++) if (rank[i] >= distinct) distinct = rank[i] + 1;
  const asc = new Int32Array(n);
  if ((distinct + 1) * n <= Number.MAX_SAFE_INTEGER) {
    // (rank, id) packed into one double and sorted natively: no comparator calls.
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = (rank[i] < 0 ? distinct : rank[i]) * n + i;
    packed.sort();
    for (let i = 0; i < n; i++) asc[i] = packed[i] % n;
  } else {
    const key = (i: number): number => (rank[i] < 0 ? distinct : rank[i]);
    for (let i = 0; i < n; i++) asc[i] = i;
    asc.sort((a, b) => key(a) - key(b) || a - b);
  }
  return { asc, desc: undefined, rank };
}

/** Descending: groups of equal rank in reverse order, ids ascending within each, unknowns still last. */
export function descendingOrder(order: Order): Int32Array {
  const { asc, rank } = order;
  const n = asc.length;
  const out = new Int32Array(n);
  let known = n;
  while (known > 0 && rank[asc[known - 1]] < 0) known--;
  let k = 0;
  let end = known;
  while (end > 0) {
    let start = end - 1;
    const r = rank[asc[start]];
    while (start > 0 && rank[asc[start - 1]] === r) start--;
    for (let i = start; i < end; i++) out[k++] = asc[i];
    end = start;
  }
  for (let i = known; i < n; i++) out[k++] = asc[i];
  return out;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Dense ranks of strings by UTF-16 code units; -1 for undefined. */
export function stringRanks(n: number, valueOf: (i: number) => string | undefined): Int32Array {
  const index = new Map<string, number>();
  const values: string[] = [];
  const dict = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = valueOf(i);
    if (v === undefined) {
      dict[i] = -1;
      continue;
    }
    let id = index.get(v);
    if (id === undefined) index.set(v, (id = values.push(v) - 1));
    dict[i] = id;
  }
  const sorted = values.map((_, i) => i).sort((a, b) => compareStrings(values[a], values[b]));
  const rankOfValue = new Int32Array(values.length);
  sorted.forEach((id, r) => (rankOfValue[id] = r));
  for (let i = 0; i < n; i++) dict[i] = dict[i] < 0 ? -1 : rankOfValue[dict[i]];
  return dict;
}

/** The last few computed views, by key; a hit counts as a use (least recently used goes first). */
export class ViewCache {
  private readonly views = new Map<string, Int32Array>();

  constructor(private readonly size: number) {}

  get(key: string): Int32Array | undefined {
    const ids = this.views.get(key);
    if (ids) {
      this.views.delete(key);
      this.views.set(key, ids);
    }
    return ids;
  }

  set(key: string, ids: Int32Array): void {
    this.views.set(key, ids);
    if (this.views.size > this.size) this.views.delete(this.views.keys().next().value as string);
  }

  get count(): number {
    return this.views.size;
  }
}
