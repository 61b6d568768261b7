import { waitFor } from './processes.js';

/** The product's rate limit counts in fixed windows aligned to the epoch minute (http/rate-limit.ts). */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * Wait until at least `needMs` of the current rate-limit window are left, so a budget counted from
 * now cannot reset mid-test (a call past the boundary would be served again instead of 429). Call it
 * right before the counted calls; it waits at most `needMs`.
 */
export async function freshRateLimitWindow(needMs = 25_000): Promise<void> {
  await waitFor(() => Date.now() % RATE_LIMIT_WINDOW_MS < RATE_LIMIT_WINDOW_MS - needMs, {
    timeoutMs: needMs + 5_000,
    intervalMs: 250,
    what: `a rate-limit window with ${needMs} ms left`,
  });
}
