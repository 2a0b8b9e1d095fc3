// Phone numbers, validated with libphonenumber (metadata "max" for real validity checks).
// Candidates are found by a cheap pattern first: libphonenumber on every leaf would be too slow.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { hintsAt, keyReason, type Detection, type LeafContext } from './types';

// A + or a digit, then digits with single spaces, dashes, dots or parentheses between them.
const CANDIDATE = /(?<![\w+.-])(?:\+|00)?\(?\d[\d\s().-]{5,20}\d(?![\w.])/g;

type Parsed = ReturnType<typeof parsePhoneNumberFromString>;

/** libphonenumber is the costly part; the same candidates recur across requests. Bounded. */
let parseCache = new Map<string, Parsed | null>();

function parseCached(text: string, region: CountryCode | undefined): Parsed | undefined {
  const id = `${region ?? ''}|${text}`;
  const cached = parseCache.get(id);
  if (cached !== undefined) return cached ?? undefined;
  const parsed = parsePhoneNumberFromString(text, region);
  const valid = parsed && parsed.isValid() ? parsed : null;
  if (parseCache.size >= 20_000) parseCache = new Map();
  parseCache.set(id, valid);
  return valid ?? undefined;
}

/**
 * Could the region change what detectPhone finds in this text? Only a candidate written in national
 * format (no `+` or `00`) of 7–15 digits is read with the region; everything else reads the same
 * under every region.
 */
export function readsByRegion(text: string): boolean {
  for (const m of text.matchAll(CANDIDATE)) {
    const matched = m[0];
    if (matched.startsWith('+') || matched.startsWith('00')) continue;
    let digits = 0;
    for (let i = 0; i < matched.length; i++) {
      const c = matched.charCodeAt(i);
      if (c >= 0x30 && c <= 0x39) digits++;
    }
    if (digits >= 7 && digits <= 15) return true;
  }
  return false;
}

export function detectPhone(text: string, ctx: LeafContext): Detection[] {
  const out: Detection[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const matched = m[0];
    const start = m.index ?? 0;
    const digits = matched.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    const { hints, key } = hintsAt(text, start, start + matched.length, ctx);
    const keyed = hints.has('phone');
    const international = matched.startsWith('+') || matched.startsWith('00');
    if (!keyed) {
      // Without a phone key, only forms people write phone numbers in: not dotted (versions, IPs),
      // not long bare digit runs (timestamps, ids), not under another identifier's key.
      if (/\./.test(matched) || hints.size > 0) continue;
      if (!international && /^\d+$/.test(matched)) continue;
      if (/\s{2,}|\n/.test(matched)) continue;
    }
    const normalised = matched.startsWith('00') ? '+' + matched.slice(2) : matched;
    const region = (ctx.defaultRegion ?? 'US') as CountryCode;
    const parsed = parseCached(normalised, international ? undefined : region);
    if (!parsed) continue;
    const reasons = [`valid ${parsed.country ?? `+${parsed.countryCallingCode}`} number (libphonenumber)`];
    if (!international) reasons.push(`national format read with region ${region}`);
    if (keyed) reasons.push(keyReason(key));
    out.push({
      kind: 'phone', value: parsed.number, matchedText: matched, start, end: start + matched.length,
      confidence: keyed ? 'high' : international ? 'medium' : 'low', detector: 'phone', reasons,
    });
  }
  return out;
}
