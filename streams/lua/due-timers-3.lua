-- Move due timers into the outbox (the relay forwards them), fenced by the shard's epoch.
-- KEYS: 1 timers, 2 outbox, 3 epoch. ARGV: 1 epoch, 2 now ms, 3 limit.
-- A timer member is "<destination stream>\n<envelope json>". Returns 'FENCED', or {next, id, dest,
-- json, …}: `next` the due time (ms) of the earliest timer left, false when none is left, so the
-- owner calls again only then.
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return 'FENCED'
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, member in ipairs(due) do
  local p = string.find(member, '\n', 1, true)
  local dest, json = string.sub(member, 1, p - 1), string.sub(member, p + 1)
  out[#out + 1] = redis.call('XADD', KEYS[2], '*', 'd', dest, 'm', json)
  out[#out + 1] = dest
  out[#out + 1] = json
  redis.call('ZREM', KEYS[1], member)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
table.insert(out, 1, first[2] or false)
return out
