import type { SourceLocation } from '../model';

/**
 * A capture that cannot be opened at all. The message names the file, the place and what was
 * expected, so a researcher can find the problem without a debugger.
 */
export class CaptureLoadError extends Error {
  override readonly name = 'CaptureLoadError';

  constructor(
    readonly file: string,
    readonly reason: string,
    readonly location?: SourceLocation,
    readonly expected?: string,
  ) {
    super(formatLoadError(file, reason, location, expected));
  }
}

export function formatLocation(location: SourceLocation | undefined): string {
  if (!location) return '';
  const parts: string[] = [];
  if (location.line !== undefined) {
    parts.push(`line ${location.line}${location.column !== undefined ? `, column ${location.column}` : ''}`);
  }
  if (location.jsonPath) parts.push(location.jsonPath);
  if (location.entryIndex !== undefined && !location.jsonPath) parts.push(`entry ${location.entryIndex}`);
  if (location.frame !== undefined) parts.push(`frame ${location.frame}`);
  return parts.join(', ');
}

function formatLoadError(file: string, reason: string, location?: SourceLocation, expected?: string): string {
  const where = formatLocation(location);
  return `${file}${where ? ` (${where})` : ''}: ${reason}${expected ? `; expected ${expected}` : ''}`;
}
