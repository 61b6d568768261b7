-- Atomic commit of a batch of handled mailbox entries on one shard (all keys share a hash tag).
-- KEYS: 1 mailbox, 2 states, 3 outbox, 4 seen, 5 epoch, 6 dead letters, 7 timers, and in direct
--   mode 8.. the destinations of this batch (each once).
-- ARGV: 1 group, 2 epoch (fencing token), 3 now ms, 4 seen cut-off ms, 5 op count,
--   6 mode: 'outbox' (outgoing messages go to the outbox, relayed after the commit) or 'direct'
--   (appended to their destinations here: one node holds them all, see streams/relay.ts),
--   7 reply-stream cap, then the ops:
--   'C' entryId msgId stateField stateValue nOut {dest json}*nOut nTimers {dueMs member}*nTimers
--     (dest: the stream's name in outbox mode; in direct mode its KEYS index, negative for an
--     edge's reply stream, which is capped)
--   'D' entryId msgId reason payload
-- Returns {'FENCED'} when another owner took the shard, else {'OK', statuses, outboxIds} (no ids in
-- direct mode). Statuses: 'C' committed, 'D' dead-lettered, 'DUP' done before (a message id
-- already in seen, for either kind of op, or a dead letter whose entry was already acked):
-- nothing written again. A dead-lettered message is never marked in seen.
if redis.call('GET', KEYS[5]) ~= ARGV[2] then
  return {'FENCED'}
end
local direct = ARGV[6] == 'direct'
local cap = ARGV[7]
local count = tonumber(ARGV[5])
local statuses = {}
local outIds = {}
local entries = {}
-- Which message ids were committed before: one ZMSCORE for the batch, not a ZSCORE per message.
-- The state writes and the seen marks are likewise gathered into one HSET and one ZADD (several
-- calls per message cost most of this script's time); a field set twice keeps the later value.
local starts = {}
local msgIds = {}
local i = 8
for m = 1, count do
  starts[m] = i
  if ARGV[i] == 'C' or ARGV[i + 2] ~= '' then msgIds[#msgIds + 1] = ARGV[i + 2] end
  if ARGV[i] == 'C' then
    local nOut = tonumber(ARGV[i + 5])
    local t = i + 6 + 2 * nOut
    i = t + 1 + 2 * tonumber(ARGV[t])
  else
    i = i + 5
  end
end
local before = {}
for from = 1, #msgIds, 1000 do
  local to = math.min(from + 999, #msgIds)
  local scores = redis.call('ZMSCORE', KEYS[4], unpack(msgIds, from, to))
  for j = from, to do
    if scores[j - from + 1] then before[msgIds[j]] = true end
  end
end
local states, seen, timers = {}, {}, {}
for m = 1, count do
  i = starts[m]
  local kind, entry, msgId = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  if kind == 'C' then
    if before[msgId] then
      -- Already committed (a resent outbox entry, or twice in this batch): drop it, effects and all.
      statuses[m] = 'DUP'
    else
      before[msgId] = true
      local field, value, nOut = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
      i = i + 3
      if value ~= '' then
        states[#states + 1] = field
        states[#states + 1] = value
      end
      for _ = 1, nOut do
        if not direct then
          outIds[#outIds + 1] = redis.call('XADD', KEYS[3], '*', 'd', ARGV[i], 'm', ARGV[i + 1])
        else
          local k = tonumber(ARGV[i])
          if k < 0 then
            redis.call('XADD', KEYS[-k], 'MAXLEN', '~', cap, '*', 'm', ARGV[i + 1])
          else
            redis.call('XADD', KEYS[k], '*', 'm', ARGV[i + 1])
          end
        end
        i = i + 2
      end
      local nT = tonumber(ARGV[i])
      i = i + 1
      for _ = 1, nT do
        timers[#timers + 1] = ARGV[i]
        timers[#timers + 1] = ARGV[i + 1]
        i = i + 2
      end
      seen[#seen + 1] = ARGV[3]
      seen[#seen + 1] = msgId
      statuses[m] = 'C'
    end
  else
    -- A message committed before (a replayed dead letter, or a relay duplicate that failed because
    -- the state had moved on) is a duplicate: no dead letter (it is acked and deleted below).
    -- Dead-lettered once: the entry is acked here, so this commit re-sent after a lost reply (by
    -- ioredis, once Redis is back) finds it acked and adds no second dead letter (found by chaos).
    if msgId ~= '' and before[msgId] then
      statuses[m] = 'DUP'
    elseif redis.call('XACK', KEYS[1], ARGV[1], entry) == 1 then
      redis.call('XADD', KEYS[6], '*', 'entry', entry, 'error', ARGV[i], 'm', ARGV[i + 1], 'at', ARGV[3])
      statuses[m] = 'D'
    else
      statuses[m] = 'DUP'
    end
  end
  entries[m] = entry
end
-- `cmd key` over the pairs of `list`, in chunks of 1000 arguments (unpack has a stack limit; an
-- even chunk keeps every pair whole).
local function pairsInChunks(cmd, key, list)
  for from = 1, #list, 1000 do
    redis.call(cmd, key, unpack(list, from, math.min(from + 999, #list)))
  end
end
pairsInChunks('HSET', KEYS[2], states)
pairsInChunks('ZADD', KEYS[7], timers)
pairsInChunks('ZADD', KEYS[4], seen)
-- One XACK and one XDEL for the batch (two calls per message before); acked mailbox entries are
-- deleted at once: the mailbox holds only unfinished work.
for from = 1, #entries, 1000 do
  local to = math.min(from + 999, #entries)
  redis.call('XACK', KEYS[1], ARGV[1], unpack(entries, from, to))
  redis.call('XDEL', KEYS[1], unpack(entries, from, to))
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[4])
return {'OK', statuses, outIds}
