//! Sweep configs: the TOML a researcher writes, parsed strictly.

use std::path::{Path, PathBuf};

use overdue_data::{CollectionsWorld, DataError, ExportSource, PayablesWorld, ReceivablesWorld};
use overdue_features::SplitSpec;
use overdue_models::{
    AdaBoost, BalancedBagging, Classifier, Csfsol, DecisionTree, GaussianNaiveBayes, GradientBoostedTrees,
    KNearestNeighbors, LinearSvm, LogisticRegression,
};
use serde::{Deserialize, Serialize};

use crate::SweepError;
use crate::feature_config::{FeatureConfig, FeatureTable};

/// Where a sweep writes when neither its config nor the command line names a
/// folder: `out/<name>`, relative to the working directory. Deliberately not
/// `results/`, which holds the committed, published reports: a sweep run on a
/// fresh clone computes instead of resuming those (`--output results/<name>`
/// regenerates one on purpose). The repository ignores `out/`.
pub const DEFAULT_OUTPUT_ROOT: &str = "out";

/// A whole sweep, resolved: data, features, split, the expanded list of models,
/// seeds and where results go.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// The file the config was read from (empty when parsed from text).
    pub source: PathBuf,
    /// Name of the sweep, used in reports; defaults to the config file's stem.
    pub name: String,
    /// Folder for run records and reports; defaults to
    /// [`DEFAULT_OUTPUT_ROOT`]`/<name>`.
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
    /// How to split by time (default: 70/15/15 for receivables, 60/20/20 for payables).
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
    data: toml::Table,
    #[serde(default)]
    features: FeatureTable,
    #[serde(default)]
    split: Option<SplitSpec>,
    // Checked after `[data]` (keys here, values in `SweepConfig::check`), so
    // that a data error is reported first.
    #[serde(default)]
    models: Vec<toml::Table>,
}

fn default_seeds() -> Vec<u64> {
    vec![0]
}

/// The source of invoices.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataConfig {
    /// A generated accounts-receivable world (study 1's shape).
    Receivables(ReceivablesWorld),
    /// A generated accounts-payable world (study 2's shape), cleaned by study
    /// 2's rules before the features are built.
    Payables(PayablesWorld),
    /// A user's accounts-receivable export (CSV or Parquet) read through a
    /// column mapping; a relative `path` is taken from the config file's folder.
    File(Box<ExportSource>),
    /// A generated collections-actions log (the Keras tutorial's problem:
    /// reminders sent per channel, and whether the invoice stayed unpaid).
    Collections(CollectionsWorld),
}

impl DataConfig {
    /// The `kind` names a config may use.
    pub const KINDS: &[&str] = &["receivables", "payables", "file", "collections"];

