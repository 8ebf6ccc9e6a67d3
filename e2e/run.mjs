#!/usr/bin/env node
// Runs the e2e suite: `node e2e/run.mjs [--reference] [extra node --test args]` from anywhere.
// Equivalent to `node --test --test-concurrency=1 e2e/tests/` from the repo root, plus a clear
// up-front check that the app is built. `--reference` runs the suite against e2e/reference-app/
// (a plain-JS implementation of the DOM contract) to check the suite itself.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const e2e = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(e2e, '..');
const args = process.argv.slice(2);
const env = { ...process.env };
const ref = args.indexOf('--reference');
if (ref >= 0) {
  args.splice(ref, 1);
  env.E2E_DIST = path.join(e2e, 'reference-app');
}
process.env.E2E_DIST = env.E2E_DIST ?? '';
const { assertBuilt, DIST_DIR } = await import('./helpers.mjs');
try {
  assertBuilt(DIST_DIR);
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
console.error(`e2e: testing the build in ${DIST_DIR}`);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...args, 'e2e/tests/'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
