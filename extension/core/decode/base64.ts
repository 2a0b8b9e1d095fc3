// base64 and base64url, padded or not, as a whole value or embedded in longer text
// (`…/H=YWRjdmVy…/…` in a query, `Basic dXNlcjpwYXNz`). Only plausible runs are decoded, and only
// outputs that are clean text, compressed data or a whole protobuf message are kept.
import { classifyDecoded } from './classify';
import { measure, type Clock, type Run } from './runs';
import { capDetail, type Child, type Issue, type OutputCap } from './step';

/** Shortest embedded run tried (TruffleHog uses 20; 16 catches 12-byte payloads). */
export const MIN_EMBEDDED = 16;
/** Shortest run tried when it is the whole value. */
export const MIN_STANDALONE = 12;

export interface Base64Context {
  cap: OutputCap;
  issues: Issue[];
  /** Run texts already tried in this text (a token repeated in a body is decoded once). */
  tried: Set<string>;
  clock?: Clock;
}

/** Cheap rejections before decoding: wrong length, hex, digits, words, identifiers. */
export function plausibleBase64(r: Run, minLength: number): boolean {
  const len = r.end - r.start;
  if (len < minLength || len % 4 === 1) return false;
  if (r.pad > 0 && (len + r.pad) % 4 !== 0) return false;
  if (r.std > 0 && r.urlSafe > 0) return false; // two alphabets: not one base64 string
  if (r.nonHexLetters === 0 && r.std === 0) return false; // hex, digits, UUIDs: the hex decoder's
  const letters = r.upper + r.lower;
  if (r.digits === 0 && r.std === 0) {
    // Letters (and - _) only. base64 mixes cases about evenly; words, camelCase identifiers,
    // snake_case, kebab-case and CONSTANTS do not.
    if (r.upper < 2 || r.lower < 2) return false;
    const upperShare = r.upper / letters;
    if (upperShare < 0.25 || upperShare > 0.75) return false;
  }
  return true;
}

function attempt(text: string, r: Run, minLength: number, ctx: Base64Context, out: Child[]): boolean {
  if (!plausibleBase64(r, minLength)) return false;
  const { start, end } = r;
  const step = r.urlSafe > 0 ? 'base64url' : 'base64';
  // Checked before anything reads the run: a 200 MB run is not copied, hashed or decoded.
  const size = Math.floor(((end - start) * 3) / 4);
  if (size > ctx.cap.bytes) {
    ctx.issues.push({ step, limit: ctx.cap.limit, detail: capDetail(`base64 run of ${end - start} characters`, ctx.cap, size) });
    return true;
  }
  const run = text.slice(start, end);
  if (ctx.tried.has(run)) return true;
  ctx.tried.add(run);
  let child = classifyDecoded(Buffer.from(run, 'base64'), step);
  // Yahoo-style base64 writes its padding as `-` (`…IA--`).
  if (!child && step === 'base64url' && text.charCodeAt(end - 1) === 0x2d) {
    let e = end - 1;
    if (text.charCodeAt(e - 1) === 0x2d) e--;
    if ((e - start) % 4 !== 1) child = classifyDecoded(Buffer.from(text.slice(start, e), 'base64'), step);
  }
  if (child) out.push(child);
  return child !== undefined;
}

/**
 * Decode the plausible base64 runs among `runs`. `standalone` says whether a run is the whole
 * value (then 12 characters are enough). A run that fails as a whole and holds `/` or `+` is
 * tried again piece by piece (`/api/v2/eyJpbWVp…`: path segments around a payload).
 */
export function base64Children(text: string, runs: readonly Run[], standalone: (r: Run) => boolean, ctx: Base64Context): Child[] {
  const out: Child[] = [];
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k];
    if ((k & 255) === 255 && ctx.clock?.expired()) break;
    const min = standalone(r) ? MIN_STANDALONE : MIN_EMBEDDED;
    if (r.end - r.start < min) continue;
    if (r.nonHexLetters === 0 && r.std === 0) continue;
    if (attempt(text, r, min, ctx, out)) continue;
    if (r.std === 0) continue;
    // Pieces between `/` and `+`.
    let from = r.start;
    for (let i = r.start; i <= r.end; i++) {
      const c = i < r.end ? text.charCodeAt(i) : 0x2f;
      if (c !== 0x2f && c !== 0x2b) continue;
      if (i - from >= MIN_EMBEDDED && !(from === r.start && i === r.end)) {
        attempt(text, measure(text, from, i, i === r.end ? r.pad : 0), MIN_EMBEDDED, ctx, out);
      }
      from = i + 1;
    }
  }
  return out;
}
