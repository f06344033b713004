-- wrk script for benchmarks/file_range_wrk.py: every request is a GET of the script's URL with
-- `Range: bytes=START-END` for SPAN bytes, START cycling through a SIZE-byte file in SPAN steps
-- (wrk's threads start evenly spread over the file). The sizes and wrk's -t come after `--`:
--
--   wrk -t2 -c64 -d10s -s benchmarks/peers/range.lua http://127.0.0.1:PORT/files/big.bin \
--       -- SIZE SPAN THREADS
--
-- No response() function: wrk would then copy every body into Lua; file_range_wrk.py checks the
-- answers instead (status 206 before the run, bytes read per request after it).

local threads = 0

function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end

local span, slots, next_slot

function init(args)
  local size = tonumber(args[1])
  span = tonumber(args[2])
  if not size or not span or span <= 0 or span > size then
    error("range.lua wants SIZE SPAN [THREADS] after -- (bytes, 0 < SPAN <= SIZE)")
  end
  slots = math.floor(size / span)
  -- Thread i of n starts i/n of the way into the file, so the threads do not read in lockstep.
  local n = math.max(1, tonumber(args[3]) or 1)
  next_slot = math.floor((first or 0) * slots / n) % slots
end

function request()
  local start = next_slot * span
  next_slot = (next_slot + 1) % slots
  return wrk.format(nil, nil, { Range = "bytes=" .. start .. "-" .. (start + span - 1) })
end
