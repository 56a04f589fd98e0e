--[[
  Appends a batch's realtime messages to the symbol's feed stream in one command (inside the
  engine's MULTI). Each message becomes its own entry with field ARGV[2], exactly as
  one XADD per message would, so feed readers see no difference.

  The messages travel as one argument, joined by "\n": JSON text never holds a raw newline (it is
  escaped inside strings), and one large argument costs the engine far less to encode and keep
  than one argument per message.

  KEYS[1]   the feed stream
  ARGV[1]   approximate cap of the stream (MAXLEN ~)
  ARGV[2]   the feed stream's field name (keyspace FIELDS.message)
  ARGV[3]   the MarketMessage JSON texts, in order, joined by "\n"

  Returns the number of entries appended.
]]
local s = ARGV[3]
local len = #s
local pos = 1
local n = 0
while pos <= len do
  local nl = string.find(s, '\n', pos, true) or (len + 1)
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], string.sub(s, pos, nl - 1))
  n = n + 1
  pos = nl + 1
end
return n
