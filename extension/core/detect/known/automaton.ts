// Aho–Corasick over many needles, ASCII-case-insensitive. One pass over the text finds every
// occurrence of every pattern; per character it costs one class lookup, one transition and one
// output check, whatever the number of patterns.
//
// Small automata (the researcher's handful of device values) are a dense DFA over character
// classes. Large ones (thousands of learned values) would make that table hundreds of MB, so above
// a budget the trie keeps sparse edges and follows failure links instead (still linear time).

import { Buffer } from 'node:buffer';

/** ASCII upper-case letters folded to lower case; every other code unit unchanged. */
export function foldAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** Most entries (states × classes) of a dense transition table: 32 MB of Int32. */
export const DENSE_TABLE_BUDGET = 1 << 23;
/** In the sparse form, states this close to the root keep dense rows (at most 1 + C + C² of them). */
const SHALLOW_DEPTH = 3;

export interface AutomatonOptions {
  /** Largest dense table; above it the sparse form is used. 0 forces the sparse form. */
  denseBudget?: number;
}

export class CaseFoldedAutomaton {
  readonly patternCount: number;
  readonly stateCount: number;
  readonly classCount: number;
  readonly dense: boolean;
  /** Class of every UTF-16 code unit (0 = no pattern uses it; A–Z share the class of a–z). */
  private readonly classOf: Uint16Array;
  /** Dense form: next state is delta[state * classCount + class]. */
  private readonly delta: Int32Array;
  /**
   * Sparse form: states near the root (where a scan spends most of its time) have dense rows,
   * rows[rowOf[s] * classCount + class] (0 = no child); deeper states list their edges in
   * edgeClass/edgeTarget[edgeStart[s] .. edgeStart[s+1]). Misses follow failure links.
   */
  private readonly rowOf: Int32Array;
  private readonly rows: Int32Array;
  private readonly edgeStart: Int32Array;
  private readonly edgeClass: Int32Array;
  private readonly edgeTarget: Int32Array;
  private readonly fail: Int32Array;
  /** Pattern ending exactly at a state, or -1. */
  private readonly patternAt: Int32Array;
  /** First state at or below (via failure links) that ends a pattern, or -1. */
  private readonly firstOut: Int32Array;
  /** Next state below this one (via failure links) that ends a pattern, or -1. */
  private readonly outLink: Int32Array;

  /** Patterns must be non-empty; they are folded here, and folded duplicates report the first index. */
  constructor(patterns: readonly string[], options: AutomatonOptions = {}) {
    const folded = patterns.map(foldAscii);
    this.patternCount = folded.length;

    // Character classes: one per distinct code unit the patterns use, 0 for the rest.
    const classOf = new Map<number, number>();
    for (const p of folded) {
      if (p.length === 0) throw new Error('empty pattern');
      for (let i = 0; i < p.length; i++) {
        const ch = p.charCodeAt(i);
        if (!classOf.has(ch)) classOf.set(ch, classOf.size + 1);
      }
    }
    const C = classOf.size + 1;
    this.classCount = C;
    if (C > 0xffff) throw new Error('too many distinct characters in patterns');
    // One branch-free lookup per character; 128 KB per automaton.
    this.classOf = new Uint16Array(0x10000);
    for (const [ch, cls] of classOf) this.classOf[ch] = cls;
    for (let ch = 65; ch <= 90; ch++) this.classOf[ch] = this.classOf[ch + 32];

    // Trie. Every state lists its children as siblings; states above SHALLOW_DEPTH also get a
    // dense row, so that finding a child there is one read.
    let rows = new Int32Array(64 * C);
    let rowCount = 1;
    const rowOf: number[] = [0];
    const firstChild: number[] = [-1];
    const nextSibling: number[] = [-1];
    const label: number[] = [0];
    const patternAt: number[] = [-1];
    const childOf = (s: number, cls: number): number => {
      const r = rowOf[s];
      if (r >= 0) return rows[r * C + cls] || -1;
      for (let c = firstChild[s]; c >= 0; c = nextSibling[c]) if (label[c] === cls) return c;
      return -1;
    };
    for (let pi = 0; pi < folded.length; pi++) {
      const p = folded[pi];
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const cls = classOf.get(p.charCodeAt(i)) ?? 0;
        let next = childOf(s, cls);
        if (next < 0) {
          next = label.length;
          label.push(cls);
          firstChild.push(-1);
          patternAt.push(-1);
          nextSibling.push(firstChild[s]);
          firstChild[s] = next;
          if (rowOf[s] >= 0) rows[rowOf[s] * C + cls] = next;
          if (i + 1 < SHALLOW_DEPTH) {
            if ((rowCount + 1) * C > rows.length) {
              const grown = new Int32Array(rows.length * 2);
              grown.set(rows);
              rows = grown;
            }
            rowOf.push(rowCount++);
          } else {
            rowOf.push(-1);
          }
        }
        s = next;
      }
      if (patternAt[s] < 0) patternAt[s] = pi;
    }
    const S = label.length;
    this.stateCount = S;

    // Breadth-first order, failure links and output links.
    const order = new Int32Array(S);
    const fail = new Int32Array(S);
    const outLink = new Int32Array(S).fill(-1);
    const firstOut = new Int32Array(S).fill(-1);
    let tail = 0;
    for (let c = firstChild[0]; c >= 0; c = nextSibling[c]) order[tail++] = c;
    for (let head = 0; head < tail; head++) {
      const s = order[head];
      for (let c = firstChild[s]; c >= 0; c = nextSibling[c]) {
        let f = fail[s];
        let t = childOf(f, label[c]);
        while (t < 0 && f !== 0) {
          f = fail[f];
          t = childOf(f, label[c]);
        }
        fail[c] = t < 0 ? 0 : t;
        order[tail++] = c;
      }
      outLink[s] = firstOut[fail[s]];
      firstOut[s] = patternAt[s] >= 0 ? s : outLink[s];
    }

