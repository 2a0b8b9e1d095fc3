// The host's answers to a webview, without VS Code: the editor provider and the webview tests
// (a real browser with a fake acquireVsCodeApi) share them, so the tests talk to the real host logic.
// What needs VS Code (the clipboard, opening an editor, writing settings) comes in as `effects`.
import { curlCommand } from '../core/curl';
import type { Sidecar } from '../core/annotations/model';
import type { Capture, Finding } from '../core/model';
import type { AnnotationBook } from './annotationBook';
import {
  DEFAULT_PAGE_SIZE,
  MAX_WARNINGS_SENT,
  type AnnotationsView,
  type CopyTarget,
  type FromWebview,
  type GetRowsRequest,
  type KnownValueEntry,
  type KnownValuesView,
  type ToWebview,
  type WebviewRequest,
} from '../protocol';
import { exchangeDetail, layerText } from './detail';
import { FindingViews, findingRowsMessage } from './findingRows';
import { RowViews } from './rowQuery';
import { captureSummary, cap, rowSummary, warningViews, type ScanView } from './rows';

/** What a webview session shows: one capture (or why it did not load) and its scan. */
export interface SessionView {
  fileName: string;
  capture: Capture | undefined;
  loadError: string | undefined;
  /** Undefined until the scan has run: rows come without badges until then. */
  scan: ScanView | undefined;
  /** The known values the scan used, for the panel. */
  known?: KnownValuesView;
  /** What answering needs from the editor; requests that need a missing one get an error. */
  effects?: SessionEffects;
  /** `capture` holds only the first requests of the file; the rest is loading. */
  loading?: boolean;
  /** The capture's sidecar (annotations, judgements); undefined while the capture is not loaded. */
  annotations?: AnnotationBook;
}

export interface SessionEffects {
  /** Put text on the clipboard. */
  copy(text: string): Promise<void>;
  /** Show the capture as text at the exchange's entry; resolves to what happened. */
  reveal(exchangeId: number): Promise<string>;
  /** Save the known values of the settings (the capture is rescanned when they change); resolves to what happened. */
  setKnownValues(entries: KnownValueEntry[]): Promise<string>;
  /**
   * Apply `edit` to the sidecar as it is when the save's turn comes (not as it was when the request
   * arrived: another save or a reload may come first) and write it beside the capture, merging a
   * change made on disk meanwhile; the view's book and scan are renewed and the webviews told.
   * `what` names the edit for the message ("Saved the annotation"); resolves to what happened.
   */
  saveSidecar(edit: (book: AnnotationBook) => Sidecar, what: string): Promise<string>;
  /**
   * Resolves once no scan of the capture is running (at once when none is): an annotation form
   * opened right after the capture must list its findings, not those of no scan yet.
   */
  scanSettled?(): Promise<void>;
}

export const NO_KNOWN_VALUES: KnownValuesView = { entries: [], sidecarEntries: [], source: 'none', problems: [] };

/** Longest text the host puts on the clipboard for one copy. */
const MAX_COPY_CHARS = 16 * 1024 * 1024;

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type OnError = (what: string, err: unknown) => void;

/** The answer to a validated webview message; `onError` hears about failures the answer reports. */
export async function answer(view: SessionView, message: FromWebview, onError: OnError = () => {}): Promise<ToWebview> {
  if (message.type === 'ready') {
    try {
      return initMessage(view);
    } catch (err) {
      // `ready` has no request id to fail: the page shows this instead of waiting forever.
      onError(`showing ${view.fileName} failed`, err);
      return { type: 'loadFailed', fileName: view.fileName, message: `${view.fileName}: LeakLens could not show the capture (${errorText(err)})` };
    }
  }
  const capture = view.capture;
  if (!capture) return { type: 'error', requestId: message.requestId, message: 'the capture is not loaded' };
  try {
    return await answerRequest(view, capture, message);
  } catch (err) {
    const what = describe(message);
    onError(`${what} for ${view.fileName} failed`, err);
    return { type: 'error', requestId: message.requestId, message: `${what} failed: ${errorText(err)}` };
  }
}

