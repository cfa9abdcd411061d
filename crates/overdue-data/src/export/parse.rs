//! Parsing one cell's text: dates in configured formats, amounts with thousands
//! separators, identifiers. Pure functions, so that every rule is tested here.

use chrono::NaiveDate;
use chrono::format::{Item, StrftimeItems};

/// A date format, compiled once. Numeric formats made of `%Y`, `%m`, `%d` and
/// literal characters (`%Y-%m-%d`, `%m/%d/%Y`, `%d.%m.%Y`) are parsed by a fast
/// path that is also stricter than chrono: `%Y` takes exactly four digits, so a
/// two-digit year such as `1/5/18` is an error rather than the year 18. Any other
/// format goes through chrono.
#[derive(Debug, Clone)]
pub(crate) struct DateFormat {
    text: String,
    fast: Option<Vec<Token>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    /// `%Y`: four digits.
    Year,
    /// `%m`: one or two digits.
    Month,
    /// `%d`: one or two digits.
    Day,
    /// A literal byte.
    Literal(u8),
}

impl DateFormat {
    /// Compiles a chrono (strftime) format; an error says what is wrong with it.
    pub(crate) fn new(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err("a date format may not be empty".into());
        }
        if StrftimeItems::new(text).any(|item| matches!(item, Item::Error)) {
            return Err(format!("`{text}` is not a valid date format (chrono strftime syntax, e.g. \"%m/%d/%Y\")"));
        }
        Ok(Self { text: text.to_string(), fast: fast_tokens(text) })
    }

    /// The format as written.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Parses trimmed text; `None` when it does not match.
    pub(crate) fn parse(&self, text: &str) -> Option<NaiveDate> {
        match &self.fast {
            Some(tokens) => parse_fast(tokens, text.as_bytes()),
            None => NaiveDate::parse_from_str(text, &self.text).ok(),
        }
    }
}

/// The fast-path tokens of a format holding each of `%Y`, `%m`, `%d` exactly once
/// and otherwise only ASCII literals.
fn fast_tokens(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut bytes = text.bytes();
    while let Some(byte) = bytes.next() {
        match byte {
            b'%' => tokens.push(match bytes.next()? {
                b'Y' => Token::Year,
                b'm' => Token::Month,
                b'd' => Token::Day,
                _ => return None,
            }),
            b'0'..=b'9' => return None,
            byte if byte.is_ascii() => tokens.push(Token::Literal(byte)),
            _ => return None,
        }
    }
    let once = |t: Token| tokens.iter().filter(|&&x| x == t).count() == 1;
    (once(Token::Year) && once(Token::Month) && once(Token::Day)).then_some(tokens)
}

fn parse_fast(tokens: &[Token], text: &[u8]) -> Option<NaiveDate> {
    let (mut year, mut month, mut day) = (0i32, 0u32, 0u32);
    let mut at = 0;
    for token in tokens {
        match *token {
            Token::Literal(byte) => {
                if text.get(at) != Some(&byte) {
                    return None;
                }
                at += 1;
            }
            Token::Year => {
                let digits = text.get(at..at + 4)?;
                year = digits
                    .iter()
                    .try_fold(0i32, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + i32::from(b - b'0')))?;
                at += 4;
            }
            Token::Month | Token::Day => {
                let (value, used) = one_or_two_digits(&text[at.min(text.len())..])?;
                if *token == Token::Month {
                    month = value;
                } else {
                    day = value;
                }
                at += used;
            }
        }
    }
    if at != text.len() {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

fn one_or_two_digits(text: &[u8]) -> Option<(u32, usize)> {
    let digit = |i: usize| text.get(i).filter(|b| b.is_ascii_digit()).map(|b| u32::from(b - b'0'));
    let first = digit(0)?;
    Some(match digit(1) {
        Some(second) => (first * 10 + second, 2),
        None => (first, 1),
    })
}

/// How amounts are written: which character groups thousands and whether the
/// decimal mark is a comma.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NumberFormat {
    /// Removed before parsing (`1,234.50` with `,`; `1.234,50` with `.`).
    pub thousands_separator: Option<char>,
    /// `1234,50` means 1234.5.
    pub decimal_comma: bool,
}

