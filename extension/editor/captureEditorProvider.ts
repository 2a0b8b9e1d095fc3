// The capture editor: a read-only custom editor (not a text editor: VS Code does not sync files
// over 50 MB to extensions, and captures are often larger). The document holds the loaded
// Capture, or the reason it could not be loaded; each webview asks it for pages of rows.
import { posix } from 'node:path';
import * as vscode from 'vscode';
import type { Capture } from '../core/model';
import { CaptureLoadError, loadCapture } from '../core/load';
import {
  DEFAULT_PAGE_SIZE,
  MAX_WARNINGS_SENT,
  parseWebviewMessage,
  type FromWebview,
  type GetRowsRequest,
  type ToWebview,
} from '../protocol';
import { captureSummary, rowPage, warningViews } from './rows';
import { webviewHtml } from './webviewHtml';

export const CAPTURE_EDITOR = 'leaklens.captureEditor';
export const TSHARK_EDITOR = 'leaklens.tsharkEditor';

/** tshark writes .json / .jsonl (-T json, -T ek); everything else we open is HAR. */
export function viewTypeFor(uri: vscode.Uri): string {
  return /\.(json|jsonl|ndjson)$/i.test(uri.path) ? TSHARK_EDITOR : CAPTURE_EDITOR;
}

type LoadState = { kind: 'loaded'; capture: Capture } | { kind: 'failed'; message: string };

export class CaptureDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    private state: LoadState | undefined,
  ) {}

  get fileName(): string {
    return posix.basename(this.uri.path);
  }

  get capture(): Capture | undefined {
    return this.state?.kind === 'loaded' ? this.state.capture : undefined;
  }

  get loadError(): string | undefined {
    return this.state?.kind === 'failed' ? this.state.message : undefined;
  }

  dispose(): void {
    this.state = undefined;
  }
}

export class CaptureEditorProvider implements vscode.CustomReadonlyEditorProvider<CaptureDocument> {
  /** Register the provider under both view types (HAR by default, tshark JSON on request). */
  static register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable[] {
    const provider = new CaptureEditorProvider(context.extensionUri, log);
    return [CAPTURE_EDITOR, TSHARK_EDITOR].map((viewType) =>
      vscode.window.registerCustomEditorProvider(viewType, provider, {
        // State survives hiding through the webview's setState; no hidden webviews kept alive.
        webviewOptions: { retainContextWhenHidden: false },
        // The document is read-only and shared, so split editors are cheap.
        supportsMultipleEditorsPerDocument: true,
      }),
    );
  }

  private readonly mediaRoot: vscode.Uri;

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.mediaRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  }

  async openCustomDocument(
    uri: vscode.Uri,
    _openContext: vscode.CustomDocumentOpenContext,
    token: vscode.CancellationToken,
  ): Promise<CaptureDocument> {
    const displayPath = vscode.workspace.asRelativePath(uri, false);
    let bytes: Uint8Array;
    try {
      // Read only: the capture file is never written.
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (err) {
      return new CaptureDocument(uri, { kind: 'failed', message: `${displayPath}: cannot read the file (${errorText(err)})` });
    }
    if (token.isCancellationRequested) return new CaptureDocument(uri, undefined);

    const started = Date.now();
    try {
      const capture = loadCapture(bytes, displayPath);
      this.log.info(
        `opened ${displayPath}: ${capture.format}, ${capture.exchanges.length} exchanges, ${capture.warnings.length} warnings, ${Date.now() - started} ms`,
      );
      return new CaptureDocument(uri, { kind: 'loaded', capture });
    } catch (err) {
      return new CaptureDocument(uri, { kind: 'failed', message: this.describeLoadError(err, displayPath, bytes.length) });
    }
  }

  async resolveCustomEditor(document: CaptureDocument, panel: vscode.WebviewPanel, _token: vscode.CancellationToken): Promise<void> {
    const webview = panel.webview;
    webview.options = {
      enableScripts: true,
      enableForms: false,
      enableCommandUris: false,
      localResourceRoots: [this.mediaRoot],
    };
    webview.html = webviewHtml(webview, this.mediaRoot);

    const subscription = webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseWebviewMessage(raw);
      if (!message) {
        this.log.warn(`dropped an invalid message from the ${document.fileName} webview`);
        return;
      }
      this.handle(document, message, (reply) => void webview.postMessage(reply));
    });
    panel.onDidDispose(() => subscription.dispose());
  }

  private handle(document: CaptureDocument, message: FromWebview, post: (message: ToWebview) => void): void {
    switch (message.type) {
      case 'ready':
        post(this.initMessage(document));
        return;
      case 'getRows':
        post(this.rows(document, message));
        return;
    }
  }

  private initMessage(document: CaptureDocument): ToWebview {
    const capture = document.capture;
    if (!capture) {
      return { type: 'loadFailed', fileName: document.fileName, message: document.loadError ?? `${document.fileName}: the capture is not loaded` };
    }
    return {
      type: 'init',
      summary: captureSummary(capture, document.fileName),
      warnings: warningViews(capture.warnings, MAX_WARNINGS_SENT),
      pageSize: DEFAULT_PAGE_SIZE,
    };
  }

  private rows(document: CaptureDocument, request: GetRowsRequest): ToWebview {
    const capture = document.capture;
    if (!capture) return { type: 'error', requestId: request.requestId, message: 'the capture is not loaded' };
    try {
      return {
        type: 'rows',
        requestId: request.requestId,
        offset: request.offset,
        total: capture.exchanges.length,
        rows: rowPage(capture, request.offset, request.limit),
      };
    } catch (err) {
      this.log.error(`rows ${request.offset}+${request.limit} of ${document.fileName} failed`, err);
      return { type: 'error', requestId: request.requestId, message: `could not build rows ${request.offset}–${request.offset + request.limit}: ${errorText(err)}` };
    }
  }

  private describeLoadError(err: unknown, displayPath: string, byteLength: number): string {
    if (err instanceof CaptureLoadError) {
      this.log.warn(err.message);
      return err.message;
    }
    this.log.error(`unexpected error while opening ${displayPath}`, err);
    if (err instanceof RangeError && /string length|allocation/i.test(err.message)) {
      return `${displayPath}: the file is too large to open in memory (${(byteLength / 2 ** 20).toFixed(0)} MiB)`;
    }
    return `${displayPath}: unexpected error while opening the capture (${errorText(err)})`;
  }
}

function errorText(err: unknown): string {
  if (err instanceof vscode.FileSystemError) return err.code || err.message;
  return err instanceof Error ? err.message : String(err);
}
