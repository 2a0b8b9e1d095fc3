// The decimal telephony identifiers: IMEI/IMEISV, IMSI, ICCID. They share one scan for digit runs
// because one 15-digit run may be an IMEI or an IMSI and only validation and context decide.
import { operatorOf } from './mccmnc';
import { hintsAt, keyReason, type Detection, type LeafContext } from './types';
import { isPlaceholderDigits, luhnValid, plausibleTac } from './validators';

const DIGIT_RUN = /(?<![0-9])[0-9]{14,20}(?![0-9])/g;

function imei(run: string, start: number, hints: ReadonlySet<string>, key: string | undefined): Detection | undefined {
  const keyed = hints.has('imei') || hints.has('device_id');
  const reasons: string[] = [];
  if (run.length === 15) {
    if (!luhnValid(run)) return undefined;
    reasons.push('Luhn check digit valid');
    const tac = plausibleTac(run);
    if (tac) reasons.push(`TAC ${run.slice(0, 8)} from a GSMA reporting body`);
    if (keyed) reasons.push(keyReason(key));
    if (!keyed && !tac) return undefined;
    return { kind: 'imei', value: run, matchedText: run, start, end: start + 15, confidence: keyed ? 'high' : 'medium', detector: 'imei', reasons };
  }
  // IMEI without its check digit, and IMEISV: no checksum at all, so only under an IMEI key.
  if ((run.length === 14 || run.length === 16) && hints.has('imei') && plausibleTac(run)) {
    reasons.push(run.length === 14 ? '14 digits (IMEI without check digit)' : '16 digits (IMEISV)', keyReason(key));
    return { kind: 'imei', value: run, matchedText: run, start, end: start + run.length, confidence: 'medium', detector: 'imei', reasons };
  }
  return undefined;
}

function imsi(run: string, start: number, hints: ReadonlySet<string>, key: string | undefined): Detection | undefined {
  if (run.length !== 15 && run.length !== 14) return undefined;
  const op = operatorOf(run);
  if (!op) return undefined;
  const keyed = hints.has('imsi');
  if (!keyed && hints.size > 0) return undefined; // under another identifier's key it is not an IMSI
  const reasons = [`MCC ${op.mcc} (${op.countryCode || '?'}), MNC ${op.mnc}${op.name ? ` ${op.name}` : ''} in the E.212 table`];
  if (keyed) reasons.push(keyReason(key));
  return { kind: 'imsi', value: run, matchedText: run, start, end: start + run.length, confidence: keyed ? 'high' : 'low', detector: 'imsi', reasons };
}

function iccid(run: string, start: number, hints: ReadonlySet<string>, key: string | undefined): Detection | undefined {
  if ((run.length !== 19 && run.length !== 20) || !run.startsWith('89') || !luhnValid(run)) return undefined;
  const reasons = ['prefix 89 (telecom) and Luhn check digit valid'];
  if (hints.has('iccid')) reasons.push(keyReason(key));
  return { kind: 'iccid', value: run, matchedText: run, start, end: start + run.length, confidence: 'high', detector: 'iccid', reasons };
}

export function detectDigits(text: string, ctx: LeafContext): Detection[] {
  const out: Detection[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const run = m[0];
    const start = m.index ?? 0;
    if (isPlaceholderDigits(run)) continue;
    const { hints, key } = hintsAt(text, start, start + run.length, ctx);
    // Under an IMSI key an IMSI that happens to pass Luhn is still an IMSI.
    const found = hints.has('imsi')
      ? imsi(run, start, hints, key) ?? iccid(run, start, hints, key)
      : iccid(run, start, hints, key) ?? imei(run, start, hints, key) ?? imsi(run, start, hints, key);
    if (found) out.push(found);
  }
  return out;
}
