/** The Koa edge: app factory, auth, errors, OpenAPI and the ports it asks of the store. */
export { API_VERSION, createApp, createEdge, createOpsApp, type Edge } from './app.js';
export { createEdgeServer } from './server.js';
export { JSON_LIMIT } from './body.js';
export type { AppDeps } from './deps.js';
export { createAuthenticator, DEV_TOKEN_TTL_SECONDS, type Authenticator } from './auth.js';
export { USER_ROLES, type Principal, type UserRole } from './context.js';
export * from './errors.js';
export { buildOpenApi, openApiPath } from './openapi.js';
export { PROBLEM_CONTENT_TYPE, problemType, type Problem } from './problem.js';
export { edgeMetrics, type EdgeMetrics } from './metrics.js';
export type * from './ports.js';
