// The settings that change what a scan finds: the researcher's own device values
// (`leaklens.knownValues`) and the region for national phone numbers (`leaklens.phoneRegion`).
// Read from raw setting values, so it is tested without VS Code; a setting that is not usable
// is reported and left out, and the scan runs without it.
import { isSupportedCountry } from 'libphonenumber-js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../core/decode/types';
import { KnownValueError, knownKindOf, parseKnownFile, type KnownValue } from '../core/detect/known';
import { MAX_KNOWN_VALUES, MAX_KNOWN_VALUE_LENGTH, type KnownValueEntry } from '../protocol';

/** One value as the setting holds it: the value, or the value with the researcher's label. */
export type KnownSettingItem = string | { value: string; label: string };

export const SETTINGS_SECTION = 'leaklens';
export const KNOWN_VALUES_SETTING = 'knownValues';
export const PHONE_REGION_SETTING = 'phoneRegion';
export const MAX_DECODED_MB_SETTING = 'maxDecodedMB';

/** The decode limits with the leaklens.maxDecodedMB setting (a positive number of MB; the default otherwise). */
export function decodeLimitsFrom(maxDecodedMB: unknown): DecodeLimits {
  if (typeof maxDecodedMB !== 'number' || !Number.isFinite(maxDecodedMB) || maxDecodedMB <= 0) return DEFAULT_DECODE_LIMITS;
  return { ...DEFAULT_DECODE_LIMITS, maxOutputBytes: Math.round(maxDecodedMB * 2 ** 20) };
}

export interface ScanSettings {
  known: KnownValue[];
  /** Region for national phone numbers; undefined: the scan takes it from the capture's IMSIs. */
  region: string | undefined;
  /** Why a setting was left out, one sentence each, for a warning message. */
  problems: string[];
  /** Equal keys mean equal scans: a settings change that leaves the key alone needs no rescan. */
  key: string;
}

/**
 * The scan's settings. `sidecar`: the capture's sidecar's `knownValues` (same shape as the
 * setting) and the sidecar's name; the scan looks for both lists.
 */
export function scanSettingsFrom(knownValues: unknown, phoneRegion: unknown, sidecar?: { knownValues: unknown; file: string }): ScanSettings {
  const problems: string[] = [];
  const known = readKnownValues(knownValues, problems, `The ${SETTINGS_SECTION}.${KNOWN_VALUES_SETTING} setting`);
  if (sidecar && sidecar.knownValues !== undefined) known.push(...readKnownValues(sidecar.knownValues, problems, `The knownValues of ${sidecar.file}`));
  const region = readRegion(phoneRegion, problems);
  return { known, region, problems, key: JSON.stringify([known, region ?? '']) };
}

function readKnownValues(raw: unknown, problems: string[], source: string): KnownValue[] {
  if (raw === undefined || raw === null) return [];
  let plain: unknown;
  try {
    // Settings arrive as (possibly frozen, proxied) objects; work on a plain copy.
    plain = JSON.parse(JSON.stringify(raw)) as unknown;
  } catch {
    problems.push(`${source} cannot be read; scanning without those known values.`);
    return [];
  }
  try {
    return parseKnownFile(plain, source);
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

/** One value of the setting as written: its key, the kind the panel shows it under, its value and label. */
interface SettingItem {
  /** The key as written (`IMEI`, `gaid`, `string`). */
  name: string;
  /** The kind's own name (`imei`, `ad_id`), or the key made a plain name when it names no kind ("" when nothing is left). */
  kind: string;
  value: string;
  label: string | undefined;
}

/** Every value of a leaklens.knownValues setting, in its order (values of no readable shape left out). */
function settingItems(raw: unknown): SettingItem[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const items: SettingItem[] = [];
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    const kind = knownKindOf(name) ?? name.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^[^a-z]+/, '').slice(0, 32);
    for (const item of Array.isArray(entry) ? entry : [entry]) {
      const object = item !== null && typeof item === 'object' ? (item as { value?: unknown; label?: unknown }) : undefined;
      const value = typeof item === 'string' ? item : typeof item === 'number' ? String(item) : typeof object?.value === 'string' ? object.value : undefined;
      if (value !== undefined) items.push({ name, kind, value, label: typeof object?.label === 'string' ? object.label : undefined });
    }
  }
  return items;
}

/** Whether the panel lists this value: a kind it can name, within what the contract carries. */
function listable(item: SettingItem): boolean {
  return item.kind !== '' && item.value.length <= MAX_KNOWN_VALUE_LENGTH;
}

/**
 * A setting's known values as the panel lists them: one entry per value, in the setting's order,
 * under the kind's own name (`IMEI`, `gaid` → `imei`, `ad_id`), so the panel can save them back.
 * At most MAX_KNOWN_VALUES, each at most MAX_KNOWN_VALUE_LENGTH long: what the contract carries.
 */
export function knownEntriesFrom(raw: unknown): KnownValueEntry[] {
  return settingItems(raw)
    .filter(listable)
    .slice(0, MAX_KNOWN_VALUES)
    .map(({ kind, value }) => ({ kind, value }));
}

/**
 * The setting value for the panel's entries (`{"imei": ["…", "…"], "mac": "…"}`), or the reason
 * they cannot be saved (an IMEI that is not 14–16 digits), naming the entry.
 */
export function knownSettingFrom(entries: readonly KnownValueEntry[], current?: unknown): { value: Record<string, KnownSettingItem | KnownSettingItem[]> } | { problem: string } {
  const items = settingItems(current);
  // Labels the researcher wrote in the setting survive a save from the panel, which has none.
  const labels = new Map<string, string>();
  for (const item of items) if (item.label !== undefined) labels.set(`${item.kind}\u0000${item.value.trim()}`, item.label);
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
  for (const item of items) {
    if (listed.has(`${item.kind}\u0000${item.value}`)) continue;
    const key = knownKindOf(item.name) ?? item.name;
    let list = grouped.get(key);
    if (!list) grouped.set(key, (list = []));
    list.push(item.label === undefined ? item.value : { value: item.value, label: item.label });
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
