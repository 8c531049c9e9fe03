//! API and database tests against real PostgreSQL: each test gets a fresh, migrated database
//! from `#[sqlx::test]` (DATABASE_URL names the test server; `scripts/test.sh` starts one)
//! and a real HTTP server of the whole app on a free loopback port.

mod helpers;

mod accounts;
mod admin;
mod assets;
mod billing;
mod contract;
mod database;
mod dataset;
mod documents;
mod encounters;
mod matrix;
mod pharmacy;
mod privacy;
mod questions;
mod records;
mod registry;
mod reports;
mod scheduling;
mod security;
mod xrays;
