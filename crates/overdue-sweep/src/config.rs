//! Sweep configs: the TOML a researcher writes, parsed strictly.

use std::path::{Path, PathBuf};

use overdue_data::ReceivablesWorld;
use overdue_features::{HistoryWindow, SplitSpec};
use overdue_models::{
    AdaBoost, BalancedBagging, Classifier, Csfsol, DecisionTree, GaussianNaiveBayes, GradientBoostedTrees,
    KNearestNeighbors, LinearSvm, LogisticRegression,
};
use serde::{Deserialize, Deserializer, Serialize};

use crate::SweepError;

/// A whole sweep, resolved: data, features, split, the expanded list of models,
/// seeds and where results go.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// The file the config was read from (empty when parsed from text).
    pub source: PathBuf,
    /// Name of the sweep, used in reports; defaults to the config file's stem.
    pub name: String,
    /// Folder for run records and reports; defaults to `results/<name>`.
    pub output: PathBuf,
    /// Seeds: every model runs once per seed (repeats of stochastic models).
    pub seeds: Vec<u64>,
    /// Threads for the models (default: all cores). Runs go one at a time, each
    /// with all of these threads, so nothing is oversubscribed.
    pub threads: Option<usize>,
    /// Where the invoices come from.
    pub data: DataConfig,
    /// Which features to compute.
    pub features: FeatureConfig,
    /// How to split by time.
    pub split: SplitSpec,
    /// Every model to fit on every feature set, grids expanded.
    pub models: Vec<ModelSpec>,
}

/// The file's shape: [`SweepConfig`] before defaults and grid expansion.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    output: PathBuf,
    #[serde(default = "default_seeds")]
    seeds: Vec<u64>,
    #[serde(default)]
    threads: Option<usize>,
    data: DataConfig,
    features: FeatureConfig,
    #[serde(default)]
    split: SplitSpec,
    models: Vec<toml::Table>,
}

fn default_seeds() -> Vec<u64> {
    vec![0]
}

/// The source of invoices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DataConfig {
    /// A generated accounts-receivable world (study 1's shape).
    Receivables(ReceivablesWorld),
}

/// The feature set and its history windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// History windows in months: a list (`[3, 6]`) or a range (`"2..=12"`).
    #[serde(deserialize_with = "deserialize_windows")]
    pub windows: Vec<HistoryWindow>,
}

