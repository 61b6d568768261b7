/**
 * schemathesis (property-based API fuzzing from the OpenAPI document) against the real store:
 * every operation is called with an authorized token (customer, staff, courier or admin as
 * API.md says), with valid and invalid data, through the coverage, fuzzing and stateful phases;
 * every check must hold: no 5xx, every status, header, media type and body as `/openapi.json`
 * documents, invalid input refused, valid input accepted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { requireTool } from '../support/tools.js';
import {
  admin,
  courier,
  customer,
  staff,
  startSecureStore,
  type Caller,
  type SecureStore,
} from './support.js';

/** Fixed so a failure reproduces; schemathesis prints it (change it to explore further). */
const SEED = 20251125;
/** Per operation and phase: bounded so the whole run stays well under 90 s on a busy machine. */
const MAX_EXAMPLES = 10;

/**
 * The run's configuration. Documented answers schemathesis cannot know from the document alone
 * are listed as expected for valid-looking input: a cursor the server never issued is a 400
 * (it is opaque), and POST /orders answers 402 for a declined card and 422 for an
 * Idempotency-Key reused with another body (the stateful phase replays keys).
 */
function config(tokens: Readonly<Record<'customer' | 'staff' | 'courier' | 'admin', string>>): string {
  const ok = ['2xx', '3xx', '401', '403', '404', '409', '429'];
  const list = (xs: readonly string[]): string => `[${xs.map((x) => `"${x}"`).join(', ')}]`;
  const op = (match: string, token: string, extra: readonly string[] = []): string =>
    [
      '[[operations]]',
      match,
      `headers = { Authorization = "Bearer ${token}" }`,
      ...(extra.length > 0
        ? [`checks.positive_data_acceptance.expected-statuses = ${list([...ok, ...extra])}`]
        : []),
      '',
    ].join('\n');
  return [
    `headers = { Authorization = "Bearer ${tokens.customer}" }`,
    '',
    op('include-path = "/ordermanagements"', tokens.staff, ['400']),
    op('include-path-regex = "^/ordermanagements/"', tokens.staff),
    op('include-path = "/deliveries/{orderId}/complete"', tokens.courier),
    op('include-path-regex = "^/admin/"', tokens.admin),
    op('include-path-regex = "^/(myPages|messages)$"', tokens.customer, ['400']),
    op('include-path = "/orders"\ninclude-method = "POST"', tokens.customer, ['402', '422']),
  ].join('\n');
}

function run(
  cmd: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('security: schemathesis against /openapi.json of the real store', function () {
  this.timeout(120_000);
  let store: SecureStore;
  before(async () => {
    store = await startSecureStore();
  });
  after(() => store.stop());

  it('finds no server error and no response that breaks the document', async () => {
    const bin = requireTool('schemathesis');
    const callers: Readonly<Record<'customer' | 'staff' | 'courier' | 'admin', Caller>> = {
      customer: customer('fuzz-customer'),
      staff,
      courier,
      admin,
    };
    const entries = await Promise.all(
      Object.entries(callers).map(async ([k, c]) => [k, await store.client.token(c.sub, c.role)] as const),
    );
    const dir = mkdtempSync(join(tmpdir(), 'as-schemathesis-'));
    const file = join(dir, 'schemathesis.toml');
    writeFileSync(
      file,
      config(Object.fromEntries(entries) as Record<'customer' | 'staff' | 'courier' | 'admin', string>),
    );
    const started = Date.now();
    const { code, out } = await run(
      bin,
      [
        '--config-file',
        file,
        'run',
        `${store.url}/openapi.json`,
        '--checks',
        'all',
        '--max-examples',
        String(MAX_EXAMPLES),
        '--seed',
        String(SEED),
        // One worker: with two, hypothesis describes strategies (ast.parse) in two threads, and the
        // provisioned CPython 3.11.7 then sometimes dies of "SystemError: AST constructor recursion
        // depth mismatch" (CPython gh-106905, seen in threaded programs): the tool fails, not the API.
        '--workers',
        '1',
        '--no-shrink',
        '--request-timeout',
        '10',
      ],
      100_000,
    );
    const summary = out.slice(out.indexOf('=== FAILURES') >= 0 ? out.indexOf('=== FAILURES') : -4000);
    expect(
      code,
      `schemathesis exited ${code} after ${Date.now() - started} ms:\n${summary.slice(0, 12_000)}`,
    ).to.equal(0);
    expect(out).to.match(/Tested: 2\d/);
  });
});
