-- Stores a customer message once: a repeated messageId changes nothing.
-- KEYS[1] the message (string, JSON), KEYS[2] the customer's index (zset: createdAt -> messageId)
-- ARGV[1] the message JSON, ARGV[2] createdAt (ms), ARGV[3] messageId
-- Returns 1 when stored, 0 when it was already there.
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
