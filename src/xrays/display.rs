//! How an image's values become grey levels on screen: the DICOM window (centre/width, linear
//! function of PS3.3 C.11.2.1.2) over 16-bit samples, and brightness/contrast for pictures.
//! Shared by the server (a DICOM's preview, rendered with the file's window) and the browser's
//! viewer (which redraws through these tables as the reader drags).

/// A window over the image's real values: what is shown from black to white.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub center: f64,
    pub width: f64,
}

/// Named windows for CT values in Hounsfield units.
pub const CT_PRESETS: [(&str, Window); 4] = [
    ("Soft tissue", Window { center: 40.0, width: 400.0 }),
    ("Lung", Window { center: -600.0, width: 1500.0 }),
    ("Bone", Window { center: 400.0, width: 1800.0 }),
    ("Brain", Window { center: 40.0, width: 80.0 }),
];

/// The narrowest window the viewer allows (a width of 1 is a threshold).
pub const MIN_WINDOW_WIDTH: f64 = 1.0;

/// The grey level (0–255) of real value `x` under `window` (DICOM's linear VOI function).
pub fn window_level(x: f64, window: Window) -> u8 {
    let width = window.width.max(MIN_WINDOW_WIDTH);
    let (c, w) = (window.center - 0.5, width - 1.0);
    if w <= 0.0 {
        return if x <= c { 0 } else { 255 };
    }
    if x <= c - w / 2.0 {
        0
    } else if x > c + w / 2.0 {
        255
    } else {
        (((x - c) / w + 0.5) * 255.0).round().clamp(0.0, 255.0) as u8
    }
}

/// The grey level of each 16-bit sample (65,536 entries): sample `s` has the real value
/// `offset + s × scale`. `invert` shows low values white (MONOCHROME1, or the reader's choice).
pub fn sample_table(offset: f64, scale: f64, window: Window, invert: bool) -> Vec<u8> {
    (0..=u16::MAX)
        .map(|sample| {
            let grey = window_level(offset + f64::from(sample) * scale, window);
            if invert {
                255 - grey
            } else {
                grey
            }
        })
        .collect()
}

/// Brightness (−100 to 100) and contrast (percent, 100 unchanged) as a table over 8-bit levels.
pub fn brightness_contrast_table(brightness: f64, contrast_percent: f64, invert: bool) -> [u8; 256] {
    let mut table = [0u8; 256];
    let gain = (contrast_percent / 100.0).max(0.0);
    for (level, entry) in table.iter_mut().enumerate() {
        let value = (level as f64 - 127.5) * gain + 127.5 + brightness * 2.55;
        let grey = value.round().clamp(0.0, 255.0) as u8;
        *entry = if invert { 255 - grey } else { grey };
    }
    table
}

/// The window of all values from `low` to `high`.
pub fn full_range(low: f64, high: f64) -> Window {
    Window { center: (low + high) / 2.0, width: (high - low).max(MIN_WINDOW_WIDTH) }
}

/// Moves a window as a drag does: right widens (contrast down), down raises the level
/// (darker), each pixel of drag `step` values — the convention of PACS viewers.
pub fn drag_window(window: Window, dx: f64, dy: f64, step: f64) -> Window {
    Window { center: window.center + dy * step, width: (window.width + dx * step).max(MIN_WINDOW_WIDTH) }
}

