import { hintsAt, keyReason, type Detection, type LeafContext } from './types';

// The domain's labels are bounded ({1,126}, as DNS bounds them): an open `+` on that group
// overflowed V8's regexp stack on a text of a million `example.com0x` (found by the fuzzer).
const EMAIL = /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,126}[A-Za-z]{2,24}(?![\w-])/g;

/** Mailboxes of services and software, not of a person. */
const ROLE_LOCAL_PART = /^(no-?reply|do-?not-?reply|support|info|admin|webmaster|postmaster|abuse|git|root|noc|security|privacy|hello|contact|sales|help)$/i;

export function detectEmail(text: string, ctx: LeafContext): Detection[] {
  if (!text.includes('@')) return [];
  const out: Detection[] = [];
  for (const m of text.matchAll(EMAIL)) {
    const matched = m[0];
    const start = m.index ?? 0;
    const [local, domain] = matched.split('@');
    if (local.includes('..') || domain.includes('..')) continue;
    // `name@2x.png`-style asset names and package coordinates are not addresses.
    if (/\.(png|jpe?g|gif|svg|webp|js|css)$/i.test(domain)) continue;
    const { hints, key } = hintsAt(text, start, start + matched.length, ctx);
    const keyed = hints.has('email');
    const role = ROLE_LOCAL_PART.test(local);
    const reasons = ['address syntax (RFC 5322 subset)'];
    if (role) reasons.push('role or service mailbox, not a person');
    if (keyed) reasons.push(keyReason(key));
    out.push({
      kind: 'email', value: matched.toLowerCase(), matchedText: matched, start, end: start + matched.length,
      confidence: role ? 'low' : keyed ? 'high' : 'medium', detector: 'email', reasons,
    });
  }
  return out;
}
