//! Values the user types, parsed with one-line errors: regexes, durations,
//! percentages. The CLI's typed options use these as clap value parsers.

use crate::Error;

/// A regular expression (the regex crate's several-line error on one line).
pub fn regex(text: &str) -> Result<regex::Regex, Error> {
    regex::Regex::new(text).map_err(|e| {
        let full = e.to_string();
        // the message is the pattern, a caret line, then `error: …`
        let what = full.lines().rev().find_map(|l| l.trim().strip_prefix("error: ")).unwrap_or(full.trim());
        Error::bad_input(format!("invalid regex: {what}"))
    })
}

/// A duration like `1ms`, `500us`, `250µs`, `0.5s`, `2000ns`, in
/// nanoseconds; a bare number is microseconds, the trace format's unit.
pub fn duration(text: &str) -> Result<i64, Error> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 =
        num.parse().map_err(|_| Error::bad_input(format!("invalid duration '{text}' (e.g. 1ms, 500us, 0.5s)")))?;
    let scale = match unit.trim() {
        "ns" => 1.0,
        "" | "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        other => return Err(Error::bad_input(format!("unknown unit '{other}' in '{text}' (use ns, us, ms or s)"))),
    };
    Ok((value * scale).round() as i64)
}

/// A percentage like `2%` or `2`, as a fraction (0.02): finite, not negative.
pub fn percent(text: &str) -> Result<f64, Error> {
    let n: f64 = text
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .map_err(|_| Error::bad_input(format!("{text}: a percentage, like 2%")))?;
    if !n.is_finite() || n < 0.0 {
        return Err(Error::bad_input(format!("{text}: a percentage, like 2% (finite, not negative)")));
    }
    Ok(n / 100.0)
}

/// A confidence level between 0.5 and 1, like 0.95.
pub fn confidence(text: &str) -> Result<f64, Error> {
    match text.trim().parse::<f64>() {
        Ok(c) if (0.5..1.0).contains(&c) => Ok(c),
        _ => Err(Error::bad_input(format!("{text}: a level between 0.5 and 1, like 0.95"))),
    }
}

/// A finite number, not negative.
pub fn non_negative(text: &str) -> Result<f64, Error> {
    let n: f64 = text.trim().parse().map_err(|_| Error::bad_input(format!("{text}: a number, like 5")))?;
    if !n.is_finite() || n < 0.0 {
        return Err(Error::bad_input(format!("{text}: a finite number, not negative")));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_errors() {
        assert_eq!(regex("(").expect_err("unclosed").message, "invalid regex: unclosed group");
        assert!(regex("(?i)Ab").expect("case-insensitive").is_match("aB"));
        assert!(regex(r"\p{Greek}").expect("unicode classes").is_match("λ"));
        assert_eq!(percent("2%").ok(), Some(0.02));
        assert!(percent("NaN").is_err() && percent("inf").is_err() && percent("-1").is_err());
        assert!(non_negative("NaN").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(duration("1ms").ok(), Some(1_000_000));
        assert_eq!(duration("500us").ok(), Some(500_000));
        assert_eq!(duration("250µs").ok(), Some(250_000));
        assert_eq!(duration("0.5s").ok(), Some(500_000_000));
        assert_eq!(duration("20").ok(), Some(20_000));
        assert!(duration("fast").is_err());
        assert!(duration("3 parsecs").is_err());
        assert!(duration("-1ms").is_err());
    }
}
