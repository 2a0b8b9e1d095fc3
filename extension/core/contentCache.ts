// Captures repeat themselves: the same User-Agent, cookies, query values and polled bodies on
// every request. Work that depends only on a text (decoding it, analysing it) is done once per
// distinct text and remembered here, within bounds.

/**
 * A bounded map from (context, text) to a value. Keyed by a short context first and then by the
 * text itself, so no long composite key is ever built (concatenating a 1 MB body into a key would
 * copy it). Bounded by entries and by total characters of the kept texts; when either bound is
 * reached it starts over, which costs a recomputation, never a wrong answer.
 */
export class ContentCache<V> {
  private maps = new Map<string, Map<string, V>>();
  private entries = 0;
  private chars = 0;

  constructor(
    private readonly maxEntries = 50_000,
    private readonly maxChars = 32 * 1024 * 1024,
    /** Longer texts are not kept: they rarely repeat and would crowd out the rest. */
    private readonly maxTextLength = 1024 * 1024,
  ) {}

  get(context: string, text: string): V | undefined {
    return this.maps.get(context)?.get(text);
  }

  set(context: string, text: string, value: V): void {
    if (text.length > this.maxTextLength) return;
    const inner = this.maps.get(context);
    if (inner?.has(text)) {
      inner.set(text, value);
      return;
    }
    if (this.entries >= this.maxEntries || this.chars + text.length > this.maxChars) {
      this.maps = new Map();
      this.entries = 0;
      this.chars = 0;
    }
    let target = this.maps.get(context);
    if (!target) this.maps.set(context, (target = new Map()));
    target.set(text, value);
    this.entries++;
    this.chars += text.length;
  }
}
