/**
 * Fixed-window counter, one key (so it works on Redis Cluster). KEYS[1] the window's counter,
 * ARGV[1] the window length in ms. Returns { count, ms left in the window }. Atomic, so replicas
 * of the edge share one count per caller.
 */
export const RATE_LIMIT_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { n, ttl }
`;
