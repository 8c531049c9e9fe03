//! What an uploaded file really is, decided from its bytes (never from its name or the type the
//! browser declared), and the copy of it that is kept: PDFs as sent once they parse, images
//! decoded and encoded again, which drops their metadata (EXIF GPS positions, camera serials,
//! embedded thumbnails) and anything hidden after the picture.

use super::Format;
use crate::error::{AppError, AppResult};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;

/// The largest picture accepted, each way, in pixels: a phone photo is about 4000×3000, a
/// scanned page at 600 dpi 5000×7000. Checked before any pixel is decoded, so a file claiming
/// 100000×100000 costs nothing.
pub const MAX_IMAGE_SIDE: u32 = 12_000;
/// The most memory one decode may take (a 12000×12000 RGBA picture needs 576 MB; the limit
/// refuses the extremes a small file can claim before they are allocated).
const MAX_DECODE_BYTES: u64 = 600 * 1024 * 1024;
/// JPEG quality of the kept copy: visually lossless for scans and photos of documents.
const JPEG_QUALITY: u8 = 90;

/// A file that passed the checks: its format and the bytes to keep.
#[derive(Debug)]
pub struct Checked {
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// Checks `bytes` and returns what is to be stored, or a 415 (not a PDF, PNG or JPEG) or 422
/// (one of those, but damaged or too large to open) saying why.
pub fn check(bytes: &[u8]) -> AppResult<Checked> {
    let format = sniff(bytes).ok_or_else(unsupported)?;
    let bytes = match format {
        Format::Pdf => check_pdf(bytes)?,
        Format::Png | Format::Jpeg => reencode(bytes, format)?,
    };
    Ok(Checked { format, bytes })
}

/// The format the first bytes announce.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"%PDF-") {
        Some(Format::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else {
        None
    }
}

fn unsupported() -> AppError {
    AppError::UnsupportedMediaType("Upload a PDF, PNG or JPEG file (other formats, SVG among them, are not accepted).".into())
}

fn damaged(what: &str) -> AppError {
    AppError::validation(format!("The {what} is damaged or incomplete and can't be opened; export or scan it again."))
}

/// A PDF is kept as sent once it parses and has a page: its text and layout are the record.
fn check_pdf(bytes: &[u8]) -> AppResult<Vec<u8>> {
    let document = lopdf::Document::load_mem(bytes).map_err(|_| damaged("PDF"))?;
    if document.get_pages().is_empty() {
        return Err(AppError::validation("The PDF has no pages."));
    }
    Ok(bytes.to_vec())
}

fn reencode(bytes: &[u8], format: Format) -> AppResult<Vec<u8>> {
    let (name, image_format) = match format {
        Format::Png => ("PNG image", ImageFormat::Png),
        _ => ("JPEG image", ImageFormat::Jpeg),
    };
    // A JPEG cut short may still decode (the missing rows come out grey): it must end where
    // JPEGs end.
    if format == Format::Jpeg && !ends_with_jpeg_end_marker(bytes) {
        return Err(damaged(name));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let too_large = || AppError::validation(format!("The image is too large: at most {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} pixels."));
    let mut decoder = reader.into_decoder().map_err(|e| if is_limit(&e) { too_large() } else { damaged(name) })?;
    // The metadata goes, so a photo's "turn me" tag is applied to the pixels first.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|e| if is_limit(&e) { too_large() } else { damaged(name) })?;
    picture.apply_orientation(orientation);
    let mut out = Cursor::new(Vec::new());
    let encoded = match format {
        Format::Png => picture.write_to(&mut out, ImageFormat::Png),
        _ => {
            let rgb = DynamicImage::ImageRgb8(picture.to_rgb8());
            rgb.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        }
    };
    encoded.map_err(|e| AppError::Internal(anyhow::anyhow!("re-encoding an upload: {e}")))?;
    Ok(out.into_inner())
}

fn is_limit(error: &image::ImageError) -> bool {
    matches!(error, image::ImageError::Limits(_))
}

/// Whether the JPEG's last marker is End Of Image (trailing zero padding, which some scanners
/// add, is allowed).
fn ends_with_jpeg_end_marker(bytes: &[u8]) -> bool {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    bytes[..end].ends_with(&[0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_first_bytes_not_their_names() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(Format::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
        assert_eq!(sniff(b"<!doctype html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_jpeg_must_end_with_its_end_marker() {
        assert!(ends_with_jpeg_end_marker(&[0xFF, 0xD8, 0x01, 0xFF, 0xD9]));
        assert!(ends_with_jpeg_end_marker(&[0xFF, 0xD8, 0x01, 0xFF, 0xD9, 0, 0]));
        assert!(!ends_with_jpeg_end_marker(&[0xFF, 0xD8, 0x01, 0x02]));
        assert!(!ends_with_jpeg_end_marker(&[]));
    }
}
