//! What every domain needs to know about the clinic it serves: its settings, read from the
//! configuration at start-up. A kernel type, so that services and handlers take it instead
//! of the server's whole state.

use chrono_tz::Tz;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Clinic {
    /// Slot times, calendars and dates in emails are in this zone.
    pub timezone: Tz,
    /// Patients cancel or move a visit online up to this many hours before it starts.
    pub cancel_cutoff_hours: u32,
    /// Base URL of the portal, for links in emails.
    pub public_url: Arc<str>,
    /// How long a doctor's emergency (break-glass) access to a chart lasts.
    pub break_glass_hours: u32,
    /// The pharmacy is warned of lots expiring within this many days.
    pub expiry_alert_days: u32,
}

impl Clinic {
    /// Today, as the clinic's calendar has it.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().with_timezone(&self.timezone).date_naive()
    }

    pub fn cancel_cutoff(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.cancel_cutoff_hours))
    }
}
