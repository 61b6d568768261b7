-- A fenced read of new entries: only the shard's current owner may take them. A zombie that lost
-- its lease could otherwise pull a key's next entry into the pending list after the new owner
-- finished recovering, and the new owner would handle that key's later entries first.
-- KEYS: 1 stream, 2 epoch. ARGV: 1 group, 2 consumer, 3 epoch, 4 count, then (optional) the
-- message types this group ignores: entries of those types are acknowledged here, never sent to
-- the worker (a subscriber that acts on few event types need not decode, handle and ack the rest).
-- An entry with a field `g` (a subscriber's dead letter replayed into the event partition,
-- streams/lua/replay-2.lua) is for that group only: every other group acknowledges it here, unread.
-- Returns 'FENCED'; or the entries to handle flat as {id, payload, id, payload, ...} (the 'm'
-- field; false when absent), followed by the id of the last entry read when that one was ignored
-- (an odd length: the worker waits after it, not after the last entry it got); or, when there is
-- nothing to handle, the id to wait after: the last entry read, or the stream's newest entry.
-- Flat: two array headers and a field name less per entry for the worker to decode than
-- XREADGROUP's nested reply.
if redis.call('GET', KEYS[2]) ~= ARGV[3] then
  return 'FENCED'
end
-- pcall: an error (NOGROUP, after Redis lost its data) is this call's reply, and in the `many` form
-- (streams/scripts.ts) only its own section's, so the other shards of the round still get theirs.
local r = redis.pcall('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[4], 'STREAMS', KEYS[1], '>')
if type(r) == 'table' and r.err then
  return r
end
if r then
  local ignored = nil
  if #ARGV > 4 then
    ignored = {}
    for a = 5, #ARGV do ignored[ARGV[a]] = true end
  end
  local flat, skipped, last = {}, {}, nil
  for _, e in ipairs(r[1][2]) do
    local payload, only = false, nil
    local fields = e[2]
    for f = 1, #fields, 2 do
      if fields[f] == 'm' then
        payload = fields[f + 1]
      elseif fields[f] == 'g' then
        only = fields[f + 1]
      end
    end
    last = e[1]
    -- The type without decoding the JSON: streams/codec.ts writes the id (base64url) and then the
    -- type first. Whatever does not match this shape is handed to the worker, which decodes it
    -- (and dead-letters what does not parse).
    local t = ignored and payload and string.match(payload, '^{"i":"[^"]*","t":"([^"]*)"')
    if (t and ignored[t]) or (only and only ~= ARGV[1]) then
      skipped[#skipped + 1] = last
    else
      flat[#flat + 1] = last
      flat[#flat + 1] = payload
    end
  end
  if #skipped == 0 then
    return flat
  end
  for from = 1, #skipped, 1000 do -- in chunks: unpack has a stack limit
    redis.call('XACK', KEYS[1], ARGV[1], unpack(skipped, from, math.min(from + 999, #skipped)))
  end
  if #flat == 0 then
    return last
  end
  if skipped[#skipped] == last then
    flat[#flat + 1] = last
  end
  return flat
end
-- Nothing new: every entry was delivered, so the newest one still in the stream (handled entries
-- are deleted) is where the wait starts; an empty stream waits from 0-0, i.e. for any entry.
-- (XINFO STREAM, used before, builds a whole report with first and last entries to get this.)
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] then
  return last[1][1]
end
return '0-0'
