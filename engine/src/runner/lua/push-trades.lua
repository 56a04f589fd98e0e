--[[
  Prepends recent trades to a symbol's trade list, newest first, and trims it.
  Idempotent: a trade whose sequence is not above the list head's is skipped, so an engine that
  replays a batch it had already committed (restart from an older snapshot) adds no duplicate.

  KEYS[1] trades list (JSON Trade members, newest first)
  ARGV[1] maximum length of the list (at most 1000 trades per call: one LPUSH takes them all)
  ARGV[2] the trades' sequences, oldest first, joined by ","
  ARGV[3] the JSON trades in the same order, joined by "\n" (JSON text holds no raw newline)
  Returns the number of trades added.
]]
local head = redis.call('LINDEX', KEYS[1], 0)
local last = 0
if head then
  local ok, decoded = pcall(cjson.decode, head)
  if ok and type(decoded) == 'table' and tonumber(decoded.sequence) then last = tonumber(decoded.sequence) end
end
local seqs, trades = ARGV[2], ARGV[3]
local kept = {}
local spos, tpos = 1, 1
while tpos <= #trades do
  local comma = string.find(seqs, ',', spos, true) or (#seqs + 1)
  local nl = string.find(trades, '\n', tpos, true) or (#trades + 1)
  local seq = tonumber(string.sub(seqs, spos, comma - 1))
  if seq > last then
    kept[#kept + 1] = string.sub(trades, tpos, nl - 1)
    last = seq
  end
  spos, tpos = comma + 1, nl + 1
end
if #kept > 0 then redis.call('LPUSH', KEYS[1], unpack(kept)) end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
return #kept
