#!/usr/bin/env node
// `npm run bench [-- options]`: the benchmarks of issue 6. They print figures; they never assert them.
//   --smoke               one short round of each (well under a minute), for CI
//   --only intake,pipeline,memory
//   --rounds N            rounds per benchmark (default 3; at least 3 for published figures)
//   --variant 'NAME=[PATH][;KEY=VALUE...]'
//                         also measure the orchestrator as another build (PATH to its dist/main.js) and/or
//                         with other environment variables, in the same intake rounds (an A/B of a patch)
//   --servers a,b,c,d,NAME  only these intake servers (default: all, and every variant)
//   --json FILE           write every figure there as well
// Needs a build (`npm run build`) and Redis on 127.0.0.1:6379 (databases 10 to 12 are used and emptied).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runIntake } from './intake.mjs';
import { runMemory } from './memory.mjs';
import { runPipeline } from './pipeline.mjs';
import { machineLine, pinSelf, runAlone } from './lib/harness.mjs';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    servers: { type: 'string' },
    json: { type: 'string' },
  },
});

const smoke = values.smoke;
const rounds = values.rounds === undefined ? (smoke ? 1 : 3) : Number(values.rounds);
const only = values.only?.split(',') ?? ['intake', 'pipeline', 'memory'];
const variants = values.variant.map((spec) => {
  const [head, ...settings] = spec.split(';');
  const [name, main] = head.split('=');
  if (!name) throw new Error(`--variant wants NAME=[PATH][;KEY=VALUE...], got ${spec}`);
  const env = Object.fromEntries(settings.map((setting) => setting.split(/=(.*)/s).slice(0, 2)));
  return { name, main: main || undefined, env };
});

await runAlone('bench');
// The client side keeps to core 0; the servers under test get core 1.
pinSelf(0);
const started = Date.now();
console.log(`bench: ${new Date().toISOString()}; ${machineLine()}; ${smoke ? 'smoke' : `${rounds} rounds`}`);
const figures = { date: new Date().toISOString(), machine: machineLine(), smoke, rounds };
// Each benchmark is bounded; this is the bound of them all.
const watchdog = setTimeout(
  () => {
    console.error('bench: over its time bound; stopping');
    process.exit(2);
  },
  (smoke ? 3 : 45) * 60_000,
);
watchdog.unref();

if (only.includes('intake'))
  figures.intake = await runIntake({ smoke, rounds, variants, only: values.servers?.split(',') });
if (only.includes('pipeline')) figures.pipeline = await runPipeline({ smoke, rounds });
if (only.includes('memory')) figures.memory = await runMemory({ smoke, rounds });

if (values.json) writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
console.log(`\nbench: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
