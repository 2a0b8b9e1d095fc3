// Captures repeat themselves: the same User-Agent, cookies, query values and polled bodies on
// every request. Work that depends only on a text (decoding it, analysing it) is done once per
// distinct text and remembered here, within bounds.

import { createHash } from 'node:crypto';

/**
 * V8 hashes a string longer than this by its length alone, so a Map keyed by many distinct texts
 * of one length over it probes linearly: 5,000 bodies of 17,000 characters took 19 s to insert.
 * Such texts are keyed by a digest of their content instead (and compared in full on a hit).
 */
export const LONG_TEXT = 16_383;

/**
 * A bounded map from (context, text) to a value. Keyed by a short context first and then by the
 * text itself, so no long composite key is ever built (concatenating a 1 MB body into a key would
 * copy it). Bounded by entries and by total characters of the kept texts; when either bound is
 * reached it starts over, which costs a recomputation, never a wrong answer.
 */
export class ContentCache<V> {
  private maps = new Map<string, Map<string, V>>();
  /** Texts longer than LONG_TEXT, by context and SHA-1 of the text. */
  private longMaps = new Map<string, Map<string, { text: string; value: V }>>();
  private entries = 0;
  private chars = 0;

  constructor(
    private readonly maxEntries = 50_000,
    private readonly maxChars = 32 * 1024 * 1024,
    /** Longer texts are not kept: they rarely repeat and would crowd out the rest. */
    private readonly maxTextLength = 1024 * 1024,
  ) {}

  get(context: string, text: string): V | undefined {
    if (text.length <= LONG_TEXT) return this.maps.get(context)?.get(text);
    if (text.length > this.maxTextLength) return undefined;
    const kept = this.longMaps.get(context)?.get(digest(text));
    return kept && kept.text === text ? kept.value : undefined;
  }

  set(context: string, text: string, value: V): void {
    if (text.length > this.maxTextLength) return;
    if (text.length > LONG_TEXT) {
      this.setLong(context, text, value);
      return;
    }
    const inner = this.maps.get(context);
    if (inner?.has(text)) {
      inner.set(text, value);
      return;
    }
    this.makeRoom(text.length);
    let target = this.maps.get(context);
    if (!target) this.maps.set(context, (target = new Map()));
    target.set(text, value);
    this.entries++;
    this.chars += text.length;
  }

  private setLong(context: string, text: string, value: V): void {
    const key = digest(text);
    const kept = this.longMaps.get(context)?.get(key);
    if (kept) {
      // The same text again, or (never seen in practice) another with the same SHA-1: keep the newer.
      kept.text = text;
      kept.value = value;
      return;
    }
    this.makeRoom(text.length);
    let target = this.longMaps.get(context);
    if (!target) this.longMaps.set(context, (target = new Map()));
    target.set(key, { text, value });
    this.entries++;
    this.chars += text.length;
  }

  private makeRoom(length: number): void {
    if (this.entries < this.maxEntries && this.chars + length <= this.maxChars) return;
    this.maps = new Map();
    this.longMaps = new Map();
    this.entries = 0;
    this.chars = 0;
  }
}

function digest(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('base64');
}
