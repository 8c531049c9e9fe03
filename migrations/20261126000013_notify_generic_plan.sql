-- notify() plans its statement once per connection, not on every call.
--
-- PL/pgSQL keeps a statement's plan, but over parameter arrays PostgreSQL's plan cache keeps
-- choosing a custom plan per call: one planned for the actual two notices always looks
-- cheaper than the generic one (estimated for unnest's default 100 rows), so the generic plan
-- is never adopted and every booking paid for planning the function's four-table statement.
-- Measured with pgbench (16 clients, -M prepared) running the booking statement of
-- benches/booking.sql on the benchmark dataset: 3,735 bookings/s with the custom plans,
-- 5,436/s with the generic plan (which looks users up by primary key, as the custom did).
ALTER FUNCTION notify(BIGINT[], TEXT[], TEXT[], TEXT[], TEXT) SET plan_cache_mode = force_generic_plan;
