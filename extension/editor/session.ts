// The host's answers to a webview, without VS Code: the editor provider and the webview tests
// (a real browser with a fake acquireVsCodeApi) share them, so the tests talk to the real host logic.
import type { Capture } from '../core/model';
import {
  DEFAULT_PAGE_SIZE,
  MAX_WARNINGS_SENT,
  type FromWebview,
  type GetRowsRequest,
  type ToWebview,
} from '../protocol';
import { captureSummary, rowPage, warningViews, type ScanView } from './rows';

/** What a webview session shows: one capture (or why it did not load) and its scan. */
export interface SessionView {
  fileName: string;
  capture: Capture | undefined;
  loadError: string | undefined;
  scan: ScanView | undefined;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The answer to a validated webview message; `onError` hears about failures the answer reports. */
export function answer(view: SessionView, message: FromWebview, onError: (what: string, err: unknown) => void = () => {}): ToWebview {
  switch (message.type) {
    case 'ready':
      return initMessage(view);
    case 'getRows':
      return rows(view, message, onError);
  }
}

function initMessage(view: SessionView): ToWebview {
  const capture = view.capture;
  if (!capture) {
    return { type: 'loadFailed', fileName: view.fileName, message: view.loadError ?? `${view.fileName}: the capture is not loaded` };
  }
  return {
    type: 'init',
    summary: captureSummary(capture, view.fileName, view.scan?.summary),
    warnings: warningViews(capture.warnings, MAX_WARNINGS_SENT),
    pageSize: DEFAULT_PAGE_SIZE,
  };
}

function rows(view: SessionView, request: GetRowsRequest, onError: (what: string, err: unknown) => void): ToWebview {
  const capture = view.capture;
  if (!capture) return { type: 'error', requestId: request.requestId, message: 'the capture is not loaded' };
  try {
    return {
      type: 'rows',
      requestId: request.requestId,
      offset: request.offset,
      total: capture.exchanges.length,
      rows: rowPage(capture, request.offset, request.limit, view.scan?.byExchange),
    };
  } catch (err) {
    onError(`rows ${request.offset}+${request.limit} of ${view.fileName} failed`, err);
    return { type: 'error', requestId: request.requestId, message: `could not build rows ${request.offset}–${request.offset + request.limit}: ${errorText(err)}` };
  }
}