/// Declares [`ModelSpec`]: one line per family, giving its variant, its
/// hyperparameter type (which implements `Classifier`) and its config name.
macro_rules! model_families {
    ($($(#[$doc:meta])* $variant:ident($params:ty) = $name:literal,)*) => {
        /// One model family with its hyperparameters, as written in `[[models]]`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum ModelSpec {
            $($(#[$doc])* $variant($params),)*
        }

        impl ModelSpec {
            /// The `family` names a config may use.
            pub const FAMILIES: &[&str] = &[$($name),*];

            /// The classifier this entry describes.
            pub fn classifier(&self) -> Box<dyn Classifier> {
                match self {
                    $(ModelSpec::$variant(params) => Box::new(params.clone()),)*
                }
            }

            /// Parses the parameters of `family`; `None` for an unknown family.
            fn parse_family(family: &str, params: toml::Value) -> Option<Result<Self, (String, String)>> {
                match family {
                    $($name => Some(parse_params(params).map(ModelSpec::$variant)),)*
                    _ => None,
                }
            }
        }
    };
}

model_families! {
    /// `overdue_models::LogisticRegression`.
    LogisticRegression(LogisticRegression) = "logistic_regression",
    /// `overdue_models::GaussianNaiveBayes`.
    GaussianNaiveBayes(GaussianNaiveBayes) = "gaussian_naive_bayes",
    /// `overdue_models::KNearestNeighbors`.
    KNearestNeighbors(KNearestNeighbors) = "k_nearest_neighbors",
    /// `overdue_models::LinearSvm`.
    LinearSvm(LinearSvm) = "linear_svm",
    /// `overdue_models::Csfsol`.
    Csfsol(Csfsol) = "csfsol",
    /// `overdue_models::DecisionTree`.
    DecisionTree(DecisionTree) = "decision_tree",
    /// `overdue_models::GradientBoostedTrees`.
    GradientBoostedTrees(GradientBoostedTrees) = "gradient_boosted_trees",
    /// `overdue_models::AdaBoost`.
    AdaBoost(AdaBoost) = "adaboost",
    /// `overdue_models::BalancedBagging`.
    BalancedBagging(BalancedBagging) = "balanced_bagging",
    /// `overdue_nn::Mlp`, on the backend its `backend` key names.
    Mlp(overdue_nn::Mlp) = "mlp",
}

impl ModelSpec {
    /// Reads a `[[models]]` table (grid already expanded). The family's
    /// parameters are deserialised directly, not through a tagged enum, so
    /// that an error keeps the exact key path.
    fn from_table(mut table: toml::Table) -> Result<Self, (String, String)> {
        let family = match table.remove("family") {
            Some(toml::Value::String(family)) => family,
            Some(other) => return Err(("family".into(), format!("must be a string, not {}", other.type_str()))),
            None => {
                return Err(("family".into(), format!("missing: one of {}", Self::FAMILIES.join(", "))));
            }
        };
        Self::parse_family(&family, toml::Value::Table(table)).unwrap_or_else(|| {
            let expected: Vec<String> = Self::FAMILIES.iter().map(|f| format!("`{f}`")).collect();
            let message = format!("unknown variant `{family}`, expected one of {}", expected.join(", "));
            Err(("family".into(), with_suggestion(&message)))
        })
    }
}

fn parse_params<T: serde::de::DeserializeOwned>(params: toml::Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(params).map_err(describe_error)
}

impl SweepConfig {
    /// Reads and checks a config file. Every error names the file, and the key
    /// where one is at fault.
    pub fn load(path: &Path) -> Result<Self, SweepError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| SweepError::Io { path: path.to_path_buf(), source })?;
        let mut config = Self::parse(&text).map_err(|(key, message)| SweepError::Config {
            path: path.to_path_buf(),
            key,
            message,
        })?;
        config.source = path.to_path_buf();
        if config.name.is_empty() {
            config.name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        }
        if config.output.as_os_str().is_empty() {
            config.output = Path::new("results").join(&config.name);
        }
        Ok(config)
    }

    /// Parses config text; an error comes with the path of the key at fault
    /// (empty when the TOML itself is malformed).
    pub fn parse(text: &str) -> Result<Self, (String, String)> {
        let deserializer = toml::Deserializer::parse(text).map_err(|e| (String::new(), e.to_string()))?;
        let file: ConfigFile = serde_path_to_error::deserialize(deserializer).map_err(describe_error)?;
        let mut models = Vec::new();
        for (index, table) in file.models.iter().enumerate() {
            models.extend(expand_grid(table).map_err(|(key, message)| (format!("models[{index}]{key}"), message))?);
        }
        let config = SweepConfig {
            source: PathBuf::new(),
            name: file.name,
            output: file.output,
            seeds: file.seeds,
            threads: file.threads,
            data: file.data,
            features: file.features,
            split: file.split,
            models,
        };
        config.check().map_err(|(key, message)| (key.to_string(), message))?;
        Ok(config)
    }

    /// Checks what serde cannot: non-empty lists and valid values.
    fn check(&self) -> Result<(), (&'static str, String)> {
        if self.seeds.is_empty() {
            return Err(("seeds", "give at least one seed".into()));
        }
        if self.features.windows.is_empty() {
            return Err(("features.windows", "give at least one window".into()));
        }
        if self.models.is_empty() {
            return Err(("models", "give at least one [[models]] entry".into()));
        }
        if self.threads == Some(0) {
            return Err(("threads", "must be at least 1".into()));
        }
        for model in &self.models {
            model.classifier().validate().map_err(|e| ("models", e.to_string()))?;
        }
        self.split.validate().map_err(|e| ("split", e.to_string()))?;
        match &self.data {
            DataConfig::Receivables(world) => world.validate().map_err(|e| ("data", e.to_string())),
        }
    }
}

/// Windows as a TOML list of months or a Rust-style inclusive range string.
fn deserialize_windows<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<HistoryWindow>, D::Error> {
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
    months.into_iter().map(|m| HistoryWindow::new(m).map_err(serde::de::Error::custom)).collect()
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

/// The key path and message of a serde error, with a suggestion for typos.
fn describe_error<E: std::fmt::Display>(error: serde_path_to_error::Error<E>) -> (String, String) {
    let message = error.inner().to_string();
    (key_path(&error.path().to_string(), &message), with_suggestion(&message))
}

/// Expands one `[[models]]` table into one [`ModelSpec`] per combination of its
/// `grid` values (the cartesian product, keys in alphabetical order, the last
/// key varying fastest). Error keys are relative to the table (`.c`, `.grid`).
fn expand_grid(table: &toml::Table) -> Result<Vec<ModelSpec>, (String, String)> {
    let mut base = table.clone();
    let grid = match base.remove("grid") {
        None => toml::Table::new(),
        Some(toml::Value::Table(grid)) => grid,
        Some(_) => return Err((".grid".into(), "must be a table of lists, e.g. grid = { c = [0.1, 1.0] }".into())),
    };
    let mut axes: Vec<(&String, &Vec<toml::Value>)> = Vec::new();
    for (key, values) in &grid {
        let key_path = format!(".grid.{key}");
        match values {
            toml::Value::Array(values) if !values.is_empty() => axes.push((key, values)),
            _ => return Err((key_path, "must be a non-empty list of values".into())),
        }
        if base.contains_key(key) {
            return Err((key_path, format!("`{key}` is also set outside the grid: set it in one place")));
        }
    }
    let combinations = axes.iter().map(|(_, values)| values.len()).product::<usize>();
    let mut specs = Vec::with_capacity(combinations);
    for mut k in 0..combinations {
        let mut table = base.clone();
        for (key, values) in axes.iter().rev() {
            table.insert((*key).clone(), values[k % values.len()].clone());
            k /= values.len();
        }
        let spec = ModelSpec::from_table(table)
            .map_err(|(key, message)| (if key.is_empty() { key } else { format!(".{key}") }, message))?;
        specs.push(spec);
    }
    Ok(specs)
}

/// The dotted path of the key at fault. Inside tagged tables (`[data]`,
/// `[[models]]`) serde buffers the table and the path stops at the table, so an
/// unknown field's own name is appended.
fn key_path(path: &str, message: &str) -> String {
    let path = if path == "." { "" } else { path };
    let unknown_field = message.find("unknown field `").and_then(|start| {
        let rest = &message[start + "unknown field `".len()..];
        rest.split_once('`').map(|(field, _)| field)
    });
    match unknown_field {
        Some(field) if !path.ends_with(field) && !path.is_empty() => format!("{path}.{field}"),
        Some(field) if path.is_empty() => field.to_string(),
        _ => path.to_string(),
    }
}

/// Adds "did you mean ..." to serde's unknown-field and unknown-variant messages.
fn with_suggestion(message: &str) -> String {
    let unknown = ["unknown field `", "unknown variant `"].iter().find_map(|prefix| {
        let start = message.find(prefix)?;
        Some(&message[start + prefix.len()..])
    });
    let Some(rest) = unknown else {
        return message.to_string();
    };
    let Some((given, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| (strsim::levenshtein(given, candidate), candidate))
        .min();
    match best {
        Some((distance, candidate)) if distance <= 3 && distance < given.len() => {
            format!("{} (did you mean `{candidate}`?)", message.trim_end())
        }
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    const MINIMAL: &str = r#"
        [data]
        kind = "receivables"
        invoices = 100
        [features]
        windows = [3, 6]
        [[models]]
        family = "logistic_regression"
    "#;

    fn parse_err(text: &str) -> (String, String) {
        SweepConfig::parse(text).unwrap_err()
    }

    #[test]
    fn a_minimal_config_gets_defaults() {
        let config = SweepConfig::parse(MINIMAL).unwrap();
        assert_eq!(config.seeds, vec![0]);
        assert_eq!(config.split, SplitSpec::default());
        assert_eq!(config.features.windows.iter().map(|w| w.months).collect::<Vec<_>>(), vec![3, 6]);
        let DataConfig::Receivables(world) = &config.data;
        assert_eq!(world.invoices, 100);
        assert_eq!(world.customers, ReceivablesWorld::default().customers);
    }

    #[test]
    fn windows_may_be_a_range() {
        let config = SweepConfig::parse(&MINIMAL.replace("[3, 6]", "\"2..=12\"")).unwrap();
        assert_eq!(config.features.windows.len(), 11);
        let (key, message) = parse_err(&MINIMAL.replace("[3, 6]", "\"12..=2\""));
        assert_eq!(key, "features.windows");
        assert!(message.contains("empty"), "{message}");
    }

    #[test]
    fn a_misspelt_key_is_named_with_a_suggestion() {
        let (key, message) = parse_err(&MINIMAL.replace("windows", "windws"));
        assert_eq!(key, "features.windws");
        assert!(message.contains("line 6"), "the TOML position is given: {message}");
        assert!(message.contains("unknown field `windws`") && message.contains("did you mean `windows`"), "{message}");
    }

    #[test]
    fn an_unknown_model_hyperparameter_is_rejected() {
        let (key, message) = parse_err(&format!("{MINIMAL}\nmax_itr = 5\n"));
        assert_eq!(key, "models[0].max_itr");
        assert!(message.contains("max_itr") && message.contains("did you mean `max_iter`"), "{message}");
    }

    #[test]
    fn an_unknown_family_is_rejected() {
        let (key, message) = parse_err(&MINIMAL.replace("logistic_regression", "logistic_regresion"));
        assert_eq!(key, "models[0].family");
        assert!(message.contains("did you mean `logistic_regression`"), "{message}");
    }

    #[test]
    fn an_invalid_hyperparameter_value_is_rejected_before_running() {
        let (key, message) = parse_err(&format!("{MINIMAL}\nc = -1.0\n"));
        assert_eq!(key, "models");
        assert!(message.contains("c"), "{message}");
    }

    #[test]
    fn cutoff_dates_may_be_toml_dates_or_strings() {
        for date in ["2018-02-01", "\"2018-02-01\""] {
            let text =
                format!("{MINIMAL}\n[split]\nby = \"cutoffs\"\nvalidation_from = {date}\ntest_from = 2018-05-01\n");
            let config = SweepConfig::parse(&text).unwrap_or_else(|e| panic!("{date}: {e:?}"));
            let expected = NaiveDate::from_ymd_opt(2018, 2, 1).unwrap();
            assert!(matches!(config.split, SplitSpec::Cutoffs { validation_from, .. } if validation_from == expected));
        }
    }

    #[test]
    fn every_family_parses_with_defaults_and_names_itself() {
        for family in ModelSpec::FAMILIES {
            let text = MINIMAL.replace("logistic_regression", family);
            let config = SweepConfig::parse(&text).unwrap_or_else(|e| panic!("{family}: {e:?}"));
            assert_eq!(config.models[0].classifier().family(), *family);
        }
    }

    #[test]
    fn a_grid_expands_to_the_cartesian_product() {
        let text = format!("{MINIMAL}grid = {{ c = [0.1, 1.0, 10.0], class_weight = [\"none\", \"balanced\"] }}\n");
        let config = SweepConfig::parse(&text).unwrap();
        assert_eq!(config.models.len(), 6);
        let cs: Vec<f64> = config
            .models
            .iter()
            .map(|m| match m {
                ModelSpec::LogisticRegression(lr) => lr.c,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(cs, [0.1, 0.1, 1.0, 1.0, 10.0, 10.0], "c is the first key alphabetically, so it varies slowest");
    }

    #[test]
    fn grid_errors_name_the_model_and_the_key() {
        let (key, message) = parse_err(&format!("{MINIMAL}grid = {{ c = [] }}\n"));
        assert_eq!((key.as_str(), message.contains("non-empty")), ("models[0].grid.c", true));
        let (key, _) = parse_err(&format!("{MINIMAL}c = 1.0\ngrid = {{ c = [0.1] }}\n"));
        assert_eq!(key, "models[0].grid.c");
        let (key, message) = parse_err(&format!("{MINIMAL}grid = {{ cc = [0.1] }}\n"));
        assert_eq!(key, "models[0].cc");
        assert!(message.contains("did you mean `c`"), "{message}");
        let (key, _) = parse_err(&format!("{MINIMAL}grid = {{ c = [\"high\"] }}\n"));
        assert_eq!(key, "models[0].c");
    }

    #[test]
    fn malformed_toml_is_reported() {
        let (_, message) = parse_err("[data\nkind = 1");
        assert!(!message.is_empty());
    }

    #[test]
    fn invalid_values_name_their_section() {
        let (key, message) =
            parse_err(&format!("{MINIMAL}\n[split]\nby = \"fractions\"\ntrain = 0.9\nvalidation = 0.2\n"));
        assert_eq!(key, "split", "{message}");
    }
}
