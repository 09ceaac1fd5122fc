//! Values the user types, parsed with one-line errors: regexes, durations,
//! percentages. The CLI's typed options use these as clap value parsers.

use crate::Error;

/// A value the user typed that does not read (bad input).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueError {
    Regex { why: String },
    Duration { text: String },
    DurationUnit { unit: String, text: String },
    Percent { text: String },
    PercentRange { text: String },
    Level { text: String },
    Number { text: String },
    NumberRange { text: String },
}

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueError::Regex { why } => write!(f, "invalid regex: {why}"),
            ValueError::Duration { text } => write!(f, "invalid duration '{text}' (e.g. 1ms, 500us, 0.5s)"),
            ValueError::DurationUnit { unit, text } => {
                write!(f, "unknown unit '{unit}' in '{text}' (use ns, us, ms or s)")
            }
            ValueError::Percent { text } => write!(f, "{text}: a percentage, like 2%"),
            ValueError::PercentRange { text } => write!(f, "{text}: a percentage, like 2% (finite, not negative)"),
            ValueError::Level { text } => write!(f, "{text}: a level between 0.5 and 1, like 0.95"),
            ValueError::Number { text } => write!(f, "{text}: a number, like 5"),
            ValueError::NumberRange { text } => write!(f, "{text}: a finite number, not negative"),
        }
    }
}

impl std::error::Error for ValueError {}

impl crate::Typed for ValueError {
    fn fault(&self) -> crate::ErrorKind {
        crate::ErrorKind::BadInput
    }
}

/// A regular expression (the regex crate's several-line error on one line).
pub fn regex(text: &str) -> Result<regex::Regex, Error> {
    regex::Regex::new(text).map_err(|e| {
        let full = e.to_string();
        // the message is the pattern, a caret line, then `error: …`
        let what = full.lines().rev().find_map(|l| l.trim().strip_prefix("error: ")).unwrap_or(full.trim());
        Error::from(ValueError::Regex { why: what.to_string() })
    })
}

/// A duration like `1ms`, `500us`, `250µs`, `0.5s`, `2000ns`, in
/// nanoseconds; a bare number is microseconds, the trace format's unit.
pub fn duration(text: &str) -> Result<i64, Error> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| Error::from(ValueError::Duration { text: text.to_string() }))?;
    let scale = match unit.trim() {
        "ns" => 1.0,
        "" | "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        other => return Err(Error::from(ValueError::DurationUnit { unit: other.to_string(), text: text.to_string() })),
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
        .map_err(|_| Error::from(ValueError::Percent { text: text.to_string() }))?;
    if !n.is_finite() || n < 0.0 {
        return Err(Error::from(ValueError::PercentRange { text: text.to_string() }));
    }
    Ok(n / 100.0)
}

/// A confidence level between 0.5 and 1, like 0.95.
pub fn confidence(text: &str) -> Result<f64, Error> {
    match text.trim().parse::<f64>() {
        Ok(c) if (0.5..1.0).contains(&c) => Ok(c),
        _ => Err(Error::from(ValueError::Level { text: text.to_string() })),
    }
}

/// A finite number, not negative.
pub fn non_negative(text: &str) -> Result<f64, Error> {
    let n: f64 = text.trim().parse().map_err(|_| Error::from(ValueError::Number { text: text.to_string() }))?;
    if !n.is_finite() || n < 0.0 {
        return Err(Error::from(ValueError::NumberRange { text: text.to_string() }));
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

    /// Each refusal is its own kind (the text stays the snapshot of one).
    #[test]
    fn refusals_by_kind() {
        let kind = |e: Error| e.typed::<ValueError>().cloned();
        assert!(matches!(regex("(").err().and_then(kind), Some(ValueError::Regex { .. })));
        assert_eq!(duration("fast").err().and_then(kind), Some(ValueError::Duration { text: "fast".into() }));
        assert_eq!(
            duration("3 parsecs").err().and_then(kind),
            Some(ValueError::DurationUnit { unit: "parsecs".into(), text: "3 parsecs".into() })
        );
        assert_eq!(percent("5x").err().and_then(kind), Some(ValueError::Percent { text: "5x".into() }));
        assert_eq!(percent("-1").err().and_then(kind), Some(ValueError::PercentRange { text: "-1".into() }));
        assert_eq!(confidence("2").err().and_then(kind), Some(ValueError::Level { text: "2".into() }));
        assert_eq!(non_negative("x").err().and_then(kind), Some(ValueError::Number { text: "x".into() }));
        assert_eq!(non_negative("NaN").err().and_then(kind), Some(ValueError::NumberRange { text: "NaN".into() }));
        assert!(percent("5x").is_err_and(|e| e.is_bad_input()));
    }
}
