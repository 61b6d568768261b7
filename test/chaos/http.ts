/**
 * The chaos clients' HTTP: spreads calls over the edges (as a load balancer would), bounds every
 * call with a timeout, and records every attempt (start, end, outcome) for the liveness figures.
 */
import type { Recorder } from './recorder.js';

export interface Principal {
  readonly sub: string;
  readonly role: string;
}

export interface Answer<T> {
  /** 0: no answer (connection refused or reset, timed out). */
  readonly status: number;
  readonly body: T;
  readonly retryAfterS: number | null;
}

export class ChaosHttp {
  private readonly tokens = new Map<string, string>();
  private turn = 0;

  constructor(
    private readonly edges: readonly string[],
    private readonly rec: Recorder,
    private readonly timeoutMs: number,
  ) {}

  /** Dev-issuer tokens for everyone the run uses, fetched once up front (any edge signs them). */
  async login(principals: readonly Principal[]): Promise<void> {
    for (const p of principals) {
      const res = await fetch(`${this.edges[0]}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(p),
      });
      if (res.status !== 200) throw new Error(`token for ${p.sub}/${p.role}: ${res.status}`);
      this.tokens.set(`${p.sub}/${p.role}`, ((await res.json()) as { token: string }).token);
    }
  }

  /** One attempt, recorded. `route` names it in the figures (e.g. `POST /orders`). */
  async call<T = unknown>(
    method: string,
    path: string,
    as: Principal,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const token = this.tokens.get(`${as.sub}/${as.role}`);
    if (!token) throw new Error(`no token for ${as.sub}/${as.role}: log in first`);
    const edge = this.edges[this.turn++ % this.edges.length]!;
    const h: Record<string, string> = { ...headers, authorization: `Bearer ${token}` };
    if (body !== undefined) h['content-type'] = 'application/json';
    const start = Date.now();
    let status = 0;
    let parsed: unknown = null;
    let retryAfterS: number | null = null;
    try {
      const res = await fetch(`${edge}${path}`, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      status = res.status;
      const ra = res.headers.get('retry-after');
      retryAfterS = ra === null ? null : Number(ra);
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
    } catch {
      status = 0;
    }
    this.rec.request({ start, end: Date.now(), ok: status !== 0 && status < 500, status, route });
    return { status, body: parsed as T, retryAfterS };
  }
}
