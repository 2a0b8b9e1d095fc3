// One field of an exchange (a header, a parameter, a body) as the layers a person reads: the raw
// value, then each text the decoders peeled out of it (base64 → gzip → the JSON inside), outermost
// first, in document order. Structural steps (a JSON value, a form field) are not layers of their
// own: they are places inside their layer, found by place.ts.
import { decodeField } from '../decode/index';
import { jsonStart } from '../decode/json';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type DecodeResult, type FieldInput } from '../decode/types';
import type { Body } from '../model';
import { hexDump, HEX_BYTES_PER_LINE, HEX_LINE_LENGTH, hexRanges } from './hexDump';
import { prettyJson } from './prettyJson';

/** Steps that name a place inside a text rather than a new text. */
const STRUCTURAL = /^(?:json|form|multipart|protobuf):/;

export function isStructural(step: string): boolean {
  return STRUCTURAL.test(step);
}

/** A chain as a map key. */
export function chainKey(chain: readonly string[], length = chain.length): string {
  let key = '';
  for (let i = 0; i < length; i++) key += (i === 0 ? '' : '\u0000') + chain[i];
  return key;
}

/** Inputs past this size are decoded with the tighter bounds below, so a detail stays fast. */
export const LARGE_FIELD = 4 * 1024 * 1024;
/** The scan's bounds with fewer leaves and less time: the leaves come out in the same order, just fewer. */
export const LARGE_FIELD_LIMITS: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, maxLeaves: 20_000, maxTimeMs: 300 };
/** JSON longer than this is shown as it is, not pretty-printed. */
export const MAX_PRETTY_SOURCE = 16 * 1024 * 1024;

export interface FieldSource {
  /** What the scanner hands the decoders for this field (scan.ts's fieldsOf). */
  input: FieldInput;
  /** The body, for a body field: its raw layer is its bytes (hex when they are not text). */
  body?: Body;
}

export interface Layer {
  chain: string[];
  /** The decoded text (for the raw layer of a binary body, the readable runs the scanner saw). */
  text: string;
  /** Set for the raw layer of a body that is not text: shown as a hex dump of these bytes. */
  bytes?: Uint8Array;
  /** Index of the nearest layer this one was decoded from (-1 for the raw layer). */
  parent: number;
  /** How many steps of `chain` lead to that layer (its text is what chain[0, parentDepth) gives). */
  parentDepth: number;
}

export interface FieldLayers {
  layers: Layer[];
  /** Chain → layer, including chains whose text repeats an earlier layer's (they point at it). */
  byChain: Map<string, number>;
  /** Decoded texts left out by the layer cap. */
  omitted: number;
  /** Bounds that stopped a decoder, as the scan reports them. */
  limits: DecodeResult['limits'];
  /** The field was decoded with LARGE_FIELD_LIMITS. */
  reduced: boolean;
}

/**
 * The layers of one field: the raw value, then one per distinct text that a transform step
 * (url, base64, hex, gzip, …) or a JWT part produced, at most `maxLayers` in all. `deadline`
 * (performance.now() time) bounds the decoding: past it the field is shown raw, and says why.
 */
export function fieldLayers(source: FieldSource, maxLayers: number, deadline = Infinity): FieldLayers {
  const { input, body } = source;
  const size = input.bytes?.length ?? input.text?.length ?? 0;
  const reduced = size > LARGE_FIELD;
  const base = reduced ? LARGE_FIELD_LIMITS : DEFAULT_DECODE_LIMITS;
  const left = deadline - performance.now();
  const result: DecodeResult =
    left <= 0
      ? {
          leaves: input.text !== undefined ? [{ text: input.text, chain: [] }] : body?.isText ? [{ text: new TextDecoder().decode(body.bytes), chain: [] }] : [],
          limits: [{ chain: [], limit: 'max-time', detail: 'not decoded here: the time these details may spend decoding went to the fields above (the scan decoded it)' }],
        }
      : decodeField(input, left < base.maxTimeMs ? { ...base, maxTimeMs: Math.max(1, Math.floor(left)) } : base);
  const leaves = result.leaves;
  const layers: Layer[] = [];
  const byChain = new Map<string, number>();
  const byText = new Map<string, number>();
  const rawLeaf = leaves.length > 0 && leaves[0].chain.length === 0 ? leaves[0] : undefined;
  const raw: Layer = { chain: [], text: rawLeaf?.text ?? input.text ?? '', parent: -1, parentDepth: 0 };
  if (body && !(body.isText && rawLeaf !== undefined && rawLeaf.text !== '')) raw.bytes = body.bytes;
  layers.push(raw);
  byChain.set('', 0);
  if (!raw.bytes) byText.set(raw.text, 0);
  let omitted = 0;
  const omittedTexts = new Set<string>();
  for (const leaf of leaves) {
    const chain = leaf.chain;
    if (chain.length === 0 || isStructural(chain[chain.length - 1])) continue;
    const key = chainKey(chain);
    if (byChain.has(key)) continue;
    const same = byText.get(leaf.text);
    if (same !== undefined) {
      byChain.set(key, same);
      continue;
    }
    if (layers.length >= maxLayers) {
      if (!omittedTexts.has(leaf.text)) {
        omittedTexts.add(leaf.text);
        omitted++;
      }
      continue;
    }
    const index = layers.length;
    const parent = nearestLayer(byChain, chain);
    layers.push({ chain, text: leaf.text, parent: parent.index, parentDepth: parent.depth });
    byChain.set(key, index);
    byText.set(leaf.text, index);
  }
  return { layers, byChain, omitted, limits: result.limits, reduced };
}

