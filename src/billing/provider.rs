//! The payment-provider seam: how a patient's online payment is charged.
//!
//! The portal never sees a card: a real provider's own script (Stripe Elements, Adyen
//! Drop-in, …) turns the card into a token in the browser, and the server charges the token
//! through that provider's API. A provider is a [`PaymentProvider`]; the server picks one from
//! `CADUCEUS_PAYMENT_PROVIDER` at start (see the README). The only one built in is
//! [`TestProvider`], which behaves like the real providers' test modes: its "tokens" are their
//! well-known test card numbers, some paying and some declining, and nothing leaves the machine.

use crate::money::Money;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A charge the provider made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The provider's id for it (kept as the payment's reference, needed to refund it).
    pub id: String,
}

/// Why the provider didn't charge: said to the patient as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChargeError {
    #[error("The card was declined. Try another card or pay at the desk.")]
    Declined,
    #[error("The card was declined for insufficient funds. Try another card or a smaller amount.")]
    InsufficientFunds,
    #[error("The card details are not valid: {0}")]
    Invalid(String),
    /// The provider could not be reached or failed: nothing was charged.
    #[error("The payment service is unavailable. Please try again shortly.")]
    Unavailable,
}

pub type ProviderFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A payment provider: charges a card token, and gives a charge back when the payment could not
/// be recorded after all (another payment settled the invoice first).
pub trait PaymentProvider: Send + Sync {
    /// The provider's name, for logs and the README's list.
    fn name(&self) -> &'static str;
    fn charge<'a>(&'a self, amount: &'a Money, token: &'a str, description: &'a str) -> ProviderFuture<'a, Result<Charge, ChargeError>>;
    fn cancel<'a>(&'a self, charge: &'a Charge) -> ProviderFuture<'a, Result<(), ChargeError>>;
}

/// The provider the server was configured with. Cheap to clone.
#[derive(Clone)]
pub struct Payments(pub Arc<dyn PaymentProvider>);

impl Payments {
    /// The provider named in the configuration; only `test` is built in.
    pub fn from_name(name: &str) -> Result<Self, String> {
        match name {
            "test" => Ok(Self(Arc::new(TestProvider::default()))),
            other => Err(format!("unknown payment provider {other:?} (built in: test)")),
        }
    }
}

/// The demo's provider, following the card networks' test numbers as Stripe's test mode
/// does: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined, 4000 0000 0000 9995 is
/// declined for insufficient funds; any other number that passes the Luhn check pays, one
/// that doesn't is refused as invalid.
#[derive(Default)]
pub struct TestProvider {
    next: AtomicU64,
}

pub const TEST_CARD_PAYS: &str = "4242424242424242";
pub const TEST_CARD_DECLINED: &str = "4000000000000002";
pub const TEST_CARD_NO_FUNDS: &str = "4000000000009995";

impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        "test"
    }

    fn charge<'a>(&'a self, _amount: &'a Money, token: &'a str, _description: &'a str) -> ProviderFuture<'a, Result<Charge, ChargeError>> {
        Box::pin(async move {
            let number: String = token.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
            check_card_number(&number)?;
            match number.as_str() {
                TEST_CARD_DECLINED => Err(ChargeError::Declined),
                TEST_CARD_NO_FUNDS => Err(ChargeError::InsufficientFunds),
                _ => {
                    let n = self.next.fetch_add(1, Ordering::Relaxed);
                    Ok(Charge { id: format!("test_ch_{}_{n}", uuid::Uuid::new_v4().simple()) })
                }
            }
        })
    }

    fn cancel<'a>(&'a self, _charge: &'a Charge) -> ProviderFuture<'a, Result<(), ChargeError>> {
        Box::pin(async { Ok(()) })
    }
}

/// 12 to 19 digits with a valid Luhn check digit.
pub fn check_card_number(number: &str) -> Result<(), ChargeError> {
    if !(12..=19).contains(&number.len()) || !number.chars().all(|c| c.is_ascii_digit()) {
        return Err(ChargeError::Invalid("a card number has 12 to 19 digits.".into()));
    }
    let sum: u32 = number
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    if sum.is_multiple_of(10) {
        Ok(())
    } else {
        Err(ChargeError::Invalid("the card number is mistyped.".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_checked_by_their_luhn_digit() {
        assert_eq!(check_card_number(TEST_CARD_PAYS), Ok(()));
        assert_eq!(check_card_number("4111111111111111"), Ok(()));
        assert!(matches!(check_card_number("4242424242424241"), Err(ChargeError::Invalid(_))));
        assert!(matches!(check_card_number("42424242"), Err(ChargeError::Invalid(_))));
        assert!(matches!(check_card_number("4242x24242424242"), Err(ChargeError::Invalid(_))));
    }

    #[tokio::test]
    async fn the_test_provider_pays_and_declines_like_a_real_test_mode() {
        let provider = TestProvider::default();
        let fee = Money::new(5000, "USD");
        assert!(provider.charge(&fee, "4242 4242 4242 4242", "INV-000001").await.unwrap().id.starts_with("test_ch_"));
        assert_eq!(provider.charge(&fee, TEST_CARD_DECLINED, "INV-000001").await, Err(ChargeError::Declined));
        assert_eq!(provider.charge(&fee, TEST_CARD_NO_FUNDS, "INV-000001").await, Err(ChargeError::InsufficientFunds));
        assert!(matches!(provider.charge(&fee, "1234", "INV-000001").await, Err(ChargeError::Invalid(_))));
        assert!(Payments::from_name("stripe").is_err());
    }
}
