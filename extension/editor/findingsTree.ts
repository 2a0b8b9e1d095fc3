// The "LeakLens Findings" view (explorer): the captures open in LeakLens, with their annotations
// and findings, and the captures of this workspace that have a sidecar but are not open. The
// shape is findingsTreeModel.ts's; this file feeds it (the source, the sidecars found on disk)
// and turns its nodes into TreeItems.
import * as vscode from 'vscode';
import { SIDECAR_SUFFIX } from '../core/annotations/model';
import { MAX_SIDECAR_CHARS } from '../core/annotations/sidecar';
import type { AnnotationsView } from '../protocol';
import {
  OPEN_IN_LEAKLENS,
  buildFindingsTree,
  errorAnnotations,
  sidecarOnlyEntry,
  type TreeCaptureEntry,
  type TreeFinding,
  type TreeNode,
  type TreeProblem,
} from './findingsTreeModel';

export { parseShowInCaptureArgs, treeFindingOf, type ShowInCaptureTarget, type TreeFinding } from './findingsTreeModel';

export const FINDINGS_VIEW = 'leaklens.findings';
export const REFRESH_FINDINGS_TREE = 'leaklens.refreshFindingsTree';

/** Sidecars the view lists at most (a monorepo of fixtures should not stall the explorer). */
const MAX_SIDECARS = 500;
const SIDECAR_GLOB = `**/*${SIDECAR_SUFFIX}`;
const EXCLUDE_GLOB = '**/node_modules/**';
/** Sidecars read at once. */
const READ_CONCURRENCY = 8;
/** File-system events arrive in bursts (a save writes a temporary file, then renames it). */
const REFRESH_DEBOUNCE_MS = 300;

export interface TreeCaptureInfo {
  /** The capture. */
  uri: vscode.Uri;
  fileName: string;
  /** Open in LeakLens and scanned: `findings` are known. */
  scanned: boolean;
  /** Its sidecar as the capture's editor resolved it (anchors matched against the capture). */
  annotations: AnnotationsView;
  /** Findings not judged false positive or expected ([] when not scanned); see treeFindingOf. */
  findings: TreeFinding[];
}

export interface FindingsTreeSource {
  /** The captures open in LeakLens. */
  captures(): TreeCaptureInfo[];
  /** Fires when one opens, closes, is scanned again, or its annotations change. */
  readonly onDidChange: vscode.Event<void>;
}

