// Entry point: wiring only. The work happens in editor/ and core/.
import * as vscode from 'vscode';
import { CaptureEditorProvider, viewTypeFor, type OpenCapture } from './editor/captureEditorProvider';
import { parseShowInCaptureArgs, registerFindingsTree } from './editor/findingsTree';
import { TextFindings } from './editor/textDecorations';
import { inertNotificationText } from './editor/notify';

const CAPTURE_EXTENSIONS = ['har', 'harp', 'zhar', 'json', 'jsonl', 'ndjson'];

/** What `activate` returns (`vscode.extensions.getExtension('leaklens.leaklens').exports`). */
export interface LeakLensApi {
  /** The captures open in LeakLens editors, with the summary of their last scan. */
  openCaptures(): OpenCapture[];
}

export function activate(context: vscode.ExtensionContext): LeakLensApi {
  const log = vscode.window.createOutputChannel('LeakLens', { log: true });
  const { provider, disposables } = CaptureEditorProvider.register(context, log);
  context.subscriptions.push(
    log,
    ...disposables,
    vscode.commands.registerCommand('leaklens.openInLeakLens', openInLeakLens),
    vscode.commands.registerCommand('leaklens.exportAdvisory', (target?: unknown, out?: unknown) => exportAdvisory(provider, target, out)),
    vscode.commands.registerCommand('leaklens.annotate', () => {
      if (!provider.annotateActive()) void vscode.window.showInformationMessage('Open a capture in LeakLens and select the requests to annotate.');
    }),
    // Any extension can run a command: the arguments are checked, not trusted.
    vscode.commands.registerCommand('leaklens.showInCapture', (...args: unknown[]) => {
      const parsed = parseShowInCaptureArgs(args);
      return parsed ? provider.showInCapture(vscode.Uri.parse(parsed.uri, true), parsed.target) : undefined;
    }),
    vscode.commands.registerCommand('leaklens.editAdvisoryDetails', (target?: unknown) => provider.editAdvisoryDetails(target instanceof vscode.Uri ? target : undefined)),
    vscode.commands.registerCommand('leaklens.openSidecar', (target?: unknown) => provider.openSidecarOf(target instanceof vscode.Uri ? target : undefined)),
    ...registerFindingsTree(context, provider.treeSource),
    ...TextFindings.register(context, log),
    vscode.workspace.onDidOpenTextDocument(startJsonFeaturesFor),
  );
  for (const document of vscode.workspace.textDocuments) startJsonFeaturesFor(document);
  return { openCaptures: () => provider.openCaptures() };
}

/**
 * A `.har` opened as text has the `har` language (our grammar). VS Code's JSON extension serves it
 * (package.json `jsonLanguageParticipants`: validation, outline, folding, formatting) but starts
 * only for `json` documents by itself: start it when a `har` one is the first to open.
 */
function startJsonFeaturesFor(document: vscode.TextDocument): void {
  if (document.languageId !== 'har') return;
  const json = vscode.extensions.getExtension('vscode.json-language-features');
  if (json && !json.isActive) void json.activate().then(undefined, () => undefined);
}

/** How long Export Advisory waits for a capture it opened to be scanned. */
const SCAN_WAIT_MS = 120_000;

/**
 * `leaklens.exportAdvisory`: the markdown advisory of a capture (the clicked or active one),
 * saved where the researcher chooses (beside the capture by default) and shown in the preview.
 * `out` (a Uri) skips the save dialog, for automation and tests.
 */
async function exportAdvisory(provider: CaptureEditorProvider, target: unknown, out: unknown): Promise<vscode.Uri | undefined> {
  const capture = commandTargets(target, undefined)[0];
  if (!capture) {
    void vscode.window.showInformationMessage('Open a capture in LeakLens first, then export its advisory.');
    return undefined;
  }
  let advisory = await provider.advisoryFor(capture);
  if (!advisory) {
    // Not open in LeakLens (or still loading or scanning): open it and wait for the scan.
    await vscode.commands.executeCommand('vscode.openWith', capture, viewTypeFor(capture));
    advisory = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'LeakLens: scanning the capture for the advisory…' },
      async () => {
        const deadline = Date.now() + SCAN_WAIT_MS;
        for (;;) {
          const made = await provider.advisoryFor(capture);
          if (made || Date.now() > deadline) return made;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
    );
  }
  if (!advisory) {
    void vscode.window.showErrorMessage(`LeakLens could not scan ${vscode.workspace.asRelativePath(capture, false)} for an advisory (see the LeakLens output).`);
    return undefined;
  }
  const destination =
    out instanceof vscode.Uri
      ? out
      : await vscode.window.showSaveDialog({
          defaultUri: capture.with({ path: `${capture.path}.advisory.md` }),
          filters: { Markdown: ['md'] },
          saveLabel: 'Export Advisory',
        });
  if (!destination) return undefined;
  if (destination.toString() === capture.toString()) {
    void vscode.window.showErrorMessage('LeakLens never writes the capture: choose another file for the advisory.');
    return undefined;
  }
  await vscode.workspace.fs.writeFile(destination, new TextEncoder().encode(advisory.markdown));
  for (const problem of advisory.problems) void vscode.window.showWarningMessage(inertNotificationText(problem));
  await vscode.commands.executeCommand('markdown.showPreview', destination);
  return destination;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

/**
 * `leaklens.openInLeakLens`: from the explorer (clicked file, plus any multi-selection), an
 * editor tab's context menu, the active tab, or else a file picker.
 */
async function openInLeakLens(clicked?: unknown, selected?: unknown): Promise<void> {
  let targets = commandTargets(clicked, selected);
  if (targets.length === 0) {
    targets =
      (await vscode.window.showOpenDialog({
        canSelectMany: true,
        openLabel: 'Open in LeakLens',
        filters: { 'Captures (HAR, tshark JSON)': CAPTURE_EXTENSIONS },
      })) ?? [];
  }
  for (const uri of targets) {
    await vscode.commands.executeCommand('vscode.openWith', uri, viewTypeFor(uri));
  }
}

function commandTargets(clicked: unknown, selected: unknown): vscode.Uri[] {
  if (Array.isArray(selected)) {
    const uris = selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri);
    if (uris.length > 0) return uris;
  }
  if (clicked instanceof vscode.Uri) return [clicked];
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return [input.uri];
  if (input instanceof vscode.TabInputTextDiff) return [input.modified];
  const editor = vscode.window.activeTextEditor;
  return editor && editor.document.uri.scheme !== 'untitled' ? [editor.document.uri] : [];
}
