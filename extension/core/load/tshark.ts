import type { DnsAnswer, Exchange, LoadWarning, TsharkVariant } from '../model';
import type { JsonValue } from './json';

export interface TsharkLoadResult {
  exchanges: Exchange[];
  warnings: LoadWarning[];
  dns: DnsAnswer[];
  variant: TsharkVariant;
}

/** `tshark -T json` (with or without duplicate keys, with or without -x): the parsed array of packets. */
export function loadTsharkJson(_packets: JsonValue[], _duplicateKeyCount: number): TsharkLoadResult {
  throw new Error('not implemented yet');
}

/** `tshark -T ek`: NDJSON text, index lines and packet lines. */
export function loadTsharkEk(_text: string, _file: string): TsharkLoadResult {
  throw new Error('not implemented yet');
}
