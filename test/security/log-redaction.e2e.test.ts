/**
 * No secret reaches a log line: the store runs as real processes (edge; every other role) at
 * LOG_LEVEL=debug, a full flow runs through them including errors (bad and tampered tokens,
 * invalid bodies, a declined card, the payment provider down, a refund), and every line both
 * processes wrote is searched for the bearer tokens, the JWT secret, the payment provider's key
 * and the payment tokens that were used.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { sharedRedis, uniquePrefix } from '../support/hooks.js';
import { startFakeGateway } from '../support/fake-gateway.js';
import { startFakePsp } from '../support/fake-psp.js';
import { waitFor } from '../support/processes.js';
import { startStoreProcess, storeEnv, StoreClient, type StoreProcess } from '../support/store-process.js';
import { admin, courier, customer, orderBody, rawRequest, staff } from './support.js';

describe('security: no token, secret or payment token in any log line', function () {
  this.timeout(90_000);
  const jwtSecret = `jwt-${randomBytes(24).toString('hex')}`;
  const pspKey = `sk_live_${randomBytes(12).toString('hex')}`;
  const cardToken = `tok_visa_${randomBytes(8).toString('hex')}`;
  const invalidBodyToken = `tok_invalid_${randomBytes(8).toString('hex')}`;
  const rawToken = `tok_raw_${randomBytes(8).toString('hex')}`;
  let procs: StoreProcess[] = [];
  after(() => Promise.all(procs.map((p) => p.stop())));

  it('a full flow with errors leaves none of them in the logs', async () => {
    const psp = await startFakePsp();
    const gateway = await startFakeGateway();
    // The provider's key travels as URL user info (Basic auth), the way many PSP SDKs take it.
    const pspUrl = psp.url.replace('http://', `http://${pspKey}:@`);
    const env = storeEnv((await sharedRedis()).url, uniquePrefix(), {
      JWT_SECRET: jwtSecret,
      PSP_URL: pspUrl,
      NOTIFY_URL: gateway.url,
      COURIERS: 'courier-1',
      LOG_LEVEL: 'debug',
      PSP_TIMEOUT_MS: '300',
    });
    procs = await Promise.all([
      startStoreProcess({ roles: 'edge', env }),
      startStoreProcess({ roles: 'order,payment,store,delivery,projector,notifier', env }),
    ]);
    const client = new StoreClient(procs[0]!.url);
    const alice = customer('alice');
    const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
    const tokens = await Promise.all([alice, staff, courier, admin].map((c) => client.token(c.sub, c.role)));
    const aliceToken = tokens[0]!;

    // The happy path: place, accept, pack, complete; a second order cancelled (refund).
    const placed = await client.call<{ orderId: string }>(
      'POST',
      '/orders',
      alice,
      orderBody({ paymentToken: cardToken }),
      {
        'x-request-id': 'log-test-place',
      },
    );
    expect(placed.status, JSON.stringify(placed.body)).to.equal(201);
    const id = placed.body.orderId;
    for (const step of ['accept', 'pack']) {
      await waitFor(
        async () => (await client.call('POST', `/ordermanagements/${id}/${step}`, staff)).status === 202,
        {
          timeoutMs: 20_000,
          what: step,
        },
      );
    }
    await waitFor(
      async () => (await client.call('POST', `/deliveries/${id}/complete`, courier)).status === 202,
      {
        timeoutMs: 20_000,
        what: 'complete',
      },
    );
    const second = await client.call<{ orderId: string }>(
      'POST',
      '/orders',
      alice,
      orderBody({ paymentToken: cardToken }),
    );
    expect((await client.call('POST', `/orders/${second.body.orderId}/cancel`, alice)).status).to.equal(202);

    // Errors: declined card, provider down, invalid body, bad and tampered tokens, another's order.
    expect(
      (await client.call('POST', '/orders', alice, orderBody({ paymentToken: 'tok_declined' }))).status,
    ).to.equal(402);
    await psp.setMode('down');
    expect(
      (await client.call('POST', '/orders', alice, orderBody({ paymentToken: cardToken }))).status,
    ).to.equal(503);
    await psp.setMode('up');
    const invalid = await client.call(
      'POST',
      '/orders',
      alice,
      orderBody({ paymentToken: invalidBodyToken, extra: 1 }),
    );
    expect(invalid.status).to.equal(400);
    const [h, , s] = aliceToken.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'alice', role: 'admin' })).toString('base64url')}.${s}`;
    for (const t of [tampered, `${aliceToken}x`, 'garbage']) {
      const res = await fetch(`${client.baseUrl}/admin/mailboxes`, { headers: bearer(t) });
      expect(res.status).to.equal(401);
    }
    expect((await client.call('GET', `/orders/${id}`, customer('bob'))).status).to.equal(404);
    await waitFor(async () => (await psp.refundRequests()) >= 1, { timeoutMs: 20_000, what: 'the refund' });
    await waitFor(() => gateway.received().length >= 3, { timeoutMs: 20_000, what: 'notifications' });

    // Requests the HTTP parser fails on: its error holds their raw bytes (bearer and card token).
    const port = Number(new URL(client.baseUrl).port);
    const raw = JSON.stringify(orderBody({ paymentToken: rawToken }));
    const head = `POST /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${aliceToken}\r\nContent-Type: application/json\r\n`;
    const overlong = await rawRequest(port, `${head}Content-Length: 10\r\nConnection: close\r\n\r\n${raw}`);
    expect(overlong.status, 'the first 10 bytes are not JSON').to.equal(400);
    const badChunk = await rawRequest(
      port,
      `${head}Transfer-Encoding: chunked\r\n\r\nZZ\r\n${raw}\r\n0\r\n\r\n`,
    );
    expect(badChunk.status).to.equal(400);
    await waitFor(() => procs[0]!.output().includes('request refused by the HTTP parser'), {
      what: 'the refused request logged',
    });

    const logs = procs.map((p) => p.output()).join('\n');
    // The capture works: the request lines are there, with the request id the client sent.
    expect(logs).to.include('"reqId":"log-test-place"');
    const secrets: readonly [string, string][] = [
      ...tokens.map((t, i): [string, string] => [`bearer token ${i}`, t]),
      ...tokens.map((t, i): [string, string] => [`signature of bearer token ${i}`, t.split('.')[2]!]),
      ['tampered token signature', s!],
      ['JWT secret', jwtSecret],
      ['PSP key', pspKey],
      ['card token', cardToken],
      ['payment token in an invalid body', invalidBodyToken],
      ['payment token in a request the HTTP parser failed on', rawToken],
      ['declined card token', 'tok_declined'],
    ];
    const leaks = logs
      .split('\n')
      // Bytes logged as numbers (a Buffer as JSON writes it, or spread into an object) are
      // searched as text too.
      .map((line) =>
        line
          .replace(/\[(\d{1,3}(?:,\d{1,3}){15,})\]/g, (_m, bytes: string) =>
            Buffer.from(bytes.split(',').map(Number)).toString('latin1'),
          )
          .replace(/\{"0":\d{1,3}(?:,"\d+":\d{1,3}){15,}\}/g, (map) =>
            Buffer.from(Object.values(JSON.parse(map) as Record<string, number>)).toString('latin1'),
          ),
      )
      .flatMap((line) =>
        secrets
          .filter(([, secret]) => line.includes(secret))
          .map(([what]) => `${what}: ${line.slice(0, 300)}`),
      );
    expect(leaks, leaks.join('\n')).to.deep.equal([]);
  });
});
