-- Applies one store event to the store board, idempotent and versioned (the store actor is the
-- board's only source).
-- KEYS[1] the item (hash), KEYS[2] the index of all items (zset: receivedAt -> orderId),
-- KEYS[3..6] the per-status indexes, named by ARGV[8..11] in the same order.
-- ARGV[1] version, ARGV[2] orderId, ARGV[3] new status, ARGV[4] '1' when the event carries the
-- facts, ARGV[5..7] productId, quantity, address, ARGV[12] receivedAt (ms).
-- Returns 1 when applied, 2 when only the missing facts were filled in, 0 when ignored.
local item = KEYS[1]
local version = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', item, 'v'))
local fresh = current == nil or version > current

local filled = false
if ARGV[4] == '1' and (fresh or redis.call('HEXISTS', item, 'receivedAt') == 0) then
  redis.call('HSET', item, 'productId', ARGV[5], 'quantity', ARGV[6], 'address', ARGV[7],
    'receivedAt', ARGV[12])
  filled = true
end
if not fresh and not filled then return 0 end
if fresh then redis.call('HSET', item, 'v', ARGV[1], 'orderId', ARGV[2], 'status', ARGV[3]) end

-- Listed only once received (a partial item has no sort key yet), under its current status.
local received = redis.call('HGET', item, 'receivedAt')
if received then
  local status = redis.call('HGET', item, 'status')
  redis.call('ZADD', KEYS[2], received, ARGV[2])
  for i = 3, 6 do
    if ARGV[i + 5] == status then
      redis.call('ZADD', KEYS[i], received, ARGV[2])
    else
      redis.call('ZREM', KEYS[i], ARGV[2])
    end
  end
end
if fresh then return 1 end
return 2
