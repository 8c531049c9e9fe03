//! DICOM files read in Rust (dicom-rs, pure-Rust codecs only): the header checked before any
//! pixel is decoded (a file claiming a huge image is refused first), the first frame decoded,
//! monochrome values kept at full depth for the viewer, and a preview rendered with the file's
//! own window.

use super::display::{self, Window};
use super::DicomInfo;
use crate::documents::content::MAX_IMAGE_SIDE;
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use dicom_pixeldata::{ConvertOptions, PhotometricInterpretation, PixelDecoder, PlanarConfiguration, VoiLutOption};
use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};
use image::{DynamicImage, GrayImage, ImageFormat, RgbImage};
use std::io::Cursor;

/// The most bytes the decoded pixel data of a file may take, all frames together.
const MAX_DECODED_BYTES: u64 = 600 * 1024 * 1024;
/// The most frames a file may have (only the first is shown).
const MAX_FRAMES: u32 = 2_000;

/// A DICOM file, decoded.
#[derive(Debug)]
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    /// The first frame as a PNG: grey through the file's window, or colour.
    pub preview_png: Vec<u8>,
    /// Monochrome samples at full depth, 16-bit little-endian, row by row.
    pub samples: Option<Vec<u8>>,
    pub info: DicomInfo,
}

/// A DICOM file begins with `DICM`, after a 128-byte preamble or without one.
pub fn looks_like_dicom(bytes: &[u8]) -> bool {
    bytes.get(128..132) == Some(b"DICM") || bytes.starts_with(b"DICM")
}

fn damaged() -> AppError {
    AppError::validation("The DICOM file is damaged or incomplete and can't be opened; export it again from the imaging system.")
}

/// Reads and decodes `bytes` (a 422 saying why when it can't).
pub fn decode(bytes: &[u8]) -> AppResult<Decoded> {
    let object = OpenFileOptions::new().read_preamble(ReadPreamble::Auto).from_reader(bytes).map_err(|_| damaged())?;
    let syntax = check_transfer_syntax(&object)?;
    let header = Header::read(&object)?;
    let pixels = object.decode_pixel_data_frame(0).map_err(|e| {
        tracing::info!(error = %e, syntax = %syntax, "a DICOM file's pixel data could not be decoded");
        AppError::validation(format!("The image in this DICOM file ({syntax}) could not be decoded; it may be damaged."))
    })?;
    let (width, height) = (pixels.columns(), pixels.rows());
    let mut info = header.info;
    info.transfer_syntax = Some(syntax);
    let (preview, samples) = match pixels.samples_per_pixel() {
        1 => {
            let values: Vec<f64> =
                pixels.to_vec_frame_with_options(0, &ConvertOptions::new().with_voi_lut(VoiLutOption::Identity)).map_err(|_| damaged())?;
            let slope = pixels.rescale().ok().and_then(|r| r.first().map(|r| r.slope.abs())).unwrap_or(1.0);
            let depth = Depth::of(&values, slope);
            let window = pixels
                .window()
                .ok()
                .flatten()
                .and_then(|w| w.first())
                .filter(|w| w.width > 0.0 && w.center.is_finite())
                .map(|w| Window { center: w.center, width: w.width })
                .unwrap_or_else(|| display::full_range(depth.low, depth.high));
            let inverted = *pixels.photometric_interpretation() == PhotometricInterpretation::Monochrome1;
            let samples = depth.samples(&values);
            let table = display::sample_table(depth.offset(), depth.scale, window, inverted);
            let grey: Vec<u8> = samples.iter().map(|&s| table[usize::from(s)]).collect();
            let preview = GrayImage::from_raw(width, height, grey).map(DynamicImage::ImageLuma8).ok_or_else(damaged)?;
            info.has_pixels = true;
            info.value_offset = Some(depth.offset());
            info.value_scale = Some(depth.scale);
            info.window_center = Some(window.center);
            info.window_width = Some(window.width);
            info.inverted = inverted;
            (preview, Some(samples.iter().flat_map(|s| s.to_le_bytes()).collect()))
        }
        3 if pixels.bits_allocated() == 8 => {
            let data = pixels.frame_data(0).map_err(|_| damaged())?;
            let mut rgb = match pixels.planar_configuration() {
                PlanarConfiguration::Standard => data.to_vec(),
                PlanarConfiguration::PixelFirst => interleave(data),
            };
            match pixels.photometric_interpretation() {
                PhotometricInterpretation::Rgb => {}
                PhotometricInterpretation::YbrFull | PhotometricInterpretation::YbrFull422 => ybr_to_rgb(&mut rgb),
                other => return Err(AppError::validation(format!("Colour images stored as {other} are not supported."))),
            }
            let preview = RgbImage::from_raw(width, height, rgb).map(DynamicImage::ImageRgb8).ok_or_else(damaged)?;
            (preview, None)
        }
        samples => return Err(AppError::validation(format!("Images with {samples} samples per pixel are not supported."))),
    };
    let mut out = Cursor::new(Vec::new());
    preview.write_to(&mut out, ImageFormat::Png).map_err(|e| AppError::Internal(anyhow::anyhow!("encoding a DICOM preview: {e}")))?;
    Ok(Decoded { width, height, preview_png: out.into_inner(), samples, info })
}

