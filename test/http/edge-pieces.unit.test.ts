import { expect } from 'chai';
import { pino } from 'pino';
import sinon from 'sinon';
import { cachedBacklog } from '../../http/backlog.js';
import { bodyHash, orderIdFor, randomOrderId } from '../../http/idempotency.js';
import { openApiPath } from '../../http/openapi.js';
import type { AdminPort } from '../../http/ports.js';
import { MAX_PAGE, PageQuery, StoreBoardQuery, TokenRequest } from '../../http/schemas.js';

describe('edge pieces (unit)', () => {
  it('cachedBacklog asks the admin port at most once per second, and keeps the last value on errors', async () => {
    const clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    let calls = 0;
    let fail = false;
    const admin = {
      orderBacklog: () => {
        calls++;
        return fail ? Promise.reject(new Error('down')) : Promise.resolve(calls * 10);
      },
    } as Pick<AdminPort, 'orderBacklog'> as AdminPort;
    const backlog = cachedBacklog(admin, pino({ level: 'silent' }), 1000);
    const [a, b] = await Promise.all([backlog(), backlog()]);
    expect([a, b, calls]).to.deep.equal([10, 10, 1]);
    clock.tick(999);
    expect(await backlog()).to.equal(10);
    clock.tick(2);
    expect(await backlog()).to.equal(20);
    fail = true;
    clock.tick(1001);
    expect(await backlog()).to.equal(20);
  });

  it('body hashes ignore field order; order ids are deterministic per (customer, key)', () => {
    expect(bodyHash({ a: 1, b: [1, { c: 2, d: 3 }] })).to.equal(bodyHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(bodyHash({ a: 1 })).to.not.equal(bodyHash({ a: 2 }));
    expect(orderIdFor('alice', 'k')).to.equal(orderIdFor('alice', 'k'));
    expect(orderIdFor('alice', 'k')).to.not.equal(orderIdFor('bob', 'k'));
    expect(orderIdFor('a', 'b:c')).to.not.equal(orderIdFor('a:b', 'c'));
    expect(randomOrderId()).to.match(/^ord_[A-Za-z0-9_-]{16}$/);
  });

  it('openApiPath turns Koa parameters into OpenAPI templates', () => {
    expect(openApiPath('/admin/actors/:type/:key')).to.equal('/admin/actors/{type}/{key}');
    expect(openApiPath('/products')).to.equal('/products');
  });

  it('a page limit over 100 is capped to 100, an empty cursor is the first page, bad limits are refused', () => {
    expect(MAX_PAGE).to.equal(100);
    for (const q of [PageQuery, StoreBoardQuery]) {
      expect(q.parse({ limit: '101' }).limit).to.equal(100);
      expect(q.parse({ limit: '5000' }).limit).to.equal(100);
      expect(q.parse({ limit: '100' }).limit).to.equal(100);
      expect(q.parse({ limit: '7' }).limit).to.equal(7);
      for (const empty of [{}, { cursor: '' }]) {
        const { limit, cursor } = q.parse(empty);
        expect([limit, cursor]).to.deep.equal([20, undefined]);
      }
      for (const bad of ['0', '-3', '1.5', 'ten', ''])
        expect(q.safeParse({ limit: bad }).success, bad).to.equal(false);
    }
  });

  it('a dev token may name any user id of 1-256 characters (as a verified token may), not more', () => {
    for (const sub of ['c-1', 'alice@example.com', 'Zoë Ångström', 'x'.repeat(256)]) {
      expect(TokenRequest.parse({ sub, role: 'customer' }).sub).to.equal(sub);
    }
    for (const sub of ['', 'x'.repeat(257)]) {
      expect(TokenRequest.safeParse({ sub, role: 'customer' }).success).to.equal(false);
    }
  });
});
