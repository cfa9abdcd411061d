//! The synthetic accounts-payable world hits study 2's targets, its process
//! log is consistent with its invoices, load causes lateness, and study 2's
//! cleaning drops exactly the injected dirty rows.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate};
use overdue_data::{
    Action, Actor, Categories, CleaningCounts, DirtyRates, Outcome, Payable, PayablesTable, PayablesWorld,
    ProcessEvent, RawPayable, RawPayables,
};

const INVOICES: usize = 30_000;

fn small_world(seed: u64) -> PayablesWorld {
    PayablesWorld { seed, invoices: INVOICES, ..PayablesWorld::default() }
}

/// One raw world and its cleaning, shared by the tests of this file.
fn shared() -> &'static (RawPayables, PayablesTable, CleaningCounts) {
    static WORLD: OnceLock<(RawPayables, PayablesTable, CleaningCounts)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let raw = small_world(7).generate().expect("valid world");
        let (table, counts) = raw.clone().clean().expect("clean table");
        (raw, table, counts)
    })
}

fn after_snapshot(table: &PayablesTable) -> NaiveDate {
    table.snapshot_date() + Duration::days(1)
}

#[test]
fn defaults_are_study_two_scale() {
    let world = PayablesWorld::default();
    assert_eq!(world.invoices, 300_000);
    assert_eq!(world.vendors, 1_459);
    assert_eq!((world.end_date - world.start_date).num_days(), 364, "one year of postings");
    let (raw, _, _) = shared();
    let columns = raw.categories.columns();
    assert_eq!(columns.len(), 9);
    assert_eq!(raw.categories.vendors.len(), 1_459);
    let total = raw.categories.total();
    assert!((1_800..=2_000).contains(&total), "about 1,885 categorical values in nine columns, got {total}");
    assert_eq!(total, 1_885);
}

#[test]
fn most_categorical_values_occur_and_codes_index_their_dictionaries() {
    let (_, table, _) = shared();
    let c = table.categories();
    let mut seen: Vec<std::collections::HashSet<usize>> = vec![Default::default(); 9];
    for inv in table.invoices() {
        let codes = [
            inv.vendor as usize,
            inv.company_code.into(),
            inv.country.into(),
            inv.currency.into(),
            inv.document_type.into(),
            inv.payment_terms.into(),
            inv.plant.into(),
            inv.purchasing_group.into(),
            inv.channel.into(),
        ];
        for (column, code) in codes.into_iter().enumerate() {
            seen[column].insert(code);
        }
    }
    let distinct: usize = seen.iter().map(|s| s.len()).sum();
    assert!(distinct as f64 > 0.85 * c.total() as f64, "{distinct} of {} values occur", c.total());
    for ((name, values), used) in c.columns().iter().zip(&seen) {
        assert!(used.iter().all(|&code| code < values.len()), "{name}");
    }
}

#[test]
fn raw_rows_are_numbered_in_posting_order_over_one_year() {
    let (raw, _, _) = shared();
    let world = small_world(7);
    assert_eq!(raw.invoices.len(), INVOICES);
    assert_eq!(raw.snapshot_date, world.end_date);
    assert!(raw.invoices.iter().enumerate().all(|(i, inv)| inv.invoice_id == i as u64 + 1));
    let posted: Vec<NaiveDate> = raw.invoices.iter().filter_map(|i| i.posting_date).collect();
    assert!(posted.windows(2).all(|w| w[0] <= w[1]), "posting order");
    assert!(posted.iter().all(|d| (world.start_date..=world.end_date).contains(d)));
    assert!(raw.events.windows(2).all(|w| (w[0].invoice_id, w[0].start) <= (w[1].invoice_id, w[1].start)));
    let per_invoice = raw.events.len() as f64 / INVOICES as f64;
    assert!((5.0..=8.0).contains(&per_invoice), "study: 3.5M events for 523k invoices; here {per_invoice:.2}");
}

