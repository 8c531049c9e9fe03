//! The doctor directory: verified, active doctors with their profile, fee, rating and weekly
//! schedule, searchable by specialization, city and (partial) name.

pub mod api;
pub mod pages;
pub mod slots;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod rest;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};
use slots::WorkBlock;

/// A doctor as the directory lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DoctorCard {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub specialization: String,
    pub city: Option<String>,
    pub experience_years: i32,
    pub fee_cents: i64,
    pub currency: String,
    /// Average of the reviews, None before the first one.
    pub rating: Option<f64>,
    pub review_count: i64,
}

impl DoctorCard {
    /// The consultation fee.
    pub fn fee(&self) -> crate::money::Money {
        crate::money::Money::new(self.fee_cents, self.currency.clone())
    }
}

/// A doctor's page: the card plus the rest of the profile and the weekly schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DoctorProfile {
    #[serde(flatten)]
    pub card: DoctorCard,
    pub license_number: Option<String>,
    pub address: Option<String>,
    pub bio: Option<String>,
    pub languages: Vec<String>,
    pub verified: bool,
    pub active: bool,
    pub weekly_schedule: Vec<WorkBlock>,
}

/// What a doctor manages on their practice page: the profile and the coming days off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Practice {
    pub profile: DoctorProfile,
    pub days_off: Vec<chrono::NaiveDate>,
}

pub const WEEKDAY_NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// One weekday's hours as written in the practice form: "10:00-13:00, 14:00-17:00"; empty
/// means not working that day.
pub fn parse_day_hours(weekday: u8, text: &str) -> Result<Vec<WorkBlock>, String> {
    let day = WEEKDAY_NAMES[usize::from(weekday.clamp(1, 7)) - 1];
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let parsed = part.split_once('-').and_then(|(starts, ends)| {
                let time = |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
                Some(WorkBlock { weekday, starts: time(starts)?, ends: time(ends)? })
            });
            parsed.ok_or_else(|| format!("{day}: write hours like 10:00-13:00, 14:00-17:00 (not '{part}')."))
        })
        .collect()
}

/// The inverse of [`parse_day_hours`].
pub fn format_day_hours(blocks: &[WorkBlock], weekday: u8) -> String {
    blocks
        .iter()
        .filter(|b| b.weekday == weekday)
        .map(|b| format!("{}-{}", b.starts.format("%H:%M"), b.ends.format("%H:%M")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct DirectoryQuery {
    pub specialization: Option<String>,
    pub city: Option<String>,
    pub q: Option<String>,
    pub page: Option<i64>,
}

pub const DOCTORS_PER_PAGE: i64 = 20;

/// `POST /api/doctors`: an admin adds a doctor — their account and practice details. The
/// doctor is verified (listed and bookable) from the start, with the clinic's default week.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDoctor {
    pub name: String,
    pub email: String,
    pub password: String,
    /// "General Practice" when not given.
    #[serde(default)]
    pub specialization: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub license_number: Option<String>,
    #[serde(default)]
    pub experience_years: Option<i32>,
    #[serde(default)]
    pub fee_cents: Option<i64>,
    /// ISO 4217, "USD" when not given.
    #[serde(default)]
    pub currency: Option<String>,
}

/// A profile change by the doctor (or an admin). Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DoctorUpdate {
    pub specialization: Option<String>,
    pub license_number: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub experience_years: Option<i32>,
    pub fee_cents: Option<i64>,
    pub currency: Option<String>,
    pub bio: Option<String>,
    pub languages: Option<Vec<String>>,
    /// Replaces the weekly schedule.
    pub weekly_schedule: Option<Vec<WorkBlock>>,
}

/// Years of experience: 0 to 80.
pub fn check_experience_years(years: i32) -> Result<i32, String> {
    (0..=80).contains(&years).then_some(years).ok_or_else(|| "Years of experience must be between 0 and 80.".into())
}

/// The consultation fee in cents: 0 to 1,000,000.00.
pub fn check_fee_cents(cents: i64) -> Result<i64, String> {
    (0..=100_000_000).contains(&cents).then_some(cents).ok_or_else(|| "The consultation fee must be between 0 and 1,000,000.00.".into())
}

pub use crate::money::parse_currency;

/// Checks a weekly schedule: weekdays 1–7, each block at least one slot long, on slot
/// boundaries, and no two blocks of a day overlapping.
pub fn check_schedule(blocks: &[WorkBlock]) -> Result<(), String> {
    use chrono::Timelike;
    let mut sorted = blocks.to_vec();
    sorted.sort_by_key(|b| (b.weekday, b.starts));
    for block in &sorted {
        if !(1..=7).contains(&block.weekday) {
            return Err("Weekdays are numbered 1 (Monday) to 7 (Sunday).".into());
        }
        if block.starts >= block.ends {
            return Err("Each working block must end after it starts.".into());
        }
        if [block.starts, block.ends].iter().any(|t| t.minute() % 30 != 0 || t.second() != 0) {
            return Err("Working hours start and end on the hour or half hour.".into());
        }
    }
    if sorted.windows(2).any(|pair| pair[0].weekday == pair[1].weekday && pair[1].starts < pair[0].ends) {
        return Err("Two working blocks of the same day overlap.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_hours_round_trip_and_bad_text_is_explained() {
        let blocks = super::parse_day_hours(2, "10:00-13:00, 14:00-17:30").unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(super::format_day_hours(&blocks, 2), "10:00-13:00, 14:00-17:30");
        assert!(super::parse_day_hours(3, "  ").unwrap().is_empty());
        let err = super::parse_day_hours(3, "9 to 5").unwrap_err();
        assert!(err.starts_with("Wednesday"), "{err}");
    }

    use super::slots::default_week;
    use super::*;
    use chrono::NaiveTime;

    fn block(weekday: u8, from: (u32, u32), to: (u32, u32)) -> WorkBlock {
        WorkBlock {
            weekday,
            starts: NaiveTime::from_hms_opt(from.0, from.1, 0).unwrap(),
            ends: NaiveTime::from_hms_opt(to.0, to.1, 0).unwrap(),
        }
    }

    #[test]
    fn schedules_must_be_well_formed() {
        assert!(check_schedule(&default_week()).is_ok());
        assert!(check_schedule(&[]).is_ok(), "no hours at all is a valid choice");
        assert!(check_schedule(&[block(8, (9, 0), (10, 0))]).is_err());
        assert!(check_schedule(&[block(1, (10, 0), (9, 0))]).is_err());
        assert!(check_schedule(&[block(1, (9, 15), (10, 0))]).is_err());
        assert!(check_schedule(&[block(1, (9, 0), (12, 0)), block(1, (11, 30), (13, 0))]).is_err());
        assert!(check_schedule(&[block(1, (9, 0), (12, 0)), block(2, (11, 30), (13, 0))]).is_ok());
    }
}
