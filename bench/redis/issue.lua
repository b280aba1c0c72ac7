-- Issue (earn) a promotion into a customer's wallet, as issueBulk does for one customer.
-- KEYS[1] = wallet list; ARGV[1] = promotion, ARGV[2] = context id. Returns 0.
redis.call('RPUSH', KEYS[1], ARGV[1] .. ':' .. ARGV[2])
return 0