#[test]
fn about_seven_percent_are_urgent_and_seven_percent_have_short_terms() {
    let (_, table, _) = shared();
    let n = table.len() as f64;
    let urgent = table.invoices().iter().filter(|i| i.urgent).count() as f64 / n;
    assert!((0.06..=0.08).contains(&urgent), "urgent share {urgent:.4}");
    let short = table.invoices().iter().filter(|i| i.terms_days() < 15).count() as f64 / n;
    assert!((0.05..=0.10).contains(&short), "study: 93% due 15 or more days after posting; short {short:.4}");
}

#[test]
fn about_ten_percent_are_paid_late_after_cleaning() {
    let (_, table, _) = shared();
    let counts = table.outcome_counts();
    let share = counts.late_share();
    assert!((0.07..=0.13).contains(&share), "late share {share:.4}");
    assert!(counts.unknown > 0, "invoices open and not yet due at the snapshot are unknown");
    let open = table.invoices().iter().filter(|i| i.cleared_date.is_none()).count();
    assert!(open > counts.unknown, "some open invoices are already past due, hence known late");
}

#[test]
fn amounts_range_from_cents_to_millions() {
    let (_, table, _) = shared();
    let amounts = table.invoices().iter().map(|i| i.amount);
    let (min, max) = amounts.fold((f64::MAX, 0.0f64), |(lo, hi), a| (lo.min(a), hi.max(a)));
    assert!(min < 1.0 && max > 5e6, "amounts from {min} to {max}");
}

#[test]
fn late_means_cleared_after_the_due_date_with_no_grace() {
    let date = |s: &str| s.parse::<NaiveDate>().unwrap();
    let (_, table, _) = shared();
    let invoice = |cleared: Option<&str>| Payable {
        due_date: date("2017-03-10"),
        posting_date: date("2017-02-08"),
        cleared_date: cleared.map(date),
        ..table.invoices()[0].clone()
    };
    let later = date("2017-12-31");
    assert_eq!(invoice(Some("2017-03-10")).outcome_as_of(later), Outcome::OnTime);
    assert_eq!(invoice(Some("2017-03-11")).outcome_as_of(later), Outcome::Late);
    assert_eq!(invoice(None).outcome_as_of(date("2017-03-10")), Outcome::Unknown);
    assert_eq!(invoice(None).outcome_as_of(date("2017-03-11")), Outcome::Late);
    assert_eq!(invoice(Some("2017-03-11")).outcome_as_of(date("2017-03-11")), Outcome::Late, "open and past due");
    assert_eq!(invoice(Some("2017-03-09")).outcome_as_of(date("2017-03-09")), Outcome::Unknown);
}

/// What the raw table shows of each defect, counted from its columns directly.
fn observed_defects(raw: &RawPayables) -> CleaningCounts {
    let logged: std::collections::HashSet<u64> = raw.events.iter().map(|e| e.invoice_id).collect();
    let mut seen = CleaningCounts { raw: raw.invoices.len(), ..CleaningCounts::default() };
    for inv in &raw.invoices {
        seen.missing_vendor += usize::from(inv.vendor.is_none());
        seen.missing_amount += usize::from(inv.amount.is_none());
        seen.missing_company_code += usize::from(inv.company_code.is_none());
        seen.missing_due_date += usize::from(inv.due_date.is_none());
        seen.missing_posting_date += usize::from(inv.posting_date.is_none());
        seen.negative_amount += usize::from(inv.amount.is_some_and(|a| a < 0.0));
        seen.due_before_posting += usize::from(matches!((inv.due_date, inv.posting_date), (Some(d), Some(p)) if d < p));
        seen.no_process_log += usize::from(!logged.contains(&inv.invoice_id));
    }
    seen.kept = seen.raw - seen.dropped();
    seen
}

