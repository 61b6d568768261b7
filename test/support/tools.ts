import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where test tools live: PATH, then ~/go/bin (where scripts/provision's `go install` puts them). */
export function findTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), join(homedir(), 'go', 'bin')];
  for (const dir of dirs) {
    const p = join(dir, name);
    if (dir !== '' && existsSync(p)) return p;
  }
  return null;
}

/** Like findTool, but a missing tool fails the suite with one line naming the provisioning script. */
export function requireTool(name: string): string {
  const p = findTool(name);
  if (p === null) {
    throw new Error(
      `${name} is not installed: run scripts/provision (it installs every tool the tests need)`,
    );
  }
  return p;
}
