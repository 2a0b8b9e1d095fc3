// A packet as the exchange builder sees it, whichever tshark variant wrote it. Layers are only
// flattened when asked for, so the many packets that carry no HTTP, TLS or DNS cost next to nothing.
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { flattenEkLayer, flattenEkLoose, flattenJsonLayer, FlatFields, type FieldView } from './fields';

export interface PacketView {
  /** Index of the packet in the `-T json` array, or the 1-based line of an EK packet. */
  readonly index: number;
  /** 1-based line in the file (EK only). */
  readonly line?: number;
  /** JSON path of the layers object, for warnings: `$[3]._source.layers`, or `$.layers` in EK. */
  readonly layersPath: string;
  frameNumber(): number | undefined;
  /** frame.time_epoch in ms since the epoch, NaN when the variant does not say. */
  timeMs(): number;
  /** Every instance of a protocol layer (a segment can hold two `http` messages). */
  layer(name: string): FieldView[];
  hasLayer(name: string): boolean;
  /** Layers present but not objects (`"http": 5`), filled in as layers are read. */
  readonly malformed: string[];
  /** -T jsonraw: fields are hex only, there is no frame number or time. */
  readonly hexOnly: boolean;
  /** Whether `_raw` (-x) bytes are present. */
  readonly rawBytes: boolean;
}

function firstString(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return firstString(value[0]);
  return undefined;
}

function toInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** "1795307556.081022000" -> ms, keeping the sub-millisecond digits a double can hold. */
export function epochToMs(value: string | undefined): number {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return NaN;
  const [secs, frac = ''] = value.split('.');
  return Number(secs) * 1000 + Number(`0.${frac || '0'}`) * 1000;
}

function ownValue(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

abstract class BasePacket implements PacketView {
  readonly malformed: string[] = [];
  private readonly cache = new Map<string, FieldView[]>();

  constructor(
    readonly index: number,
    readonly layersPath: string,
    protected readonly layers: JsonObject,
  ) {}

  abstract frameNumber(): number | undefined;
  abstract timeMs(): number;
  abstract get hexOnly(): boolean;
  protected abstract readLayer(name: string): FieldView[];

  get rawBytes(): boolean {
    return Object.keys(this.layers).some((k) => k.endsWith('_raw'));
  }

  hasLayer(name: string): boolean {
    return ownValue(this.layers, name) !== undefined;
  }

  layer(name: string): FieldView[] {
    let views = this.cache.get(name);
    if (!views) {
      views = this.readLayer(name);
      this.cache.set(name, views);
    }
    return views;
  }

  /** A layer object, or each object of a repeated layer; anything else is recorded as malformed. */
  protected layerObjects(name: string): JsonObject[] {
    const value = ownValue(this.layers, name);
    if (value === undefined) return [];
    if (isJsonObject(value)) return [value];
    if (Array.isArray(value) && value.length > 0 && value.every(isJsonObject)) return value as JsonObject[];
    this.malformed.push(name);
    return [];
  }
}

/** `-T json`, `--no-duplicate-keys`, `-x` and `-T jsonraw`. */
export class JsonPacket extends BasePacket {
  private frameFields(): JsonObject | undefined {
    const frame = ownValue(this.layers, 'frame');
    return isJsonObject(frame) ? frame : undefined;
  }

  frameNumber(): number | undefined {
    return toInt(firstString(this.frameFields()?.['frame.number']));
  }

  timeMs(): number {
    return epochToMs(firstString(this.frameFields()?.['frame.time_epoch']));
  }

  get hexOnly(): boolean {
    const frame = this.frameFields();
    return frame !== undefined && frame['frame.number'] === undefined && frame['frame.number_raw'] !== undefined;
  }

  protected readLayer(name: string): FieldView[] {
    return this.layerObjects(name).map(flattenJsonLayer);
  }
}

/** `-T json -e field …`: layers is one flat object of field -> [values]. */
export class FieldsPacket extends BasePacket {
  private flat?: FlatFields;
  private protocols?: Set<string>;

  private fields(): FlatFields {
    this.flat ??= flattenJsonLayer(this.layers);
    return this.flat;
  }

  frameNumber(): number | undefined {
    return toInt(this.fields().first('frame.number'));
  }

  timeMs(): number {
    return epochToMs(this.fields().first('frame.time_epoch'));
  }

  get hexOnly(): boolean {
    return false;
  }

  override hasLayer(name: string): boolean {
    this.protocols ??= new Set(Object.keys(this.layers).map((k) => k.split('.')[0]));
    return this.protocols.has(name.split('.')[0]);
  }

  protected readLayer(name: string): FieldView[] {
    return this.hasLayer(name) ? [this.fields()] : [];
  }
}

/** Whether a `-T json` packet's layers are `-e` output (field -> array) rather than layer objects. */
export function isFieldsLayers(layers: JsonObject): boolean {
  let sawField = false;
  for (const [key, value] of Object.entries(layers)) {
    if (isJsonObject(value)) return false;
    if (key.includes('.')) sawField = true;
  }
  return sawField;
}

/** `-T ek` packet line: `{"timestamp": "…", "layers": {"frame": {"frame_frame_number": …}, …}}`. */
export class EkPacket extends BasePacket {
  constructor(
    readonly line: number,
    layers: JsonObject,
    private readonly timestamp: string | undefined,
  ) {
    super(line, '$.layers', layers);
  }

  private frameField(name: string): string | undefined {
    const frame = ownValue(this.layers, 'frame');
    return isJsonObject(frame) ? firstString(frame[name]) : undefined;
  }

  frameNumber(): number | undefined {
    return toInt(this.frameField('frame_frame_number'));
  }

  timeMs(): number {
    const epoch = epochToMs(this.frameField('frame_frame_time_epoch'));
    if (!Number.isNaN(epoch)) return epoch;
    return this.timestamp !== undefined && /^\d+$/.test(this.timestamp) ? Number(this.timestamp) : NaN;
  }

  get hexOnly(): boolean {
    return false;
  }

  override hasLayer(name: string): boolean {
    if (name === 'tcp.segments') return this.looseEntries().length > 0;
    return super.hasLayer(name);
  }

  protected readLayer(name: string): FieldView[] {
    // EK writes the tcp.segments tree as loose `tcp_tcp_…` keys beside the layer objects.
    if (name === 'tcp.segments') {
      const loose = this.looseEntries();
      return loose.length > 0 ? [flattenEkLoose(loose)] : [];
    }
    return this.layerObjects(name).map((obj) => flattenEkLayer(name, obj));
  }

  private looseEntries(): [string, JsonValue][] {
    return Object.entries(this.layers).filter(([key, value]) => !isJsonObject(value) && key.startsWith('tcp_tcp_'));
  }
}
