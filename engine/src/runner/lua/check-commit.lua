--[[
  The fence of a commit, sent between WATCH and MULTI so that the whole commit leaves in one go
  (no round trip to check the lease before the EXEC):

    WATCH lease guard;  check-lease.lua;  MULTI ... EXEC

  When the lease no longer carries our token, the script writes the watched guard key, which
  makes the EXEC abort (nil): nothing of the batch is written. When it does, any later change of
  the lease aborts the EXEC the same way (WATCH).

  KEYS[1] lease key
  KEYS[2] guard key (watched; written only to abort a stale holder's EXEC, expires by itself)

  ARGV[1] our token

  Returns "" when the lease is ours, else what it holds now ("-" when it is free).
]]
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return ''
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', 60000)
return holder or '-'
