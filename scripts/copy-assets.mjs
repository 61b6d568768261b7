// tsc does not copy non-TS files: copy the Lua scripts (and JSON assets) next to the compiled code.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['actors', 'streams', 'http', 'views', 'outbound', 'config'];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.lua')) cpSync(p, join('dist', p));
  }
}
for (const r of roots) {
  try {
    walk(r);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
}