impl NumberFormat {
    /// Parses trimmed text into a number (NaN and infinities included: the
    /// caller decides whether they are acceptable). `None` when it is not a number.
    pub(crate) fn parse(&self, text: &str) -> Option<f64> {
        if self.thousands_separator.is_none() && !self.decimal_comma {
            return text.parse().ok();
        }
        let mut cleaned = String::with_capacity(text.len());
        for c in text.chars() {
            if Some(c) == self.thousands_separator {
                continue;
            }
            cleaned.push(if self.decimal_comma && c == ',' { '.' } else { c });
        }
        cleaned.parse().ok()
    }
}

/// A non-negative integer written canonically (digits only, no sign, no leading
/// zero unless it is `0`): only such text may stand for a numeric identifier
/// without changing its meaning (`007` and `7` must stay two different ids).
pub(crate) fn canonical_integer(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let canonical = !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) && (bytes[0] != b'0' || bytes.len() == 1);
    if canonical { text.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn numeric_formats_take_the_fast_path() {
        for (format, text, expected) in [
            ("%Y-%m-%d", "2018-01-31", date(2018, 1, 31)),
            ("%m/%d/%Y", "01/31/2018", date(2018, 1, 31)),
            ("%m/%d/%Y", "1/5/2018", date(2018, 1, 5)),
            ("%d.%m.%Y", "05.01.2018", date(2018, 1, 5)),
            ("%m/%d/%Y", "02/30/2018", None),
            ("%m/%d/%Y", "13/01/2018", None),
            ("%Y-%m-%d", "2018-01-31x", None),
            ("%Y-%m-%d", "", None),
        ] {
            let parsed = DateFormat::new(format).unwrap();
            assert!(parsed.fast.is_some(), "{format}");
            assert_eq!(parsed.parse(text), expected, "{format} {text}");
            assert_eq!(NaiveDate::parse_from_str(text, format).ok(), expected, "chrono agrees on {format} {text}");
        }
    }

    #[test]
    fn a_two_digit_year_is_not_silently_the_year_18() {
        let format = DateFormat::new("%m/%d/%Y").unwrap();
        assert_eq!(format.parse("1/5/18"), None);
        assert_eq!(
            NaiveDate::parse_from_str("1/5/18", "%m/%d/%Y").ok(),
            date(18, 1, 5),
            "chrono alone would accept it"
        );
    }

    #[test]
    fn other_formats_go_through_chrono() {
        let format = DateFormat::new("%d %b %Y").unwrap();
        assert!(format.fast.is_none());
        assert_eq!(format.parse("05 Jan 2018"), date(2018, 1, 5));
        assert_eq!(format.parse("05 Jxn 2018"), None);
    }

    #[test]
    fn invalid_formats_are_rejected() {
        assert!(DateFormat::new("%Q-%m").unwrap_err().contains("%Q-%m"));
        assert!(DateFormat::new(" ").is_err());
    }

    #[test]
    fn amounts_with_thousands_separators_and_decimal_commas() {
        let plain = NumberFormat { thousands_separator: None, decimal_comma: false };
        assert_eq!(plain.parse("1234.5"), Some(1234.5));
        assert_eq!(plain.parse("1,234.5"), None, "a comma is not a number without a thousands separator");
        assert!(plain.parse("NaN").unwrap().is_nan());
        let us = NumberFormat { thousands_separator: Some(','), decimal_comma: false };
        assert_eq!(us.parse("1,234,567.25"), Some(1_234_567.25));
        let german = NumberFormat { thousands_separator: Some('.'), decimal_comma: true };
        assert_eq!(german.parse("1.234.567,25"), Some(1_234_567.25));
        assert_eq!(german.parse("12,5"), Some(12.5));
        assert_eq!(german.parse("abc"), None);
    }

    #[test]
    fn only_canonical_integers_are_numeric_ids() {
        assert_eq!(canonical_integer("0"), Some(0));
        assert_eq!(canonical_integer("12345"), Some(12345));
        for text in ["007", "-1", "+1", "1.0", "", "1e3", "99999999999999999999999"] {
            assert_eq!(canonical_integer(text), None, "{text}");
        }
    }
}
