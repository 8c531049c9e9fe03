//! Patients: the rule of who may see a patient's clinical data (and, as the chart grows,
//! the registry itself).

#[cfg(feature = "ssr")]
pub mod access;
