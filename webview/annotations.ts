// Annotations in the workbench: the severity marks, the status line of the header, the annotation
// form (a modal dialog inside the page), the cards the detail pane lists, and a small in-page
// confirmation. Annotations are saved to the sidecar beside the capture the moment the host gets
// them: nothing here is ever "unsaved", and the words say so.
//
// Annotation text is the researcher's, but a sidecar can come from anyone (a shared repository):
// it is treated like capture content — text nodes and properties only, after visible().
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import {
  MAX_NOTES_LENGTH,
  MAX_TAGS,
  MAX_TAG_LENGTH,
  MAX_TITLE_LENGTH,
  SEVERITIES,
  type AnnotationDraft,
  type AnnotationSeverity,
  type AnnotationsView,
  type AnnotationView,
  type DetailSectionId,
  type DraftFinding,
} from '../extension/protocol';
import { kindBadge, SECTION_WHERE } from './badges';
import { formatCount, h, icon, visible } from './dom';

export const SEVERITY_LABELS: Record<AnnotationSeverity, string> = { info: 'Info', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };
const SEVERITY_ICONS: Record<AnnotationSeverity, string> = { info: 'info', low: 'comment', medium: 'comment', high: 'warning', critical: 'flame' };

function severityOf(value: string): AnnotationSeverity {
  return (SEVERITIES as readonly string[]).includes(value) ? (value as AnnotationSeverity) : 'info';
}


function sectionWhere(section: string): string {
  return Object.prototype.hasOwnProperty.call(SECTION_WHERE, section) ? SECTION_WHERE[section as DetailSectionId] : visible(section);
}

