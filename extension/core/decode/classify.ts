// Is what came out of a guessed decoding (base64, hex) worth keeping? Only text, compressed data
// or a protobuf message that parses whole; anything else means the guess was wrong.
import { isCleanText } from './bytes';
import { sniffCompression } from './compression';
import { parseProtobuf, plausibleUndeclared } from './protobuf';
import type { Child } from './step';

/** Shortest decoded text kept (a 12-character base64 run gives 9 bytes). */
const MIN_TEXT_BYTES = 4;

export function classifyDecoded(bytes: Buffer, step: string): Child | undefined {
  if (sniffCompression(bytes)) return { step, bytes };
  if (bytes.length >= MIN_TEXT_BYTES && isCleanText(bytes)) return { step, text: bytes.toString('utf8') };
  const message = parseProtobuf(bytes);
  if (message && plausibleUndeclared(message)) return { step, bytes };
  return undefined;
}
