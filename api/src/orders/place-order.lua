--[[
  Accepts one order atomically, for the ledger shard that locked its funds: the command is
  appended to the symbol's stream and the order's ACCEPTED state is stored, or nothing at all
  happens. Idempotent by the order key: an order already stored is not appended again (a shard
  forwards an order once more when it died before recording the forward). The shard decides
  client_order_id retries and conflicts; the id's record for lookups is written beside this
  (ledger/src/runner/client-order-records.ts).

  KEYS[1] the symbol's command stream
  KEYS[2] the order's state
  KEYS[3] the account's open-orders set on this symbol
  KEYS[4] the account's recent-orders zset on this symbol

  ARGV[1] the command stream's field name (keyspace FIELDS.command)
  ARGV[2] the PlaceCommand JSON
  ARGV[3] the ACCEPTED StoredOrderState JSON, stored as protocol encodeStoredOrder lays it out:
          "<created_at>,<updated_at>,<state>", both times the command's stream time
  ARGV[4] the order id (member of the account's sets)
  ARGV[5] how many recent orders the account's zset keeps

  Returns
    {"exists", ""}               the order is stored already: nothing appended
    {"new", <stream id>}         appended
]]
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {'exists', ''}
end
local id = redis.call('XADD', KEYS[1], '*', ARGV[1], ARGV[2])
local ms = string.sub(id, 1, string.find(id, '-', 1, true) - 1)
redis.call('SET', KEYS[2], ms .. ',' .. ms .. ',' .. ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[4], ms, ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[5]) + 1))
return {'new', id}