#[test]
fn dirty_rows_appear_at_the_configured_rates() {
    let (raw, _, _) = shared();
    let rates = DirtyRates::default();
    let seen = observed_defects(raw);
    let n = INVOICES as f64;
    for (name, count, rate) in [
        ("missing_vendor", seen.missing_vendor, rates.missing_vendor),
        ("missing_amount", seen.missing_amount, rates.missing_amount),
        ("missing_company_code", seen.missing_company_code, rates.missing_company_code),
        ("missing_due_date", seen.missing_due_date, rates.missing_due_date),
        ("missing_posting_date", seen.missing_posting_date, rates.missing_posting_date),
        ("negative_amount", seen.negative_amount, rates.negative_amount),
        ("due_before_posting", seen.due_before_posting, rates.due_before_posting),
        ("no_process_log", seen.no_process_log, rates.no_process_log),
    ] {
        // Binomial standard deviation at 30k rows is at most 0.001 for these rates.
        let share = count as f64 / n;
        assert!((share - rate).abs() < 0.004, "{name}: {share:.4} against {rate}");
    }
    assert_eq!(Some(seen), raw.injected, "each dirty row carries exactly the one injected defect");
}

#[test]
fn cleaning_drops_exactly_the_injected_rows_once_each() {
    let (raw, table, counts) = shared();
    assert_eq!(Some(*counts), raw.injected);
    assert_eq!(counts.raw, INVOICES);
    assert_eq!(counts.kept, table.len());
    assert_eq!(counts.kept + counts.dropped(), counts.raw);
    let dropped = counts.dropped() as f64 / INVOICES as f64;
    assert!((0.12..=0.20).contains(&dropped), "defaults drop {dropped:.3} of the rows");
    let kept_ids: std::collections::HashSet<u64> = table.invoices().iter().map(|i| i.invoice_id).collect();
    assert!(table.events().iter().all(|e| kept_ids.contains(&e.invoice_id)), "dropped invoices take their events");
}

fn raw_row(id: u64) -> RawPayable {
    let date = |s: &str| s.parse::<NaiveDate>().ok();
    RawPayable {
        invoice_id: id,
        vendor: Some(0),
        company_code: Some(0),
        country: 0,
        currency: 0,
        document_type: 0,
        payment_terms: 0,
        plant: 0,
        purchasing_group: 0,
        channel: 0,
        urgent: false,
        amount: Some(10.0),
        posting_date: date("2017-02-01"),
        due_date: date("2017-03-01"),
        cleared_date: date("2017-02-28"),
    }
}

fn one_value_categories() -> Categories {
    let one = |s: &str| vec![s.to_string()];
    Categories {
        vendors: one("V1"),
        company_codes: one("1000"),
        countries: one("DE"),
        currencies: one("EUR"),
        document_types: one("RE"),
        payment_terms: one("N030"),
        plants: one("P1000"),
        purchasing_groups: one("G100"),
        channels: one("edi"),
    }
}

fn receive(id: u64, at: &str) -> ProcessEvent {
    let start = at.parse().unwrap();
    ProcessEvent { invoice_id: id, action: Action::Receive, actor: Actor::System, start, end: start }
}

#[test]
fn a_row_with_several_defects_counts_once_under_the_first_rule() {
    let mut credit_note_without_vendor = raw_row(2);
    credit_note_without_vendor.vendor = None;
    credit_note_without_vendor.amount = Some(-5.0);
    let mut credit_note_due_early = raw_row(3);
    credit_note_due_early.amount = Some(-5.0);
    credit_note_due_early.due_date = "2017-01-01".parse().ok();
    let unlogged = raw_row(4);
    let raw = RawPayables {
        invoices: vec![raw_row(1), credit_note_without_vendor, credit_note_due_early, unlogged],
        categories: one_value_categories(),
        events: vec![receive(1, "2017-02-01T09:00:00"), receive(2, "2017-02-01T09:00:00")],
        snapshot_date: "2017-12-31".parse().unwrap(),
        injected: None,
    };
    let (table, counts) = raw.clean().unwrap();
    let expected = CleaningCounts {
        raw: 4,
        kept: 1,
        missing_vendor: 1,
        negative_amount: 1,
        no_process_log: 1,
        ..Default::default()
    };
    assert_eq!(counts, expected);
    assert_eq!(table.len(), 1);
    assert_eq!(table.events().len(), 1, "the dropped invoice's event goes too");
}

