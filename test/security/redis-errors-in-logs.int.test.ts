/**
 * ioredis puts the whole command on its errors (`err.command = { name, args }`): a refused XADD of
 * an order request carries the payment token and the address, a refused commit whole states. The
 * store's logger writes such errors with the command's name only. A real redis-server refuses the
 * write (out of memory), so the error is the one a store would log.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { storeLogger } from '../../app/logger.js';
import { RedisServer } from '../support/redis-server.js';

describe('security: Redis command arguments never reach a log line', function () {
  this.timeout(30_000);
  let server: RedisServer;
  let redis: Redis;
  before(async () => {
    server = await RedisServer.start({ extraArgs: ['--maxmemory', '1', '--maxmemory-policy', 'noeviction'] });
    redis = new Redis(server.url, { maxRetriesPerRequest: 0 });
  });
  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('a write Redis refuses is logged with its message and command name, without its arguments', async () => {
    const token = 'tok_visa_3f9a0c1d';
    const body = JSON.stringify({ t: 'PlaceOrder', d: { paymentToken: token, address: '1 Main Street' } });
    const err = await redis.xadd('{order:00}:mbx', '*', 'm', body).then(
      () => null,
      (e: unknown) => e as Error & { command?: { name: string; args: unknown[] } },
    );
    expect(err?.message).to.match(/^OOM /);
    expect(JSON.stringify(err?.command?.args), 'ioredis attached the arguments').to.include(token);

    const lines: string[] = [];
    const log = storeLogger({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    log.error({ err }, 'commit failed');
    log.child({ component: 'runtime' }).warn({ err: new Error('wrapped', { cause: err }) }, 'relay failed');

    expect(lines).to.have.length(2);
    for (const line of lines) {
      expect(line).to.not.include(token);
      expect(line).to.not.include('1 Main Street');
    }
    const first = JSON.parse(lines[0]!) as { err: { message: string; command: unknown } };
    expect(first.err.message).to.match(/^OOM /);
    expect(first.err.command).to.deep.equal({ name: 'xadd' });
  });
});
