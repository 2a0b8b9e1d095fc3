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
/** Without `next`, only whether the data is valid (no error object is built). */
type HarValidate = (data: unknown, next?: (err: { errors?: AjvError[] } | null, valid: boolean) => void) => boolean;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const harValidator = require('har-validator/lib/async') as { har: HarValidate; entry: HarValidate };

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

function schemaErrors(doc: unknown, validate: HarValidate = harValidator.har): AjvError[] {
  let errors: AjvError[] = [];
  // har-validator wraps the errors in an Error: its stack, never used, is most of the cost of a
  // failed check when entries are checked one by one.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    validate(doc, (err) => {
      errors = err?.errors ?? [];
    });
  } finally {
    Error.stackTraceLimit = limit;
  }
  return errors;
}

/**
 * Errors of one entry as checking it inside a document reports them, with paths under
 * `.log.entries[0]`. An object (or array) entry is checked against the entry schema alone,
 * which `log.entries` refers to: the same errors, with paths relative to the entry, and no
 * errors about the document around it; a valid entry (the common case) costs one check and no
 * error object. har-validator reads a falsy value as `{}`: those are checked in a document.
 */
function entryErrors(entry: unknown, own: string): AjvError[] {
  if (typeof entry !== 'object' || entry === null) {
    return schemaErrors({ log: { entries: [entry] } }).filter((e) => {
      const path = e.dataPath ?? e.instancePath ?? '';
      return path === own || path.startsWith(own + '.') || path.startsWith(own + '[');
    });
  }
  if (harValidator.entry(entry)) return [];
  const errors = schemaErrors(entry, harValidator.entry);
  for (const e of errors) {
    e.dataPath = own + (e.dataPath ?? e.instancePath ?? '');
    delete e.instancePath;
  }
  return errors;
}

function toWarnings(violations: readonly Violation[], total: number): LoadWarning[] {
  const warnings: LoadWarning[] = violations.slice(0, MAX_SCHEMA_WARNINGS).map(({ path, message }) => {
    const entry = /^\$\.log\.entries\[(\d+)\]/.exec(path);
    return {
      code: 'har-schema',
      severity: 'warning',
      message: `HAR schema: ${message}`,
      location: { jsonPath: path, ...(entry ? { entryIndex: Number(entry[1]) } : {}) },
    };
  });
  if (total > MAX_SCHEMA_WARNINGS) {
    warnings.push({
      code: 'har-schema-more',
      severity: 'warning',
      message: `HAR schema: ${total - MAX_SCHEMA_WARNINGS} more violations not listed`,
      location: { jsonPath: '$' },
    });
  }
  return warnings;
}

export function validateHarSchema(doc: JsonObject): LoadWarning[] {
  const violations = foldAlternatives(schemaErrors(doc));
  return toWarnings(violations, violations.length);
}

/**
 * The same check as validateHarSchema, for a HAR read one entry at a time, with the same
 * warnings in the same order. Each entry is checked in the place it has in a document (so ajv
 * reports the same paths and, for a null entry, the same error); the rest of the document is
 * checked at the end with its entries cut out. ajv (allErrors) reports a log's properties in the
 * schema's order (version, creator, browser, pages, entries, comment), so the skeleton's errors
 * about `comment` go after the entries' and all others before. Folding oneOf/anyOf never reaches
 * across entries: no alternative in the schema sits above an entry.
 */
export class HarSchemaCollector {
  private readonly entryViolations: Violation[] = [];
  private entryViolationCount = 0;

  addEntry(entry: unknown, index: number): void {
    const own = '.log.entries[0]';
    const errors = entryErrors(entry, own);
    if (errors.length === 0) return;
    const at = `.log.entries[${index}]`;
    for (const e of errors) {
      const path = e.dataPath ?? e.instancePath ?? '';
      e.dataPath = at + path.slice(own.length);
      delete e.instancePath;
    }
    for (const v of foldAlternatives(errors)) {
      this.entryViolationCount++;
      // Only the first MAX_SCHEMA_WARNINGS can be listed, whatever the skeleton adds.
      if (this.entryViolations.length < MAX_SCHEMA_WARNINGS) this.entryViolations.push(v);
    }
  }

  /** `skeleton`: the document with `log.entries` emptied (or as it was, when not an array). */
  finish(skeleton: JsonObject): LoadWarning[] {
    const rest = foldAlternatives(schemaErrors(skeleton));
    const after = (v: Violation): boolean => v.path === '$.log.comment' || v.path.startsWith('$.log.comment.');
    const before = rest.filter((v) => !after(v));
    const last = rest.filter(after);
    const total = before.length + this.entryViolationCount + last.length;
    return toWarnings([...before, ...this.entryViolations, ...last], total);
  }
}