    this.dense = S * C <= (options.denseBudget ?? DENSE_TABLE_BUDGET);
    if (this.dense) {
      // Each state's row is its failure state's row with its own children on top.
      const delta = new Int32Array(S * C);
      delta.set(rows.subarray(0, C), 0);
      for (let k = 0; k < S - 1; k++) {
        const s = order[k];
        const f = fail[s];
        delta.copyWithin(s * C, f * C, f * C + C);
        for (let c = firstChild[s]; c >= 0; c = nextSibling[c]) delta[s * C + label[c]] = c;
      }
      this.delta = delta;
      this.edgeStart = this.edgeClass = this.edgeTarget = new Int32Array(0);
    } else {
      this.delta = new Int32Array(0);
      const edgeStart = new Int32Array(S + 1);
      const edgeClass = new Int32Array(S - 1);
      const edgeTarget = new Int32Array(S - 1);
      let e = 0;
      for (let s = 0; s < S; s++) {
        edgeStart[s] = e;
        for (let c = firstChild[s]; c >= 0; c = nextSibling[c]) {
          edgeClass[e] = label[c];
          edgeTarget[e++] = c;
        }
      }
      edgeStart[S] = e;
      this.edgeStart = edgeStart;
      this.edgeClass = edgeClass;
      this.edgeTarget = edgeTarget;
    }
    this.rowOf = Int32Array.from(rowOf);
    this.rows = rows.slice(0, rowCount * C);
    this.fail = fail;
    this.patternAt = Int32Array.from(patternAt);
    this.firstOut = firstOut;
    this.outLink = outLink;
  }

  /**
   * Every occurrence of every pattern, as (patternIndex, endExclusive) pairs appended to `out`,
   * in order of end position. Matching is ASCII-case-insensitive.
   */
  scan(text: string, out: number[]): void {
    const units = codeUnits(text);
    const n = text.length;
    const C = this.classCount;
    if (this.dense) {
      scanDense(units, n, out, this.delta, C, this.classOf, this.firstOut, this.outLink, this.patternAt);
    } else {
      scanSparse(units, n, out, this.rowOf, this.rows, C, this.edgeStart, this.edgeClass, this.edgeTarget, this.fail, this.classOf, this.firstOut, this.outLink, this.patternAt);
    }
  }
}

// The scan loops are plain functions over typed arrays so that their optimised code does not
// depend on the shape of the object they came from.

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Reused for texts up to this many code units; longer ones get their own array. */
const SCRATCH_MAX = 1 << 20;
let scratch = new Uint16Array(4096);
let scratchBytes = Buffer.from(scratch.buffer);

/**
 * The text's UTF-16 code units as a typed array (only the first text.length are meaningful),
 * written natively. Reading a string with charCodeAt in the hot loop is fast only while V8 has
 * seen one kind of string there; leaves come as every kind (one-byte, two-byte, sliced,
 * concatenated), which made the loop about 3× slower.
 */
function codeUnits(text: string): Uint16Array {
  const n = text.length;
  if (!LITTLE_ENDIAN) return Uint16Array.from({ length: n }, (_, i) => text.charCodeAt(i));
  if (n > SCRATCH_MAX) {
    const own = new Uint16Array(n);
    Buffer.from(own.buffer).write(text, 0, 'utf16le');
    return own;
  }
  if (n > scratch.length) {
    scratch = new Uint16Array(Math.min(SCRATCH_MAX, Math.max(n, scratch.length * 2)));
    scratchBytes = Buffer.from(scratch.buffer);
  }
  scratchBytes.write(text, 0, 'utf16le');
  return scratch;
}

function scanDense(
  text: Uint16Array, n: number, out: number[], delta: Int32Array, C: number, classOf: Uint16Array,
  firstOut: Int32Array, outLink: Int32Array, patternAt: Int32Array,
): void {
  let s = 0;
  for (let i = 0; i < n; i++) {
    s = delta[s * C + classOf[text[i]]];
    let o = firstOut[s];
    while (o >= 0) {
      out.push(patternAt[o], i + 1);
      o = outLink[o];
    }
  }
}

function scanSparse(
  text: Uint16Array, n: number, out: number[], rowOf: Int32Array, rows: Int32Array, C: number, edgeStart: Int32Array, edgeClass: Int32Array, edgeTarget: Int32Array,
  fail: Int32Array, classOf: Uint16Array, firstOut: Int32Array, outLink: Int32Array, patternAt: Int32Array,
): void {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const cls = classOf[text[i]];
    if (cls === 0) {
      s = 0;
      continue;
    }
    for (;;) {
      const r = rowOf[s];
      if (r >= 0) {
        const t = rows[r * C + cls];
        if (t > 0 || s === 0) {
          s = t;
          break;
        }
        s = fail[s];
        continue;
      }
      let t = -1;
      for (let e = edgeStart[s], end = edgeStart[s + 1]; e < end; e++) {
        if (edgeClass[e] === cls) {
          t = edgeTarget[e];
          break;
        }
      }
      if (t >= 0) {
        s = t;
        break;
      }
      s = fail[s];
    }
    let o = firstOut[s];
    while (o >= 0) {
      out.push(patternAt[o], i + 1);
      o = outLink[o];
    }
  }
}
