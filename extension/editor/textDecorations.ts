// LeakLens findings in plain text editors: a capture (.har, tshark JSON) opened as text shows its
// scan's validated findings underlined by kind, with an overview-ruler mark, a hover (kind,
// confidence, value, decode chain, decoded text), opt-in diagnostics and a CodeLens per request
// that opens it in the workbench;
// "Scan This File for Identifiers" does the same for any text (source code, decompiled apps).
// The logic is vscode-free (core/view/textFindings.ts, textModel.ts); this file wires it to VS Code.
//
// Where the work runs: the capture worker (core/work) loads the document's text as a capture, scans
// it and places the findings in that text; "Scan This File" runs there too. The extension host
// only hands it the text and paints what comes back.
import * as vscode from 'vscode';
import { findingKey, findingRefOf } from '../core/annotations/anchor';
import type { DecodeLimits } from '../core/decode/types';
import type { Finding } from '../core/model';
import { entryAt, type EntrySpan, type TextMark } from '../core/view/textFindings';
import { captureTextMarksInWorker, textMarksInWorker } from '../core/work/client';
import { viewTypeFor } from './captureEditorProvider';
import { decodeLimitsFrom, KNOWN_VALUES_SETTING, MAX_DECODED_MB_SETTING, PHONE_REGION_SETTING, SETTINGS_SECTION, scanSettingsFrom } from './scanSettings';
import {
  GROUP_COLOR, MAX_INLINE_SCAN_CHARS, MAX_LIVE_CAPTURE_CHARS, MAX_LIVE_PLAIN_CHARS, SYNC_LIMIT_BYTES,
  captureFormatOf, decorationGroup, diagnosticsOf, hoverMarkdown, lensEntries, marksAt,
  type DecorationGroup,
} from './textModel';

export const SCAN_TEXT_COMMAND = 'leaklens.scanTextDocument';
export const CLEAR_TEXT_COMMAND = 'leaklens.clearTextScan';
export const OPEN_AT_CURSOR_COMMAND = 'leaklens.openInLeakLensAtCursor';
/** CodeLens targets (hidden from the palette): arguments are checked, not trusted. */
export const OPEN_AT_COMMAND = 'leaklens.openRequestInLeakLens';

const DECORATIONS_SETTING = 'textDecorations';
const DIAGNOSTICS_SETTING = 'textDiagnostics';
const LENS_SETTING = 'textCodeLens';
const DEBOUNCE_MS = 500;
/** Time the worker may spend placing one capture's findings in its text (many distinct values in one large body cost a search each). */
const PLACE_BUDGET_MS = 10_000;
/** Most ranges painted in one editor. */
const MAX_PAINTED = 50_000;

interface DocState {
  mode: 'capture' | 'plain';
  version: number;
  marks: TextMark[];
  entries: EntrySpan[];
  /** Milliseconds the last placement (or plain scan) took on this thread, for the log. */
  placeMs: number;
}

const GROUPS: DecorationGroup[] = ['device', 'subscriber', 'network', 'person', 'location', 'known', 'encoded', 'decoded'];

