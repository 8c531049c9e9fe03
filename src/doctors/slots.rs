//! The slot rules: 30-minute slots inside a doctor's working blocks, in the clinic's time
//! zone. Pure functions of (schedule, date, now), so they are tested without a database and
//! shared by the server (booking checks) and the browser (slot pickers).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

pub const SLOT_MINUTES: i64 = 30;

/// A stretch of working time on one ISO weekday (1 = Monday … 7 = Sunday). A lunch break is
/// the gap between two blocks of the same day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkBlock {
    pub weekday: u8,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time")
}

/// The clinic default: Monday to Friday, 10:00–13:00 and 14:00–17:00 (12 slots a day).
pub fn default_week() -> Vec<WorkBlock> {
    (1..=5)
        .flat_map(|weekday| {
            [WorkBlock { weekday, starts: hm(10, 0), ends: hm(13, 0) }, WorkBlock { weekday, starts: hm(14, 0), ends: hm(17, 0) }]
        })
        .collect()
}

/// Why a requested slot can't be booked. Each maps to a 422 with its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotError {
    InThePast,
    DayOff,
    NotAWorkingDay,
    OutsideHours,
    InABreak,
    NotOnASlotBoundary,
    /// The local time does not exist on that day (clocks jump forward).
    SkippedByClockChange,
}

impl SlotError {
    pub fn message(self) -> &'static str {
        match self {
            SlotError::InThePast => "That time has already passed. Choose a later slot.",
            SlotError::DayOff => "The doctor is not working that day.",
            SlotError::NotAWorkingDay => "The doctor does not work on that weekday.",
            SlotError::OutsideHours => "That time is outside the doctor's working hours.",
            SlotError::InABreak => "That time falls in the doctor's break.",
            SlotError::NotOnASlotBoundary => "Appointments start on the hour or half hour of a slot.",
            SlotError::SkippedByClockChange => "That time does not exist on that day because the clocks change.",
        }
    }
}

/// "HH:MM" (24-hour) as written in the API and forms.
pub fn parse_slot_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| format!("'{text}' is not a time like 09:30."))
}

pub fn format_slot_time(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

fn blocks_on(blocks: &[WorkBlock], date: NaiveDate) -> impl Iterator<Item = &WorkBlock> {
    let weekday = date.weekday().number_from_monday() as u8;
    blocks.iter().filter(move |b| b.weekday == weekday)
}

/// Every slot start of `date` in local time, in order, ignoring bookings and the clock.
pub fn slot_times(blocks: &[WorkBlock], date: NaiveDate) -> Vec<NaiveTime> {
    let step = Duration::minutes(SLOT_MINUTES);
    let mut times: Vec<NaiveTime> = blocks_on(blocks, date)
        .flat_map(|block| {
            let mut starts = Vec::new();
            let mut t = block.starts;
            // Compare in minutes since midnight: NaiveTime arithmetic wraps at 24:00.
            while minutes(t) + SLOT_MINUTES <= minutes(block.ends) {
                starts.push(t);
                t += step;
            }
            starts
        })
        .collect();
    times.sort();
    times.dedup();
    times
}

fn minutes(time: NaiveTime) -> i64 {
    i64::from(time.hour()) * 60 + i64::from(time.minute())
}

/// The instant a local date and time denote in `tz`. At a clock change back, the earlier of
/// the two instants; None when the clocks skip that time.
pub fn local_instant<Tz: TimeZone>(tz: &Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&date.and_time(time)).earliest().map(|t| t.with_timezone(&Utc))
}

/// The first instant of a local date: midnight, or where a clock change that skips midnight
/// lands (Chile and Cuba move their clocks at 00:00, so their day then starts at 01:00).
pub fn start_of_day<Tz: TimeZone>(tz: &Tz, date: NaiveDate) -> DateTime<Utc> {
    // Clock changes happen on quarter hours; no zone skips more than two hours.
    (0..=12)
        .find_map(|quarter| local_instant(tz, date, NaiveTime::MIN + chrono::Duration::minutes(15 * quarter)))
        .unwrap_or_else(|| date.and_time(NaiveTime::MIN).and_utc())
}

