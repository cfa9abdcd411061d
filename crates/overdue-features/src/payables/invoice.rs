//! Group 3, intra-case: the invoice's own fields, known when it is posted, and
//! the one-hot encoding of its categorical columns.

use chrono::Datelike;
use overdue_data::{Categories, Payable};

use super::columns::RowWriter;
use crate::calendar::{is_month_end, working_days_between};

const COLUMNS: [&str; 8] = [
    "amount_log",
    "terms_days",
    "working_days_to_due",
    "urgent",
    "posting_month",
    "posting_day",
    "posting_weekday",
    "posting_month_end",
];

/// Names of the group's columns.
pub(super) fn names() -> Vec<String> {
    COLUMNS.map(String::from).to_vec()
}

/// Writes the invoice's own fields.
pub(super) fn write(invoice: &Payable, row: &mut RowWriter<'_>) {
    let posted = invoice.posting_date;
    row.push(invoice.amount.ln_1p());
    row.push(invoice.terms_days() as f64);
    row.push(working_days_between(posted, invoice.due_date) as f64);
    row.push(f64::from(u8::from(invoice.urgent)));
    row.push(f64::from(posted.month()));
    row.push(f64::from(posted.day()));
    row.push(f64::from(posted.weekday().num_days_from_monday()));
    row.push(f64::from(u8::from(is_month_end(posted))));
}

/// Names of the one-hot columns: `<column>_<value>` for every value of every
/// categorical column.
pub(super) fn one_hot_names(categories: &Categories) -> Vec<String> {
    categories
        .columns()
        .iter()
        .flat_map(|(column, values)| values.iter().map(move |value| format!("{column}_{value}")))
        .collect()
}

/// Writes the one-hot blocks of the invoice's nine categorical values.
pub(super) fn write_one_hot(invoice: &Payable, categories: &Categories, row: &mut RowWriter<'_>) {
    for ((_, values), code) in categories.columns().iter().zip(invoice.category_codes()) {
        row.one_hot(values.len(), Some(code));
    }
}
