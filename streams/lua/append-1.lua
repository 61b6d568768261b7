-- Append messages to one stream in order, stopping at the first failure (the cross-slot relay on
-- Redis Cluster: streams/relay.ts calls this once per destination, on the destination's node).
-- KEYS: 1 the destination stream. ARGV: 1 cap ('' for none: an edge's reply stream is capped),
-- then the messages (json), in outbox order.
-- Returns {appended, error or ''}: the first `appended` messages are in the stream, none after.
local n = 0
for a = 2, #ARGV do
  local r
  if ARGV[1] ~= '' then
    r = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'm', ARGV[a])
  else
    r = redis.pcall('XADD', KEYS[1], '*', 'm', ARGV[a])
  end
  if type(r) == 'table' and r.err then
    return {n, r.err}
  end
  n = n + 1
end
return {n, ''}
