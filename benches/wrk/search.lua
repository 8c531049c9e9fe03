-- GET /api/patients?q=… as a nurse or admin (SEARCH_TOKEN), with a random query of
-- search_queries.txt: part of a name, an MRN, phone digits or a date of birth.
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")

function init(args)
  seed_random()
  queries = read_lines("search_queries.txt")
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("SEARCH_TOKEN") or error("SEARCH_TOKEN is not set"))
end

function request()
  return wrk.format("GET", "/api/patients?q=" .. queries[math.random(#queries)])
end