    /// The `kind` of this source.
    pub fn kind(&self) -> &'static str {
        match self {
            DataConfig::Receivables(_) => "receivables",
            DataConfig::Payables(_) => "payables",
            DataConfig::File(_) => "file",
            DataConfig::Collections(_) => "collections",
        }
    }

    /// Checks the world's parameters, or the export's settings (the file
    /// itself is read only when the sweep runs).
    pub fn validate(&self) -> Result<(), DataError> {
        match self {
            DataConfig::Receivables(world) => world.validate(),
            DataConfig::Payables(world) => world.validate(),
            DataConfig::File(source) => source.validate(),
            DataConfig::Collections(world) => world.validate(),
        }
    }

    /// The study's split for this kind of data: 70/15/15 (receivables, an
    /// export, collections) or 60/20/20 (payables).
    pub fn default_split(&self) -> SplitSpec {
        match self {
            DataConfig::Receivables(_) | DataConfig::File(_) | DataConfig::Collections(_) => SplitSpec::default(),
            DataConfig::Payables(_) => SplitSpec::payables_default(),
        }
    }

    /// Reads the `[data]` table. The world's parameters are deserialised
    /// directly, not through a tagged enum, so that an error keeps the exact
    /// key path (`data.dirty.missing_vendor`).
    fn from_table(mut table: toml::Table) -> Result<Self, (String, String)> {
        let kind = match table.remove("kind") {
            Some(toml::Value::String(kind)) => kind,
            Some(other) => return Err(("data.kind".into(), format!("must be a string, not {}", other.type_str()))),
            None => return Err(("data.kind".into(), format!("missing: one of {}", Self::KINDS.join(", ")))),
        };
        let params = toml::Value::Table(table);
        let parsed = match kind.as_str() {
            "receivables" => parse_params(params).map(DataConfig::Receivables),
            "payables" => parse_params(params).map(DataConfig::Payables),
            "file" => parse_params(params).map(|source| DataConfig::File(Box::new(source))),
            "collections" => parse_params(params).map(DataConfig::Collections),
            _ => {
                let expected: Vec<String> = Self::KINDS.iter().map(|k| format!("`{k}`")).collect();
                let message = format!("unknown variant `{kind}`, expected one of {}", expected.join(", "));
                return Err(("data.kind".into(), with_suggestion(&message)));
            }
        };
        parsed.map_err(|(key, message)| (if key.is_empty() { "data".into() } else { format!("data.{key}") }, message))
    }
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
    /// `overdue_models::RandomForest`.
    RandomForest(overdue_models::RandomForest) = "random_forest",
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
            config.output = Path::new(DEFAULT_OUTPUT_ROOT).join(&config.name);
        }
        Ok(config)
    }

    /// Parses config text; an error comes with the path of the key at fault
    /// (empty when the TOML itself is malformed).
    pub fn parse(text: &str) -> Result<Self, (String, String)> {
        let deserializer = toml::Deserializer::parse(text).map_err(|e| (String::new(), e.to_string()))?;
        let file: ConfigFile = serde_path_to_error::deserialize(deserializer).map_err(describe_error)?;
        let data = DataConfig::from_table(file.data)?;
        let features = file.features.resolve(&data)?;
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
            split: file.split.unwrap_or_else(|| data.default_split()),
            data,
            features,
            models,
        };
        config.check().map_err(|(key, message)| (key.to_string(), message))?;
        Ok(config)
    }

    /// Checks what serde cannot: non-empty lists and valid values, in the
    /// file's order: the data and the split before the models, so that a data
    /// error is reported first (as for keys).
    fn check(&self) -> Result<(), (&'static str, String)> {
        if self.seeds.is_empty() {
            return Err(("seeds", "give at least one seed".into()));
        }
        if self.threads == Some(0) {
            return Err(("threads", "must be at least 1".into()));
        }
        self.data.validate().map_err(|e| ("data", e.to_string()))?;
        self.split.validate().map_err(|e| ("split", e.to_string()))?;
        if self.models.is_empty() {
            return Err(("models", "give at least one [[models]] entry".into()));
        }
        for model in &self.models {
            model.classifier().validate().map_err(|e| ("models", e.to_string()))?;
        }
        Ok(())
    }
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

    /// Each config text is rejected at `key` with a message containing `hint`.
    fn assert_rejected(cases: &[(String, &str, &str)]) {
        for (text, key, hint) in cases {
            let (got_key, message) = parse_err(text);
            assert_eq!(got_key, *key, "{message}");
            assert!(message.contains(hint), "{key}: {message}");
        }
    }

    fn windows(config: &SweepConfig) -> Vec<u32> {
        match &config.features {
            FeatureConfig::ReceivablesHistory { windows } => windows.iter().map(|w| w.months).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_minimal_config_gets_defaults() {
        let config = SweepConfig::parse(MINIMAL).unwrap();
        assert_eq!(config.seeds, vec![0]);
        assert_eq!(config.split, SplitSpec::default());
        assert_eq!(windows(&config), vec![3, 6]);
        let DataConfig::Receivables(world) = &config.data else { panic!("{:?}", config.data) };
        assert_eq!(world.invoices, 100);
        assert_eq!(world.customers, ReceivablesWorld::default().customers);
    }

    #[test]
    fn windows_may_be_a_range() {
        let config = SweepConfig::parse(&MINIMAL.replace("[3, 6]", "\"2..=12\"")).unwrap();
        assert_eq!(windows(&config), (2..=12).collect::<Vec<_>>());
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

    const PAYABLES: &str = r#"
        [data]
        kind = "payables"
        invoices = 1000
        vendors = 50
        [data.dirty]
        missing_vendor = 0.05
        [features]
        set = "payables"
        moments = ["at_posting", { before_due = 5 }]
        encodings = ["historical", "one_hot"]
        [[models]]
        family = "logistic_regression"
    "#;

    #[test]
    fn a_payables_config_selects_moments_and_encodings() {
        let config = SweepConfig::parse(PAYABLES).unwrap();
        let DataConfig::Payables(world) = &config.data else { panic!("{:?}", config.data) };
        assert_eq!((world.invoices, world.vendors, world.dirty.missing_vendor), (1000, 50, 0.05));
        assert_eq!(world.dirty.missing_amount, overdue_data::DirtyRates::default().missing_amount);
        assert_eq!(
            config.split,
            SplitSpec::Fractions { train: 0.6, validation: 0.2, purge: false },
            "study 2's 60/20/20"
        );
        let names: Vec<String> = config.features.variants().iter().map(|v| v.label()).collect();
        assert_eq!(
            names,
            ["at_posting/historical", "at_posting/one_hot", "before_due_5/historical", "before_due_5/one_hot"]
        );
        assert_eq!(config.features.set_name(), "payables");
    }

    #[test]
    fn payables_features_default_to_both_moments_with_the_historical_encoding() {
        let text = PAYABLES.replace("set = \"payables\"\n", "");
        let text = text.replace("moments = [\"at_posting\", { before_due = 5 }]\n", "");
        let text = text.replace("encodings = [\"historical\", \"one_hot\"]\n", "");
        let config = SweepConfig::parse(&text).unwrap();
        let names: Vec<String> = config.features.variants().iter().map(|v| v.label()).collect();
        assert_eq!(names, ["at_posting/historical", "before_due_3/historical"]);
        let config = SweepConfig::parse(&text.replace("[features]\n", "")).unwrap();
        assert_eq!(config.features.variants().len(), 2, "the [features] table may be left out");
        let config = SweepConfig::parse(&PAYABLES.replace("{ before_due = 5 }", "\"before_due\"")).unwrap();
        assert_eq!(config.features.variants()[2].label(), "before_due_3/historical");
    }

    #[test]
    fn a_payables_subset_applies_to_every_variant_and_names_it() {
        let text = PAYABLES.replace(
            "encodings = [\"historical\", \"one_hot\"]\n",
            "encodings = [\"historical\"]\nsubset = { min_days_to_pay = 10, min_vendor_invoices = 11 }\n",
        );
        let config = SweepConfig::parse(&text).unwrap();
        let names: Vec<String> = config.features.variants().iter().map(|v| v.label()).collect();
        assert_eq!(names, ["at_posting/historical/pay10_vendor11", "before_due_5/historical/pay10_vendor11"]);
        let (key, message) = parse_err(&text.replace("min_vendor_invoices", "min_vendor_invoice"));
        assert_eq!(key, "features.subset.min_vendor_invoice", "{message}");
        let (key, message) = parse_err(&MINIMAL.replace("windows = [3, 6]", "windows = [3]\nsubset = {}"));
        assert_eq!((key.as_str(), message.contains("payables")), ("features.subset", true), "{message}");
    }

    #[test]
    fn payables_keys_are_checked_with_their_path() {
        let cases = [
            ("invoices = 1000", "invoice = 1000", "data.invoice", "did you mean `invoices`"),
            (
                "missing_vendor = 0.05",
                "missing_vendr = 0.05",
                "data.dirty.missing_vendr",
                "did you mean `missing_vendor`",
            ),
            ("moments =", "moment =", "features.moment", "did you mean `moments`"),
            ("\"one_hot\"]", "\"onehot\"]", "features.encodings[1]", "did you mean `one_hot`"),
            ("{ before_due = 5 }", "{ before_du = 5 }", "features.moments[1].before_du", "unknown field `before_du`"),
            ("{ before_due = 5 }", "\"at_postng\"", "features.moments[1]", "did you mean `at_posting`"),
            ("kind = \"payables\"", "kind = \"payable\"", "data.kind", "did you mean `payables`"),
        ];
        for (from, to, key, hint) in cases {
            let (got_key, message) = parse_err(&PAYABLES.replace(from, to));
            assert_eq!(got_key, key, "{to}: {message}");
            assert!(message.contains(hint), "{to}: {message}");
        }
    }

    #[test]
    fn feature_keys_must_fit_the_feature_set_and_the_data() {
        let cases = [
            (PAYABLES.replace("set = \"payables\"", "windows = [3]"), "features.windows", "receivables_history"),
            (
                PAYABLES.replace("set = \"payables\"", "set = \"receivables_history\""),
                "features.set",
                "kind = \"receivables\"",
            ),
            (
                PAYABLES.replace("moments = [\"at_posting\", { before_due = 5 }]", "moments = []"),
                "features.moments",
                "at least one",
            ),
            (PAYABLES.replace("[\"historical\", \"one_hot\"]", "[]"), "features.encodings", "at least one"),
            (PAYABLES.replace("before_due = 5", "before_due = 400"), "features.moments[1]", "400"),
            (MINIMAL.replace("windows = [3, 6]", "moments = [\"at_posting\"]"), "features.moments", "payables"),
            (MINIMAL.replace("windows = [3, 6]", "set = \"payables\""), "features.set", "kind = \"payables\""),
            (MINIMAL.replace("windows = [3, 6]", ""), "features.windows", "missing"),
            (PAYABLES.replace("vendors = 50", "vendors = 0"), "data", "vendors"),
            (PAYABLES.replace("kind = \"payables\"", ""), "data.kind", "missing"),
        ];
        assert_rejected(&cases);
    }

    const COLLECTIONS: &str = r#"
        [data]
        kind = "collections"
        rows = 500
        first_day = 2020-03-01
        [[models]]
        family = "logistic_regression"
    "#;

    #[test]
    fn a_collections_config_needs_no_features_table() {
        let config = SweepConfig::parse(COLLECTIONS).unwrap();
        let DataConfig::Collections(world) = &config.data else { panic!("{:?}", config.data) };
        assert_eq!((world.rows, world.first_day.to_string().as_str()), (500, "2020-03-01"));
        assert_eq!(world.cases_per_day, overdue_data::CollectionsWorld::default().cases_per_day);
        assert_eq!(config.features, FeatureConfig::CollectionsActions);
        assert_eq!(config.features.set_name(), "collections_actions");
        let labels: Vec<String> = config.features.variants().iter().map(|v| v.label()).collect();
        assert_eq!(labels, ["reminders"]);
        assert_eq!(config.split, SplitSpec::default());
    }

    #[test]
    fn collections_keys_are_checked_with_their_path() {
        let with_features =
            |table: &str| COLLECTIONS.replace("[[models]]", &format!("[features]\n{table}\n[[models]]"));
        let cases = [
            (COLLECTIONS.replace("rows = 500", "row = 500"), "data.row", "did you mean `rows`"),
            (COLLECTIONS.replace("rows = 500", "cases_per_day = 0"), "data", "cases_per_day"),
            (with_features("windows = [3]"), "features.windows", "collections_actions"),
            (with_features("encodings = [\"one_hot\"]"), "features.encodings", "collections_actions"),
            (with_features("set = \"payables\""), "features.set", "kind = \"payables\""),
            (MINIMAL.replace("windows = [3, 6]", "set = \"collections_actions\""), "features.set", "collections"),
        ];
        assert_rejected(&cases);
    }

    #[test]
    fn a_config_without_models_is_rejected_after_its_data() {
        let without_models = &MINIMAL[..MINIMAL.find("[[models]]").unwrap()];
        let (key, message) = parse_err(without_models);
        assert_eq!(key, "models", "{message}");
        let (key, _) = parse_err(&without_models.replace("invoices", "invoice"));
        assert_eq!(key, "data.invoice", "a data error comes first");
    }

    #[test]
    fn malformed_toml_is_reported() {
        let (_, message) = parse_err("[data\nkind = 1");
        assert!(!message.is_empty());
    }

    #[test]
    fn a_split_may_purge_late_labels_and_its_keys_are_still_checked() {
        let text = format!("{MINIMAL}\n[split]\nby = \"fractions\"\ntrain = 0.6\nvalidation = 0.2\npurge = true\n");
        let config = SweepConfig::parse(&text).unwrap();
        assert_eq!(config.split, SplitSpec::Fractions { train: 0.6, validation: 0.2, purge: true });
        let (key, message) =
            parse_err(&format!("{MINIMAL}\n[split]\nby = \"fractions\"\ntrain = 0.6\nvalidation = 0.2\npurg = true\n"));
        assert!(key.starts_with("split"), "{key}: {message}");
        assert!(message.contains("purg"), "{message}");
    }

    #[test]
    fn invalid_values_name_their_section() {
        let (key, message) =
            parse_err(&format!("{MINIMAL}\n[split]\nby = \"fractions\"\ntrain = 0.9\nvalidation = 0.2\n"));
        assert_eq!(key, "split", "{message}");
    }
}
