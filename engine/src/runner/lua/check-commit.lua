--[[
  The fence of a commit, sent between WATCH and MULTI so that the whole commit leaves in one go
  (no round trip to check before the EXEC):

    WATCH lease guard;  check-commit.lua;  MULTI ... EXEC

  When the lease no longer carries our token, or the committed position is not the one the
  batch starts from (the batch, or a later one, is committed already), the script writes the
  watched guard key, which makes the EXEC abort (nil): nothing of the batch is written. When
  both hold, any later change of the lease aborts the EXEC the same way (WATCH); only the lease
  holder moves the position, and only in its commits, which run one after another.

  KEYS[1] lease key
  KEYS[2] guard key (watched; written only to abort an EXEC, expires by itself)
  KEYS[3] position key (absent: nothing committed yet, "0-0")

  ARGV[1] our token
  ARGV[2] the position the batch starts from

  Returns "" when the commit may go ahead; else "lease:<what the lease holds, - when free>" or
  "position:<the committed position>".
]]
local holder = redis.call('GET', KEYS[1])
local position = redis.call('GET', KEYS[3]) or '0-0'
if holder == ARGV[1] and position == ARGV[2] then
  return ''
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', 60000)
if holder ~= ARGV[1] then
  return 'lease:' .. (holder or '-')
end
return 'position:' .. position
