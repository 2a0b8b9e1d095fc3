// application/x-www-form-urlencoded: `k=v&k=v`, `+` for space, %XX escapes. Used for bodies that
// say so, and for any text that is wholly `k=v(&k=v)*` with name-like keys.
import { percentDecode } from './url';

export interface FormField {
  name: string;
  value: string;
}

// Keys of undeclared forms: word characters and `. - [ ] % + * ~ ! $ |` — no `/ ? : #` (URLs) and
// no `( ) , ; '` (code, cookie strings).
const KEY = /^[\w.\-[\]%+*~!$|]{1,128}$/;
const ONLY_EQUALS = /^=+$/;
const WHITESPACE = /\s/;

export function isFormContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /application\/x-www-form-urlencoded/i.test(contentType);
}

// A base64 value sent without escaping its `+` (common in apps): keep the `+`. Written `X{15}X+`,
// not `X{16,}`: V8's regexp overflows its backtracking stack on `{n,}` over a run of ~10 M characters.
const BARE_BASE64 = /^(?=[^+]*\+)(?=\D*\d)[A-Za-z0-9+/]{15}[A-Za-z0-9+/]+={0,2}$/;

export function decodeFormComponent(s: string): string {
  const spaced = s.indexOf('+') === -1 || BARE_BASE64.test(s) ? s : s.replace(/\+/g, ' ');
  return spaced.indexOf('%') === -1 ? spaced : percentDecode(spaced);
}

/**
 * The fields of a form, or undefined when the text is not one. `declared` (the Content-Type says
 * form) accepts any `&`-separated text; otherwise every pair needs a name-like key and `=`, and a
 * lone `x=` or base64 padding (`YWJjZA==`) does not count.
 */
export function parseForm(text: string, declared: boolean): FormField[] | undefined {
  let body = text;
  if (declared) body = body.trim();
  else if (body.length < 3 || body.indexOf('=') < 1 || WHITESPACE.test(body)) return undefined;
  const fields: FormField[] = [];
  let nonEmpty = 0;
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq === -1) {
      if (!declared) return undefined;
      fields.push({ name: decodeFormComponent(pair), value: '' });
      continue;
    }
    const rawName = pair.slice(0, eq);
    const rawValue = pair.slice(eq + 1);
    if (!declared && (!KEY.test(rawName) || ONLY_EQUALS.test(rawValue))) return undefined;
    if (rawValue !== '') nonEmpty++;
    fields.push({ name: decodeFormComponent(rawName), value: decodeFormComponent(rawValue) });
  }
  if (fields.length === 0 || (!declared && nonEmpty === 0)) return undefined;
  return fields;
}
