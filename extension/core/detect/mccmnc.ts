// The E.212 MCC/MNC table (from the `mcc-mnc-list` package) as lookups for IMSI validation,
// carrier names and the phone number default region.
import mccMncList from 'mcc-mnc-list';

export interface Operator {
  mcc: string;
  mnc: string;
  countryCode: string;
  name: string;
}

interface RawRecord {
  mcc?: string;
  mnc?: string;
  countryCode?: string;
  brand?: string;
  operator?: string;
}

let byMcc: Map<string, Map<string, Operator>> | undefined;
let names: Set<string> | undefined;

function table(): Map<string, Map<string, Operator>> {
  if (byMcc) return byMcc;
  byMcc = new Map();
  names = new Set(['中国移动', '中国联通', '中国电信', '中國移動', '中國聯通']);
  for (const r of mccMncList.all() as RawRecord[]) {
    if (!r.mcc || !r.mnc || !/^\d{3}$/.test(r.mcc) || !/^\d{2,3}$/.test(r.mnc)) continue;
    const name = r.brand || r.operator || '';
    let mncs = byMcc.get(r.mcc);
    if (!mncs) byMcc.set(r.mcc, (mncs = new Map()));
    if (!mncs.has(r.mnc)) mncs.set(r.mnc, { mcc: r.mcc, mnc: r.mnc, countryCode: (r.countryCode ?? '').slice(0, 2), name });
    for (const n of [r.brand, r.operator]) if (n && n.length >= 3) names.add(n.toLowerCase());
  }
  return byMcc;
}

/** The operator an IMSI (or MCC+MNC string) starts with: the 3-digit MNC wins when listed. */
export function operatorOf(digits: string): Operator | undefined {
  const mncs = table().get(digits.slice(0, 3));
  if (!mncs) return undefined;
  return mncs.get(digits.slice(3, 6)) ?? mncs.get(digits.slice(3, 5));
}

/** ISO 3166 region of an MCC, e.g. 460 → CN, for parsing national phone numbers. */
export function regionOfMcc(mcc: string): string | undefined {
  const mncs = table().get(mcc);
  if (!mncs) return undefined;
  for (const op of mncs.values()) if (/^[A-Z]{2}$/.test(op.countryCode)) return op.countryCode;
  return undefined;
}

export function isCarrierName(text: string): boolean {
  table();
  return names?.has(text.trim().toLowerCase()) ?? false;
}
