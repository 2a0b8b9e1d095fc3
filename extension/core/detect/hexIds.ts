// Hex-shaped identifiers: MAC/BSSID, MEID, Android ID, advertising IDs (UUID v4), serials.
import { hintsAt, keyReason, type Detection, type LeafContext } from './types';
import { meidCheckDigit } from './validators';

const MAC_SEPARATED = /(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])/g;
const MAC_DOTTED = /(?<![0-9A-Fa-f.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![0-9A-Fa-f.])/g;
const MAC_BARE = /(?<![0-9A-Fa-f])[0-9A-Fa-f]{12}(?![0-9A-Fa-f])/g;

/** Values that are not a device's address: unset, broadcast, and Android 6+'s constant answer. */
const NOT_A_DEVICE_MAC = new Set(['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '02:00:00:00:00:00']);

function canonicalMac(text: string): string {
  const hex = text.replace(/[^0-9A-Fa-f]/g, '').toLowerCase();
  return hex.match(/../g)?.join(':') ?? hex;
}

export function detectMac(text: string, ctx: LeafContext): Detection[] {
  const out: Detection[] = [];
  const consider = (matched: string, start: number, form: 'separated' | 'dotted' | 'bare'): void => {
    const value = canonicalMac(matched);
    if (NOT_A_DEVICE_MAC.has(value)) return;
    const first = parseInt(value.slice(0, 2), 16);
    if (first & 0x01) return; // multicast / group address
    const { hints, key } = hintsAt(text, start, start + matched.length, ctx);
    const keyed = hints.has('mac');
    if (form !== 'separated' && !keyed) return; // 12 bare hex digits are anything without a key
    if (form === 'separated' && !keyed && hints.size > 0) return; // under another identifier's key
    const reasons = [form === 'separated' ? 'six octets with separators' : `${form} MAC form`];
    if (first & 0x02) reasons.push('locally administered (randomised) address');
    else reasons.push(`OUI ${value.slice(0, 8)} (globally unique)`);
    if (keyed) reasons.push(keyReason(key));
    out.push({ kind: 'mac', value, matchedText: matched, start, end: start + matched.length, confidence: keyed ? 'high' : 'medium', detector: 'mac', reasons });
  };
  for (const m of text.matchAll(MAC_SEPARATED)) consider(m[0], m.index ?? 0, 'separated');
  if (text.length <= 64) {
    for (const m of text.matchAll(MAC_DOTTED)) consider(m[0], m.index ?? 0, 'dotted');
    for (const m of text.matchAll(MAC_BARE)) consider(m[0], m.index ?? 0, 'bare');
  }
  return out;
}

const HEX_RUN = /(?<![0-9A-Za-z])[0-9A-Fa-f]{13,18}(?![0-9A-Za-z])/g;

/** MEID (14 hex, optional Luhn-over-hex check digit) and Android ID (16 hex): only under their keys. */
export function detectKeyedHex(text: string, ctx: LeafContext): Detection[] {
  const out: Detection[] = [];
  for (const m of text.matchAll(HEX_RUN)) {
    const run = m[0];
    const start = m.index ?? 0;
    const { hints, key } = hintsAt(text, start, start + run.length, ctx);
    if (hints.has('meid') && (run.length === 14 || run.length === 15)) {
      const body = run.slice(0, 14).toUpperCase();
      const reasons = ['14 hex digits', keyReason(key)];
      if (run.length === 15) {
        if (meidCheckDigit(body) !== run[14].toUpperCase()) continue;
        reasons.push('check digit valid');
      }
      out.push({ kind: 'meid', value: body, matchedText: run, start, end: start + run.length, confidence: 'high', detector: 'meid', reasons });
      continue;
    }
    const androidKey = hints.has('android_id') || (hints.has('device_id') && run.length === 16);
    if (androidKey && run.length >= 13 && run.length <= 16 && /[a-f]/i.test(run) && !/^0+$/.test(run)) {
      out.push({
        kind: 'android_id', value: run.toLowerCase(), matchedText: run, start, end: start + run.length,
        confidence: hints.has('android_id') ? 'high' : 'medium', detector: 'android_id',
        reasons: [`${run.length} hex digits (64-bit)`, keyReason(key)],
      });
    }
  }
  return out;
}

const UUID = /(?<![0-9A-Za-z-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Za-z-])/g;

/**
 * GAID/IDFA: a version-4 UUID under an advertising-ID key. Random v4 UUIDs are also request and
 * session ids everywhere, so without the key they are not reported (known values still match them).
 */
export function detectAdId(text: string, ctx: LeafContext): Detection[] {
  const out: Detection[] = [];
  for (const m of text.matchAll(UUID)) {
    const uuid = m[0];
    const start = m.index ?? 0;
    if (/^[0-]+$/.test(uuid)) continue; // limit-ad-tracking / ATT-denied value
    const { hints, key } = hintsAt(text, start, start + uuid.length, ctx);
    if (!hints.has('ad_id')) continue;
    const v4 = uuid[14] === '4' && /[89abAB]/.test(uuid[19]);
    if (!v4) continue;
    const isIdfa = uuid === uuid.toUpperCase() && /[A-F]/.test(uuid);
    out.push({
      kind: 'ad_id', value: uuid.toLowerCase(), matchedText: uuid, start, end: start + uuid.length, confidence: 'high', detector: 'ad_id',
      reasons: ['UUID version 4', isIdfa ? 'upper-case (IDFA style)' : 'lower-case (GAID style)', keyReason(key)],
    });
  }
  return out;
}

/** Serial numbers have no format; only a serial key and a plausible shape make one. */
export function detectSerial(text: string, ctx: LeafContext): Detection[] {
  if (!ctx.hints.has('serial')) return [];
  const value = text.trim();
  if (!/^[A-Za-z0-9-]{6,24}$/.test(value) || !/\d/.test(value) || /^(unknown|null|none|undefined)$/i.test(value)) return [];
  const start = text.indexOf(value);
  return [{
    kind: 'serial', value, matchedText: value, start, end: start + value.length, confidence: 'medium', detector: 'serial',
    reasons: ['6–24 letters and digits', keyReason(ctx.key)],
  }];
}