function decorationType(group: DecorationGroup): vscode.TextEditorDecorationType {
  const color = new vscode.ThemeColor(GROUP_COLOR[group]);
  const dotted = group === 'encoded' || group === 'decoded';
  return vscode.window.createTextEditorDecorationType({
    borderStyle: dotted ? 'none none dotted none' : 'none none solid none',
    borderWidth: '0 0 2px 0',
    borderColor: color,
    overviewRulerColor: group === 'decoded' ? undefined : color,
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
}

export class TextFindings implements vscode.HoverProvider, vscode.CodeLensProvider, vscode.Disposable {
  private readonly states = new Map<string, DocState>();
  /** Documents "Scan This File" was asked for; they keep plain marks until closed or cleared. */
  private readonly plainRequested = new Set<string>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  /** Scans running, so a newer one for the same document wins. */
  private readonly generation = new Map<string, number>();
  private lastGeneration = 0;
  /** Stops the worker scanning a document now (a newer scan took over, or the document closed). */
  private readonly running = new Map<string, () => void>();
  private readonly types = new Map<DecorationGroup, vscode.TextEditorDecorationType>(GROUPS.map((g) => [g, decorationType(g)]));
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('leaklens');
  private readonly lensChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensChanged.event;
  private readonly tooLargeOffered = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly workerScript: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  static register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable[] {
    const self = new TextFindings(vscode.Uri.joinPath(context.extensionUri, 'dist', 'captureWorker.js').fsPath, log);
    self.disposables.push(
      self.diagnostics,
      self.lensChanged,
      vscode.languages.registerHoverProvider('*', self),
      vscode.languages.registerCodeLensProvider('*', self),
      vscode.window.onDidChangeVisibleTextEditors(() => self.visibleChanged()),
      vscode.window.tabGroups.onDidChangeTabs(() => self.offerTooLarge()),
      vscode.workspace.onDidChangeTextDocument((e) => self.changed(e.document)),
      vscode.workspace.onDidSaveTextDocument((d) => self.saved(d)),
      vscode.workspace.onDidCloseTextDocument((d) => self.forget(d.uri.toString(), true)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SETTINGS_SECTION)) self.settingsChanged();
      }),
      vscode.commands.registerCommand(SCAN_TEXT_COMMAND, (uri?: unknown) => self.scanTextCommand(uri)),
      vscode.commands.registerCommand(CLEAR_TEXT_COMMAND, (uri?: unknown) => self.clearCommand(uri)),
      vscode.commands.registerCommand(OPEN_AT_CURSOR_COMMAND, () => self.openAtCursor()),
      vscode.commands.registerCommand(OPEN_AT_COMMAND, (uri?: unknown, exchangeId?: unknown, annotate?: unknown) => self.openAt(uri, exchangeId, annotate)),
    );
    self.visibleChanged();
    return [self];
  }

  dispose(): void {
    for (const abort of this.running.values()) abort();
    for (const t of this.pending.values()) clearTimeout(t);
    for (const t of this.types.values()) t.dispose();
    for (const d of this.disposables) d.dispose();
  }

  // ---- when to scan ---------------------------------------------------------------------------

  private config(uri?: vscode.Uri): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SETTINGS_SECTION, uri);
  }

  private visibleChanged(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const key = editor.document.uri.toString();
      const state = this.states.get(key);
      if (state && state.version === editor.document.version) this.paint(editor, state);
      else if (!this.pending.has(key) && !this.generation.has(key)) this.schedule(editor.document, 0);
    }
    this.offerTooLarge();
  }

  private isCapture(document: vscode.TextDocument): boolean {
    if (this.config(document.uri).get<boolean>(DECORATIONS_SETTING) === false) return false;
    return captureFormatOf(document.fileName, document.getText(new vscode.Range(0, 0, 200, 0))) !== undefined;
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    const key = document.uri.toString();
    const plain = this.plainRequested.has(key);
    if (!plain && !this.isCapture(document)) return;
    const old = this.pending.get(key);
    if (old) clearTimeout(old);
    this.pending.set(key, setTimeout(() => {
      this.pending.delete(key);
      void this.run(document, plain);
    }, delay));
  }

  private changed(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const state = this.states.get(key);
    if (!state && !this.plainRequested.has(key)) return;
    // The text's length without copying it (this runs at every keystroke).
    const length = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
    // Each live re-scan copies the whole text to the worker: larger files are scanned on save.
    const live = length <= (this.plainRequested.has(key) ? MAX_LIVE_PLAIN_CHARS : MAX_LIVE_CAPTURE_CHARS);
    if (live) {
      this.schedule(document, DEBOUNCE_MS);
      return;
    }
    // Too large to follow every edit: the stale marks go until the next save or request.
    this.forget(key, false);
  }

  private saved(document: vscode.TextDocument): void {
    if (this.plainRequested.has(document.uri.toString()) || this.isCapture(document)) this.schedule(document, 0);
  }

  private settingsChanged(): void {
    this.states.clear();
    this.diagnostics.clear();
    for (const editor of vscode.window.visibleTextEditors) {
      for (const type of this.types.values()) editor.setDecorations(type, []);
      this.schedule(editor.document, 0);
    }
    this.lensChanged.fire();
  }

  /** The worker's job for this document, stopped when a newer one starts or the document goes. */
  private track<T>(key: string, job: { result: Promise<T>; abort(): void }): Promise<T> {
    this.running.get(key)?.();
    this.running.set(key, job.abort);
    const done = () => {
      if (this.running.get(key) === job.abort) this.running.delete(key);
    };
    return job.result.finally(done);
  }

  private forget(key: string, closed: boolean): void {
    this.running.get(key)?.();
    this.running.delete(key);
    this.states.delete(key);
    this.generation.delete(key);
    if (closed) this.plainRequested.delete(key);
    const t = this.pending.get(key);
    if (t) clearTimeout(t);
    this.pending.delete(key);
    this.diagnostics.delete(vscode.Uri.parse(key));
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== key) continue;
      for (const type of this.types.values()) editor.setDecorations(type, []);
    }
    this.lensChanged.fire();
  }

  // ---- scanning -------------------------------------------------------------------------------

  private scanSettings(uri: vscode.Uri): { known: ReturnType<typeof scanSettingsFrom>['known']; region: string | undefined; limits: DecodeLimits } {
    const config = this.config(uri);
    const read = scanSettingsFrom(config.get<unknown>(KNOWN_VALUES_SETTING), config.get<unknown>(PHONE_REGION_SETTING));
    return { known: read.known, region: read.region, limits: decodeLimitsFrom(config.get<unknown>(MAX_DECODED_MB_SETTING)) };
  }

  private async run(document: vscode.TextDocument, plain: boolean): Promise<void> {
    const key = document.uri.toString();
    // From one counter for all documents: a run's number is never given again, so an older run
    // still in flight can never pass for a newer one.
    const generation = ++this.lastGeneration;
    this.generation.set(key, generation);
    const version = document.version;
    const settings = this.scanSettings(document.uri);
    let state: DocState | undefined;
    try {
      if (plain) {
        const started = performance.now();
        // In the worker: a source file of many megabytes takes seconds to scan.
        const result = await this.track(key, textMarksInWorker(document.getText(), { known: settings.known, region: settings.region }, this.workerScript));
        if (this.generation.get(key) !== generation || document.isClosed || document.version !== version) return;
        state = { mode: 'plain', version, marks: result.marks, entries: [], placeMs: performance.now() - started };
        this.log.info(`scanned ${vscode.workspace.asRelativePath(document.uri, false)} as text in the worker: ${result.marks.length} marks, ${result.tokensDecoded} tokens decoded${result.tokensCapped ? ' (capped)' : ''}, ${state.placeMs.toFixed(0)} ms`);
      } else {
        const text = document.getText();
        if (text.length > MAX_INLINE_SCAN_CHARS) return;
        // Loaded, scanned and placed in the worker, from the text as the editor holds it (saved or
        // not): this thread only paints. A copy of the text crosses to the worker.
        const done = await this.track(
          key,
          captureTextMarksInWorker(text, {
            workerScript: this.workerScript,
            displayName: vscode.workspace.asRelativePath(document.uri, false),
            known: settings.known,
            defaultRegion: settings.region,
            limits: settings.limits,
            placeBudgetMs: PLACE_BUDGET_MS,
          }),
        );
        if (this.generation.get(key) !== generation || document.isClosed || document.version !== version) return;
        const placed = done.marks;
        state = { mode: 'capture', version, marks: placed.marks, entries: placed.entries, placeMs: done.scanMs + done.placeMs };
        this.log.info(
          `text decorations for ${vscode.workspace.asRelativePath(document.uri, false)}: ${done.findings} findings, ${placed.marks.length} ranges, ` +
            `${placed.unplaced} not found in the text${placed.timedOut ? ` (placing stopped after ${PLACE_BUDGET_MS / 1000} s)` : ''}; in the worker: scan ${done.scanMs.toFixed(0)} ms, placing ${done.placeMs.toFixed(0)} ms`,
        );
      }
    } catch (err) {
      // A newer scan or the document's closing stopped this one: nothing to report.
      if (this.generation.get(key) !== generation) return;
      this.log.warn(`no text decorations for ${vscode.workspace.asRelativePath(document.uri, false)}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    } finally {
      if (this.generation.get(key) === generation) this.generation.delete(key);
    }
    if (document.isClosed || document.version !== version) return;
    this.states.set(key, state);
    for (const editor of vscode.window.visibleTextEditors) if (editor.document === document) this.paint(editor, state);
    this.publishDiagnostics(document, state);
    this.lensChanged.fire();
  }

  // ---- showing --------------------------------------------------------------------------------

  private paint(editor: vscode.TextEditor, state: DocState): void {
    const byGroup = new Map<DecorationGroup, vscode.Range[]>(GROUPS.map((g) => [g, []]));
    const document = editor.document;
    // A log of many thousand identifiers would send the renderer that many ranges: the first ones
    // are painted (hovers and diagnostics still have them all).
    const painted = state.marks.length > MAX_PAINTED ? state.marks.slice(0, MAX_PAINTED) : state.marks;
    for (const mark of painted) byGroup.get(decorationGroup(mark))?.push(new vscode.Range(document.positionAt(mark.start), document.positionAt(mark.end)));
    for (const [group, ranges] of byGroup) {
      const type = this.types.get(group);
      if (type) editor.setDecorations(type, ranges);
    }
  }

  private publishDiagnostics(document: vscode.TextDocument, state: DocState): void {
    if (this.config(document.uri).get<boolean>(DIAGNOSTICS_SETTING) !== true) {
      this.diagnostics.delete(document.uri);
      return;
    }
    const severity = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, information: vscode.DiagnosticSeverity.Information, hint: vscode.DiagnosticSeverity.Hint };
    this.diagnostics.set(
      document.uri,
      diagnosticsOf(state.marks).map((d) => {
        const diagnostic = new vscode.Diagnostic(new vscode.Range(document.positionAt(d.start), document.positionAt(d.end)), d.message, severity[d.level]);
        diagnostic.source = 'LeakLens';
        return diagnostic;
      }),
    );
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const state = this.states.get(document.uri.toString());
    if (!state || state.version !== document.version) return undefined;
    const at = marksAt(state.marks, document.offsetAt(position));
    if (at.length === 0) return undefined;
    const markdown = new vscode.MarkdownString(hoverMarkdown(at));
    markdown.isTrusted = false;
    markdown.supportHtml = false;
    const inner = at[0];
    return new vscode.Hover(markdown, new vscode.Range(document.positionAt(inner.start), document.positionAt(inner.end)));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (this.config(document.uri).get<boolean>(LENS_SETTING) === false) return [];
    const state = this.states.get(document.uri.toString());
    if (!state || state.mode !== 'capture' || state.version !== document.version) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const entry of lensEntries(state.entries)) {
      const range = new vscode.Range(document.positionAt(entry.start), document.positionAt(entry.start));
      const n = entry.exchangeId;
      const uri = document.uri.toString();
      lenses.push(
        new vscode.CodeLens(range, { title: `Annotate request #${n}`, command: OPEN_AT_COMMAND, arguments: [uri, n, true], tooltip: 'Open this request in the LeakLens workbench with its annotation form' }),
        new vscode.CodeLens(range, { title: `Open request #${n} in LeakLens`, command: OPEN_AT_COMMAND, arguments: [uri, n, false] }),
      );
    }
    return lenses;
  }

  // ---- commands -------------------------------------------------------------------------------

  private async documentFor(uri: unknown): Promise<vscode.TextDocument | undefined> {
    if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
    return vscode.window.activeTextEditor?.document;
  }

  private async scanTextCommand(uri: unknown): Promise<void> {
    const document = await this.documentFor(uri);
    if (!document) {
      void vscode.window.showInformationMessage('Open a text file to scan it for identifiers.');
      return;
    }
    const key = document.uri.toString();
    this.plainRequested.add(key);
    // A capture scanned as text loses its CodeLenses until cleared: the researcher asked for this view.
    await this.run(document, true);
    const state = this.states.get(key);
    if (state && state.marks.length === 0) void vscode.window.showInformationMessage('LeakLens found no identifiers, known values or decodable base64 in this file.');
  }

  private async clearCommand(uri: unknown): Promise<void> {
    const document = await this.documentFor(uri);
    if (!document) return;
    const key = document.uri.toString();
    this.plainRequested.delete(key);
    this.forget(key, false);
    // A capture goes back to its capture findings.
    this.schedule(document, 0);
  }

  private async openAtCursor(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    const state = this.states.get(editor.document.uri.toString());
    const entry = state?.mode === 'capture' ? entryAt(state.entries, editor.document.offsetAt(editor.selection.active)) : undefined;
    if (!entry) {
      if (state?.mode === 'capture') void vscode.window.showInformationMessage('The cursor is not inside a request of this capture: opening it in LeakLens.');
      await vscode.commands.executeCommand('vscode.openWith', editor.document.uri, viewTypeFor(editor.document.uri));
      return;
    }
    const mark = marksAt(state?.marks ?? [], editor.document.offsetAt(editor.selection.active)).find((m) => m.findings.some((f) => f.finding?.exchangeId === entry.exchangeId));
    const finding = mark?.findings.find((f) => f.finding?.exchangeId === entry.exchangeId)?.finding;
    await this.show(editor.document.uri, entry.exchangeId, finding);
  }

  private async openAt(rawUri: unknown, exchangeId: unknown, annotate: unknown): Promise<void> {
    if (typeof rawUri !== 'string' || rawUri.length > 8192 || typeof exchangeId !== 'number' || !Number.isSafeInteger(exchangeId) || exchangeId < 0) return;
    let uri: vscode.Uri;
    try {
      uri = vscode.Uri.parse(rawUri, true);
    } catch {
      return; // not a URI: nothing to open
    }
    await this.show(uri, exchangeId, undefined, annotate === true);
  }

  private async show(uri: vscode.Uri, exchangeId: number, finding: Finding | undefined, annotate = false): Promise<void> {
    await vscode.commands.executeCommand('leaklens.showInCapture', uri.toString(), { exchangeId, findingKey: finding ? findingKey(findingRefOf(finding)) : null, annotate });
  }

  // ---- files too large for the text view -----------------------------------------------------

  /** A capture tab whose document VS Code did not hand over (above its sync limit): offer the workbench. */
  private offerTooLarge(): void {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (!(input instanceof vscode.TabInputText) || input.uri.scheme !== 'file') return;
    const uri = input.uri;
    const key = uri.toString();
    if (this.tooLargeOffered.has(key) || !/\.(har|harp|json|jsonl|ndjson)$/i.test(uri.path)) return;
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === key)) return;
    this.tooLargeOffered.add(key);
    void (async () => {
      let size: number;
      try {
        size = (await vscode.workspace.fs.stat(uri)).size;
      } catch {
        return;
      }
      if (size <= SYNC_LIMIT_BYTES) return;
      const open = 'Open in LeakLens';
      const choice = await vscode.window.showInformationMessage(
        `${uri.path.split('/').pop() ?? 'This file'} is ${(size / 2 ** 20).toFixed(0)} MB, above the size VS Code lets extensions read as text: LeakLens cannot mark its findings here. Open it in the LeakLens workbench instead?`,
        open,
      );
      if (choice === open) await vscode.commands.executeCommand('vscode.openWith', uri, viewTypeFor(uri));
    })();
  }
}

