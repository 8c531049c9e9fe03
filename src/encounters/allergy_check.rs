//! The allergy check at prescribing: does a drug match a substance the patient is allergic to?
//!
//! A match is the same word in both ("Penicillin V 500 mg" and "penicillin"), or both in one
//! drug class (an allergy to "amoxicillin" or to "penicillins" and a prescription of
//! ampicillin). The class list is short and conservative: it covers the allergies clinicians
//! record most, and a miss is a missed warning, never a refused prescription.

/// Drug classes by the words that name them, and their members.
const CLASSES: &[(&[&str], &[&str])] = &[
    (
        &["penicillin", "penicillins", "pcn", "betalactam", "beta-lactam"],
        &[
            "penicillin",
            "amoxicillin",
            "ampicillin",
            "piperacillin",
            "dicloxacillin",
            "flucloxacillin",
            "cloxacillin",
            "oxacillin",
            "nafcillin",
            "ticarcillin",
            "co-amoxiclav",
            "augmentin",
        ],
    ),
    (
        &["cephalosporin", "cephalosporins"],
        &[
            "cefalexin",
            "cephalexin",
            "cefazolin",
            "cefuroxime",
            "ceftriaxone",
            "cefdinir",
            "cefixime",
            "cefepime",
            "cefpodoxime",
            "cefaclor",
            "ceftazidime",
            "cefadroxil",
        ],
    ),
    (
        &["sulfa", "sulfonamide", "sulfonamides", "sulpha"],
        &["sulfamethoxazole", "sulfasalazine", "sulfadiazine", "co-trimoxazole", "bactrim", "septra"],
    ),
    (
        &["nsaid", "nsaids"],
        &[
            "ibuprofen",
            "naproxen",
            "diclofenac",
            "aspirin",
            "ketorolac",
            "indomethacin",
            "meloxicam",
            "celecoxib",
            "ketoprofen",
            "piroxicam",
        ],
    ),
    (
        &["opioid", "opioids", "opiate", "opiates"],
        &["codeine", "morphine", "oxycodone", "hydrocodone", "tramadol", "fentanyl", "hydromorphone", "tapentadol", "methadone"],
    ),
    (&["macrolide", "macrolides"], &["erythromycin", "azithromycin", "clarithromycin"]),
    (
        &["quinolone", "quinolones", "fluoroquinolone", "fluoroquinolones"],
        &["ciprofloxacin", "levofloxacin", "moxifloxacin", "ofloxacin", "norfloxacin"],
    ),
    (&["tetracycline", "tetracyclines"], &["tetracycline", "doxycycline", "minocycline"]),
    (&["statin", "statins"], &["atorvastatin", "simvastatin", "rosuvastatin", "pravastatin", "lovastatin"]),
];

/// Words of a drug's or substance's name that say nothing about what it is.
const NOISE: &[&str] = &[
    "mg",
    "mcg",
    "g",
    "ml",
    "tablet",
    "tablets",
    "capsule",
    "capsules",
    "oral",
    "iv",
    "im",
    "cream",
    "syrup",
    "suspension",
    "injection",
    "sodium",
    "potassium",
    "calcium",
    "hydrochloride",
    "hcl",
    "and",
    "with",
    "of",
    "allergy",
    "drugs",
    "drug",
];

fn words(name: &str) -> Vec<String> {
    name.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .map(|word| word.trim_matches('-'))
        .filter(|word| word.len() > 1 && !word.chars().all(|c| c.is_ascii_digit()) && !NOISE.contains(word))
        .map(str::to_owned)
        .collect()
}

/// The classes a word names or belongs to.
fn classes_of(word: &str) -> impl Iterator<Item = usize> + '_ {
    CLASSES.iter().enumerate().filter(move |(_, (names, members))| names.contains(&word) || members.contains(&word)).map(|(at, _)| at)
}

/// Whether a prescription of `drug` conflicts with an allergy to `substance`.
pub fn conflicts(drug: &str, substance: &str) -> bool {
    let drug_words = words(drug);
    let substance_words = words(substance);
    let same_word = drug_words.iter().any(|word| substance_words.contains(word));
    let same_class = || {
        drug_words
            .iter()
            .flat_map(|word| classes_of(word))
            .any(|class| substance_words.iter().any(|word| classes_of(word).any(|c| c == class)))
    };
    same_word || same_class()
}

/// The first of `substances` that `drug` conflicts with.
pub fn first_conflict<'a>(drug: &str, substances: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    substances.into_iter().find(|substance| conflicts(drug, substance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_drug_matches_whatever_the_strength_or_case() {
        assert!(conflicts("Penicillin V potassium 500 mg", "penicillin"));
        assert!(conflicts("IBUPROFEN 400MG", "Ibuprofen"));
        assert!(conflicts("Amoxicillin", " amoxicillin "));
    }

    #[test]
    fn a_drug_of_the_class_the_patient_reacts_to_matches() {
        assert!(conflicts("Amoxicillin 500 mg", "Penicillins"));
        assert!(conflicts("Ampicillin", "amoxicillin"));
        assert!(conflicts("Sulfamethoxazole/trimethoprim", "Sulfa drugs"));
        assert!(conflicts("Naproxen sodium", "NSAIDs"));
        assert!(conflicts("Codeine phosphate", "opiates"));
    }

    #[test]
    fn unrelated_drugs_and_salts_do_not_match() {
        assert!(!conflicts("Metformin 500 mg", "Penicillin"));
        assert!(!conflicts("Azithromycin", "Penicillin"));
        assert!(!conflicts("Paracetamol", "Peanuts"));
        // A salt is not the drug: naproxen sodium is no match for a sodium lauryl sulfate allergy.
        assert!(!conflicts("Naproxen sodium", "Sodium lauryl sulfate"));
        assert!(!conflicts("Lisinopril 10 mg", "Latex"));
    }

    #[test]
    fn the_first_conflicting_allergy_is_named() {
        let allergies = ["Latex", "Penicillin", "Amoxicillin"];
        assert_eq!(first_conflict("Amoxicillin 250 mg", allergies), Some("Penicillin"));
        assert_eq!(first_conflict("Metformin", allergies), None);
    }
}
