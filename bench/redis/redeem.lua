-- Redeem a code, as codeledger's POST /promotions/redemptions does for one code: check and
-- decrement, idempotent per transaction. KEYS[1] = code hash {left, used, owner};
-- KEYS[2] = transaction key; ARGV[1] = customer id.
-- Returns 0 redeemed, 1001 unknown code, 1004 no redemptions left, 1005 linked to another
-- customer; a repeated transaction returns its first answer and changes nothing.
local first = redis.call('GET', KEYS[2])
if first then return tonumber(first) end
local v = redis.call('HMGET', KEYS[1], 'left', 'owner')
if not v[1] then return 1001 end
if v[2] and v[2] ~= ARGV[1] then return 1005 end
if tonumber(v[1]) <= 0 then return 1004 end
redis.call('HINCRBY', KEYS[1], 'left', -1)
redis.call('HINCRBY', KEYS[1], 'used', 1)
redis.call('SET', KEYS[2], 0)
return 0
