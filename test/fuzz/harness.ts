// Runs fuzz inputs in a worker thread, one at a time, each under a time cap (the worker is
// terminated and replaced when an input overruns it) and a heap cap (worker resourceLimits: an
// input that needs more kills the worker with ERR_WORKER_OUT_OF_MEMORY). The same bundle is the
// worker: `new Worker(__filename)` with workerData.leaklensFuzz set runs serveWorker() below, so
// `npm run fuzz` and the mocha tests need no separate worker file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { DEFAULT_MUTATE, inputSeed, makeRng, type MutateOptions } from './mutate';
import { InvariantFailure, loadSeeds, targetNamed, TARGETS, type FuzzInput, type GenerateContext, type Outcome, type Seeds } from './targets';

interface Request {
  target: string;
  input: FuzzInput;
}

type Reply = { ok: true; heapMiB: number; outcome: Outcome } | { ok: false; kind: 'invariant' | 'exception'; message: string; stack: string };

export interface Failure {
  target: string;
  index: number;
  kind: 'invariant' | 'exception' | 'hang' | 'memory' | 'crash';
  message: string;
  stack: string;
  /** The same bug found again: kind, error name and the first frame in the product's code. */
  signature: string;
  input: FuzzInput;
}

export interface WorkerLimits {
  /** Per-input wall-clock cap. */
  timeoutMs: number;
  /** Worker heap cap (old generation). */
  heapMiB: number;
  /** Stack of the worker thread: near the ~1 MB of Node's main thread, where the editor loads small captures. */
  stackMiB: number;
}

export const DEFAULT_LIMITS: WorkerLimits = { timeoutMs: 5000, heapMiB: 1024, stackMiB: 1 };

// ---------------------------------------------------------------------------------------------
// Worker side

function serveWorker(): void {
  const port = parentPort!;
  const tmp = (workerData as { tmp: string }).tmp;
  port.on('message', (request: Request) => {
    let reply: Reply;
    try {
      const outcome = targetNamed(request.target).check(request.input, tmp);
      reply = { ok: true, heapMiB: getHeapStatistics().used_heap_size / 2 ** 20, outcome };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      reply = { ok: false, kind: e instanceof InvariantFailure ? 'invariant' : 'exception', message: `${e.name}: ${e.message}`.slice(0, 2000), stack: e.stack ?? '' };
    }
    port.postMessage(reply);
  });
}

if (!isMainThread && (workerData as { leaklensFuzz?: boolean } | null)?.leaklensFuzz) serveWorker();

// ---------------------------------------------------------------------------------------------
// Main side

/** One worker, replaced after a hang or a crash. */
export class FuzzWorker {
  private worker: Worker | undefined;
  private readonly tmp = mkdtempSync(join(tmpdir(), 'leaklens-fuzz-'));
  peakHeapMiB = 0;
  restarts = 0;

  constructor(
    private readonly limits: WorkerLimits = DEFAULT_LIMITS,
    private readonly entry: string = __filename,
  ) {}

  private start(): Worker {
    this.worker ??= new Worker(this.entry, {
      workerData: { leaklensFuzz: true, tmp: this.tmp },
      resourceLimits: { maxOldGenerationSizeMb: this.limits.heapMiB, stackSizeMb: this.limits.stackMiB },
    });
    return this.worker;
  }

