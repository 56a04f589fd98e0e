--[[
  Gives an order its integer order number, once: an order that has one keeps it (the reserved
  number is then left unused), otherwise the reserved number is stored with the order and the
  number -> order id record is written, both or neither.

  KEYS[1] the order's state hash
  KEYS[2] the number -> order id record of the reserved number

  ARGV[1] the order number field (keyspace ORDER_NUMBER_FIELD)
  ARGV[2] the reserved number
  ARGV[3] the order id
  ARGV[4] TTL of the number record in seconds

  Returns the order's number, or false when the order does not exist.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local have = redis.call('HGET', KEYS[1], ARGV[1])
if have then
  return tonumber(have)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
return tonumber(ARGV[2])
