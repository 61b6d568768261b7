-- The simulator's refund, in one step, with PaymentLedger's rules (outbound/payment/ledger.ts):
-- a repeated key answers the first refund; the charge must exist, be approved, and its refunds
-- must not exceed its amount (outbound/payment/redis-ledger.ts).
-- KEYS[1] the refund by idempotency key (hash: refundId chargeId amount requests)
-- KEYS[2] the charge by id (hash: status amount refunded)
-- ARGV[1] the new refund id, [2] charge id, [3] amount, [4] retention ms
-- Replies {'ok', refundId} or {refusal code, charge amount}.
local seen = redis.call('HMGET', KEYS[1], 'refundId', 'chargeId', 'amount')
if seen[1] then
  if seen[2] ~= ARGV[2] or tonumber(seen[3]) ~= tonumber(ARGV[3]) then
    return { 'idempotency-key-reused' }
  end
  redis.call('HINCRBY', KEYS[1], 'requests', 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return { 'ok', seen[1] }
end
local charge = redis.call('HMGET', KEYS[2], 'status', 'amount', 'refunded')
if not charge[1] then return { 'unknown-charge' } end
if charge[1] ~= 'approved' then return { 'charge-not-approved' } end
if tonumber(charge[3]) + tonumber(ARGV[3]) > tonumber(charge[2]) then
  return { 'amount-exceeds-charge', charge[2] }
end
redis.call('HSET', KEYS[1], 'refundId', ARGV[1], 'chargeId', ARGV[2], 'amount', ARGV[3], 'requests', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('HINCRBYFLOAT', KEYS[2], 'refunded', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return { 'ok', ARGV[1] }