/// The file's transfer syntax by name; one whose pixel data can't be decoded here (JPEG 2000,
/// JPEG-LS, …) is a 422 that names it.
fn check_transfer_syntax(object: &DefaultDicomObject) -> AppResult<String> {
    let uid = object.meta().transfer_syntax().trim_end_matches(['\0', ' ']);
    let Some(syntax) = TransferSyntaxRegistry.get(uid) else {
        return Err(AppError::validation(format!("The DICOM file uses transfer syntax {uid}, which is not known here.")));
    };
    let name = format!("{} ({uid})", syntax.name());
    if syntax.is_unsupported() || syntax.is_unsupported_pixel_encapsulation() {
        return Err(AppError::validation(format!(
            "The DICOM file is compressed as {name}, which Caduceus can't decode. \
             Export it uncompressed, RLE or JPEG baseline, or as PNG."
        )));
    }
    Ok(name)
}

/// What the header says, checked before decoding.
struct Header {
    info: DicomInfo,
}

impl Header {
    fn read(object: &DefaultDicomObject) -> AppResult<Self> {
        let int = |tag| object.element_opt(tag).ok().flatten().and_then(|e| e.to_int::<u32>().ok());
        let text = |tag| {
            object
                .element_opt(tag)
                .ok()
                .flatten()
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim_matches(['\0', ' ']).to_owned())
                .filter(|s| !s.is_empty())
        };
        if object.element_opt(tags::PIXEL_DATA).ok().flatten().is_none() {
            return Err(AppError::validation("The DICOM file has no image (no Pixel Data)."));
        }
        let (rows, columns) = (int(tags::ROWS).unwrap_or(0), int(tags::COLUMNS).unwrap_or(0));
        if rows == 0 || columns == 0 {
            return Err(damaged());
        }
        let frames = int(tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1);
        let samples = u64::from(int(tags::SAMPLES_PER_PIXEL).unwrap_or(1).max(1));
        let bytes_per_sample = u64::from(int(tags::BITS_ALLOCATED).unwrap_or(16).div_ceil(8).max(1));
        let decoded = u64::from(rows) * u64::from(columns) * u64::from(frames) * samples * bytes_per_sample;
        if rows > MAX_IMAGE_SIDE || columns > MAX_IMAGE_SIDE || frames > MAX_FRAMES || decoded > MAX_DECODED_BYTES {
            return Err(AppError::validation(format!(
                "The image is too large: at most {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} pixels and {MAX_FRAMES} frames."
            )));
        }
        let spacing = object
            .element_opt(tags::PIXEL_SPACING)
            .ok()
            .flatten()
            .or_else(|| object.element_opt(tags::IMAGER_PIXEL_SPACING).ok().flatten())
            .and_then(|e| e.to_multi_float64().ok())
            .filter(|s| s.len() == 2 && s.iter().all(|v| v.is_finite() && *v > 0.0));
        let info = DicomInfo {
            modality: text(tags::MODALITY),
            body_part: text(tags::BODY_PART_EXAMINED),
            study_date: text(tags::STUDY_DATE).and_then(|d| NaiveDate::parse_from_str(&d, "%Y%m%d").ok()),
            row_spacing_mm: spacing.as_ref().map(|s| s[0]),
            column_spacing_mm: spacing.as_ref().map(|s| s[1]),
            has_pixels: false,
            value_offset: None,
            value_scale: None,
            window_center: None,
            window_width: None,
            inverted: false,
            frames: i32::try_from(frames).unwrap_or(1),
            transfer_syntax: None,
            patient_name_in_file: text(tags::PATIENT_NAME).map(|name| person_name(&name)),
        };
        Ok(Self { info })
    }
}

