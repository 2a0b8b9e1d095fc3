// Shared test data for the sidecar: a sidecar using every field, with unknown fields at every
// level, and an in-memory file system whose operations can be made to fail (a crash) or observed.
import { dirname } from 'node:path';
import type { Annotation, FindingState, Sidecar } from '../../../extension/core/annotations/model';
import type { SidecarFs } from '../../../extension/core/annotations/store';

export const SHA = 'a'.repeat(64);

export function annotation(id: string, overrides: Partial<Annotation> = {}): Annotation {
  return {
    id,
    exchanges: [{ index: 1, method: 'POST', url: 'http://127.0.0.1/api/v2/account/bind', startedDateTime: '2026-11-22T00:33:53.859304+00:00', requestBodySha256: SHA }],
    severity: 'high',
    title: `IMEI sent in clear (${id})`,
    notes: 'Sent on **every** launch.\nSee also the register call.',
    tags: ['imei', 'cleartext'],
    findings: [{ kind: 'imei', value: '868715392756833', part: 'request_body', fieldPath: '$.device.imei', chain: ['json:$.device.imei'] }],
    created: '2026-11-22T10:00:00.000Z',
    updated: '2026-11-22T10:05:00.000Z',
    ...overrides,
  };
}

export function findingState(value: string, overrides: Partial<FindingState> = {}): FindingState {
  return {
    exchange: { index: 0, method: 'GET', url: 'http://127.0.0.1/api/v2/device/register?imei=868715392756833' },
    finding: { kind: 'imei', value, part: 'query', fieldPath: 'imei', chain: [] },
    state: 'expected',
    reason: 'registration with consent',
    ...overrides,
  };
}

/** Every known field set, and unknown fields at every level a newer LeakLens might add them. */
export function fullSidecar(): Sidecar {
  const a = annotation('a1');
  a.exchanges[0].extra = { responseSha256: 'b'.repeat(64) };
  a.findings[0].extra = { confidence: 'high' };
  a.extra = { cvss: { vector: 'AV:N/AC:L', score: 7.5 }, linked: ['a2'] };
  const fs = findingState('868715392756833', { extra: { by: 'reviewer' } });
  return {
    version: 1,
    capture: { file: 'mitmproxy_hardump.har', byteLength: 12345, extra: { sha256: 'c'.repeat(64) } },
    annotations: [annotation('a2', { created: '2026-11-23T09:00:00Z', severity: 'medium', tags: [] }), a],
    findingStates: [fs],
    knownValues: { imei: ['868715392756833', '868715396536777'], phone: '+8613873243456' },
    advisory: {
      title: 'Device identifiers leak from Example App',
      summary: 'The app sends the IMEI.',
      product: 'Example App',
      vendor: 'Example Corp',
      versions: ['1.2.3', '1.2.4'],
      setup: 'Pixel 6, Android 14, mitmproxy 10',
      researcher: 'A. Researcher',
      timeline: [{ date: '2026-11-22', event: 'found', extra: { private: true } }, { date: '2026-11-25', event: 'reported' }],
      extra: { cve: 'CVE-2026-0001' },
    },
    extra: { zFuture: 1, aFuture: { nested: { deeper: [1, 'two', null, true] } } },
  };
}

type Op = 'readFile' | 'stat' | 'lstat' | 'realpath' | 'writeNewFile' | 'rename' | 'unlink' | 'readdir' | 'syncDir';

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file, '${path}'`), { code: 'ENOENT' });
}

/** A file system in memory. `before`/`after` run around each operation; throw from them to fail it. */
export class MemoryFs implements SidecarFs {
  readonly files = new Map<string, { data: Uint8Array; mtimeMs: number; mode: number }>();
  now = 1_000_000;
  before?: (op: Op, path: string) => void;
  after?: (op: Op, path: string) => void;
  readonly log: string[] = [];

  put(path: string, text: string, mode = 0o640): void {
    this.files.set(path, { data: new TextEncoder().encode(text), mtimeMs: ++this.now, mode });
  }

  text(path: string): string | undefined {
    const file = this.files.get(path);
    return file && new TextDecoder().decode(file.data);
  }

  private async run<T>(op: Op, path: string, body: () => T): Promise<T> {
    this.log.push(`${op} ${path}`);
    this.before?.(op, path);
    const result = body();
    this.after?.(op, path);
    return result;
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.run('readFile', path, () => {
      const file = this.files.get(path);
      if (!file) throw enoent(path);
      return file.data;
    });
  }

  stat(path: string): Promise<{ size: number; mtimeMs: number; mode: number }> {
    return this.run('stat', path, () => {
      const file = this.files.get(path);
      if (!file) throw enoent(path);
      return { size: file.data.length, mtimeMs: file.mtimeMs, mode: 0o100000 | file.mode };
    });
  }

  lstat(path: string): Promise<{ mode: number }> {
    return this.run('lstat', path, () => {
      const file = this.files.get(path);
      if (!file) throw enoent(path);
      return { mode: 0o100000 | file.mode };
    });
  }

  /** No symbolic links here: an existing file is its own real path. */
  realpath(path: string): Promise<string> {
    return this.run('realpath', path, () => {
      if (!this.files.has(path)) throw enoent(path);
      return path;
    });
  }

  writeNewFile(path: string, data: Uint8Array, mode: number | undefined): Promise<void> {
    return this.run('writeNewFile', path, () => {
      if (this.files.has(path)) throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
      this.files.set(path, { data: data.slice(), mtimeMs: ++this.now, mode: mode ?? 0o644 });
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.run('rename', from, () => {
      const file = this.files.get(from);
      if (!file) throw enoent(from);
      this.files.delete(from);
      this.files.set(to, file);
    });
  }

  unlink(path: string): Promise<void> {
    return this.run('unlink', path, () => {
      if (!this.files.delete(path)) throw enoent(path);
    });
  }

  readdir(path: string): Promise<string[]> {
    return this.run('readdir', path, () => [...this.files.keys()].filter((f) => dirname(f) === path).map((f) => f.slice(path.length + 1)));
  }

  syncDir(path: string): Promise<void> {
    return this.run('syncDir', path, () => undefined);
  }
}
