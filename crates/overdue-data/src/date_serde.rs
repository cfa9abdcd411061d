//! Deserialising dates written either as strings or as TOML date literals.
//!
//! `start_date = 2017-01-01` in a TOML config is a date literal, which the toml
//! crate hands to serde as a one-entry map holding the date's text; chrono only
//! accepts a string. Fields that configs set use this module so that both
//! `2017-01-01` and `"2017-01-01"` work.

use std::fmt;

use chrono::NaiveDate;
use serde::Deserializer;
use serde::de::{self, MapAccess, Visitor};

/// Deserialises a `NaiveDate` from `"YYYY-MM-DD"` or a TOML local date.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    deserializer.deserialize_any(DateVisitor)
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = NaiveDate;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a date such as 2018-02-01")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<NaiveDate, E> {
        text.parse().map_err(|_| E::custom(format!("`{text}` is not a date such as 2018-02-01")))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NaiveDate, A::Error> {
        let Some((_, text)) = map.next_entry::<String, String>()? else {
            return Err(de::Error::custom("expected a date such as 2018-02-01"));
        };
        self.visit_str(&text)
    }
}

/// Deserialises an optional date (a missing key is `None` with `#[serde(default)]`).
pub fn deserialize_option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    deserialize(deserializer).map(Some)
}
