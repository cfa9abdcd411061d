//! Study 2's accounts-payable feature set: five groups of features at one of
//! two prediction moments, with the categorical columns encoded historically
//! or one-hot.
//!
//! Columns, in order (the as-of rules are the crate's; a group's counts never
//! include the invoice itself):
//!
//! 1. **Urgent invoices** (inter-case): `due_soon_open`, other invoices open at
//!    the moment and due 1 or 2 days later (study 2's urgent invoices due);
//!    `urgent_open`, open invoices rated urgent, which every queue serves first;
//!    at the before-due moment also `urgent_posted_since_posting`, urgent
//!    invoices posted during this invoice's life so far (the as-of version of
//!    the study's count over the invoice's whole life, which would see the
//!    future).
//! 2. **Load** (inter-case): `open_invoices`, other invoices posted and not
//!    cleared, and `open_invoice_actions`, the actions started on them so far.
//! 3. **Invoice** (intra-case): amount (log), terms in days and in working
//!    days, the urgent flag, posting month, day, weekday and month end.
//! 4. **History**: all invoices' known late and on-time counts and late
//!    share; the vendor's historical encoding (below), and the late and
//!    on-time counts and shares of its last 3 and last 5 known outcomes.
//! 5. **Process state**, before the due date only (at posting the invoice has
//!    no event yet): actions so far, exceptions so far, days since the latest
//!    action, and the latest action's type (one indicator per [`Action`]).
//!
//! Then the categorical columns ([`CategoricalEncoding`]): historically, the
//! eight columns other than the vendor (already in group 4) as `n1`, late count
//! and share, on-time count and share, over the invoices with that value whose
//! outcome was known before the moment; or one-hot, an indicator per value of
//! all nine columns. The historical set has 68 columns at posting and 81 before
//! the due date; one-hot adds one column per categorical value (1,885 in the
//! default world) instead of 40: the feature explosion study 2 describes.
//!
//! [`Action`]: overdue_data::Action

mod columns;
mod history;
mod inter_case;
mod invoice;
mod moment;
mod process;
mod subset;

use chrono::{Duration, NaiveDate};
use overdue_data::PayablesTable;
use serde::{Deserialize, Serialize};

pub use moment::{CategoricalEncoding, PredictionMoment};
pub use subset::EvaluationSubset;

use crate::split::SplitRows;
use crate::{Dataset, FeatureError, SplitSpec};
use columns::RowWriter;
use history::OutcomeHistory;
use inter_case::InterCase;
use process::EventIndex;
use subset::VendorInvoiceCounts;

/// Builds study 2's feature set at one prediction moment with one encoding.
///
/// Rows are the invoices whose outcome is known the day after the snapshot
/// and that are still open at the start of their moment (at the before-due
/// moment an invoice already cleared has nothing left to predict), and that
/// belong to the [`EvaluationSubset`] (all, by default), sorted by moment,
/// then id. A row's date ([`Dataset::invoice_dates`]) is its moment,
/// so time splits cut by moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PayablesFeatures {
    /// When the prediction is made.
    pub moment: PredictionMoment,
    /// How the categorical columns are encoded.
    pub encoding: CategoricalEncoding,
    /// Which rows are kept (default: all).
    #[serde(default, skip_serializing_if = "EvaluationSubset::keeps_all")]
    pub subset: EvaluationSubset,
}

impl PayablesFeatures {
    /// A feature set; fails for a moment too far before the due date.
    pub fn new(moment: PredictionMoment, encoding: CategoricalEncoding) -> Result<Self, FeatureError> {
        Ok(Self { moment: moment.validate()?, encoding, subset: EvaluationSubset::default() })
    }

    /// The same features on a subset of the rows.
    pub fn with_subset(self, subset: EvaluationSubset) -> Self {
        Self { subset, ..self }
    }

