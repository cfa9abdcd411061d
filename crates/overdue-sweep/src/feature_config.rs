//! The `[features]` table: which feature set a sweep builds, and its variants
//! (one dataset each): history windows for receivables, prediction moments x
//! categorical encodings for payables, a single one for collections.

use overdue_features::{CategoricalEncoding, EvaluationSubset, HistoryWindow, PayablesFeatures, PredictionMoment};
use serde::{Deserialize, Deserializer};

use crate::DataConfig;

/// Which feature set a `[features]` table selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FeatureSetName {
    ReceivablesHistory,
    Payables,
    CollectionsActions,
}

/// The `[features]` table as written: every key optional, checked against
/// the set by [`FeatureTable::resolve`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeatureTable {
    /// `receivables_history`, `payables` or `collections_actions`; by default
    /// the one that fits the data.
    #[serde(default)]
    set: Option<FeatureSetName>,
    /// Receivables: history windows in months, a list (`[3, 6]`) or a range (`"2..=12"`).
    #[serde(default, deserialize_with = "deserialize_windows")]
    windows: Option<Vec<HistoryWindow>>,
    /// Payables: prediction moments.
    #[serde(default)]
    moments: Option<Vec<PredictionMoment>>,
    /// Payables: categorical encodings.
    #[serde(default)]
    encodings: Option<Vec<CategoricalEncoding>>,
    /// Payables: the evaluation subset, `{ min_days_to_pay = 10, min_vendor_invoices = 11 }`.
    #[serde(default)]
    subset: Option<EvaluationSubset>,
}

/// The feature set of a sweep and its variants.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureConfig {
    /// Study 1's receivables history features, one dataset per window.
    ReceivablesHistory {
        /// The windows, shortest first, each once.
        windows: Vec<HistoryWindow>,
    },
    /// Study 2's payables features, one dataset per moment and encoding.
    Payables {
        /// Prediction moments, as listed (each once); default: at posting and 3 days before the due date.
        moments: Vec<PredictionMoment>,
        /// Categorical encodings, as listed (each once); default: historical.
        encodings: Vec<CategoricalEncoding>,
        /// Which rows every variant keeps; default: all.
        subset: EvaluationSubset,
    },
    /// The tutorial's reminder counts per channel: one dataset.
    CollectionsActions,
}

/// One dataset of a sweep: its runs share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FeatureVariant {
    /// Receivables history over one window.
    Window(HistoryWindow),
    /// Payables features at one moment with one encoding.
    Payables(PayablesFeatures),
    /// The reminders sent per channel (collections data).
    CollectionsActions,
}

impl FeatureVariant {
    /// The window in months; 0 for feature sets without windows.
    pub fn window_months(&self) -> u32 {
        match self {
            FeatureVariant::Window(window) => window.months,
            FeatureVariant::Payables(_) | FeatureVariant::CollectionsActions => 0,
        }
    }

    /// The variant's name for sets without windows (`before_due_3/historical`).
    pub fn variant_name(&self) -> Option<String> {
        match self {
            FeatureVariant::Window(_) => None,
            FeatureVariant::Payables(features) => Some(features.name()),
            FeatureVariant::CollectionsActions => Some("reminders".into()),
        }
    }

    /// How the variant is shown: `w=3` or its name.
    pub fn label(&self) -> String {
        self.variant_name().unwrap_or_else(|| format!("w={}", self.window_months()))
    }
}

impl FeatureConfig {
    /// The feature set's name in run cells.
    pub fn set_name(&self) -> &'static str {
        match self {
            FeatureConfig::ReceivablesHistory { .. } => "receivables_history",
            FeatureConfig::Payables { .. } => "payables",
            FeatureConfig::CollectionsActions => "collections_actions",
        }
    }

    /// Every dataset of the sweep, in grid order (payables: moment by moment,
    /// each with every encoding).
    pub fn variants(&self) -> Vec<FeatureVariant> {
        match self {
            FeatureConfig::ReceivablesHistory { windows } => {
                windows.iter().map(|&w| FeatureVariant::Window(w)).collect()
            }
            FeatureConfig::Payables { moments, encodings, subset } => moments
                .iter()
                .flat_map(|&moment| {
                    encodings.iter().map(move |&encoding| {
                        FeatureVariant::Payables(PayablesFeatures { moment, encoding, subset: *subset })
                    })
                })
                .collect(),
            FeatureConfig::CollectionsActions => vec![FeatureVariant::CollectionsActions],
        }
    }

    /// One line for people: `2 windows (3, 6)` or `2 payables variants (...)`.
    pub fn describe(&self) -> String {
        let variants = self.variants();
        match self {
            FeatureConfig::ReceivablesHistory { windows } => {
                let months: Vec<String> = windows.iter().map(|w| w.months.to_string()).collect();
                format!("{} windows ({})", windows.len(), months.join(", "))
            }
            FeatureConfig::Payables { .. } => {
                let names: Vec<String> = variants.iter().map(FeatureVariant::label).collect();
                format!("{} payables feature variants ({})", names.len(), names.join(", "))
            }
            FeatureConfig::CollectionsActions => "the reminders sent per channel (email, sms, call)".into(),
        }
    }
}

