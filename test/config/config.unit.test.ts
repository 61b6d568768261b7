import { expect } from 'chai';
import { ConfigError, loadConfig, ROLES } from '../../config/index.js';

function failure(env: Record<string, string>, cli = {}): ConfigError {
  try {
    loadConfig(env, cli);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).to.equal(8088);
    expect(c.roles).to.deep.equal([...ROLES]);
    expect(c.authMode).to.equal('dev');
    expect(c.redisUrl).to.equal(null);
    expect(c.couriers).to.deep.equal(['courier-1']);
    expect(c.logLevel).to.equal('info');
    expect(c.shards).to.equal(16);
    expect(Object.isFrozen(c)).to.equal(true);
  });

  it('takes an empty PORT as unset, like every other variable', () => {
    expect(loadConfig({ PORT: '' }).port).to.equal(8088);
  });

  it('lets --port and --roles win over the environment', () => {
    const c = loadConfig({ PORT: '9000' }, { port: '9100', roles: 'edge,store' });
    expect(c.port).to.equal(9100);
    expect(c.roles).to.deep.equal(['edge', 'store']);
  });

  const bad: [string, Record<string, string>, Record<string, string>][] = [
    ['PORT', { PORT: 'abc' }, {}],
    ['PORT', { PORT: '70000' }, {}],
    ['--port', {}, { port: 'x' }],
    ['--roles', {}, { roles: 'edge,bogus' }],
    ['REDIS_URL', { REDIS_URL: 'not a url' }, {}],
    ['REDIS_URL', { REDIS_URL: 'http://localhost:6379' }, {}],
    ['REDIS_URL', { REDIS_URL: 'redis:foo' }, {}],
    ['REDIS_URL', { REDIS_URL: 'rediss:abc' }, {}],
    ['NOTIFY_URL', { NOTIFY_URL: 'http:' }, {}],
    ['STOP_TIMEOUT_MS', { STOP_TIMEOUT_MS: '10' }, {}],
    ['REDIS_CLUSTER_NODES', { REDIS_CLUSTER_NODES: 'localhost' }, {}],
    ['MONGO_URL', { MONGO_URL: 'redis://x' }, {}],
    ['PSP_URL', { PSP_URL: 'ftp://psp' }, {}],
    ['AUTH_MODE', { AUTH_MODE: 'none' }, {}],
    ['JWT_SECRET', { AUTH_MODE: 'jwt', JWT_SECRET: 'short' }, {}],
    ['JWT_SECRET', { AUTH_MODE: 'jwt', JWT_SECRET: '' }, {}],
    ['COURIERS', { COURIERS: ' , ' }, {}],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, {}],
    ['SHARDS', { SHARDS: 'x' }, {}],
    ['SHARDS', { SHARDS: '0' }, {}],
    ['PSP_SIMULATOR', { PSP_SIMULATOR: 'sideways' }, {}],
  ];
  for (const [variable, env, cli] of bad) {
    it(`rejects bad ${variable} (${JSON.stringify({ ...env, ...cli })}) naming the variable`, () => {
      const err = failure(env, cli);
      expect(err.variable).to.equal(variable);
      expect(err.message.startsWith(`${variable}: `)).to.equal(true);
      expect(err.message).to.not.include('\n');
    });
  }

  it('takes any JWT_SECRET in dev mode (anyone may mint tokens there); empty is the dev secret', () => {
    expect(loadConfig({ JWT_SECRET: 'short' }).jwtSecret).to.equal('short');
    expect(loadConfig({ JWT_SECRET: '' }).jwtSecret).to.equal(loadConfig({}).jwtSecret);
    const strong = 'x'.repeat(32);
    expect(loadConfig({ AUTH_MODE: 'jwt', JWT_SECRET: strong }).jwtSecret).to.equal(strong);
  });

  it('parses cluster nodes and the simulator mode', () => {
    const c = loadConfig({ REDIS_CLUSTER_NODES: 'a:7000, b:7001', PSP_SIMULATOR: 'slow:250' });
    expect(c.redisClusterNodes).to.deep.equal([
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ]);
    expect(c.pspSimulator).to.deep.equal({ down: false, latencyMs: 250 });
  });

  it('never prints the credentials of a URL it refuses', () => {
    for (const name of ['NOTIFY_URL', 'PSP_URL', 'REDIS_URL', 'MONGO_URL']) {
      const err = failure({ [name]: 'https://user:s3cr3t@' });
      expect(err.message).to.include(name);
      expect(err.message).to.not.include('s3cr3t');
      expect(err.message).to.include('//***@');
    }
  });
});
