#!/usr/bin/env node
// Runs every benchmark in dist/bench one after another (never side by side: they would share the
// two cores and skew each other), each printing its own JSON line. Exit code: the first failure's.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const order = ['runtime', 'orders', 'saga', 'recovery', 'soak', 'durability', 'scale', 'mongo-writes'];
const present = new Set(
  readdirSync('dist/bench')
    .filter((f) => f.endsWith('.bench.js'))
    .map((f) => f.slice(0, -9)),
);
let status = 0;
for (const name of order.filter((n) => present.has(n))) {
  const r = spawnSync(process.execPath, ['--enable-source-maps', `dist/bench/${name}.bench.js`], {
    stdio: 'inherit',
  });
  if (r.status !== 0 && status === 0) status = r.status ?? 1;
}
process.exit(status);
