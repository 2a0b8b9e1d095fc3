import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sidecar } from '../../../extension/core/annotations/model';
import { SidecarError, emptySidecar, parseSidecar, serializeSidecar } from '../../../extension/core/annotations/sidecar';
import {
  mergeSidecars,
  nodeSidecarFs,
  readSidecarFile,
  removeStaleTemps,
  saveSidecar,
  saveSidecarResolving,
  writeSidecarAtomic,
  type SidecarFs,
} from '../../../extension/core/annotations/store';
import { MemoryFs, annotation, findingState, fullSidecar } from './fixtures';

const CAPTURE = '/study/capture.har';
const PATH = `${CAPTURE}.leaklens.json`;

function clone(s: Sidecar): Sidecar {
  return parseSidecar(serializeSidecar(s), 'clone');
}

async function rejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.match(err.message, message);
    return true;
  });
}

describe('sidecar store: atomic writes', () => {
  it('writes through a temporary file in the same folder, flushed, then renamed; the capture is never opened', async () => {
    const fs = new MemoryFs();
    fs.put('/study/capture.har', '{"log": {}}');
    const state = await writeSidecarAtomic(PATH, fullSidecar(), { capturePath: CAPTURE, fs });
    assert.equal(fs.text(PATH), state.text);
    assert.deepEqual(parseSidecar(fs.text(PATH) ?? '', PATH), parseSidecar(state.text, PATH));
    const write = fs.log.find((l) => l.startsWith('writeNewFile')) ?? '';
    assert.match(write, /^writeNewFile \/study\/\.capture\.har\.leaklens\.json\.[0-9a-f]{12}\.tmp$/);
    assert.deepEqual(fs.log.filter((l) => /^(writeNewFile|rename|syncDir)/.test(l)).map((l) => l.split(' ')[0]), ['writeNewFile', 'rename', 'syncDir']);
    // Its path is resolved (to refuse a sidecar path that is the capture), never opened.
    assert.deepEqual(fs.log.filter((l) => l.endsWith('/study/capture.har')), ['realpath /study/capture.har'], 'the capture was not opened');
    assert.deepEqual([...fs.files.keys()].sort(), ['/study/capture.har', PATH]);
    await rejects(writeSidecarAtomic('/study/capture.har', fullSidecar(), { capturePath: CAPTURE, fs }), /refusing to write a sidecar to a path that is not a sidecar/);
    assert.equal(fs.text('/study/capture.har'), '{"log": {}}');
    // A capture named like a sidecar (holding valid sidecar text, even): saving to it is refused too.
    fs.put('/study/odd.leaklens.json', serializeSidecar(fullSidecar()));
    const odd = await readSidecarFile('/study/odd.leaklens.json', fs);
    await rejects(saveSidecar('/study/odd.leaklens.json', odd, emptySidecar('odd'), { capturePath: '/study/odd.leaklens.json', fs }), /refusing to write a sidecar over the capture/);
    assert.equal(fs.text('/study/odd.leaklens.json'), serializeSidecar(fullSidecar()));
  });

  it('a crash before the rename leaves the old file intact and removes the temporary file', async () => {
    for (const failing of ['writeNewFile', 'rename'] as const) {
      const fs = new MemoryFs();
      const old = serializeSidecar(fullSidecar());
      fs.put(PATH, old);
      fs.before = (op) => {
        if (op === failing) throw Object.assign(new Error(`simulated crash in ${op}`), { code: 'EIO' });
      };
      const changed = { ...fullSidecar(), annotations: [] };
      await rejects(writeSidecarAtomic(PATH, changed, { capturePath: CAPTURE, fs }), new RegExp(`simulated crash in ${failing}`));
      assert.equal(fs.text(PATH), old, `${failing}: old file intact`);
      assert.deepEqual([...fs.files.keys()], [PATH], `${failing}: temporary file removed`);
    }
  });

  it('a crash after the rename leaves the new file complete and no temporary file', async () => {
    const fs = new MemoryFs();
    fs.put(PATH, serializeSidecar(fullSidecar()));
    const changed = { ...fullSidecar(), annotations: [annotation('only')] };
    fs.after = (op) => {
      if (op === 'rename') throw Object.assign(new Error('simulated crash after rename'), { code: 'EIO' });
    };
    await rejects(writeSidecarAtomic(PATH, changed, { capturePath: CAPTURE, fs }), /simulated crash after rename/);
    assert.equal(fs.text(PATH), serializeSidecar(changed));
    assert.deepEqual([...fs.files.keys()], [PATH]);
  });

  it('a hard crash (no clean-up at all) leaves the old file readable; the stale temporary file is removed later', async () => {
    const fs = new MemoryFs();
    const old = serializeSidecar(fullSidecar());
    fs.put(PATH, old);
    fs.before = (op) => {
      if (op === 'rename' || op === 'unlink') throw new Error('process killed');
    };
    await rejects(writeSidecarAtomic(PATH, emptySidecar('capture.har'), { capturePath: CAPTURE, fs }), /process killed/);
    fs.before = undefined;
    assert.equal(fs.files.size, 2, 'the temporary file is left behind');
    const read = await readSidecarFile(PATH, fs);
    assert.ok(read.exists);
    assert.equal(read.text, old);
    // Young temporary files may belong to a write in progress elsewhere: left alone.
    assert.deepEqual(await removeStaleTemps(PATH, fs, 60_000, fs.now + 10), []);
    const removed = await removeStaleTemps(PATH, fs, 60_000, fs.now + 120_000);
    assert.equal(removed.length, 1);
    assert.deepEqual([...fs.files.keys()], [PATH]);
  });

  it('on the real file system: round trip, permissions kept exactly (not through the umask), temporary file gone, failed rename leaves the old file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-sidecar-'));
    const umask = process.umask(0o022);
    try {
      const capturePath = join(dir, 'capture.har');
      writeFileSync(capturePath, '{"log": {}}');
      const path = join(dir, 'capture.har.leaklens.json');
      const options = { capturePath };
      assert.deepEqual(await readSidecarFile(path), { exists: false });
      const first = await writeSidecarAtomic(path, fullSidecar(), options);
      assert.equal(readFileSync(path, 'utf8'), first.text);
      assert.equal(statSync(path).mode & 0o7777, 0o644, 'a new sidecar gets the default mode under the umask');
      // Group-writable survives though the umask (022) would strip it from a freshly opened file.
      chmodSync(path, 0o664);
      await writeSidecarAtomic(path, { ...fullSidecar(), annotations: [] }, options);
      assert.equal(statSync(path).mode & 0o7777, 0o664);
      assert.deepEqual(readdirSync(dir).sort(), ['capture.har', 'capture.har.leaklens.json']);
      const read = await readSidecarFile(path);
      assert.ok(read.exists);
      assert.equal(read.sidecar.annotations.length, 0);

      const before = readFileSync(path, 'utf8');
      const crashing: SidecarFs = { ...nodeSidecarFs, rename: () => Promise.reject(new Error('simulated crash')) };
      await rejects(writeSidecarAtomic(path, fullSidecar(), { capturePath, fs: crashing }), /simulated crash/);
      assert.equal(readFileSync(path, 'utf8'), before);
      assert.deepEqual(readdirSync(dir).sort(), ['capture.har', 'capture.har.leaklens.json']);
    } finally {
      process.umask(umask);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps only the rwx bits: no setuid from the old sidecar, nothing taken from a symlink target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-sidecar-'));
    const umask = process.umask(0o022);
    try {
      const capturePath = join(dir, 'capture.har');
      writeFileSync(capturePath, '{"log": {}}');
      const path = `${capturePath}.leaklens.json`;
      writeFileSync(path, serializeSidecar(fullSidecar()));
      chmodSync(path, 0o4775);
      await writeSidecarAtomic(path, emptySidecar('capture.har'), { capturePath });
      assert.equal(statSync(path).mode & 0o7777, 0o775, 'setuid dropped, rwx kept');

      // A sidecar that is a symbolic link to some other file: replaced by a file of its own with
      // the default mode, the link's target (mode 4757 here) neither written nor copied.
      const elsewhere = join(dir, 'elsewhere.json');
      writeFileSync(elsewhere, 'other');
      chmodSync(elsewhere, 0o4757);
      rmSync(path);
      symlinkSync(elsewhere, path);
      await writeSidecarAtomic(path, emptySidecar('capture.har'), { capturePath });
      assert.ok(lstatSync(path).isFile());
      assert.equal(statSync(path).mode & 0o7777, 0o644);
      assert.equal(readFileSync(elsewhere, 'utf8'), 'other');
      assert.equal(statSync(elsewhere).mode & 0o7777, 0o4757);
    } finally {
      process.umask(umask);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to write over the capture, even one named like a sidecar or reached through a link, and over a folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-sidecar-'));
    try {
      // A capture whose own name ends in .leaklens.json.
      const oddCapture = join(dir, 'x.leaklens.json');
      writeFileSync(oddCapture, '{"log": {}}');
      await rejects(writeSidecarAtomic(oddCapture, fullSidecar(), { capturePath: oddCapture }), /refusing to write a sidecar over the capture/);
      await rejects(writeSidecarAtomic(join(dir, '.', 'x.leaklens.json'), fullSidecar(), { capturePath: oddCapture }), /over the capture/);
      assert.equal(readFileSync(oddCapture, 'utf8'), '{"log": {}}');

      // The sidecar is a symbolic link to the capture.
      const capturePath = join(dir, 'capture.har');
      writeFileSync(capturePath, '{"log": {}}');
      chmodSync(capturePath, 0o4755);
      const path = `${capturePath}.leaklens.json`;
      symlinkSync(capturePath, path);
      await rejects(writeSidecarAtomic(path, fullSidecar(), { capturePath }), /refusing to write a sidecar over the capture/);
      assert.ok(lstatSync(path).isSymbolicLink());
      assert.equal(readFileSync(capturePath, 'utf8'), '{"log": {}}');
      assert.equal(statSync(capturePath).mode & 0o7777, 0o4755);

      // The capture opened through a linked folder.
      const linkedDir = join(dir, 'linked');
      symlinkSync(dir, linkedDir);
      await rejects(writeSidecarAtomic(oddCapture, fullSidecar(), { capturePath: join(linkedDir, 'x.leaklens.json') }), /over the capture/);

      // A folder where the sidecar should be.
      rmSync(path);
      mkdirSync(path);
      await rejects(writeSidecarAtomic(path, fullSidecar(), { capturePath }), /refusing to write a sidecar over something that is not a file/);
      assert.ok(statSync(path).isDirectory());
      assert.deepEqual(readdirSync(path), []);
      assert.equal(readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a broken sidecar is reported with its place and left byte for byte as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-sidecar-'));
    try {
      const path = join(dir, 'capture.har.leaklens.json');
      const broken = serializeSidecar(fullSidecar()).replace('"severity": "high"', '"severity": 3');
      writeFileSync(path, broken);
      await rejects(readSidecarFile(path), /capture\.har\.leaklens\.json \(line \d+, column \d+, \$\.annotations\[0\]\.severity\): found number 3/);
      await assert.rejects(saveSidecar(path, { exists: false }, fullSidecar(), { capturePath: join(dir, 'capture.har') }), SidecarError);
      assert.equal(readFileSync(path, 'utf8'), broken);
      writeFileSync(path, Buffer.from([0x7b, 0xff, 0x7d]));
      await rejects(readSidecarFile(path), /not valid UTF-8/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sidecar store: external changes', () => {
  it('saves straight over a file nobody else changed', async () => {
    const fs = new MemoryFs();
    const base = await writeSidecarAtomic(PATH, fullSidecar(), { capturePath: CAPTURE, fs });
    const mine = clone(base.sidecar);
    mine.annotations[0].notes = 'edited here';
    const result = await saveSidecar(PATH, base, mine, { capturePath: CAPTURE, fs });
    assert.equal(result.status, 'written');
    assert.match(fs.text(PATH) ?? '', /edited here/);
  });

  it('merges a concurrent external change that touches other things, and writes the merge', async () => {
    const fs = new MemoryFs();
    const base = await writeSidecarAtomic(PATH, fullSidecar(), { capturePath: CAPTURE, fs });
    // Another window adds an annotation and sets the vendor; we edit a note and a known value.
    const theirs = clone(base.sidecar);
    theirs.annotations.push(annotation('theirs', { created: '2026-12-01T00:00:00Z' }));
    theirs.advisory = { ...theirs.advisory, vendor: 'Renamed Corp' };
    fs.put(PATH, serializeSidecar(theirs));
    const mine = clone(base.sidecar);
    mine.annotations[0].notes = 'edited here';
    mine.knownValues = { ...mine.knownValues, mac: '28:6c:07:c0:35:8f' };

    const result = await saveSidecar(PATH, base, mine, { capturePath: CAPTURE, fs });
    assert.equal(result.status, 'merged');
    const onDisk = parseSidecar(fs.text(PATH) ?? '', PATH);
    assert.deepEqual(onDisk.annotations.map((a) => a.id), ['a1', 'a2', 'theirs']);
    assert.equal(onDisk.annotations[0].notes, 'edited here');
    assert.equal(onDisk.advisory?.vendor, 'Renamed Corp');
    assert.equal(onDisk.knownValues?.mac, '28:6c:07:c0:35:8f');
    assert.deepEqual(onDisk.extra, fullSidecar().extra, 'unknown fields survive the merge');
  });

  it('reports a conflict with both versions and writes nothing when both sides changed the same value', async () => {
    const fs = new MemoryFs();
    const base = await writeSidecarAtomic(PATH, fullSidecar(), { capturePath: CAPTURE, fs });
    const theirs = clone(base.sidecar);
    theirs.annotations[0].notes = 'their notes';
    theirs.annotations[0].updated = '2026-12-02T00:00:00Z';
    const theirsText = serializeSidecar(theirs);
    fs.put(PATH, theirsText);
    const mine = clone(base.sidecar);
    mine.annotations[0].notes = 'my notes';
    mine.annotations[0].updated = '2026-12-01T00:00:00Z';

    const result = await saveSidecar(PATH, base, mine, { capturePath: CAPTURE, fs });
    assert.equal(result.status, 'conflict');
    if (result.status !== 'conflict') return;
    assert.deepEqual(result.conflicts, [
      { path: 'annotations[id="a1"].notes', annotationId: 'a1', base: fullSidecar().annotations[1].notes, mine: 'my notes', theirs: 'their notes', kept: 'mine' },
    ]);
    assert.equal(result.merged.annotations.find((a) => a.id === 'a1')?.updated, '2026-12-02T00:00:00Z', 'the later update time, not a conflict');
    assert.equal(fs.text(PATH), theirsText, 'nothing written');
    // The researcher resolves and saves against what is on disk now.
    const resolved = clone(result.merged);
    resolved.annotations[0].notes = 'my notes\n\ntheir notes';
    const again = await saveSidecar(PATH, result.theirs, resolved, { capturePath: CAPTURE, fs });
    assert.equal(again.status, 'written');
    assert.match(fs.text(PATH) ?? '', /my notes\\n\\ntheir notes/);
  });

  it('a sidecar deleted behind our back (git checkout) is a conflict, not silently recreated or dropped', async () => {
    const fs = new MemoryFs();
    const base = await writeSidecarAtomic(PATH, fullSidecar(), { capturePath: CAPTURE, fs });
    fs.files.delete(PATH);
    const result = await saveSidecar(PATH, base, base.sidecar, { capturePath: CAPTURE, fs });
    assert.equal(result.status, 'conflict');
    assert.equal(fs.files.has(PATH), false);
  });

  it('a sidecar created elsewhere meanwhile is merged with ours (no common base)', async () => {
    const fs = new MemoryFs();
    const theirs: Sidecar = { ...emptySidecar('capture.har'), annotations: [annotation('t')] };
    fs.put(PATH, serializeSidecar(theirs));
    const mine: Sidecar = { ...emptySidecar('capture.har'), annotations: [annotation('m', { created: '2026-11-23T00:00:00Z' })] };
    const result = await saveSidecar(PATH, { exists: false }, mine, { capturePath: CAPTURE, fs });
    assert.equal(result.status, 'merged');
    assert.deepEqual(parseSidecar(fs.text(PATH) ?? '', PATH).annotations.map((a) => a.id), ['t', 'm']);
  });
});

describe('sidecar store: saving with the researcher\'s choice on conflict', () => {
  /** Both sides edit annotation a1's notes; theirs also adds a tag to it and a new annotation. */
  async function conflicting(fs: MemoryFs) {
    const base = await writeSidecarAtomic(PATH, fullSidecar(), { capturePath: CAPTURE, fs });
    const theirs = clone(base.sidecar);
    theirs.annotations[0].notes = 'their notes';
    theirs.annotations.push(annotation('added-elsewhere', { created: '2026-11-30T00:00:00Z' }));
    fs.put(PATH, serializeSidecar(theirs));
    const mine = clone(base.sidecar);
    mine.annotations[0].notes = 'my notes';
    mine.annotations[0].severity = 'critical';
    return { base, theirs, mine };
  }

  it('"keep mine": our values where both changed, every other change of theirs kept, written', async () => {
    const fs = new MemoryFs();
    const { base, mine } = await conflicting(fs);
    const asked: { paths: string[]; deleted: boolean }[] = [];
    const saved = await saveSidecarResolving(PATH, base, mine, { capturePath: CAPTURE, fs }, async (conflicts, deleted) => {
      asked.push({ paths: conflicts.map((c) => c.path), deleted });
      return 'mine';
    });
    assert.deepEqual(asked, [{ paths: ['annotations[id="a1"].notes'], deleted: false }]);
    assert.equal(saved.outcome, 'kept-mine');
    const onDisk = parseSidecar(fs.text(PATH) ?? '', PATH);
    const a1 = onDisk.annotations.find((a) => a.id === 'a1');
    assert.equal(a1?.notes, 'my notes');
    assert.equal(a1?.severity, 'critical', 'our other edit');
    assert.ok(onDisk.annotations.some((a) => a.id === 'added-elsewhere'), 'their new annotation kept');
    assert.equal(saved.state.exists && saved.state.text, fs.text(PATH), 'the state is what is on disk');
  });

  it('"keep theirs": nothing written, the state is the file as it is on disk', async () => {
    const fs = new MemoryFs();
    const { base, mine } = await conflicting(fs);
    const before = fs.text(PATH);
    const saved = await saveSidecarResolving(PATH, base, mine, { capturePath: CAPTURE, fs }, async () => 'theirs');
    assert.equal(saved.outcome, 'kept-theirs');
    assert.equal(fs.text(PATH), before, 'nothing written');
    assert.ok(saved.state.exists && saved.state.sidecar.annotations.some((a) => a.id === 'added-elsewhere'));
  });

  it('a deleted file is put to the researcher as such; "mine" writes it again', async () => {
    const fs = new MemoryFs();
    const base = await writeSidecarAtomic(PATH, fullSidecar(), { capturePath: CAPTURE, fs });
    fs.files.delete(PATH);
    let deletedSeen = false;
    const saved = await saveSidecarResolving(PATH, base, base.sidecar, { capturePath: CAPTURE, fs }, async (_c, deleted) => {
      deletedSeen = deleted;
      return 'mine';
    });
    assert.equal(deletedSeen, true);
    assert.equal(saved.outcome, 'kept-mine');
    assert.ok(fs.files.has(PATH));
  });

  it('no conflict: the chooser is never asked', async () => {
    const fs = new MemoryFs();
    const base = await writeSidecarAtomic(PATH, fullSidecar(), { capturePath: CAPTURE, fs });
    const mine = clone(base.sidecar);
    mine.annotations[0].title = 'renamed';
    const saved = await saveSidecarResolving(PATH, base, mine, { capturePath: CAPTURE, fs }, async () => assert.fail('asked without a conflict'));
    assert.equal(saved.outcome, 'written');
  });
});

describe('sidecar store: three-way merge rules', () => {
  const base = (): Sidecar => ({
    ...emptySidecar('capture.har'),
    annotations: [annotation('keep'), annotation('del-mine'), annotation('del-theirs'), annotation('edit-vs-del')],
    findingStates: [findingState('111'), findingState('222')],
    knownValues: { imei: '868715392756833', phone: '+8613873243456' },
    advisory: { title: 'T', versions: ['1.0'] },
  });

  it('applies additions and deletions from both sides; deleted-vs-edited keeps the edit and reports it', () => {
    const b = base();
    const mine = clone(b);
    const theirs = clone(b);
    mine.annotations = mine.annotations.filter((a) => a.id !== 'del-mine');
    theirs.annotations = theirs.annotations.filter((a) => a.id !== 'del-theirs' && a.id !== 'edit-vs-del');
    mine.annotations.find((a) => a.id === 'edit-vs-del')!.title = 'edited';
    mine.annotations.push(annotation('new-mine'));
    theirs.annotations.push(annotation('new-theirs'));
    const { merged, conflicts } = mergeSidecars(b, mine, theirs);
    assert.deepEqual(merged.annotations.map((a) => a.id).sort(), ['edit-vs-del', 'keep', 'new-mine', 'new-theirs']);
    assert.equal(conflicts.length, 1);
    assert.equal(conflicts[0].path, 'annotations[id="edit-vs-del"]');
    assert.equal(conflicts[0].theirs, undefined);
    assert.equal((conflicts[0].mine as { title: string }).title, 'edited');
    assert.equal(conflicts[0].kept, 'mine');
    // The other way round: edited on their side, deleted on ours → their edit kept.
    const reverse = mergeSidecars(b, theirs, mine);
    assert.ok(reverse.merged.annotations.some((a) => a.id === 'edit-vs-del' && a.title === 'edited'));
    assert.equal(reverse.conflicts[0].kept, 'theirs');
  });

  it('merges field by field: different fields of one annotation combine, tags and anchors as sets', () => {
    const b = base();
    const mine = clone(b);
    const theirs = clone(b);
    const m = mine.annotations.find((a) => a.id === 'keep')!;
    const t = theirs.annotations.find((a) => a.id === 'keep')!;
    m.title = 'my title';
    m.tags = ['imei', 'mine'];
    t.severity = 'critical';
    t.tags = ['imei', 'cleartext', 'theirs'];
    t.exchanges.push({ index: 7, method: 'GET', url: 'http://x/' });
    t.extra = { future: true };
    const { merged, conflicts } = mergeSidecars(b, mine, theirs);
    assert.deepEqual(conflicts, []);
    const k = merged.annotations.find((a) => a.id === 'keep')!;
    assert.equal(k.title, 'my title');
    assert.equal(k.severity, 'critical');
    assert.deepEqual(k.tags, ['imei', 'mine', 'theirs'], '"cleartext" removed on our side, "theirs" added on theirs');
    assert.equal(k.exchanges.length, 2);
    assert.deepEqual(k.extra, { future: true });
  });

  it('finding states are keyed by anchor and finding; known values and advisory fields key by key', () => {
    const b = base();
    const mine = clone(b);
    const theirs = clone(b);
    mine.findingStates[0].state = 'false-positive';
    mine.findingStates[0].reason = 'my reason';
    theirs.findingStates[0].reason = 'their reason';
    theirs.findingStates.splice(1, 1);
    theirs.findingStates.push(findingState('333'));
    mine.knownValues = { imei: '000000000000000', phone: '+8613873243456' };
    theirs.knownValues = { imei: '999999999999999', email: 'me@example.com' };
    mine.advisory = { title: 'Mine', versions: ['1.0', '1.1'] };
    theirs.advisory = { title: 'Theirs', versions: ['1.0'], vendor: 'V' };
    const { merged, conflicts } = mergeSidecars(b, mine, theirs);
    assert.deepEqual(merged.findingStates.map((f) => [f.finding.value, f.state, f.reason]), [
      ['111', 'false-positive', 'my reason'],
      ['333', 'expected', 'registration with consent'],
    ]);
    assert.deepEqual(merged.knownValues, { imei: '000000000000000', email: 'me@example.com' });
    assert.deepEqual(merged.advisory, { title: 'Mine', vendor: 'V', versions: ['1.0', '1.1'] });
    assert.deepEqual(conflicts.map((c) => [c.path, c.mine, c.theirs]), [
      [conflicts[0].path, 'my reason', 'their reason'],
      ['knownValues.imei', '000000000000000', '999999999999999'],
      ['advisory.title', 'Mine', 'Theirs'],
    ]);
    assert.match(conflicts[0].path, /^findingStates\[.*"111".*\]\.reason$/);
  });

  it('nothing changed on our side: the merge is exactly theirs; nothing on theirs: exactly ours', () => {
    const b = fullSidecar();
    const theirs = clone(b);
    theirs.annotations[1].notes = 'x';
    theirs.extra = { ...theirs.extra, added: 1 };
    assert.equal(serializeSidecar(mergeSidecars(b, clone(b), theirs).merged), serializeSidecar(theirs));
    assert.equal(serializeSidecar(mergeSidecars(b, theirs, clone(b)).merged), serializeSidecar(theirs));
  });

  it('the same list item edited differently on both sides is a conflict; both edits kept side by side', () => {
    const b = fullSidecar();
    const mine = clone(b);
    const theirs = clone(b);
    const mineA1 = mine.annotations.find((a) => a.id === 'a1')!;
    const theirsA1 = theirs.annotations.find((a) => a.id === 'a1')!;
    mineA1.exchanges[0].extra = { responseSha256: 'd'.repeat(64) };
    theirsA1.exchanges[0].extra = { responseSha256: 'e'.repeat(64) };
    mineA1.findings[0].fieldPath = '$.device.imei2';
    theirsA1.findings[0].fieldPath = '$.device.imei3';
    mine.advisory!.timeline![1].event = 'reported to vendor';
    theirs.advisory!.timeline![1].event = 'reported to CERT';
    mine.advisory!.versions = ['1.2.3', '1.2.5'];
    theirs.advisory!.versions = ['1.2.3', '1.2.6'];
    const { merged, conflicts } = mergeSidecars(b, mine, theirs);
    assert.deepEqual(conflicts.map((c) => [c.path, c.annotationId, c.kept]), [
      ['annotations[id="a1"].exchanges[0]', 'a1', 'both'],
      // A finding is known by kind, value, part, field path and chain: a changed field path is found by position.
      ['annotations[id="a1"].findings[0]', 'a1', 'both'],
      ['advisory.versions[1]', undefined, 'both'],
      ['advisory.timeline[1]', undefined, 'both'],
    ]);
    const exchangeConflict = conflicts[0];
    assert.deepEqual(exchangeConflict.base, b.annotations[1].exchanges[0]);
    assert.deepEqual(exchangeConflict.mine, mineA1.exchanges[0]);
    assert.deepEqual(exchangeConflict.theirs, theirsA1.exchanges[0]);
    const a1 = merged.annotations.find((a) => a.id === 'a1')!;
    assert.deepEqual(a1.exchanges, [mineA1.exchanges[0], theirsA1.exchanges[0]]);
    assert.deepEqual(a1.findings.map((f) => f.fieldPath), ['$.device.imei2', '$.device.imei3']);
    assert.deepEqual(merged.advisory?.versions, ['1.2.3', '1.2.5', '1.2.6']);
    assert.deepEqual(merged.advisory?.timeline?.map((e) => e.event), ['found', 'reported to vendor', 'reported to CERT']);

    // The same edit on both sides, an edit on one side only, or a removal on both sides are not conflicts.
    const same = clone(b);
    same.advisory!.versions = ['1.2.3', '1.2.5'];
    same.advisory!.timeline![1].event = 'reported to vendor';
    assert.deepEqual(mergeSidecars(b, mine, { ...clone(mine) }).conflicts, []);
    assert.deepEqual(mergeSidecars(b, same, clone(b)).conflicts, []);
    const dropped = clone(b);
    dropped.advisory!.versions = ['1.2.3'];
    const droppedAndAdded = clone(b);
    droppedAndAdded.advisory!.versions = ['1.2.3'];
    droppedAndAdded.advisory!.timeline!.push({ date: '2026-12-01', event: 'fixed' });
    assert.deepEqual(mergeSidecars(b, dropped, droppedAndAdded).conflicts, []);
  });

  it('merges 40,000 known values and unknown keys, keeping their order', () => {
    const n = 40_000;
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    const record = (value: string): Record<string, string> => Object.fromEntries(keys.map((k) => [k, value]));
    const b: Sidecar = { ...emptySidecar('capture.har'), knownValues: record('b'), extra: record('b') };
    const mine: Sidecar = { ...b, knownValues: { ...record('b'), k0: 'm' }, extra: record('b') };
    const theirs: Sidecar = { ...b, knownValues: { ...record('b'), [`k${n - 1}`]: 't' }, extra: { ...record('b'), extra: 'x' } };
    const { merged, conflicts } = mergeSidecars(b, mine, theirs);
    assert.deepEqual(conflicts, []);
    assert.equal(Object.keys(merged.knownValues ?? {}).length, n);
    assert.equal(merged.knownValues?.k0, 'm');
    assert.equal(merged.knownValues?.[`k${n - 1}`], 't');
    assert.equal(Object.keys(merged.extra ?? {}).length, n + 1);
    assert.deepEqual(Object.keys(merged.knownValues ?? {}).slice(0, 3), ['k0', 'k1', 'k2'], 'first-seen key order kept');
  });

  it('merging keeps hostile keys as data and does not pollute prototypes', () => {
    const b = parseSidecar('{"version":1,"capture":{"file":"c"},"knownValues":{"__proto__":"1"},"__proto__":{"polluted":true}}', 'x');
    const mine = clone(b);
    const theirs = parseSidecar('{"version":1,"capture":{"file":"c"},"knownValues":{"__proto__":"1","constructor":"2"},"__proto__":{"polluted":"yes"}}', 'y');
    const { merged, conflicts } = mergeSidecars(b, mine, theirs);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(merged.extra && Object.hasOwn(merged.extra, '__proto__'));
    assert.deepEqual(merged.extra.__proto__, { polluted: 'yes' });
    assert.equal(Object.getPrototypeOf(merged.knownValues), Object.prototype);
    assert.deepEqual(Object.keys(merged.knownValues ?? {}), ['__proto__', 'constructor']);
    assert.deepEqual(conflicts, []);
  });
});
