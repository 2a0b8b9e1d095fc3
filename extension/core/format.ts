// Numbers as people read them, shared by the host (detail titles) and the webview (table cells):
// plain functions with no Node or DOM dependency.

/** Byte count as DevTools shows it: 1000-based kB/MB ("340 B", "1.2 kB"); "—" when unknown (negative). */
export function formatBytes(n: number): string {
  if (!(n >= 0)) return '—';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
