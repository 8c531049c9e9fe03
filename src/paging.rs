//! Page numbers of paged lists. One check for every list, so that a page number nobody could
//! reach (`page=9223372036854775806`) is a 422 instead of an overflowing offset.

use crate::error::{AppError, AppResult};

/// The highest page any list serves; far beyond what a person pages to, well inside what an
/// offset can hold for any page size we use.
pub const MAX_PAGE: i64 = 1_000_000;

/// The page asked for (the `first` page when none is given), refused outside `first..=MAX_PAGE`.
pub fn page_number(page: Option<i64>, first: i64) -> AppResult<i64> {
    let page = page.unwrap_or(first);
    if (first..=MAX_PAGE).contains(&page) {
        Ok(page)
    } else {
        Err(AppError::validation(format!("page must be between {first} and {MAX_PAGE}.")))
    }
}

/// The rows to skip for `page` (counted from `first`) of `per_page` rows; `page` is one that
/// [`page_number`] accepted.
pub fn offset(page: i64, first: i64, per_page: i64) -> i64 {
    (page - first) * per_page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_outside_the_range_are_refused_and_inside_it_give_their_offset() {
        assert_eq!(page_number(None, 1).unwrap(), 1);
        assert_eq!(page_number(None, 0).unwrap(), 0);
        assert_eq!(page_number(Some(3), 1).unwrap(), 3);
        for bad in [0, -1, MAX_PAGE + 1, i64::MAX, i64::MIN] {
            assert!(matches!(page_number(Some(bad), 1), Err(AppError::Validation(_))), "page {bad}");
        }
        assert!(page_number(Some(-1), 0).is_err());
        assert_eq!(offset(3, 1, 20), 40);
        assert_eq!(offset(0, 0, 500), 0);
        // The largest accepted page of the largest page size still fits.
        assert_eq!(offset(MAX_PAGE, 0, 500), 500_000_000);
    }
}
