// Regression inputs, each run through its fuzz target (the same check and worker as `npm run fuzz`):
// crashes found (the scan's long-token overflow, found by the bomb tests) and hand-made cases of
// the hostile shapes the mutator makes, cut down by hand. test/fixtures/fuzz/<target>/<name>.<ext> is the input; an
// optional <name>.<ext>.meta.json holds its options ("meta"), why it is kept ("why"), whether it
// must be read or refused ("expect") and, for a
// bug not fixed yet, "pending" (the test is then skipped and says why); <name>.<ext>.extra is a
// second file (an advisory input's sidecar).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { FuzzWorker } from '../fuzz/harness';
import { targetNamed, type FuzzInput } from '../fuzz/targets';

const DIR = resolve(process.cwd(), 'test/fixtures/fuzz');

interface FixtureMeta {
  meta?: FuzzInput['meta'];
  why?: string;
  /** What the target must do with it: read it, or refuse it with a documented error. */
  expect?: 'accepted' | 'refused';
  pending?: string;
}

if (isMainThread) {
  describe('fuzz regression fixtures', function () {
    this.timeout(60_000);
    let worker: FuzzWorker;
    before(() => {
      worker = new FuzzWorker();
    });
    after(async () => {
      await worker.close();
    });

    const targets = existsSync(DIR) ? readdirSync(DIR).filter((name) => !name.includes('.')).sort() : [];
    it('there are fixtures, each in the folder of a known target', () => {
      assert.ok(targets.length > 0, `no fixtures in ${DIR}`);
      for (const name of targets) targetNamed(name);
    });

    for (const target of targets) {
      for (const file of readdirSync(join(DIR, target)).filter((f) => !f.endsWith('.meta.json') && !f.endsWith('.extra')).sort()) {
        const path = join(DIR, target, file);
        const fixture: FixtureMeta = existsSync(`${path}.meta.json`) ? (JSON.parse(readFileSync(`${path}.meta.json`, 'utf8')) as FixtureMeta) : {};
        const title = `${target}/${file}${fixture.why ? `: ${fixture.why}` : ''}`;
        if (fixture.pending) {
          it.skip(`${title} (PENDING: ${fixture.pending})`);
          continue;
        }
        it(title, async () => {
          const input: FuzzInput = {
            data: readFileSync(path),
            meta: fixture.meta ?? {},
            extra: existsSync(`${path}.extra`) ? readFileSync(`${path}.extra`) : undefined,
            note: file,
          };
          const reply = await worker.run(target, input);
          assert.ok(reply.ok, reply.ok ? '' : `${reply.kind}: ${reply.message}`);
          if (fixture.expect) assert.equal(reply.outcome, fixture.expect);
        });
      }
    }
  });
}
