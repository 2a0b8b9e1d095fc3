// Hex-encoded bytes: even runs of at least 16 hex digits (an optional 0x prefix) that decode to
// clean text, compressed data or a protobuf message. A 32/40/64-digit run that decodes to none of
// those is most likely a hash (MD5, SHA-1, SHA-256): it is left alone, and the raw text leaf
// still carries it for the known-value hash matcher.
import { classifyDecoded } from './classify';
import type { Clock, Run } from './runs';
import { capDetail, type Child, type Issue, type OutputCap } from './step';

export const MIN_HEX = 16;

export function hexChildren(text: string, runs: readonly Run[], cap: OutputCap, issues: Issue[], tried: Set<string>, clock?: Clock): Child[] {
  const out: Child[] = [];
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k];
    if ((k & 255) === 255 && clock?.expired()) break;
    if (r.std !== 0 || r.urlSafe !== 0) continue;
    let start = r.start;
    if (r.nonHexLetters !== 0) {
      // Only `0x…` is allowed a non-hex letter.
      const x = text.charCodeAt(start + 1);
      if (r.nonHexLetters !== 1 || text.charCodeAt(start) !== 0x30 || (x !== 0x78 && x !== 0x58)) continue;
      start += 2;
    }
    const len = r.end - start;
    if (len < MIN_HEX || len % 2 !== 0) continue;
    if (len / 2 > cap.bytes) {
      issues.push({ step: 'hex', limit: cap.limit, detail: capDetail(`hex run of ${len} digits`, cap, len / 2) });
      continue;
    }
    const run = text.slice(start, r.end);
    if (tried.has(run)) continue;
    tried.add(run);
    const child = classifyDecoded(Buffer.from(run, 'hex'), 'hex');
    if (child) out.push(child);
  }
  return out;
}
