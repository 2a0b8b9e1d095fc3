// The model as plain JSON (for `leaklens inspect --json` and for tools downstream).
// Bodies become `{ text }` when they are text and `{ base64 }` otherwise, so nothing is lost.
import type { Body, Capture } from './model';

export interface SerializedBody extends Omit<Body, 'bytes'> {
  byteLength: number;
  text?: string;
  base64?: string;
}

function exactText(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function serializeBody(body: Body): SerializedBody {
  const { bytes, ...rest } = body;
  const out: SerializedBody = { ...rest, byteLength: bytes.length };
  // Text only when it round-trips exactly: a BOM is kept, and invalid UTF-8 anywhere means base64.
  const text = body.isText ? exactText(bytes) : undefined;
  if (text !== undefined) out.text = text;
  else out.base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return out;
}

export function captureToJson(capture: Capture): unknown {
  return JSON.parse(JSON.stringify(capture, (key, value: unknown) => {
    if ((key === 'body') && value && typeof value === 'object' && 'bytes' in value) return serializeBody(value as Body);
    if (typeof value === 'number' && Number.isNaN(value)) return null;
    return value;
  }));
}
