--[[
  Extends the lease if it still carries our token, and refreshes the engine heartbeat.

  KEYS[1] lease key
  KEYS[2] heartbeat key

  ARGV[1] our token
  ARGV[2] lease TTL in ms
  ARGV[3] heartbeat value (JSON)
  ARGV[4] heartbeat TTL in ms

  Returns 1 when renewed, 0 when the lease is lost (expired or taken by another engine).
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
return 1
