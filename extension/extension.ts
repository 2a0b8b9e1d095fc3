// Entry point: wiring only. The work happens in editor/ and core/.
import * as vscode from 'vscode';
import { CaptureEditorProvider, viewTypeFor, type OpenCapture } from './editor/captureEditorProvider';

const CAPTURE_EXTENSIONS = ['har', 'harp', 'zhar', 'json', 'jsonl', 'ndjson'];

/** What `activate` returns (`vscode.extensions.getExtension('leaklens.leaklens').exports`). */
export interface LeakLensApi {
  /** The captures open in LeakLens editors, with the summary of their last scan. */
  openCaptures(): OpenCapture[];
}

export function activate(context: vscode.ExtensionContext): LeakLensApi {
  const log = vscode.window.createOutputChannel('LeakLens', { log: true });
  const { provider, disposables } = CaptureEditorProvider.register(context, log);
  context.subscriptions.push(log, ...disposables, vscode.commands.registerCommand('leaklens.openInLeakLens', openInLeakLens));
  return { openCaptures: () => provider.openCaptures() };
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
