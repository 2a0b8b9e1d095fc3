// The settings that change what a scan finds: the researcher's own device values
// (`leaklens.knownValues`) and the region for national phone numbers (`leaklens.phoneRegion`).
// Read from raw setting values, so it is tested without VS Code; a setting that is not usable
// is reported and left out, and the scan runs without it.
import { isSupportedCountry } from 'libphonenumber-js';
import { KnownValueError, parseKnownFile, type KnownValue } from '../core/detect/known';
import type { KnownValueEntry } from '../protocol';

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

/** A setting's known values as the panel lists them: one entry per value, in the setting's order. */
export function knownEntriesFrom(raw: unknown): KnownValueEntry[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const entries: KnownValueEntry[] = [];
  for (const [kind, entry] of Object.entries(raw as Record<string, unknown>)) {
    for (const item of Array.isArray(entry) ? entry : [entry]) {
      if (typeof item === 'string') entries.push({ kind, value: item });
      else if (typeof item === 'number') entries.push({ kind, value: String(item) });
      else if (item !== null && typeof item === 'object' && typeof (item as { value?: unknown }).value === 'string') {
        entries.push({ kind, value: (item as { value: string }).value });
      }
    }
  }
  return entries;
}

/**
 * The setting value for the panel's entries (`{"imei": ["…", "…"], "mac": "…"}`), or the reason
 * they cannot be saved (an IMEI that is not 14–16 digits), naming the entry.
 */
export function knownSettingFrom(entries: readonly KnownValueEntry[]): { value: Record<string, string | string[]> } | { problem: string } {
  const grouped = new Map<string, string[]>();
  for (const { kind, value } of entries) {
    const trimmed = value.trim();
    if (trimmed === '') continue;
    const key = kind.trim().toLowerCase();
    let list = grouped.get(key);
    if (!list) grouped.set(key, (list = []));
    if (!list.includes(trimmed)) list.push(trimmed);
  }
  const value: Record<string, string | string[]> = {};
  for (const [kind, list] of grouped) value[kind] = list.length === 1 ? list[0] : list;
  try {
    parseKnownFile(value, 'Known value');
  } catch (err) {
    if (err instanceof KnownValueError) return { problem: sentence(err.message) };
    throw err;
  }
  return { value };
}
