-- GET /api/doctors?… with a random filter: specialization, city, both, or part of a name.
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")

function init(args)
  seed_random()
  queries = read_lines("directory_queries.txt")
end

function request()
  return wrk.format("GET", "/api/doctors?" .. queries[math.random(#queries)])
end
