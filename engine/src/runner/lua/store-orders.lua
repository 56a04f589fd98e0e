--[[
  Stores the order states of one committed batch in a single command (runs inside the engine's
  MULTI): each order's hash gets its state and times, as the api's place-order script writes
  an ACCEPTED order's.

  The states travel as one argument joined by "\n" (JSON text never holds a raw newline), which
  costs the engine far less to encode and keep than one argument per order.

  KEYS[i]    the state hash of the i-th changed order
  ARGV[1]    TTL in seconds for finished orders
  ARGV[2]    one character per order: "1" when the i-th order is finished (FILLED, CANCELLED,
             REJECTED), else "0"
  ARGV[3..5] the hash's field names (keyspace ORDER_FIELDS: state, created, updated)
  ARGV[6]    the states (StoredOrderState JSON), in the order of KEYS, joined by "\n"
  ARGV[7]    the times, "<created>,<updated>" per order in the order of KEYS, joined by ","

  Returns the number of orders stored.
]]
local ttl = ARGV[1]
local finished = ARGV[2]
local fState, fCreated, fUpdated = ARGV[3], ARGV[4], ARGV[5]
local s = ARGV[6]
local times = ARGV[7]
local pos, tpos = 1, 1
for i = 1, #KEYS do
  local nl = string.find(s, '\n', pos, true) or (#s + 1)
  local c1 = string.find(times, ',', tpos, true)
  local c2 = string.find(times, ',', c1 + 1, true) or (#times + 1)
  redis.call('HSET', KEYS[i], fState, string.sub(s, pos, nl - 1), fCreated, string.sub(times, tpos, c1 - 1), fUpdated, string.sub(times, c1 + 1, c2 - 1))
  if string.byte(finished, i) == 49 then
    redis.call('EXPIRE', KEYS[i], ttl)
  end
  pos = nl + 1
  tpos = c2 + 1
end
return #KEYS
