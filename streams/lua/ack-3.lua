-- Acknowledge a batch of event-stream entries for one subscriber group, fenced by its epoch.
-- KEYS: 1 event stream, 2 epoch, 3 dead letters
-- ARGV: 1 group, 2 epoch, 3 now ms, 4 op count, then ops: 'A' entryId | 'D' entryId reason payload
if redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 'FENCED'
end
local i = 5
for _ = 1, tonumber(ARGV[4]) do
  local kind, entry = ARGV[i], ARGV[i + 1]
  i = i + 2
  -- A dead letter is written only by the ack that acks its entry: a batch re-sent after a lost
  -- reply finds the entry acked already and adds no second dead letter.
  local acked = redis.call('XACK', KEYS[1], ARGV[1], entry)
  if kind == 'D' then
    if acked == 1 then
      redis.call('XADD', KEYS[3], '*', 'entry', entry, 'error', ARGV[i], 'm', ARGV[i + 1], 'at', ARGV[3])
    end
    i = i + 2
  end
end
return 'OK'
