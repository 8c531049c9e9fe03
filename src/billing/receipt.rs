//! A receipt as a one-page PDF (A4), written with `lopdf` in the PDF's standard Helvetica, so
//! nothing is embedded and the file stays a few kilobytes.

use super::{PaymentKind, Receipt};
use crate::money::Money;
use chrono_tz::Tz;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};

/// The receipt's lines, top to bottom: (font size, bold, text). Shared with the printable page
/// so the two never say different things.
pub fn lines(receipt: &Receipt, timezone: Tz) -> Vec<(f32, bool, String)> {
    let payment = &receipt.payment;
    let money = |cents: i64| Money::new(cents, payment.currency.clone()).to_string();
    let title = match payment.kind {
        PaymentKind::Payment => "Payment receipt",
        PaymentKind::Refund => "Refund receipt",
    };
    let when = payment.created_at.with_timezone(&timezone).format("%-d %B %Y, %H:%M %Z");
    let mut lines = vec![
        (20.0, true, "Caduceus".to_owned()),
        (14.0, true, format!("{title} {}", payment.receipt_number)),
        (11.0, false, format!("Date: {when}")),
        (11.0, false, format!("Patient: {} ({})", receipt.patient_name, receipt.mrn)),
        (11.0, false, format!("Invoice: {} (total {})", receipt.invoice_number, money(receipt.invoice_total_cents))),
        (11.0, false, String::new()),
        (14.0, true, format!("{}: {}", if payment.kind == PaymentKind::Refund { "Refunded" } else { "Received" }, payment.money())),
        (11.0, false, format!("Method: {}{}", payment.method.label(), if payment.online { " (online)" } else { "" })),
    ];
    if let Some(reference) = &payment.reference {
        lines.push((11.0, false, format!("Reference: {reference}")));
    }
    if let Some(reason) = &payment.reason {
        lines.push((11.0, false, format!("Reason: {reason}")));
    }
    if let Some(by) = &payment.recorded_by_name {
        lines.push((11.0, false, format!("Recorded by: {by}")));
    }
    lines.push((11.0, false, String::new()));
    lines.push((
        12.0,
        true,
        format!(
            "Balance after this {}: {}",
            if payment.kind == PaymentKind::Refund { "refund" } else { "payment" },
            money(receipt.balance_after_cents)
        ),
    ));
    lines
}

/// Text as the standard fonts' WinAnsi encoding has it: Latin-1 kept, anything else `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars().map(|c| u8::try_from(u32::from(c)).ok().filter(|b| *b >= 0x20).unwrap_or(b'?')).collect()
}

/// The receipt as PDF bytes.
pub fn pdf(receipt: &Receipt, timezone: Tz) -> Result<Vec<u8>, lopdf::Error> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font =
        |name: &str| dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => name.to_owned(), "Encoding" => "WinAnsiEncoding" };
    let regular = doc.add_object(font("Helvetica"));
    let bold = doc.add_object(font("Helvetica-Bold"));
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => regular, "F2" => bold } });
    let mut operations = Vec::new();
    let mut y = 780.0_f32;
    for (size, is_bold, text) in lines(receipt, timezone) {
        operations.extend([
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec![if is_bold { "F2" } else { "F1" }.into(), size.into()]),
            Operation::new("Td", vec![60.into(), y.into()]),
            Operation::new("Tj", vec![Object::string_literal(win_ansi(&text))]),
            Operation::new("ET", vec![]),
        ]);
        y -= size * 1.7;
    }
    let content = Content { operations };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode()?));
    let page_id = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id });
    let pages = dictionary! {
        "Type" => "Pages",
        "Kids" => vec![page_id.into()],
        "Count" => 1,
        "Resources" => resources_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    };
    doc.objects.insert(pages_id, Object::Dictionary(pages));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let info_id =
        doc.add_object(dictionary! { "Title" => Object::string_literal(win_ansi(&format!("Receipt {}", receipt.payment.receipt_number))) });
    doc.trailer.set("Info", info_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{Payment, PaymentMethod};

    fn receipt(kind: PaymentKind) -> Receipt {
        Receipt {
            payment: Payment {
                id: 42,
                receipt_number: "R-000042".into(),
                invoice_id: 7,
                patient_id: 3,
                kind,
                method: PaymentMethod::Cash,
                amount_cents: 7000,
                currency: "USD".into(),
                reference: None,
                online: false,
                reason: (kind == PaymentKind::Refund).then(|| "Charged twice".into()),
                recorded_by_name: Some("Dana Desk".into()),
                created_at: chrono::DateTime::parse_from_rfc3339("2026-12-07T15:30:00Z").unwrap().into(),
            },
            invoice_number: "INV-000007".into(),
            invoice_total_cents: 12000,
            patient_name: "Zoë Ålander".into(),
            mrn: "MRN00000003".into(),
            balance_after_cents: 5000,
        }
    }

    #[test]
    fn a_receipt_says_what_was_received_and_what_is_left() {
        let text: Vec<String> = lines(&receipt(PaymentKind::Payment), chrono_tz::Europe::Berlin).into_iter().map(|l| l.2).collect();
        assert!(text.contains(&"Payment receipt R-000042".to_owned()));
        assert!(text.contains(&"Date: 7 December 2026, 16:30 CET".to_owned()));
        assert!(text.contains(&"Received: 70.00 USD".to_owned()));
        assert!(text.contains(&"Invoice: INV-000007 (total 120.00 USD)".to_owned()));
        assert!(text.contains(&"Balance after this payment: 50.00 USD".to_owned()));
        let refund: Vec<String> = lines(&receipt(PaymentKind::Refund), chrono_tz::UTC).into_iter().map(|l| l.2).collect();
        assert!(refund.contains(&"Refunded: 70.00 USD".to_owned()) && refund.contains(&"Reason: Charged twice".to_owned()));
    }

    #[test]
    fn the_pdf_reads_back_with_the_receipts_text() {
        let bytes = pdf(&receipt(PaymentKind::Payment), chrono_tz::UTC).unwrap();
        assert!(bytes.starts_with(b"%PDF-1.5"));
        let doc = Document::load_mem(&bytes).unwrap();
        let text = doc.extract_text(&[1]).unwrap();
        assert!(text.contains("R-000042") && text.contains("70.00 USD"), "{text}");
        assert_eq!(win_ansi("Zoë → Ålander"), b"Zo\xeb ? \xc5lander");
    }
}
