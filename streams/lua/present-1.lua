-- Which of these outbox entries are still in the outbox (the cross-slot relay on Redis Cluster
-- skips the others: someone relayed them already, e.g. the shard's next owner while this one was
-- paused holding them).
-- KEYS: 1 outbox. ARGV: entry ids. Returns one 1 (present) or 0 per id, in order.
local r = {}
for a = 1, #ARGV do
  r[a] = #redis.call('XRANGE', KEYS[1], ARGV[a], ARGV[a]) > 0 and 1 or 0
end
return r
