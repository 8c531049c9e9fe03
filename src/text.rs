//! What every form's text fields go through, on the server and in the browser: trimmed,
//! blank meaning absent, a length limit in characters, no control characters but line breaks.

use chrono::NaiveDate;

/// The trimmed text, or `None` when nothing but spaces was typed.
pub fn blank_to_none(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn checked(text: String, field: &str, max_chars: usize) -> Result<String, String> {
    if text.chars().count() > max_chars {
        Err(format!("The {field} is too long ({max_chars} characters at most)."))
    } else if text.chars().any(|c| c.is_control() && c != '\n') {
        Err(format!("The {field} contains characters that are not allowed."))
    } else {
        Ok(text)
    }
}

/// A field that must be filled in.
pub fn required(raw: &str, field: &str, max_chars: usize) -> Result<String, String> {
    let text = blank_to_none(raw).ok_or_else(|| format!("The {field} is required."))?;
    checked(text, field, max_chars)
}

/// A field that may be left blank.
pub fn optional(raw: Option<&str>, field: &str, max_chars: usize) -> Result<Option<String>, String> {
    raw.and_then(blank_to_none).map(|text| checked(text, field, max_chars)).transpose()
}

/// A `YYYY-MM-DD` date that has happened: not after `today`, not before 1900. `what` names it
/// in the messages ("date", "date of birth").
pub fn past_date(raw: &str, what: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| format!("Write the {what} as YYYY-MM-DD."))?;
    if date > today {
        Err(format!("The {what} can't be in the future."))
    } else if date < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date") {
        Err(format!("The {what} is too far in the past."))
    } else {
        Ok(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_absent_and_text_is_trimmed() {
        assert_eq!(blank_to_none("  "), None);
        assert_eq!(blank_to_none(" a b "), Some("a b".into()));
        assert_eq!(optional(Some("   "), "note", 10), Ok(None));
        assert_eq!(required(" x ", "name", 10), Ok("x".into()));
        assert_eq!(required(" ", "name", 10), Err("The name is required.".into()));
    }

    #[test]
    fn limits_count_characters_and_refuse_control_characters() {
        assert!(required("ééééé", "name", 5).is_ok());
        assert!(required("éééééé", "name", 5).unwrap_err().contains("too long"));
        assert!(optional(Some("two\nlines"), "note", 20).is_ok());
        assert!(optional(Some("bell\u{7}"), "note", 20).unwrap_err().contains("not allowed"));
    }

    #[test]
    fn past_dates_are_neither_future_nor_before_1900() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(past_date("2026-12-04", "date", today), Ok(today));
        assert_eq!(past_date("2026-12-05", "date", today), Err("The date can't be in the future.".into()));
        assert_eq!(past_date("1899-12-31", "date of birth", today), Err("The date of birth is too far in the past.".into()));
        assert_eq!(past_date("4/12/2026", "date", today), Err("Write the date as YYYY-MM-DD.".into()));
    }
}
