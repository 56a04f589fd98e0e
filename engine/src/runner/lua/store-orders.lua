--[[
  Stores the order states of one committed batch in a single command (runs inside the engine's
  MULTI): each order's key is set to its stored text, as the api's place-order script writes an
  ACCEPTED order's (protocol encodeStoredOrder), with the TTL once the order is finished.

  The texts travel as one argument joined by "\n" (JSON text never holds a raw newline), which
  costs the engine far less to encode and keep than one argument per order.

  KEYS[i]    the state key of the i-th changed order
  ARGV[1]    TTL in seconds for finished orders
  ARGV[2]    one character per order: "1" when the i-th order is finished (FILLED, CANCELLED,
             REJECTED), else "0"
  ARGV[3]    the stored texts, in the order of KEYS, joined by "\n"

  Returns the number of orders stored.
]]
local ttl = ARGV[1]
local finished = ARGV[2]
local s = ARGV[3]
local pos = 1
for i = 1, #KEYS do
  local nl = string.find(s, '\n', pos, true) or (#s + 1)
  if string.byte(finished, i) == 49 then
    redis.call('SET', KEYS[i], string.sub(s, pos, nl - 1), 'EX', ttl)
  else
    redis.call('SET', KEYS[i], string.sub(s, pos, nl - 1))
  end
  pos = nl + 1
end
return #KEYS
