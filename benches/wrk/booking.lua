-- POST /api/appointments: each request books a different free slot (from bookings.tsv,
-- already shuffled) as a patient who is free at that time. Threads take alternate lines, so
-- no slot is asked for twice; every answer should be 201.
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")

function init(args)
  bookings = read_lines("bookings.tsv")
  threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  position = thread_number + 1
end

function request()
  local line = bookings[position]
  if line == nil then
    error("out of free slots: generate a larger dataset or run a shorter benchmark")
  end
  position = position + threads
  local token, body = line:match("^([^\t]+)\t(.+)$")
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
  return wrk.format("POST", "/api/appointments", headers, body)
end
