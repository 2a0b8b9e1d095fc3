/** `["base64","gzip","json:$.imei"]` → `base64 → gzip → json:$.imei`; the raw field reads `raw`. */
export function chainText(chain: readonly string[]): string {
  return chain.length === 0 ? 'raw' : chain.join(' → ');
}
