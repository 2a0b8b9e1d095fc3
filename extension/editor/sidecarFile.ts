// One capture's sidecar on disk, as the editor keeps it: read when the capture opens, written at
// once on every edit (annotations save immediately: there is no unsaved state to lose on a crash
// or a window reload, and git shows every change), and watched, so a change made elsewhere (git
// checkout, another window, a text editor) is picked up. The reading, saving and merging are
// sidecarStore.ts's; this adds VS Code: the watcher, the log and the conflict dialog.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { inertNotificationText } from './notify';
import { SidecarStore, type ConflictChooser, type SidecarSnapshot } from './sidecarStore';

export type { SidecarSnapshot } from './sidecarStore';

/** How long the watcher waits for a burst of file events (a checkout, an editor's save) to settle. */
const SETTLE_MS = 150;

export class SidecarFile extends SidecarStore implements vscode.Disposable {
  private readonly watcher: vscode.FileSystemWatcher | undefined;
  private settle: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    captureUri: vscode.Uri,
    /** Called after the sidecar changed on disk by someone else (not after our own saves). */
    private readonly onExternalChange: (snapshot: SidecarSnapshot) => void,
    chooseOnConflict: ConflictChooser,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const unusable = captureUri.scheme === 'file' ? undefined : `annotations are saved beside the capture, and ${captureUri.scheme}: files have no folder LeakLens can write to`;
    super(captureUri.fsPath, chooseOnConflict, unusable);
    if (unusable) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(this.path)), this.fileName));
    const changed = () => this.changedOnDisk();
    this.watcher.onDidChange(changed);
    this.watcher.onDidCreate(changed);
    this.watcher.onDidDelete(changed);
  }

  dispose(): void {
    this.disposed = true;
    if (this.settle) clearTimeout(this.settle);
    this.watcher?.dispose();
  }

  private changedOnDisk(): void {
    if (this.settle) clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.settle = undefined;
      void this.reload().then((snapshot) => {
        // Our own writes fire the watcher too: only a different content is news.
        if (!snapshot || this.disposed) return;
        if (snapshot.status.status === 'error') this.log.warn(snapshot.status.error);
        this.log.info(`${this.fileName} changed on disk: ${snapshot.status.status === 'error' ? 'it cannot be read now' : 'annotations reloaded'}`);
        this.onExternalChange(snapshot);
      });
    }, SETTLE_MS);
  }
}

/** The modal that puts a conflict to the researcher, with both values of each disagreement. */
export const askOnConflict: ConflictChooser = async (file, conflicts, deleted) => {
  const detail = deleted
    ? `${file} was deleted on disk (a checkout or another window?) after LeakLens read it. Keep your annotations (the file is written again), or leave it deleted and drop this edit?`
    : [
        `${file} was changed on disk after LeakLens read it, and these values were changed differently there and here:`,
        ...conflicts.slice(0, 8).map((c) => `• ${c.path}: here ${preview(c.mine)}, on disk ${preview(c.theirs)}`),
        conflicts.length > 8 ? `• … and ${conflicts.length - 8} more` : '',
        'Everything else from both sides is kept.',
      ].filter((line) => line !== '').join('\n');
  const keepMine = deleted ? 'Write It Again' : 'Keep Mine';
  const keepTheirs = deleted ? 'Leave It Deleted' : 'Keep the File’s';
  const choice = await vscode.window.showWarningMessage(`LeakLens: ${file} changed on disk`, { modal: true, detail: inertNotificationText(detail) }, keepMine, keepTheirs);
  return choice === keepMine ? 'mine' : 'theirs';
};

function preview(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