/** Multi-line text made visible, keeping its line breaks and tabs (notes are shown as written). */
export function visibleLines(text: string): string {
  return text
    .split(/([\n\t])/)
    .map((part, i) => (i % 2 === 1 ? part : visible(part)))
    .join('');
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** The request table's mark: a codicon coloured by severity, named for screen readers. */
export function severityMarker(severity: AnnotationSeverity): HTMLElement {
  const s = severityOf(severity);
  const mark = icon(SEVERITY_ICONS[s], `annotated, ${SEVERITY_LABELS[s].toLowerCase()} severity`);
  mark.classList.add('severity-mark', `severity-${s}`);
  return mark;
}

/** A badge with the severity's icon and name (the words carry it, not only the colour). */
export function severityBadge(severity: AnnotationSeverity): HTMLElement {
  const s = severityOf(severity);
  return h('span', { class: `severity-badge severity-${s}` }, icon(SEVERITY_ICONS[s]), SEVERITY_LABELS[s]);
}

/** Most annotations the header lists as not attached (each with its buttons); the rest are counted. */
const MAX_ORPHANS_LISTED = 100;

/**
 * The header's annotation line: how many, how many findings judged, and where they are saved;
 * or, when the sidecar cannot be read, why, and that nothing is written. Under it, the annotations
 * with anchors that match no request of this capture, each with why and its Edit and Delete (one
 * whose requests are all gone has no card in the details: this is the only place to reach it).
 */
export function renderAnnotationStatus(view: AnnotationsView, actions: AnnotationCardActions): HTMLElement {
  const file = visible(view.sidecarFile);
  if (view.status === 'error') {
    return h(
      'div',
      { class: 'annotation-status annotation-status-error', attrs: { role: 'alert' } },
      icon('error'),
      h(
        'div',
        { class: 'annotation-status-text' },
        h('strong', {}, `${file} cannot be read: `),
        h('span', { class: 'annotation-status-message' }, visible(view.error)),
        h('div', {}, 'Annotating is off until the file is fixed; the file is left as it is.'),
      ),
    );
  }
  const line = h('div', { class: 'annotation-status', attrs: { role: 'status' } }, icon('comment-discussion'));
  if (view.status === 'none' || (view.total === 0 && view.judgedCount === 0)) {
    line.append(h('span', {}, `No annotations yet — they are saved in ${file} beside the capture`));
    return line;
  }
  line.append(
    h('span', { class: 'annotation-status-count' }, plural(view.total, 'annotation')),
    h('span', { class: 'findings-sep', attrs: { 'aria-hidden': 'true' } }, ' · '),
    h('span', {}, `${plural(view.judgedCount, 'finding')} judged`),
    h('span', { class: 'findings-sep', attrs: { 'aria-hidden': 'true' } }, ' · '),
    h('span', { title: 'Every change is written at once, beside the capture' }, `saved in ${file}`),
  );
  const orphaned = view.annotations.filter((a) => a.orphans.length > 0);
  if (orphaned.length === 0) return line;
  line.append(
    h(
      'span',
      { class: 'annotation-orphans' },
      icon('warning'),
      `${orphaned.length === 1 ? '1 annotation' : `${formatCount(orphaned.length)} annotations`} could not be attached to this capture’s requests:`,
    ),
  );
  const list = h('ul', { class: 'annotation-orphan-list', attrs: { 'aria-label': 'Annotations that could not be attached' } });
  for (const a of orphaned.slice(0, MAX_ORPHANS_LISTED)) {
    const titleText = visible(a.title);
    const reasons = a.orphans.map(visible).join('; ');
    const still = a.exchangeIds.length > 0 ? ` (still on ${a.exchangeIds.slice(0, 5).map((id) => `#${id}`).join(', ')}${a.exchangeIds.length > 5 ? ', …' : ''})` : '';
    list.append(
      h(
        'li',
        { class: `annotation-orphan severity-${severityOf(a.severity)}`, attrs: { 'data-annotation': a.id } },
        severityBadge(a.severity),
        h('span', { class: 'annotation-orphan-title', title: titleText }, titleText),
        h('span', { class: 'annotation-orphan-reason', title: reasons }, `${reasons}${still}`),
        headerButtons(a, actions),
      ),
    );
  }
  if (orphaned.length > MAX_ORPHANS_LISTED) {
    list.append(h('li', { class: 'annotation-orphan-more' }, `and ${formatCount(orphaned.length - MAX_ORPHANS_LISTED)} more, not listed here`));
  }
  return h('div', { class: 'annotation-status-block' }, line, list);
}

/** Edit and Delete on a line of the header: small text buttons, so the header stays short. */
function headerButtons(a: AnnotationView, actions: AnnotationCardActions): HTMLElement {
  const titleText = visible(a.title);
  const edit = h('button', { class: 'detail-text-button annotation-edit', attrs: { type: 'button', 'aria-label': `Edit annotation ${titleText}` } }, icon('edit'), 'Edit');
  edit.addEventListener('click', () => actions.edit(a.id));
  const remove = h('button', { class: 'detail-text-button annotation-delete', attrs: { type: 'button', 'aria-label': `Delete annotation ${titleText}` } }, icon('trash'), 'Delete');
  remove.addEventListener('click', () => actions.remove(a));
  edit.disabled = remove.disabled = !actions.writable;
  return h('span', { class: 'annotation-orphan-actions' }, edit, remove);
}

/** An annotation's Edit and Delete buttons on its card in the details. */
function annotationButtons(a: AnnotationView, actions: AnnotationCardActions): HTMLElement {
  const titleText = visible(a.title);
  const edit = cardButton('annotation-edit', 'edit', 'Edit', `Edit annotation ${titleText}`, actions.writable, () => actions.edit(a.id));
  const remove = cardButton('annotation-delete', 'trash', 'Delete', `Delete annotation ${titleText}`, actions.writable, () => actions.remove(a));
  return h('span', { class: 'annotation-card-actions' }, edit, remove);
}

function cardButton(className: string, iconName: string, label: string, ariaLabel: string, enabled: boolean, run: () => void): HTMLElement {
  const button = document.createElement('vscode-button');
  button.className = className;
  button.secondary = true;
  button.icon = iconName;
  button.textContent = label;
  button.setAttribute('aria-label', ariaLabel);
  button.addEventListener('click', run);
  if (!enabled) button.toggleAttribute('disabled', true);
  return button;
}

//#region modal dialogs

/** Elements a Tab can land on inside a dialog (web components take the focus on their host). */
const FOCUSABLE =
  'button:not([disabled]), input:not([disabled]), textarea:not([disabled]), vscode-button:not([disabled]), vscode-textfield:not([disabled]), vscode-textarea:not([disabled]), vscode-single-select:not([disabled]), [tabindex="0"]';

interface Modal {
  dialog: HTMLElement;
  close(): void;
}

/**
 * A modal dialog over the page: the rest of the page is inert (so the focus cannot leave it, nor
 * screen readers read behind it), Tab wraps inside it, Escape cancels, and the focus goes back
 * where it was when it closes.
 */
function openModal(root: HTMLElement, labelId: string, className: string, onCancel: () => void): Modal {
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  // Focusable itself, so the focus is inside from the start (web components take it only once rendered).
  const dialog = h('div', { class: `modal-dialog ${className}`, attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': labelId, tabindex: '-1' } });
  const backdrop = h('div', { class: 'modal-backdrop' }, dialog);
  const wasInert = root.inert;
  root.inert = true;
  document.body.append(backdrop);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    backdrop.remove();
    document.removeEventListener('keydown', onKey);
    root.inert = wasInert;
    if (before?.isConnected) before.focus();
  };
  // On the document: the focus can be on the body (a click on the backdrop) and Escape still cancels.
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && !event.defaultPrevented) {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    } else if (event.key === 'Tab') {
      const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
      if (items.length === 0) return;
      const at = items.findIndex((el) => el === document.activeElement || el.contains(document.activeElement));
      if (event.shiftKey && at <= 0) {
        event.preventDefault();
        items[items.length - 1].focus();
      } else if (!event.shiftKey && at === items.length - 1) {
        event.preventDefault();
        items[0].focus();
      }
    }
  };
  document.addEventListener('keydown', onKey);
  dialog.focus();
  return { dialog, close };
}

