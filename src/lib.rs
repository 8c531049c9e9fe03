//! Caduceus: hospital management — patient portal, clinical workflows and REST API.
//!
//! One crate, two builds: `ssr` (the axum server, which also renders every page) and
//! `hydrate` (the WASM that makes those pages interactive in the browser). Each domain
//! folder holds its types and rules (shared), its service/db/rest files (server only),
//! its server functions and its pages.
#![recursion_limit = "256"]
// Server functions take their HTML form's fields as arguments (so forms post without
// JavaScript); the browser-side stubs `#[server]` generates don't carry the function's own
// `allow` for that.
#![cfg_attr(not(feature = "ssr"), allow(clippy::too_many_arguments))]

pub mod app;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod billing;
#[cfg(feature = "ssr")]
pub mod clinic;
#[cfg(feature = "ssr")]
pub mod csp;
pub mod doctors;
pub mod documents;
pub mod encounters;
pub mod error;
#[cfg(feature = "ssr")]
pub mod extract;
pub mod identity;
pub mod money;
pub mod notifications;
#[cfg(feature = "ssr")]
pub mod paging;
pub mod patients;
pub mod pharmacy;
pub mod prescriptions;
pub mod privacy;
pub mod profile;
pub mod questions;
pub mod records;
pub mod reports;
pub mod shell;
pub mod text;
pub mod ui;
pub mod users;
pub mod xrays;

#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The async hydration: each page's code is a chunk of its own (`ui::lazy`), fetched
    // before the page it belongs to is hydrated.
    leptos::mount::hydrate_lazy(app::App);
}
