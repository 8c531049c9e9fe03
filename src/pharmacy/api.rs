//! Server functions.
