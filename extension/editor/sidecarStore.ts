// One capture's sidecar as the editor keeps it, without VS Code (sidecarFile.ts adds the file
// watcher and the dialogs): the state last read or written, and every read and save run one at a
// time, in order. An edit is a function of the sidecar as it is when its turn comes, not a sidecar
// computed earlier: two quick edits, or an edit racing a reload, each see the other's result, so
// nothing saved in between is overwritten. A change made on disk since the last read is merged by
// saveSidecarResolving; values both sides changed are put to the researcher.
import { basename } from 'node:path';
import type { Sidecar } from '../core/annotations/model';
import { SidecarError, sidecarPathFor } from '../core/annotations/sidecar';
import {
  readSidecarFile,
  removeStaleTemps,
  saveSidecarResolving,
  type ConflictChoice,
  type SidecarConflict,
  type SidecarFileState,
  type SidecarFs,
} from '../core/annotations/store';
import type { SidecarStatus } from './annotationBook';

export interface SidecarSnapshot {
  sidecar: Sidecar | undefined;
  status: SidecarStatus;
}

/** Asks the researcher how to settle a conflict: keep our values, or the file's. */
export type ConflictChooser = (file: string, conflicts: readonly SidecarConflict[], deleted: boolean) => Promise<ConflictChoice>;

export class SidecarStore {
  readonly path: string;
  readonly fileName: string;
  private base: SidecarFileState = { exists: false };
  private status: SidecarStatus;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly capturePath: string,
    private readonly chooseOnConflict: ConflictChooser,
    /** Why the sidecar cannot be used at all (e.g. a capture with no folder on disk); undefined when it can. */
    unusable?: string,
    private readonly fs?: SidecarFs,
  ) {
    this.path = sidecarPathFor(capturePath);
    this.fileName = basename(this.path);
    this.status = unusable === undefined ? { status: 'none' } : { status: 'error', error: unusable };
    this.usable = unusable === undefined;
  }

  private readonly usable: boolean;

  get snapshot(): SidecarSnapshot {
    // An unreadable file's last good copy is not offered: it is not what is on disk.
    return { sidecar: this.base.exists && this.status.status === 'ok' ? this.base.sidecar : undefined, status: this.status };
  }

  /** Read it; removes temporary files an interrupted write left (older than a minute). */
  load(): Promise<SidecarSnapshot> {
    return this.enqueue(async () => {
      if (!this.usable) return this.snapshot;
      await this.read();
      await removeStaleTemps(this.path, this.fs);
      return this.snapshot;
    });
  }

  /** Read it again; resolves to the snapshot when it changed (content or readability), else undefined. */
  reload(): Promise<SidecarSnapshot | undefined> {
    return this.enqueue(async () => {
      if (!this.usable) return undefined;
      const before = this.base.exists ? this.base.sha256 : undefined;
      const beforeStatus = this.status.status;
      await this.read();
      const after = this.base.exists ? this.base.sha256 : undefined;
      return after === before && this.status.status === beforeStatus ? undefined : this.snapshot;
    });
  }

  /**
   * Apply `edit` to the sidecar as it is when this save's turn comes, and write the result. A
   * change made on disk since the last read is merged; conflicting values are put to the
   * researcher. Resolves to the snapshot now on disk and what happened (`what` names the edit).
   */
  save(edit: (snapshot: SidecarSnapshot) => Sidecar, what: string): Promise<{ snapshot: SidecarSnapshot; message: string }> {
    return this.enqueue(async () => {
      if (this.status.status === 'error') throw new Error(`${this.fileName} cannot be read, so it is not changed: ${this.status.error}`);
      const mine = edit(this.snapshot);
      const saved = await saveSidecarResolving(this.path, this.base, mine, { capturePath: this.capturePath, ...(this.fs ? { fs: this.fs } : {}) }, (conflicts, deleted) =>
        this.chooseOnConflict(this.fileName, conflicts, deleted),
      );
      this.base = saved.state;
      this.status = { status: saved.state.exists ? 'ok' : 'none' };
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

  private async read(): Promise<void> {
    try {
      this.base = await readSidecarFile(this.path, this.fs);
      this.status = { status: this.base.exists ? 'ok' : 'none' };
    } catch (err) {
      // The broken file is left as it is; edits are refused until it reads again.
      const error = err instanceof SidecarError ? err.message : `${this.path}: ${err instanceof Error ? err.message : String(err)}`;
      this.status = { status: 'error', error };
    }
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
