// Key-name context: the name a value travels under (JSON key, query parameter, header, form
// field) is the strongest evidence of what a bare number or hex string is.

/** Hints a key can give. `geo-lat`/`geo-lon` pair up; `mccmnc` names an operator code. */
export type KeyHint =
  | 'imei' | 'imsi' | 'iccid' | 'meid' | 'phone' | 'email' | 'mac' | 'android_id' | 'ad_id' | 'serial'
  | 'carrier' | 'mccmnc' | 'geo' | 'geo-lat' | 'geo-lon' | 'geo-lat-e7' | 'geo-lon-e7' | 'device_id';

/**
 * `X-Device-Id` → `xdeviceid`, `android_id` → `androidid`, with the positions where a word of the
 * key starts (after a separator, at a camelCase capital, at the last capital of an acronym), so
 * a rule can require its match to start a word: `time_id` holds "imei" and `hmac` holds "mac",
 * but neither is a word of those keys.
 */
export function normaliseKey(key: string): { norm: string; wordStarts: Set<number> } {
  let norm = '';
  const wordStarts = new Set<number>();
  let afterSeparator = true;
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    const upper = c >= 'A' && c <= 'Z';
    if (!upper && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) {
      afterSeparator = true;
      continue;
    }
    const prev = key[i - 1] ?? '';
    const next = key[i + 1] ?? '';
    const prevUpper = prev >= 'A' && prev <= 'Z';
    const prevLower = (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9');
    const nextLower = next >= 'a' && next <= 'z';
    if (afterSeparator || (upper && (prevLower || (prevUpper && nextLower)))) wordStarts.add(norm.length);
    norm += c.toLowerCase();
    afterSeparator = false;
  }
  return { norm, wordStarts };
}

function matchesAtWordStart(rule: RegExp, norm: string, wordStarts: ReadonlySet<number>): boolean {
  for (const m of norm.matchAll(rule)) if (wordStarts.has(m.index ?? -1)) return true;
  return false;
}

const RULES: [KeyHint, RegExp][] = ([
  ['imei', /imei|imeisv/],
  ['imsi', /imsi|subscriberid/],
  ['iccid', /iccid|simserial|simid$|simnumber|iccd/],
  ['meid', /meid|^esn$/],
  ['phone', /phone|msisdn|mobile|^tel$|telephone|^cell|mdn$|owner|callerid|^number$|contactnumber/],
  ['email', /e?mail|^user(name)?$|^login$|^account$/],
  ['mac', /mac$|macaddr|^mac|bssid|wifimac|wlanmac|btmac|bluetooth|ethaddr|hwaddr/],
  ['android_id', /androidid|ssaid|^aid$/],
  ['ad_id', /gaid|idfa|aaid|adid|advertis|^ifa$|adv(ertising)?id|^ifa/],
  ['serial', /serial|^sn$|serialno|^ser$/],
  ['mccmnc', /mccmnc|plmn|simoperator$|networkoperator$|^hni$|operatorcode|carriercode/],
  ['carrier', /carrier|operator|telco|^isp$|networkname|simoperatorname/],
  ['geo-lat-e7', /late7|latitudee7/],
  ['geo-lon-e7', /(lng|lon|longitude)e7/],
  ['geo-lat', /^lat$|^latitude$|^gpslat|lat$|latitude$/],
  ['geo-lon', /^(lon|lng|long)$|^longitude$|^gpslon|lng$|lon$|longitude$/],
  ['geo', /^loc$|location|^gps|latlng|latlon|^geo|coords?$|position/],
  ['device_id', /deviceid$|^did$|^udid$|^devid$|hwid|deviceidentifier|^uuid$|^duid$/],
] as [KeyHint, RegExp][]).map(([hint, re]) => [hint, new RegExp(re.source, 'g')]);

const cache = new Map<string, ReadonlySet<KeyHint>>();
const EMPTY: ReadonlySet<KeyHint> = new Set();

export function keyHints(key: string | undefined): ReadonlySet<KeyHint> {
  if (!key) return EMPTY;
  const cached = cache.get(key);
  if (cached) return cached;
  const { norm, wordStarts } = normaliseKey(key);
  const hints = new Set<KeyHint>();
  if (norm.length > 0 && norm.length <= 64) {
    for (const [hint, re] of RULES) if (matchesAtWordStart(re, norm, wordStarts)) hints.add(hint);
  }
  // Operator *codes* are not operator names: "simoperator" hints mccmnc, not carrier text.
  if (hints.has('mccmnc') && !/name/.test(norm)) hints.delete('carrier');
  if (cache.size < 10_000) cache.set(key, hints);
  return hints;
}

/**
 * In free text (a raw body, a URL, a log line), the key right before a value: `imei=`, `"imei":`,
 * `imei: `, `<imei>`. Looks back at most 48 characters.
 */
export function inlineKeyBefore(text: string, start: number): string | undefined {
  const from = Math.max(0, start - 48);
  const before = text.slice(from, start);
  const m = /([A-Za-z_][\w.-]{0,40})["']?\s*(?:[:=]|=>)\s*["']?\s*$/.exec(before) ?? /<([A-Za-z_][\w.-]{0,40})>\s*$/.exec(before);
  return m?.[1];
}
