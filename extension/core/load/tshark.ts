// tshark exports -> exchanges. Every variant (-T json with or without duplicate keys, -x,
// -T jsonraw, -T json -e, -T ek) is turned into PacketViews with one field interface, and one
// collector builds the exchanges from them (see tshark/).
import { isJsonObject, type JsonObject, type JsonValue } from './json';
import { TsharkCollector, type TsharkLoadResult } from './tshark/collect';
import { EkPacket, FieldsPacket, isFieldsLayers, JsonPacket } from './tshark/packets';

export type { TsharkLoadResult } from './tshark/collect';

/** The `_source.layers` of a `-T json` packet, or a warning saying what is wrong with it. */
function packetLayers(packet: JsonValue, index: number, collector: TsharkCollector): JsonObject | undefined {
  const problem = (jsonPath: string, what: string): undefined => {
    collector.warn({
      code: 'tshark-malformed-packet',
      severity: 'warning',
      message: `packet ${index} ${what}; it was skipped`,
      location: { jsonPath, frame: index + 1 },
    });
    return undefined;
  };
  if (!isJsonObject(packet)) return problem(`$[${index}]`, 'is not an object');
  const source = packet._source;
  if (!isJsonObject(source)) return problem(`$[${index}]._source`, 'has no "_source" object');
  const layers = source.layers;
  if (!isJsonObject(layers)) return problem(`$[${index}]._source.layers`, 'has no "_source.layers" object');
  return layers;
}

/**
 * Reads `tshark -T json` packets one at a time: the full load feeds it the parsed array, the
 * streaming loader each packet as it is cut from the file.
 */
export class TsharkJsonReader {
  private readonly collector = new TsharkCollector();
  private fieldsPackets = 0;

  add(packet: JsonValue, i: number): void {
    const layers = packetLayers(packet, i, this.collector);
    if (!layers) return;
    const path = `$[${i}]._source.layers`;
    if (isFieldsLayers(layers)) {
      this.fieldsPackets++;
      this.collector.add(new FieldsPacket(i, path, layers), i + 1);
    } else {
      this.collector.add(new JsonPacket(i, path, layers), i + 1);
    }
  }

  finish(duplicateKeyCount: number): TsharkLoadResult {
    if (this.fieldsPackets > 0) {
      this.collector.warn({
        code: 'tshark-fields-only',
        severity: 'info',
        message: `this is tshark -T json -e output: only the exported fields are here (${this.fieldsPackets} packets), so headers, responses and exact body bytes are missing unless they were exported`,
      });
    }
    return this.collector.finish(duplicateKeyCount > 0);
  }
}

/** `tshark -T json` (with or without duplicate keys, with or without -x): the parsed array of packets. */
export function loadTsharkJson(packets: JsonValue[], duplicateKeyCount: number): TsharkLoadResult {
  const reader = new TsharkJsonReader();
  for (let i = 0; i < packets.length; i++) reader.add(packets[i], i);
  return reader.finish(duplicateKeyCount);
}

function badLine(collector: TsharkCollector, line: number, why: string): void {
  collector.warn({
    code: 'tshark-ek-bad-line',
    severity: 'warning',
    message: `line ${line} ${why}; it was skipped`,
    location: { line, column: 1 },
  });
}

/** Reads `tshark -T ek` lines one at a time (the full load splits the text, the streaming loader the bytes). */
export class TsharkEkReader {
  private readonly collector = new TsharkCollector();
  private packets = 0;

  /** One line of the file, as text, with its 1-based number. */
  line(raw: string, lineNumber: number): void {
    const line = raw.trim();
    if (line === '') return;
    const collector = this.collector;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      badLine(collector, lineNumber, `is not valid JSON (${(err as Error).message})`);
      return;
    }
    if (isJsonObject(value) && isJsonObject(value.index)) return; // Elasticsearch bulk index line
    const layers = isJsonObject(value) ? value.layers : undefined;
    if (!isJsonObject(value) || !isJsonObject(layers)) {
      badLine(collector, lineNumber, 'is neither an index line nor a packet with "layers"');
      return;
    }
    this.packets++;
    const timestamp = typeof value.timestamp === 'string' ? value.timestamp : undefined;
    collector.add(new EkPacket(lineNumber, layers, timestamp), this.packets);
  }

  finish(): TsharkLoadResult {
    return this.collector.finish(false);
  }
}

/** `tshark -T ek`: NDJSON text, index lines and packet lines. */
export function loadTsharkEk(text: string, _file: string): TsharkLoadResult {
  const reader = new TsharkEkReader();
  let lineNumber = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end);
    start = end + 1;
    lineNumber++;
    reader.line(line, lineNumber);
  }
  return reader.finish();
}
