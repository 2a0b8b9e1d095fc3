// Finds the runs of base64/hex alphabet characters in a text, in one pass over its char codes,
// with the counts the base64 and hex decoders use to reject words, numbers and hashes cheaply.

const ALNUM = 1;
const STD = 2; // + /
const URLSAFE = 4; // - _
const HEX = 8;
const DIGIT = 16;
const UPPER = 32;
const LOWER = 64;

const CLASS = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = ALNUM | HEX | DIGIT;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = ALNUM | UPPER | (c <= 0x46 ? HEX : 0);
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = ALNUM | LOWER | (c <= 0x66 ? HEX : 0);
CLASS[0x2b] = STD;
CLASS[0x2f] = STD;
CLASS[0x2d] = URLSAFE;
CLASS[0x5f] = URLSAFE;

export interface Run {
  start: number;
  /** End of the alphabet characters (exclusive), before any `=` padding. */
  end: number;
  /** `=` characters right after the run (0–2) that end it (not a `k=v` separator). */
  pad: number;
  digits: number;
  upper: number;
  lower: number;
  /** Count of `+` and `/`. */
  std: number;
  /** Count of `-` and `_`. */
  urlSafe: number;
  /** Letters outside a–f / A–F. */
  nonHexLetters: number;
}

export interface Span {
  start: number;
  end: number;
}

/** Counts of a huge run come from its first MiB: enough to tell hex from base64 from words. */
const SAMPLE = 1 << 20;

/** Says when to give up on a long scan (the field's time bound). */
export interface Clock {
  expired(): boolean;
}

export interface Runs {
  runs: Run[];
  /** The clock ran out before the end of the text. */
  timedOut: boolean;
}

/** Maximal runs of [A-Za-z0-9+/_-] at least `minLength` long, outside `skip` spans (sorted). */
export function findRuns(text: string, minLength: number, skip: readonly Span[] = [], clock?: Clock): Runs {
  // A plain charCode loop (~500 MB/s) beats irregexp here: `[…]{12}` re-tries every position of
  // every short word, and `{12,}` overflows irregexp's backtracking stack on a 200 MB run.
  // Only runs long enough are measured.
  const n = text.length;
  const runs: Run[] = [];
  let skipIndex = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 128 || CLASS[c] === 0) {
      i++;
      continue;
    }
    const start = i;
    for (i++; i < n; i++) {
      const d = text.charCodeAt(i);
      if (d >= 128 || CLASS[d] === 0) break;
    }
    const end = i;
    if (end - start < minLength) continue;
    if ((runs.length & 1023) === 1023 && clock?.expired()) return { runs, timedOut: true };
    while (skipIndex < skip.length && skip[skipIndex].end <= start) skipIndex++;
    if (skipIndex < skip.length && skip[skipIndex].start < end) continue;
    let pad = 0;
    while (pad < 2 && text.charCodeAt(end + pad) === 0x3d) pad++;
    // `abc=def` is a separator, not padding.
    if (pad > 0) {
      const after = text.charCodeAt(end + pad);
      if (after === 0x3d || (after < 128 && CLASS[after] !== 0)) pad = 0;
    }
    const run = measure(text, start, Math.min(end, start + SAMPLE), pad);
    run.end = end;
    runs.push(run);
  }
  return { runs, timedOut: false };
}

/** Is there a run of at least `minLength` alphabet characters? (A fast "could hold base64/hex".) */
export function hasRun(text: string, minLength: number): boolean {
  const n = text.length;
  let length = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && CLASS[c] !== 0) {
      if (++length >= minLength) return true;
    } else {
      length = 0;
    }
  }
  return false;
}

/** Counts for a piece of a run (after splitting at `/`). */
export function measure(text: string, start: number, end: number, pad: number): Run {
  let digits = 0;
  let upper = 0;
  let lower = 0;
  let std = 0;
  let urlSafe = 0;
  let nonHexLetters = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? CLASS[c] : 0;
    if (k & DIGIT) digits++;
    else if (k & UPPER) {
      upper++;
      if (!(k & HEX)) nonHexLetters++;
    } else if (k & LOWER) {
      lower++;
      if (!(k & HEX)) nonHexLetters++;
    } else if (k & STD) std++;
    else urlSafe++;
  }
  return { start, end, pad, digits, upper, lower, std, urlSafe, nonHexLetters };
}
