--[[
  Accepts one order atomically, for the ledger shard that locked its funds: the command is
  appended to the symbol's stream, the order's ACCEPTED state is stored, and (with a
  client_order_id) the id's record is written for lookups, or nothing at all happens. Idempotent
  by the order key: an order already stored is not appended again (a shard forwards an order once
  more when it died before recording the forward). The shard decides client_order_id retries and
  conflicts; here the record is only written.

  KEYS[1] the symbol's command stream
  KEYS[2] the order's state
  KEYS[3] the account's client_order_id key (ignored when ARGV[4] is "")
  KEYS[4] the account's open-orders set on this symbol
  KEYS[5] the account's recent-orders zset on this symbol

  ARGV[1] the command stream's field name (keyspace FIELDS.command)
  ARGV[2] the PlaceCommand JSON
  ARGV[3] the ACCEPTED StoredOrderState JSON, stored as protocol encodeStoredOrder lays it out:
          "<created_at>,<updated_at>,<state>", both times the command's stream time
  ARGV[4] the request fingerprint ("" when there is no client_order_id)
  ARGV[5] the answer JSON (the record's value after the fingerprint)
  ARGV[6] TTL of the client_order_id record in seconds
  ARGV[7] the order id (member of the account's sets)
  ARGV[8] how many recent orders the account's zset keeps

  Returns
    {"exists", ""}               the order is stored already: nothing appended
    {"new", <stream id>}         appended
]]
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {'exists', ''}
end
local fingerprint = ARGV[4]
local id = redis.call('XADD', KEYS[1], '*', ARGV[1], ARGV[2])
local ms = string.sub(id, 1, string.find(id, '-', 1, true) - 1)
redis.call('SET', KEYS[2], ms .. ',' .. ms .. ',' .. ARGV[3])
if fingerprint ~= '' then
  redis.call('SET', KEYS[3], fingerprint .. '\n' .. ARGV[5], 'EX', ARGV[6])
end
redis.call('SADD', KEYS[4], ARGV[7])
redis.call('ZADD', KEYS[5], ms, ARGV[7])
redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(tonumber(ARGV[8]) + 1))
return {'new', id}
