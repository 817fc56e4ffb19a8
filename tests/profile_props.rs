//! Property tests: loading never panics, whatever the text; nor do the small
//! parsers it is built from.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use golive::profile::{self, MetricKind, duration, interpolate, threshold};
use proptest::prelude::*;

/// A valid profile to mutate, so mutations reach the deep checks instead of
/// stopping at the TOML parser.
const SEED: &str = include_str!("../profiles/ai-service.toml");

fn lookup(name: &str) -> Option<String> {
    name.len().is_multiple_of(2).then(|| format!("v-{name}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn load_never_panics_on_arbitrary_text(text in "\\PC*") {
        let _ = profile::load_str(Path::new("p.toml"), &text);
    }

    #[test]
    fn load_never_panics_on_toml_like_text(
        text in "(\\[\\[?(service|endpoint|phase|phase\\.item|gate|logs|actions\\.x)\\]\\]?\n|[a-z_]{1,12} = (\"[^\"\n]{0,20}\"|[0-9]{1,4}|true|\\[\"[a-z$\\{\\}:-]{0,10}\"\\]|\\{ [a-z_]{1,8} = \"[^\"\n]{0,10}\" \\})\n){0,30}"
    ) {
        let _ = profile::load_with(Path::new("p.toml"), &text, &lookup);
    }

    #[test]
    fn load_never_panics_on_a_mutated_valid_profile(
        at in 0usize..SEED.len(),
        cut in 0usize..40,
        insert in "[\\PC\n]{0,12}",
    ) {
        let mut start = at.min(SEED.len());
        while !SEED.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + cut).min(SEED.len());
        while !SEED.is_char_boundary(end) {
            end -= 1;
        }
        let text = format!("{}{}{}", &SEED[..start], insert, &SEED[end..]);
        if let Err(e) = profile::load_with(Path::new("p.toml"), &text, &lookup) {
            // Every problem displays, with a position inside the file.
            for issue in e.issues() {
                let _ = issue.to_string();
                prop_assert!(issue.line <= text.lines().count() + 1);
            }
        }
    }

    #[test]
    fn small_parsers_never_panic(text in "\\PC{0,30}") {
        let _ = duration::parse(&text);
        let _ = threshold::parse_ratio(&text);
        for (_, kind) in MetricKind::ALL {
            let _ = threshold::parse_threshold(&text, kind);
        }
        let mut i = interpolate::Interpolator::new(&lookup, vec!["X".into()]);
        let _ = i.expand(&text);
    }

    #[test]
    fn interpolation_without_references_is_identity(text in "[^$]{0,40}") {
        let mut i = interpolate::Interpolator::new(&lookup, Vec::new());
        prop_assert_eq!(i.expand(&text).unwrap(), text);
    }
}
