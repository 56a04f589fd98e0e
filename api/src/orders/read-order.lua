--[[
  Reads an order's stored state and its fill list together, so a reader never sees a state and
  a fill list from different commits (the engine writes both in one MULTI).

  KEYS[1] the order's state
  KEYS[2] its fill list (keyspace orderFills)

  Returns false when the order is not stored, else {state, fill, fill...}, the fills oldest first.
]]
local state = redis.call('GET', KEYS[1])
if not state then
  return false
end
local out = redis.call('LRANGE', KEYS[2], 0, -1)
table.insert(out, 1, state)
return out
