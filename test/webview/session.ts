// A session on a corpus capture as the editor would run it, with the editor's effects recorded in
// memory: the clipboard, revealing, the settings, and the sidecar (saved by building a new book and
// scan and telling the page, as the editor does after writing the file; the known values only
// when they changed).
import type { Sidecar } from '../../extension/core/annotations/model';
import type { Capture } from '../../extension/core/model';
import { scanCapture } from '../../extension/core/scan';
import { AnnotationBook, type SidecarStatus } from '../../extension/editor/annotationBook';
import { scanView } from '../../extension/editor/rows';
import { knownEntriesFrom } from '../../extension/editor/scanSettings';
import { annotationsView, NO_KNOWN_VALUES, type SessionView } from '../../extension/editor/session';
import type { KnownValueEntry, ToWebview } from '../../extension/protocol';

export const CAPTURE_FILE = 'mitmproxy_hardump.har';
export const SIDECAR_FILE = 'mitmproxy_hardump.har.leaklens.json';

export interface Effects {
  copied: string[];
  revealed: number[];
  known: KnownValueEntry[][];
  /** Every sidecar saved, in order. */
  sidecars: Sidecar[];
  /** How the host reaches the page (set once it is open). */
  post?: (message: ToWebview) => Promise<void>;
}

export function newEffects(): Effects {
  return { copied: [], revealed: [], known: [], sidecars: [] };
}

export function session(capture: Capture, effects: Effects, sidecar?: { sidecar?: Sidecar; status?: SidecarStatus }): SessionView {
  const result = scanCapture(capture);
  const book = new AnnotationBook(capture, sidecar?.sidecar, SIDECAR_FILE, sidecar?.status);
  const view: SessionView = {
    fileName: CAPTURE_FILE,
    capture,
    loadError: undefined,
    annotations: book,
    scan: scanView(capture, result, { judgements: book }),
    known: { ...NO_KNOWN_VALUES, sidecarEntries: knownEntriesFrom(sidecar?.sidecar?.knownValues) },
  };
  view.effects = {
    copy: async (text) => void effects.copied.push(text),
    reveal: async (id) => {
      effects.revealed.push(id);
      return `Opened at entry ${id}`;
    },
    setKnownValues: async (entries) => {
      effects.known.push(entries);
      return 'Saved';
    },
    saveSidecar: async (edit, what) => {
      if (!view.annotations) throw new Error('no book');
      const knownBefore = JSON.stringify(view.annotations.sidecar?.knownValues ?? null);
      const saved = edit(view.annotations);
      effects.sidecars.push(saved);
      view.annotations = new AnnotationBook(capture, saved, SIDECAR_FILE);
      view.scan = scanView(capture, result, { judgements: view.annotations });
      await effects.post?.({ type: 'annotationsUpdated', annotations: annotationsView(view) });
      await effects.post?.({ type: 'findingsUpdated', findings: view.scan.summary });
      // As the editor: the panel hears of the known values only when they changed (it rebuilds its lists).
      if (JSON.stringify(saved.knownValues ?? null) !== knownBefore) {
        view.known = { ...(view.known ?? NO_KNOWN_VALUES), sidecarEntries: knownEntriesFrom(saved.knownValues) };
        await effects.post?.({ type: 'knownValuesUpdated', known: view.known });
      }
      return `${what}. Saved to ${SIDECAR_FILE}`;
    },
  };
  return view;
}
