// The settings that change what a scan finds: the researcher's own device values
// (`leaklens.knownValues`) and the region for national phone numbers (`leaklens.phoneRegion`).
// Read from raw setting values, so it is tested without VS Code; a setting that is not usable
// is reported and left out, and the scan runs without it.
import { isSupportedCountry } from 'libphonenumber-js';
import { KnownValueError, knownKindOf, parseKnownFile, type KnownValue } from '../core/detect/known';
import { MAX_KNOWN_VALUES, MAX_KNOWN_VALUE_LENGTH, type KnownValueEntry } from '../protocol';

/** One value as the setting holds it: the value, or the value with the researcher's label. */
export type KnownSettingItem = string | { value: string; label: string };

export const SETTINGS_SECTION = 'leaklens';
export const KNOWN_VALUES_SETTING = 'knownValues';
export const PHONE_REGION_SETTING = 'phoneRegion';

export interface ScanSettings {
  known: KnownValue[];
  /** Region for national phone numbers; undefined: the scan takes it from the capture's IMSIs. */
  region: string | undefined;
  /** Why a setting was left out, one sentence each, for a warning message. */
  problems: string[];
  /** Equal keys mean equal scans: a settings change that leaves the key alone needs no rescan. */
  key: string;
}

export function scanSettingsFrom(knownValues: unknown, phoneRegion: unknown): ScanSettings {
  const problems: string[] = [];
  const known = readKnownValues(knownValues, problems);
  const region = readRegion(phoneRegion, problems);
  return { known, region, problems, key: JSON.stringify([known, region ?? '']) };
}

function readKnownValues(raw: unknown, problems: string[]): KnownValue[] {
  if (raw === undefined || raw === null) return [];
  let plain: unknown;
  try {
    // Settings arrive as (possibly frozen, proxied) objects; work on a plain copy.
    plain = JSON.parse(JSON.stringify(raw)) as unknown;
  } catch {
    problems.push(`The ${SETTINGS_SECTION}.${KNOWN_VALUES_SETTING} setting cannot be read; scanning without known values.`);
    return [];
  }
  try {
    return parseKnownFile(plain, `The ${SETTINGS_SECTION}.${KNOWN_VALUES_SETTING} setting`);
  } catch (err) {
    if (!(err instanceof KnownValueError)) throw err;
    problems.push(`${sentence(err.message)} LeakLens scans without known values until it is fixed.`);
    return [];
  }
}

function readRegion(raw: unknown, problems: string[]): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  if (text === '') return undefined;
  const region = text?.toUpperCase();
  if (region !== undefined && /^[A-Z]{2}$/.test(region) && isSupportedCountry(region)) return region;
  const shown = typeof raw === 'string' ? `"${raw.length > 40 ? `${raw.slice(0, 39)}…` : raw}"` : `a ${typeof raw}`;
  problems.push(
    `The ${SETTINGS_SECTION}.${PHONE_REGION_SETTING} setting is ${shown}, not a known two-letter region code such as CN or US; ` +
      'national phone numbers are read in the region of the capture’s IMSIs (US when it has none) instead.',
  );
  return undefined;
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * A setting's known values as the panel lists them: one entry per value, in the setting's order,
 * under the kind's own name (`IMEI`, `gaid` → `imei`, `ad_id`), so the panel can save them back.
 * At most MAX_KNOWN_VALUES, each at most MAX_KNOWN_VALUE_LENGTH long: what the contract carries.
 */
export function knownEntriesFrom(raw: unknown): KnownValueEntry[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const entries: KnownValueEntry[] = [];
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    const kind = knownKindOf(name) ?? name.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^[^a-z]+/, '').slice(0, 32);
    if (!kind) continue;
    for (const item of Array.isArray(entry) ? entry : [entry]) {
      const value = typeof item === 'string' ? item : typeof item === 'number' ? String(item) : itemValue(item);
      if (value !== undefined && value.length <= MAX_KNOWN_VALUE_LENGTH && entries.length < MAX_KNOWN_VALUES) entries.push({ kind, value });
    }
  }
  return entries;
}

function itemValue(item: unknown): string | undefined {
  return item !== null && typeof item === 'object' && typeof (item as { value?: unknown }).value === 'string' ? (item as { value: string }).value : undefined;
}

/** Items of the setting the panel does not list, under their own key, as written. */
function unlistable(raw: unknown, listed: ReadonlySet<string>): [string, KnownSettingItem][] {
  const out: [string, KnownSettingItem][] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    const kind = knownKindOf(name) ?? name.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^[^a-z]+/, '').slice(0, 32);
    for (const item of Array.isArray(entry) ? entry : [entry]) {
      const value = typeof item === 'string' ? item : typeof item === 'number' ? String(item) : itemValue(item);
      if (value === undefined || listed.has(`${kind}\u0000${value}`)) continue;
      const label = item !== null && typeof item === 'object' ? (item as { label?: unknown }).label : undefined;
      out.push([knownKindOf(name) ?? name, typeof label === 'string' ? { value, label } : value]);
    }
  }
  return out;
}

/** The labels the researcher gave values in the setting (`{"value": …, "label": …}`), by kind and value. */
function knownLabels(raw: unknown): Map<string, string> {
  const labels = new Map<string, string>();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return labels;
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    const kind = knownKindOf(name);
    for (const item of Array.isArray(entry) ? entry : [entry]) {
      const label = item !== null && typeof item === 'object' ? (item as { label?: unknown }).label : undefined;
      const value = itemValue(item);
      if (kind && value !== undefined && typeof label === 'string') labels.set(`${kind}\u0000${value.trim()}`, label);
    }
  }
  return labels;
}

/**
 * The setting value for the panel's entries (`{"imei": ["…", "…"], "mac": "…"}`), or the reason
 * they cannot be saved (an IMEI that is not 14–16 digits), naming the entry.
 */
export function knownSettingFrom(entries: readonly KnownValueEntry[], current?: unknown): { value: Record<string, KnownSettingItem | KnownSettingItem[]> } | { problem: string } {
  // Labels the researcher wrote in the setting survive a save from the panel, which has none.
  const labels = knownLabels(current);
  const grouped = new Map<string, KnownSettingItem[]>();
  const seen = new Set<string>();
  for (const { kind, value } of entries) {
    const trimmed = value.trim();
    if (trimmed === '') continue;
    const key = knownKindOf(kind.trim()) ?? kind.trim().toLowerCase();
    if (seen.has(`${key}\u0000${trimmed}`)) continue;
    seen.add(`${key}\u0000${trimmed}`);
    let list = grouped.get(key);
    if (!list) grouped.set(key, (list = []));
    const label = labels.get(`${key}\u0000${trimmed}`);
    list.push(label === undefined ? trimmed : { value: trimmed, label });
  }
  // Values the panel could not list (over its length or count, or under a name it cannot show)
  // were never the researcher's to remove: they stay as they were.
  const listed = new Set(knownEntriesFrom(current).map((e) => `${e.kind}\u0000${e.value}`));
  for (const [name, item] of unlistable(current, listed)) {
    let list = grouped.get(name);
    if (!list) grouped.set(name, (list = []));
    list.push(item);
  }
  const value: Record<string, KnownSettingItem | KnownSettingItem[]> = {};
  for (const [kind, list] of grouped) value[kind] = list.length === 1 ? list[0] : list;
  try {
    parseKnownFile(value, 'Known value');
  } catch (err) {
    if (err instanceof KnownValueError) return { problem: sentence(err.message) };
    throw err;
  }
  return { value };
}