    /// A stable name of the variant: `<moment>/<encoding>`, e.g.
    /// `before_due_3/historical`, then `/<subset>` when rows are selected.
    pub fn name(&self) -> String {
        match self.subset.name() {
            None => format!("{}/{}", self.moment, self.encoding),
            Some(subset) => format!("{}/{}/{subset}", self.moment, self.encoding),
        }
    }

    /// Column names for a table (the one-hot columns depend on its dictionaries).
    pub fn feature_names(&self, table: &PayablesTable) -> Vec<String> {
        let process = self.moment.sees_own_process();
        let mut names = inter_case::names(process);
        names.extend(invoice::names());
        names.extend(history::names());
        if process {
            names.extend(process::names());
        }
        match self.encoding {
            CategoricalEncoding::Historical => names.extend(history::category_names()),
            CategoricalEncoding::OneHot => names.extend(invoice::one_hot_names(table.categories())),
        }
        names
    }

    /// The dataset of `table`, split by `split`.
    pub fn build(&self, table: &PayablesTable, split: &SplitSpec) -> Result<Dataset, FeatureError> {
        let label_date = table.snapshot_date() + Duration::days(1);
        let invoices = table.invoices();
        let known: Vec<Option<(NaiveDate, bool)>> =
            invoices.iter().map(|invoice| history::known_outcome(invoice, label_date)).collect();
        // Only a vendor threshold asks for the counts.
        let vendors = if self.subset.min_vendor_invoices == 0 {
            VendorInvoiceCounts::default()
        } else {
            VendorInvoiceCounts::new(invoices, table.categories().vendors.len())
        };
        let mut rows: Vec<(NaiveDate, usize)> = (0..invoices.len())
            .filter_map(|i| {
                let moment = self.moment.date_of(&invoices[i]);
                let open = invoices[i].cleared_date.is_none_or(|cleared| cleared >= moment);
                let kept = known[i].is_some() && open && self.subset.keeps(&invoices[i], moment, &vendors);
                kept.then_some((moment, i))
            })
            .collect();
        if rows.is_empty() {
            return Err(FeatureError::NoLabelledInvoices);
        }
        // Rows ascend by id within a day, as the table does.
        rows.sort_unstable();
        let dates: Vec<NaiveDate> = rows.iter().map(|&(moment, _)| moment).collect();
        let known_from: Vec<NaiveDate> =
            rows.iter().map(|&(_, i)| known[i].map_or(NaiveDate::MAX, |(from, _)| from)).collect();
        let SplitRows { kept, split: time_split } = split.split_rows(&dates, &known_from)?;
        let rows: Vec<(NaiveDate, usize)> = kept.iter().map(|&k| rows[k]).collect();
        let dates: Vec<NaiveDate> = kept.iter().map(|&k| dates[k]).collect();
        let ids: Vec<u64> = rows.iter().map(|&(_, i)| invoices[i].invoice_id).collect();
        let labels: Vec<bool> = rows.iter().map(|&(_, i)| known[i].is_some_and(|(_, late)| late)).collect();

        let names = self.feature_names(table);
        let width = names.len();
        let mut values = vec![0.0f32; rows.len() * width];
        let events = EventIndex::new(table);
        let inter_case = InterCase::new(table, &events);
        let mut history = OutcomeHistory::new(table, &known);
        let process = self.moment.sees_own_process();
        for (&(moment, i), out) in rows.iter().zip(values.chunks_exact_mut(width)) {
            let invoice = &invoices[i];
            let own_events = events.started_before(i, moment);
            history.advance_to(moment);
            let mut row = RowWriter::new(out);
            inter_case.write(invoice, moment, own_events.len(), process, &mut row);
            invoice::write(invoice, &mut row);
            history.write(invoice, &mut row);
            if process {
                process::write(own_events, moment, &mut row);
            }
            match self.encoding {
                CategoricalEncoding::Historical => history.write_categories(invoice, &mut row),
                CategoricalEncoding::OneHot => invoice::write_one_hot(invoice, table.categories(), &mut row),
            }
            debug_assert_eq!(row.written(), width, "every column written once");
        }
        Dataset::new(names, values, labels, ids, dates, time_split)
    }
}
