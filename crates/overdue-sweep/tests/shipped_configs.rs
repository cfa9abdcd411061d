//! Every config shipped in `configs/` parses and plans the grid its comments
//! promise, so a broken example is caught before a user runs it.

use std::path::{Path, PathBuf};

use overdue_sweep::{SweepConfig, plan_sweep};

fn configs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs")
}

fn planned_runs(name: &str) -> usize {
    let config = SweepConfig::load(&configs_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    plan_sweep(&config, None).unwrap_or_else(|e| panic!("{name}: {e}")).len()
}

#[test]
fn every_shipped_config_parses_and_plans() {
    let mut names: Vec<String> = std::fs::read_dir(configs_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "quickstart, appel2020_ar, keras_collections, ci_smoke at least: {names:?}");
    for name in &names {
        assert!(planned_runs(name) > 0, "{name} plans no run");
    }
}

#[test]
fn the_study_configs_plan_their_grids() {
    // Study 1: 11 windows x 6 families, one seed.
    assert_eq!(planned_runs("appel2020_ar.toml"), 66);
    // The tutorial: (2 MLP backends + 3 other families) x 3 seeds, one dataset.
    assert_eq!(planned_runs("keras_collections.toml"), 15);
}
