//! How a measured number reads in evidence: three significant figures, and
//! whole numbers as whole numbers. A probe's response time arrives as
//! `4.9702519999999994` ms; an operator reads `4.97`. Every place evidence
//! prints an observed value goes through [`reading`], so the same number
//! never reads two ways on two screens.

/// `v` rounded for a person: whole numbers as they are (`200`, `1500`),
/// values from 100 up to the unit (`123.456` → `123`), smaller ones to three
/// significant figures without trailing zeros (`4.97025` → `4.97`,
/// `0.012345` → `0.0123`, `0.25` → `0.25`).
pub fn reading(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let magnitude = v.abs();
    if magnitude >= 100.0 {
        return format!("{v:.0}");
    }
    if magnitude < 1e-6 {
        return format!("{v:.2e}");
    }
    let decimals = (2 - magnitude.log10().floor() as i32).clamp(0, 9) as usize;
    let text = format!("{v:.decimals$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::reading;

    #[test]
    fn three_significant_figures_and_whole_numbers_whole() {
        for (v, want) in [
            (4.970_251_999_999_999_4, "4.97"),
            (56.0, "56"),
            (200.0, "200"),
            (1500.0, "1500"),
            (123.456, "123"),
            (12_345.6, "12346"),
            (56.78, "56.8"),
            (0.25, "0.25"),
            (0.012_345, "0.0123"),
            (9.9996, "10"),
            (0.999_99, "1"),
            (-4.97025, "-4.97"),
            (-0.000_000_1, "-1.00e-7"),
            (1.0e20, "100000000000000000000"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(reading(v), want, "{v}");
        }
    }
}
