--[[
  Gives an order its integer order number, once: an order that has one keeps it (the reserved
  number is then left unused), otherwise the reserved number is stored for the order and the
  number -> order id record is written, both or neither.

  KEYS[1] the order's state
  KEYS[2] the order's number record (keyspace orderNumber)
  KEYS[3] the number -> order id record of the reserved number

  ARGV[1] the reserved number
  ARGV[2] the order id
  ARGV[3] TTL of both number records in seconds

  Returns the order's number, or false when the order does not exist.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local have = redis.call('GET', KEYS[2])
if have then
  return tonumber(have)
end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[3])
redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3])
return tonumber(ARGV[1])
