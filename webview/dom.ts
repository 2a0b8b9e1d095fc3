// DOM helpers. Capture content is attacker-controlled: it only ever reaches the page as
// textContent (or as a property such as `title`), never as markup.

type Child = Node | string | null | undefined | false;

/** Create an element with classes, properties/attributes and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; attrs?: Record<string, string>; title?: string } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.title !== undefined) el.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

/** A codicon, e.g. icon('warning'). Decorative unless given a label. */
export function icon(name: string, label?: string): HTMLElement {
  const el = h('span', { class: `codicon codicon-${name}` });
  if (label) {
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', label);
  } else {
    el.setAttribute('aria-hidden', 'true');
  }
  return el;
}

// Bidi controls, zero-width and other invisible or line-breaking format characters: soft hyphen,
// Mongolian vowel separator, line and paragraph separators, tag characters (U+E0000–E007F, as
// surrogate pairs), the BOM.
const BIDI_OR_INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\udb40[\udc00-\udc7f]/g;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;
// C1 controls have no Control Pictures.
const C1_CONTROL = /[\u0080-\u009f]/g;
// Half a surrogate pair: the browser draws it as U+FFFD, hiding what the capture held.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** ⟨U+202E⟩ for one invisible character (a pair for the tag characters). */
function marker(c: string): string {
  return `⟨U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

/**
 * Make hidden characters visible, so captured text cannot hide or reorder what is shown:
 * C0 controls become their Control Pictures (␀ ␉ ␊ …), C1 controls, bidi overrides, zero-width
 * and other invisible characters, and lone surrogates, become ⟨U+202E⟩-style markers.
 */
export function visible(text: string): string {
  return text
    .replace(CONTROL, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)))
    .replace(C1_CONTROL, marker)
    .replace(BIDI_OR_INVISIBLE, marker)
    .replace(LONE_SURROGATE, marker);
}

/** Set text only when it changed (row recycling touches many cells per scroll frame). */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export { formatBytes } from '../extension/core/format';

/** Milliseconds as DevTools shows them: "87 ms", "1.24 s", "—" when unknown. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** Whether the keyboard focus is nowhere in particular (on the body: what was focused was re-rendered), or inside `within`. */
export function focusIsFree(within?: HTMLElement): boolean {
  const active = document.activeElement;
  return active === null || active === document.body || (within !== undefined && within.contains(active));
}

/**
 * Focus `el`, waiting until a web component has rendered (vscode-button takes its tabindex then),
 * and only if `stillWanted()` says so by then.
 */
export function focusWhenReady(el: HTMLElement, stillWanted: () => boolean): void {
  const rendering = (el as HTMLElement & { updateComplete?: Promise<unknown> }).updateComplete;
  if (rendering === undefined) {
    if (stillWanted()) el.focus();
    return;
  }
  void rendering.then(() => {
    if (el.isConnected && stillWanted()) el.focus();
  });
}
