// What one decoding step hands back to the driver (index.ts). Decoders are pure functions of their
// input: they never see the chain above them, so the driver can attach chain, key and keyPath.
import type { DecodeLimitHit } from '../model';

export type LimitKind = DecodeLimitHit['limit'];

/** One layer peeled off a value: text for the detectors (and further decoding), or bytes to decode further. */
export interface Child {
  /** Chain step naming how this layer was reached: `base64`, `gzip`, `json:$.a[0]`, `form:imei`, … */
  step: string;
  text?: string;
  bytes?: Uint8Array;
  /** Nearest key name; when absent the parent's key carries over. */
  key?: string;
  /** Keys below the parent, appended to the parent's keyPath (e.g. ["device", "imei"]). */
  keys?: string[];
  /** A JSON number or boolean, or a protobuf number: written without quotes. */
  unquoted?: boolean;
  /** Emit as a leaf, do not try to decode further (numbers, booleans). */
  final?: boolean;
  /** Content-Type of these bytes when known (multipart parts). */
  contentType?: string;
  /** These bytes already failed to parse as protobuf; do not try again. */
  notProtobuf?: boolean;
}

/** A bound that stopped a decoding step, relative to the node being decoded. */
export interface Issue {
  step: string;
  limit: LimitKind;
  detail: string;
}

/** How much one step may still produce, and which bound that number comes from. */
export interface OutputCap {
  bytes: number;
  limit: LimitKind;
}

export function capDetail(what: string, cap: OutputCap, wouldBe?: number): string {
  const size = wouldBe === undefined ? '' : ` (${wouldBe} bytes)`;
  return cap.limit === 'max-ratio'
    ? `${what}${size} would exceed the field's decoded-size budget (${cap.bytes} bytes left)`
    : `${what}${size} exceeded ${cap.bytes} bytes`;
}
