// The known-values panel: the researcher's own device identifiers (IMEI, IMSI, MAC, phone, …).
// LeakLens finds them in any encoding or hash. Two lists, each saved on its own: this capture's
// (its sidecar, beside the capture: the values of the device that made it) and the settings'
// (leaklens.knownValues, the workspace's or wherever it is set now: every capture is scanned for
// them). The host validates, rescans and re-highlights.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { MAX_KNOWN_VALUES, MAX_KNOWN_VALUE_LENGTH, type KnownValueEntry, type KnownValuesView } from '../extension/protocol';
import { h, icon, setText, visible } from './dom';

/** The kinds the setting takes (see leaklens.knownValues in package.json), with what people call them. */
const KINDS: { kind: string; label: string; placeholder: string }[] = [
  { kind: 'imei', label: 'IMEI', placeholder: '868715392756833' },
  { kind: 'imsi', label: 'IMSI', placeholder: '460001234567890' },
  { kind: 'iccid', label: 'ICCID', placeholder: '8986001234567890123' },
  { kind: 'meid', label: 'MEID', placeholder: 'A1000012345678' },
  { kind: 'phone', label: 'Phone number', placeholder: '+86 138 7324 3456' },
  { kind: 'email', label: 'E-mail', placeholder: 'tester@example.com' },
  { kind: 'mac', label: 'MAC address', placeholder: '28:6c:07:c0:35:8f' },
  { kind: 'android_id', label: 'Android ID', placeholder: '22886cb0102e67c1' },
  { kind: 'ad_id', label: 'Advertising ID', placeholder: '38400000-8cf0-11bd-b23e-10b96e40000d' },
  { kind: 'serial', label: 'Serial number', placeholder: 'R58M12ABCDE' },
  { kind: 'string', label: 'Other text', placeholder: 'account name, token, …' },
];

// These are a real device's identifiers: say where they are written, which may be committed or synced.
const SOURCE_TEXT: Record<KnownValuesView['source'], string> = {
  workspace: 'Saved in the workspace settings (.vscode/settings.json, leaklens.knownValues): keep that file out of commits you publish.',
  workspaceFolder: 'Saved in the folder’s settings (.vscode/settings.json, leaklens.knownValues): keep that file out of commits you publish.',
  user: 'Saved in your user settings (leaklens.knownValues), which Settings Sync copies to your other machines if it is on.',
  none: 'Not saved yet: Save writes them to this workspace’s .vscode/settings.json (your user settings when no folder is open). Keep that file out of commits you publish.',
};

type Target = 'sidecar' | 'settings';

/** A list's values, for comparing (kind and value, in order). */
function entriesKey(entries: readonly KnownValueEntry[]): string {
  return JSON.stringify(entries.map((e) => [e.kind, e.value]));
}

interface EntryRow {
  element: HTMLElement;
  kind: VscodeSingleSelect;
  value: VscodeTextfield;
}

/** One list of values with its own Add and Save. */
class KnownList {
  readonly element: HTMLElement;
  readonly source: HTMLElement;
  private readonly list: HTMLElement;
  private readonly result: HTMLElement;
  private readonly addButton: HTMLElement;
  private readonly saveButton: HTMLElement;
  private rows: EntryRow[] = [];
  private saving = false;
  private writable = true;
  /** The entries the host last sent for this list (entriesKey), undefined before the first. */
  private shown: string | undefined;
  /** A row was added, removed or changed since the list was last shown or saved. */
  private edited = false;

  constructor(
    readonly target: Target,
    heading: string,
    private readonly saveEntries: (target: Target, entries: KnownValueEntry[]) => Promise<string>,
  ) {
    this.list = h('div', { class: 'known-list', attrs: { role: 'list', 'aria-label': `Known values: ${heading}` } });
    this.source = h('p', { class: 'known-source' });
    this.result = h('span', { class: 'known-result', attrs: { role: 'status', 'aria-live': 'polite' } });
    const add = document.createElement('vscode-button');
    add.secondary = true;
    add.icon = 'add';
    add.textContent = target === 'sidecar' ? 'Add to this capture' : 'Add to settings';
    add.addEventListener('click', () => {
      if (this.rows.length >= MAX_KNOWN_VALUES || !this.writable) return;
      this.addRow({ kind: 'imei', value: '' }).value.focus();
      this.edited = true;
    });
    this.addButton = add;
    const save = document.createElement('vscode-button');
    save.icon = 'save';
    save.textContent = target === 'sidecar' ? 'Save to this capture and rescan' : 'Save to settings and rescan';
    save.addEventListener('click', () => void this.submit());
    this.saveButton = save;
    this.element = h(
      'section',
      { class: `known-group known-group-${target}`, attrs: { 'aria-label': heading } },
      h('h3', { class: 'known-heading' }, icon(target === 'sidecar' ? 'file' : 'settings-gear'), h('span', {}, heading)),
      this.list,
      h('div', { class: 'known-actions' }, add, save, this.result),
      this.source,
    );
  }

  /**
   * The host sent the values it uses now. The rows are built again only when this list's values
   * changed: an update about the other list (or a rescan for something else) leaves rows being
   * typed alone. A change made elsewhere while this list has unsaved edits keeps the edits too
   * (Save would write them over it), and says so.
   */
  update(entries: readonly KnownValueEntry[]): void {
    const key = entriesKey(entries);
    if (key === this.shown) return;
    if (this.shown !== undefined && !this.saving && this.edited) {
      this.shown = key;
      this.result.classList.remove('error');
      setText(this.result, 'Changed elsewhere meanwhile: Save replaces that with these values.');
      return;
    }
    this.shown = key;
    this.show(entries);
  }

