// Carrier (mobile operator): a name under a carrier key, or an MCC+MNC code under its key.
import { isCarrierName, operatorOf } from './mccmnc';
import { keyReason, type Detection, type LeafContext } from './types';

export function detectCarrier(text: string, ctx: LeafContext): Detection[] {
  const value = text.trim();
  if (value === '' || value.length > 48) return [];
  const start = text.indexOf(value);
  const end = start + value.length;
  if (ctx.hints.has('mccmnc') && /^\d{5,6}$/.test(value)) {
    const op = operatorOf(value);
    if (!op) return [];
    return [{
      kind: 'carrier', value: `${op.name || 'unknown operator'} (${op.mcc}-${op.mnc})`, matchedText: value, start, end,
      confidence: 'high', detector: 'carrier', reasons: [`MCC ${op.mcc} MNC ${op.mnc} in the E.212 table`, keyReason(ctx.key)],
    }];
  }
  if (!ctx.hints.has('carrier') || /^[\d\s.,-]*$/.test(value)) return [];
  const known = isCarrierName(value);
  return [{
    kind: 'carrier', value, matchedText: value, start, end, confidence: known ? 'high' : 'medium', detector: 'carrier',
    reasons: [known ? 'a mobile operator name from the E.212 list' : 'text under a carrier key', keyReason(ctx.key)],
  }];
}
