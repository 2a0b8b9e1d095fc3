/**
 * From a cluster of overlapping matches, already sorted best first, keep each match that overlaps
 * none kept before it. An occupancy map over the cluster's span makes this linear in the total
 * length of the matches: a hostile text whose matches all overlap cannot make it quadratic.
 */
export function pickNonOverlapping<T extends { start: number; end: number }>(bestFirst: readonly T[]): T[] {
  if (bestFirst.length < 2) return [...bestFirst];
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of bestFirst) {
    lo = Math.min(lo, m.start);
    hi = Math.max(hi, m.end);
  }
  const taken = new Uint8Array(hi - lo);
  const chosen: T[] = [];
  for (const m of bestFirst) {
    let free = true;
    for (let i = m.start - lo; i < m.end - lo; i++) {
      if (taken[i]) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, m.start - lo, m.end - lo);
    chosen.push(m);
  }
  return chosen;
}