  private show(entries: readonly KnownValueEntry[]): void {
    this.list.replaceChildren();
    this.rows = [];
    for (const entry of entries) this.addRow(entry);
    this.edited = false;
    if (entries.length === 0) this.list.append(h('p', { class: 'known-empty' }, 'None yet.'));
  }

  /** The sidecar cannot be written while it cannot be read: its list is shown but not edited. */
  setWritable(writable: boolean): void {
    this.writable = writable;
    for (const el of [this.addButton, this.saveButton]) el.toggleAttribute('disabled', !writable);
    this.list.inert = !writable;
  }

  get count(): number {
    return this.rows.filter((r) => r.value.value.trim() !== '').length;
  }

  private addRow(entry: KnownValueEntry): EntryRow {
    this.list.querySelector('.known-empty')?.remove();
    const kind = document.createElement('vscode-single-select');
    kind.className = 'known-kind';
    kind.label = 'Kind of identifier';
    const known = KINDS.some((k) => k.kind === entry.kind);
    for (const k of known ? KINDS : [...KINDS, { kind: entry.kind, label: entry.kind, placeholder: '' }]) {
      const option = document.createElement('vscode-option');
      option.value = k.kind;
      option.textContent = k.label;
      kind.append(option);
    }
    kind.value = entry.kind;
    const value = document.createElement('vscode-textfield');
    value.className = 'known-value';
    value.value = entry.value;
    value.maxlength = MAX_KNOWN_VALUE_LENGTH;
    value.label = 'Value';
    value.placeholder = KINDS.find((k) => k.kind === entry.kind)?.placeholder ?? '';
    kind.addEventListener('change', () => {
      value.placeholder = KINDS.find((k) => k.kind === kind.value)?.placeholder ?? '';
      this.edited = true;
    });
    value.addEventListener('input', () => (this.edited = true));
    value.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') void this.submit();
    });
    const remove = document.createElement('vscode-button');
    remove.secondary = true;
    remove.icon = 'trash';
    remove.iconOnly = true;
    remove.title = 'Remove this value';
    remove.setAttribute('aria-label', 'Remove this value');
    const row: EntryRow = { element: h('div', { class: 'known-row', attrs: { role: 'listitem' } }, kind, value, remove), kind, value };
    remove.addEventListener('click', () => {
      row.element.remove();
      this.rows = this.rows.filter((r) => r !== row);
      this.edited = true;
    });
    this.rows.push(row);
    this.list.append(row.element);
    return row;
  }

  private async submit(): Promise<void> {
    if (this.saving || !this.writable) return;
    this.saving = true;
    this.saveButton.toggleAttribute('disabled', true);
    setText(this.result, 'Saving…');
    this.result.classList.remove('error');
    const entries = this.rows.map((r) => ({ kind: r.kind.value, value: r.value.value.slice(0, MAX_KNOWN_VALUE_LENGTH) })).filter((e) => e.value.trim() !== '');
    try {
      setText(this.result, visible(await this.saveEntries(this.target, entries)));
      // Saved: what the rows hold is what the host has (its update may still come, and rebuild them).
      this.edited = false;
    } catch (err) {
      this.result.classList.add('error');
      setText(this.result, visible(err instanceof Error ? err.message : String(err)));
    } finally {
      this.saving = false;
      this.saveButton.toggleAttribute('disabled', !this.writable);
    }
  }
}

export class KnownValuesPanel {
  readonly element: HTMLElement;
  private readonly sidecar: KnownList;
  private readonly settings: KnownList;
  private readonly problems: HTMLElement;
  private sidecarFile = '';

  constructor(known: KnownValuesView, sidecarFile: string, saveEntries: (target: Target, entries: KnownValueEntry[]) => Promise<string>) {
    this.sidecar = new KnownList('sidecar', 'This capture (sidecar)', saveEntries);
    this.settings = new KnownList('settings', 'Settings', saveEntries);
    this.problems = h('ul', { class: 'known-problems', attrs: { role: 'alert' } });
    this.element = h(
      'section',
      { class: 'known-panel', attrs: { 'aria-label': 'Known values of your test device' } },
      h(
        'p',
        { class: 'known-intro' },
        'Your test device’s own identifiers. LeakLens looks for them as sent, with other separators or case, URL-encoded, hex, base64 and hashed (MD5, SHA-1, SHA-256). The scan looks for both lists.',
      ),
      h('div', { class: 'known-groups' }, this.sidecar.element, this.settings.element),
      this.problems,
    );
    this.setSidecar(sidecarFile, true);
    this.update(known);
  }

  /** The host rescanned: show the values it used (and why any were left out); lists not changed are left as they are. */
  update(known: KnownValuesView): void {
    this.sidecar.update(known.sidecarEntries ?? []);
    this.settings.update(known.entries);
    setText(this.settings.source, SOURCE_TEXT[known.source] ?? '');
    this.problems.replaceChildren(...known.problems.map((p) => h('li', {}, icon('warning'), ' ', visible(p))));
  }

  /** Where the capture's values are saved, and whether they can be (not while its sidecar cannot be read). */
  setSidecar(sidecarFile: string, writable: boolean): void {
    this.sidecarFile = sidecarFile;
    this.sidecar.setWritable(writable);
    setText(
      this.sidecar.source,
      writable
        ? `Saved in ${visible(this.sidecarFile)} beside the capture: only this capture is scanned for them, and they travel with it.`
        : `${visible(this.sidecarFile)} cannot be read, so these cannot be changed until it is fixed.`,
    );
  }

  get count(): number {
    return this.sidecar.count + this.settings.count;
  }
}
