/**
 * `appliance-store start` as a newcomer runs it (the built bin, a real process): bad configuration
 * stops it with one line naming the variable (exit 2); with REDIS_URL unset it runs its own
 * redis-server and stops it on SIGTERM, and also when the store then fails to start (PORT in use).
 */
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { freePort, stopProcess, track, waitFor } from '../support/processes.js';
import { StoreClient } from '../support/store-process.js';
import { requireTool } from '../support/tools.js';

const BIN = fileURLToPath(new URL('../../bin/appliance-store.js', import.meta.url));

/** The environment of a fresh shell: none of the test run's store variables. */
function cleanEnv(over: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...over };
}

/** `ownGroup`: the store leads its own process group, as under a terminal's job control. */
function start(env: Record<string, string>, args: readonly string[] = [], ownGroup = false) {
  const child = track(
    spawn(process.execPath, [BIN, 'start', ...args], {
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: ownGroup,
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, out: () => ({ stdout, stderr }) };
}

/**
 * Running redis-server processes working in `dataDir`: the embedded one runs with `--dir
 * <DATA_DIR>/redis` and changes into it (its command line is rewritten to its listen address).
 */
function redisServersIn(dataDir: string): number[] {
  const dir = realpathSync(join(dataDir));
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'redis-server') continue;
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      continue; // exited meanwhile
    }
  }
  return pids;
}