#[test]
fn same_seed_same_tables_other_seed_other_tables() {
    let world = |seed| PayablesWorld { seed, invoices: 5_000, ..PayablesWorld::default() };
    let a = world(11).generate().unwrap();
    assert_eq!(a, world(11).generate().unwrap());
    assert_ne!(a, world(12).generate().unwrap());
}

#[test]
fn every_clean_invoice_has_a_log_within_its_life() {
    let (_, table, _) = shared();
    let mut paid_events = 0;
    for inv in table.invoices() {
        let events = table.events_of(inv.invoice_id);
        assert!(!events.is_empty(), "invoice {} has no events", inv.invoice_id);
        let opens = inv.posting_date.and_hms_opt(0, 0, 0).unwrap();
        let closes = (inv.cleared_date.unwrap_or(table.snapshot_date()) + Duration::days(1)).and_hms_opt(0, 0, 0);
        for e in events {
            assert!(e.start >= opens && e.start <= e.end && Some(e.end) < closes, "{inv:?} {e:?}");
        }
        assert!(events.windows(2).all(|w| w[0].start <= w[1].start), "time order");
        assert_eq!(events[0].action, Action::Receive);
        assert_eq!(events[0].start.date(), inv.posting_date, "received on the posting date");
        let pay = events.iter().find(|e| e.action == Action::Pay);
        assert_eq!(pay.map(|e| e.start.date()), inv.cleared_date, "cleared by a payment run");
        paid_events += usize::from(pay.is_some());
        for e in events {
            let system = matches!(e.action, Action::Receive | Action::Pay);
            assert_eq!(e.actor == Actor::System, system, "{e:?}");
        }
    }
    assert!(paid_events > table.len() * 3 / 4, "most invoices are paid by the snapshot");
}

#[test]
fn payment_runs_pay_on_tuesdays_and_fridays_and_large_amounts_get_a_second_approval() {
    let (_, table, _) = shared();
    let limit = PayablesWorld::default().second_approval_amount;
    for inv in table.invoices().iter().filter(|i| i.cleared_date.is_some()) {
        let events = table.events_of(inv.invoice_id);
        let cleared = inv.cleared_date.unwrap();
        assert!(matches!(cleared.weekday(), chrono::Weekday::Tue | chrono::Weekday::Fri), "{cleared}");
        let second = events.iter().any(|e| e.action == Action::SecondApprove);
        assert_eq!(second, inv.amount > limit, "{inv:?}");
    }
}

/// Late share of the invoices posted in each week, against the week's load:
/// the mean number of invoices in process (posted, not yet released for
/// payment) on its workdays, study 2's "number of other invoices in the system".
fn late_share_by_load(table: &PayablesTable) -> Vec<(f64, usize, usize)> {
    let start = table.invoices().iter().map(|i| i.posting_date).min().unwrap();
    let days = (table.snapshot_date() - start).num_days() as usize + 1;
    let mut change = vec![0i64; days + 1];
    for inv in table.invoices() {
        let released = table.events_of(inv.invoice_id).iter().find(|e| e.action == Action::Release);
        let until = released.map_or(days, |e| (e.end.date() - start).num_days() as usize);
        change[(inv.posting_date - start).num_days() as usize] += 1;
        change[until] -= 1;
    }
    let mut weeks: HashMap<usize, (i64, i64, usize, usize)> = HashMap::new();
    let mut in_process = 0;
    for (day, delta) in change.iter().take(days).enumerate() {
        in_process += delta;
        if (start + Duration::days(day as i64)).weekday().num_days_from_monday() < 5 {
            let week = weeks.entry(day / 7).or_default();
            week.0 += in_process;
            week.1 += 1;
        }
    }
    for inv in table.invoices() {
        let week = weeks.entry((inv.posting_date - start).num_days() as usize / 7).or_default();
        match inv.outcome_as_of(after_snapshot(table)) {
            Outcome::Late => week.2 += 1,
            Outcome::OnTime => week.3 += 1,
            Outcome::Unknown => {}
        }
    }
    // The last six weeks are left out: most of their invoices are not yet due.
    let last = days / 7 - 6;
    let mut rows: Vec<_> = weeks
        .into_iter()
        .filter(|(week, w)| *week < last && w.1 > 0)
        .map(|(_, (sum, workdays, late, on_time))| (sum as f64 / workdays as f64, late, on_time))
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    rows
}