async function answerRequest(view: SessionView, capture: Capture, message: WebviewRequest): Promise<ToWebview> {
  const requestId = message.requestId;
  switch (message.type) {
    case 'getRows':
      return rows(view, capture, message);
    case 'getFindingRows':
      return {
        ...findingRowsMessage(findingViews(view, capture), message),
        searchNote: message.offset === 0 ? rowViews(view, capture).searchNote(message.query.search) : '',
      };
    case 'findRow':
      return { type: 'rowIndex', requestId, exchangeId: message.exchangeId, index: rowViews(view, capture).indexOf(message.query, message.exchangeId) };
    case 'getDetail': {
      const exchange = capture.exchanges[message.exchangeId];
      if (!exchange) return { type: 'error', requestId, message: `there is no exchange #${message.exchangeId}` };
      const book = view.annotations;
      return {
        type: 'detail',
        requestId,
        detail: exchangeDetail(exchange, allFindingsOf(view, exchange.id), { format: capture.format, judgementOf: book ? (f) => book.judgementOf(f) : undefined }),
      };
    }
    case 'copy': {
      const effects = needEffects(view);
      const copied = copyText(view, capture, message.target);
      if (copied === undefined) return { type: 'error', requestId, message: 'nothing to copy there' };
      await effects.copy(copied.text);
      return { type: 'done', requestId, message: copied.what };
    }
    case 'reveal':
      if (!capture.exchanges[message.exchangeId]) return { type: 'error', requestId, message: `there is no exchange #${message.exchangeId}` };
      return { type: 'done', requestId, message: await needEffects(view).reveal(message.exchangeId) };
    case 'setKnownValues':
      if (message.target === 'sidecar') return { type: 'done', requestId, message: await needEffects(view).saveSidecar((book) => book.withKnownValues(message.entries), 'Saved the known values') };
      return { type: 'done', requestId, message: await needEffects(view).setKnownValues(message.entries) };
    case 'getAnnotationDraft': {
      for (const id of message.exchangeIds) if (!capture.exchanges[id]) return { type: 'error', requestId, message: `there is no exchange #${id}` };
      await view.effects?.scanSettled?.();
      const { draft, findings } = needBook(view).draft(message.exchangeIds, message.annotationId, (id) => allFindingsOf(view, id));
      return { type: 'annotationDraft', requestId, draft, findings };
    }
    case 'saveAnnotation': {
      needBook(view);
      const save = (book: AnnotationBook) => book.withAnnotation(message.draft, (id) => allFindingsOf(view, id));
      return { type: 'done', requestId, message: await needEffects(view).saveSidecar(save, message.draft.id === null ? 'Added the annotation' : 'Saved the annotation') };
    }
    case 'deleteAnnotation': {
      const book = needBook(view);
      const title = book.annotation(message.id)?.title ?? '';
      return { type: 'done', requestId, message: await needEffects(view).saveSidecar((current) => current.withoutAnnotation(message.id), `Deleted the annotation “${cap(title, 80)}”`) };
    }
    case 'judgeFinding': {
      needBook(view);
      const judge = (book: AnnotationBook) => book.withJudgement(message.exchangeId, message.key, message.judgement, message.reason, (id) => allFindingsOf(view, id));
      const what = message.judgement === null ? 'Took the judgement back' : message.judgement === 'false-positive' ? 'Marked the finding a false positive' : 'Marked the finding expected';
      return { type: 'done', requestId, message: await needEffects(view).saveSidecar(judge, what) };
    }
  }
}

function needBook(view: SessionView): AnnotationBook {
  if (!view.annotations) throw new Error('annotations are not available yet');
  return view.annotations;
}

/** The findings the detail pane lists for an exchange: those shown, then those judged (DetailFinding i is this list's i). */
export function allFindingsOf(view: SessionView, exchangeId: number): readonly Finding[] {
  const scan = view.scan;
  if (!scan) return [];
  const judged = scan.judgedOf(exchangeId);
  const shown = scan.findingsOf(exchangeId);
  return judged.length === 0 ? shown : [...shown, ...judged];
}

function needEffects(view: SessionView): SessionEffects {
  if (!view.effects) throw new Error('this view cannot do that');
  return view.effects;
}

function describe(message: WebviewRequest): string {
  switch (message.type) {
    case 'getRows':
      return `rows ${message.offset}–${message.offset + message.limit}`;
    case 'getFindingRows':
      return `finding rows ${message.offset}–${message.offset + message.limit}`;
    case 'findRow':
      return `finding exchange #${message.exchangeId}`;
    case 'getDetail':
      return `the details of exchange #${message.exchangeId}`;
    case 'copy':
      return 'copying';
    case 'reveal':
      return 'showing the entry in the file';
    case 'setKnownValues':
      return 'saving the known values';
    case 'getAnnotationDraft':
      return 'preparing the annotation';
    case 'saveAnnotation':
      return 'saving the annotation';
    case 'deleteAnnotation':
      return 'deleting the annotation';
    case 'judgeFinding':
      return 'judging the finding';
  }
}

