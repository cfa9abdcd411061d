//! The exact CART decision tree against scikit-learn 1.9, the receivables
//! example of REFERENCE.md section 4, determinism, failure modes and serde.
//!
//! Fixtures come from `scripts/make_tree_fixtures.py`. Each tree case records
//! whether 20 different `random_state`s grew the very same sklearn tree
//! (`unique_splits`): sklearn breaks exact ties between splits by a random
//! feature order, so only then is its tree a function of the data. For those
//! cases the Rust tree must be the same tree, node for node, with the same
//! probabilities; for the others (fully grown trees, whose small nodes are full
//! of ties) only the quality can be compared, against the issue's bar.

use crate::support::{
    ACCURACY_BAR, AUPRC_BAR, BadInput, Flat, accuracy, assert_invalid_hyperparameters,
    assert_same_whatever_the_threads, average_precision, bits, data, read_json, rejects_edited, small_training,
};
use overdue_features::{MatrixView, Samples};
use overdue_models::{
    ClassWeight, Classifier, Criterion, DecisionTree, DecisionTreeModel, FitOptions, FittedClassifier, MaxFeatures,
    split_entropy, split_gini,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct TreeCase {
    hyperparameters: serde_json::Value,
    unique_splits: bool,
    node_count: usize,
    depth: usize,
    leaves: usize,
    /// `[feature or -1, threshold or null, samples, late share]`, sklearn's
    /// depth-first order (left child first).
    nodes_preorder: Vec<(i64, Option<f64>, usize, f64)>,
    feature_importances: Vec<f64>,
    test_proba: Vec<f64>,
    test_accuracy: f64,
    test_average_precision: f64,
    per_random_state: PerState,
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct PerState {
    test_accuracy: Vec<f64>,
    test_average_precision: Vec<f64>,
}

/// The Rust tree's nodes in the fixture's format. They are numbered as
/// sklearn numbers its nodes (depth-first, left first), so the two lists
/// compare index by index.
fn nodes_as_sklearn(model: &DecisionTreeModel) -> Vec<(i64, Option<f64>, usize, f64)> {
    model
        .nodes()
        .iter()
        .map(|node| match node.split {
            Some(s) => (s.feature as i64, Some(s.threshold), node.samples, node.late_share),
            None => (-1, None, node.samples, node.late_share),
        })
        .collect()
}

fn fit_case(name: &str, data: &Flat) -> (TreeCase, DecisionTreeModel, Vec<f64>) {
    let case: TreeCase = read_json(&format!("decision_tree_{name}.json"));
    assert!(case.warnings.is_empty(), "{name}: sklearn warned: {:?}", case.warnings);
    let params: DecisionTree = serde_json::from_value(case.hyperparameters.clone()).unwrap();
    let model = params.fit_model(data.train(), 0).unwrap();
    let proba = model.predict_proba(data.test()).unwrap();
    assert!(proba.iter().all(|p| (0.0..=1.0).contains(p)));
    (case, model, proba)
}

/// A case whose sklearn tree is unique: the same tree, the same probabilities.
fn check_identical(name: &str) {
    let data = data();
    let (case, model, proba) = fit_case(name, &data);
    assert!(case.unique_splits, "{name}: the fixture's tree is not unique; compare metrics instead");
    assert_eq!(model.node_count(), case.node_count, "{name}: node count");
    assert_eq!(model.depth(), case.depth, "{name}: depth");
    assert_eq!(model.leaf_count(), case.leaves, "{name}: leaves");
    let ours = nodes_as_sklearn(&model);
    for (k, (a, b)) in ours.iter().zip(&case.nodes_preorder).enumerate() {
        assert_eq!((a.0, a.1, a.2), (b.0, b.1, b.2), "{name}: node {k} differs: {a:?} vs sklearn {b:?}");
        assert!((a.3 - b.3).abs() <= 1e-12, "{name}: node {k} late share {} vs {}", a.3, b.3);
    }
    let max_diff = proba.iter().zip(&case.test_proba).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(max_diff <= 1e-12, "{name}: probabilities differ by up to {max_diff:e}");
    let importance_diff = model
        .feature_importances()
        .iter()
        .zip(&case.feature_importances)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(importance_diff <= 1e-12, "{name}: feature importances differ by up to {importance_diff:e}");
    assert_eq!(accuracy(&proba, &data.y_test), case.test_accuracy, "{name}: accuracy");
    // Leaves with equal late shares in exact arithmetic can differ in the last
    // bit (weights summed in another order), which splits or merges ties in
    // the ranking; on probabilities rounded to 1e-12 the AUPRC is the same.
    let rounded = |p: &[f64]| p.iter().map(|v| (v * 1e12).round() / 1e12).collect::<Vec<f64>>();
    let ap = average_precision(&rounded(&proba), &data.y_test);
    let sklearn_ap = average_precision(&rounded(&case.test_proba), &data.y_test);
    assert_eq!(ap, sklearn_ap, "{name}: AUPRC");
    assert!((average_precision(&case.test_proba, &data.y_test) - case.test_average_precision).abs() < 1e-12);
    println!("{name}: identical to sklearn ({} nodes, max |proba diff| {max_diff:e})", model.node_count());
}

/// A case with tied splits: compare quality with sklearn's, within the bar.
///
/// Which of the tied splits sklearn takes depends on its random_state, and a
/// fully grown tree's test metrics move with it (over the fixture's 20 states,
/// accuracy spans about 3 points and AUPRC about 0.02 for the fully grown
/// trees). The Rust tree, which breaks ties by feature index, is one more draw
/// from that family: its metrics must lie within the issue's bar (0.01 AUPRC, 1
/// point of accuracy) of the range sklearn spans. The distance to sklearn's
/// mean is printed.
fn check_quality(name: &str) {
    let data = data();
    let (case, model, proba) = fit_case(name, &data);
    let states = &case.per_random_state;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let range = |v: &[f64]| (v.iter().copied().fold(f64::INFINITY, f64::min), v.iter().copied().fold(0.0, f64::max));
    let (acc, ap) = (accuracy(&proba, &data.y_test), average_precision(&proba, &data.y_test));
    let (acc_range, ap_range) = (range(&states.test_accuracy), range(&states.test_average_precision));
    println!(
        "{name}: accuracy {acc:.4} vs sklearn {:.4}..{:.4} (mean {:.4}); AUPRC {ap:.4} vs {:.4}..{:.4} (mean {:.4}); \
         nodes {} vs {}, depth {} vs {}",
        acc_range.0,
        acc_range.1,
        mean(&states.test_accuracy),
        ap_range.0,
        ap_range.1,
        mean(&states.test_average_precision),
        model.node_count(),
        case.node_count,
        model.depth(),
        case.depth,
    );
    assert_eq!(case.test_accuracy, states.test_accuracy[0]);
    assert!(
        acc >= acc_range.0 - ACCURACY_BAR && acc <= acc_range.1 + ACCURACY_BAR,
        "{name}: accuracy {acc} outside sklearn's {acc_range:?} widened by the bar"
    );
    assert!(
        ap >= ap_range.0 - AUPRC_BAR && ap <= ap_range.1 + AUPRC_BAR,
        "{name}: AUPRC {ap} outside sklearn's {ap_range:?} widened by the bar"
    );
}

#[test]
fn entropy_depth5_is_sklearns_tree() {
    check_identical("entropy_depth5");
}

#[test]
fn gini_depth5_min_leaf20_is_sklearns_tree() {
    check_identical("gini_depth5_leaf20");
}

#[test]
fn balanced_gini_depth5_min_leaf20_is_sklearns_tree() {
    check_identical("gini_depth5_leaf20_balanced");
}

#[test]
fn balanced_entropy_depth5_is_sklearns_tree() {
    check_identical("entropy_depth5_balanced");
}

#[test]
fn min_samples_split_leaf_and_impurity_decrease_give_sklearns_tree() {
    check_identical("gini_split50_leaf20_decrease");
}

#[test]
fn gini_depth5_with_ties_matches_sklearns_quality() {
    check_quality("gini_depth5");
}

#[test]
fn fully_grown_gini_matches_sklearns_quality() {
    check_quality("gini_full");
}

#[test]
fn fully_grown_entropy_matches_sklearns_quality() {
    check_quality("entropy_full");
}

#[test]
fn fully_grown_balanced_gini_matches_sklearns_quality() {
    check_quality("gini_full_balanced");
}

// --- The receivables example (REFERENCE.md section 4, seed 002) -------------

#[derive(Deserialize)]
struct Receivables {
    feature_names: Vec<String>,
    x: Vec<Vec<f32>>,
    recovered: Vec<bool>,
    trees: Vec<SklearnReceivablesTree>,
}

#[derive(Deserialize)]
struct SklearnReceivablesTree {
    root_split: (usize, f64),
    node_count: usize,
    depth: usize,
    leaf_groups: Vec<Vec<usize>>,
    train_proba: Vec<f64>,
}

/// Accounts grouped by the leaf they fall in, as sorted lists of indices.
fn leaf_groups(leaves: &[usize]) -> Vec<Vec<usize>> {
    let mut ids: Vec<usize> = leaves.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut groups: Vec<Vec<usize>> =
        ids.iter().map(|&leaf| (0..leaves.len()).filter(|&i| leaves[i] == leaf).collect()).collect();
    groups.sort();
    groups
}

#[test]
fn receivables_dso_split_has_the_blogs_weighted_entropy() {
    // Under 30 days: 4 recovered, 0 not; 31-60: 1 and 3; over 61: 1 and 1.
    let dso = split_entropy(&[(4.0, 0.0), (1.0, 3.0), (1.0, 1.0)]).unwrap();
    assert!((dso - 0.5245).abs() < 5e-5, "{dso}");
    // Exactly 0.4 * 0 + 0.4 * H(1/4) + 0.2 * 1, with H(1/4) = 0.811 bits.
    let h_quarter = -(0.25f64 * 0.25f64.log2() + 0.75 * 0.75f64.log2());
    assert!((h_quarter - 0.811).abs() < 5e-4);
    assert!((dso - (0.4 * h_quarter + 0.2)).abs() < 1e-15);
    assert_eq!(format!("{dso:.2}"), "0.52");

    // "The impurity of DSO is the smallest among the 3 features": on the
    // reconstructed table, amount due splits (High: 4 recovered / 4 not,
    // Low: 2 / 0) and credit score (High: 3 / 0, Low: 3 / 4) do worse.
    let amount = split_entropy(&[(4.0, 4.0), (2.0, 0.0)]).unwrap();
    let credit = split_entropy(&[(3.0, 0.0), (3.0, 4.0)]).unwrap();
    assert!(amount > dso && credit > dso, "amount {amount}, credit {credit}, dso {dso}");
    // Gini ranks them the same way.
    let gini = |g: &[(f64, f64)]| split_gini(g).unwrap();
    assert!(gini(&[(4.0, 0.0), (1.0, 3.0), (1.0, 1.0)]) < gini(&[(3.0, 0.0), (3.0, 4.0)]));
}

/// The blog grows a multiway (ID3-style) tree: DSO at the root with three
/// branches, under 30 days and over 61 days as leaves, and 31-60 days split by
/// credit score or amount due (both separate it perfectly). CART splits in two,
/// so the same tree takes three binary splits: DSO <= 0.5 isolates "under 30
/// days" at the root (the blog's root split on DSO), then the 31-60 account that
/// was recovered is isolated by amount due or credit score (tied: equal
/// impurity, same accounts; we take the lower column, amount due, and sklearn
/// takes either depending on its random_state), then DSO <= 1.5 separates 31-60
/// from over 61. What is asserted is what both trees mean: the root splits on
/// DSO, the accounts fall into the blog's four leaves with the blog's outcomes
/// (the over-61 leaf holds one account of each class, so it predicts 0.5; the
/// blog calls it pure, but its own entropy of 1 says otherwise), and sklearn,
/// under every random_state, grows the same 7-node tree with the same leaves.
#[test]
fn receivables_tree_reproduces_the_blogs_final_tree() {
    let fixture: Receivables = read_json("decision_tree_receivables.json");
    assert_eq!(fixture.feature_names, ["dso_bucket", "amount_due_high", "credit_score_high"]);
    let x = fixture.x.concat();
    let accounts = Samples::new(MatrixView::new(&x, 3).unwrap(), &fixture.recovered).unwrap();
    assert_eq!(accounts.n_late(), 6, "6 of 10 accounts recovered");
    let params = DecisionTree { criterion: Criterion::Entropy, ..DecisionTree::default() };
    let tree = params.fit_model(accounts, 0).unwrap();

    let root = tree.nodes()[0].split.expect("the root splits");
    assert_eq!((root.feature, root.threshold), (0, 0.5), "root: DSO under 30 days vs the rest");
    assert!((tree.nodes()[0].impurity - split_entropy(&[(6.0, 4.0)]).unwrap()).abs() < 1e-15);

    let blog_leaves = vec![vec![0, 1, 2, 3], vec![4], vec![5, 6, 7], vec![8, 9]];
    let leaves = tree.leaf_indices(accounts.features()).unwrap();
    assert_eq!(leaf_groups(&leaves), blog_leaves);
    let proba = tree.predict_proba(accounts.features()).unwrap();
    assert_eq!(proba, [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.5, 0.5]);
    assert_eq!((tree.node_count(), tree.depth(), tree.leaf_count()), (7, 3, 4));

    // The 31-60 accounts are told apart by amount due (column 1: the tie with
    // credit score goes to the lower column).
    let inner: Vec<usize> = tree.nodes().iter().filter_map(|n| n.split).map(|s| s.feature).collect();
    assert_eq!(inner, [0, 1, 0]);
    assert_eq!(tree.split_counts(), [2, 1, 0]);

    for sk in &fixture.trees {
        assert_eq!(sk.root_split, (0, 0.5));
        assert_eq!((sk.node_count, sk.depth), (7, 3));
        assert_eq!(sk.leaf_groups, blog_leaves);
        assert_eq!(sk.train_proba, proba);
    }

    // One-hot encoding of the DSO bucket gives the same leaves.
    let one_hot: Vec<f32> = fixture
        .x
        .iter()
        .flat_map(|r| {
            let bucket = r[0] as usize;
            [0, 1, 2].map(|b| if b == bucket { 1.0 } else { 0.0 }).into_iter().chain([r[1], r[2]])
        })
        .collect();
    let encoded = Samples::new(MatrixView::new(&one_hot, 5).unwrap(), &fixture.recovered).unwrap();
    let tree = params.fit_model(encoded, 0).unwrap();
    assert_eq!(tree.nodes()[0].split.unwrap().feature, 0, "root on 'DSO under 30 days'");
    assert_eq!(leaf_groups(&tree.leaf_indices(encoded.features()).unwrap()), blog_leaves);
}

// --- Behaviour --------------------------------------------------------------

#[test]
fn fits_are_bit_identical_across_runs_and_thread_counts() {
    let data = data();
    for params in [
        DecisionTree::default(),
        DecisionTree { criterion: Criterion::Entropy, class_weight: ClassWeight::Balanced, ..DecisionTree::default() },
        DecisionTree { max_features: MaxFeatures::Sqrt, ..DecisionTree::default() },
    ] {
        assert_same_whatever_the_threads(&format!("{params:?}"), 4, || {
            let model = params.fit(data.train(), None, &FitOptions { seed: 7 }).unwrap();
            (model.to_json(), bits(&model.predict_proba(data.test()).unwrap()))
        });
    }
}

#[test]
fn max_features_samples_features_per_node_from_the_seed() {
    let data = data();
    let params = DecisionTree { max_features: MaxFeatures::Count(2), max_depth: Some(6), ..DecisionTree::default() };
    let a = params.fit_model(data.train(), 1).unwrap();
    let b = params.fit_model(data.train(), 1).unwrap();
    let c = params.fit_model(data.train(), 2).unwrap();
    assert_eq!(a, b, "same seed, same tree");
    assert_ne!(a, c, "another seed draws other features");
    // Without sampling the seed is irrelevant.
    let all = DecisionTree { max_depth: Some(6), ..DecisionTree::default() };
    assert_eq!(all.fit_model(data.train(), 1).unwrap(), all.fit_model(data.train(), 2).unwrap());
    // Sampling two features per node cannot beat the full search at the root.
    let full = all.fit_model(data.train(), 1).unwrap();
    let decrease = |m: &DecisionTreeModel| {
        let n = m.nodes();
        let s = n[0].split.unwrap();
        let (l, r) = (&n[s.left], &n[s.right]);
        n[0].weighted_samples * n[0].impurity - l.weighted_samples * l.impurity - r.weighted_samples * r.impurity
    };
    assert!(decrease(&a) <= decrease(&full) + 1e-9);
}

#[test]
fn importances_and_split_counts_describe_the_splits() {
    let data = data();
    let model = DecisionTree { max_depth: Some(4), ..DecisionTree::default() }.fit_model(data.train(), 0).unwrap();
    let importances = model.feature_importances();
    assert_eq!(importances.len(), data.n_cols);
    assert!((importances.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    let counts = model.split_counts();
    assert_eq!(counts.iter().sum::<usize>(), model.node_count() - model.leaf_count());
    for (f, (&imp, &count)) in importances.iter().zip(&counts).enumerate() {
        assert_eq!(count == 0, imp == 0.0, "feature {f}: {count} splits, importance {imp}");
    }
    // Every training row reaches exactly one leaf, and the leaves' rows add up.
    let leaves = model.leaf_indices(data.train().features()).unwrap();
    let mut rows = vec![0; model.node_count()];
    leaves.iter().for_each(|&l| rows[l] += 1);
    for (i, node) in model.nodes().iter().enumerate() {
        if node.split.is_none() {
            assert_eq!(rows[i], node.samples, "leaf {i}");
        }
    }
}

#[test]
fn a_tree_that_cannot_split_predicts_the_base_rate() {
    let values = [3.0_f32; 8];
    let labels = [true, false, false, false, true, false, false, false];
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels[..4]).unwrap();
    let model = DecisionTree::default().fit_model(train, 0).unwrap();
    assert_eq!(model.node_count(), 1);
    assert_eq!(model.predict_proba(MatrixView::new(&[9.0, -1.0], 2).unwrap()).unwrap(), [0.25]);
    assert_eq!(model.feature_importances(), [0.0, 0.0]);

    // A huge min_impurity_decrease also keeps the root a leaf.
    let data = data();
    let params = DecisionTree { min_impurity_decrease: 1.0, ..DecisionTree::default() };
    let model = params.fit_model(data.train(), 0).unwrap();
    assert_eq!(model.node_count(), 1);
    let base_rate = data.y_train.iter().filter(|&&y| y).count() as f64 / data.y_train.len() as f64;
    assert!((model.nodes()[0].late_share - base_rate).abs() < 1e-15);
}

#[test]
fn values_closer_than_sklearns_feature_threshold_are_not_split() {
    // 1.0 and the next f32 differ by 1.2e-7: sklearn adds its 1e-7 threshold
    // in f32, which rounds up to that gap, and treats the two as equal.
    let next = f32::from_bits(1.0f32.to_bits() + 1);
    let values = [1.0, next, 1.0, next];
    let labels = [false, true, false, true];
    let train = Samples::new(MatrixView::new(&values, 1).unwrap(), &labels).unwrap();
    assert_eq!(DecisionTree::default().fit_model(train, 0).unwrap().node_count(), 1);
    // Two ulps apart they differ.
    let further = f32::from_bits(1.0f32.to_bits() + 2);
    let values = [1.0, further, 1.0, further];
    let train = Samples::new(MatrixView::new(&values, 1).unwrap(), &labels).unwrap();
    let model = DecisionTree::default().fit_model(train, 0).unwrap();
    assert_eq!(model.node_count(), 3);
    let threshold = model.nodes()[0].split.unwrap().threshold;
    assert!(threshold > 1.0 && threshold < f64::from(further));
}

// --- Bad input and serde ----------------------------------------------------

#[test]
fn bad_input_gives_the_right_error() {
    BadInput {
        one_class_late: false,
        non_finite_training: vec![(3, 0, f32::NAN), (2, 1, f32::NEG_INFINITY)],
        wide: vec![0.0; 6],
        non_finite_prediction: Some((vec![1.0, f32::NAN], 0, 1)),
    }
    .assert_rejected_by(&DecisionTree::default());

    let (values, labels) = small_training();
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();

    let invalid = [
        (DecisionTree { max_depth: Some(0), ..DecisionTree::default() }, "max_depth"),
        (DecisionTree { min_samples_split: 1, ..DecisionTree::default() }, "min_samples_split"),
        (DecisionTree { min_samples_leaf: 0, ..DecisionTree::default() }, "min_samples_leaf"),
        (DecisionTree { min_impurity_decrease: -0.1, ..DecisionTree::default() }, "min_impurity_decrease"),
        (DecisionTree { min_impurity_decrease: f64::NAN, ..DecisionTree::default() }, "min_impurity_decrease"),
        (DecisionTree { max_features: MaxFeatures::Fraction(0.0), ..DecisionTree::default() }, "max_features"),
        (DecisionTree { max_features: MaxFeatures::Fraction(1.5), ..DecisionTree::default() }, "max_features"),
        (DecisionTree { max_features: MaxFeatures::Fraction(f64::NAN), ..DecisionTree::default() }, "max_features"),
        (DecisionTree { max_features: MaxFeatures::Count(0), ..DecisionTree::default() }, "max_features"),
        (DecisionTree { max_features: MaxFeatures::Count(3), ..DecisionTree::default() }, "max_features"),
        (
            DecisionTree { class_weight: ClassWeight::Custom { late: 0.0, on_time: 1.0 }, ..DecisionTree::default() },
            "class_weight",
        ),
    ];
    assert_invalid_hyperparameters(invalid, train, false);
    // Only the count above the width needs the data to be detected.
    DecisionTree { max_features: MaxFeatures::Count(3), ..DecisionTree::default() }
        .validate()
        .expect("a count above the width is only known with the data");
}

#[test]
fn hyperparameters_round_trip_and_reject_unknown_fields() {
    let params = DecisionTree {
        criterion: Criterion::Entropy,
        max_depth: Some(7),
        min_samples_split: 10,
        min_samples_leaf: 3,
        min_impurity_decrease: 0.001,
        class_weight: ClassWeight::Balanced,
        max_features: MaxFeatures::Fraction(0.5),
    };
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(json["criterion"], "entropy");
    assert_eq!(json["max_features"], serde_json::json!({"fraction": 0.5}));
    assert_eq!(serde_json::from_value::<DecisionTree>(json.clone()).unwrap(), params);
    assert_eq!(params.hyperparameters(), json);
    assert_eq!(params.family(), "decision_tree");

    let defaults: DecisionTree = serde_json::from_str("{}").unwrap();
    assert_eq!(defaults, DecisionTree::default());
    assert_eq!(serde_json::to_value(&defaults).unwrap()["max_depth"], serde_json::Value::Null);
    assert_eq!(serde_json::to_value(&defaults).unwrap()["max_features"], "all");
    for (text, expected) in
        [(r#""sqrt""#, MaxFeatures::Sqrt), (r#""log2""#, MaxFeatures::Log2), (r#"{"count": 4}"#, MaxFeatures::Count(4))]
    {
        assert_eq!(serde_json::from_str::<MaxFeatures>(text).unwrap(), expected);
    }
    assert!(serde_json::from_str::<DecisionTree>(r#"{"max_depht": 3}"#).is_err());
    assert!(serde_json::from_str::<DecisionTree>(r#"{"criterion": "log_loss"}"#).is_err());
    assert!(serde_json::from_str::<DecisionTree>(r#"{"max_features": "auto"}"#).is_err());
}

#[test]
fn fitted_tree_round_trips_through_json_and_rejects_broken_trees() {
    let data = data();
    let model = DecisionTree { max_depth: Some(6), ..DecisionTree::default() }.fit_model(data.train(), 0).unwrap();
    let json = model.to_json();
    assert_eq!(json["n_features"], data.n_cols);
    assert_eq!(json["criterion"], "gini");
    assert_eq!(json["nodes"].as_array().unwrap().len(), model.node_count());
    let restored: DecisionTreeModel = serde_json::from_str(&serde_json::to_string(&json).unwrap()).unwrap();
    assert_eq!(restored, model);
    assert_eq!(bits(&restored.predict_proba(data.test()).unwrap()), bits(&model.predict_proba(data.test()).unwrap()));

    let broken = |edit: &dyn Fn(&mut serde_json::Value)| rejects_edited::<DecisionTreeModel>(&json, edit);
    assert!(broken(&|j| j["extra"] = 1.into()));
    assert!(broken(&|j| j["nodes"] = serde_json::json!([])));
    assert!(broken(&|j| j["nodes"][0]["split"]["left"] = 0.into()), "a cycle");
    assert!(broken(&|j| j["nodes"][0]["split"]["left"] = 100_000.into()), "a child out of range");
    assert!(broken(&|j| j["nodes"][0]["split"]["feature"] = 12.into()), "a feature out of range");
    assert!(broken(&|j| j["nodes"][0]["split"]["right"] = j["nodes"][0]["split"]["left"].clone()));
    assert!(broken(&|j| j["nodes"][1]["late_share"] = 1.5.into()));
    assert!(broken(&|j| j["n_features"] = 3.into()), "splits on features the tree does not have");
}
