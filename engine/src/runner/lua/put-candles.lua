--[[
  Writes the candles of one engine batch: each replaces the member with the same open_time in its
  interval's sorted set, then each set is trimmed to its newest ARGV[1] candles.

  KEYS[1..n] candle sorted sets (score = open_time, member = JSON Candle), one per interval written
  ARGV[1]    maximum candles kept per interval
  ARGV[2..]  for each key in order: the number of candles c, then c pairs: open_time, JSON candle
  Returns the number of candles written.
]]
local max = tonumber(ARGV[1])
local i = 2
local written = 0
for k = 1, #KEYS do
  local key = KEYS[k]
  local count = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, count do
    local score = ARGV[i]
    redis.call('ZREMRANGEBYSCORE', key, score, score)
    redis.call('ZADD', key, score, ARGV[i + 1])
    i = i + 2
    written = written + 1
  end
  redis.call('ZREMRANGEBYRANK', key, 0, -(max + 1))
end
return written
