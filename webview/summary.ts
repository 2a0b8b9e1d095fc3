// The parts of the panel above the table: the capture header, the warnings list, and the
// message shown instead of everything when the capture could not be opened.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import type { CaptureSummary, WarningView } from '../extension/protocol';
import { formatCount, h, icon, visible } from './dom';

const FORMAT_LABELS: Record<CaptureSummary['format'], string> = {
  har: 'HAR',
  'tshark-json': 'tshark JSON',
  'tshark-ek': 'tshark EK (NDJSON)',
};

/** The header: file name, facts about the capture, and the findings section under them. */
export function renderHeader(summary: CaptureSummary, findings: HTMLElement): HTMLElement {
  const facts: (string | Node)[] = [];
  const add = (label: string, value: string) =>
    facts.push(h('span', { class: 'fact' }, h('span', { class: 'fact-label' }, label), ' ', h('span', { class: 'fact-value', attrs: { 'data-fact': label } }, value)));
  add('Format', FORMAT_LABELS[summary.format] ?? summary.format);
  if (summary.producer) add('Producer', visible(summary.producer));
  add('Exchanges', formatCount(summary.exchangeCount));
  add('Hosts', formatCount(summary.hostCount));
  if (summary.warningCount > 0) add('Warnings', formatCount(summary.warningCount));

  return h(
    'header',
    { class: 'capture-header' },
    h('h1', { class: 'capture-title', title: visible(summary.fileName) }, icon('file'), h('span', {}, visible(summary.fileName))),
    h('div', { class: 'capture-facts' }, ...facts),
    findings,
  );
}

export function renderWarnings(summary: CaptureSummary, warnings: WarningView[], open: boolean, onToggle: (open: boolean) => void): HTMLElement | undefined {
  if (summary.warningCount === 0) return undefined;
  const collapsible = document.createElement('vscode-collapsible');
  collapsible.className = 'warnings';
  collapsible.heading = 'Load warnings';
  collapsible.open = open;
  collapsible.addEventListener('vsc-collapsible-toggle', (event) => onToggle(event.detail.open));

  const badge = document.createElement('vscode-badge');
  badge.variant = 'counter';
  badge.slot = 'decorations';
  badge.textContent = formatCount(summary.warningCount);
  collapsible.append(badge);

  const list = h('ul', { class: 'warning-list' });
  for (const w of warnings) {
    list.append(
      h(
        'li',
        { class: `warning severity-${w.severity}` },
        icon(w.severity === 'info' ? 'info' : 'warning', w.severity),
        h(
          'div',
          { class: 'warning-text' },
          h('span', { class: 'warning-message' }, visible(w.message)),
          h('span', { class: 'warning-meta' }, h('code', { class: 'warning-code' }, visible(w.code)), w.where ? h('span', { class: 'warning-where' }, visible(w.where)) : null),
        ),
      ),
    );
  }
  if (summary.warningCount > warnings.length) {
    list.append(
      h('li', { class: 'warning more' }, `…and ${formatCount(summary.warningCount - warnings.length)} more (showing the first ${formatCount(warnings.length)}).`),
    );
  }
  collapsible.append(list);
  return collapsible;
}

export function renderLoadFailed(fileName: string, message: string): HTMLElement {
  return h(
    'section',
    { class: 'load-failed', attrs: { role: 'alert' } },
    h('h1', { class: 'load-failed-title' }, icon('error'), h('span', {}, `LeakLens could not open ${visible(fileName)}`)),
    h('pre', { class: 'load-failed-message' }, visible(message)),
    h(
      'p',
      { class: 'load-failed-hint' },
      'LeakLens opens HAR files (.har, .harp, .zhar) and tshark output (-T json, -T ek). ',
      'To see the raw file, use “Reopen Editor With…” and choose the Text Editor.',
    ),
  );
}
