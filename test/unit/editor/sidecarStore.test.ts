// The editor's sidecar store on the real file system: edits applied in turn to the sidecar as it
// is then (two quick saves, a save racing a change on disk), conflicts put to the chooser, an
// unreadable file reported, left as it is, and never written over.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sidecar } from '../../../extension/core/annotations/model';
import { emptySidecar, parseSidecar, serializeSidecar } from '../../../extension/core/annotations/sidecar';
import { SidecarStore, type SidecarSnapshot } from '../../../extension/editor/sidecarStore';
import { annotation } from '../annotations/fixtures';

describe('SidecarStore', () => {
  let folder: string;
  let capture: string;
  let sidecarPath: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'leaklens-store-'));
    capture = join(folder, 'capture.har');
    writeFileSync(capture, '{"log":{"entries":[]}}');
    sidecarPath = `${capture}.leaklens.json`;
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  const never = async (): Promise<never> => assert.fail('no conflict expected');
  const adding = (id: string, created = '2026-11-22T10:00:00.000Z') => (s: SidecarSnapshot): Sidecar => {
    const base = s.sidecar ?? emptySidecar('capture.har');
    return { ...base, annotations: [...base.annotations, annotation(id, { created })] };
  };
  const onDisk = (): Sidecar => parseSidecar(readFileSync(sidecarPath, 'utf8'), sidecarPath);

  it('two saves started together both land: each edit sees the other’s result', async () => {
    const store = new SidecarStore(capture, never);
    await store.load();
    const [a, b] = await Promise.all([store.save(adding('a'), 'A'), store.save(adding('b', '2026-11-22T11:00:00.000Z'), 'B')]);
    assert.equal(a.message, `A (saved to capture.har.leaklens.json)`);
    assert.equal(b.message, `B (saved to capture.har.leaklens.json)`);
    assert.deepEqual(onDisk().annotations.map((x) => x.id), ['a', 'b']);
    assert.deepEqual(store.snapshot.sidecar?.annotations.map((x) => x.id), ['a', 'b']);
  });

  it('a change made on disk before the watcher reloads is merged, not overwritten', async () => {
    const store = new SidecarStore(capture, never);
    await store.load();
    await store.save(adding('mine-1'), 'first');
    // Another window adds an annotation; our next save comes before any reload.
    const theirs = onDisk();
    theirs.annotations.push(annotation('theirs', { created: '2026-11-22T12:00:00.000Z' }));
    writeFileSync(sidecarPath, serializeSidecar(theirs));
    const saved = await store.save(adding('mine-2', '2026-11-22T13:00:00.000Z'), 'second');
    assert.match(saved.message, /merged with a change made to capture\.har\.leaklens\.json elsewhere/);
    assert.deepEqual(onDisk().annotations.map((x) => x.id), ['mine-1', 'theirs', 'mine-2']);
  });

  it('reload says whether the file changed; our own write is no news', async () => {
    const store = new SidecarStore(capture, never);
    assert.equal((await store.load()).status.status, 'none');
    await store.save(adding('a'), 'A');
    assert.equal(await store.reload(), undefined, 'our own write');
    const changed = onDisk();
    changed.annotations[0].title = 'edited elsewhere';
    writeFileSync(sidecarPath, serializeSidecar(changed));
    assert.equal((await store.reload())?.sidecar?.annotations[0].title, 'edited elsewhere');
    rmSync(sidecarPath);
    assert.equal((await store.reload())?.status.status, 'none');
  });

  it('an unreadable file: reported, no stale copy offered, edits refused, the file left byte for byte', async () => {
    const store = new SidecarStore(capture, never);
    await store.load();
    await store.save(adding('a'), 'A');
    const broken = '{"version": 1, "capture": {"file": "capture.har"}, <<<<<<< HEAD';
    writeFileSync(sidecarPath, broken);
    const snapshot = await store.reload();
    assert.equal(snapshot?.status.status, 'error');
    assert.equal(snapshot?.sidecar, undefined, 'the last good copy is not what is on disk');
    await assert.rejects(store.save(adding('b'), 'B'), /cannot be read, so it is not changed/);
    assert.equal(readFileSync(sidecarPath, 'utf8'), broken);
  });

  it('a conflict goes to the chooser with the file name; "theirs" keeps the file and says the edit was not saved', async () => {
    const asked: string[] = [];
    const store = new SidecarStore(capture, async (file, conflicts) => {
      asked.push(`${file}: ${conflicts.map((c) => c.path).join(', ')}`);
      return 'theirs';
    });
    await store.load();
    await store.save(adding('a'), 'A');
    const theirs = onDisk();
    theirs.annotations[0].notes = 'their notes';
    writeFileSync(sidecarPath, serializeSidecar(theirs));
    const before = readFileSync(sidecarPath, 'utf8');
    const saved = await store.save((s) => ({ ...s.sidecar!, annotations: s.sidecar!.annotations.map((x) => ({ ...x, notes: 'my notes' })) }), 'Edited');
    assert.deepEqual(asked, ['capture.har.leaklens.json: annotations[id="a"].notes']);
    assert.match(saved.message, /^Edited was not saved: capture\.har\.leaklens\.json changed on disk and its version was kept$/);
    assert.equal(readFileSync(sidecarPath, 'utf8'), before);
    assert.equal(store.snapshot.sidecar?.annotations[0].notes, 'their notes');
  });

  it('a capture with no folder on disk: annotations unavailable, with why', async () => {
    const store = new SidecarStore('/virtual/capture.har', never, 'annotations are saved beside the capture, and vscode-vfs: files have no folder');
    assert.equal((await store.load()).status.status, 'error');
    await assert.rejects(store.save(adding('a'), 'A'), /vscode-vfs/);
  });
});
