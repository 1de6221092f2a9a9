-- wrk script: each request takes the next path from $BENCH_PATHS (one
-- ready-to-send path per line), starting at a different place per thread,
-- so that the server answers many different queries, not one cached one.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("start", counter * 7919)
end

local i = 0
function init(args)
  i = tonumber(start) or 0
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
