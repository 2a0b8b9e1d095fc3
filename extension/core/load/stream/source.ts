// Random access to the bytes of a capture file, read with readSync, never whole. Ranges that lie
// in the chunk at hand are sliced from it; only ranges crossing a chunk boundary are read again.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** What identifies the file's contents when bodies are re-read later (a changed file is refused). */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

export class FileSource {
  readonly size: number;
  readonly stamp: FileStamp;
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    const stat = fstatSync(this.fd);
    this.size = stat.size;
    this.stamp = stampOf(stat);
  }

  read(start: number, end: number): Buffer {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return readRange(this.fd, start, Math.min(end, this.size));
  }

  /** Fills `into` from `position`; the number of bytes read (0 at the end). */
  readInto(into: Buffer, position: number): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return readSync(this.fd, into, 0, into.length, position);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export function readRange(fd: number, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(Math.max(0, end - start));
  let done = 0;
  while (done < out.length) {
    const n = readSync(fd, out, done, out.length - done, start + done);
    if (n === 0) break;
    done += n;
  }
  return done === out.length ? out : out.subarray(0, done);
}

/** Bytes [start, end) of a file that must still be as it was when loaded. */
export function readStampedRange(path: string, stamp: FileStamp | undefined, start: number, end: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`${path} was removed or cannot be read since it was opened (${code}); its bodies cannot be re-read (open it again)`, { cause: err });
  }
  try {
    if (stamp) {
      const now = fstatSync(fd);
      if (!sameStamp(stampOf(now), stamp)) {
        throw new Error(`${path} changed after it was opened; its bodies cannot be re-read (open it again)`);
      }
    }
    return readRange(fd, start, end);
  } finally {
    closeSync(fd);
  }
}

function stampOf(stat: { size: number; mtimeMs: number }): FileStamp {
  return { size: stat.size, mtimeMs: stat.mtimeMs };
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** The file's stamp now; undefined when it cannot be read (whoever reads it next reports why). */
export function fileStamp(path: string): FileStamp | undefined {
  try {
    return stampOf(statSync(path));
  } catch {
    return undefined;
  }
}
