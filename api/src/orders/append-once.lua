--[[
  Appends one command to a stream once: a second call with the same marker appends nothing (a
  ledger shard forwards an amend once more when it died before recording the forward).

  KEYS[1] the stream
  KEYS[2] the marker key, set (with a TTL) by the first append

  ARGV[1] the stream's field name (keyspace FIELDS.command)
  ARGV[2] the command JSON
  ARGV[3] TTL of the marker in seconds

  Returns the new stream id, or false (nil) when the marker was set already.
]]
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then
  return false
end
return redis.call('XADD', KEYS[1], '*', ARGV[1], ARGV[2])