export class FindingsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Sidecar-only captures as last discovered; undefined until the first search ends. */
  private sidecars: TreeCaptureEntry[] | undefined;
  private problems: TreeProblem[] = [];
  /** Bumped by every discovery, so a slow one that finishes after a newer one is dropped. */
  private generation = 0;
  private discovering: Promise<void> | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly source: FindingsTreeSource) {
    this.disposables.push(source.onDidChange(() => this.changed.fire(undefined)));
    const watcher = vscode.workspace.createFileSystemWatcher(SIDECAR_GLOB);
    const later = (): void => this.scheduleDiscovery();
    this.disposables.push(watcher, watcher.onDidCreate(later), watcher.onDidChange(later), watcher.onDidDelete(later));
    this.disposables.push(vscode.workspace.onDidChangeWorkspaceFolders(later));
  }

  /** Look for sidecars again and redraw the whole tree. */
  refresh(): Promise<void> {
    return this.discover();
  }

  dispose(): void {
    this.disposed = true;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    for (const d of this.disposables) d.dispose();
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, COLLAPSIBLE[node.collapsible]);
    item.id = node.id;
    item.description = node.description;
    if (node.tooltip !== '') {
      // Capture- and sidecar-derived text: rendered as markdown only after escaping, never trusted.
      const tooltip = new vscode.MarkdownString(node.tooltip, false);
      tooltip.isTrusted = false;
      tooltip.supportHtml = false;
      item.tooltip = tooltip;
    }
    if (node.kind === 'capture' && node.resourceUri) {
      item.resourceUri = vscode.Uri.parse(node.resourceUri, true);
      item.iconPath = vscode.ThemeIcon.File;
    } else {
      item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color === undefined ? undefined : new vscode.ThemeColor(node.icon.color));
    }
    item.contextValue = `leaklens.${node.kind}`;
    if (node.command) {
      item.command =
        node.command.command === OPEN_IN_LEAKLENS
          ? { command: OPEN_IN_LEAKLENS, title: node.command.title, arguments: [vscode.Uri.parse(node.command.arguments[0], true)] }
          : { command: node.command.command, title: node.command.title, arguments: [...node.command.arguments] };
    }
    return item;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) return node.children;
    if (this.sidecars === undefined) await (this.discovering ?? this.discover());
    return this.roots();
  }

  private roots(): TreeNode[] {
    const entries: TreeCaptureEntry[] = [];
    try {
      for (const info of this.source.captures()) {
        entries.push({
          uri: info.uri.toString(),
          fileName: info.fileName,
          path: vscode.workspace.asRelativePath(info.uri, true),
          open: true,
          scanned: info.scanned,
          annotations: info.annotations,
          findings: info.scanned ? info.findings : [],
        });
      }
    } catch (err) {
      return buildFindingsTree([], [{ label: 'Open captures could not be listed', message: errorText(err) }]);
    }
    entries.push(...(this.sidecars ?? []));
    return buildFindingsTree(entries, this.problems);
  }

  private scheduleDiscovery(): void {
    if (this.disposed) return;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.discover();
    }, REFRESH_DEBOUNCE_MS);
  }

  /** Find and read the workspace's sidecars, then redraw. Never throws: problems become nodes. */
  private discover(): Promise<void> {
    const generation = ++this.generation;
    const run = (async () => {
      let sidecars: TreeCaptureEntry[] = [];
      const problems: TreeProblem[] = [];
      try {
        const uris = await vscode.workspace.findFiles(SIDECAR_GLOB, EXCLUDE_GLOB, MAX_SIDECARS);
        sidecars = await mapLimited(uris, READ_CONCURRENCY, readSidecar);
        if (uris.length >= MAX_SIDECARS) problems.push({ label: 'Not every annotations file is listed', message: `only the first ${MAX_SIDECARS} files named *${SIDECAR_SUFFIX} in the workspace` });
      } catch (err) {
        problems.push({ label: 'Annotations files could not be listed', message: `searching the workspace for *${SIDECAR_SUFFIX} failed: ${errorText(err)}` });
      }
      if (generation !== this.generation || this.disposed) return;
      this.sidecars = sidecars;
      this.problems = problems;
      this.changed.fire(undefined);
    })();
    this.discovering = run;
    return run.finally(() => {
      if (this.discovering === run) this.discovering = undefined;
    });
  }
}

const COLLAPSIBLE: Readonly<Record<TreeNode['collapsible'], vscode.TreeItemCollapsibleState>> = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
};

/** The sidecar-only entry of one sidecar; a file that cannot be read becomes an error entry. */
async function readSidecar(sidecarUri: vscode.Uri): Promise<TreeCaptureEntry> {
  const capture = sidecarUri.with({ path: sidecarUri.path.slice(0, -SIDECAR_SUFFIX.length) });
  const sidecarPath = vscode.workspace.asRelativePath(sidecarUri, true);
  const base = {
    uri: capture.toString(),
    fileName: capture.path.slice(capture.path.lastIndexOf('/') + 1),
    path: vscode.workspace.asRelativePath(capture, true),
  };
  const sidecarFile = sidecarPath.slice(sidecarPath.lastIndexOf('/') + 1);
  try {
    const stat = await vscode.workspace.fs.stat(sidecarUri);
    // One UTF-16 code unit takes at most 3 bytes of UTF-8: a larger file is over the parser's bound.
    if (stat.size > MAX_SIDECAR_CHARS * 3) {
      return { ...base, open: false, scanned: false, findings: [], annotations: errorAnnotations(sidecarFile, `${sidecarPath}: the file is too large (${stat.size} bytes)`) };
    }
    const bytes = await vscode.workspace.fs.readFile(sidecarUri);
    const entry = sidecarOnlyEntry({ ...base, sidecarPath, bytes });
    entry.missing = !(await exists(capture));
    return entry;
  } catch (err) {
    return { ...base, open: false, scanned: false, findings: [], annotations: errorAnnotations(sidecarFile, `${sidecarPath}: cannot be read (${errorText(err)})`) };
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The Findings view and its refresh command. `leaklens.showInCapture` is registered by the capture editor. */
export function registerFindingsTree(_context: vscode.ExtensionContext, source: FindingsTreeSource): vscode.Disposable[] {
  const provider = new FindingsTreeProvider(source);
  const view = vscode.window.createTreeView(FINDINGS_VIEW, { treeDataProvider: provider, showCollapseAll: true });
  return [provider, view, vscode.commands.registerCommand(REFRESH_FINDINGS_TREE, () => provider.refresh())];
}
