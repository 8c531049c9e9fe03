-- GET the revenue or patient summary as an administrator (REPORT_TOKEN), with a random line of
-- report_queries.txt (a path with its range).
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")

function init(args)
  seed_random()
  queries = read_lines("report_queries.txt")
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("REPORT_TOKEN") or error("REPORT_TOKEN is not set"))
end

function request()
  return wrk.format("GET", queries[math.random(#queries)])
end
