-- Shared by the wrk scripts: reads a file written by `caduceus-dataset --bench-out`.
local files = os.getenv("BENCH_FILES") or error("BENCH_FILES is not set")

function read_lines(name)
  local lines = {}
  for line in io.lines(files .. "/" .. name) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  assert(#lines > 0, name .. " is empty")
  return lines
end

-- Each wrk thread gets a number, so threads can split work between them.
local threads_started = {}
function setup(thread)
  thread:set("thread_number", #threads_started)
  threads_started[#threads_started + 1] = thread
end

-- Seed per thread: otherwise every thread asks for the same sequence.
function seed_random()
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

-- Counts answers by status, printed at the end, so an error can't pass for speed.
statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads_started) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do parts[#parts + 1] = "HTTP " .. status .. ": " .. count end
  table.sort(parts)
  io.write("Statuses: " .. table.concat(parts, ", ") .. "\n")
end
