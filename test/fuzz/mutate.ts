// Seeded, structure-aware mutation of JSON documents (HAR, tshark -T json, sidecars) and of
// NDJSON (tshark -T ek). A mutation parses the seed, changes its tree (type swaps, huge and empty
// strings, hostile characters, odd keys, deep nesting and duplicate keys through text markers),
// serialises it, then may change the bytes (bit flips, invalid UTF-8, raw surrogates, NUL, BOM,
// JSONP, compression, truncation). Every choice comes from the RNG, so (seed, index) replays.
import { deflateSync, gzipSync } from 'node:zlib';
import { rng } from '../unit/rng';

export type Rng = () => number;

export function makeRng(seed: number): Rng {
  return rng(seed);
}

/** A seed per input, so one input can be regenerated without the ones before it. */
export function inputSeed(seed: number, target: string, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of `${target}#${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export function int(r: Rng, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function pick<T>(r: Rng, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

export function chance(r: Rng, p: number): boolean {
  return r() < p;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Strings that have broken parsers, renderers or terminals before. */
const HOSTILE_STRINGS: readonly string[] = [
  '', '\u0000', 'a\u0000b', '\u202e', 'abc\u202edef', '\u2066\u2069\u200f', '\ud800', '\udfff', 'x\ud800y', '\udc00\ud800',
  '\ufeff', '\ufffd', '\u2028\u2029', '%', '%zz', '%E0%A4%A', '\\', '"', '\r\n\r\n', '{{appendix}}', '{{title}}', '`', '```',
  '<script>alert(1)</script>', '[x](javascript:alert(1))', '$', '$.log.entries', '__proto__', 'constructor', 'toString',
  'NaN', 'Infinity', '-0', '1e400', '0x10', '9'.repeat(400), '868715392756833', '460010886207782', '28:6c:07:c0:35:8f',
  'user@example.com', '+8613873243456', 'data:;base64,', '=?utf-8?b?AAAA?=', 'H4sIAAAAAAAA', 'eyJhbGciOiJub25lIn0.e30.',
  'gzip', 'br', 'deflate, gzip', 'multipart/form-data; boundary=', 'application/json; charset=utf-16',
  'application/x-www-form-urlencoded', 'application/x-protobuf', '\t', ' '.repeat(300),
];

const HOSTILE_KEYS: readonly string[] = [
  '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '\u0000', '\u202e', '\ud800',
  'log', 'entries', 'text', 'encoding', 'mimeType', 'value', 'name', 'size', 'index', 'version', 'layers', '_source', 'http',
];

const HOSTILE_NUMBERS: readonly number[] = [
  0, -1, -0, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 53), 1e308, 5e-324, Number.MAX_SAFE_INTEGER, 4294967295, 1e21,
];

/** Characters a huge string is made of: each reaches a different code path (digits, base64, multi-byte, bidi). */
const HUGE_UNITS: readonly string[] = ['A', '7', 'ab', '%41', '\u202e', 'é', '😀', ' ', '\\', 'QUFB', '0a', '\u0000'];

export interface MutateOptions {
  /** Largest huge string (characters): past ten million a global regex once overflowed V8's stack in the scan; the unit test uses less. */
  hugeChars: number;
  /** Deepest nesting written as text. */
  maxDepth: number;
}

export const DEFAULT_MUTATE: MutateOptions = { hugeChars: 16 * 1024 * 1024, maxDepth: 1_000_000 };

/** A text marker replaced after serialisation with raw text that JSON.stringify cannot write. */
interface Splice {
  marker: string;
  raw: string;
}

class TreeMutator {
  readonly splices: Splice[] = [];
  readonly notes: string[] = [];

  constructor(
    private readonly r: Rng,
    private readonly options: MutateOptions,
  ) {}

  private marker(): string {
    return `@@FUZZ${this.splices.length}@@`;
  }

  /** Every container and its slots, so a mutation can replace any value in place. */
  private slots(root: Json): { parent: Json[] | { [key: string]: Json }; key: string | number }[] {
    const out: { parent: Json[] | { [key: string]: Json }; key: string | number }[] = [];
    const stack: Json[] = [root];
    while (stack.length > 0 && out.length < 200_000) {
      const node = stack.pop()!;
      if (Array.isArray(node)) {
        node.forEach((child, i) => {
          out.push({ parent: node, key: i });
          stack.push(child);
        });
      } else if (node !== null && typeof node === 'object') {
        for (const key of Object.keys(node)) {
          out.push({ parent: node, key });
          stack.push(node[key]);
        }
      }
    }
    return out;
  }

  private get(slot: { parent: Json[] | { [key: string]: Json }; key: string | number }): Json {
    return Array.isArray(slot.parent) ? slot.parent[slot.key as number] : slot.parent[slot.key as string];
  }

  private set(slot: { parent: Json[] | { [key: string]: Json }; key: string | number }, value: Json): void {
    if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
    else Object.defineProperty(slot.parent, slot.key as string, { value, enumerable: true, writable: true, configurable: true });
  }

  hugeString(): string {
    const unit = pick(this.r, HUGE_UNITS);
    const chars = int(this.r, 1, this.options.hugeChars);
    return unit.repeat(Math.max(1, Math.floor(chars / unit.length)));
  }

  /** A value of another type than `old`. */
  private swapType(old: Json): Json {
    const r = this.r;
    const choices: (() => Json)[] = [
      () => null,
      () => pick(r, HOSTILE_NUMBERS),
      () => pick(r, HOSTILE_STRINGS),
      () => [],
      () => ({}),
      () => r() < 0.5,
      () => (typeof old === 'string' ? [old] : [old, old]),
      () => ({ value: old }),
      () => String(JSON.stringify(old) ?? '').slice(0, 10_000),
      () => (typeof old === 'string' && /^-?\d+(\.\d+)?$/.test(old) ? Number(old) : typeof old === 'number' ? String(old) : old),
    ];
    return pick(r, choices)();
  }

  private deepText(): string {
    const depth = int(this.r, 10_000, this.options.maxDepth);
    const closed = chance(this.r, 0.7);
    const style = int(this.r, 0, 2);
    if (style === 0) return '['.repeat(depth) + (closed ? ']'.repeat(depth) : '');
    if (style === 1) return '{"a":'.repeat(depth) + '1' + (closed ? '}'.repeat(depth) : '');
    return '[{"x":'.repeat(Math.floor(depth / 2)) + '0' + (closed ? '}]'.repeat(Math.floor(depth / 2)) : '');
  }

  mutate(root: Json, rounds: number): Json {
    const r = this.r;
    for (let n = 0; n < rounds; n++) {
      const slots = this.slots(root);
      if (slots.length === 0) {
        root = this.swapType(root);
        this.notes.push('root swapped');
        continue;
      }
      const slot = pick(r, slots);
      const old = this.get(slot);
      const op = int(r, 0, 13);
      switch (op) {
        case 0:
        case 1:
          this.set(slot, this.swapType(old));
          this.notes.push(`type swap at ${String(slot.key)}`);
          break;
        case 2:
          this.set(slot, pick(r, HOSTILE_STRINGS));
          this.notes.push('hostile string');
          break;
        case 3:
          if (typeof old === 'string') {
            const at = int(r, 0, old.length);
            this.set(slot, old.slice(0, at) + pick(r, HOSTILE_STRINGS) + old.slice(at));
            this.notes.push('hostile insert');
          } else this.set(slot, '');
          break;
        case 4:
          if (chance(r, 0.35)) {
            this.set(slot, this.hugeString());
            this.notes.push('huge string');
          } else {
            this.set(slot, pick(r, ['', [], {}, 0] as Json[]));
            this.notes.push('empty value');
          }
          break;
        case 5:
          if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
          else delete slot.parent[slot.key as string];
          this.notes.push('deleted');
          break;
        case 6: {
          // A copy of a sibling or of another node's subtree.
          const other = this.get(pick(r, slots));
          this.set(slot, structuredClone(other));
          this.notes.push('subtree copied');
          break;
        }
        case 7:
          if (Array.isArray(old) && old.length > 0) {
            const times = pick(r, [2, 10, 200, 3000]);
            const item = old[int(r, 0, old.length - 1)];
            for (let i = 0; i < times; i++) old.push(structuredClone(item));
            this.notes.push(`array grown by ${times}`);
          } else if (Array.isArray(old)) old.push(null);
          else this.set(slot, [old, old]);
          break;
        case 8:
          if (Array.isArray(old)) {
            old.reverse();
            this.notes.push('array reversed');
          } else if (old !== null && typeof old === 'object') {
            const key = pick(r, HOSTILE_KEYS);
            Object.defineProperty(old, key, { value: pick(r, [1, 'x', null, {}, []] as Json[]), enumerable: true, writable: true, configurable: true });
            this.notes.push(`key ${JSON.stringify(key)} added`);
          }
          break;
        case 9: {
          const marker = this.marker();
          this.splices.push({ marker, raw: this.deepText() });
          this.set(slot, marker);
          this.notes.push('deep nesting');
          break;
        }
        case 10: {
          // Duplicate keys, written as text: the object gets a marker key the text replaces.
          const parent = slot.parent;
          if (!Array.isArray(parent)) {
            const key = slot.key as string;
            const marker = this.marker();
            const other = JSON.stringify(this.swapType(old)) ?? 'null';
            this.splices.push({ marker, raw: `${JSON.stringify(key)}:${other}` });
            Object.defineProperty(parent, marker, { value: 0, enumerable: true, writable: true, configurable: true });
            this.notes.push(`duplicate key ${JSON.stringify(key)}`);
          }
          break;
        }
        case 11:
          if (typeof old === 'number') this.set(slot, pick(r, HOSTILE_NUMBERS));
          else if (typeof old === 'string' && old.length > 0) {
            // A truncated string (half a base64 run, half an escape).
            this.set(slot, old.slice(0, int(r, 0, old.length - 1)));
            this.notes.push('string cut');
          }
          break;
        case 12:
          if (!Array.isArray(slot.parent) && typeof slot.key === 'string') {
            const parent = slot.parent;
            const value = parent[slot.key];
            delete parent[slot.key];
            Object.defineProperty(parent, pick(r, HOSTILE_KEYS), { value, enumerable: true, writable: true, configurable: true });
            this.notes.push(`key ${JSON.stringify(slot.key)} renamed`);
          }
          break;
        default: {
          // Raw numbers JSON.stringify cannot write: huge exponents, long fractions.
          const marker = this.marker();
          this.splices.push({ marker, raw: pick(r, ['1e999', '-1e-999', '123456789012345678901234567890', '0.' + '1'.repeat(500), '-0.0e+0']) });
          this.set(slot, marker);
          this.notes.push('raw number');
        }
      }
    }
    return root;
  }

  serialise(root: Json): string {
    let text = JSON.stringify(root, null, pick(this.r, [0, 0, 1, 2])) ?? 'null';
    for (const { marker, raw } of this.splices) {
      // A value marker is a quoted string; a duplicate-key marker is `"marker": 0`.
      const asKey = new RegExp(`"${marker}":\\s?0`);
      if (asKey.test(text)) text = text.replace(asKey, () => raw);
      else text = text.replace(`"${marker}"`, () => raw);
    }
    return text;
  }
}

/** Offsets just after each structural character outside strings (and each string's end): where a truncated file stops. */
export function structuralBoundaries(text: string): number[] {
  const out: number[] = [0];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') {
        inString = false;
        out.push(i + 1);
      }
    } else if (c === '"') {
      out.push(i);
      inString = true;
    } else if (c === '{' || c === '}' || c === '[' || c === ']' || c === ',' || c === ':') {
      out.push(i, i + 1);
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

const INVALID_UTF8: readonly number[][] = [
  [0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf0, 0x9f, 0x98],
  [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xfe, 0xfe], [0xf4, 0x90, 0x80, 0x80],
];

/** Byte-level changes to the serialised text. */
export function mutateBytes(r: Rng, bytes: Buffer, notes: string[]): Buffer {
  const op = int(r, 0, 9);
  switch (op) {
    case 0: {
      // ~2% of the bytes changed, in the whole file or one window.
      const out = Buffer.from(bytes);
      const from = chance(r, 0.5) ? 0 : int(r, 0, out.length);
      const to = chance(r, 0.5) ? out.length : Math.min(out.length, from + int(r, 16, 4096));
      let flipped = 0;
      for (let i = from; i < to; i++) {
        if (r() < 0.02) {
          out[i] = chance(r, 0.5) ? out[i] ^ (1 << int(r, 0, 7)) : int(r, 0, 255);
          flipped++;
        }
      }
      notes.push(`${flipped} bytes flipped`);
      return out;
    }
    case 1: {
      const at = bytes.length === 0 ? 0 : int(r, 0, bytes.length);
      notes.push(`truncated at ${at}`);
      return bytes.subarray(0, at);
    }
    case 2:
    case 3: {
      // Invalid UTF-8, raw surrogate bytes, NUL or U+202E, inside a string when one is near.
      const text = bytes.toString('latin1');
      const quote = text.indexOf('"', int(r, 0, Math.max(0, text.length - 1)));
      const at = quote === -1 ? int(r, 0, bytes.length) : quote + 1;
      const insert = Buffer.from(
        pick(r, [
          ...INVALID_UTF8,
          [0x00], [0xe2, 0x80, 0xae], [0x01, 0x1f, 0x7f], Array.from(Buffer.from('\\u0000')), Array.from(Buffer.from('\\ud800')),
          Array.from(Buffer.from('\\udc00\\ud800')), Array.from(Buffer.from('\\u202e')), Array.from(Buffer.from('\\uZZZZ')), Array.from(Buffer.from('\\')),
        ]),
      );
      notes.push(`bytes ${insert.toString('hex')} at ${at}`);
      return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
    }
    case 4: {
      const wrap = int(r, 0, 5);
      notes.push(`wrapper ${wrap}`);
      if (wrap === 0) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
      if (wrap === 1) return Buffer.concat([Buffer.from('onInputData('), bytes, Buffer.from(chance(r, 0.7) ? ');' : '')]);
      if (wrap === 2) return Buffer.concat([bytes, Buffer.from(pick(r, ['\n', ' x', '\u0000', ']', '}', '\n{}', ')']))]);
      if (wrap === 3) return Buffer.concat([Buffer.from(pick(r, ['\n\n', '\u0000', 'x', ')', '{"log":'])), bytes]);
      const packed = wrap === 4 ? gzipSync(bytes) : deflateSync(bytes);
      // A compressed capture, whole or cut short.
      return chance(r, 0.5) ? packed : packed.subarray(0, int(r, 2, packed.length));
    }
    case 5: {
      // A stretch of the file repeated or removed.
      const a = int(r, 0, bytes.length);
      const b = Math.min(bytes.length, a + int(r, 1, 512));
      notes.push(chance(r, 0.5) ? `removed ${a}..${b}` : `repeated ${a}..${b}`);
      return notes[notes.length - 1].startsWith('removed')
        ? Buffer.concat([bytes.subarray(0, a), bytes.subarray(b)])
        : Buffer.concat([bytes.subarray(0, b), bytes.subarray(a, b), bytes.subarray(b)]);
    }
    case 6: {
      // Line endings: CRLF, lone CR, U+2028.
      const text = bytes.toString('utf8');
      notes.push('line endings');
      return Buffer.from(text.replace(/\n/g, pick(r, ['\r\n', '\r', '\u2028', '\n\n'])));
    }
    default:
      return bytes;
  }
}

/** A mutated JSON document: tree changes, serialised, then maybe byte changes. */
export function mutateJson(r: Rng, seedText: string, options: MutateOptions, notes: string[]): Buffer {
  let tree: Json;
  try {
    tree = JSON.parse(seedText) as Json;
  } catch {
    tree = seedText;
  }
  const m = new TreeMutator(r, options);
  const rounds = pick(r, [1, 1, 1, 2, 3, 6]);
  tree = m.mutate(tree, rounds);
  let bytes: Buffer = Buffer.from(m.serialise(tree));
  notes.push(...m.notes);
  if (chance(r, 0.4)) bytes = mutateBytes(r, bytes, notes);
  return bytes;
}

/** tshark -T ek: one JSON document per line; lines mutated, dropped, repeated or reordered. */
export function mutateNdjson(r: Rng, seedText: string, options: MutateOptions, notes: string[]): Buffer {
  let lines = seedText.split('\n');
  const rounds = pick(r, [1, 1, 2, 4]);
  for (let n = 0; n < rounds; n++) {
    const i = int(r, 0, Math.max(0, lines.length - 1));
    const op = int(r, 0, 5);
    if (op <= 2) {
      let tree: Json;
      try {
        tree = JSON.parse(lines[i]) as Json;
      } catch {
        continue;
      }
      const m = new TreeMutator(r, options);
      try {
        lines[i] = m.serialise(m.mutate(tree, pick(r, [1, 2, 3]))).replace(/\n/g, ' ');
        notes.push(`line ${i + 1}: ${m.notes.join(', ')}`);
      } catch (err) {
        // A line made deep by an earlier round: JSON.parse reads it, JSON.stringify overflows the stack.
        if (!(err instanceof RangeError)) throw err;
      }
    } else if (op === 3) {
      lines.splice(i, 1);
      notes.push(`line ${i + 1} dropped`);
    } else if (op === 4) {
      lines.splice(i, 0, ...Array<string>(pick(r, [1, 2, 500])).fill(lines[int(r, 0, lines.length - 1)] ?? ''));
      notes.push(`line repeated before ${i + 1}`);
    } else {
      lines = [...lines.slice(i), ...lines.slice(0, i)];
      notes.push(`lines rotated by ${i}`);
    }
  }
  let bytes: Buffer = Buffer.from(lines.join('\n'));
  if (chance(r, 0.4)) bytes = mutateBytes(r, bytes, notes);
  return bytes;
}

/** Change a text value (a leaf for the detectors, a header, a body) at the character level. */
export function mutateText(r: Rng, text: string, options: MutateOptions, notes: string[]): string {
  const rounds = pick(r, [1, 1, 2, 4]);
  for (let n = 0; n < rounds; n++) {
    const at = int(r, 0, text.length);
    const op = int(r, 0, 7);
    if (op <= 2) {
      text = text.slice(0, at) + pick(r, HOSTILE_STRINGS) + text.slice(at);
      notes.push('hostile insert');
    } else if (op === 3) {
      text = text.slice(0, at);
      notes.push(`cut at ${at}`);
    } else if (op === 4) {
      const unit = text.slice(at, at + int(r, 1, 40)) || 'x';
      text = text.slice(0, at) + unit.repeat(Math.max(1, Math.floor(int(r, 1, options.hugeChars) / unit.length)));
      notes.push('huge repetition');
    } else if (op === 5) {
      // Each UTF-16 unit replaced with probability 2%: lone surrogates and controls included.
      let out = '';
      for (let i = 0; i < text.length; i++) out += r() < 0.02 ? String.fromCharCode(int(r, 0, 0xffff)) : text[i];
      text = out;
      notes.push('units flipped');
    } else if (op === 6) {
      text = pick(r, ['', ' ', '\u0000', '\ud800', '\u202e', '.'.repeat(100_000), '1'.repeat(int(r, 1, 50_000)), '1-'.repeat(int(r, 1, 200_000))]);
      notes.push('replaced');
    } else {
      const id = pick(r, ['868715392756833', '460010886207782', '89860114851012345678', 'A1000049B2C3D4', '28-6C-07-C0-35-8F', 'a@b.cd', '39.908974,116.398468', '+86 138 7324 3456', '38400000-8cf0-11bd-b23e-10b96e4ef00d']);
      text = text.slice(0, at) + id + text.slice(at);
      notes.push('identifier inserted');
    }
  }
  return text;
}
