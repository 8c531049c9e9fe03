//! Server-only infrastructure: configuration, state, the embedded database, the router and
//! its security layers, demo data.

pub mod assets;
pub mod body_limit;
pub mod config;
pub mod demo;
pub mod embedded_pg;
pub mod openapi;
pub mod request_log;
pub mod security;
pub mod startup;
pub mod state;
