-- Take a free shard lease and bump its fencing epoch in one step.
-- KEYS: 1 lease, 2 epoch. ARGV: 1 owner id, 2 ttl ms. Returns the new epoch, or 0 if taken.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0
