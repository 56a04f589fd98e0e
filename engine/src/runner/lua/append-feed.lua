--[[
  Appends a batch's realtime messages to the symbol's feed stream in one command (inside the
  engine's MULTI, sent as EVAL). Each message becomes its own entry with field "m", exactly as
  one XADD per message would, so feed readers see no difference.

  KEYS[1]   the feed stream
  ARGV[1]   approximate cap of the stream (MAXLEN ~)
  ARGV[2..] one MarketMessage JSON each, in order

  Returns the number of entries appended.
]]
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'm', ARGV[i])
end
return #ARGV - 1
