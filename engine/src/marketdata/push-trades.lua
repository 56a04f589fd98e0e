--[[
  Prepends recent trades to a symbol's trade list, newest first, and trims it.
  Idempotent: a trade whose sequence is not above the list head's is skipped, so an engine that
  replays a batch it had already committed (restart from an older snapshot) adds no duplicate.

  KEYS[1] trades list (JSON Trade members, newest first)
  ARGV[1] maximum length of the list
  ARGV[2..] pairs: sequence, JSON trade (oldest first)
  Returns the number of trades added.
]]
local head = redis.call('LINDEX', KEYS[1], 0)
local last = 0
if head then
  local ok, decoded = pcall(cjson.decode, head)
  if ok and type(decoded) == 'table' and tonumber(decoded.sequence) then last = tonumber(decoded.sequence) end
end
local added = 0
for i = 2, #ARGV, 2 do
  local seq = tonumber(ARGV[i])
  if seq > last then
    redis.call('LPUSH', KEYS[1], ARGV[i + 1])
    last = seq
    added = added + 1
  end
end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
return added