let dialogIds = 0;

/** Ask before something that cannot be undone; resolves true when confirmed. */
export function confirmInPage(root: HTMLElement, question: string, detail: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const labelId = `ll-dialog-${++dialogIds}`;
    const modal: Modal = openModal(root, labelId, 'confirm-dialog', () => finish(false));
    const finish = (ok: boolean) => {
      modal.close();
      resolve(ok);
    };
    const yes = document.createElement('vscode-button');
    yes.textContent = confirmLabel;
    yes.addEventListener('click', () => finish(true));
    const no = document.createElement('vscode-button');
    no.secondary = true;
    no.textContent = 'Cancel';
    no.addEventListener('click', () => finish(false));
    modal.dialog.append(h('h2', { class: 'modal-title', attrs: { id: labelId } }, question), h('p', { class: 'modal-text' }, detail), h('div', { class: 'modal-actions' }, yes, no));
    void no.updateComplete.then(() => no.focus());
  });
}

//#endregion

//#region the annotation form

export interface AnnotationFormOptions {
  draft: AnnotationDraft;
  findings: DraftFinding[];
  sidecarFile: string;
  /** Save the draft; resolves to what the host said, rejects with why it refused. */
  save(draft: AnnotationDraft): Promise<string>;
  /** The form closed: with the host's message when it saved, undefined when cancelled. */
  onClose(message: string | undefined): void;
}

