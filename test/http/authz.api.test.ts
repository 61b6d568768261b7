import { expect } from 'chai';
import type { UserRole } from '../../http/context.js';
import { AUTHZ_MATRIX } from '../support/authz-matrix.js';
import { waitFor } from '../support/processes.js';
import { startApiFixture, type ApiFixture, type ApiResponse } from './support/fixture.js';
import { expectProblem, orderBody, orderInDelivery, startedDelivery, uniqueUser } from './support/helpers.js';

type Caller = UserRole | 'anonymous';
const CALLERS: readonly Caller[] = ['anonymous', 'customer', 'staff', 'courier', 'admin'];

const MATRIX = AUTHZ_MATRIX;

/**
 * One real store for the file; the matrix runs against one order in delivery, placed by `alice`
 * (the mutating calls are last and an allowed one may also answer 409 for a step the order is
 * already past), and against a real dead letter (a command the order actor cannot decode).
 */
describe('API: authorization (real store on Redis)', () => {
  let f: ApiFixture;
  let aliceId: string;
  let orderId: string;
  let courier: string;
  let deadLetterId: string;
  before(async () => {
    f = await startApiFixture();
    aliceId = uniqueUser('alice');
    orderId = await orderInDelivery(f, aliceId);
    courier = (await startedDelivery(f, orderId)).courierId;
    await f.store.runtime.tell({ type: 'order', key: 'ord_poison' }, { type: 'NoSuchCommand', data: {} });
    const admin = await f.tokenFor('admin-1', 'admin');
    deadLetterId = await waitFor(
      async () => {
        const res = await f.request('GET', '/admin/dead-letters', { token: admin });
        return (res.body as { items: { id: string }[] }).items[0]?.id;
      },
      { what: 'a dead letter' },
    );
  });
  after(() => f.close());

  const subOf = (role: UserRole): string =>
    ({ customer: aliceId, staff: 'staff-1', courier, admin: 'admin-1' })[role];

  async function call(spec: string, caller: Caller): Promise<ApiResponse> {
    const [method, template] = spec.split(' ') as [string, string];
    const path = template.replace(':id', orderId).replace(':dl', encodeURIComponent(deadLetterId));
    const token = caller === 'anonymous' ? undefined : await f.tokenFor(subOf(caller), caller);
    const body = method === 'POST' && path === '/orders' ? orderBody() : undefined;
    return f.request(method, path, { ...(token ? { token } : {}), ...(body ? { body } : {}) });
  }

  it('the matrix covers every API route the router serves', () => {
    const served = f.edge.routes
      .filter((r) => !r.ops && r.path !== '/auth/token')
      .map((r) => `${r.method.toUpperCase()} ${r.path}`);
    const listed = MATRIX.map((m) =>
      m.call.replace(':id', ':orderId').replace('order/:orderId', ':type/:key').replace(':dl', ':id'),
    );
    expect([...listed].sort()).to.deep.equal([...served].sort());
  });

  for (const { call: spec, allowed } of MATRIX) {
    for (const caller of CALLERS) {
      const may = allowed === 'public' || (caller !== 'anonymous' && allowed.includes(caller));
      const expected = may ? 'is allowed' : caller === 'anonymous' ? '401 unauthorized' : '403 forbidden';
      it(`${spec} as ${caller}: ${expected}`, async () => {
        const res = await call(spec, caller);
        if (may) {
          // Allowed means served: a 2xx, or 409 for a step the order is already past (accept after pack).
          expect(res.status === 409 || (res.status >= 200 && res.status < 300), res.text).to.equal(true);
        } else if (caller === 'anonymous') {
          expectProblem(res, 401, 'unauthorized');
        } else {
          expectProblem(res, 403, 'forbidden');
        }
      });
    }
  }

  it('401 carries WWW-Authenticate: Bearer', async () => {
    const res = await f.request('GET', '/messages');
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers.get('www-authenticate')).to.equal('Bearer');
  });

  describe("ownership: another customer's or courier's resource is 404 and shows nothing", () => {
    let owned: string;
    let assigned: string;
    before(async () => {
      owned = await orderInDelivery(f, aliceId);
      assigned = (await startedDelivery(f, owned)).courierId;
    });
    const customerCalls = [
      'GET /orders/:id',
      'POST /orders/:id/cancel',
      'GET /myPages/:id',
      'GET /deliveries/:id',
      'GET /payments/:id',
    ];
    for (const spec of customerCalls) {
      it(`${spec} as another customer`, async () => {
        const [method, template] = spec.split(' ') as [string, string];
        const res = await f.request(method, template.replace(':id', owned), {
          token: await f.tokenFor(uniqueUser('bob'), 'customer'),
        });
        expectProblem(res, 404, 'not-found');
        expect(res.text).to.not.include('alice');
        expect(res.text).to.not.include('Main Street');
      });
    }
    it('POST /deliveries/:id/complete as a courier not assigned to it: 404, and it stays Started', async () => {
      const other = assigned === 'courier-1' ? 'courier-2' : 'courier-1';
      const res = await f.request('POST', `/deliveries/${owned}/complete`, {
        token: await f.tokenFor(other, 'courier'),
      });
      expectProblem(res, 404, 'not-found');
      expect((await startedDelivery(f, owned)).status).to.equal('Started');
    });
    it('GET /deliveries/:id as any courier (API.md: courier), which shows no customer data', async () => {
      const other = assigned === 'courier-1' ? 'courier-2' : 'courier-1';
      const res = await f.request('GET', `/deliveries/${owned}`, {
        token: await f.tokenFor(other, 'courier'),
      });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.deep.equal({ orderId: owned, status: 'Started', courierId: assigned });
    });
    it('lists show only the caller’s own orders and messages', async () => {
      const alice = await f.tokenFor(aliceId, 'customer');
      // Alice's lists have her orders and messages (eventually) ...
      await waitFor(async () => {
        const pages = (await f.request('GET', '/myPages', { token: alice })).body as { items: unknown[] };
        const messages = (await f.request('GET', '/messages', { token: alice })).body as { items: unknown[] };
        return pages.items.length > 0 && messages.items.length > 0;
      });
      // ... and Bob's show none of them.
      const bob = await f.tokenFor(uniqueUser('bob'), 'customer');
      const pages = await f.request('GET', '/myPages', { token: bob });
      const messages = await f.request('GET', '/messages', { token: bob });
      expect(pages.body).to.deep.equal({ items: [], next: null });
      expect(messages.body).to.deep.equal({ items: [], next: null });
    });
  });
});
