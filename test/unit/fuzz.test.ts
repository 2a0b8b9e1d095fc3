// A short, fixed-seed run of the fuzz harness (test/fuzz; `npm run fuzz` runs it for longer): a
// few hundred mutated inputs per target through the same workers, time cap and heap cap, failing
// on any invariant failure. Counts, not time, bound it, so the inputs are the same on every
// machine; mocha's timeout is only the hang guard.
import assert from 'node:assert/strict';
import { isMainThread } from 'node:worker_threads';
import { DEFAULT_LIMITS, runFuzz, type TargetPlan } from '../fuzz/harness';
import { DEFAULT_MUTATE } from '../fuzz/mutate';
import { TARGETS } from '../fuzz/targets';

/** Streamed loads and whole-capture scans cost more per input than the rest. */
const COUNTS: Record<string, number> = { 'har-stream': 200, 'tshark-json-stream': 200, 'tshark-ek-stream': 200, scan: 250, advisory: 100 };

// This bundle is also the harness's worker (new Worker(__filename)); mocha's globals exist only on the main thread.
if (isMainThread) {
  describe('fuzz: short fixed-seed run of every target', function () {
    this.timeout(120_000);

    for (const target of TARGETS) {
      it(`${target.name}: no uncaught exception, hang or heap overrun; every error names the file and a place`, async () => {
        const plan: TargetPlan = { target: target.name, count: COUNTS[target.name] ?? 400, ms: Infinity };
        // Smaller huge strings and nesting than `npm run fuzz`, so the run stays short on a shared machine.
        const [report] = await runFuzz({ seed: 20260101, plans: [plan], limits: DEFAULT_LIMITS, mutate: { ...DEFAULT_MUTATE, hugeChars: 1 << 20, maxDepth: 200_000 } });
        assert.equal(report.inputs, plan.count, 'every input ran');
        const failures = report.failures.map((f) => `#${f.index} ${f.kind}: ${f.message.slice(0, 400)} [${f.input.note.slice(0, 200)}]`);
        assert.deepEqual(failures, []);
        // The mutations reach past the first check: some inputs are accepted (loaded, parsed, decoded).
        assert.ok(report.accepted > 0, `no input was accepted of ${report.inputs}`);
      });
    }
  });
}
