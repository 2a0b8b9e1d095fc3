// One way to read a tshark protocol layer, whatever the output variant wrote:
//  - `-T json` repeats keys; our parser collects repeats into arrays (like --no-duplicate-keys);
//  - `-x` adds `<field>_raw: [hex, offset, length, bitmask, type]` beside each field;
//  - `-T jsonraw` writes only the `_raw` tuples;
//  - `-T ek` flattens a layer to `<layer>_<field with dots as underscores>` keys;
//  - `-e field` writes `field: [values]` with no layers at all.
// A layer is flattened once into field -> values (in document order, subtrees included), so the
// exchange builder asks for `http.request.line` and gets every value in every variant.
import type { JsonValue } from '../json';
import { hexToBytes } from './hex';

export interface FieldView {
  /** Every value of the field, in document order; [] when absent. */
  all(field: string): string[];
  /** The first value of the field. */
  first(field: string): string | undefined;
  /** The `-x` / jsonraw hex of every occurrence of the field (empty strings dropped). */
  rawHex(field: string): string[];
  /** Whether the field occurs as text or raw hex. */
  has(field: string): boolean;
}

/** Nesting deeper than this is not tshark's; it is ignored rather than recursed into. */
const MAX_DEPTH = 64;

/** A `-x` raw tuple: [hex, offset, length, bitmask, type]. */
function isRawTuple(value: JsonValue[]): boolean {
  return value.length >= 2 && typeof value[0] === 'string' && typeof value[1] === 'number';
}

export class FlatFields implements FieldView {
  private readonly values = new Map<string, string[]>();
  private readonly raws = new Map<string, string[]>();

  /** @param keyOf maps a dotted field name to the key it is stored under (EK uses underscores). */
  constructor(private readonly keyOf: (field: string) => string = (f) => f) {}

  all(field: string): string[] {
    const key = this.keyOf(field);
    const text = this.values.get(key);
    if (text) return text;
    // jsonraw: only hex is there; decode the few fields whose encoding we know.
    const decode = RAW_DECODERS[field];
    const raw = this.raws.get(key);
    if (!decode || !raw) return [];
    return raw.map(decode).filter((v): v is string => v !== undefined);
  }

  first(field: string): string | undefined {
    return this.all(field)[0];
  }

  rawHex(field: string): string[] {
    return this.raws.get(this.keyOf(field)) ?? [];
  }

  has(field: string): boolean {
    const key = this.keyOf(field);
    return this.values.has(key) || this.raws.has(key);
  }

  addText(key: string, value: string): void {
    const list = this.values.get(key);
    if (list) list.push(value);
    else this.values.set(key, [value]);
  }

  addRaw(key: string, hex: string): void {
    // Generated fields (frame.number, tcp.stream, http.request_in…) have no bytes: "" in jsonraw.
    if (hex === '') return;
    const list = this.raws.get(key);
    if (list) list.push(hex);
    else this.raws.set(key, [hex]);
  }

  /** Add one key/value of a tshark object, descending into subtrees. */
  add(key: string, value: JsonValue, depth = 0): void {
    if (depth > MAX_DEPTH) return;
    if (typeof value === 'string') this.addText(key, value);
    else if (typeof value === 'number' || typeof value === 'boolean') this.addText(key, String(value));
    else if (value === null) this.addText(key, '');
    else if (Array.isArray(value)) {
      if (key.endsWith('_raw') && isRawTuple(value)) this.addRaw(key.slice(0, -4), value[0] as string);
      else for (const item of value) this.add(key, item, depth + 1);
    } else {
      for (const [k, v] of Object.entries(value)) this.add(this.normalise(k), v, depth + 1);
    }
  }

  /** Key normalisation hook for subclasses (EK strips the layer prefix). */
  protected normalise(key: string): string {
    return key;
  }
}

/** Flatten a `-T json` / `-x` / jsonraw layer object. */
export function flattenJsonLayer(layer: JsonValue): FlatFields {
  const flat = new FlatFields();
  flat.add('', layer);
  return flat;
}

/** `-T ek` keys are `<layer>_<field, dots as underscores>`: store them without the prefix. */
class EkFields extends FlatFields {
  constructor(private readonly prefix: string) {
    super((field) => field.replace(/\./g, '_'));
  }

  protected override normalise(key: string): string {
    return key.startsWith(this.prefix) ? key.slice(this.prefix.length) : key;
  }
}

/** Flatten one `-T ek` layer object (e.g. `layers.http`). */
export function flattenEkLayer(name: string, layer: JsonValue): FlatFields {
  const flat = new EkFields(`${name}_`);
  flat.add('', layer);
  return flat;
}

/**
 * EK writes some fields straight under `layers` instead of in a layer object: the `tcp.segments`
 * tree becomes `tcp_tcp_reassembled_data` etc. Each such key is `<proto>_<field>`.
 */
export function flattenEkLoose(entries: [string, JsonValue][]): FlatFields {
  const flat = new FlatFields((field) => field.replace(/\./g, '_'));
  for (const [key, value] of entries) {
    const cut = key.indexOf('_');
    flat.add(cut === -1 ? key : key.slice(cut + 1), value);
  }
  return flat;
}

// ---- jsonraw: decoding the bytes of a field whose text tshark did not write ----

const utf8 = new TextDecoder('utf-8', { fatal: false });

function text(hex: string): string | undefined {
  const bytes = hexToBytes(hex);
  return bytes && utf8.decode(bytes);
}

function ipv4(hex: string): string | undefined {
  const b = hexToBytes(hex);
  if (b?.length !== 4) return undefined;
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

function ipv6(hex: string): string | undefined {
  if (hexToBytes(hex)?.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
  // RFC 5952: the longest run (of 2 or more) of zero groups becomes `::`.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function uint(hex: string): string | undefined {
  return /^[0-9a-fA-F]{1,12}$/.test(hex) ? String(parseInt(hex, 16)) : undefined;
}

/** A DNS name in wire form (length-prefixed labels); compression pointers cannot be followed here. */
function dnsName(hex: string): string | undefined {
  const b = hexToBytes(hex);
  if (!b) return undefined;
  const labels: string[] = [];
  let i = 0;
  while (i < b.length && b[i] !== 0) {
    const len = b[i];
    if (len >= 0xc0 || i + 1 + len > b.length) return undefined;
    labels.push(utf8.decode(b.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  return labels.join('.');
}

/** Fields the loader reads, with how their raw bytes spell the value tshark would have written. */
const RAW_DECODERS: Record<string, ((hex: string) => string | undefined) | undefined> = {
  'ip.src': ipv4,
  'ip.dst': ipv4,
  'ipv6.src': ipv6,
  'ipv6.dst': ipv6,
  'tcp.srcport': uint,
  'tcp.dstport': uint,
  'http.request.method': text,
  'http.request.uri': text,
  'http.request.version': text,
  'http.request.line': text,
  'http.response.line': text,
  'http.response.version': text,
  'http.response.code': text,
  'http.response.phrase': text,
  'tls.handshake.extensions_server_name': text,
  'dns.qry.name': dnsName,
  'dns.a': ipv4,
  'dns.aaaa': ipv6,
};