/** The layer of the longest proper prefix of `chain` (the raw layer at worst). */
function nearestLayer(byChain: Map<string, number>, chain: readonly string[]): { index: number; depth: number } {
  for (let k = chain.length - 1; k > 0; k--) {
    const index = byChain.get(chainKey(chain, k));
    if (index !== undefined) return { index, depth: k };
  }
  return { index: 0, depth: 0 };
}

export type LayerView = 'text' | 'json' | 'hex';

export interface LayerDisplay {
  view: LayerView;
  text: string;
  /** What was cut, "" when nothing was. */
  truncated: string;
  /** Offset of Layer.text (bytes of Layer.bytes for a hex dump) up to which the display shows it. */
  shown: number;
  /**
   * Ranges of the display text for a range of the layer: offsets into Layer.text, or bytes of
   * Layer.bytes for a hex dump. Empty when the range lies past the cut; a range running into the
   * cut is shortened to it.
   */
  ranges(start: number, end: number): { start: number; end: number }[];
}


function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** The first `max` UTF-16 units of a text, never ending on half a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end);
}

/**
 * How a layer is shown within `maxChars` characters of text: a hex dump of binary bytes, JSON
 * pretty-printed when it parses, anything else as it is.
 */
export function displayLayer(layer: Layer, maxChars: number): LayerDisplay {
  if (layer.bytes) {
    const bytes = layer.bytes;
    const lineChars = HEX_LINE_LENGTH + 1;
    const maxBytes = Math.max(HEX_BYTES_PER_LINE, Math.floor(maxChars / lineChars) * HEX_BYTES_PER_LINE);
    const dump = hexDump(bytes, maxBytes);
    return {
      view: 'hex',
      text: dump.text,
      truncated: dump.bytesShown < bytes.length ? `showing the first ${count(dump.bytesShown)} of ${count(bytes.length)} bytes` : '',
      shown: dump.bytesShown,
      ranges: (start, end) => hexRanges(start, end, dump.bytesShown),
    };
  }
  const text = layer.text;
  const start = text.length <= MAX_PRETTY_SOURCE ? jsonStart(text) : -1;
  const pretty = start === -1 ? undefined : prettyJson(text, { start, maxLength: maxChars });
  if (pretty) {
    const shown = pretty.text.length;
    return {
      view: 'json',
      text: pretty.text,
      truncated: pretty.complete ? '' : `showing the first ${count(shown)} of ${count(pretty.fullLength)} characters of the pretty-printed JSON`,
      shown: pretty.sourceShown,
      ranges: (s, e) => {
        const from = pretty.toPretty(s);
        if (from === undefined || from >= shown) return [];
        const to = pretty.toPretty(e, true) ?? shown;
        return to > from ? [{ start: from, end: Math.min(to, shown) }] : [];
      },
    };
  }
  const cut = cutText(text, maxChars);
  return {
    view: 'text',
    text: cut,
    truncated: cut.length < text.length ? `showing the first ${count(cut.length)} of ${count(text.length)} characters` : '',
    shown: cut.length,
    ranges: (s, e) => (s < cut.length && e > s ? [{ start: s, end: Math.min(e, cut.length) }] : []),
  };
}
