//! When a payables prediction is made, and how categorical columns become numbers.

use std::fmt;

use chrono::{Duration, NaiveDate};
use overdue_data::Payable;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::FeatureError;

/// The moment at which an invoice's payment status is predicted (study 2's
/// two moments). Features see what was known at the **start** of that day.
///
/// In a config: `"at_posting"`, `"before_due"` (3 days, the study's choice) or
/// `{ before_due = k }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PredictionMoment {
    /// When the invoice is posted: invoice data only, no process data of its own.
    AtPosting,
    /// `days` days before the due date (never before the posting date), when
    /// the invoice's process so far is known.
    BeforeDue {
        /// Days before the due date (study 2: 3).
        days: u32,
    },
}

impl PredictionMoment {
    /// The study's days before the due date.
    pub const DEFAULT_DAYS_BEFORE_DUE: u32 = 3;
    /// Most days before the due date accepted.
    pub const MAX_DAYS_BEFORE_DUE: u32 = 365;

    /// Checks the number of days.
    pub fn validate(self) -> Result<Self, FeatureError> {
        match self {
            PredictionMoment::BeforeDue { days } if days > Self::MAX_DAYS_BEFORE_DUE => {
                Err(FeatureError::BadMoment { days })
            }
            _ => Ok(self),
        }
    }

    /// The date of the prediction for `invoice`: its posting date, or `days`
    /// before its due date but not before its posting date (an invoice with
    /// shorter terms is predicted when it is posted).
    pub fn date_of(self, invoice: &Payable) -> NaiveDate {
        match self {
            PredictionMoment::AtPosting => invoice.posting_date,
            PredictionMoment::BeforeDue { days } => {
                (invoice.due_date - Duration::days(i64::from(days))).max(invoice.posting_date)
            }
        }
    }

    /// Whether the invoice's own process so far can be known at this moment
    /// (it cannot at posting: its first event happens on the posting day).
    pub fn sees_own_process(self) -> bool {
        matches!(self, PredictionMoment::BeforeDue { .. })
    }

    /// A stable name: `at_posting` or `before_due_<days>`.
    pub fn name(self) -> String {
        match self {
            PredictionMoment::AtPosting => "at_posting".into(),
            PredictionMoment::BeforeDue { days } => format!("before_due_{days}"),
        }
    }
}

impl fmt::Display for PredictionMoment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for PredictionMoment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            PredictionMoment::AtPosting => serializer.serialize_str("at_posting"),
            PredictionMoment::BeforeDue { days } => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("before_due", &days)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for PredictionMoment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MomentVisitor;
        const EXPECTED: &str = "\"at_posting\", \"before_due\" or { before_due = <days> }";

        impl<'de> Visitor<'de> for MomentVisitor {
            type Value = PredictionMoment;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<PredictionMoment, E> {
                match text {
                    "at_posting" => Ok(PredictionMoment::AtPosting),
                    "before_due" => Ok(PredictionMoment::BeforeDue { days: PredictionMoment::DEFAULT_DAYS_BEFORE_DUE }),
                    other => Err(E::unknown_variant(other, &["at_posting", "before_due"])),
                }
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PredictionMoment, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(de::Error::invalid_length(0, &EXPECTED));
                };
                if key != "before_due" {
                    return Err(de::Error::unknown_field(&key, &["before_due"]));
                }
                let days: u32 = map.next_value()?;
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::unknown_field(&extra, &["before_due"]));
                }
                PredictionMoment::BeforeDue { days }.validate().map_err(de::Error::custom)
            }
        }

        deserializer.deserialize_any(MomentVisitor)
    }
}

/// How the nine categorical columns enter the feature matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoricalEncoding {
    /// Study 2's historical encoding: per column, the invoices with the same
    /// value whose outcome was known before the moment (`n1`), how many and
    /// which share of them were late, and on time. Five numbers per column,
    /// whatever its number of values.
    Historical,
    /// One indicator column per value (about 1,885 for the default world): the
    /// feature explosion study 2 moved away from.
    OneHot,
}

impl CategoricalEncoding {
    /// A stable name: `historical` or `one_hot`.
    pub fn name(self) -> &'static str {
        match self {
            CategoricalEncoding::Historical => "historical",
            CategoricalEncoding::OneHot => "one_hot",
        }
    }
}

impl fmt::Display for CategoricalEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Wrapper {
        moments: Vec<PredictionMoment>,
    }

    fn parse(text: &str) -> Result<Vec<PredictionMoment>, String> {
        serde_json::from_str::<Wrapper>(text).map(|w| w.moments).map_err(|e| e.to_string())
    }

    #[test]
    fn moments_parse_from_names_and_tables() {
        let moments = parse(r#"{"moments": ["at_posting", "before_due", {"before_due": 7}]}"#).unwrap();
        assert_eq!(
            moments,
            [
                PredictionMoment::AtPosting,
                PredictionMoment::BeforeDue { days: 3 },
                PredictionMoment::BeforeDue { days: 7 }
            ]
        );
    }

    #[test]
    fn bad_moments_are_rejected_with_the_reason() {
        let err = parse(r#"{"moments": ["at_postng"]}"#).unwrap_err();
        assert!(err.contains("unknown variant `at_postng`"), "{err}");
        let err = parse(r#"{"moments": [{"before_du": 3}]}"#).unwrap_err();
        assert!(err.contains("unknown field `before_du`"), "{err}");
        let err = parse(r#"{"moments": [{"before_due": 1000}]}"#).unwrap_err();
        assert!(err.contains("1000"), "{err}");
        let err = parse(r#"{"moments": [{"before_due": -1}]}"#).unwrap_err();
        assert!(err.contains("-1"), "{err}");
    }

    #[test]
    fn moments_serialise_as_they_are_written() {
        let json = serde_json::to_string(&[PredictionMoment::AtPosting, PredictionMoment::BeforeDue { days: 3 }]);
        assert_eq!(json.unwrap(), r#"["at_posting",{"before_due":3}]"#);
    }
}
