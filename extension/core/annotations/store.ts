// The sidecar on disk: read it, write it so that a crash leaves either the old or the new file
// whole, and notice when someone else (git checkout, another window, a text editor) changed it
// since we read it, merging their change with ours or reporting a conflict with both versions.
// The file system is a parameter so tests can crash a write half-way and edit the file behind
// our back. The capture file is never opened for writing here: only the sidecar's own path and a
// temporary file beside it are written.
import { createHash, randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { anchorKey, findingKey } from './anchor';
import type { AdvisoryMeta, Annotation, FindingState, Sidecar } from './model';
import { SIDECAR_SUFFIX, SIDECAR_VERSION } from './model';
import { MAX_SIDECAR_CHARS, SidecarError, defineKey, parseSidecar, serializeSidecar } from './sidecar';

/** The few file operations the store needs. Errors carry Node's `code` (`ENOENT`, …). */
export interface SidecarFs {
  readFile(path: string): Promise<Uint8Array>;
  stat(path: string): Promise<{ size: number; mtimeMs: number; mode: number }>;
  /** Like `stat` but does not follow a symbolic link: `mode` carries the file type bits (S_IFMT). */
  lstat(path: string): Promise<{ mode: number }>;
  /** The canonical absolute path, all symbolic links resolved; ENOENT when it does not exist. */
  realpath(path: string): Promise<string>;
  /**
   * Create `path` (failing if it exists), write `data`, flush it to the disk, close it. When `mode`
   * is given the file ends up with exactly that mode (set explicitly, not filtered by the umask).
   */
  writeNewFile(path: string, data: Uint8Array, mode: number | undefined): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** Flush a folder's entries (the rename) to disk; best effort, not every platform can. */
  syncDir(path: string): Promise<void>;
}

export const nodeSidecarFs: SidecarFs = {
  readFile: (path) => nodeFs.readFile(path),
  stat: (path) => nodeFs.stat(path),
  lstat: (path) => nodeFs.lstat(path),
  realpath: (path) => nodeFs.realpath(path),
  async writeNewFile(path, data, mode) {
    // Created owner-only; the umask would otherwise strip bits of the mode we mean to keep.
    const handle = await nodeFs.open(path, 'wx', mode === undefined ? 0o666 : 0o600);
    try {
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(data);
      // Without this the rename can reach the disk before the data, and a power cut leaves an empty file.
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => nodeFs.rename(from, to),
  unlink: (path) => nodeFs.unlink(path),
  readdir: (path) => nodeFs.readdir(path),
  async syncDir(path) {
    let handle: nodeFs.FileHandle | undefined;
    try {
      handle = await nodeFs.open(path, 'r');
      await handle.sync();
    } catch {
      // Windows cannot open a folder for syncing; the rename is still atomic there.
    } finally {
      await handle?.close();
    }
  },
};

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The sidecar as last read or written: what a later save compares the disk against. */
export type SidecarFileState =
  | { exists: false }
  | { exists: true; sidecar: Sidecar; text: string; sha256: string; mtimeMs: number; size: number };

/**
 * Read and validate the sidecar at `path`. A missing file is `{exists: false}`; anything else
 * wrong (unreadable, too large, not UTF-8, not the schema) throws SidecarError and leaves the file
 * as it is.
 */
export async function readSidecarFile(path: string, fs: SidecarFs = nodeSidecarFs): Promise<SidecarFileState> {
  let info: { size: number; mtimeMs: number };
  let bytes: Uint8Array;
  try {
    info = await fs.stat(path);
    // One UTF-16 code unit takes at most 3 bytes of UTF-8: a file over 3× the bound cannot be within it.
    if (info.size > MAX_SIDECAR_CHARS * 3) throw new SidecarError(path, `the file is too large (${info.size} bytes)`, undefined, `at most ${MAX_SIDECAR_CHARS} characters`);
    bytes = await fs.readFile(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { exists: false };
    if (err instanceof SidecarError) throw err;
    throw new SidecarError(path, `cannot read the file (${errorCode(err) ?? (err as Error).message})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SidecarError(path, 'the file is not valid UTF-8', undefined, 'a UTF-8 JSON text');
  }
  const sidecar = parseSidecar(text, path);
  return { exists: true, sidecar, text, sha256: sha256Hex(bytes), mtimeMs: info.mtimeMs, size: bytes.length };
}

/** Temporary files are `.<sidecar name>.<random>.tmp` beside the sidecar, so the rename stays on one file system. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

export interface SidecarWriteOptions {
  /** The capture the sidecar belongs to: never written, so a sidecar path resolving to it is refused. */
  capturePath: string;
  fs?: SidecarFs;
}

/** Where `path` really is: its realpath when it exists, else its folder's realpath plus its name, else `resolve`. */
async function resolvedPath(path: string, fs: SidecarFs): Promise<string> {
  try {
    return await fs.realpath(path);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
  try {
    return join(await fs.realpath(dirname(path)), basename(path));
  } catch {
    return resolve(path);
  }
}

/**
 * Write the sidecar atomically: a temporary file in the same folder, flushed, then renamed over
 * the old one. If anything fails before the rename, the old file is untouched and the temporary
 * file removed; after the rename the new file is complete. The old file's permission bits (rwx
 * only, never setuid/setgid/sticky) are kept when it is a regular file; a symbolic link is replaced
 * by a new file with the default permissions. Refuses (SidecarError) a path that is not a sidecar,
 * that resolves to the capture, or that is something other than a regular file or a symbolic link.
 */
export async function writeSidecarAtomic(path: string, sidecar: Sidecar, options: SidecarWriteOptions): Promise<SidecarFileState & { exists: true }> {
  const fs = options.fs ?? nodeSidecarFs;
  if (!path.endsWith(SIDECAR_SUFFIX)) {
    // A guard against a caller passing the capture's own path: the capture is never written.
    throw new SidecarError(path, 'refusing to write a sidecar to a path that is not a sidecar', undefined, `a path ending in ${SIDECAR_SUFFIX}`);
  }
  const [target, capture] = await Promise.all([resolvedPath(path, fs), resolvedPath(options.capturePath, fs)]);
  if (target === capture) {
    throw new SidecarError(path, `refusing to write a sidecar over the capture ${options.capturePath}`, undefined, 'a sidecar path that is not the capture');
  }
  const text = serializeSidecar(sidecar);
  const bytes = new TextEncoder().encode(text);
  let mode: number | undefined;
  try {
    const info = await fs.lstat(path);
    const type = info.mode & S_IFMT;
    if (type === S_IFREG) mode = info.mode & 0o777;
    else if (type !== S_IFLNK) throw new SidecarError(path, 'refusing to write a sidecar over something that is not a file', undefined, 'a regular file or a symbolic link');
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
  const temp = tempPathFor(path);
  try {
    await fs.writeNewFile(temp, bytes, mode);
    await fs.rename(temp, path);
  } catch (err) {
    // Nothing useful to do if the removal fails too (the disk is gone): removeStaleTemps tidies later.
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
  await fs.syncDir(dirname(path)).catch(() => undefined);
  let mtimeMs = Date.now();
  try {
    mtimeMs = (await fs.stat(path)).mtimeMs;
  } catch {
    // The file was written; only the time stamp is approximate.
  }
  return { exists: true, sidecar, text, sha256: sha256Hex(bytes), mtimeMs, size: bytes.length };
}

/**
 * Remove temporary files a crashed write left beside the sidecar, older than `olderThanMs` (so a
 * write in progress in another window is not disturbed). Returns the paths removed.
 */
export async function removeStaleTemps(path: string, fs: SidecarFs = nodeSidecarFs, olderThanMs = 60_000, now = Date.now()): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^[0-9a-f]{12}\.tmp$/.test(name.slice(prefix.length))) continue;
    const full = join(dir, name);
    try {
      if (now - (await fs.stat(full)).mtimeMs < olderThanMs) continue;
      await fs.unlink(full);
      removed.push(full);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Three-way merge

export interface SidecarConflict {
  /** What disagrees, e.g. `annotations[id="a1"].notes`, `knownValues.imei`, `advisory.title`, `file`. */
  path: string;
  /** The annotation concerned, when it is one. */
  annotationId?: string;
  /** Values as last read (common ancestor), in memory (ours) and on disk now (theirs); undefined = absent. */
  base: unknown;
  mine: unknown;
  theirs: unknown;
  /**
   * Which of the two `merged` holds until the researcher chooses; never the one that is absent.
   * `both`: a list item edited differently on each side, both edits are in the list side by side.
   */
  kept: 'mine' | 'theirs' | 'both';
}

export interface MergeResult {
  merged: Sidecar;
  conflicts: SidecarConflict[];
}

/** JSON with sorted keys, for comparing values regardless of key order. */
function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(',')}}`;
}

class Merger {
  readonly conflicts: SidecarConflict[] = [];

  /** One value: equal sides, or changed on one side only, merge; changed on both differently conflict. */
  pick<T>(path: string, base: T | undefined, mine: T | undefined, theirs: T | undefined, annotationId?: string): T | undefined {
    const b = canonical(base);
    const m = canonical(mine);
    const t = canonical(theirs);
    if (m === t || t === b) return mine;
    if (m === b) return theirs;
    // Keep ours unless ours is a deletion: a deleted value is easy to delete again, an edit is not.
    const kept = mine === undefined ? 'theirs' : 'mine';
    const conflict: SidecarConflict = { path, base, mine, theirs, kept };
    if (annotationId !== undefined) conflict.annotationId = annotationId;
    this.conflicts.push(conflict);
    return kept === 'mine' ? mine : theirs;
  }

  /**
   * Set-like lists (tags, anchors, findings, versions): additions on both sides kept, removals on
   * either applied. With `at`, an item of base that both sides replaced by different new items (an
   * edit of the same item on both sides) is a conflict; both new items are kept. The replacement is
   * the new item with the same `identity` (when given and one has it), else the new item at the
   * base item's position.
   */
  list<T>(
    base: readonly T[] | undefined,
    mine: readonly T[] | undefined,
    theirs: readonly T[] | undefined,
    at?: string,
    identity?: (item: T) => string,
    annotationId?: string,
  ): T[] | undefined {
    if (mine === undefined && theirs === undefined) return undefined;
    const inBase = new Set((base ?? []).map(canonical));
    const inTheirs = new Set((theirs ?? []).map(canonical));
    if (at !== undefined) this.listEdits(at, base ?? [], mine ?? [], theirs ?? [], inBase, identity, annotationId);
    const out: T[] = [];
    const seen = new Set<string>();
    for (const item of mine ?? []) {
      const key = canonical(item);
      if ((inBase.has(key) && !inTheirs.has(key)) || seen.has(key)) continue;
      seen.add(key);
      out.push(item);
    }
    const inMine = new Set((mine ?? []).map(canonical));
    for (const item of theirs ?? []) {
      const key = canonical(item);
      if (inBase.has(key) || inMine.has(key) || seen.has(key)) continue;
      seen.add(key);
      out.push(item);
    }
    return out;
  }

  private listEdits<T>(at: string, base: readonly T[], mine: readonly T[], theirs: readonly T[], inBase: Set<string>, identity: ((item: T) => string) | undefined, annotationId: string | undefined): void {
    const side = (items: readonly T[]) => {
      const keys = items.map(canonical);
      const present = new Set(keys);
      const added = new Map<number, T>();
      items.forEach((item, i) => {
        if (!inBase.has(keys[i])) added.set(i, item);
      });
      const byIdentity = new Map<string, T>();
      if (identity) for (const item of added.values()) if (!byIdentity.has(identity(item))) byIdentity.set(identity(item), item);
      const replacement = (item: T, index: number): T | undefined => (identity && byIdentity.get(identity(item))) ?? added.get(index);
      return { present, replacement };
    };
    const m = side(mine);
    const t = side(theirs);
    base.forEach((item, index) => {
      const key = canonical(item);
      if (m.present.has(key) || t.present.has(key)) return;
      const mi = m.replacement(item, index);
      const ti = t.replacement(item, index);
      if (mi === undefined || ti === undefined || canonical(mi) === canonical(ti)) return;
      const conflict: SidecarConflict = { path: `${at}[${index}]`, base: item, mine: mi, theirs: ti, kept: 'both' };
      if (annotationId !== undefined) conflict.annotationId = annotationId;
      this.conflicts.push(conflict);
    });
  }

  /** Key by key (known values, unknown fields): each key merged with `pick`. */
  record(
    path: string,
    base: Record<string, unknown> | undefined,
    mine: Record<string, unknown> | undefined,
    theirs: Record<string, unknown> | undefined,
    annotationId?: string,
  ): Record<string, unknown> | undefined {
    if (mine === undefined && theirs === undefined) return undefined;
    // A Set keeps first-seen order and makes this linear (a list lookup made 40,000 keys take seconds).
    const keys = new Set<string>();
    for (const source of [mine, theirs, base]) for (const key of Object.keys(source ?? {})) keys.add(key);
    const get = (source: Record<string, unknown> | undefined, key: string): unknown => (source && Object.hasOwn(source, key) ? source[key] : undefined);
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const value = this.pick(`${path}.${key}`, get(base, key), get(mine, key), get(theirs, key), annotationId);
      if (value !== undefined) defineKey(out, key, value);
    }
    // An object that was there on either side stays an object, even if every key went.
    return Object.keys(out).length > 0 || (mine !== undefined && theirs !== undefined) ? out : undefined;
  }

  annotation(base: Annotation | undefined, mine: Annotation, theirs: Annotation): Annotation {
    const id = mine.id;
    const at = `annotations[id=${JSON.stringify(id)}]`;
    const field = <K extends 'title' | 'severity' | 'notes' | 'created'>(key: K): Annotation[K] =>
      this.pick(`${at}.${key}`, base?.[key], mine[key], theirs[key], id) ?? mine[key];
    const merged: Annotation = {
      id,
      exchanges: this.list(base?.exchanges, mine.exchanges, theirs.exchanges, `${at}.exchanges`, anchorKey, id) ?? [],
      severity: field('severity'),
      title: field('title'),
      notes: field('notes'),
      tags: this.list(base?.tags, mine.tags, theirs.tags) ?? [],
      findings: this.list(base?.findings, mine.findings, theirs.findings, `${at}.findings`, findingKey, id) ?? [],
      created: field('created'),
      // Both sides touched it: the later time stamp is the truth, not a conflict.
      updated: Date.parse(theirs.updated) > Date.parse(mine.updated) ? theirs.updated : mine.updated,
    };
    const extra = this.record(`${at}.extra`, base?.extra, mine.extra, theirs.extra, id);
    if (extra && Object.keys(extra).length > 0) merged.extra = extra;
    return merged;
  }

  findingState(at: string, base: FindingState | undefined, mine: FindingState, theirs: FindingState): FindingState {
    const merged: FindingState = {
      exchange: this.pick(`${at}.exchange`, base?.exchange, mine.exchange, theirs.exchange) ?? mine.exchange,
      finding: this.pick(`${at}.finding`, base?.finding, mine.finding, theirs.finding) ?? mine.finding,
      state: this.pick(`${at}.state`, base?.state, mine.state, theirs.state) ?? mine.state,
      reason: this.pick(`${at}.reason`, base?.reason, mine.reason, theirs.reason) ?? mine.reason,
    };
    const extra = this.record(`${at}.extra`, base?.extra, mine.extra, theirs.extra);
    if (extra && Object.keys(extra).length > 0) merged.extra = extra;
    return merged;
  }

  /**
   * Items keyed by identity: added on either side kept; deleted on one side and unchanged on the
   * other deleted; deleted on one side and changed on the other a conflict that keeps the changed
   * one; present on both merged field by field.
   */
  keyed<T>(
    what: string,
    keyOf: (item: T) => string,
    base: readonly T[],
    mine: readonly T[],
    theirs: readonly T[],
    both: (at: string, base: T | undefined, mine: T, theirs: T) => T,
    idOf?: (item: T) => string,
  ): T[] {
    const index = (items: readonly T[]): Map<string, T> => new Map(items.map((item) => [keyOf(item), item]));
    const b = index(base);
    const m = index(mine);
    const t = index(theirs);
    const out: T[] = [];
    for (const key of new Set([...m.keys(), ...t.keys(), ...b.keys()])) {
      const at = `${what}[${key}]`;
      const [bi, mi, ti] = [b.get(key), m.get(key), t.get(key)];
      if (mi !== undefined && ti !== undefined) out.push(both(at, bi, mi, ti));
      else if (mi !== undefined || ti !== undefined) {
        const kept = this.pick(at, bi, mi, ti, idOf && idOf((mi ?? ti) as T));
        if (kept !== undefined) out.push(kept);
      }
    }
    return out;
  }
}

function advisoryMerge(merger: Merger, base: AdvisoryMeta | undefined, mine: AdvisoryMeta | undefined, theirs: AdvisoryMeta | undefined): AdvisoryMeta | undefined {
  if (mine === undefined && theirs === undefined) return undefined;
  const out: AdvisoryMeta = {};
  for (const key of ['title', 'summary', 'product', 'vendor', 'setup', 'researcher'] as const) {
    const value = merger.pick(`advisory.${key}`, base?.[key], mine?.[key], theirs?.[key]);
    if (value !== undefined) out[key] = value;
  }
  const versions = merger.list(base?.versions, mine?.versions, theirs?.versions, 'advisory.versions');
  if (versions !== undefined) out.versions = versions;
  const timeline = merger.list(base?.timeline, mine?.timeline, theirs?.timeline, 'advisory.timeline');
  if (timeline !== undefined) out.timeline = timeline;
  const extra = merger.record('advisory.extra', base?.extra, mine?.extra, theirs?.extra);
  if (extra && Object.keys(extra).length > 0) out.extra = extra;
  return out;
}

function findingStateKey(state: FindingState): string {
  return `${anchorKey(state.exchange)} ${findingKey(state.finding)}`;
}

/**
 * Merge an external change (`theirs`, on disk now) with ours (`mine`, in memory), both descended
 * from `base` (as last read or written; undefined when there was no file). Nothing is lost: every
 * value changed differently on both sides is in `conflicts` with both versions, and `merged` holds
 * ours unless ours deleted it.
 */
export function mergeSidecars(base: Sidecar | undefined, mine: Sidecar, theirs: Sidecar): MergeResult {
  const merger = new Merger();
  const merged: Sidecar = {
    version: SIDECAR_VERSION,
    capture: merger.pick('capture', base?.capture, mine.capture, theirs.capture) ?? mine.capture,
    annotations: merger.keyed('annotations', (a) => `id=${JSON.stringify(a.id)}`, base?.annotations ?? [], mine.annotations, theirs.annotations, (_at, b, m, t) => merger.annotation(b, m, t), (a) => a.id),
    findingStates: merger.keyed('findingStates', findingStateKey, base?.findingStates ?? [], mine.findingStates, theirs.findingStates, (at, b, m, t) => merger.findingState(at, b, m, t)),
  };
  const knownValues = merger.record('knownValues', base?.knownValues, mine.knownValues, theirs.knownValues);
  if (knownValues !== undefined) merged.knownValues = knownValues;
  const advisory = advisoryMerge(merger, base?.advisory, mine.advisory, theirs.advisory);
  if (advisory !== undefined) merged.advisory = advisory;
  const extra = merger.record('extra', base?.extra, mine.extra, theirs.extra);
  if (extra && Object.keys(extra).length > 0) merged.extra = extra;
  return { merged, conflicts: merger.conflicts };
}

// ---------------------------------------------------------------------------------------------
// Saving with change detection

export type SaveResult =
  /** Nobody else changed the file: ours was written. */
  | { status: 'written'; state: SidecarFileState & { exists: true } }
  /** The file changed on disk; the change merged cleanly with ours and the merge was written. */
  | { status: 'merged'; state: SidecarFileState & { exists: true }; merged: Sidecar }
  /**
   * The file changed on disk and some values were changed differently on both sides (or the file
   * was deleted). Nothing was written: show `conflicts`, let the researcher choose, then save
   * the resolved sidecar with `theirs` as the new base.
   */
  | { status: 'conflict'; merged: Sidecar; conflicts: SidecarConflict[]; theirs: SidecarFileState };

/**
 * Save `mine`, which was edited starting from `base` (the state last read or written). If the file
 * on disk is no longer `base`, merge instead of overwriting. A sidecar on disk that does not
 * validate throws SidecarError and is left alone. (Between the check and the rename another writer
 * can still slip in; the window is one write long, and the next save sees its change.)
 */
export async function saveSidecar(path: string, base: SidecarFileState, mine: Sidecar, options: SidecarWriteOptions): Promise<SaveResult> {
  const fs = options.fs ?? nodeSidecarFs;
  const current = await readSidecarFile(path, fs);
  const unchanged = current.exists ? base.exists && base.sha256 === current.sha256 : !base.exists;
  if (unchanged) return { status: 'written', state: await writeSidecarAtomic(path, mine, options) };
  if (!current.exists) {
    // Deleted behind our back (e.g. a checkout of a branch without it): recreating it or not is the researcher's call.
    return { status: 'conflict', merged: mine, theirs: current, conflicts: [{ path: 'file', base: base.exists ? base.sidecar : undefined, mine, theirs: undefined, kept: 'mine' }] };
  }
  const { merged, conflicts } = mergeSidecars(base.exists ? base.sidecar : undefined, mine, current.sidecar);
  if (conflicts.length > 0) return { status: 'conflict', merged, conflicts, theirs: current };
  return { status: 'merged', merged, state: await writeSidecarAtomic(path, merged, options) };
}

/** The researcher's answer to a conflict: keep our values where both sides changed, or the file's. */
export type ConflictChoice = 'mine' | 'theirs';

export type ResolvedSave =
  /** Written: ours alone, merged with a change made on disk, or merged with our values kept where both changed. */
  | { outcome: 'written' | 'merged' | 'kept-mine'; state: SidecarFileState & { exists: true }; conflicts: SidecarConflict[] }
  /** The researcher kept the file as it is on disk: nothing written, `state` is the file now. */
  | { outcome: 'kept-theirs'; state: SidecarFileState; conflicts: SidecarConflict[] };

/**
 * Save `mine` as saveSidecar does, and when values conflict ask `choose` (with the conflicts and
 * whether the file was deleted): `mine` writes the merge with our values where both changed (their
 * other changes kept), `theirs` writes nothing. Either way no change is lost without the
 * researcher choosing it. Throws when the file keeps changing between the question and the write.
 */
export async function saveSidecarResolving(
  path: string,
  base: SidecarFileState,
  mine: Sidecar,
  options: SidecarWriteOptions,
  choose: (conflicts: readonly SidecarConflict[], deleted: boolean) => Promise<ConflictChoice>,
): Promise<ResolvedSave> {
  const first = await saveSidecar(path, base, mine, options);
  if (first.status === 'written') return { outcome: 'written', state: first.state, conflicts: [] };
  if (first.status === 'merged') return { outcome: 'merged', state: first.state, conflicts: [] };
  const choice = await choose(first.conflicts, !first.theirs.exists);
  if (choice === 'theirs') return { outcome: 'kept-theirs', state: first.theirs, conflicts: first.conflicts };
  const second = await saveSidecar(path, first.theirs, first.merged, options);
  if (second.status === 'conflict') throw new SidecarError(path, 'the file keeps changing on disk; nothing was saved, try again');
  return { outcome: 'kept-mine', state: second.state, conflicts: first.conflicts };
}
