-- Acknowledge a batch of event-stream entries for one subscriber group, fenced by its epoch.
-- KEYS: 1 event stream, 2 epoch, 3 dead letters
-- ARGV: 1 group, 2 epoch, 3 now ms, 4 op count, then ops: 'A' entryId | 'D' entryId reason payload
if redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 'FENCED'
end
local i = 5
local acks = {}
for _ = 1, tonumber(ARGV[4]) do
  local kind, entry = ARGV[i], ARGV[i + 1]
  i = i + 2
  if kind == 'D' then
    -- A dead letter is written only by the ack that acks its entry: a batch re-sent after a lost
    -- reply finds the entry acked already and adds no second dead letter.
    if redis.call('XACK', KEYS[1], ARGV[1], entry) == 1 then
      redis.call('XADD', KEYS[3], '*', 'entry', entry, 'error', ARGV[i], 'm', ARGV[i + 1], 'at', ARGV[3])
    end
    i = i + 2
  else
    acks[#acks + 1] = entry
  end
end
-- The plain acks in one XACK (in chunks: unpack has a stack limit).
for from = 1, #acks, 1000 do
  redis.call('XACK', KEYS[1], ARGV[1], unpack(acks, from, math.min(from + 999, #acks)))
end
return 'OK'
