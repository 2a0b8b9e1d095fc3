// The capture editor: a read-only custom editor (not a text editor: VS Code does not sync files
// over 50 MB to extensions, and captures are often larger). The document holds the loaded
// Capture and its scan, or the reason it could not be loaded; each webview asks it for pages of
// rows. When the settings that shape the scan change, open documents are scanned again and their
// webviews told to refresh.
import { constants as bufferConstants } from 'node:buffer';
import { open as openFile } from 'node:fs/promises';
import { posix } from 'node:path';
import * as vscode from 'vscode';
import type { Capture, Exchange, LoadWarning } from '../core/model';
import { CaptureLoadError, loadCapture } from '../core/load';
import { PREVIEW_MIN_BYTES, PREVIEW_PREFIX_BYTES, previewCapture } from '../core/load/preview';
import { STREAM_MIN_BYTES } from '../core/load/stream/index';
import type { DecodeLimits } from '../core/decode/types';
import { loadAndScanInWorker, scanBytesInWorker, WorkerLoadCancelledError, type WorkerProgress } from '../core/work/client';
import type { KnownValue } from '../core/detect/known';
import { DEFAULT_ADVISORY_TEMPLATE, writeAdvisory } from '../core/report/advisory';
import { scanCapture, type ScanResult } from '../core/scan';
import { locateExchange } from '../core/load/locate';
import { parseWebviewMessage, refusedRequestId, type FindingsSummary, type FromWebview, type KnownValueEntry, type KnownValuesView, type ToWebview } from '../protocol';
import { failedScanView, scanView, type ScanView } from './rows';
import {
  decodeLimitsFrom,
  MAX_DECODED_MB_SETTING,
  KNOWN_VALUES_SETTING,
  PHONE_REGION_SETTING,
  SETTINGS_SECTION,
  knownEntriesFrom,
  knownSettingFrom,
  scanSettingsFrom,
  type ScanSettings,
} from './scanSettings';
import { annotationsView, answer, NO_KNOWN_VALUES, prepareSearch, errorText as sessionErrorText, type SessionEffects, type SessionView } from './session';
import { AnnotationBook, type AdvisoryDetails } from './annotationBook';
import { askOnConflict, SidecarFile, type SidecarSnapshot } from './sidecarFile';
import { inertNotificationText } from './notify';
import { treeFindingOf, type FindingsTreeSource, type ShowInCaptureTarget, type TreeCaptureInfo } from './findingsTree';

/** A preview no webview asked rows of is loaded in full after this long anyway. */
const PREVIEW_GRACE_MS = 1500;
/** Longest slice of search-index building between other work on the extension host. */
const SEARCH_SLICE_MS = 20;
/** The advisory template setting, and the largest template read. */
const ADVISORY_TEMPLATE_SETTING = 'advisoryTemplate';
const MAX_TEMPLATE_BYTES = 1024 * 1024;
/** How long Show in Capture waits for a capture it opened to load. */
const SHOW_WAIT_MS = 120_000;
/** The load limits and the size from which a capture is read by the worker (package.json has their descriptions). */
const MAX_EXCHANGES_SETTING = 'maxExchanges';
const STREAM_THRESHOLD_SETTING = 'streamThresholdMB';
const DEFAULT_MAX_EXCHANGES = 1_000_000;
/** Least time between two growths of the table while a capture loads (each rebuilds its row index). */
const GROW_EVERY_MS = 1000;
/** Bytes over which the text of a file cannot be one string, whatever the threshold setting says. */
const MAX_STRING_BYTES = bufferConstants.MAX_STRING_LENGTH;
import { webviewHtml } from './webviewHtml';

export const CAPTURE_EDITOR = 'leaklens.captureEditor';
export const TSHARK_EDITOR = 'leaklens.tsharkEditor';

/** tshark writes .json / .jsonl (-T json, -T ek); everything else we open is HAR. */
export function viewTypeFor(uri: vscode.Uri): string {
  return /\.(json|jsonl|ndjson)$/i.test(uri.path) ? TSHARK_EDITOR : CAPTURE_EDITOR;
}

/** What the extension's API tells about one open capture. */
export interface OpenCapture {
  uri: string;
  format: string;
  exchanges: number;
  /** Undefined until scanned. */
  scan: FindingsSummary | undefined;
  /** Its sidecar as the editor holds it now: status, annotation titles, judged findings. */
  sidecar: { status: 'none' | 'ok' | 'error'; error: string; annotations: string[]; judged: number };
}

type LoadState =
  | { kind: 'loaded'; capture: Capture }
  /** The first requests, read before the rest of a large file; `bytes` are the whole file, still to load. */
  | { kind: 'preview'; capture: Capture; bytes: Uint8Array; displayPath: string }
  /** The requests read so far of a file the worker is reading (core/work): the capture grows. */
  | { kind: 'streaming'; capture: Capture }
  | { kind: 'failed'; message: string };

export class CaptureDocument implements vscode.CustomDocument, SessionView {
  /** The findings, once scanned; `scanKey` says with which settings. */
  scan: ScanView | undefined;
  scanKey: string | undefined;
  /** The known values the last scan used, for the panel. */
  known: KnownValuesView = NO_KNOWN_VALUES;
  /** The known values last sent to the webviews (JSON), so they are sent again only when changed. */
  knownSent: string | undefined;
  /** The last scan's result and the known values it used (for the advisory). */
  scanResult: { result: ScanResult; known: KnownValue[]; regionFromSetting: boolean } | undefined;
  effects: SessionEffects | undefined;
  /** Webviews showing this document (split editors share it). */
  readonly webviews = new Set<vscode.Webview>();
  /** Their panels, to find the active one (for commands). */
  readonly panels = new Set<vscode.WebviewPanel>();
  /** The sidecar on disk (annotations, judgements, known values, advisory details). */
  sidecarFile: SidecarFile | undefined;
  /** The sidecar as the workbench uses it; undefined until the capture is loaded. */
  annotations: AnnotationBook | undefined;
  /** What a webview should show once it is ready (the Findings tree opened the capture for it). */
  pendingFocus: { exchangeId: number; findingKey: string | null; annotate?: boolean } | undefined;
  /** Stops the worker reading the capture; set while it reads (or scans it again). */
  cancelLoad: (() => void) | undefined;
  /** Stops it at once, dropping what it read (the editor is closing). */
  abortLoad: (() => void) | undefined;
  /** Read whole by the worker (not cancelled): a rescan goes through the worker too, never this thread. */
  readInWorker = false;
  /**
   * The bytes a small capture was loaded from on this thread: every scan of it runs in a worker on a
   * copy of them (a capture of decompression bombs costs a thread seconds, never the host's).
   */
  sourceBytes: Uint8Array | undefined;
  /** Stops the worker scanning `sourceBytes`; set while it runs. */
  abortScan: (() => void) | undefined;
  /** Settles when that scan ends (found, failed or stopped); set while it runs. */
  scanning: Promise<void> | undefined;