/// The distance in millimetres between two points given in image pixels (x along a row,
/// y down the columns), from the spacing between columns and between rows.
pub fn distance_mm(from: (f64, f64), to: (f64, f64), row_spacing_mm: f64, column_spacing_mm: f64) -> f64 {
    let dx = (to.0 - from.0) * column_spacing_mm;
    let dy = (to.1 - from.1) * row_spacing_mm;
    (dx * dx + dy * dy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_maps_its_range_from_black_to_white() {
        let soft = Window { center: 40.0, width: 400.0 };
        assert_eq!(window_level(-1000.0, soft), 0, "air is black");
        assert_eq!(window_level(-160.5, soft), 0, "the bottom of the window");
        assert_eq!(window_level(3000.0, soft), 255, "metal is white");
        assert_eq!(window_level(239.5, soft), 255, "the top of the window");
        let middle = window_level(40.0, soft);
        assert!((127..=128).contains(&middle), "the centre is mid-grey, got {middle}");
        // Monotonic inside the window.
        let levels: Vec<u8> = (-160..240).map(|x| window_level(f64::from(x), soft)).collect();
        assert!(levels.windows(2).all(|pair| pair[0] <= pair[1]));
    }

    #[test]
    fn a_width_of_one_is_a_threshold() {
        let threshold = Window { center: 100.0, width: 1.0 };
        assert_eq!(window_level(99.0, threshold), 0);
        assert_eq!(window_level(100.0, threshold), 255);
        assert_eq!(window_level(50.0, Window { center: 100.0, width: -5.0 }), 0, "a negative width is clamped, not a panic");
    }

    #[test]
    fn the_sample_table_applies_offset_scale_and_inversion() {
        // CT: samples 0..4095 stand for -1024..3071 HU.
        let table = sample_table(-1024.0, 1.0, Window { center: 40.0, width: 400.0 }, false);
        assert_eq!(table.len(), 65_536);
        assert_eq!(table[0], 0, "-1024 HU is black");
        assert_eq!(table[1024 + 240], 255, "240 HU is white");
        let inverted = sample_table(-1024.0, 1.0, Window { center: 40.0, width: 400.0 }, true);
        assert_eq!(inverted[0], 255);
        assert_eq!(u16::from(table[1064]) + u16::from(inverted[1064]), 255);
        // A scale of 2: sample 100 is value 200.
        let scaled = sample_table(0.0, 2.0, Window { center: 200.0, width: 2.0 }, false);
        assert_eq!(scaled[99], 0);
        assert_eq!(scaled[101], 255);
    }

    #[test]
    fn brightness_and_contrast_move_and_stretch_the_levels() {
        let unchanged = brightness_contrast_table(0.0, 100.0, false);
        assert!(unchanged.iter().enumerate().all(|(i, &v)| usize::from(v) == i));
        let brighter = brightness_contrast_table(20.0, 100.0, false);
        assert_eq!(brighter[100], 151);
        assert_eq!(brighter[250], 255, "clamped at white");
        let flat = brightness_contrast_table(0.0, 0.0, false);
        assert!(flat.iter().all(|&v| v == 128), "no contrast is one grey");
        let inverted = brightness_contrast_table(0.0, 100.0, true);
        assert_eq!(inverted[0], 255);
    }

    #[test]
    fn dragging_moves_the_level_and_width() {
        let w = drag_window(Window { center: 40.0, width: 400.0 }, 10.0, -5.0, 2.0);
        assert_eq!(w, Window { center: 30.0, width: 420.0 });
        let narrow = drag_window(Window { center: 0.0, width: 10.0 }, -100.0, 0.0, 1.0);
        assert_eq!(narrow.width, MIN_WINDOW_WIDTH);
        assert_eq!(full_range(-1024.0, 3071.0), Window { center: 1023.5, width: 4095.0 });
    }

    #[test]
    fn lengths_use_the_spacing_of_rows_and_columns() {
        assert!((distance_mm((0.0, 0.0), (30.0, 40.0), 0.5, 0.5) - 25.0).abs() < 1e-9);
        // Anisotropic pixels: 1 mm between rows, 0.5 mm between columns.
        assert!((distance_mm((10.0, 10.0), (10.0, 20.0), 1.0, 0.5) - 10.0).abs() < 1e-9);
        assert!((distance_mm((10.0, 10.0), (30.0, 10.0), 1.0, 0.5) - 10.0).abs() < 1e-9);
    }
}
