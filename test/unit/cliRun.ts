import { resolve } from 'node:path';
import { runCli } from '../../extension/cli';

/** Run the CLI in process, collecting what it prints (not for `scan --jobs N`: see runAsync). */
export function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(args, { out: (t) => { out += t + '\n'; }, err: (t) => { err += t + '\n'; } }, '9.9.9');
  if (typeof code !== 'number') throw new Error('this command runs threads: use runAsync');
  return { code, out, err };
}

/** Run the CLI in process, threads included (their script is the built dist/cli.js), with progress lines collected. */
export async function runAsync(args: string[]): Promise<{ code: number; out: string; err: string; progress: string[] }> {
  let out = '';
  let err = '';
  const progress: string[] = [];
  const code = await runCli(
    args,
    { out: (t) => { out += t + '\n'; }, err: (t) => { err += t + '\n'; }, progress: (t) => progress.push(t), workerScript: resolve(process.cwd(), 'dist/cli.js') },
    '9.9.9',
  );
  return { code, out, err, progress };
}