function initMessage(view: SessionView): ToWebview {
  const capture = view.capture;
  if (!capture) {
    return { type: 'loadFailed', fileName: view.fileName, message: view.loadError ?? `${view.fileName}: the capture is not loaded` };
  }
  return {
    type: 'init',
    summary: captureSummary(capture, view.fileName, view.scan?.summary, hostCount(view, capture)),
    warnings: warningViews(capture.warnings, MAX_WARNINGS_SENT),
    pageSize: DEFAULT_PAGE_SIZE,
    facets: rowViews(view, capture).facets(),
    known: view.known ?? NO_KNOWN_VALUES,
    loading: view.loading === true,
    annotations: annotationsView(view),
  };
}

/** The annotations the webview lists; an empty list until the capture is loaded. */
export function annotationsView(view: SessionView): AnnotationsView {
  return view.annotations?.view() ?? { sidecarFile: `${view.fileName}.leaklens.json`, status: 'none', error: '', annotations: [], total: 0, judgedCount: 0 };
}

function rows(view: SessionView, capture: Capture, request: GetRowsRequest): ToWebview {
  const views = rowViews(view, capture);
  const { ids, queryMs } = views.view(request.query);
  const end = Math.min(ids.length, request.offset + request.limit);
  const byExchange = view.scan?.byExchange;
  const page = [];
  for (let i = request.offset; i < end; i++) {
    const exchange = capture.exchanges[ids[i]];
    page.push(rowSummary(exchange, byExchange?.[exchange.id], view.annotations?.severityOf(exchange.id) ?? null));
  }
  return {
    type: 'rows',
    requestId: request.requestId,
    offset: request.offset,
    total: ids.length,
    exchangeCount: capture.exchanges.length,
    queryMs,
    searchNote: request.offset === 0 ? views.searchNote(request.query.search) : '',
    rows: page,
  };
}

/**
 * The query engine of a capture, for its current findings. The search index does not depend on
 * the findings, so a rescan keeps it and only the filters and sorts that use findings start over.
 */
const enginesByCapture = new WeakMap<Capture, { scan: ScanView | undefined; views: RowViews }>();

/**
 * Build part of the capture's search index within `budgetMs` (the editor calls this in idle
 * slices after opening, so the first keystroke does not pay for it); true once it is built.
 */
export function prepareSearch(view: SessionView, budgetMs: number): boolean {
  return view.capture ? rowViews(view, view.capture).prepareSearch(budgetMs) : true;
}

/** Distinct hosts, from the query engine's dictionary (built once per capture). */
function hostCount(view: SessionView, capture: Capture): number {
  return rowViews(view, capture).columns.hostCount;
}

function rowViews(view: SessionView, capture: Capture): RowViews {
  const byExchange = view.scan?.byExchange ?? [];
  const known = enginesByCapture.get(capture);
  if (known && known.scan === view.scan) return known.views;
  const views = known ? known.views.withFindings(byExchange) : new RowViews(capture, byExchange);
  enginesByCapture.set(capture, { scan: view.scan, views });
  return views;
}

/** The findings view of a capture, for its current scan (none before the scan has run). */
const findingEnginesByCapture = new WeakMap<Capture, { scan: ScanView; views: FindingViews }>();

function findingViews(view: SessionView, capture: Capture): FindingViews | undefined {
  const scan = view.scan;
  if (!scan) return undefined;
  const rowEngine = rowViews(view, capture);
  const known = findingEnginesByCapture.get(capture);
  if (known && known.scan === scan && known.views.rows === rowEngine) return known.views;
  const views = new FindingViews(rowEngine, scan);
  findingEnginesByCapture.set(capture, { scan, views });
  return views;
}

function copyText(view: SessionView, capture: Capture, target: CopyTarget): { text: string; what: string } | undefined {
  const exchange = capture.exchanges[target.exchangeId];
  if (!exchange) return undefined;
  let copied: { text: string; what: string } | undefined;
  switch (target.what) {
    case 'url':
      copied = { text: exchange.request.url, what: 'Copied the URL' };
      break;
    case 'curl':
      copied = { text: curlCommand(exchange), what: 'Copied the request as a curl command' };
      break;
    case 'finding': {
      const finding = allFindingsOf(view, exchange.id)[target.finding];
      // The canonical value (digits of an IMEI, E.164 phone): what the researcher searches for elsewhere.
      copied = finding && { text: finding.value, what: 'Copied the value' };
      break;
    }
    case 'layer': {
      const text = layerText(exchange, target.section, target.field, target.layer);
      copied = text === undefined ? undefined : { text, what: target.layer === 0 ? 'Copied the raw text' : 'Copied the decoded text' };
      break;
    }
  }
  if (copied && copied.text.length > MAX_COPY_CHARS) return { text: cap(copied.text, MAX_COPY_CHARS), what: `${copied.what} (its first ${MAX_COPY_CHARS / 2 ** 20} Mi characters)` };
  return copied;
}
