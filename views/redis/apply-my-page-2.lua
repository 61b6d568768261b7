-- Applies one event's change to a my-page document, idempotent and versioned per source actor.
-- KEYS[1] the document (hash), KEYS[2] the customer's index (zset: createdAt -> orderId)
-- ARGV[1] source (order|payment|delivery), ARGV[2] version, ARGV[3] at (ms), ARGV[4] orderId,
-- ARGV[5] customerId, ARGV[6] history label ('' for none), ARGV[7] '1' when the event carries
-- the order line, ARGV[8..12] productId, quantity, amount, currency, createdAt (ms),
-- ARGV[13..] field/value pairs to set (orderStatus, paymentStatus, deliveryStatus).
-- Returns 1 when applied, 2 when only the missing order line was filled in, 0 when ignored.
local doc = KEYS[1]
local vfield = 'v:' .. ARGV[1]
local version = tonumber(ARGV[2])
local at = tonumber(ARGV[3])
local current = tonumber(redis.call('HGET', doc, vfield))
local fresh = current == nil or version > current

-- The order line is a fact: a stale event may still fill it into a partial document.
local filled = false
if ARGV[7] == '1' and (fresh or redis.call('HEXISTS', doc, 'createdAt') == 0) then
  redis.call('HSET', doc, 'productId', ARGV[8], 'quantity', ARGV[9], 'amount', ARGV[10],
    'currency', ARGV[11], 'createdAt', ARGV[12])
  redis.call('ZADD', KEYS[2], ARGV[12], ARGV[4])
  filled = true
end

if not fresh then
  if filled then return 2 end
  return 0
end

redis.call('HSET', doc, vfield, ARGV[2], 'orderId', ARGV[4], 'customerId', ARGV[5])
for i = 13, #ARGV, 2 do
  redis.call('HSET', doc, ARGV[i], ARGV[i + 1])
end
if ARGV[6] ~= '' then
  local hfield = 'h:' .. ARGV[6]
  local seen = tonumber(redis.call('HGET', doc, hfield))
  if seen == nil or at < seen then redis.call('HSET', doc, hfield, ARGV[3]) end
end
local updated = tonumber(redis.call('HGET', doc, 'updatedAt'))
if updated == nil or at > updated then redis.call('HSET', doc, 'updatedAt', ARGV[3]) end
return 1
