#!/usr/bin/env node
// `npm run drills [-- options]`: the fault drills of issue 6. Each prints what it sent, what it
// expected and what it saw, check by check; the run ends with `N passed, M failed` (checks) and exits
// non-zero when any failed.
//   --ci             the cheap drills only (fuzz with a smaller count, duplicate storm, intake crash,
//                    Redis outage)
//   --only a,b       these drills (names below)
//   --fuzz-count N   requests of the fuzz drill (default 50000; 5000 with --ci)
// Needs a build (`npm run build`), Redis on 127.0.0.1:6379 (databases 13 to 15 are used and emptied)
// and, for the Redis outage, `redis-server` on PATH (the drill stops a private one, never the shared one).
import { parseArgs } from 'node:util';
import { machineLine, runAlone } from '../../bench/lib/harness.mjs';
import cliMisbehaviour from './drills/cli-misbehaviour.mjs';
import duplicateStorm from './drills/duplicate-storm.mjs';
import fuzz from './drills/fuzz.mjs';
import gracefulShutdown from './drills/graceful-shutdown.mjs';
import intakeCrash from './drills/intake-crash.mjs';
import redisOutage from './drills/redis-outage.mjs';
import slackTrouble from './drills/slack-trouble.mjs';
import workerKills from './drills/worker-kills.mjs';

const DRILLS = [
  fuzz,
  duplicateStorm,
  intakeCrash,
  redisOutage,
  slackTrouble,
  cliMisbehaviour,
  gracefulShutdown,
  workerKills,
];

const { values } = parseArgs({
  options: {
    ci: { type: 'boolean', default: false },
    only: { type: 'string' },
    'fuzz-count': { type: 'string' },
  },
});

const selected = DRILLS.filter((drill) =>
  values.only ? values.only.split(',').includes(drill.name) : !values.ci || drill.cheap,
);
const options = { ci: values.ci, fuzzCount: Number(values['fuzz-count'] ?? (values.ci ? 5000 : 50000)) };

await runAlone('drills');
console.log(`drills: ${new Date().toISOString()}; ${machineLine()}; ${selected.map((d) => d.name).join(', ')}`);
let passed = 0;
let failed = 0;
const verdicts = [];
for (const drill of selected) {
  console.log(`\n=== ${drill.name}: ${drill.title}`);
  const started = Date.now();
  const checks = [];
  const context = {
    options,
    say: (line) => console.log(`  ${line}`),
    check(label, expected, saw, ok) {
      checks.push(ok);
      console.log(`  [${ok ? 'ok' : 'FAIL'}] ${label}: expected ${expected}; saw ${saw}`);
      return ok;
    },
  };
  try {
    await Promise.race([
      drill.run(context),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`over its bound of ${drill.boundSeconds} s`)),
          drill.boundSeconds * 1000,
        ).unref(),
      ),
    ]);
  } catch (error) {
    context.check(
      'the drill ran to its end',
      'no error',
      error instanceof Error ? (error.stack ?? error.message) : String(error),
      false,
    );
  }
  const good = checks.filter(Boolean).length;
  const bad = checks.length - good;
  passed += good;
  failed += bad;
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  verdicts.push(`${drill.name}: ${bad === 0 ? 'PASS' : 'FAIL'} (${good}/${checks.length} checks, ${seconds} s)`);
  console.log(`--- ${verdicts.at(-1)}`);
}

console.log(`\n${verdicts.join('\n')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
