-- Take a shard lease and give it a new fencing epoch in one step.
-- KEYS: 1 lease, 2 epoch. ARGV: 1 owner id, 2 ttl ms. Returns the new epoch, or 0 if another
-- owner holds the lease.
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  -- Held by the caller itself: its earlier call's reply was lost and ioredis re-sent the call (the
  -- caller never runs a shard it is still acquiring). Take it again, with a new epoch as always:
  -- anything holding an older one is fenced.
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return 0
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
-- The epoch only grows, even across a Redis that lost its data (no AOF): it is at least the
-- server's clock in microseconds, so an owner from before the loss (an epoch at most its own
-- acquire time, and a restart takes far longer than a microsecond) can never match a new one.
-- INCR keeps it unique when two takeovers share a microsecond. (≈ 1.8e15: exact in a double.)
local epoch = redis.call('INCR', KEYS[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if epoch < now then
  epoch = now
  redis.call('SET', KEYS[2], string.format('%d', now))
end
return epoch
