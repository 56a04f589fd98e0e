--[[
  Stores the order states of one committed batch in a single command (runs inside the engine's
  MULTI): each order's key is set to its stored text, as the api's place-order script writes an
  ACCEPTED order's (protocol encodeStoredOrder), with the TTL once the order is finished; the
  order's new fills are appended to its fill list, which keeps only the most recent ones and
  expires with the state.

  The texts travel as one argument joined by "\n" (JSON text never holds a raw newline), which
  costs the engine far less to encode and keep than one argument per order.

  KEYS[2i-1] the state key of the i-th changed order
  KEYS[2i]   its fill list (keyspace orderFills)
  ARGV[1]    TTL in seconds for finished orders
  ARGV[2]    one character per order: "0" when the i-th order is open, "1" when it is finished
             (FILLED, CANCELLED, REJECTED) and has no fill list, "2" when finished with one
  ARGV[3]    the stored texts, in order, joined by "\n"
  ARGV[4]    how many new fills each order has, in order, joined by ","
  ARGV[5]    the new fills (StoredFill JSON), order by order and oldest first, joined by "\n"
  ARGV[6]    how many fills a list keeps (no order brings more new ones than this)
  ARGV[7]    one character per order: "1" when its list may now hold more than ARGV[6] (its
             fills in all exceed it), else "0": only those are trimmed

  Returns the number of orders stored.
]]
local ttl = ARGV[1]
local finished = ARGV[2]
local s = ARGV[3]
local counts = ARGV[4]
local f = ARGV[5]
local keep = tonumber(ARGV[6])
local trim = ARGV[7]
local pos, cpos, fpos = 1, 1, 1
local n = #KEYS / 2
for i = 1, n do
  local state, fills = KEYS[2 * i - 1], KEYS[2 * i]
  local state_of = string.byte(finished, i)
  local done = state_of ~= 48
  local nl = string.find(s, '\n', pos, true) or (#s + 1)
  if done then
    redis.call('SET', state, string.sub(s, pos, nl - 1), 'EX', ttl)
  else
    redis.call('SET', state, string.sub(s, pos, nl - 1))
  end
  pos = nl + 1
  local comma = string.find(counts, ',', cpos, true) or (#counts + 1)
  local count = tonumber(string.sub(counts, cpos, comma - 1))
  cpos = comma + 1
  if count > 0 then
    local rows = {}
    for j = 1, count do
      local fnl = string.find(f, '\n', fpos, true) or (#f + 1)
      rows[j] = string.sub(f, fpos, fnl - 1)
      fpos = fnl + 1
    end
    redis.call('RPUSH', fills, unpack(rows))
    if string.byte(trim, i) == 49 then
      redis.call('LTRIM', fills, -keep, -1)
    end
  end
  if state_of == 50 then
    redis.call('EXPIRE', fills, ttl)
  end
end
return n