/// `DOE^JANE^^DR` as "DR JANE DOE"-like plain words: the components, in the order written,
/// joined by spaces.
fn person_name(raw: &str) -> String {
    raw.split(['^', '=']).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// How real values become 16-bit samples: `value = low + sample × scale`, with the file's own
/// slope as the step when the range fits (so nothing is lost), a coarser one when it doesn't.
struct Depth {
    low: f64,
    high: f64,
    scale: f64,
}

impl Depth {
    fn of(values: &[f64], slope: f64) -> Self {
        let (low, high) = values.iter().filter(|v| v.is_finite()).fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let (low, high) = if low > high { (0.0, 0.0) } else { (low, high) };
        let step = if slope.is_finite() && slope > 0.0 { slope } else { 1.0 };
        let scale = if (high - low) / step > f64::from(u16::MAX) { (high - low) / f64::from(u16::MAX) } else { step };
        Self { low, high, scale }
    }

    fn offset(&self) -> f64 {
        self.low
    }

    fn samples(&self, values: &[f64]) -> Vec<u16> {
        values
            .iter()
            .map(|&v| if v.is_finite() { ((v - self.low) / self.scale).round().clamp(0.0, f64::from(u16::MAX)) as u16 } else { 0 })
            .collect()
    }
}

/// Colour planes (all red, all green, all blue) to pixels (red, green, blue each).
fn interleave(planes: &[u8]) -> Vec<u8> {
    let n = planes.len() / 3;
    (0..n).flat_map(|i| [planes[i], planes[n + i], planes[2 * n + i]]).collect()
}

/// YCbCr (full range, as JPEG and DICOM's YBR_FULL store it) to RGB, in place.
fn ybr_to_rgb(pixels: &mut [u8]) {
    for pixel in pixels.chunks_exact_mut(3) {
        let (y, cb, cr) = (f64::from(pixel[0]), f64::from(pixel[1]) - 128.0, f64::from(pixel[2]) - 128.0);
        let channel = |v: f64| v.round().clamp(0.0, 255.0) as u8;
        pixel[0] = channel(y + 1.402 * cr);
        pixel[1] = channel(y - 0.344_136 * cb - 0.714_136 * cr);
        pixel[2] = channel(y + 1.772 * cb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dicom_is_told_by_its_magic_with_or_without_the_preamble() {
        let mut with_preamble = vec![0u8; 128];
        with_preamble.extend_from_slice(b"DICM\x02\x00");
        assert!(looks_like_dicom(&with_preamble));
        assert!(looks_like_dicom(b"DICM\x02\x00\x00\x00"));
        assert!(!looks_like_dicom(b"\x89PNG\r\n\x1a\n"));
        assert!(!looks_like_dicom(&[0u8; 200]));
    }

    #[test]
    fn values_become_samples_without_loss_when_the_range_fits() {
        let values = [-1024.0, 0.0, 40.0, 3071.0];
        let depth = Depth::of(&values, 1.0);
        assert_eq!(depth.offset(), -1024.0);
        assert_eq!(depth.scale, 1.0);
        let samples = depth.samples(&values);
        assert_eq!(samples, vec![0, 1024, 1064, 4095]);
        // A slope of 0.5: steps of half a unit survive.
        let halves = Depth::of(&[0.0, 0.5, 1.0], 0.5);
        assert_eq!(halves.samples(&[0.0, 0.5, 1.0]), vec![0, 1, 2]);
        // A range wider than 16 bits is spread over them.
        let wide = Depth::of(&[0.0, 1_000_000.0], 1.0);
        assert_eq!(wide.samples(&[0.0, 1_000_000.0]), vec![0, 65_535]);
        // An empty or non-finite image doesn't panic.
        assert_eq!(Depth::of(&[], 1.0).samples(&[f64::NAN]), vec![0]);
    }

    /// A file of pydicom's test set (fetched by `scripts/setup.sh --test`).
    fn test_file(name: &str) -> Vec<u8> {
        let tools = std::env::var("CADUCEUS_TOOLS")
            .unwrap_or_else(|_| format!("{}/.cache/caduceus/tools", std::env::var("HOME").unwrap_or_default()));
        let path = std::path::Path::new(&tools).join("dicom").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup.sh --test)", path.display()))
    }

    #[test]
    fn the_header_parameters_are_read_from_an_rle_mr() {
        let decoded = decode(&test_file("MR_small_RLE.dcm")).unwrap();
        assert_eq!((decoded.width, decoded.height), (64, 64));
        let info = decoded.info;
        assert_eq!(info.modality.as_deref(), Some("MR"));
        assert_eq!(info.study_date, NaiveDate::from_ymd_opt(2004, 8, 26));
        assert_eq!((info.row_spacing_mm, info.column_spacing_mm), (Some(0.3125), Some(0.3125)));
        assert_eq!((info.window_center, info.window_width), (Some(600.0), Some(1600.0)), "the file's own window");
        assert_eq!(info.patient_name_in_file.as_deref(), Some("CompressedSamples MR1"));
        assert!(info.transfer_syntax.unwrap().contains("RLE Lossless"));
        assert_eq!(decoded.samples.map(|s| s.len()), Some(64 * 64 * 2), "16 bits a pixel");
        assert!(!info.inverted);
    }

    #[test]
    fn a_ct_keeps_its_hounsfield_units_through_the_rescale() {
        let decoded = decode(&test_file("CT_small.dcm")).unwrap();
        let info = decoded.info;
        // Rescale intercept -1024, slope 1: the offset is the lowest value, the step 1 HU.
        assert_eq!(info.value_scale, Some(1.0));
        let offset = info.value_offset.unwrap();
        assert!((-1024.0..0.0).contains(&offset), "{offset}");
        assert_eq!(
            info.window_center,
            info.window_center.map(|_| (info.window_width.unwrap() / 2.0) + offset),
            "no window in the file: its whole range"
        );
    }

    #[test]
    fn names_and_colours_are_read_as_written() {
        assert_eq!(person_name("DOE^JANE^^DR"), "DOE JANE DR");
        assert_eq!(person_name("CompressedSamples^CT1"), "CompressedSamples CT1");
        assert_eq!(interleave(&[1, 2, 3, 4, 5, 6]), vec![1, 3, 5, 2, 4, 6]);
        let mut grey = [128, 128, 128];
        ybr_to_rgb(&mut grey);
        assert_eq!(grey, [128, 128, 128]);
    }
}
