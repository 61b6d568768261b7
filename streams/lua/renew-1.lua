-- Compare-and-expire: extend the lease only if this owner still holds it.
-- KEYS: 1 lease. ARGV: 1 owner id, 2 ttl ms. Returns 1 if renewed, 0 if lost.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
