//! The collections-actions world: the tutorial's table, its rules, and generated
//! tables that follow them with a controlled share of noise.

use overdue_data::{CollectionsRow, CollectionsWorld, TUTORIAL_QUERY, TUTORIAL_TABLE, paid_under_rules};

#[test]
fn the_built_in_table_is_the_tutorials_nine_rows() {
    let rows: Vec<(u8, u8, u8, u8)> =
        TUTORIAL_TABLE.iter().map(|r| (r.email, r.sms, r.call, u8::from(r.paid))).collect();
    assert_eq!(
        rows,
        [
            (1, 0, 0, 0),
            (1, 1, 0, 0),
            (1, 1, 1, 1),
            (0, 1, 1, 0),
            (2, 1, 1, 0),
            (2, 2, 1, 1),
            (2, 2, 2, 1),
            (3, 2, 2, 0),
            (3, 3, 2, 1),
        ]
    );
}

#[test]
fn the_rules_reproduce_the_tutorial_table_and_answer_its_query() {
    for row in TUTORIAL_TABLE {
        assert_eq!(paid_under_rules(row.email, row.sms, row.call), row.paid, "{row:?}");
    }
    let (email, sms, call) = TUTORIAL_QUERY;
    assert_eq!(TUTORIAL_QUERY, (3, 3, 3));
    assert!(paid_under_rules(email, sms, call));
}

#[test]
fn each_rule_holds_on_its_own() {
    assert!(!paid_under_rules(0, 0, 3), "no payment without an email");
    assert!(!paid_under_rules(2, 3, 3), "payment only if emails == sms");
    assert!(!paid_under_rules(1, 1, 0), "one email and one sms need a call");
    assert!(paid_under_rules(1, 1, 1));
    assert!(paid_under_rules(2, 2, 0), "two of each need no call");
}

#[test]
fn without_noise_every_generated_row_obeys_the_rules() {
    let rows = CollectionsWorld { rows: 20_000, noise: 0.0, seed: 3, ..Default::default() }.generate().unwrap();
    assert_eq!(rows.len(), 20_000);
    for row in &rows {
        assert!(row.email <= 3 && row.sms <= 3 && row.call <= 3, "{row:?}");
        assert_eq!(row.paid, paid_under_rules(row.email, row.sms, row.call), "{row:?}");
        assert!(!row.paid || row.email > 0, "no payment without an email: {row:?}");
        assert!(!row.paid || row.email == row.sms, "payment only if emails == sms: {row:?}");
        assert!(!(row.paid && (row.email, row.sms, row.call) == (1, 1, 0)), "a call is needed: {row:?}");
    }
    let paid = rows.iter().filter(|r| r.paid).count() as f64 / rows.len() as f64;
    assert!((0.2..=0.6).contains(&paid), "both classes are well represented: {paid:.3} paid");
    let combinations: std::collections::HashSet<_> = rows.iter().map(|r| (r.email, r.sms, r.call)).collect();
    assert_eq!(combinations.len(), 64, "every combination occurs");
    for tutorial in TUTORIAL_TABLE {
        assert!(rows.contains(&tutorial), "the tutorial's row {tutorial:?} occurs");
    }
}

#[test]
fn noise_flips_about_the_requested_share_of_labels() {
    for noise in [0.05, 0.2] {
        let rows = CollectionsWorld { rows: 20_000, noise, seed: 4, ..Default::default() }.generate().unwrap();
        let flipped = rows.iter().filter(|r| r.paid != paid_under_rules(r.email, r.sms, r.call)).count();
        let share = flipped as f64 / rows.len() as f64;
        // Binomial standard deviation at 20k rows: at most 0.003.
        assert!((share - noise).abs() < 0.012, "asked {noise}, flipped {share:.4}");
    }
}

#[test]
fn same_seed_same_table_other_seed_other_table() {
    let world = |seed| CollectionsWorld { rows: 2_000, noise: 0.1, seed, ..Default::default() };
    let a: Vec<CollectionsRow> = world(9).generate().unwrap();
    assert_eq!(a, world(9).generate().unwrap());
    assert_ne!(a, world(10).generate().unwrap());
}

#[test]
fn bad_parameters_are_named() {
    let err = CollectionsWorld { noise: 1.5, ..CollectionsWorld::default() }.generate().unwrap_err();
    assert!(err.to_string().contains("`noise`"), "{err}");
    let err = CollectionsWorld { rows: 0, ..CollectionsWorld::default() }.generate().unwrap_err();
    assert!(err.to_string().contains("`rows`"), "{err}");
    let err = CollectionsWorld { cases_per_day: 0, ..CollectionsWorld::default() }.generate().unwrap_err();
    assert!(err.to_string().contains("`cases_per_day`"), "{err}");
    let last_date = chrono::NaiveDate::MAX;
    let err = CollectionsWorld { first_day: last_date, ..CollectionsWorld::default() }.generate().unwrap_err();
    assert!(err.to_string().contains("`first_day`"), "{err}");
}

#[test]
fn cases_close_in_generation_order_so_many_a_day() {
    let world = CollectionsWorld { rows: 7, cases_per_day: 3, ..CollectionsWorld::default() };
    let day = |d| chrono::NaiveDate::from_ymd_opt(2019, 1, d).unwrap();
    let expected = [day(1), day(1), day(1), day(2), day(2), day(2), day(3)];
    assert_eq!(world.closing_days(), expected);
}
