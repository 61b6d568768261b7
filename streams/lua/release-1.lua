-- Compare-and-delete: release the lease only if this owner still holds it.
-- KEYS: 1 lease. ARGV: 1 owner id.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