  run(target: string, input: FuzzInput): Promise<Reply | { ok: false; kind: 'hang' | 'memory' | 'crash'; message: string; stack: string }> {
    const worker = this.start();
    return new Promise((resolveRun) => {
      const done = (result: Reply | { ok: false; kind: 'hang' | 'memory' | 'crash'; message: string; stack: string }): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolveRun(result);
      };
      const lost = (): void => {
        this.worker = undefined;
        this.restarts++;
      };
      const onMessage = (reply: Reply): void => {
        if (reply.ok) this.peakHeapMiB = Math.max(this.peakHeapMiB, reply.heapMiB);
        done(reply);
      };
      const onError = (err: Error & { code?: string }): void => {
        lost();
        const memory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        done({ ok: false, kind: memory ? 'memory' : 'crash', message: `${memory ? `heap over ${this.limits.heapMiB} MiB` : 'worker died'}: ${err.message}`, stack: err.stack ?? '' });
      };
      const onExit = (code: number): void => {
        lost();
        done({ ok: false, kind: 'crash', message: `worker exited with code ${code}`, stack: '' });
      };
      const timer = setTimeout(() => {
        lost();
        worker.off('exit', onExit);
        worker.off('error', onError);
        void worker.terminate();
        done({ ok: false, kind: 'hang', message: `no answer within ${this.limits.timeoutMs} ms`, stack: '' });
      }, this.limits.timeoutMs);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ target, input } satisfies Request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

function signatureOf(kind: Failure['kind'], message: string, stack: string): string {
  // The first frame in the product's code (bundles keep the source path in names only with source maps; use the function name).
  const frame = stack.split('\n').find((line) => /^\s+at /.test(line) && !/test[\\/]fuzz|node:internal/.test(line)) ?? '';
  const fn = /at (?:new )?([\w$.<>]+)/.exec(frame)?.[1] ?? '';
  const head = message.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"').slice(0, 80);
  return `${kind}|${fn}|${head}`;
}

export interface TargetPlan {
  target: string;
  /** Most inputs; Infinity when only time bounds the run. */
  count: number;
  /** Time budget in ms; Infinity when only the count bounds it. */
  ms: number;
}

export interface TargetReport {
  target: string;
  inputs: number;
  /** Inputs handled without a documented error (loaded, parsed) rather than refused with one. */
  accepted: number;
  ms: number;
  failures: Failure[];
  /** Distinct failures by signature, with how often each was hit. */
  distinct: Map<string, number>;
  restarts: number;
  peakHeapMiB: number;
}

export interface FuzzOptions {
  seed: number;
  plans: TargetPlan[];
  limits?: WorkerLimits;
  mutate?: MutateOptions;
  /** Folder for failing inputs (written as they are found). */
  crashDir?: string;
  /** Worker entry (the bundle that runs serveWorker); this file's bundle by default. */
  entry?: string;
  log?: (line: string) => void;
  seeds?: Seeds;
}

let cachedSeeds: Seeds | undefined;

export async function runFuzz(options: FuzzOptions): Promise<TargetReport[]> {
  const seeds = options.seeds ?? (cachedSeeds ??= loadSeeds());
  const ctx: GenerateContext = { seeds, mutate: options.mutate ?? DEFAULT_MUTATE };
  const reports: TargetReport[] = [];
  for (const plan of options.plans) {
    const target = targetNamed(plan.target);
    const limits = options.limits ?? DEFAULT_LIMITS;
    const worker = new FuzzWorker({ ...limits, timeoutMs: limits.timeoutMs * (target.timeoutFactor ?? 1) }, options.entry);
    const report: TargetReport = { target: target.name, inputs: 0, accepted: 0, ms: 0, failures: [], distinct: new Map(), restarts: 0, peakHeapMiB: 0 };
    const started = Date.now();
    try {
      for (let index = 0; index < plan.count && Date.now() - started < plan.ms; index++) {
        const input = target.generate(makeRng(inputSeed(options.seed, target.name, index)), index, ctx);
        const reply = await worker.run(target.name, input);
        report.inputs++;
        if (reply.ok) {
          if (reply.outcome === 'accepted') report.accepted++;
          continue;
        }
        const signature = signatureOf(reply.kind, reply.message, reply.stack);
        const failure: Failure = { target: target.name, index, kind: reply.kind, message: reply.message, stack: reply.stack, signature, input };
        const seen = report.distinct.get(signature) ?? 0;
        report.distinct.set(signature, seen + 1);
        // Every distinct failure is kept, repeats only a few times (a fixed bug can hit thousands of inputs).
        if (seen < 3) {
          report.failures.push(failure);
          if (options.crashDir) writeCrash(options.crashDir, options.seed, failure, target.ext);
          options.log?.(`  ${target.name} #${index} ${reply.kind}: ${reply.message.slice(0, 300)}`);
        }
      }
    } finally {
      report.ms = Date.now() - started;
      report.restarts = worker.restarts;
      report.peakHeapMiB = worker.peakHeapMiB;
      await worker.close();
    }
    reports.push(report);
  }
  return reports;
}

/** `<dir>/<target>/<hash>-<seed>-<index>.<ext>`, its `.meta.json` (options, note, failure) and its `.extra` (a sidecar). */
export function writeCrash(dir: string, seed: number, failure: Failure, ext: string): string {
  const folder = join(dir, failure.target);
  mkdirSync(folder, { recursive: true });
  const hash = createHash('sha256').update(failure.signature).digest('hex').slice(0, 8);
  const base = join(folder, `${hash}-${seed}-${failure.index}.${ext}`);
  writeFileSync(base, failure.input.data);
  if (failure.input.extra) writeFileSync(`${base}.extra`, failure.input.extra);
  writeFileSync(`${base}.meta.json`, `${JSON.stringify({ meta: failure.input.meta, note: failure.input.note, kind: failure.kind, message: failure.message, signature: failure.signature, stack: failure.stack, seed, index: failure.index }, null, 2)}\n`);
  return base;
}

export function allTargets(): string[] {
  return TARGETS.map((t) => t.name);
}
