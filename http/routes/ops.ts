/** Served by every process, whatever its roles: probes, metrics and the API description. */
import type { HealthPort } from '../ports.js';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { NotReadyError } from '../errors.js';
import { route, type Route } from '../route.js';
import { Health } from '../schemas.js';

export interface OpsDeps {
  readonly health: HealthPort;
  readonly registry: Registry;
  /** The OpenAPI document (built once, after every route is known). */
  readonly openapi: () => unknown;
}

export function opsRoutes(deps: OpsDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/healthz',
      summary: "Liveness: the event loop and this process's actor loops run",
      tag: 'operations',
      access: 'public',
      ops: true,
      responses: { 200: { description: 'Alive', schema: Health } },
      problems: [503],
      handle(ctx) {
        if (!deps.health.live()) throw new NotReadyError('a consumer loop has stalled');
        ctx.body = { status: 'ok' };
        return Promise.resolve();
      },
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: Redis (and Mongo) answer and this process holds its shards',
      tag: 'operations',
      access: 'public',
      ops: true,
      responses: { 200: { description: 'Ready', schema: Health } },
      problems: [503],
      async handle(ctx) {
        const ready = await deps.health.ready().catch(() => false);
        if (!ready)
          throw new NotReadyError('not ready (starting, shutting down, or a backing store does not answer)');
        ctx.body = { status: 'ok' };
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      access: 'public',
      ops: true,
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
      async handle(ctx) {
        const text = await deps.registry.metrics();
        ctx.type = deps.registry.contentType;
        ctx.body = text;
      },
    }),
    route({
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tag: 'operations',
      access: 'public',
      ops: true,
      responses: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } },
      handle(ctx) {
        ctx.body = deps.openapi();
        return Promise.resolve();
      },
    }),
  ];
}
