--[[
  Stores the order states of one committed batch in a single command (runs inside the engine's
  MULTI, sent as EVAL so a Redis restart cannot turn it into a NOSCRIPT hole in the commit).

  The states travel as one argument joined by "\n" (JSON text never holds a raw newline), which
  costs the engine far less to encode and keep than one argument per order.

  KEYS[i]   the order state key of the i-th changed order
  ARGV[1]   TTL in seconds for finished orders
  ARGV[2]   one character per order: "1" when the i-th order is finished (FILLED, CANCELLED,
            REJECTED), else "0"
  ARGV[3]   the states (compact JSON), in the order of KEYS, joined by "\n"

  Returns the number of orders stored.
]]
local ttl = ARGV[1]
local finished = ARGV[2]
local s = ARGV[3]
local pos = 1
for i = 1, #KEYS do
  local nl = string.find(s, '\n', pos, true) or (#s + 1)
  local state = string.sub(s, pos, nl - 1)
  if string.byte(finished, i) == 49 then
    redis.call('SET', KEYS[i], state, 'EX', ttl)
  else
    redis.call('SET', KEYS[i], state)
  end
  pos = nl + 1
end
return #KEYS
