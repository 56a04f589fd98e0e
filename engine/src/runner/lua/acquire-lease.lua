--[[
  Takes a symbol's engine lease if nobody holds it (or re-takes our own after a reconnect).

  KEYS[1] lease key      value "<fence>:<engine id>", with a TTL
  KEYS[2] fence counter  bumped on every new acquisition

  ARGV[1] engine id
  ARGV[2] lease TTL in ms
  ARGV[3] the token this engine held before ("" if none): kept if the lease still carries it

  Returns the token now held, or false when another engine holds the lease.
]]
local current = redis.call('GET', KEYS[1])
if current then
  if ARGV[3] ~= '' and current == ARGV[3] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return current
  end
  return false
end
local fence = redis.call('INCR', KEYS[2])
local token = fence .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token
