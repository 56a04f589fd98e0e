--[[
  Stores the order states of one committed batch in a single command (runs inside the engine's
  MULTI, sent as EVAL so a Redis restart cannot turn it into a NOSCRIPT hole in the commit).

  KEYS[i]      the order state key of the i-th changed order
  ARGV[1]      TTL in seconds for finished orders
  ARGV[2i]     "1" when the i-th order is finished (FILLED, CANCELLED, REJECTED), else "0"
  ARGV[2i+1]   the i-th OrderView JSON

  Returns the number of orders stored.
]]
local ttl = ARGV[1]
for i = 1, #KEYS do
  if ARGV[2 * i] == '1' then
    redis.call('SET', KEYS[i], ARGV[2 * i + 1], 'EX', ttl)
  else
    redis.call('SET', KEYS[i], ARGV[2 * i + 1])
  end
end
return #KEYS
