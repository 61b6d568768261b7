-- The simulator's charge, in one step: the first call with an idempotency key books the charge,
-- a repeat answers what the first call answered (outbound/payment/redis-ledger.ts).
-- KEYS[1] the charge by idempotency key (hash: chargeId status amount currency token requests)
-- KEYS[2] the charge by id (hash: status amount refunded), written only for a new charge
-- ARGV[1] the new charge id, [2] amount, [3] currency, [4] token, [5] status, [6] retention ms
-- Replies {'ok', chargeId, status} or {'idempotency-key-reused'}.
local seen = redis.call('HMGET', KEYS[1], 'chargeId', 'status', 'amount', 'currency', 'token')
if seen[1] then
  if tonumber(seen[3]) ~= tonumber(ARGV[2]) or seen[4] ~= ARGV[3] or seen[5] ~= ARGV[4] then
    return { 'idempotency-key-reused' }
  end
  redis.call('HINCRBY', KEYS[1], 'requests', 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return { 'ok', seen[1], seen[2] }
end
redis.call('HSET', KEYS[1], 'chargeId', ARGV[1], 'status', ARGV[5], 'amount', ARGV[2],
  'currency', ARGV[3], 'token', ARGV[4], 'requests', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('HSET', KEYS[2], 'status', ARGV[5], 'amount', ARGV[2], 'refunded', 0)
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return { 'ok', ARGV[1], ARGV[5] }