#[test]
fn invoices_posted_in_high_load_weeks_are_more_often_late() {
    let (_, table, _) = shared();
    let weeks = late_share_by_load(table);
    let quarter = weeks.len() / 4;
    let pooled = |rows: &[(f64, usize, usize)]| {
        let late: usize = rows.iter().map(|r| r.1).sum();
        let on_time: usize = rows.iter().map(|r| r.2).sum();
        late as f64 / (late + on_time) as f64
    };
    let low = pooled(&weeks[..quarter]);
    let high = pooled(&weeks[weeks.len() - quarter..]);
    assert!(
        high > 1.3 * low && high - low > 0.02,
        "late share {low:.4} in the calmest weeks, {high:.4} in the busiest"
    );
}

#[test]
fn more_capacity_means_fewer_late_invoices() {
    let late = |capacity| {
        let world = PayablesWorld { capacity, invoices: 10_000, ..small_world(5) };
        world.generate_clean().unwrap().0.outcome_counts().late_share()
    };
    let (tight, ample) = (late(1.0), late(1.5));
    assert!(tight > ample + 0.02, "late share {tight:.4} at capacity 1.0, {ample:.4} at 1.5");
}

#[test]
fn vendor_history_predicts_lateness() {
    // Vendors late more often than the median in the first half of the year are
    // late more often in the second half too: their exception propensity persists.
    let (_, table, _) = shared();
    let mid = table.snapshot_date() - Duration::days(182);
    let as_of = after_snapshot(table);
    let mut by_vendor: HashMap<u32, [(usize, usize); 2]> = HashMap::new();
    for inv in table.invoices() {
        let half = usize::from(inv.posting_date >= mid);
        let slot = &mut by_vendor.entry(inv.vendor).or_default()[half];
        match inv.outcome_as_of(as_of) {
            Outcome::Late => slot.0 += 1,
            Outcome::OnTime => slot.1 += 1,
            Outcome::Unknown => {}
        }
    }
    let mut vendors: Vec<(f64, (usize, usize))> = by_vendor
        .values()
        .filter(|[first, second]| first.0 + first.1 >= 10 && second.0 + second.1 >= 10)
        .map(|[first, second]| (first.0 as f64 / (first.0 + first.1) as f64, *second))
        .collect();
    vendors.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = vendors.len() / 2;
    let second_half_share = |rows: &[(f64, (usize, usize))]| {
        let late: usize = rows.iter().map(|r| r.1.0).sum();
        let total: usize = rows.iter().map(|r| r.1.0 + r.1.1).sum();
        late as f64 / total as f64
    };
    let (good, bad) = (second_half_share(&vendors[..half]), second_half_share(&vendors[half..]));
    assert!(vendors.len() > 100, "{} vendors with enough history", vendors.len());
    assert!(bad > 1.5 * good, "second-half late share {good:.4} for good vendors, {bad:.4} for bad ones");
}

