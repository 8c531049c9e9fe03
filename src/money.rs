//! Money: an amount in minor units of one currency. Part of the shared kernel (server and
//! browser): every domain that shows, adds or parses money goes through [`Money`], so
//! arithmetic is checked, never crosses currencies, and never goes through floats.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of `minor` units (cents) of `currency`, an ISO 4217 code like `USD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

/// Why an amount could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amounts in different currencies can't be combined")]
    CurrencyMismatch,
    #[error("the amount is too large")]
    Overflow,
}

impl Money {
    pub fn new(minor: i64, currency: impl Into<String>) -> Self {
        Self { minor, currency: currency.into() }
    }

    pub fn zero(currency: impl Into<String>) -> Self {
        Self::new(0, currency)
    }

    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency.clone()))
    }

    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency.clone()))
    }

    /// `quantity` times this amount (a line of an invoice).
    pub fn checked_mul(&self, quantity: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(quantity).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency.clone()))
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch)
        }
    }

    /// An amount as people type it in major units ("120", "120.5", "120.50") → minor units;
    /// None for anything else (negative, more than two decimals, not a number, too large).
    pub fn parse_minor(text: &str) -> Option<i64> {
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() || fraction.len() > 2 || !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let cents = format!("{fraction:0<2}").parse::<i64>().ok()?;
        whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)
    }
}

impl Money {
    /// The amount in major units without the currency, as a form field shows it: `120.00`.
    pub fn amount(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// A three-letter ISO 4217 currency code, upper-cased.
pub fn parse_currency(raw: &str) -> Result<String, String> {
    let currency = raw.trim().to_uppercase();
    if currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(currency)
    } else {
        Err("The currency must be a three-letter ISO code such as USD.".into())
    }
}

/// `120.00 USD`, `-1.50 EUR`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_in_major_units_with_its_currency() {
        assert_eq!(Money::new(12000, "USD").to_string(), "120.00 USD");
        assert_eq!(Money::new(7, "EUR").to_string(), "0.07 EUR");
        assert_eq!(Money::new(-150, "USD").to_string(), "-1.50 USD");
        assert_eq!(Money::new(i64::MIN, "USD").to_string(), "-92233720368547758.08 USD");
        assert_eq!(Money::new(12050, "USD").amount(), "120.50");
    }

    #[test]
    fn money_is_parsed_to_minor_units_without_floats() {
        assert_eq!(Money::parse_minor("120"), Some(12000));
        assert_eq!(Money::parse_minor(" 120.5 "), Some(12050));
        assert_eq!(Money::parse_minor("0.07"), Some(7));
        assert_eq!(Money::parse_minor("12.345"), None);
        assert_eq!(Money::parse_minor("-5"), None);
        assert_eq!(Money::parse_minor("abc"), None);
        assert_eq!(Money::parse_minor(".5"), None);
        assert_eq!(Money::parse_minor("99999999999999999999"), None);
    }

    #[test]
    fn arithmetic_is_checked_and_stays_in_one_currency() {
        let fee = Money::new(12000, "USD");
        assert_eq!(fee.checked_add(&Money::new(50, "USD")), Ok(Money::new(12050, "USD")));
        assert_eq!(fee.checked_sub(&Money::new(12050, "USD")), Ok(Money::new(-50, "USD")));
        assert_eq!(fee.checked_mul(3), Ok(Money::new(36000, "USD")));
        assert_eq!(fee.checked_add(&Money::new(1, "EUR")), Err(MoneyError::CurrencyMismatch));
        assert_eq!(Money::new(i64::MAX, "USD").checked_add(&Money::new(1, "USD")), Err(MoneyError::Overflow));
        assert_eq!(fee.checked_mul(i64::MAX), Err(MoneyError::Overflow));
        assert_eq!(Money::zero("USD").checked_add(&fee), Ok(fee));
    }
}
