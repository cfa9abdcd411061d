//! Feature importance of the tree families: every tree family reports gain
//! and split counts per feature, and the feature that carries the label
//! ranks first; families without trees report none.

use overdue_features::{MatrixView, Samples};
use overdue_models::{
    AdaBoost, BalancedBagging, Classifier, DecisionTree, FeatureImportance, FitOptions, GradientBoostedTrees,
    LogisticRegression, RandomForest,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The column that carries the label.
const SIGNAL: usize = 3;
const N_COLS: usize = 5;

/// 800 rows: four noise columns and, in column 3, the label (flipped on one
/// row in eight) plus noise.
fn data() -> (Vec<f32>, Vec<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (mut values, mut labels) = (Vec::new(), Vec::new());
    for i in 0..800 {
        let late = rng.random::<f32>() < 0.3;
        let seen = late != (i % 8 == 0);
        for j in 0..N_COLS {
            let noise = rng.random::<f32>();
            values.push(if j == SIGNAL { f32::from(u8::from(seen)) + 0.5 * noise } else { noise });
        }
        labels.push(late);
    }
    (values, labels)
}

fn importance_of(classifier: &dyn Classifier) -> Option<FeatureImportance> {
    let (values, labels) = data();
    let train = Samples::new(MatrixView::new(&values, N_COLS).unwrap(), &labels).unwrap();
    classifier.fit(train, None, &FitOptions { seed: 1 }).unwrap().feature_importance()
}

#[test]
fn the_feature_carrying_the_label_has_the_top_importance_in_every_tree_family() {
    let families: [Box<dyn Classifier>; 5] = [
        Box::new(DecisionTree { max_depth: Some(6), ..DecisionTree::default() }),
        Box::new(RandomForest { n_estimators: 30, ..RandomForest::default() }),
        Box::new(GradientBoostedTrees { n_trees: 30, ..GradientBoostedTrees::default() }),
        Box::new(AdaBoost::default()),
        Box::new(BalancedBagging::default()),
    ];
    for family in &families {
        let name = family.family();
        let importance = importance_of(family.as_ref()).unwrap_or_else(|| panic!("{name} reports importance"));
        assert_eq!(importance.n_features(), N_COLS, "{name}");
        assert_eq!(importance.split.len(), N_COLS, "{name}");
        assert!(importance.gain.iter().all(|g| g.is_finite() && *g >= 0.0), "{name}: {:?}", importance.gain);
        let top = (0..N_COLS).max_by(|&a, &b| importance.gain[a].total_cmp(&importance.gain[b])).unwrap();
        assert_eq!(top, SIGNAL, "{name}: gains {:?}", importance.gain);
        assert!(importance.split[SIGNAL] > 0, "{name}: splits {:?}", importance.split);
        let others = importance.gain.iter().enumerate().filter(|&(j, _)| j != SIGNAL).map(|(_, g)| g).sum::<f64>();
        assert!(importance.gain[SIGNAL] > others, "{name}: the signal outweighs all noise: {:?}", importance.gain);
    }
}

#[test]
fn split_counts_add_up_to_the_splits_of_the_trees() {
    let (values, labels) = data();
    let train = Samples::new(MatrixView::new(&values, N_COLS).unwrap(), &labels).unwrap();
    let forest = RandomForest { n_estimators: 10, max_depth: Some(5), ..RandomForest::default() }
        .fit_model(train, &FitOptions::default())
        .unwrap();
    let importance = forest.feature_importance();
    let splits: usize = forest.trees().iter().map(|t| t.n_splits()).sum();
    assert_eq!(importance.split.iter().sum::<u64>(), splits as u64);
    let gains: f64 = forest.trees().iter().flat_map(|t| t.split_gains()).sum();
    assert!((importance.gain.iter().sum::<f64>() - gains).abs() <= 1e-9 * gains);

    let tree = DecisionTree { max_depth: Some(4), ..DecisionTree::default() }.fit_model(train, 0).unwrap();
    let counted = overdue_models::FittedClassifier::feature_importance(&tree).unwrap();
    let counts: Vec<u64> = tree.split_counts().into_iter().map(|c| c as u64).collect();
    assert_eq!(counted.split, counts);
    // Normalised, the gains are scikit-learn's feature_importances_.
    let total: f64 = counted.gain.iter().sum();
    for (g, expected) in counted.gain.iter().zip(tree.feature_importances()) {
        assert!((g / total - expected).abs() < 1e-12);
    }
}

#[test]
fn families_without_trees_report_no_importance() {
    assert!(importance_of(&LogisticRegression::default()).is_none());
}