impl FeatureTable {
    /// The feature config for `data`, or the key at fault and why.
    pub(crate) fn resolve(self, data: &DataConfig) -> Result<FeatureConfig, (String, String)> {
        let err = |key: &str, message: String| Err((format!("features.{key}"), message));
        let fits_data = match data {
            DataConfig::Receivables(_) | DataConfig::File(_) => FeatureSetName::ReceivablesHistory,
            DataConfig::Payables(_) => FeatureSetName::Payables,
            DataConfig::Collections(_) => FeatureSetName::CollectionsActions,
        };
        let set = self.set.unwrap_or(fits_data);
        if set != fits_data {
            let (name, kinds) = match set {
                FeatureSetName::ReceivablesHistory => {
                    ("receivables_history", "`[data] kind = \"receivables\"` or `\"file\"`")
                }
                FeatureSetName::Payables => ("payables", "`[data] kind = \"payables\"`"),
                FeatureSetName::CollectionsActions => ("collections_actions", "`[data] kind = \"collections\"`"),
            };
            return err("set", format!("`{name}` needs {kinds}, not `{}`", data.kind()));
        }
        match set {
            FeatureSetName::ReceivablesHistory => {
                let payables_only = [
                    ("moments", self.moments.is_some()),
                    ("encodings", self.encodings.is_some()),
                    ("subset", self.subset.is_some()),
                ];
                for (key, given) in payables_only {
                    if given {
                        return err(key, "is for `set = \"payables\"` only".into());
                    }
                }
                let Some(mut windows) = self.windows else {
                    return err("windows", "missing: give the history windows, e.g. windows = [3, 6]".into());
                };
                if windows.is_empty() {
                    return err("windows", "give at least one window".into());
                }
                windows.sort();
                windows.dedup();
                Ok(FeatureConfig::ReceivablesHistory { windows })
            }
            FeatureSetName::Payables => {
                if self.windows.is_some() {
                    return err("windows", "is for `set = \"receivables_history\"` only".into());
                }
                let moments = self.moments.unwrap_or_else(|| {
                    vec![
                        PredictionMoment::AtPosting,
                        PredictionMoment::BeforeDue { days: PredictionMoment::DEFAULT_DAYS_BEFORE_DUE },
                    ]
                });
                let encodings = self.encodings.unwrap_or_else(|| vec![CategoricalEncoding::Historical]);
                if moments.is_empty() {
                    return err("moments", "give at least one moment, e.g. [\"at_posting\", \"before_due\"]".into());
                }
                if encodings.is_empty() {
                    return err("encodings", "give at least one encoding: \"historical\" or \"one_hot\"".into());
                }
                let subset = self.subset.unwrap_or_default();
                Ok(FeatureConfig::Payables { moments: distinct(moments), encodings: distinct(encodings), subset })
            }
            FeatureSetName::CollectionsActions => {
                let given = [
                    ("windows", self.windows.is_some()),
                    ("moments", self.moments.is_some()),
                    ("encodings", self.encodings.is_some()),
                    ("subset", self.subset.is_some()),
                ];
                match given.iter().find(|(_, given)| *given) {
                    Some((key, _)) => err(key, "does not apply to `set = \"collections_actions\"`".into()),
                    None => Ok(FeatureConfig::CollectionsActions),
                }
            }
        }
    }
}

/// `values` without repeats, in order of first appearance.
fn distinct<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut kept = Vec::with_capacity(values.len());
    for value in values {
        if !kept.contains(&value) {
            kept.push(value);
        }
    }
    kept
}

/// Windows as a TOML list of months or a Rust-style inclusive range string.
fn deserialize_windows<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<HistoryWindow>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Windows {
        List(Vec<u32>),
        Range(String),
    }
    let months: Vec<u32> = match Windows::deserialize(deserializer)? {
        Windows::List(list) => list,
        Windows::Range(text) => parse_month_range(&text).map_err(serde::de::Error::custom)?,
    };
    months
        .into_iter()
        .map(|m| HistoryWindow::new(m).map_err(serde::de::Error::custom))
        .collect::<Result<_, _>>()
        .map(Some)
}

/// Parses `"a..=b"` (inclusive) or `"a..b"` (exclusive of `b`).
fn parse_month_range(text: &str) -> Result<Vec<u32>, String> {
    let bad = || format!("`{text}` is not a window range such as \"2..=12\"");
    let (start, end, inclusive) = if let Some((a, b)) = text.split_once("..=") {
        (a, b, true)
    } else if let Some((a, b)) = text.split_once("..") {
        (a, b, false)
    } else {
        return Err(bad());
    };
    let start: u32 = start.trim().parse().map_err(|_| bad())?;
    let end: u32 = end.trim().parse().map_err(|_| bad())?;
    let end = if inclusive { end } else { end.checked_sub(1).ok_or_else(bad)? };
    if start > end {
        return Err(format!("window range `{text}` is empty"));
    }
    Ok((start..=end).collect())
}
