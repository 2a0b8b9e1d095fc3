// The capture webview: asks the host for the summary, then shows header (with the findings),
// warnings and a virtualized request table that pulls rows a page at a time. When the host
// rescans (the settings changed) it re-renders the findings and asks for the rows again.
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { FindingsSummary, InitMessage, ToWebview } from '../extension/protocol';
import { HostApi } from './api';
import { h, icon } from './dom';
import { renderFindings } from './findings';
import { renderHeader, renderLoadFailed, renderWarnings } from './summary';
import { RequestTable } from './table';

/** What survives the tab being hidden (the webview is torn down; VS Code keeps this). */
interface ViewState {
  scrollTop: number;
  warningsOpen: boolean;
}

// Lit falls back to <style> elements where constructable stylesheets are missing; give them our
// script's nonce so the CSP admits them.
const scriptNonce = (document.currentScript as HTMLScriptElement | null)?.nonce;
if (scriptNonce) (globalThis as { litNonce?: string }).litNonce = scriptNonce;

const app = document.getElementById('app') ?? document.body.appendChild(h('main', { attrs: { id: 'app' } }));
let initialised = false;
/** Set once the capture is shown. */
let shown: { table: RequestTable; findings: HTMLElement } | undefined;

const api = new HostApi<ViewState>(onNotification);
const saved = api.getState();
const state: ViewState = {
  scrollTop: typeof saved?.scrollTop === 'number' ? saved.scrollTop : 0,
  warningsOpen: saved?.warningsOpen === true,
};
let saveQueued = false;

function saveState(): void {
  if (saveQueued) return;
  saveQueued = true;
  setTimeout(() => {
    saveQueued = false;
    api.setState(state);
  }, 100);
}

showLoading();
api.send({ type: 'ready' });

function onNotification(message: Exclude<ToWebview, { type: 'rows' }>): void {
  switch (message.type) {
    case 'init':
      if (!initialised) showCapture(message);
      initialised = true;
      return;
    case 'loadFailed':
      initialised = true;
      app.replaceChildren(renderLoadFailed(message.fileName, message.message));
      app.setAttribute('aria-busy', 'false');
      return;
    case 'error':
      showStatus(message.message);
      return;
    case 'findingsUpdated':
      updateFindings(message.findings);
      return;
  }
}

function showLoading(): void {
  const ring = document.createElement('vscode-progress-ring');
  app.replaceChildren(h('div', { class: 'loading' }, ring, h('span', {}, 'Opening capture…')));
}

const statusLine = h('div', { class: 'status-line', attrs: { role: 'status', 'aria-live': 'polite' } });

function showStatus(message: string | undefined): void {
  statusLine.replaceChildren(...(message ? [icon('warning'), h('span', {}, message)] : []));
  statusLine.hidden = !message;
}

function showCapture(init: InitMessage): void {
  const table = new RequestTable({
    total: init.summary.exchangeCount,
    pageSize: init.pageSize,
    initialScrollTop: state.scrollTop,
    fetchRows: async (offset, limit) => {
      const answer = await api.request({ type: 'getRows', offset, limit });
      return { rows: answer.rows, total: answer.total };
    },
    onScroll: (scrollTop) => {
      state.scrollTop = scrollTop;
      saveState();
    },
    onError: showStatus,
  });
  const warnings = renderWarnings(init.summary, init.warnings, state.warningsOpen, (open) => {
    state.warningsOpen = open;
    saveState();
  });
  const findings = renderFindings(init.summary.findings);
  showStatus(undefined);
  app.replaceChildren(renderHeader(init.summary, findings), ...(warnings ? [warnings] : []), statusLine, table.element);
  app.setAttribute('aria-busy', 'false');
  table.attach();
  shown = { table, findings };
}

function updateFindings(findings: FindingsSummary): void {
  if (!shown) return; // not shown yet: `init` will carry the new findings
  const section = renderFindings(findings);
  shown.findings.replaceWith(section);
  shown.findings = section;
  shown.table.refresh();
}
