-- Link a code to a customer, as codeledger's POST /promotions/code/link does: a conditional
-- owner set. KEYS[1] = code hash {left, used, owner}; ARGV[1] = customer id.
-- Returns 0 (linked, or already linked to this customer), 1001 unknown code,
-- 1004 no redemptions left, 1005 linked to another customer.
local v = redis.call('HMGET', KEYS[1], 'left', 'owner')
if not v[1] then return 1001 end
if v[2] and v[2] ~= ARGV[1] then return 1005 end
if tonumber(v[1]) <= 0 then return 1004 end
if not v[2] then redis.call('HSET', KEYS[1], 'owner', ARGV[1]) end
return 0