/// Checks that `time` on `date` is a bookable slot start for a doctor with `blocks`, and
/// returns its [start, end) in UTC. `day_off` says whether the doctor took that day off.
pub fn check_slot<Tz: TimeZone>(
    blocks: &[WorkBlock],
    day_off: bool,
    tz: &Tz,
    now: DateTime<Utc>,
    date: NaiveDate,
    time: NaiveTime,
) -> Result<(DateTime<Utc>, DateTime<Utc>), SlotError> {
    let starts = local_instant(tz, date, time).ok_or(SlotError::SkippedByClockChange)?;
    if starts <= now {
        return Err(SlotError::InThePast);
    }
    if day_off {
        return Err(SlotError::DayOff);
    }
    let day: Vec<&WorkBlock> = blocks_on(blocks, date).collect();
    if day.is_empty() {
        return Err(SlotError::NotAWorkingDay);
    }
    let inside = day.iter().find(|b| b.starts <= time && minutes(time) + SLOT_MINUTES <= minutes(b.ends));
    match inside {
        Some(block) if (minutes(time) - minutes(block.starts)) % SLOT_MINUTES == 0 && time.second() == 0 => {
            Ok((starts, starts + Duration::minutes(SLOT_MINUTES)))
        }
        Some(_) => Err(SlotError::NotOnASlotBoundary),
        None => {
            let first = day.iter().map(|b| b.starts).min().expect("non-empty");
            let last = day.iter().map(|b| b.ends).max().expect("non-empty");
            if time >= first && time < last && day.iter().all(|b| !(b.starts <= time && time < b.ends)) {
                Err(SlotError::InABreak)
            } else if day.iter().any(|b| b.starts <= time && time < b.ends) {
                // Starts inside a block but would run past its end.
                Err(SlotError::NotOnASlotBoundary)
            } else {
                Err(SlotError::OutsideHours)
            }
        }
    }
}