/** Open the annotation form over `root` (the page, made inert meanwhile). */
export function openAnnotationForm(root: HTMLElement, options: AnnotationFormOptions): void {
  const { draft, findings } = options;
  const labelId = `ll-dialog-${++dialogIds}`;
  let saving = false;
  const modal = openModal(root, labelId, 'annotation-form', () => {
    if (saving) return;
    modal.close();
    options.onClose(undefined);
  });

  const ids = draft.exchangeIds;
  const heading =
    draft.id !== null ? 'Edit annotation' : ids.length === 1 ? `Annotate request #${ids[0]}` : `Annotate ${formatCount(ids.length)} requests`;
  const about =
    ids.length === 0
      ? 'Its requests are not in this capture any more.'
      : `About ${ids.length === 1 ? 'request' : 'requests'} ${ids.slice(0, 12).map((id) => `#${id}`).join(', ')}${ids.length > 12 ? `, … (${formatCount(ids.length)} in all)` : ''}.`;

  const severity = document.createElement('vscode-single-select');
  severity.className = 'annotation-severity';
  severity.label = 'Severity';
  for (const s of SEVERITIES) {
    const option = document.createElement('vscode-option');
    option.value = s;
    option.textContent = SEVERITY_LABELS[s];
    severity.append(option);
  }
  severity.value = draft.severity;

  const title = document.createElement('vscode-textfield');
  title.className = 'annotation-title';
  title.label = 'Title';
  title.maxlength = MAX_TITLE_LENGTH;
  title.value = draft.title;

  const notes = document.createElement('vscode-textarea');
  notes.className = 'annotation-notes';
  notes.label = 'Notes (Markdown)';
  notes.rows = 5;
  notes.maxlength = MAX_NOTES_LENGTH;
  notes.value = draft.notes;
  notes.placeholder = 'What the request sends, why it matters, how to reproduce it. Markdown: shown as text here, formatted in reports.';

  const tags = document.createElement('vscode-textfield');
  tags.className = 'annotation-tags';
  tags.label = 'Tags (comma-separated)';
  tags.placeholder = 'telemetry, device-id, plain-http';
  tags.value = draft.tags.join(', ');

  const ticked = new Set(draft.findingKeys);
  const boxes: { key: string; box: HTMLInputElement }[] = [];
  const countText = h('span', { class: 'annotation-findings-count' });
  const updateCount = () => {
    const n = boxes.filter((b) => b.box.checked).length;
    countText.textContent = `${formatCount(n)} of ${formatCount(boxes.length)} ticked`;
  };
  const list = h('ul', { class: 'annotation-findings-list' });
  findings.forEach((f, i) => {
    const box = h('input', { attrs: { type: 'checkbox', id: `${labelId}-f${i}` } });
    box.checked = ticked.has(f.key);
    box.addEventListener('change', updateCount);
    boxes.push({ key: f.key, box });
    const where = `${sectionWhere(f.section)}${f.fieldPath ? ` · ${visible(f.fieldPath)}` : ''}`;
    const chain = f.chain.map(visible).join(' → ');
    const state = f.missing ? 'no longer found' : f.judged === 'false-positive' ? 'judged false positive' : f.judged === 'expected' ? 'judged expected' : '';
    list.append(
      h(
        'li',
        { class: `annotation-finding${f.missing || f.judged ? ' annotation-finding-dim' : ''}` },
        box,
        h(
          'label',
          { attrs: { for: box.id } },
          kindBadge({ kind: f.kind, confidence: f.confidence, count: 1 }),
          h('span', { class: 'annotation-finding-value' }, visible(f.value)),
          h('span', { class: 'annotation-finding-where' }, where),
          chain ? h('span', { class: 'annotation-finding-chain' }, chain) : null,
          ids.length > 1 ? h('span', { class: 'annotation-finding-exchange' }, `#${f.exchangeId}`) : null,
          state ? h('span', { class: 'annotation-finding-state' }, state) : null,
        ),
      ),
    );
  });
  updateCount();

  const error = h('div', { class: 'annotation-form-error', attrs: { role: 'alert' } });
  error.hidden = true;
  const save = document.createElement('vscode-button');
  save.icon = 'save';
  save.textContent = 'Save';
  const cancel = document.createElement('vscode-button');
  cancel.secondary = true;
  cancel.textContent = 'Cancel';
  cancel.addEventListener('click', () => {
    if (saving) return;
    modal.close();
    options.onClose(undefined);
  });

  const submit = async () => {
    if (saving) return;
    saving = true;
    save.toggleAttribute('disabled', true);
    error.hidden = true;
    const out: AnnotationDraft = {
      id: draft.id,
      exchangeIds: draft.exchangeIds.slice(),
      severity: severityOf(severity.value),
      title: title.value.slice(0, MAX_TITLE_LENGTH),
      notes: notes.value.slice(0, MAX_NOTES_LENGTH),
      tags: [...new Set(tags.value.split(',').map((t) => t.trim()).filter((t) => t !== ''))].slice(0, MAX_TAGS).map((t) => t.slice(0, MAX_TAG_LENGTH)),
      findingKeys: boxes.filter((b) => b.box.checked).map((b) => b.key),
    };
    try {
      const message = await options.save(out);
      modal.close();
      options.onClose(message);
    } catch (err) {
      // The form stays open with what was typed: the researcher fixes it or cancels.
      error.replaceChildren(icon('error'), h('span', {}, visible(err instanceof Error ? err.message : String(err))));
      error.hidden = false;
    } finally {
      saving = false;
      save.toggleAttribute('disabled', false);
    }
  };
  save.addEventListener('click', () => void submit());
  modal.dialog.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  });

  const field = (caption: HTMLElement, control: HTMLElement, hint?: string) =>
    h('div', { class: 'annotation-field' }, caption, control, hint ? h('div', { class: 'annotation-hint' }, hint) : null);
  const caption = (text: string) => h('span', { class: 'annotation-caption', attrs: { 'aria-hidden': 'true' } }, text);
  modal.dialog.append(
    h('h2', { class: 'modal-title', attrs: { id: labelId } }, icon('comment-discussion'), h('span', {}, heading)),
    h('p', { class: 'modal-text' }, about, ' ', h('span', { class: 'annotation-saved-where' }, `Saved to ${visible(options.sidecarFile)} beside the capture as soon as you press Save.`)),
    h(
      'div',
      { class: 'annotation-form-body' },
      h('div', { class: 'annotation-row' }, field(caption('Severity'), severity), field(caption('Title'), title)),
      field(caption('Notes'), notes, 'Markdown. Shown here as plain text.'),
      field(caption('Tags'), tags, 'Comma-separated.'),
      h(
        'fieldset',
        { class: 'annotation-findings' },
        h('legend', {}, 'Findings it is about ', countText),
        findings.length > 0 ? list : h('p', { class: 'annotation-hint' }, 'These requests have no findings: the annotation names the requests only.'),
      ),
    ),
    error,
    h('div', { class: 'modal-actions' }, save, cancel, h('span', { class: 'annotation-hint' }, 'Ctrl+Enter saves, Escape cancels')),
  );
  void title.updateComplete.then(() => {
    if (title.isConnected) title.focus();
  });
}

