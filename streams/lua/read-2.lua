-- A fenced read of new entries: only the shard's current owner may take them. A zombie that lost
-- its lease could otherwise pull a key's next entry into the pending list after the new owner
-- finished recovering, and the new owner would handle that key's later entries first.
-- KEYS: 1 stream, 2 epoch. ARGV: 1 group, 2 consumer, 3 epoch, 4 count.
-- Returns 'FENCED', the new entries flat as {id, payload, id, payload, ...} (the 'm' field; false
-- when absent), or (none new) the stream's last id to wait after. Flat: two array headers and a
-- field name less per entry for the worker to decode than XREADGROUP's nested reply.
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
  local flat = {}
  for n, e in ipairs(r[1][2]) do
    local payload = false
    local fields = e[2]
    for f = 1, #fields, 2 do
      if fields[f] == 'm' then payload = fields[f + 1] end
    end
    flat[2 * n - 1] = e[1]
    flat[2 * n] = payload
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
