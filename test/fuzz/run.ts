// `npm run fuzz -- [--seconds N] [--count N] [--target NAME[,NAME…]] [--seed S] [--timeout MS] [--heap MiB]`
// `npm run fuzz -- --replay test/fuzz/crashes/<target>/<file>`: one input, on this thread, timed.
// Fuzzes each target in turn: --seconds is the whole run's budget, shared equally by the targets;
// --count bounds the inputs per target (either bound alone, or both: whichever comes first).
// Prints per target the inputs run, time spent and failures; failing inputs go to
// test/fuzz/crashes/<target>/ (git-ignored) with a .meta.json saying what failed and how to
// replay it; exits 1 when any invariant failed.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { allTargets, DEFAULT_LIMITS, runFuzz, type TargetPlan } from './harness';
import { targetNamed, type FuzzInput } from './targets';

/** `--replay FILE`: one crash or fixture file run on this thread (for a debugger or --cpu-prof), its target from its folder. */
function replay(path: string): void {
  const target = targetNamed(arg('target') ?? basename(dirname(path)));
  const meta = existsSync(`${path}.meta.json`) ? (JSON.parse(readFileSync(`${path}.meta.json`, 'utf8')) as { meta?: FuzzInput['meta'] }).meta : undefined;
  const input: FuzzInput = { data: readFileSync(path), meta: meta ?? {}, extra: existsSync(`${path}.extra`) ? readFileSync(`${path}.extra`) : undefined, note: path };
  const tmp = mkdtempSync(join(tmpdir(), 'leaklens-fuzz-'));
  const started = performance.now();
  try {
    console.log(`${target.name}: ${target.check(input, tmp)} in ${(performance.now() - started).toFixed(0)} ms`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

function number(name: string): number | undefined {
  const value = arg(name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} takes a number ≥ 0, not ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  const replayPath = arg('replay');
  if (replayPath !== undefined) return replay(replayPath);
  const targets = arg('target')?.split(',') ?? allTargets();
  const seconds = number('seconds');
  const count = number('count');
  const seed = number('seed') ?? 1;
  const perTargetMs = seconds === undefined ? (count === undefined ? 60_000 : Infinity) : (seconds * 1000) / targets.length;
  const plans: TargetPlan[] = targets.map((target) => ({ target, count: count ?? Infinity, ms: perTargetMs }));
  const crashDir = resolve(process.cwd(), 'test/fuzz/crashes');
  const limits = { ...DEFAULT_LIMITS, timeoutMs: number('timeout') ?? DEFAULT_LIMITS.timeoutMs, heapMiB: number('heap') ?? DEFAULT_LIMITS.heapMiB };
  console.log(`fuzz: seed ${seed}, ${targets.length} targets, ${seconds !== undefined ? `${seconds} s in all` : ''}${count !== undefined ? ` at most ${count} inputs each` : ''}, ${limits.timeoutMs} ms and ${limits.heapMiB} MiB heap per input`);
  const reports = await runFuzz({
    seed,
    plans,
    limits,
    crashDir,
    log: (line) => console.log(line),
  });
  let failed = 0;
  console.log('\ntarget                inputs accepted     time   inputs/s  failures (distinct)  worker restarts  peak heap');
  for (const r of reports) {
    const failures = [...r.distinct.values()].reduce((a, b) => a + b, 0);
    failed += failures;
    console.log(
      `${r.target.padEnd(20)} ${String(r.inputs).padStart(7)} ${String(r.accepted).padStart(8)} ${(r.ms / 1000).toFixed(1).padStart(7)} s ${(r.inputs / (r.ms / 1000)).toFixed(1).padStart(9)}  ${String(failures).padStart(8)} (${r.distinct.size})${' '.repeat(10)}${String(r.restarts).padStart(6)}  ${r.peakHeapMiB.toFixed(0).padStart(6)} MiB`,
    );
    for (const [signature, n] of r.distinct) console.log(`    ${n}× ${signature}`);
  }
  const total = reports.reduce((a, r) => a + r.inputs, 0);
  const ms = reports.reduce((a, r) => a + r.ms, 0);
  console.log(`\n${total} inputs in ${(ms / 1000).toFixed(1)} s; ${failed} failing${failed > 0 ? `, written to ${crashDir}` : ''}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  });
}