//#endregion

//#region cards in the detail pane

export interface AnnotationCardActions {
  edit(id: string): void;
  remove(annotation: AnnotationView): void;
  /** False while the sidecar cannot be written. */
  writable: boolean;
}

/** The annotations about one exchange, at the top of its details. */
export function renderAnnotationCards(annotations: readonly AnnotationView[], actions: AnnotationCardActions): HTMLElement {
  const list = h('ul', { class: 'annotation-cards' });
  for (const a of annotations) {
    const titleText = visible(a.title);
    const updated = formatDate(a.updated);
    list.append(
      h(
        'li',
        { class: `annotation-card severity-${severityOf(a.severity)}`, attrs: { 'data-annotation': a.id } },
        h(
          'div',
          { class: 'annotation-card-head' },
          severityBadge(a.severity),
          h('span', { class: 'annotation-card-title', title: titleText }, titleText),
          annotationButtons(a, actions),
        ),
        a.tags.length > 0 ? h('div', { class: 'annotation-card-tags' }, ...a.tags.map((t) => h('span', { class: 'annotation-tag' }, visible(t)))) : null,
        a.notes ? h('div', { class: 'annotation-card-notes' }, visibleLines(a.notes)) : null,
        h(
          'div',
          { class: 'annotation-card-meta' },
          updated ? `Updated ${updated}` : '',
          a.exchangeIds.length > 1 ? ` · about ${formatCount(a.exchangeIds.length)} requests` : '',
          a.findingKeys.length > 0 ? ` · ${plural(a.findingKeys.length, 'finding')}` : '',
        ),
        a.orphans.length > 0
          ? h('div', { class: 'annotation-card-orphans' }, icon('warning'), h('span', {}, `Could not be attached: ${a.orphans.map(visible).join('; ')}`))
          : null,
      ),
    );
  }
  return h(
    'section',
    { class: 'detail-annotations', attrs: { 'aria-label': 'Annotations' } },
    h('h2', { class: 'detail-findings-title' }, icon('comment-discussion'), plural(annotations.length, 'annotation')),
    list,
  );
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return visible(iso);
  return date.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

//#endregion
