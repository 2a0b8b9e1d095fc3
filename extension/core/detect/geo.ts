// Coordinates. A lone decimal is not a location: either a "lat,lon" pair in one string, or two
// sibling fields whose keys say latitude and longitude (paired by the scanner via geoAxis).
import type { KeyHint } from './context';
import { hintsAt, keyReason, type Detection, type LeafContext } from './types';

// Not glued to letters or other numbers: SVG paths (`L81.8894,26.6356`) and number lists are geometry.
// The lookahead has one \s* only: two around an optional comma backtrack quadratically on long whitespace.
const PAIR = /(?<![\w.-])(-?\d{1,2}\.\d{3,15})\s*,\s*(-?\d{1,3}\.\d{3,15})(?![\w.]|\s*(?:,\s*)?-?\d)/g;

/** Beyond this many unkeyed pairs in one text, it is a path, a chart or a table, not a location. */
const MAX_LONE_PAIRS = 2;

function decimals(text: string): number {
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
}

export function inRange(lat: number, lon: number): boolean {
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0);
}

export function geoConfidence(latText: string, lonText: string, keyed: boolean): Detection['confidence'] {
  const fine = Math.min(decimals(latText), decimals(lonText)) >= 4;
  return keyed && fine ? 'high' : keyed || fine ? 'medium' : 'low';
}

export function detectGeoPair(text: string, ctx: LeafContext): Detection[] {
  if (!text.includes(',')) return [];
  const out: Detection[] = [];
  let unkeyed = 0;
  for (const m of text.matchAll(PAIR)) {
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    if (!inRange(lat, lon)) continue;
    if (/^-?\d+\.0+$/.test(m[1]) && /^-?\d+\.0+$/.test(m[2])) continue; // 2.000000,-2.000000: a constant, not a fix
    const start = m.index ?? 0;
    const { hints, key } = hintsAt(text, start, start + m[0].length, ctx);
    const keyed = hints.has('geo') || hints.has('geo-lat');
    if (!keyed && Math.min(decimals(m[1]), decimals(m[2])) < 4) continue;
    if (!keyed) unkeyed++;
    const reasons = ['latitude and longitude in range', `${Math.min(decimals(m[1]), decimals(m[2]))} decimals`];
    if (keyed) reasons.push(keyReason(key));
    out.push({
      kind: 'geo', value: `${m[1]},${m[2]}`, matchedText: m[0], start, end: start + m[0].length,
      confidence: geoConfidence(m[1], m[2], keyed), detector: 'geo', reasons,
    });
  }
  return unkeyed > MAX_LONE_PAIRS ? out.filter((d) => d.confidence === 'high' || d.reasons.some((r) => r.startsWith('key'))) : out;
}

export interface GeoAxisValue {
  axis: 'lat' | 'lon';
  /** Decimal degrees as written (E7 integers converted). */
  text: string;
  degrees: number;
}

/** A leaf that is one coordinate under a latitude or longitude key, for pairing with its sibling. */
export function geoAxis(text: string, hints: ReadonlySet<KeyHint>): GeoAxisValue | undefined {
  const t = text.trim();
  if (hints.has('geo-lat-e7') || hints.has('geo-lon-e7')) {
    if (!/^-?\d{1,10}$/.test(t)) return undefined;
    const degrees = Number(t) / 1e7;
    return { axis: hints.has('geo-lat-e7') ? 'lat' : 'lon', text: degrees.toFixed(7), degrees };
  }
  const axis = hints.has('geo-lat') ? 'lat' : hints.has('geo-lon') ? 'lon' : undefined;
  if (!axis || !/^-?\d{1,3}(\.\d+)?$/.test(t)) return undefined;
  const degrees = Number(t);
  if (Math.abs(degrees) > (axis === 'lat' ? 90 : 180)) return undefined;
  return { axis, text: t, degrees };
}
