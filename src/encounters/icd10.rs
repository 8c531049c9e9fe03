//! The ICD-10-CM code list the server ships (`icd10cm-2026.tsv`, CDC/NCHS, public domain):
//! the check that a diagnosis code exists, and the form's type-ahead.
//!
//! 46,881 codes held in memory once, sorted by code: a lookup is a binary search, a type-ahead
//! a scan of lowercased descriptions (about a millisecond), so no table or index is needed.

use super::normalize_code as normalize;
use std::sync::LazyLock;

const LIST: &str = include_str!("icd10cm-2026.tsv");

/// How many suggestions the type-ahead returns at most.
pub const SUGGESTIONS: usize = 20;

struct Code {
    code: &'static str,
    description: &'static str,
    /// `description` lowercased, for case-insensitive search.
    folded: String,
}

static CODES: LazyLock<Vec<Code>> = LazyLock::new(|| {
    let mut codes: Vec<Code> = LIST
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| line.split_once('\t'))
        .map(|(code, description)| Code { code, description, folded: description.to_lowercase() })
        .collect();
    codes.sort_by(|a, b| a.code.cmp(b.code));
    codes
});

/// The official description of `code` (normalized first), or `None` if the list has no such code.
pub fn describe(code: &str) -> Option<(&'static str, &'static str)> {
    let wanted = normalize(code);
    let codes = &*CODES;
    codes.binary_search_by(|entry| entry.code.cmp(wanted.as_str())).ok().map(|at| (codes[at].code, codes[at].description))
}

/// Up to `SUGGESTIONS` codes for what was typed: codes starting with it first (in code order),
/// then codes whose description holds every typed word (the most general, shortest code first;
/// among equals, those holding the words as typed).
pub fn suggest(query: &str) -> Vec<(&'static str, &'static str)> {
    let query = query.trim();
    if query.is_empty() {
        return Vec::new();
    }
    let codes = &*CODES;
    let prefix = normalize(query);
    let start = codes.partition_point(|entry| entry.code < prefix.as_str());
    let mut found: Vec<(&'static str, &'static str)> = codes[start..]
        .iter()
        .take_while(|entry| entry.code.starts_with(prefix.as_str()))
        .take(SUGGESTIONS)
        .map(|entry| (entry.code, entry.description))
        .collect();
    if found.len() < SUGGESTIONS {
        let words: Vec<String> = query.to_lowercase().split_whitespace().map(str::to_owned).collect();
        let mut by_words: Vec<&Code> = codes
            .iter()
            .filter(|entry| words.iter().all(|word| entry.folded.contains(word.as_str())))
            .filter(|entry| !found.iter().any(|(code, _)| *code == entry.code))
            .collect();
        // The most general (shortest) codes first; among those, the ones holding the words as typed.
        let phrase = words.join(" ");
        by_words.sort_by_key(|entry| (entry.code.len(), !entry.folded.contains(phrase.as_str()), entry.description.len()));
        found.extend(by_words.into_iter().take(SUGGESTIONS - found.len()).map(|entry| (entry.code, entry.description)));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_list_is_loaded_and_sorted() {
        assert_eq!(CODES.len(), 46_881);
        assert!(CODES.windows(2).all(|pair| pair[0].code < pair[1].code));
    }

    #[test]
    fn codes_are_found_however_they_are_typed() {
        assert_eq!(describe("E11.9"), Some(("E11.9", "Type 2 diabetes mellitus without complications")));
        assert_eq!(describe(" e119 ").map(|(code, _)| code), Some("E11.9"));
        assert_eq!(describe("i10").map(|(_, text)| text), Some("Essential (primary) hypertension"));
        assert_eq!(describe("J45").map(|(code, _)| code), Some("J45"));
    }

    #[test]
    fn unknown_codes_are_not_found() {
        assert_eq!(describe("E11.99999"), None);
        assert_eq!(describe("XYZ"), None);
        assert_eq!(describe(""), None);
        assert_eq!(describe("E"), None);
        assert_eq!(describe("Ééé.9"), None);
    }

    #[test]
    fn the_type_ahead_offers_codes_by_prefix_then_by_words() {
        let by_code = suggest("E11.6");
        assert!(!by_code.is_empty());
        assert!(by_code.iter().all(|(code, _)| code.starts_with("E11.6")));

        let by_words = suggest("essential hypertension");
        assert_eq!(by_words.first().map(|(code, _)| *code), Some("I10"));

        let asthma = suggest("Asthma");
        assert!(asthma.len() <= SUGGESTIONS);
        assert!(asthma.iter().all(|(_, text)| text.to_lowercase().contains("asthma")));
        assert_eq!(asthma.first().map(|(code, _)| *code), Some("J45"));
    }

    #[test]
    fn nothing_typed_or_nothing_matching_gives_no_suggestion() {
        assert!(suggest("   ").is_empty());
        assert!(suggest("zzzz qqqq").is_empty());
    }
}
