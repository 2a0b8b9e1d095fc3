import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  writeSidecarAtomic,
  type SidecarFs,
} from '../../../extension/core/annotations/store';
import { MemoryFs, annotation, findingState, fullSidecar } from './fixtures';

const PATH = '/study/capture.har.leaklens.json';

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
    const state = await writeSidecarAtomic(PATH, fullSidecar(), fs);
    assert.equal(fs.text(PATH), state.text);
    assert.deepEqual(parseSidecar(fs.text(PATH) ?? '', PATH), parseSidecar(state.text, PATH));
    const write = fs.log.find((l) => l.startsWith('writeNewFile')) ?? '';
    assert.match(write, /^writeNewFile \/study\/\.capture\.har\.leaklens\.json\.[0-9a-f]{12}\.tmp$/);
    assert.deepEqual(fs.log.filter((l) => /^(writeNewFile|rename|syncDir)/.test(l)).map((l) => l.split(' ')[0]), ['writeNewFile', 'rename', 'syncDir']);
    assert.ok(!fs.log.some((l) => l.endsWith('/study/capture.har')), 'the capture was not touched');
    assert.deepEqual([...fs.files.keys()].sort(), ['/study/capture.har', PATH]);
    await rejects(writeSidecarAtomic('/study/capture.har', fullSidecar(), fs), /refusing to write a sidecar to a path that is not a sidecar/);
    assert.equal(fs.text('/study/capture.har'), '{"log": {}}');
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
      await rejects(writeSidecarAtomic(PATH, changed, fs), new RegExp(`simulated crash in ${failing}`));
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
    await rejects(writeSidecarAtomic(PATH, changed, fs), /simulated crash after rename/);
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
    await rejects(writeSidecarAtomic(PATH, emptySidecar('capture.har'), fs), /process killed/);
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

  it('on the real file system: round trip, permissions kept, temporary file gone, failed rename leaves the old file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaklens-sidecar-'));
    try {
      const path = join(dir, 'capture.har.leaklens.json');
      assert.deepEqual(await readSidecarFile(path), { exists: false });
      const first = await writeSidecarAtomic(path, fullSidecar());
      assert.equal(readFileSync(path, 'utf8'), first.text);
      chmodSync(path, 0o600);
      await writeSidecarAtomic(path, { ...fullSidecar(), annotations: [] });
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir), ['capture.har.leaklens.json']);
      const read = await readSidecarFile(path);
      assert.ok(read.exists);
      assert.equal(read.sidecar.annotations.length, 0);

      const before = readFileSync(path, 'utf8');
      const crashing: SidecarFs = { ...nodeSidecarFs, rename: () => Promise.reject(new Error('simulated crash')) };
      await rejects(writeSidecarAtomic(path, fullSidecar(), crashing), /simulated crash/);
      assert.equal(readFileSync(path, 'utf8'), before);
      assert.deepEqual(readdirSync(dir), ['capture.har.leaklens.json']);
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
      await assert.rejects(saveSidecar(path, { exists: false }, fullSidecar()), SidecarError);
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
    const base = await writeSidecarAtomic(PATH, fullSidecar(), fs);
    const mine = clone(base.sidecar);
    mine.annotations[0].notes = 'edited here';
    const result = await saveSidecar(PATH, base, mine, fs);
    assert.equal(result.status, 'written');
    assert.match(fs.text(PATH) ?? '', /edited here/);
  });

  it('merges a concurrent external change that touches other things, and writes the merge', async () => {
    const fs = new MemoryFs();
    const base = await writeSidecarAtomic(PATH, fullSidecar(), fs);
    // Another window adds an annotation and sets the vendor; we edit a note and a known value.
    const theirs = clone(base.sidecar);
    theirs.annotations.push(annotation('theirs', { created: '2026-12-01T00:00:00Z' }));
    theirs.advisory = { ...theirs.advisory, vendor: 'Renamed Corp' };
    fs.put(PATH, serializeSidecar(theirs));
    const mine = clone(base.sidecar);
    mine.annotations[0].notes = 'edited here';
    mine.knownValues = { ...mine.knownValues, mac: '28:6c:07:c0:35:8f' };

    const result = await saveSidecar(PATH, base, mine, fs);
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
    const base = await writeSidecarAtomic(PATH, fullSidecar(), fs);
    const theirs = clone(base.sidecar);
    theirs.annotations[0].notes = 'their notes';
    theirs.annotations[0].updated = '2026-12-02T00:00:00Z';
    const theirsText = serializeSidecar(theirs);
    fs.put(PATH, theirsText);
    const mine = clone(base.sidecar);
    mine.annotations[0].notes = 'my notes';
    mine.annotations[0].updated = '2026-12-01T00:00:00Z';

    const result = await saveSidecar(PATH, base, mine, fs);
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
    const again = await saveSidecar(PATH, result.theirs, resolved, fs);
    assert.equal(again.status, 'written');
    assert.match(fs.text(PATH) ?? '', /my notes\\n\\ntheir notes/);
  });

  it('a sidecar deleted behind our back (git checkout) is a conflict, not silently recreated or dropped', async () => {
    const fs = new MemoryFs();
    const base = await writeSidecarAtomic(PATH, fullSidecar(), fs);
    fs.files.delete(PATH);
    const result = await saveSidecar(PATH, base, base.sidecar, fs);
    assert.equal(result.status, 'conflict');
    assert.equal(fs.files.has(PATH), false);
  });

  it('a sidecar created elsewhere meanwhile is merged with ours (no common base)', async () => {
    const fs = new MemoryFs();
    const theirs: Sidecar = { ...emptySidecar('capture.har'), annotations: [annotation('t')] };
    fs.put(PATH, serializeSidecar(theirs));
    const mine: Sidecar = { ...emptySidecar('capture.har'), annotations: [annotation('m', { created: '2026-11-23T00:00:00Z' })] };
    const result = await saveSidecar(PATH, { exists: false }, mine, fs);
    assert.equal(result.status, 'merged');
    assert.deepEqual(parseSidecar(fs.text(PATH) ?? '', PATH).annotations.map((a) => a.id), ['t', 'm']);
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
