--[[
  Gives the lease up at shutdown so a standby takes over at once instead of waiting for the TTL.

  KEYS[1] lease key
  KEYS[2] heartbeat key

  ARGV[1] our token

  Returns 1 when released, 0 when the lease was not ours any more (nothing is touched then).
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
