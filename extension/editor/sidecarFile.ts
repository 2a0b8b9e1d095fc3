// One capture's sidecar on disk, as the editor keeps it: read when the capture opens, written at
// once on every edit (annotations save immediately: there is no unsaved state to lose on a crash
// or a window reload, and git shows every change), and watched, so a change made elsewhere (git
// checkout, another window, a text editor) is picked up. An edit made while the file changed
// behind our back is merged with that change (core/annotations/store.ts); values both sides
// changed differently are put to the researcher, never silently dropped.
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { Sidecar } from '../core/annotations/model';
import { SidecarError, sidecarPathFor } from '../core/annotations/sidecar';
import { readSidecarFile, removeStaleTemps, saveSidecarResolving, type SidecarConflict, type SidecarFileState } from '../core/annotations/store';
import type { SidecarStatus } from './annotationBook';

/** How long the watcher waits for a burst of file events (a checkout, an editor's save) to settle. */
const SETTLE_MS = 150;

export interface SidecarSnapshot {
  sidecar: Sidecar | undefined;
  status: SidecarStatus;
}

/** Asks the researcher how to settle a conflict: keep our values, or the file's. */
export type ConflictChooser = (file: string, conflicts: readonly SidecarConflict[], deleted: boolean) => Promise<'mine' | 'theirs'>;

export class SidecarFile implements vscode.Disposable {
  readonly path: string;
  readonly fileName: string;
  private base: SidecarFileState = { exists: false };
  private status: SidecarStatus = { status: 'none' };
  /** Saves and reloads one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly watcher: vscode.FileSystemWatcher | undefined;
  private settle: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly captureUri: vscode.Uri,
    /** Called after the sidecar changed on disk by someone else (not after our own saves). */
    private readonly onExternalChange: (snapshot: SidecarSnapshot) => void,
    private readonly chooseOnConflict: ConflictChooser,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.path = sidecarPathFor(captureUri.fsPath);
    this.fileName = basename(this.path);
    if (captureUri.scheme !== 'file') {
      this.status = { status: 'error', error: `annotations are saved beside the capture, and ${captureUri.scheme}: files have no folder LeakLens can write to` };
      return;
    }
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(this.path)), this.fileName));
    const changed = () => this.changedOnDisk();
    this.watcher.onDidChange(changed);
    this.watcher.onDidCreate(changed);
    this.watcher.onDidDelete(changed);
  }

  get snapshot(): SidecarSnapshot {
    return { sidecar: this.base.exists ? this.base.sidecar : undefined, status: this.status };
  }

  /** Read it (first open); an unreadable file is reported in the status and left untouched. */
  load(): Promise<SidecarSnapshot> {
    return this.enqueue(async () => {
      if (this.captureUri.scheme !== 'file') return this.snapshot;
      await this.read();
      // Temporary files of a write that crashed before its rename (older than a minute).
      for (const stale of await removeStaleTemps(this.path)) this.log.info(`removed ${stale}, left by an interrupted sidecar write`);
      return this.snapshot;
    });
  }

  /**
   * Write `mine` (an edit of the current snapshot). If the file changed since we read it, the
   * change is merged; conflicting values are put to the researcher. Resolves to the snapshot now
   * on disk and what happened.
   */
  save(mine: Sidecar, what: string): Promise<{ snapshot: SidecarSnapshot; message: string }> {
    return this.enqueue(async () => {
      if (this.status.status === 'error') throw new Error(`${this.fileName} cannot be read, so it is not changed: ${this.status.error}`);
      const saved = await saveSidecarResolving(this.path, this.base, mine, { capturePath: this.captureUri.fsPath }, (conflicts, deleted) =>
        this.chooseOnConflict(this.fileName, conflicts, deleted),
      );
      this.base = saved.state;
      this.status = { status: saved.state.exists ? 'ok' : 'none' };
      if (saved.conflicts.length > 0) {
        this.log.warn(`${this.fileName} changed on disk while saving: ${saved.conflicts.map((c) => c.path).join(', ')}; kept ${saved.outcome === 'kept-mine' ? 'this edit' : 'the file on disk'}`);
      }
      switch (saved.outcome) {
        case 'written':
          return { snapshot: this.snapshot, message: `${what} (saved to ${this.fileName})` };
        case 'merged':
          return { snapshot: this.snapshot, message: `${what} (merged with a change made to ${this.fileName} elsewhere)` };
        case 'kept-mine':
          return { snapshot: this.snapshot, message: `${what} (merged with a change made to ${this.fileName} elsewhere; your values kept where both changed)` };
        case 'kept-theirs':
          return { snapshot: this.snapshot, message: `${what} was not saved: ${this.fileName} changed on disk and its version was kept` };
      }
    });
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
      void this.enqueue(async () => {
        if (this.disposed) return;
        const before = this.base.exists ? this.base.sha256 : undefined;
        const beforeStatus = this.status.status;
        await this.read();
        const after = this.base.exists ? this.base.sha256 : undefined;
        // Our own writes fire the watcher too: only a different content is news.
        if (after === before && this.status.status === beforeStatus) return;
        this.log.info(`${this.fileName} changed on disk: ${this.status.status === 'error' ? 'it cannot be read now' : 'annotations reloaded'}`);
        this.onExternalChange(this.snapshot);
      });
    }, SETTLE_MS);
  }

  private async read(): Promise<void> {
    try {
      this.base = await readSidecarFile(this.path);
      this.status = { status: this.base.exists ? 'ok' : 'none' };
    } catch (err) {
      // The broken file is left as it is; edits are refused until it reads again.
      const error = err instanceof SidecarError ? err.message : `${this.path}: ${err instanceof Error ? err.message : String(err)}`;
      this.log.warn(error);
      this.status = { status: 'error', error };
    }
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
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
  const choice = await vscode.window.showWarningMessage(`LeakLens: ${file} changed on disk`, { modal: true, detail }, keepMine, keepTheirs);
  return choice === keepMine ? 'mine' : 'theirs';
};

function preview(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
