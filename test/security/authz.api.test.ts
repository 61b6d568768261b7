/**
 * The authorization matrix of API.md and the IDOR rule, against the real store (every actor,
 * the read models and Redis in this process): each route × role is served or refused as the
 * contract says, a refused call changes nothing, and another customer's (or courier's) resource
 * is a 404 that is indistinguishable from one that does not exist.
 */
import { expect } from 'chai';
import { waitFor } from '../support/processes.js';
import {
  admin,
  courier,
  customer,
  orderBody,
  orderInDelivery,
  staff,
  startSecureStore,
  type Caller,
  type SecureStore,
} from './support.js';
import { AUTHZ_MATRIX } from '../support/authz-matrix.js';

type Who = 'anonymous' | 'customer' | 'staff' | 'courier' | 'admin';
const WHO: readonly Who[] = ['anonymous', 'customer', 'staff', 'courier', 'admin'];
const ALICE = customer('alice');
const BOB = customer('bob');
const callerOf: Readonly<Record<Exclude<Who, 'anonymous'>, Caller>> = {
  customer: ALICE,
  staff,
  courier,
  admin,
};

/** API.md's matrix (shared with test/http); the calls that change an order come last so reads see it in delivery. */
const MATRIX = AUTHZ_MATRIX;

describe('security: authorization matrix and IDOR against the real store', function () {
  this.timeout(90_000);
  let store: SecureStore;
  let orderId: string;

  before(async () => {
    store = await startSecureStore();
    orderId = await orderInDelivery(store.client, 'alice');
    // The read models are eventually consistent: let alice's page and messages show the order.
    await waitFor(async () => (await store.client.call('GET', `/myPages/${orderId}`, ALICE)).status === 200, {
      timeoutMs: 20_000,
      what: "alice's page",
    });
  });
  after(() => store.stop());

  async function call(
    spec: string,
    who: Who | Caller,
  ): Promise<{ status: number; body: unknown; text: string }> {
    const [method, template] = spec.split(' ') as [string, string];
    const path = template.replace(':id', orderId).replace(':dl', '0-1');
    const as = who === 'anonymous' ? null : typeof who === 'string' ? callerOf[who] : who;
    const body = method === 'POST' && path === '/orders' ? orderBody() : undefined;
    const res = await store.client.call(method, path, as, body);
    return { status: res.status, body: res.body, text: JSON.stringify(res.body) };
  }

  async function snapshot(): Promise<string> {
    const o = await store.client.call<{ status: string }>('GET', `/orders/${orderId}`, admin);
    const d = await store.client.call<{ status: string }>('GET', `/deliveries/${orderId}`, admin);
    const p = await store.client.call<{ status: string }>('GET', `/payments/${orderId}`, admin);
    return `${o.body.status}/${d.body.status}/${p.body.status}`;
  }

  it('the matrix lists every API operation of /openapi.json', async () => {
    const doc = (await (await fetch(`${store.url}/openapi.json`)).json()) as {
      paths: Record<string, object>;
    };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .filter((c) => !/ \/(healthz|readyz|metrics|openapi\.json|auth\/token)$/.test(c));
    const listed = MATRIX.map((m) =>
      m.call.replace('order/:id', '{type}/{key}').replace(':dl', '{id}').replace(':id', '{orderId}'),
    );
    expect([...listed].sort()).to.deep.equal([...documented].sort());
  });

  describe('refused: no token is 401, a wrong role is 403, and nothing changes', () => {
    for (const { call: spec, allowed } of MATRIX) {
      if (allowed === 'public') continue;
      for (const who of WHO.filter((w) => w === 'anonymous' || !allowed.includes(w))) {
        const want = who === 'anonymous' ? 401 : 403;
        it(`${spec} as ${who}: ${want}`, async () => {
          const res = await call(spec, who);
          expect(res.status, res.text).to.equal(want);
          expect((res.body as { code: string }).code).to.equal(want === 401 ? 'unauthorized' : 'forbidden');
        });
      }
    }
    it('after every refused call the order is still in delivery, paid, with one order for alice', async () => {
      expect(await snapshot()).to.equal('DeliveryStarted/Started/Approved');
      const pages = await store.client.call<{ items: unknown[] }>('GET', '/myPages', ALICE);
      expect(pages.body.items).to.have.length(1);
    });
  });

  describe("IDOR: another customer's or courier's resource is 404 and shows nothing", () => {
    for (const spec of [
      'GET /orders/:id',
      'POST /orders/:id/cancel',
      'GET /myPages/:id',
      'GET /deliveries/:id',
      'GET /payments/:id',
    ]) {
      it(`${spec} as bob: 404 exactly like an unknown order`, async () => {
        const res = await call(spec, BOB);
        expect(res.status, res.text).to.equal(404);
        expect(res.text).to.not.match(/alice|Main Street|courier-1/);
        const [method, template] = spec.split(' ') as [string, string];
        const unknown = await store.client.call(method, template.replace(':id', 'ord_doesnotexist'), BOB);
        expect(unknown.status).to.equal(404);
        // Same body but for the id: a probe cannot tell "someone else's" from "no such order".
        expect(res.text.replaceAll(orderId, 'X')).to.equal(
          JSON.stringify(unknown.body).replaceAll('ord_doesnotexist', 'X'),
        );
      });
    }
    it('POST /deliveries/:id/complete as a courier not assigned to it: 404', async () => {
      const res = await call('POST /deliveries/:id/complete', { sub: 'courier-2', role: 'courier' });
      expect(res.status, res.text).to.equal(404);
      expect(res.text).to.not.match(/alice|Main Street/);
    });
    it('GET /deliveries/:id as another courier: the delivery (API.md: courier), no customer data', async () => {
      const res = await call('GET /deliveries/:id', { sub: 'courier-2', role: 'courier' });
      expect(res.status, res.text).to.equal(200);
      expect(res.text).to.not.match(/alice|Main Street/);
    });
    it("bob's lists hold none of alice's orders or messages; alice's do", async () => {
      await waitFor(
        async () =>
          (await store.client.call<{ items: unknown[] }>('GET', '/messages', ALICE)).body.items.length > 0,
        {
          timeoutMs: 20_000,
          what: "alice's messages",
        },
      );
      for (const path of ['/myPages', '/messages']) {
        const res = await store.client.call('GET', path, BOB);
        expect(res.body, path).to.deep.equal({ items: [], next: null });
      }
    });
    it('after the IDOR probes the order is unchanged (bob could not cancel it)', async () => {
      expect(await snapshot()).to.equal('DeliveryStarted/Started/Approved');
    });
  });

  describe('allowed: served (2xx; 409 for a step the order is past; 404 replaying a dead letter that does not exist)', () => {
    for (const { call: spec, allowed } of MATRIX) {
      const who: readonly Who[] = allowed === 'public' ? WHO : allowed;
      for (const w of who) {
        it(`${spec} as ${w}`, async () => {
          if (spec === 'POST /orders/:id/cancel') {
            // The order follows the delivery asynchronously: cancel once it shows Delivered.
            await waitFor(async () => (await snapshot()).startsWith('Delivered/'), {
              what: 'order Delivered',
            });
          }
          const res = await call(spec, w);
          if (spec.includes('dead-letters/:dl')) {
            expect(res.status, res.text).to.equal(404);
          } else if (spec.startsWith('POST') && spec !== 'POST /orders') {
            expect([202, 409], res.text).to.include(res.status);
          } else {
            expect(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`).to.equal(true);
          }
        });
      }
    }
    it('the courier completed the delivery; the cancel that followed was refused as not-cancellable', async () => {
      expect(await snapshot()).to.equal('Delivered/Delivered/Approved');
      const again = await call('POST /orders/:id/cancel', 'customer');
      expect(again.status).to.equal(409);
      expect((again.body as { code: string }).code).to.equal('not-cancellable');
    });
  });
});
