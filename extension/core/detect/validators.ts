// Check digits and plausibility checks used by the identifier detectors (see shared identifiers.md).

/** Luhn over decimal digits (IMEI, ICCID). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Luhn check digit computed over hexadecimal digits, as MEID uses (3GPP2 S.R0048). */
export function meidCheckDigit(hex14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = parseInt(hex14[13 - i], 16);
    if (i % 2 === 0) {
      d *= 2;
      sum += Math.floor(d / 16) + (d % 16);
    } else sum += d;
  }
  return ((16 - (sum % 16)) % 16).toString(16).toUpperCase();
}

/**
 * GSMA reporting-body identifiers that start a real TAC (the IMEI's first two digits).
 * A Luhn-valid 15-digit number outside these is more likely a card or order number.
 */
const REPORTING_BODIES = new Set(['01', '10', '30', '33', '35', '44', '45', '49', '50', '51', '52', '53', '54', '86', '91', '98', '99']);

export function plausibleTac(digits: string): boolean {
  return REPORTING_BODIES.has(digits.slice(0, 2));
}

/** A run of one repeated digit or a simple ascending run is a placeholder, not an identifier. */
export function isPlaceholderDigits(digits: string): boolean {
  if (/^(\d)\1+$/.test(digits)) return true;
  return '01234567890123456789'.includes(digits) || '98765432109876543210'.includes(digits);
}

/** Luhn check digit for a digit payload. */
export function luhnCheckDigit(payload: string): string {
  let sum = 0;
  for (let i = payload.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = payload.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}