#[test]
fn bad_parameters_are_named() {
    let err = |world: PayablesWorld| world.generate().unwrap_err().to_string();
    let base = PayablesWorld::default();
    assert!(err(PayablesWorld { capacity: 0.0, ..base.clone() }).contains("`capacity`"));
    assert!(err(PayablesWorld { vendors: 0, ..base.clone() }).contains("`vendors`"));
    assert!(err(PayablesWorld { urgent_share: 1.5, ..base.clone() }).contains("`urgent_share`"));
    assert!(err(PayablesWorld { payment_block_rate: -0.1, ..base.clone() }).contains("`payment_block_rate`"));
    assert!(err(PayablesWorld { payment_block_days: 0.5, ..base.clone() }).contains("`payment_block_days`"));
    assert!(err(PayablesWorld { end_date: base.start_date, ..base.clone() }).contains("`end_date`"));
    let dirty = DirtyRates { negative_amount: -0.1, ..DirtyRates::default() };
    assert!(err(PayablesWorld { dirty, ..base.clone() }).contains("`dirty.negative_amount`"));
    let dirty = DirtyRates { no_process_log: 0.95, ..DirtyRates::default() };
    assert!(err(PayablesWorld { dirty, ..base }).contains("`dirty`"), "rates summing above one");
}

#[test]
fn table_validation_names_the_row_and_column() {
    let (_, table, _) = shared();
    let invoices: Vec<Payable> = table.invoices()[..3].to_vec();
    let events_of_three: Vec<ProcessEvent> =
        invoices.iter().flat_map(|i| table.events_of(i.invoice_id).iter().cloned()).collect();
    let rebuild = |invoices: Vec<Payable>, events: Vec<ProcessEvent>| {
        PayablesTable::new(invoices, table.categories().clone(), events, table.snapshot_date())
    };
    rebuild(invoices.clone(), events_of_three.clone()).expect("the three invoices' own events are consistent");

    let mut bad = invoices.clone();
    bad[1].due_date = bad[1].posting_date - Duration::days(1);
    let message = rebuild(bad, events_of_three.clone()).unwrap_err().to_string();
    assert!(message.contains("row 1") && message.contains("`due_date`"), "{message}");

    let mut bad = invoices.clone();
    bad[2].plant = u16::MAX;
    let message = rebuild(bad, events_of_three.clone()).unwrap_err().to_string();
    assert!(message.contains("row 2") && message.contains("`plant`"), "{message}");

    let mut early = events_of_three.clone();
    let first_of_second = early.iter().position(|e| e.invoice_id == invoices[1].invoice_id).unwrap();
    early[first_of_second].start -= Duration::days(40);
    let message = rebuild(invoices.clone(), early).unwrap_err().to_string();
    assert!(message.contains("row 1") && message.contains("`events`"), "{message}");

    let mut orphan = events_of_three.clone();
    orphan.push(ProcessEvent { invoice_id: u64::MAX, ..orphan[0].clone() });
    let message = rebuild(invoices.clone(), orphan).unwrap_err().to_string();
    assert!(message.contains("`events.invoice_id`") && message.contains("not in the table"), "{message}");

    let unlogged: Vec<ProcessEvent> =
        events_of_three.into_iter().filter(|e| e.invoice_id != invoices[2].invoice_id).collect();
    let message = rebuild(invoices, unlogged).unwrap_err().to_string();
    assert!(message.contains("row 2") && message.contains("no process events"), "{message}");
}

#[test]
fn payment_blocks_make_some_invoices_released_in_time_late() {
    // The same world with more and more blocks: a block only ever delays a
    // payment, so the late share rises with the block rate.
    let late = |payment_block_rate| {
        let world = PayablesWorld { payment_block_rate, invoices: 10_000, ..small_world(7) };
        world.generate_clean().unwrap().0.outcome_counts().late_share()
    };
    let (without, default, many) = (late(0.0), late(PayablesWorld::default().payment_block_rate), late(0.2));
    assert!(without < default && default < many, "late shares {without:.4} < {default:.4} < {many:.4}");
    assert!(many > without + 0.1, "a 20% block rate makes at least a tenth more late: {without:.4} -> {many:.4}");
}
