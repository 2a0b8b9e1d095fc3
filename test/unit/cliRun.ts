import { runCli } from '../../extension/cli';

/** Run the CLI in process, collecting what it prints. */
export function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(args, { out: (t) => { out += t + '\n'; }, err: (t) => { err += t + '\n'; } }, '9.9.9');
  return { code, out, err };
}
