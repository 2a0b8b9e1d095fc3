// A context menu inside the page (a webview cannot add to VS Code's own): a list of actions at a
// point, driven by the arrow keys, Home/End, Enter and Escape, closed by a click elsewhere. The
// focus goes back where it was.
import { h, icon } from './dom';

export interface MenuItem {
  label: string;
  icon: string;
  /** Shown on the right, e.g. a shortcut. */
  hint?: string;
  disabled?: boolean;
  run(): void;
}

let open: { close(): void } | undefined;

export function showContextMenu(items: readonly MenuItem[], at: { x: number; y: number }, label: string): void {
  open?.close();
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  const menu = h('div', { class: 'context-menu', attrs: { role: 'menu', 'aria-label': label } });
  const buttons: HTMLButtonElement[] = [];
  let closed = false;
  const close = (refocus: boolean) => {
    if (closed) return;
    closed = true;
    open = undefined;
    menu.remove();
    document.removeEventListener('pointerdown', outside, true);
    window.removeEventListener('blur', onBlur);
    if (refocus && before?.isConnected) before.focus();
  };
  const outside = (event: Event) => {
    if (!menu.contains(event.target as Node)) close(false);
  };
  const onBlur = () => close(false);
  for (const item of items) {
    const button = h(
      'button',
      { class: 'context-menu-item', attrs: { type: 'button', role: 'menuitem', tabindex: '-1' } },
      icon(item.icon),
      h('span', { class: 'context-menu-label' }, item.label),
      item.hint ? h('span', { class: 'context-menu-hint', attrs: { 'aria-hidden': 'true' } }, item.hint) : null,
    );
    if (item.disabled) {
      button.disabled = true;
      button.setAttribute('aria-disabled', 'true');
    }
    button.addEventListener('click', () => {
      close(true);
      item.run();
    });
    buttons.push(button);
    menu.append(button);
  }
  const enabled = () => buttons.filter((b) => !b.disabled);
  menu.addEventListener('keydown', (event) => {
    const list = enabled();
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    let next = -1;
    if (event.key === 'ArrowDown') next = (at + 1) % list.length;
    else if (event.key === 'ArrowUp') next = (at - 1 + list.length) % list.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = list.length - 1;
    else if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      event.stopPropagation();
      close(true);
      return;
    }
    if (next < 0 || list.length === 0) return;
    event.preventDefault();
    list[next].focus();
  });
  document.body.append(menu);
  // Keep it inside the window.
  const box = menu.getBoundingClientRect();
  menu.style.left = `${Math.max(0, Math.min(at.x, window.innerWidth - box.width - 4))}px`;
  menu.style.top = `${Math.max(0, Math.min(at.y, window.innerHeight - box.height - 4))}px`;
  document.addEventListener('pointerdown', outside, true);
  window.addEventListener('blur', onBlur);
  open = { close: () => close(false) };
  enabled()[0]?.focus();
}
