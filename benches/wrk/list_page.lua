-- GET /appointments: the patient's appointment list page, rendered by the server (SSR),
-- for a random patient of the dataset (about ten visits each).
dofile(os.getenv("BENCH_SCRIPTS") .. "/common.lua")

function init(args)
  seed_random()
  tokens = read_lines("patient_tokens.txt")
end

function request()
  local headers = { ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] }
  return wrk.format("GET", "/appointments", headers)
end
