-- The outbox relay of one batch in one call, on a single Redis node (no cluster: the destination
-- mailboxes live in other hash slots, which one script may touch only when every key is declared
-- and they all sit on one node). Each item is appended to its destination in outbox order, and
-- only while its entry is still in the outbox: the append and the delete of an entry are one
-- atomic step, so an entry is relayed exactly once, whoever relays it (an owner that paused
-- holding a batch and wakes up after the next owner relayed it appends nothing). A destination
-- whose append fails gets none of its later items in this call (they stay in the outbox, in
-- order, for the next relay); the other destinations go on, and the call then answers the first
-- error.
-- KEYS: 1 outbox, 2.. the destinations of this batch (each once).
-- ARGV: 1 reply-stream cap, 2 item count, then per item: destination index (into KEYS; negative
-- for an edge's reply stream, which is capped), outbox entry id, json.
-- Returns the number of items appended (items gone from the outbox are skipped), or the first
-- append's error.
local cap = ARGV[1]
local done = {}
local failed = {}
local firstErr = nil
local i = 3
for _ = 1, tonumber(ARGV[2]) do
  local k, id = tonumber(ARGV[i]), ARGV[i + 1]
  -- Checked before the append, deleted after it: an append that fails must leave its entry.
  if not failed[k] and #redis.call('XRANGE', KEYS[1], id, id) > 0 then
    local r
    if k < 0 then
      r = redis.pcall('XADD', KEYS[-k], 'MAXLEN', '~', cap, '*', 'm', ARGV[i + 2])
    else
      r = redis.pcall('XADD', KEYS[k], '*', 'm', ARGV[i + 2])
    end
    if type(r) == 'table' and r.err then
      failed[k] = true
      firstErr = firstErr or r.err
    else
      done[#done + 1] = id
    end
  end
  i = i + 3
end
for from = 1, #done, 1000 do
  redis.call('XDEL', KEYS[1], unpack(done, from, math.min(from + 999, #done)))
end
if firstErr then
  return redis.error_reply(firstErr)
end
return #done