describe('appliance-store start: configuration errors and the embedded redis-server (real processes)', function () {
  this.timeout(60_000);
  before(() => void requireTool('redis-server'));
  // A failed test leaves its store to the run's SIGKILL, which would orphan its redis-server.
  const dataDirs: string[] = [];
  const newDataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'as-startup-'));
    dataDirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dataDirs) for (const pid of redisServersIn(dir)) process.kill(pid, 'SIGKILL');
  });

  /** What the process wrote on stderr: exactly one line (asserted), returned. */
  const oneLine = (p: ReturnType<typeof start>): string => {
    const lines = p.out().stderr.trimEnd().split('\n');
    expect(lines, p.out().stderr).to.have.length(1);
    return lines[0]!;
  };

  /** Start on `dataDir` and wait until ready. */
  async function ready(dataDir: string, ownGroup = false) {
    const port = await freePort();
    const p = start({ DATA_DIR: dataDir, PORT: String(port) }, [], ownGroup);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}: ${p.out().stderr}`);
        return (await fetch(`${url}/readyz`)).status === 200;
      },
      { timeoutMs: 30_000, what: 'the store ready' },
    );
    return { ...p, url };
  }

  const badConfigs: [string, Record<string, string>][] = [
    ['SHARDS', { SHARDS: 'many' }],
    ['PORT', { PORT: '99999' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['AUTH_MODE', { AUTH_MODE: 'maybe' }],
    ['REDIS_URL', { REDIS_URL: 'http://not-redis' }],
  ];
  for (const [variable, env] of badConfigs) {
    it(`a bad ${variable} stops it at once: exit 2, one line on stderr naming ${variable}, nothing started`, async () => {
      const dataDir = newDataDir();
      const p = start({ DATA_DIR: dataDir, ...env });
      expect(await p.exited).to.equal(2);
      const line = oneLine(p);
      expect(line).to.match(/^appliance-store: bad configuration: /);
      expect(line).to.include(variable);
      expect(p.out().stdout).to.equal('');
      expect(redisServersIn(dataDir)).to.deep.equal([]);
    });
  }

  it('Redis unreachable at REDIS_URL: exit 2 with one line saying where it looked (no stack trace)', async () => {
    const nobody = await freePort(); // nothing listens there
    const p = start({ REDIS_URL: `redis://:secret-pw@127.0.0.1:${nobody}`, DATA_DIR: newDataDir() });
    expect(await p.exited).to.equal(2);
    expect(oneLine(p)).to.match(
      new RegExp(`^appliance-store: cannot reach Redis at REDIS_URL 127.0.0.1:${nobody}: `),
    );
    expect(p.out().stderr + p.out().stdout).to.not.include('secret-pw');
  });

  it('MongoDB unreachable at MONGO_URL: exit 2 with one line naming MONGO_URL, its redis-server stopped again', async () => {
    const dataDir = newDataDir();
    const p = start({
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      MONGO_URL: `mongodb://user:secret-pw@127.0.0.1:${await freePort()}/store`,
    });
    expect(await p.exited).to.equal(2);
    expect(oneLine(p)).to.match(/^appliance-store: cannot reach MongoDB at MONGO_URL 127\.0\.0\.1:\d+: /);
    expect(p.out().stderr + p.out().stdout).to.not.include('secret-pw');
    await waitFor(() => redisServersIn(dataDir).length === 0, { what: 'no redis-server left running' });
  });

  it('with REDIS_URL unset it runs its own redis-server under DATA_DIR and stops it on SIGTERM', async () => {
    const dataDir = newDataDir();
    const p = await ready(dataDir);
    expect(redisServersIn(dataDir)).to.have.length(1);
    // AUTH_MODE defaults to dev under `start` (API.md): said once, as a warning.
    expect(p.out().stdout).to.include('AUTH_MODE=dev: anyone may get a token of any role');
    expect(await stopProcess(p.child, 'SIGTERM', 30_000)).to.equal(0);
    await waitFor(() => redisServersIn(dataDir).length === 0, { what: 'the embedded redis-server stopped' });
  });

  it("Ctrl-C in a terminal (SIGINT to the store's whole process group): exit 0, the redis-server is stopped by the store", async () => {
    const dataDir = newDataDir();
    const p = await ready(dataDir, true);
    const [redisPid] = redisServersIn(dataDir);
    // The terminal signals its foreground group: the redis-server must not be in it, or it stops
    // under the store's feet (the stop then took 20 s and exited 1 with hundreds of warnings).
    const group = (pid: number): number =>
      Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
    expect(group(p.child.pid!)).to.equal(p.child.pid);
    expect(group(redisPid!)).to.not.equal(p.child.pid);
    process.kill(-p.child.pid!, 'SIGINT');
    expect(await p.exited, p.out().stderr).to.equal(0);
    expect(p.out().stderr).to.not.include('did not finish');
    await waitFor(() => redisServersIn(dataDir).length === 0, { what: 'the embedded redis-server stopped' });
  });

  it('PORT in use: exit 2 with one line naming PORT, and the redis-server it started is stopped again', async () => {
    const dataDir = newDataDir();
    const taken: Server = createServer();
    const port = await new Promise<number>((resolve) => {
      taken.listen(0, '0.0.0.0', () => resolve((taken.address() as { port: number }).port));
    });
    try {
      const p = start({ DATA_DIR: dataDir, PORT: String(port) });
      expect(await p.exited).to.equal(2);
      expect(oneLine(p)).to.match(/^appliance-store: PORT \d+ is in use/);
      await waitFor(() => redisServersIn(dataDir).length === 0, {
        what: 'no redis-server left running on the data directory',
      });
    } finally {
      taken.close();
    }
  });

  it('a store killed with SIGKILL takes its redis-server with it (parent-death SIGTERM); the next start keeps the data', async () => {
    const dataDir = newDataDir();
    const first = await ready(dataDir);
    const customer = { sub: 'c-1', role: 'customer' };
    const order = { productId: 'wm-100', quantity: 1, paymentToken: 'tok_visa', address: '1 Main Street' };
    const placed = await new StoreClient(first.url).call<{ orderId: string }>(
      'POST',
      '/orders',
      customer,
      order,
    );
    expect(placed.status).to.equal(201);
    expect(redisServersIn(dataDir)).to.have.length(1);
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor(() => redisServersIn(dataDir).length === 0, {
      what: 'the killed store’s redis-server stopped with it',
    });

    const second = await ready(dataDir);
    const again = await new StoreClient(second.url).call<{ status: string }>(
      'GET',
      `/orders/${placed.body.orderId}`,
      customer,
    );
    expect(again.status, 'the order placed before the kill is kept').to.equal(200);
    expect(again.body.status).to.equal('Ordered');
    expect(await stopProcess(second.child, 'SIGTERM', 30_000)).to.equal(0);
    await waitFor(() => redisServersIn(dataDir).length === 0, { what: 'its redis-server stopped' });
  });

  it('a redis-server left running on the DATA_DIR by a store that is gone: the next start stops it and starts its own', async () => {
    const dataDir = newDataDir();
    const dir = join(dataDir, 'redis');
    mkdirSync(dir);
    // What a store started without setpriv leaves behind when killed: its server and owner.json.
    const leftover = track(
      spawn('redis-server', ['--port', String(await freePort()), '--dir', dir, '--save', ''], {
        stdio: 'ignore',
      }),
    );
    await waitFor(() => redisServersIn(dataDir).length === 1, { what: 'the leftover redis-server up' });
    const goneStore = 2 ** 22 + 1; // above pid_max's default: no such process
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ storePid: goneStore, redisPid: leftover.pid }));

    const p = await ready(dataDir);
    expect(leftover.exitCode ?? leftover.signalCode, 'the leftover was stopped').to.not.equal(null);
    const now = redisServersIn(dataDir);
    expect(now, 'one redis-server on the directory, the store’s own').to.have.length(1);
    expect(now[0]).to.not.equal(leftover.pid);
    expect(await stopProcess(p.child, 'SIGTERM', 30_000)).to.equal(0);
  });

  it('a second store on a DATA_DIR in use: exit 2 with one line naming DATA_DIR; the first runs on', async () => {
    const dataDir = newDataDir();
    const first = await ready(dataDir);
    const second = start({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await second.exited).to.equal(2);
    expect(oneLine(second)).to.match(/^appliance-store: DATA_DIR .* is in use by another running store/);
    expect((await fetch(`${first.url}/readyz`)).status).to.equal(200);
    expect(redisServersIn(dataDir)).to.have.length(1);
    expect(await stopProcess(first.child, 'SIGTERM', 30_000)).to.equal(0);
  });
});
