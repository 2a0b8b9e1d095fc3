// The decoding contract between the decoders (core/decode) and the scanner (core/scan.ts).
// A field value is peeled layer by layer into text leaves; detectors run on every leaf.
import type { DecodeLimitHit } from '../model';

export interface DecodeLimits {
  /** Largest output one decoding step may produce (bytes). */
  maxOutputBytes: number;
  /** Most decoding steps stacked on one value (base64 → gzip → json is 3). */
  maxDepth: number;
  /** Largest ratio of total decoded bytes to the input's bytes for one field. */
  maxRatio: number;
  /** Wall-clock budget for decoding one field (ms). */
  maxTimeMs: number;
  /** Most leaves one field may produce (a JSON array of 100k numbers is 100k leaves). */
  maxLeaves: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxOutputBytes: 16 * 1024 * 1024,
  maxDepth: 8,
  maxRatio: 200,
  maxTimeMs: 2000,
  maxLeaves: 200_000,
};

/** What the scanner hands to the decoders: one field of one exchange. */
export interface FieldInput {
  /** The field's bytes (bodies) or text (everything else). */
  bytes?: Uint8Array;
  text?: string;
  /** Name of the field: query parameter, header, cookie, form field; undefined for bodies. */
  key?: string;
  /** Content-Type of the body, when the field is a body. */
  contentType?: string;
  /** Content-Encoding still applied to the bytes, outermost last (e.g. ["gzip"]). */
  contentEncoding?: string[];
}

/** A piece of decoded text for the detectors, with how it was reached. */
export interface TextLeaf {
  text: string;
  /**
   * Decode steps from the raw field to this text, outermost first. Structure steps carry their
   * path: `json:$.device.imei`, `form:imei`, `multipart:file`, `protobuf:1.3`, `jwt:payload`.
   * Empty for the raw field itself.
   */
  chain: string[];
  /** Nearest key name for context: JSON property, form field, protobuf field number, or the field's own key. */
  key?: string;
  /** Keys from the root to this leaf (e.g. ["device", "imei"]), for context such as {lat, lon} pairs. */
  keyPath?: string[];
  /** True when the text is a JSON number or boolean written without quotes. */
  unquoted?: boolean;
}

export interface DecodeResult {
  leaves: TextLeaf[];
  /** Bounds that stopped a decoder, with the chain where it happened. */
  limits: Pick<DecodeLimitHit, 'chain' | 'limit' | 'detail'>[];
}