  constructor(
    readonly uri: vscode.Uri,
    private state: LoadState | undefined,
    private readonly onDispose: (document: CaptureDocument) => void = () => {},
  ) {}

  get fileName(): string {
    return posix.basename(this.uri.path);
  }

  get capture(): Capture | undefined {
    return this.state?.kind === 'loaded' || this.state?.kind === 'preview' || this.state?.kind === 'streaming' ? this.state.capture : undefined;
  }

  get loading(): boolean {
    return this.state?.kind === 'preview' || this.state?.kind === 'streaming';
  }

  /** More of a streamed capture was read: the views show this one from now on. */
  grow(capture: Capture): void {
    if (this.state?.kind === 'streaming') this.state = { kind: 'streaming', capture };
  }

  /** The preview's state, to finish loading; undefined once loaded (or failed, or closed). */
  get pendingLoad(): Extract<LoadState, { kind: 'preview' }> | undefined {
    return this.state?.kind === 'preview' ? this.state : undefined;
  }

  finishLoading(state: Exclude<LoadState, { kind: 'preview' | 'streaming' }>): void {
    if (this.state?.kind === 'preview' || this.state?.kind === 'streaming') this.state = state;
    this.cancelLoad = undefined;
    this.abortLoad = undefined;
  }

  get loadError(): string | undefined {
    return this.state?.kind === 'failed' ? this.state.message : undefined;
  }

  dispose(): void {
    this.abortLoad?.();
    this.abortScan?.();
    this.sourceBytes = undefined;
    this.abortLoad = undefined;
    this.cancelLoad = undefined;
    this.state = undefined;
    this.scan = undefined;
    this.effects = undefined;
    this.annotations = undefined;
    this.sidecarFile?.dispose();
    this.sidecarFile = undefined;
    this.webviews.clear();
    this.panels.clear();
    this.onDispose(this);
  }
}

