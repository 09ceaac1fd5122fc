//! Value parsers for typed options, so that a bad value is clap's one-line
//! error before anything runs: regexes, durations, percentages.

/// A regular expression; its error on one line.
pub fn regex(text: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(text).map_err(|e| {
        let full = e.to_string();
        // the regex crate's message is several lines: the pattern, a caret, then `error: …`
        let what = full.lines().rev().find_map(|l| l.trim().strip_prefix("error: ")).unwrap_or(full.trim());
        format!("invalid regex: {what}")
    })
}

/// A duration like `1ms`, `500us`, `0.5s`; a bare number is microseconds.
/// Nanoseconds.
pub fn duration(text: &str) -> Result<i64, String> {
    let ns = fastware_report::units::parse_duration(text)?;
    if ns < 0 {
        return Err(format!("a duration cannot be negative: {text}"));
    }
    Ok(ns)
}

/// A percentage like `2%` or `2`, as a fraction (0.02); finite and not negative.
pub fn percent(text: &str) -> Result<f64, String> {
    let n: f64 =
        text.trim().trim_end_matches('%').trim().parse().map_err(|_| format!("{text}: a percentage, like 2%"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("{text}: a percentage, like 2% (finite, not negative)"));
    }
    Ok(n / 100.0)
}

/// A finite number that is not negative.
pub fn non_negative(text: &str) -> Result<f64, String> {
    let n: f64 = text.trim().parse().map_err(|_| format!("{text}: a number, like 5"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("{text}: a finite number, not negative"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_errors() {
        let e = regex("(").expect_err("unclosed");
        assert_eq!(e, "invalid regex: unclosed group");
        assert!(regex("(?i)Ab").expect("case-insensitive").is_match("aB"));
        assert!(regex(r"\p{Greek}").expect("unicode classes").is_match("λ"));
        assert_eq!(percent("2%"), Ok(0.02));
        assert!(percent("NaN").is_err() && percent("inf").is_err() && percent("-1").is_err());
        assert!(non_negative("NaN").is_err());
        assert_eq!(duration("1ms"), Ok(1_000_000));
    }
}
