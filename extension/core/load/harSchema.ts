// Schema check with har-validator (the HAR 1.2 JSON schema). Its synchronous entry point is used
// so loading stays synchronous; each violation becomes a warning with a JSON path.
import type { LoadWarning } from '../model';
import type { JsonObject } from './json';

// har-validator ships no types; this is the part of its callback API we use.
interface AjvError {
  dataPath?: string;
  instancePath?: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}
type HarValidate = (data: unknown, next: (err: { errors?: AjvError[] } | null, valid: boolean) => void) => boolean;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const harValidator = require('har-validator/lib/async') as { har: HarValidate };

/** Beyond this many, schema warnings are summarised: a broken producer should not bury the rest. */
export const MAX_SCHEMA_WARNINGS = 100;

/** ajv's `.log.entries[0].request['x']` → `$.log.entries[0].request.x` */
function toJsonPath(dataPath: string): string {
  return '$' + dataPath.replace(/\['([^']*)'\]/g, '.$1');
}

function describe(error: AjvError): string {
  const p = error.params ?? {};
  if (error.keyword === 'required' && typeof p.missingProperty === 'string') {
    return `missing required property "${p.missingProperty.replace(/^\./, '')}"`;
  }
  if (error.keyword === 'type' && typeof p.type === 'string') return `should be ${p.type}`;
  if (error.keyword === 'additionalProperties' && typeof p.additionalProperty === 'string') {
    return `unexpected property "${p.additionalProperty}"`;
  }
  return error.message ?? error.keyword;
}

interface Violation {
  path: string;
  message: string;
}

/**
 * ajv reports each failed branch of a oneOf/anyOf before the oneOf itself; a researcher wants one
 * line per place, so the branch errors under that place are folded into it.
 */
function foldAlternatives(errors: readonly AjvError[]): Violation[] {
  const out: Violation[] = [];
  for (const error of errors) {
    const path = toJsonPath(error.dataPath ?? error.instancePath ?? '');
    if (error.keyword !== 'oneOf' && error.keyword !== 'anyOf') {
      out.push({ path, message: describe(error) });
      continue;
    }
    const branches: string[] = [];
    while (out.length > 0) {
      const last = out[out.length - 1];
      if (last.path !== path && !last.path.startsWith(path + '.') && !last.path.startsWith(path + '[')) break;
      out.pop();
      const where = last.path.slice(path.length).replace(/^\./, '');
      branches.unshift(where ? `${where} ${last.message}` : last.message);
    }
    const detail = [...new Set(branches)].join('; ');
    out.push({ path, message: `matches none of the allowed forms${detail ? ` (${detail.slice(0, 300)})` : ''}` });
  }
  return out;
}

export function validateHarSchema(doc: JsonObject): LoadWarning[] {
  let errors: AjvError[] = [];
  harValidator.har(doc, (err) => {
    errors = err?.errors ?? [];
  });
  const violations = foldAlternatives(errors);
  const warnings: LoadWarning[] = violations.slice(0, MAX_SCHEMA_WARNINGS).map(({ path, message }) => {
    const entry = /^\$\.log\.entries\[(\d+)\]/.exec(path);
    return {
      code: 'har-schema',
      severity: 'warning',
      message: `HAR schema: ${message}`,
      location: { jsonPath: path, ...(entry ? { entryIndex: Number(entry[1]) } : {}) },
    };
  });
  if (violations.length > MAX_SCHEMA_WARNINGS) {
    warnings.push({
      code: 'har-schema-more',
      severity: 'warning',
      message: `HAR schema: ${violations.length - MAX_SCHEMA_WARNINGS} more violations not listed`,
      location: { jsonPath: '$' },
    });
  }
  return warnings;
}
