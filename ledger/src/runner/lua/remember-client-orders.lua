--[[
  Writes an account's new client_order_id records and keeps them bounded by age and by count
  (runs inside a MULTI, in the slot of the account's records): each record gets the TTL and is
  listed once, oldest first; past the count the oldest are deleted. A record already kept is
  rewritten in place (its age and its place in the list stay). The list names each record's key:
  those keys carry the list's hash tag, so they are in this slot.

  At most 1,000 elements beyond the new records' count leave the list per call, so a lowered
  count or a long-idle list shrinks over the next calls instead of holding Redis at once.

  KEYS[1]   the account's list of records, oldest first, each element "<ms> <record key>"
  KEYS[2..] the records to write
  ARGV[1]   a record's TTL in seconds
  ARGV[2]   how many records the account keeps at most
  ARGV[3]   now, in ms
  ARGV[4..] the records' values, in KEYS' order

  Returns the number of records deleted for the count.
]]
local list = KEYS[1]
local ttl = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local budget = 1000 + #KEYS - 1

-- Records older than the TTL are gone already; so go their elements, from the oldest.
local cutoff = now - ttl * 1000
while budget > 0 do
  local head = redis.call('LINDEX', list, 0)
  if not head then break end
  if tonumber(string.sub(head, 1, string.find(head, ' ', 1, true) - 1)) > cutoff then break end
  redis.call('LPOP', list)
  budget = budget - 1
end

for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('SET', KEYS[i], ARGV[i + 2], 'KEEPTTL')
  else
    redis.call('SET', KEYS[i], ARGV[i + 2], 'EX', ttl)
    redis.call('RPUSH', list, now .. ' ' .. KEYS[i])
  end
end

local forgotten = 0
local over = redis.call('LLEN', list) - max
while over > 0 and budget > 0 do
  local oldest = redis.call('LPOP', list)
  redis.call('DEL', string.sub(oldest, string.find(oldest, ' ', 1, true) + 1))
  over = over - 1
  budget = budget - 1
  forgotten = forgotten + 1
end
redis.call('EXPIRE', list, ttl)
return forgotten
