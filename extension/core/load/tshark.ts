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

/** `tshark -T json` (with or without duplicate keys, with or without -x): the parsed array of packets. */
export function loadTsharkJson(packets: JsonValue[], duplicateKeyCount: number): TsharkLoadResult {
  const collector = new TsharkCollector();
  let fieldsPackets = 0;
  for (let i = 0; i < packets.length; i++) {
    const layers = packetLayers(packets[i], i, collector);
    if (!layers) continue;
    const path = `$[${i}]._source.layers`;
    if (isFieldsLayers(layers)) {
      fieldsPackets++;
      collector.add(new FieldsPacket(i, path, layers), i + 1);
    } else {
      collector.add(new JsonPacket(i, path, layers), i + 1);
    }
  }
  if (fieldsPackets > 0) {
    collector.warn({
      code: 'tshark-fields-only',
      severity: 'info',
      message: `this is tshark -T json -e output: only the exported fields are here (${fieldsPackets} packets), so headers, responses and exact body bytes are missing unless they were exported`,
    });
  }
  return collector.finish(duplicateKeyCount > 0);
}

function badLine(collector: TsharkCollector, line: number, why: string): void {
  collector.warn({
    code: 'tshark-ek-bad-line',
    severity: 'warning',
    message: `line ${line} ${why}; it was skipped`,
    location: { line, column: 1 },
  });
}

/** `tshark -T ek`: NDJSON text, index lines and packet lines. */
export function loadTsharkEk(text: string, _file: string): TsharkLoadResult {
  const collector = new TsharkCollector();
  let packets = 0;
  let lineNumber = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end).trim();
    start = end + 1;
    lineNumber++;
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      badLine(collector, lineNumber, `is not valid JSON (${(err as Error).message})`);
      continue;
    }
    if (isJsonObject(value) && isJsonObject(value.index)) continue; // Elasticsearch bulk index line
    const layers = isJsonObject(value) ? value.layers : undefined;
    if (!isJsonObject(value) || !isJsonObject(layers)) {
      badLine(collector, lineNumber, 'is neither an index line nor a packet with "layers"');
      continue;
    }
    packets++;
    const timestamp = typeof value.timestamp === 'string' ? value.timestamp : undefined;
    collector.add(new EkPacket(lineNumber, layers, timestamp), packets);
  }
  return collector.finish(false);
}
