/**
 * Generates the OpenAPI 3.1 document from the route descriptions (route.ts) and their zod
 * schemas: what the router validates is what the document says.
 */
import { z } from 'zod';
import type { Route } from './route.js';
import { Problem } from './schemas.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/orders/:orderId` → `/orders/{orderId}`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): JsonSchema[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, prop]) => {
    // What the client sends: the input side (a transform, such as the page limit's cap, has no output schema).
    const s = jsonSchema(prop, 'input');
    const { description, ...rest } = s;
    return {
      name:
        where === 'header'
          ? name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())
          : name,
      in: where,
      required: where === 'path' || !prop.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const PROBLEM_TEXT: Readonly<Record<number, string>> = {
  400: 'validation: bad JSON, unknown fields, wrong types or values',
  401: 'unauthorized: missing, expired or invalid bearer token',
  402: 'payment-declined: the provider declined; the order is Rejected',
  403: 'forbidden: your role may not do this',
  404: 'not-found (also for resources of another customer)',
  409: 'not-cancellable or invalid-transition',
  413: 'validation: the body is over 64 KiB',
  422: 'idempotency-key-reused: same key, different body',
  429: 'rate-limited: retry after Retry-After seconds',
  500: 'internal: no details; quote the X-Request-Id',
  503: 'payment-unavailable or overloaded: retry after Retry-After seconds',
};

function problemStatuses(r: Route): number[] {
  const s = new Set<number>([...r.problems, 500]);
  if (r.access !== 'public') [401, 403].forEach((n) => s.add(n));
  // Every API call: a body or query it does not take (400), a body over 64 KiB (413), the rate
  // limit (429), and 503 overloaded while the process stops (drain.ts) or, for the calls that use
  // the store's data, while it is away or slow (store-guard.ts, problem.ts).
  if (!r.ops) [400, 413, 429, 503].forEach((n) => s.add(n));
  return [...s].sort((a, b) => a - b);
}

function operation(r: Route): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, doc] of Object.entries(r.responses)) {
    const headers = Object.fromEntries(
      Object.entries(doc.headers ?? {}).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]),
    );
    const mediaType = doc.contentType ?? 'application/json';
    responses[status] = {
      description: doc.description,
      headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' }, ...headers },
      content: {
        [mediaType]: { schema: doc.schema ? jsonSchema(doc.schema, 'output') : { type: 'string' } },
      },
    };
  }
  for (const status of problemStatuses(r)) {
    const retry = status === 429 || status === 503;
    responses[String(status)] = {
      description: PROBLEM_TEXT[status] ?? 'problem',
      headers: {
        'X-Request-Id': { $ref: '#/components/headers/XRequestId' },
        ...(retry ? { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } } : {}),
      },
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  const params = [
    ...parameters(r.params, 'path'),
    ...parameters(r.query, 'query'),
    ...parameters(r.headers, 'header'),
  ];
  return {
    operationId: `${r.method}${openApiPath(r.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? '').toUpperCase())}`,
    summary: r.summary,
    tags: [r.tag],
    security: r.access === 'public' ? [] : [{ bearer: [] }],
    ...(r.access === 'public' ? {} : { 'x-roles': r.access }),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(r.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** The whole document for `routes`. */
export function buildOpenApi(routes: readonly Route[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const p = openApiPath(r.path);
    paths[p] = { ...paths[p], [r.method]: operation(r) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Appliance Store',
      version,
      description: 'Errors are application/problem+json (RFC 9457) with a stable `code`.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: jsonSchema(Problem, 'output') },
      headers: {
        XRequestId: {
          description: 'The request id (echoed when safe, else generated)',
          schema: { type: 'string' },
        },
      },
    },
  };
}
