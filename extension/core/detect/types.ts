import type { Finding } from '../model';
import type { KeyHint } from './context';
import { inlineKeyBefore, keyHints } from './context';

/** What a detector knows about the text it looks at. */
export interface LeafContext {
  /** Hints from the key the whole text travels under (query parameter, JSON key, header…). */
  hints: ReadonlySet<KeyHint>;
  key?: string;
  /** ISO region for national phone numbers (from the capture's IMSI MCC or a setting). */
  defaultRegion?: string;
}

/** What a detector reports: a Finding before it is placed in an exchange. */
export type Detection = Pick<Finding, 'kind' | 'value' | 'matchedText' | 'start' | 'end' | 'confidence' | 'detector' | 'reasons'>;

export type Detector = (text: string, ctx: LeafContext) => Detection[];

/**
 * Hints that apply to a match: the leaf's own key when the match is (nearly) the whole text,
 * plus the key written just before it in free text (`imei=…`, `"imei":…`).
 */
export function hintsAt(text: string, start: number, end: number, ctx: LeafContext): { hints: Set<KeyHint>; key?: string } {
  const hints = new Set<KeyHint>();
  let key: string | undefined;
  const wholeValue = text.length - (end - start) <= 2;
  if (wholeValue) {
    for (const h of ctx.hints) hints.add(h);
    key = ctx.key;
  }
  const inline = inlineKeyBefore(text, start);
  if (inline) {
    for (const h of keyHints(inline)) hints.add(h);
    key ??= inline;
  }
  return { hints, key };
}

export function keyReason(key: string | undefined): string {
  return key ? `key "${key}"` : 'key';
}
