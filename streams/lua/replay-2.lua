-- Put a dead letter back into the stream it came from, atomically: the dead letter is deleted and
-- its message appended in one step, so two replays of one dead letter (two admins, or a client
-- retrying after a timeout) put the message back once. The message keeps its id: a dead letter is
-- never marked in `seen`, so it is let in, unless a copy of it was committed meanwhile (then the
-- commit drops it as a duplicate).
-- KEYS: 1 dead letters, 2 the stream (mailbox or event partition; same hash tag).
-- ARGV: 1 dead-letter entry id, 2 group: for an event partition the subscriber group the message
-- is for (stamped as field `g`: streams/lua/read-2.lua acknowledges it unread for every other
-- group), '' for a mailbox.
-- Returns 1 when this call removed the dead letter (and appended its message, if it had one),
-- 0 when there was no such dead letter.
local rows = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #rows == 0 then
  return 0
end
local payload = nil
local fields = rows[1][2]
for f = 1, #fields, 2 do
  if fields[f] == 'm' then payload = fields[f + 1] end
end
if redis.call('XDEL', KEYS[1], ARGV[1]) ~= 1 then
  return 0
end
if payload and payload ~= '' then
  if ARGV[2] ~= '' then
    redis.call('XADD', KEYS[2], '*', 'm', payload, 'g', ARGV[2])
  else
    redis.call('XADD', KEYS[2], '*', 'm', payload)
  end
end
return 1
