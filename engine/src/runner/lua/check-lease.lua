--[[
  The fence of a commit that has no position to compare (a ledger shard's), sent between WATCH
  and MULTI so that the whole commit leaves in one go (no round trip to check before the EXEC):

    WATCH lease guard;  check-lease.lua;  MULTI ... EXEC

  When the lease no longer carries our token, the script writes the watched guard key, which
  makes the EXEC abort (nil): nothing of the commit is written. When it does, any later change
  of the lease aborts the EXEC the same way (WATCH).

  KEYS[1] lease key
  KEYS[2] guard key (watched; written only to abort an EXEC, expires by itself)

  ARGV[1] our token

  Returns "" when the commit may go ahead; else "lease:<what the lease holds, - when free>".
]]
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return ''
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', 60000)
return 'lease:' .. (holder or '-')
