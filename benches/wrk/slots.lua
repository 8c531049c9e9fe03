-- GET /api/doctors/{id}/available_slots?date=… for a random doctor and future working day.
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")

function init(args)
  seed_random()
  doctors = read_lines("doctor_ids.txt")
  dates = read_lines("dates.txt")
end

function request()
  local doctor = doctors[math.random(#doctors)]
  local date = dates[math.random(#dates)]
  return wrk.format("GET", "/api/doctors/" .. doctor .. "/available_slots?date=" .. date)
end
