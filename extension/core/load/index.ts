import { readFileSync } from 'node:fs';
import type { Capture } from '../model';
import { CaptureLoadError } from './errors';
import { loadHar } from './har';
import { JsonSyntaxError, isJsonObject, parseJson, type JsonValue } from './json';
import { lineColumnOf, sniffFormat, unwrap, type Unwrapped } from './sniff';
import { loadTsharkEk, loadTsharkJson } from './tshark';

export { CaptureLoadError } from './errors';

/**
 * Open a capture from its bytes. Throws CaptureLoadError when the file cannot be opened at all;
 * everything less than that becomes a warning on the returned capture.
 */
export function loadCapture(bytes: Uint8Array, file: string): Capture {
  const unwrapped = unwrap(bytes, file);
  const format = sniffFormat(unwrapped, file);
  const capture: Capture = {
    source: { name: file, byteLength: bytes.length, wrappers: unwrapped.wrappers },
    format,
    exchanges: [],
    warnings: [],
    dns: [],
    pages: [],
  };
  if (unwrapped.invalidUtf8) {
    capture.warnings.push({
      code: 'invalid-utf8',
      severity: 'warning',
      message: 'the file is not valid UTF-8; invalid bytes were replaced with U+FFFD',
    });
  }

  if (format === 'tshark-ek') {
    const result = loadTsharkEk(unwrapped.text, file);
    Object.assign(capture, { exchanges: result.exchanges, dns: result.dns });
    for (const item of result.warnings) capture.warnings.push(item);
    capture.source.variant = result.variant;
    capture.source.wrappers.push('ndjson');
    capture.source.producer = { name: 'tshark', comment: '-T ek' };
    return capture;
  }

  const { value, duplicateKeyCount } = parseDocument(unwrapped, file, format === 'tshark-json');
  if (format === 'tshark-json') {
    if (!Array.isArray(value)) {
      throw new CaptureLoadError(file, 'tshark -T json output must be an array', { jsonPath: '$' }, 'an array of packets');
    }
    const result = loadTsharkJson(value, duplicateKeyCount);
    Object.assign(capture, { exchanges: result.exchanges, dns: result.dns });
    for (const item of result.warnings) capture.warnings.push(item);
    capture.source.variant = result.variant;
    capture.source.producer = { name: 'tshark', comment: '-T json' };
    return capture;
  }

  if (!isJsonObject(value)) {
    throw new CaptureLoadError(file, 'a HAR file must be a JSON object', { jsonPath: '$' }, '{"log": {…}}');
  }
  const har = loadHar(value, file);
  capture.exchanges = har.exchanges;
  capture.pages = har.pages;
  for (const item of har.warnings) capture.warnings.push(item);
  Object.assign(capture.source, har.source);
  return capture;
}

function parseDocument(unwrapped: Unwrapped, file: string, keepDuplicates: boolean): { value: JsonValue; duplicateKeyCount: number } {
  try {
    if (!keepDuplicates) {
      // JSON.parse is several times faster; ours is only needed to locate its errors.
      try {
        return { value: JSON.parse(unwrapped.text) as JsonValue, duplicateKeyCount: 0 };
      } catch {
        return parseJson(unwrapped.text);
      }
    }
    return parseJson(unwrapped.text, { duplicateKeys: 'collect' });
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      const { line, column } = lineColumnOf(unwrapped, err.offset);
      throw new CaptureLoadError(file, `invalid JSON (found ${err.found})`, { line, column }, err.expected);
    }
    throw err;
  }
}

/** Read and open a capture from disk. The file is only ever read. */
export function loadCaptureFile(path: string): Capture {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CaptureLoadError(path, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const capture = loadCapture(bytes, path);
  capture.source.name = path;
  return capture;
}