/// The free slots of `date`: the day's slots that are in the future, exist on the clock, and
/// are not in `taken` (UTC starts of live appointments). Empty on a day off.
pub fn free_slots<Tz: TimeZone>(
    blocks: &[WorkBlock],
    day_off: bool,
    tz: &Tz,
    now: DateTime<Utc>,
    date: NaiveDate,
    taken: &[DateTime<Utc>],
) -> Vec<NaiveTime> {
    if day_off {
        return Vec::new();
    }
    slot_times(blocks, date)
        .into_iter()
        .filter(|time| match local_instant(tz, date, *time) {
            Some(start) => start > now && !taken.contains(&start),
            None => false,
        })
        .collect()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono_tz::{America::New_York, Europe::Berlin, UTC};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    // 2026-11-23 is a Monday.
    const MONDAY: (i32, u32, u32) = (2026, 11, 23);

    #[test]
    fn the_default_day_has_twelve_slots_around_lunch() {
        let times: Vec<String> = slot_times(&default_week(), day(2026, 11, 23)).into_iter().map(format_slot_time).collect();
        assert_eq!(times.len(), 12);
        assert_eq!(times.first().unwrap(), "10:00");
        assert_eq!(times.last().unwrap(), "16:30");
        assert!(times.contains(&"12:30".to_owned()) && !times.contains(&"13:00".to_owned()) && !times.contains(&"13:30".to_owned()));
        assert!(slot_times(&default_week(), day(2026, 11, 28)).is_empty(), "Saturday");
    }

    #[test]
    fn booking_rules_name_the_reason() {
        let (y, m, d) = MONDAY;
        let week = default_week();
        let now = at(y, m, d, 8, 0);
        let check = |date: NaiveDate, time: &str, off: bool| check_slot(&week, off, &UTC, now, date, parse_slot_time(time).unwrap());
        assert_eq!(check(day(y, m, d), "10:00", false), Ok((at(y, m, d, 10, 0), at(y, m, d, 10, 30))));
        assert_eq!(check(day(y, m, d), "16:30", false).unwrap().1, at(y, m, d, 17, 0));
        assert_eq!(check(day(y, m, d), "13:00", false), Err(SlotError::InABreak));
        assert_eq!(check(day(y, m, d), "13:30", false), Err(SlotError::InABreak));
        assert_eq!(check(day(y, m, d), "09:30", false), Err(SlotError::OutsideHours));
        assert_eq!(check(day(y, m, d), "17:00", false), Err(SlotError::OutsideHours));
        assert_eq!(check(day(y, m, d), "10:15", false), Err(SlotError::NotOnASlotBoundary));
        assert_eq!(check(day(y, m, d), "12:45", false), Err(SlotError::NotOnASlotBoundary));
        assert_eq!(check(day(y, m, d), "10:00", true), Err(SlotError::DayOff));
        assert_eq!(check(day(2026, 11, 28), "10:00", false), Err(SlotError::NotAWorkingDay));
        assert_eq!(check(day(2026, 11, 20), "10:00", false), Err(SlotError::InThePast));
        let later = check_slot(&week, false, &UTC, at(y, m, d, 10, 0), day(y, m, d), hm(10, 0));
        assert_eq!(later, Err(SlotError::InThePast), "a slot starting now is gone");
    }

    #[test]
    fn free_slots_leave_out_the_past_and_the_taken() {
        let (y, m, d) = MONDAY;
        let taken = [at(y, m, d, 14, 0)];
        let free: Vec<String> =
            free_slots(&default_week(), false, &UTC, at(y, m, d, 11, 10), day(y, m, d), &taken).into_iter().map(format_slot_time).collect();
        assert_eq!(free, ["11:30", "12:00", "12:30", "14:30", "15:00", "15:30", "16:00", "16:30"]);
        assert!(free_slots(&default_week(), true, &UTC, at(y, m, d, 8, 0), day(y, m, d), &[]).is_empty());
    }

    #[test]
    fn slot_times_are_local_to_the_clinic() {
        // 10:00 in Berlin in winter is 09:00 UTC; in summer 08:00 UTC.
        assert_eq!(local_instant(&Berlin, day(2026, 1, 12), hm(10, 0)), Some(at(2026, 1, 12, 9, 0)));
        assert_eq!(local_instant(&Berlin, day(2026, 7, 13), hm(10, 0)), Some(at(2026, 7, 13, 8, 0)));
        let (start, end) = check_slot(&default_week(), false, &New_York, at(2026, 1, 1, 0, 0), day(2026, 1, 12), hm(16, 30)).unwrap();
        assert_eq!((start, end), (at(2026, 1, 12, 21, 30), at(2026, 1, 12, 22, 0)));
    }

    #[test]
    fn clock_changes_skip_or_disambiguate_local_times() {
        // Berlin springs forward on 2026-03-29 at 02:00 → 03:00; falls back on 2026-10-25 at 03:00 → 02:00.
        let night = vec![WorkBlock { weekday: 7, starts: hm(1, 0), ends: hm(4, 0) }];
        let spring = day(2026, 3, 29);
        let long_ago = at(2026, 1, 1, 0, 0);
        assert_eq!(check_slot(&night, false, &Berlin, long_ago, spring, hm(2, 30)), Err(SlotError::SkippedByClockChange));
        let free: Vec<String> = free_slots(&night, false, &Berlin, long_ago, spring, &[]).into_iter().map(format_slot_time).collect();
        assert_eq!(free, ["01:00", "01:30", "03:00", "03:30"], "02:00 and 02:30 do not exist");
        // 02:30 happens twice on the autumn night: the first (summer time, UTC+2) is used.
        let autumn = day(2026, 10, 25);
        assert_eq!(check_slot(&night, false, &Berlin, long_ago, autumn, hm(2, 30)).unwrap().0, at(2026, 10, 25, 0, 30));
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_when_the_clocks_land() {
        use chrono_tz::America::Santiago;
        // 6 September 2026: Chile's clocks jump from 00:00 (UTC-4) to 01:00 (UTC-3).
        let spring = day(2026, 9, 6);
        assert_eq!(local_instant(&Santiago, spring, hm(0, 0)), None, "midnight does not exist that day");
        assert_eq!(start_of_day(&Santiago, spring), at(2026, 9, 6, 4, 0));
        assert_eq!(start_of_day(&Santiago, day(2026, 9, 7)), at(2026, 9, 7, 3, 0), "an ordinary day starts at midnight");
    }

    #[test]
    fn custom_weeks_with_several_breaks_work() {
        let week =
            vec![WorkBlock { weekday: 2, starts: hm(8, 0), ends: hm(9, 0) }, WorkBlock { weekday: 2, starts: hm(9, 30), ends: hm(10, 30) }];
        let tuesday = day(2026, 11, 24);
        let times: Vec<String> = slot_times(&week, tuesday).into_iter().map(format_slot_time).collect();
        assert_eq!(times, ["08:00", "08:30", "09:30", "10:00"]);
        let now = at(2026, 11, 1, 0, 0);
        assert_eq!(check_slot(&week, false, &UTC, now, tuesday, hm(9, 0)), Err(SlotError::InABreak));
        assert_eq!(check_slot(&week, false, &UTC, now, day(2026, 11, 23), hm(8, 0)), Err(SlotError::NotAWorkingDay));
    }

    #[test]
    fn slot_times_parse_strictly() {
        assert_eq!(parse_slot_time("09:30").unwrap(), hm(9, 30));
        for bad in ["9.30", "25:00", "noon", "", "10:00:00"] {
            assert!(parse_slot_time(bad).is_err(), "{bad}");
        }
    }
}