export class CaptureEditorProvider implements vscode.CustomReadonlyEditorProvider<CaptureDocument> {
  /** Register the provider under both view types (HAR by default, tshark JSON on request). */
  static register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): { provider: CaptureEditorProvider; disposables: vscode.Disposable[] } {
    const provider = new CaptureEditorProvider(context.extensionUri, log);
    const disposables = [
      ...[CAPTURE_EDITOR, TSHARK_EDITOR].map((viewType) =>
        vscode.window.registerCustomEditorProvider(viewType, provider, {
          // State survives hiding through the webview's setState; no hidden webviews kept alive.
          webviewOptions: { retainContextWhenHidden: false },
          // The document is read-only and shared, so split editors are cheap.
          supportsMultipleEditorsPerDocument: true,
        }),
      ),
      vscode.workspace.onDidChangeConfiguration((event) => void provider.settingsChanged(event)),
      provider.treeChanged,
    ];
    return { provider, disposables };
  }

  /**
   * The markdown advisory of an open, scanned capture, with its sidecar's annotations when there
   * is one beside it (a sidecar that cannot be read is reported and left out, never changed).
   * Undefined while the capture is not open in LeakLens or not scanned yet.
   */
  async advisoryFor(uri: vscode.Uri): Promise<{ markdown: string; problems: string[] } | undefined> {
    const document = this.documentOf(uri);
    const capture = document?.capture;
    const scanned = document?.scanResult;
    if (!document || !capture || document.loading || !scanned) return undefined;
    const problems: string[] = [];
    const book = document.annotations;
    if (book?.status.status === 'error') problems.push(`${book.status.error} (the advisory is written without its annotations)`);
    const template = await this.advisoryTemplate(document.uri, problems);
    const markdown = writeAdvisory({
      captures: [{ file: document.fileName, capture, scan: scanned.result, ...(book?.sidecar ? { sidecar: book.sidecar } : {}) }],
      options: { known: scanned.known, template },
    });
    return { markdown, problems };
  }

  /**
   * The advisory template: the leaklens.advisoryTemplate setting (relative to the workspace
   * folder), else `.leaklens/advisory-template.md` in the folder when it exists, else the built-in one.
   */
  private async advisoryTemplate(capture: vscode.Uri, problems: string[]): Promise<string> {
    const folder = vscode.workspace.getWorkspaceFolder(capture)?.uri;
    const setting = (vscode.workspace.getConfiguration(SETTINGS_SECTION, capture).get<string>(ADVISORY_TEMPLATE_SETTING) ?? '').trim();
    const candidates: { uri: vscode.Uri; required: boolean }[] = [];
    if (setting !== '') {
      const absolute = posix.isAbsolute(setting) || /^[A-Za-z]:[\\/]/.test(setting);
      if (absolute) candidates.push({ uri: vscode.Uri.file(setting), required: true });
      else if (folder) candidates.push({ uri: vscode.Uri.joinPath(folder, setting), required: true });
      else problems.push(`The ${SETTINGS_SECTION}.${ADVISORY_TEMPLATE_SETTING} setting "${setting}" is relative but the capture is in no workspace folder; the built-in template was used.`);
    } else if (folder) {
      candidates.push({ uri: vscode.Uri.joinPath(folder, '.leaklens', 'advisory-template.md'), required: false });
    }
    for (const { uri, required } of candidates) {
      try {
        const bytes = await vscode.workspace.fs.readFile(uri);
        if (bytes.length > MAX_TEMPLATE_BYTES) {
          problems.push(`The advisory template ${vscode.workspace.asRelativePath(uri, false)} is over ${MAX_TEMPLATE_BYTES / 1024} KiB; the built-in template was used.`);
          break;
        }
        return new TextDecoder('utf-8').decode(bytes);
      } catch (err) {
        if (required) problems.push(`The advisory template ${vscode.workspace.asRelativePath(uri, false)} cannot be read (${errorText(err)}); the built-in template was used.`);
      }
    }
    return DEFAULT_ADVISORY_TEMPLATE;
  }

  private treeCaptures(): TreeCaptureInfo[] {
    const captures: TreeCaptureInfo[] = [];
    for (const document of this.documents) {
      const capture = document.capture;
      if (!capture) continue;
      const scan = document.loading ? undefined : document.scan;
      const findings = scan ? treeFindingsOf(capture, scan) : [];
      captures.push({ uri: document.uri, fileName: document.fileName, scanned: scan !== undefined, annotations: annotationsView(document), findings });
    }
    return captures;
  }

  /** `leaklens.annotate`: the annotation form of the active LeakLens editor, for its selected rows. */
  annotateActive(): boolean {
    for (const document of this.documents) {
      for (const panel of document.panels) {
        if (!panel.active) continue;
        void panel.webview.postMessage({ type: 'startAnnotation' } satisfies ToWebview);
        return true;
      }
    }
    return false;
  }

  /**
   * `leaklens.showInCapture` (the Findings tree): open the capture in LeakLens and select the
   * exchange (an annotation's first attached one), flashing the finding when one is named.
   */
  async showInCapture(uri: vscode.Uri, target: ShowInCaptureTarget): Promise<void> {
    await vscode.commands.executeCommand('vscode.openWith', uri, viewTypeFor(uri));
    const deadline = Date.now() + SHOW_WAIT_MS;
    let document = this.documentOf(uri);
    let seen = document !== undefined;
    while ((!document?.annotations || document.loading) && Date.now() < deadline) {
      if (document?.loadError) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
      document = this.documentOf(uri);
      if (seen && !document) return; // closed meanwhile
      seen ||= document !== undefined;
    }
    const book = document?.annotations;
    if (!document || !book) {
      void vscode.window.showErrorMessage(inertNotificationText(document?.loadError ?? `LeakLens could not open ${vscode.workspace.asRelativePath(uri, false)}.`));
      return;
    }
    let focus: { exchangeId: number; findingKey: string | null; annotate?: boolean };
    if ('annotationId' in target) {
      const annotation = book.annotation(target.annotationId);
      const exchangeId = annotation?.exchanges.map((x) => book.exchangeOf(x)).find((id) => id !== undefined);
      if (exchangeId === undefined) {
        void vscode.window.showWarningMessage(
          inertNotificationText(annotation ? `The annotation “${annotation.title}” is attached to no request of ${document.fileName}: ${book.annotationView(annotation).orphans[0] ?? ''}` : `There is no such annotation in ${book.sidecarFile} any more.`),
        );
        return;
      }
      focus = { exchangeId, findingKey: null };
    } else {
      focus = { exchangeId: target.exchangeId, findingKey: target.findingKey, ...(target.annotate ? { annotate: true } : {}) };
    }
    const ready = [...document.panels].find((p) => p.active && this.readyWebviews.has(p.webview)) ?? [...document.panels].find((p) => this.readyWebviews.has(p.webview));
    if (ready) await ready.webview.postMessage({ type: 'focusExchange', ...focus } satisfies ToWebview);
    else document.pendingFocus = focus;
  }

  /**
   * `leaklens.editAdvisoryDetails`: the advisory's title, product, versions, setup, researcher and
   * a timeline entry, asked one after the other (Escape cancels all) and saved to the sidecar.
   */
  async editAdvisoryDetails(uri: vscode.Uri | undefined): Promise<void> {
    const document = uri ? this.documentOf(uri) : [...this.documents].find((d) => [...d.panels].some((p) => p.active));
    const book = document?.annotations;
    if (!document || !book || !document.effects) {
      void vscode.window.showInformationMessage('Open a capture in LeakLens first.');
      return;
    }
    const current = book.sidecar?.advisory ?? {};
    const steps: { key: keyof AdvisoryDetails; prompt: string; value: string; placeHolder?: string }[] = [
      { key: 'title', prompt: 'Advisory title (empty: generated from the findings)', value: current.title ?? '' },
      { key: 'product', prompt: 'Affected product (app or device, as the vendor names it)', value: current.product ?? '', placeHolder: 'e.g. Xiaomi RedMi 1S' },
      { key: 'vendor', prompt: 'Vendor', value: current.vendor ?? '' },
      { key: 'versions', prompt: 'Versions tested, comma-separated', value: (current.versions ?? []).join(', '), placeHolder: 'e.g. MIUI 38.0, 38.1' },
      { key: 'setup', prompt: 'Test setup (device, OS, proxy)', value: current.setup ?? '', placeHolder: 'e.g. RedMi 1S, MIUI 38, mitmproxy 10 as a transparent proxy' },
      { key: 'researcher', prompt: 'Researcher (name or team, for the byline)', value: current.researcher ?? '' },
      { key: 'summary', prompt: 'Summary (one paragraph; markdown)', value: current.summary ?? '' },
      { key: 'timelineEntry', prompt: 'Add a timeline entry as DATE: EVENT (empty: none)', value: '', placeHolder: `${new Date().toISOString().slice(0, 10)}: reported to the vendor` },
    ];
    const details: AdvisoryDetails = {};
    for (const [i, step] of steps.entries()) {
      const answer = await vscode.window.showInputBox({
        title: `LeakLens: Advisory Details of ${document.fileName} (${i + 1}/${steps.length})`,
        prompt: step.prompt,
        value: step.value,
        placeHolder: step.placeHolder,
        ignoreFocusOut: true,
        validateInput: step.key === 'timelineEntry' ? (text) => (text.trim() === '' || /^\d{4}-\d{2}-\d{2}\s*:\s*\S/.test(text.trim()) ? undefined : 'Write it as YYYY-MM-DD: what happened') : undefined,
      });
      if (answer === undefined) return; // cancelled: nothing saved
      if (step.key === 'versions') details.versions = answer.split(',');
      else if (step.key === 'timelineEntry') {
        const match = /^(\d{4}-\d{2}-\d{2})\s*:\s*(.+)$/s.exec(answer.trim());
        if (match) details.timelineEntry = { date: match[1], event: match[2].trim() };
      } else details[step.key] = answer;
    }
    try {
      const message = await document.effects.saveSidecar((current) => current.withAdvisory(details), 'Saved the advisory details');
      void vscode.window.showInformationMessage(message);
    } catch (err) {
      void vscode.window.showErrorMessage(`LeakLens could not save the advisory details: ${errorText(err)}`);
    }
  }

  /** `leaklens.openSidecar`: the active capture's sidecar as text. */
  async openSidecarOf(uri: vscode.Uri | undefined): Promise<void> {
    const document = uri ? this.documentOf(uri) : [...this.documents].find((d) => [...d.panels].some((p) => p.active));
    const file = document?.sidecarFile;
    if (!document || !file) {
      void vscode.window.showInformationMessage('Open a capture in LeakLens first.');
      return;
    }
    const sidecarUri = vscode.Uri.file(file.path);
    try {
      await vscode.workspace.fs.stat(sidecarUri);
    } catch {
      void vscode.window.showInformationMessage(`${document.fileName} has no annotations yet: the first one you add creates ${file.fileName} beside it.`);
      return;
    }
    await vscode.window.showTextDocument(sidecarUri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }

  private documentOf(uri: vscode.Uri): CaptureDocument | undefined {
    return [...this.documents].find((d) => d.uri.toString() === uri.toString());
  }

  /** The open captures and what their last scan found: the extension's API for tests and automation. */
  openCaptures(): OpenCapture[] {
    return [...this.documents].map((d) => ({
      uri: d.uri.toString(),
      format: d.capture?.format ?? '',
      exchanges: d.capture?.exchanges.length ?? 0,
      scan: d.scan?.summary,
      sidecar: (({ status, error, annotations, judgedCount }) => ({ status, error, annotations: annotations.map((a) => a.title), judged: judgedCount }))(annotationsView(d)),
    }));
  }

  readonly treeChanged = new vscode.EventEmitter<void>();
  /** What the LeakLens Findings tree shows of the open captures. */
  readonly treeSource: FindingsTreeSource = { captures: () => this.treeCaptures(), onDidChange: this.treeChanged.event };

  private readonly mediaRoot: vscode.Uri;
  private readonly workerScript: string;
  /** Open documents, so a settings change can rescan them. */
  private readonly documents = new Set<CaptureDocument>();
  /** Webviews that were answered `ready` (their page can take messages). */
  private readonly readyWebviews = new WeakSet<vscode.Webview>();
  /** Settings problems already shown: each is shown once, not on every file opened. */
  private readonly shownProblems = new Set<string>();

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.mediaRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    this.workerScript = vscode.Uri.joinPath(extensionUri, 'dist', 'captureWorker.js').fsPath;
  }

  async openCustomDocument(
    uri: vscode.Uri,
    _openContext: vscode.CustomDocumentOpenContext,
    token: vscode.CancellationToken,
  ): Promise<CaptureDocument> {
    const displayPath = vscode.workspace.asRelativePath(uri, false);
    const onDispose = (d: CaptureDocument) => {
      this.documents.delete(d);
      this.treeChanged.fire();
    };
    // A large local file is read by the worker, never whole on this thread (nor as one string).
    if (uri.scheme === 'file') {
      let size: number;
      try {
        size = (await vscode.workspace.fs.stat(uri)).size;
      } catch (err) {
        return new CaptureDocument(uri, { kind: 'failed', message: `${displayPath}: cannot read the file (${errorText(err)})` });
      }
      if (size >= this.streamThreshold(uri) || size > MAX_STRING_BYTES) return this.openStreamed(uri, displayPath, size, onDispose);
    }
    let bytes: Uint8Array;
    try {
      // Read only: the capture file is never written.
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (err) {
      return new CaptureDocument(uri, { kind: 'failed', message: `${displayPath}: cannot read the file (${errorText(err)})` });
    }
    if (token.isCancellationRequested) return new CaptureDocument(uri, undefined);

    // A large HAR shows its first requests at once; the rest loads once they are on screen.
    const preview = bytes.length >= PREVIEW_MIN_BYTES ? previewCapture(bytes, displayPath) : undefined;
    if (preview && !preview.complete) {
      this.log.info(`previewing ${displayPath}: the first ${preview.capture.exchanges.length} exchanges of ${(bytes.length / 2 ** 20).toFixed(0)} MiB`);
      const document = new CaptureDocument(uri, { kind: 'preview', capture: preview.capture, bytes, displayPath }, onDispose);
      document.sourceBytes = bytes;
      this.documents.add(document);
      document.effects = this.effectsFor(document);
      await this.openSidecar(document);
      // The known-values panel must show the setting as it is, or a save would replace it.
      this.settingsFor(document);
      // In case no webview asks for rows (a hidden editor), load anyway.
      setTimeout(() => this.finishLoad(document), PREVIEW_GRACE_MS);
      return document;
    }

    let document: CaptureDocument;
    try {
      document = new CaptureDocument(uri, { kind: 'loaded', capture: this.load(bytes, displayPath, uri) }, onDispose);
    } catch (err) {
      return new CaptureDocument(uri, { kind: 'failed', message: this.describeLoadError(err, displayPath, bytes.length) });
    }
    if (token.isCancellationRequested) return document;
    document.sourceBytes = bytes;
    this.documents.add(document);
    document.effects = this.effectsFor(document);
    await this.openSidecar(document);
    this.scanSoon(document);
    this.treeChanged.fire();
    return document;
  }

  /** Read the capture's sidecar (before the scan: it may hold known values) and watch it. */
  private async openSidecar(document: CaptureDocument): Promise<void> {
    const file = new SidecarFile(document.uri, (snapshot) => this.sidecarChanged(document, snapshot), askOnConflict, this.log);
    document.sidecarFile = file;
    const snapshot = await file.load();
    this.setBook(document, snapshot);
  }

  private setBook(document: CaptureDocument, snapshot: SidecarSnapshot): void {
    const capture = document.capture;
    const file = document.sidecarFile;
    document.annotations = capture && file ? new AnnotationBook(capture, snapshot.sidecar, file.fileName, snapshot.status) : undefined;
  }

  /**
   * The sidecar changed (our save, or on disk): renew the book; rescan when its known values
   * changed, else re-filter the findings by the judgements; tell the webviews and the tree.
   */
  private sidecarChanged(document: CaptureDocument, snapshot: SidecarSnapshot): void {
    if (!document.sidecarFile) return; // closed
    const before = document.annotations;
    this.setBook(document, snapshot);
    if (document.capture && !document.loading && document.scanKey !== undefined) {
      const settings = this.settingsFor(document);
      if (settings.key !== document.scanKey) {
        this.scan(document, settings);
        this.notifyRescan(document);
      } else if ((before?.judgementSignature() ?? '') !== (document.annotations?.judgementSignature() ?? '')) {
        this.refilter(document);
        this.notifyFindings(document);
      }
    }
    const annotations = annotationsView(document);
    for (const webview of document.webviews) void webview.postMessage({ type: 'annotationsUpdated', annotations } satisfies ToWebview);
    this.treeChanged.fire();
  }

  private load(bytes: Uint8Array, displayPath: string, uri: vscode.Uri): Capture {
    const started = Date.now();
    const capture = loadCapture(bytes, displayPath);
    const max = this.maxExchanges(uri);
    if (capture.exchanges.length > max) {
      const total = capture.exchanges.length;
      capture.exchanges = capture.exchanges.slice(0, max);
      capture.warnings.push({ code: 'max-exchanges', severity: 'warning', message: `only the first ${max} exchanges were read (the file holds ${total} exchanges)` });
    }
    this.nameLimitSettings(capture, uri, displayPath);
    this.log.info(`opened ${displayPath}: ${capture.format}, ${capture.exchanges.length} exchanges, ${capture.warnings.length} warnings, ${Date.now() - started} ms`);
    return capture;
  }

  /**
   * The loader's warning about a limit says which setting raises it, and the researcher hears of
   * it at once: rows missing from a leak report are worse than a slow load.
   */
  private nameLimitSettings(capture: Capture, uri: vscode.Uri, displayPath: string): void {
    const max = this.maxExchanges(uri);
    const setting = `${SETTINGS_SECTION}.${MAX_EXCHANGES_SETTING}`;
    for (const warning of capture.warnings) {
      if (warning.code !== 'max-exchanges' || warning.message.includes(setting)) continue;
      const base = warning.message.replace(/;\s*raise the maxExchanges load limit to read them all$/, '');
      warning.message = `${base}; raise the ${setting} setting (now ${max}) and open the file again to read them all`;
      this.warnOnce(`LeakLens read only the first ${max.toLocaleString('en-US')} requests of ${displayPath}. Raise the ${setting} setting and open the file again to read them all.`);
    }
  }

  private config(uri: vscode.Uri): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SETTINGS_SECTION, uri);
  }

  private maxExchanges(uri: vscode.Uri): number {
    return positiveSetting(this.config(uri).get<unknown>(MAX_EXCHANGES_SETTING), DEFAULT_MAX_EXCHANGES, true);
  }

  private decodeLimits(uri: vscode.Uri): DecodeLimits {
    return decodeLimitsFrom(this.config(uri).get<unknown>(MAX_DECODED_MB_SETTING));
  }

  private streamThreshold(uri: vscode.Uri): number {
    const raw = this.config(uri).get<unknown>(STREAM_THRESHOLD_SETTING);
    // 0 is allowed (every local file through the worker), unlike the limits.
    return typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 ? raw * 2 ** 20 : STREAM_MIN_BYTES;
  }

  /** The first rows from the head of the file (a HAR only), else an empty capture; the worker's rows replace them. */
  private async firstRows(uri: vscode.Uri, displayPath: string, size: number): Promise<Capture> {
    const empty: Capture = {
      source: { name: displayPath, byteLength: size, wrappers: [] },
      format: /\.(jsonl|ndjson)$/i.test(uri.path) ? 'tshark-ek' : /\.json$/i.test(uri.path) ? 'tshark-json' : 'har',
      exchanges: [],
      warnings: [],
      dns: [],
      pages: [],
    };
    try {
      const file = await openFile(uri.fsPath, 'r');
      try {
        const head = Buffer.alloc(Math.min(size, PREVIEW_PREFIX_BYTES));
        const { bytesRead } = await file.read(head, 0, head.length, 0);
        const preview = previewCapture(head.subarray(0, bytesRead), displayPath);
        if (!preview) return empty;
        preview.capture.source.byteLength = size;
        // Its warnings are only its entries': the worker's list is the file's.
        preview.capture.warnings = [];
        return preview.capture;
      } finally {
        await file.close();
      }
    } catch (err) {
      this.log.warn(`could not read the first rows of ${displayPath}: ${errorText(err)}`);
      return empty;
    }
  }

  /** Open a large local capture: its first rows now, the rest from the worker as it reads and scans. */
  private async openStreamed(uri: vscode.Uri, displayPath: string, size: number, onDispose: (d: CaptureDocument) => void): Promise<CaptureDocument> {
    const first = await this.firstRows(uri, displayPath, size);
    const document = new CaptureDocument(uri, { kind: 'streaming', capture: first }, onDispose);
    this.documents.add(document);
    document.effects = this.effectsFor(document);
    // Before the worker starts: the sidecar may hold known values the scan needs.
    await this.openSidecar(document);
    const settings = this.settingsFor(document);
    this.log.info(`reading ${displayPath} (${(size / 2 ** 20).toFixed(0)} MiB) in a worker; first ${first.exchanges.length} rows from its head`);
    void this.stream(document, displayPath, size, first, settings);
    this.treeChanged.fire();
    return document;
  }

  private stream(document: CaptureDocument, displayPath: string, size: number, first: Capture, settings: EditorScanSettings): Thenable<void> {
    const started = performance.now();
    const title = `LeakLens: opening ${document.fileName}`;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const received: Exchange[] = [];
      let percent = 0;
      let latest: WorkerProgress = { bytesRead: 0, totalBytes: size, exchanges: 0, findings: 0 };
      let grownAt = performance.now();
      let sentAt = 0;
      let shown = first.exchanges.length;
      const grow = (force: boolean) => {
        if (!document.loading) return;
        const now = performance.now();
        if (!force && now - sentAt < GROW_EVERY_MS) return;
        sentAt = now;
        // Each growth makes the views index the rows again: grow by a share, so the work stays linear.
        if (received.length > shown && (received.length >= shown * 1.25 || now - grownAt >= GROW_AT_LEAST_EVERY_MS || force)) {
          shown = received.length;
          grownAt = now;
          document.grow({ ...first, exchanges: received.slice() });
        }
        const message = { type: 'loadProgress', exchangeCount: document.capture?.exchanges.length ?? 0, percent: percentOf(latest), findings: latest.findings } satisfies ToWebview;
        for (const webview of document.webviews) void webview.postMessage(message);
      };
      const load = loadAndScanInWorker(
        document.uri.fsPath,
        {
          workerScript: this.workerScript,
          displayName: displayPath,
          known: settings.known,
          defaultRegion: settings.region,
          limits: settings.limits,
          maxExchanges: this.maxExchanges(document.uri),
        },
        {
          onProgress: (p) => {
            latest = p;
            const now = percentOf(p);
            progress.report({ increment: now - percent, message: `${now}% · ${formatCount(p.exchanges)} requests · ${formatCount(p.findings)} findings` });
            percent = now;
            grow(false);
          },
          onExchanges: (batch) => {
            for (const exchange of batch) received.push(exchange);
            grow(shown === 0);
          },
        },
      );
      document.cancelLoad = () => load.cancel();
      document.abortLoad = () => load.abort();
      const subscription = token.onCancellationRequested(() => load.cancel());
      try {
        const { capture, scan } = await load.result;
        this.log.info(`opened ${displayPath} in a worker: ${capture.format}, ${capture.exchanges.length} exchanges, ${capture.warnings.length} warnings, ${scan.findings.length} findings, ${Math.round(performance.now() - started)} ms`);
        document.readInWorker = true;
        this.streamed(document, capture, scan, settings);
      } catch (err) {
        if (err instanceof WorkerLoadCancelledError && document.loading) {
          const partial = err.partial ?? { capture: { ...first, exchanges: received.slice() }, scan: undefined };
          const read = partial.capture.exchanges.length;
          this.log.info(`opening ${displayPath} was cancelled at ${percentOf(latest)}% (${read} exchanges)`);
          partial.capture.warnings.unshift(cancelledWarning(read, percentOf(latest)));
          this.streamed(document, partial.capture, partial.scan, settings);
        } else if (document.loading) {
          document.finishLoading({ kind: 'failed', message: this.describeLoadError(err, displayPath, size) });
          for (const webview of document.webviews) void webview.postMessage({ type: 'captureLoaded' } satisfies ToWebview);
          this.treeChanged.fire();
        }
      } finally {
        subscription.dispose();
      }
    });
  }

  /**
   * Scan a capture the worker read again (the known values, the region or the decode limit
   * changed): the worker reads the file once more and scans it, with a progress notification; the
   * exchanges stay, the findings are replaced. The old findings stay shown until the new ones come.
   */
  private rescanInWorker(document: CaptureDocument, settings: EditorScanSettings): Thenable<void> {
    document.cancelLoad?.();
    document.scanKey = settings.key;
    const displayPath = vscode.workspace.asRelativePath(document.uri, false);
    const title = `LeakLens: scanning ${document.fileName} again`;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const load = loadAndScanInWorker(
        document.uri.fsPath,
        { workerScript: this.workerScript, displayName: displayPath, known: settings.known, defaultRegion: settings.region, limits: settings.limits, maxExchanges: this.maxExchanges(document.uri) },
        { onProgress: (p) => progress.report({ message: `${percentOf(p)}% · ${formatCount(p.findings)} findings` }) },
      );
      const cancel = () => load.cancel();
      const abort = () => load.abort();
      document.cancelLoad = cancel;
      document.abortLoad = abort;
      const subscription = token.onCancellationRequested(() => load.cancel());
      try {
        const { capture, scan } = await load.result;
        if (!document.capture || document.scanKey !== settings.key) return; // closed, or another rescan took over
        if (capture.exchanges.length !== document.capture.exchanges.length) {
          void vscode.window.showWarningMessage(`${document.fileName} changed on disk since it was opened; close it and open it again to scan what it holds now.`);
          return;
        }
        document.scanResult = { result: scan, known: settings.known, regionFromSetting: settings.region !== undefined };
        this.refilter(document);
        this.notifyRescan(document);
        this.treeChanged.fire();
      } catch (err) {
        if (!(err instanceof WorkerLoadCancelledError)) {
          this.log.error(`scanning ${displayPath} again failed`, err);
          void vscode.window.showErrorMessage(`LeakLens could not scan ${document.fileName} again: ${errorText(err)}`);
        }
        // The findings shown are those of the earlier settings: say so by forgetting the key.
        if (document.scanKey === settings.key) document.scanKey = undefined;
      } finally {
        subscription.dispose();
        // Only this rescan's own: a newer one (which cancelled this) has put its handles there.
        if (document.cancelLoad === cancel) document.cancelLoad = undefined;
        if (document.abortLoad === abort) document.abortLoad = undefined;
      }
    });
  }

  /** The worker is done (or was cancelled with what it read): show the capture with its scan, as a load and scan here would. */
  private streamed(document: CaptureDocument, capture: Capture, scan: ScanResult | undefined, settings: EditorScanSettings): void {
    try {
      this.showStreamed(document, capture, scan, settings);
    } catch (err) {
      // After finishLoading the caller no longer reports failures: the page would wait forever.
      this.log.error(`showing ${document.fileName} failed`, err);
      void vscode.window.showErrorMessage(`LeakLens could not show ${document.fileName}: ${errorText(err)}`);
      for (const webview of document.webviews) void webview.postMessage({ type: 'captureLoaded' } satisfies ToWebview);
    }
  }

  private showStreamed(document: CaptureDocument, capture: Capture, scan: ScanResult | undefined, settings: EditorScanSettings): void {
    this.nameLimitSettings(capture, document.uri, vscode.workspace.asRelativePath(document.uri, false));
    document.finishLoading({ kind: 'loaded', capture });
    if (document.sidecarFile) this.setBook(document, document.sidecarFile.snapshot);
    if (scan) {
      document.scanResult = { result: scan, known: settings.known, regionFromSetting: settings.region !== undefined };
      document.scanKey = settings.key;
      this.refilter(document);
    }
    for (const webview of document.webviews) void webview.postMessage({ type: 'captureLoaded' } satisfies ToWebview);
    if (!scan) {
      this.scanSoon(document);
    } else {
      // The settings or the sidecar's known values may have changed while the worker read.
      const now = this.settingsFor(document);
      if (now.key !== settings.key) this.scan(document, now);
      this.notifyRescan(document);
      this.prepareSearch(document);
    }
    this.treeChanged.fire();
  }

  /** Read the whole file after a preview, and tell the webviews to show it. */
  private finishLoad(document: CaptureDocument): void {
    const pending = document.pendingLoad;
    if (!pending) return;
    try {
      document.finishLoading({ kind: 'loaded', capture: this.load(pending.bytes, pending.displayPath, document.uri) });
    } catch (err) {
      document.finishLoading({ kind: 'failed', message: this.describeLoadError(err, pending.displayPath, pending.bytes.length) });
    }
    if (document.sidecarFile) this.setBook(document, document.sidecarFile.snapshot);
    for (const webview of document.webviews) void webview.postMessage({ type: 'captureLoaded' } satisfies ToWebview);
    if (document.capture) this.scanSoon(document);
    this.treeChanged.fire();
  }

  /** Rows can be shown before the scan: scan once the editor had a chance to open, then tell the webviews. */
  private scanSoon(document: CaptureDocument): void {
    setImmediate(() => {
      if (!document.capture || document.loading || document.scanKey !== undefined) return;
      this.scan(document, this.settingsFor(document));
      this.notifyRescan(document);
      this.prepareSearch(document);
      this.treeChanged.fire();
    });
  }

  /**
   * Build the search index in short slices between other work, so the first keystroke in the
   * search box does not wait for it (about 0.6 s on a 50k-request capture).
   */
  private prepareSearch(document: CaptureDocument): void {
    const started = performance.now();
    const slice = () => {
      if (!document.capture) return; // closed
      if (prepareSearch(document, SEARCH_SLICE_MS)) {
        this.log.info(`search index of ${document.fileName} built in ${Math.round(performance.now() - started)} ms (in ${SEARCH_SLICE_MS} ms slices)`);
        return;
      }
      setTimeout(slice, 0);
    };
    setTimeout(slice, 0);
  }

  /** After a scan: new findings, and the known values it used when they changed. */
  private notifyRescan(document: CaptureDocument): void {
    this.notifyFindings(document);
    // Only when they changed: the panel rebuilds its lists, which would drop rows being typed.
    const known = JSON.stringify(document.known);
    if (known === document.knownSent) return;
    document.knownSent = known;
    for (const webview of document.webviews) void webview.postMessage({ type: 'knownValuesUpdated', known: document.known } satisfies ToWebview);
  }

  private notifyFindings(document: CaptureDocument): void {
    const findings = document.scan?.summary;
    if (!findings) return;
    for (const webview of document.webviews) void webview.postMessage({ type: 'findingsUpdated', findings } satisfies ToWebview);
  }

  /** What answering the webview needs from VS Code: the clipboard, the text editor, the settings. */
  private effectsFor(document: CaptureDocument): SessionEffects {
    return {
      copy: (text) => Promise.resolve(vscode.env.clipboard.writeText(text)),
      reveal: (exchangeId) => this.reveal(document, exchangeId),
      scanSettled: () => scanSettled(document),
      setKnownValues: (entries) => this.saveKnownValues(document, entries),
      saveSidecar: async (edit, what) => {
        const file = document.sidecarFile;
        if (!file) throw new Error('the capture is closed');
        const { snapshot, message } = await file.save((current) => {
          const capture = document.capture;
          if (!capture) throw new Error('the capture is closed');
          return edit(new AnnotationBook(capture, current.sidecar, file.fileName, current.status));
        }, what);
        this.sidecarChanged(document, snapshot);
        return message;
      },
    };
  }

  /** Open the capture as text (never written: the text editor is only shown), at the exchange's entry. */
  private async reveal(document: CaptureDocument, exchangeId: number): Promise<string> {
    const capture = document.capture;
    if (!capture) throw new Error('the capture is not loaded');
    let position: vscode.Position | undefined;
    try {
      const text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(document.uri));
      const at = locateExchange(text, capture, exchangeId);
      if (at) position = new vscode.Position(at.line - 1, at.column - 1);
    } catch (err) {
      this.log.warn(`could not locate exchange #${exchangeId} in ${document.fileName}: ${errorText(err)}`);
    }
    const selection = position ? new vscode.Range(position, position) : undefined;
    // Beside the LeakLens editor, so the researcher keeps both; as a preview, so browsing entries
    // does not pile up tabs.
    await vscode.commands.executeCommand('vscode.openWith', document.uri, 'default', {
      viewColumn: vscode.ViewColumn.Beside,
      selection,
      preview: true,
    } satisfies vscode.TextDocumentShowOptions);
    return position
      ? `Opened ${document.fileName} as text at line ${position.line + 1}`
      : `Opened ${document.fileName} as text (the entry's position could not be found)`;
  }

  /** Save the panel's known values where the setting lives now (the workspace by default); the settings change rescans. */
  private async saveKnownValues(document: CaptureDocument, entries: KnownValueEntry[]): Promise<string> {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, document.uri);
    const setting = knownSettingFrom(entries, config.get<unknown>(KNOWN_VALUES_SETTING));
    if ('problem' in setting) throw new Error(setting.problem);
    const target = knownValuesTarget(config.inspect(KNOWN_VALUES_SETTING));
    const value = Object.keys(setting.value).length > 0 ? setting.value : undefined;
    await config.update(KNOWN_VALUES_SETTING, value, target);
    const where = target === vscode.ConfigurationTarget.Global ? 'your user settings' : target === vscode.ConfigurationTarget.WorkspaceFolder ? 'the folder’s settings' : 'the workspace settings';
    return value ? `Saved ${entries.length === 1 ? 'one known value' : `${entries.length} known values`} to ${where}` : `Removed the known values from ${where}`;
  }

  /** Rescan open documents whose scan settings changed, and tell their webviews. */
  async settingsChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    for (const document of [...this.documents]) {
      if (!document.capture || document.loading || !event.affectsConfiguration(SETTINGS_SECTION, document.uri)) continue;
      const settings = this.settingsFor(document);
      if (settings.key === document.scanKey) continue;
      this.scan(document, settings);
      this.notifyRescan(document);
      // One document at a time, letting other work in between.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private settingsFor(document: CaptureDocument): EditorScanSettings {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, document.uri);
    const rawKnown = config.get<unknown>(KNOWN_VALUES_SETTING);
    const sidecarKnown = document.annotations?.sidecar?.knownValues;
    const sidecarFile = document.sidecarFile?.fileName ?? '';
    const read = scanSettingsFrom(rawKnown, config.get<unknown>(PHONE_REGION_SETTING), { knownValues: sidecarKnown, file: sidecarFile });
    const limits = this.decodeLimits(document.uri);
    const settings: EditorScanSettings = { ...read, limits, key: JSON.stringify([read.key, limits.maxOutputBytes]) };
    for (const problem of settings.problems) this.warnOnce(problem, document.sidecarFile);
    document.known = {
      entries: knownEntriesFrom(rawKnown),
      source: knownValuesSource(config.inspect(KNOWN_VALUES_SETTING)),
      sidecarEntries: knownEntriesFrom(sidecarKnown),
      problems: settings.problems.filter((p) => p.includes(KNOWN_VALUES_SETTING) || (sidecarFile !== '' && p.includes(sidecarFile))),
    };
    return settings;
  }

  /** A settings or sidecar problem, shown once; the button opens where it can be fixed. */
  private warnOnce(problem: string, sidecar?: { fileName: string; path: string }): void {
    this.log.warn(problem);
    if (this.shownProblems.has(problem)) return;
    this.shownProblems.add(problem);
    const inSidecar = sidecar !== undefined && problem.includes(sidecar.fileName);
    const action = inSidecar ? 'Open Annotations File' : 'Open Settings';
    // Sidecar keys are quoted in the message: shown inert, never as a link.
    void vscode.window.showWarningMessage(inertNotificationText(problem), action).then((choice) => {
      if (!choice) return;
      if (inSidecar) void vscode.window.showTextDocument(vscode.Uri.file(sidecar.path), { preview: true });
      else void vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.`);
    });
  }

  /** The findings the views show: the last scan's, without those the researcher judged. */
  private refilter(document: CaptureDocument): void {
    const capture = document.capture;
    const scanned = document.scanResult;
    if (!capture || !scanned) return;
    document.scan = scanView(capture, scanned.result, { regionFromSetting: scanned.regionFromSetting, knownValues: scanned.known.length, judgements: document.annotations });
    const note = decodeLimitNote(scanned.result, this.decodeLimits(document.uri));
    if (note) document.scan.summary.limitNote = note;
  }

  /**
   * Scan the document's capture and keep what the panel shows of the findings: in a worker (on the
   * bytes it was loaded from, or reading the file again), so the extension host is never held by it.
   */
  private scan(document: CaptureDocument, settings: EditorScanSettings): void {
    const capture = document.capture;
    if (!capture) return;
    if (document.readInWorker) {
      // Its bodies are on disk, not in memory: scanning here would read the whole file on this thread.
      void this.rescanInWorker(document, settings);
      return;
    }
    if (document.sourceBytes) {
      void this.scanBytesInWorker(document, capture, document.sourceBytes, settings);
      return;
    }
    // Only a streamed capture cancelled part way is left (its findings came from the worker; this
    // is a rescan after a settings change, of the rows read before the cancel).
    const started = performance.now();
    try {
      this.scanned(document, scanCapture(capture, { known: settings.known, defaultRegion: settings.region, limits: settings.limits }), settings, started);
    } catch (err) {
      this.scanFailed(document, capture, err);
    }
    document.scanKey = settings.key;
  }

  private async scanBytesInWorker(document: CaptureDocument, capture: Capture, bytes: Uint8Array, settings: EditorScanSettings): Promise<void> {
    document.abortScan?.();
    document.scanKey = settings.key;
    const started = performance.now();
    const job = scanBytesInWorker(bytes, {
      workerScript: this.workerScript,
      displayName: vscode.workspace.asRelativePath(document.uri, false),
      known: settings.known,
      defaultRegion: settings.region,
      limits: settings.limits,
      // The exchanges this thread kept (the maxExchanges setting may have changed since the load).
      maxExchanges: capture.exchanges.length,
      expectExchanges: capture.exchanges.length,
    });
    document.abortScan = job.abort;
    const settled = job.result.then(() => undefined, () => undefined);
    document.scanning = settled;
    // A newer scan took over, or the editor closed: its result is dropped.
    const current = () => document.capture === capture && document.scanKey === settings.key && document.abortScan === job.abort;
    try {
      const result = await job.result;
      if (!current()) return;
      this.scanned(document, result, settings, started);
    } catch (err) {
      if (!current()) return;
      this.scanFailed(document, capture, err);
    } finally {
      if (document.abortScan === job.abort) document.abortScan = undefined;
      if (document.scanning === settled) document.scanning = undefined;
    }
    this.notifyRescan(document);
    this.treeChanged.fire();
  }

  private scanned(document: CaptureDocument, result: ScanResult, settings: EditorScanSettings, started: number): void {
    document.scanResult = { result, known: settings.known, regionFromSetting: settings.region !== undefined };
    this.refilter(document);
    const s = result.summary;
    this.log.info(
      `scanned ${vscode.workspace.asRelativePath(document.uri, false)}: ${s.findings} findings (${s.byConfidence.high} high, ${s.byConfidence.medium} medium, ${s.byConfidence.low} low) ` +
        `in ${s.exchangesWithFindings} of ${s.exchanges} exchanges, ${result.limits.length} decode limits hit; ` +
        `${settings.known.length} known values, phone region ${s.defaultRegion}${settings.region ? ' (setting)' : ''}; ` +
        `scan ${Math.round(result.stats.durationMs)} ms, ${Math.round(performance.now() - started)} ms in all`,
    );
  }

  private scanFailed(document: CaptureDocument, capture: Capture, err: unknown): void {
    this.log.error(`scanning ${vscode.workspace.asRelativePath(document.uri, false)} failed`, err);
    document.scan = failedScanView(capture, `The scan failed: ${errorText(err)}`);
    document.scanResult = undefined;
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
    document.webviews.add(webview);
    document.panels.add(panel);

    const subscription = webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseWebviewMessage(raw);
      if (!message) {
        this.log.warn(`dropped an invalid message from the ${document.fileName} webview`);
        // Answer a request the contract refuses, so the page does not wait for its timeout.
        const requestId = refusedRequestId(raw);
        if (requestId !== undefined) void webview.postMessage({ type: 'error', requestId, message: 'LeakLens refused the request: it is not one the editor answers (or a value is over its limit)' } satisfies ToWebview);
        return;
      }
      void this.handle(document, message).then(async (reply) => {
        await webview.postMessage(reply);
        if (reply.type === 'init') this.readyWebviews.add(webview);
        if (reply.type === 'init' && document.pendingFocus && !document.loading) {
          const focus = document.pendingFocus;
          document.pendingFocus = undefined;
          await webview.postMessage({ type: 'focusExchange', ...focus } satisfies ToWebview);
        }
        // The preview's first rows are on their way: read the rest of the file once they are
        // out (the full load holds this thread for a while).
        if ((reply.type === 'rows' || reply.type === 'findingRows') && document.loading) setTimeout(() => this.finishLoad(document), 50);
      });
    });
    panel.onDidDispose(() => {
      subscription.dispose();
      document.webviews.delete(webview);
      document.panels.delete(panel);
    });
  }

  private handle(document: CaptureDocument, message: FromWebview): Promise<ToWebview> {
    return answer(document, message, (what, err) => this.log.error(what, err));
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

type KnownInspection = ReturnType<vscode.WorkspaceConfiguration['inspect']>;

function knownValuesSource(inspection: KnownInspection): KnownValuesView['source'] {
  if (inspection?.workspaceFolderValue !== undefined) return 'workspaceFolder';
  if (inspection?.workspaceValue !== undefined) return 'workspace';
  if (inspection?.globalValue !== undefined) return 'user';
  return 'none';
}

/** Where to write the known values: where they are set now, else the workspace (the user's settings without one). */
function knownValuesTarget(inspection: KnownInspection): vscode.ConfigurationTarget {
  switch (knownValuesSource(inspection)) {
    case 'workspaceFolder':
      return vscode.ConfigurationTarget.WorkspaceFolder;
    case 'workspace':
      return vscode.ConfigurationTarget.Workspace;
    case 'user':
      return vscode.ConfigurationTarget.Global;
    case 'none':
      return vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  }
}

function errorText(err: unknown): string {
  if (err instanceof vscode.FileSystemError) return err.code || err.message;
  return sessionErrorText(err);
}

/** The scan's settings with the decode limits of the leaklens.maxDecodedMB setting. */
type EditorScanSettings = ScanSettings & { limits: DecodeLimits };

/** A table that grew less than a quarter is still given the new rows after this long. */
const GROW_AT_LEAST_EVERY_MS = 5000;

function positiveSetting(raw: unknown, fallback: number, integer: boolean): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0) return fallback;
  return integer ? Math.max(1, Math.floor(raw)) : raw;
}

function percentOf(progress: WorkerProgress): number {
  return progress.totalBytes > 0 ? Math.min(100, Math.floor((progress.bytesRead / progress.totalBytes) * 100)) : 0;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function cancelledWarning(read: number, percent: number): LoadWarning {
  return {
    code: 'load-cancelled',
    severity: 'warning',
    message: `loading was cancelled at ${percent}% of the file: only the first ${formatCount(read)} requests are shown and scanned; close the editor and open the file again to read all of it`,
  };
}

const LIMIT_WORDS: Record<ScanResult['limits'][number]['limit'], string> = {
  'max-output-bytes': 'over the size limit',
  'max-depth': 'nested too deep',
  'max-ratio': 'expanding too much',
  'max-time': 'taking too long',
  'max-leaves': 'with too many values',
};

/** What the header says when decoding stopped at a limit somewhere, and which setting raises the one that can be raised. */
export function decodeLimitNote(result: ScanResult, limits: DecodeLimits): string | undefined {
  if (result.limits.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const hit of result.limits) counts.set(hit.limit, (counts.get(hit.limit) ?? 0) + 1);
  const parts = [...counts].map(([limit, n]) => `${formatCount(n)} ${LIMIT_WORDS[limit as keyof typeof LIMIT_WORDS] ?? limit}`);
  const n = result.limits.length;
  let note = `Decoding stopped at a safety limit in ${formatCount(n)} ${n === 1 ? 'place' : 'places'} (${parts.join(', ')}): identifiers inside that content may be missing.`;
  if (counts.has('max-output-bytes')) {
    note += ` To decode larger content, raise the ${SETTINGS_SECTION}.${MAX_DECODED_MB_SETTING} setting (now ${+(limits.maxOutputBytes / 2 ** 20).toFixed(2)} MB).`;
  }
  return note;
}

/**
 * Every finding the views show, as the Findings tree lists them (all of them: its counts are the
 * capture's, it shows the first 200 of a kind). Built once per scan view: the tree is refreshed on
 * every sidecar change, the findings change only with a rescan or a judgement.
 */
const treeFindings = new WeakMap<ScanView, TreeCaptureInfo['findings']>();

function treeFindingsOf(capture: Capture, scan: ScanView): TreeCaptureInfo['findings'] {
  let findings = treeFindings.get(scan);
  if (findings) return findings;
  findings = [];
  for (let id = 0; id < capture.exchanges.length; id++) {
    if (!scan.byExchange[id]) continue;
    const exchange = capture.exchanges[id];
    for (const f of scan.findingsOf(id)) findings.push(treeFindingOf(f, exchange));
  }
  treeFindings.set(scan, findings);
  return findings;
}

/** How long an annotation form waits for a running scan before it opens with the findings so far (the page gives up on an answer after 15 s). */
const SCAN_SETTLE_MS = 10_000;

/** Resolves once no scan of the document runs (a newer scan may follow one that ends), or after SCAN_SETTLE_MS. */
async function scanSettled(document: CaptureDocument): Promise<void> {
  const deadline = Date.now() + SCAN_SETTLE_MS;
  for (let running = document.scanning; running; running = document.scanning) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([running, new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
    clearTimeout(timer);
  }
}
