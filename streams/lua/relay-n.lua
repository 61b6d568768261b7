-- The outbox relay of one batch in one call, on a single Redis node (no cluster: the destination
-- mailboxes live in other hash slots, which one script may touch only when every key is declared
-- and they all sit on one node). Same effect as the per-command relay: each item appended to its
-- destination in outbox order, then the relayed outbox entries deleted.
-- KEYS: 1 outbox, 2.. the destinations of this batch (each once).
-- ARGV: 1 reply-stream cap, 2 item count, then per item: destination index (into KEYS; negative
-- for an edge's reply stream, which is capped), outbox entry id, json.
local cap = ARGV[1]
local ids = {}
local i = 3
for n = 1, tonumber(ARGV[2]) do
  local k = tonumber(ARGV[i])
  if k < 0 then
    redis.call('XADD', KEYS[-k], 'MAXLEN', '~', cap, '*', 'm', ARGV[i + 2])
  else
    redis.call('XADD', KEYS[k], '*', 'm', ARGV[i + 2])
  end
  ids[n] = ARGV[i + 1]
  i = i + 3
end
for from = 1, #ids, 1000 do
  redis.call('XDEL', KEYS[1], unpack(ids, from, math.min(from + 999, #ids)))
end
return #ids
