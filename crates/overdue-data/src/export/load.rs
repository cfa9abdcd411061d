//! From the mapped columns to a validated [`InvoiceTable`]: every cell parsed by
//! its column's rule, every row checked, dirty rows rejected or dropped.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ExportSource;
use super::dirty::{DirtyReason, DirtyRows, LoadReport};
use super::parse::{DateFormat, NumberFormat, canonical_integer};
use super::read::{Cell, Columns, Values, read_columns};
use crate::{DataError, Invoice, InvoiceTable};

/// Name of the single country when the mapping names no country column.
pub const NO_COUNTRY: &str = "all";

/// An export loaded through its mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedExport {
    /// The validated invoices (dirty rows left out), in file order.
    pub table: InvoiceTable,
    /// Rows read, kept and dropped per reason.
    pub report: LoadReport,
    /// The original text of identifiers that were not plain integers.
    pub names: IdNames,
    /// The extra categorical and numeric columns, aligned with the table's rows.
    pub extras: ExtraColumns,
}

/// Identifier columns written as text (`INV-0042`, `ACME Corp`) get integer codes
/// in order of first appearance; these are their texts, indexed by code. A
/// column whose every value is a plain non-negative integer keeps its values
/// as codes and has `None` here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdNames {
    /// Invoice ids by code.
    pub invoice_ids: Option<Vec<String>>,
    /// Customers by code.
    pub customers: Option<Vec<String>>,
    /// Contracts by code.
    pub contracts: Option<Vec<String>>,
}

/// The extra columns a mapping asked for, one value per table row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtraColumns {
    /// Categorical columns.
    pub categorical: Vec<CategoricalColumn>,
    /// Numeric columns.
    pub numeric: Vec<NumericColumn>,
}

/// An extra categorical column: codes into its dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoricalColumn {
    /// The file's column name.
    pub name: String,
    /// Per row, an index into `values`, or `None` for an empty cell.
    pub codes: Vec<Option<u32>>,
    /// Distinct values in order of first appearance.
    pub values: Vec<String>,
}

/// An extra numeric column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericColumn {
    /// The file's column name.
    pub name: String,
    /// Per row, the finite value, or `None` for an empty cell.
    pub values: Vec<Option<f64>>,
}

impl ExportSource {
    /// Loads the export, a relative path taken from `base_dir`. Errors name the
    /// file and, for a bad row under the `reject` policy, the data row and the
    /// column; under `drop`, bad rows are counted in [`LoadedExport::report`].
    pub fn load(&self, base_dir: &Path) -> Result<LoadedExport, DataError> {
        self.validate()?;
        let path = self.resolved_path(base_dir);
        let columns = read_columns(&path, self)?;
        if columns.height() == 0 {
            return Err(DataError::Format { path, message: "the file holds no data rows".into() });
        }
        let rows = Rows::parse(self, &columns, &path)?;
        rows.into_loaded(self.snapshot_date, &path)
    }
}

/// Every mapped column parsed, with the faults found so far.
struct Rows<'a> {
    dirty: DirtyRows<'a>,
    invoice_ids: Vec<u64>,
    customers: Vec<u64>,
    contracts: Vec<u64>,
    invoice_dates: Vec<Option<NaiveDate>>,
    due_dates: Vec<Option<NaiveDate>>,
    settled_dates: Vec<Option<NaiveDate>>,
    amounts: Vec<f64>,
    countries: Vec<u64>,
    country_names: Vec<String>,
    ratings: Vec<u8>,
    names: IdNames,
    categorical: Vec<CategoricalColumn>,
    numeric: Vec<NumericColumn>,
}

impl<'a> Rows<'a> {
    fn parse(source: &ExportSource, columns: &Columns, path: &'a Path) -> Result<Self, DataError> {
        let map = &source.columns;
        let n = columns.height();
        let formats =
            source.date_formats().map_err(|reason| DataError::InvalidSetting { key: "date_format", reason })?;
        let numbers = source.number_format();
        let mut dirty = DirtyRows::new(path, source.dirty_rows, n);
        for row in blank_rows(columns, &map.mapped()) {
            dirty.skip_blank(row);
        }

        let (invoice_ids, invoice_names) = ids(columns.named(&map.invoice_id), u64::MAX, &mut dirty);
        let (customers, customer_names) = ids(columns.named(&map.customer), u64::from(u32::MAX), &mut dirty);
        let (contracts, contract_names) = match &map.contract {
            Some(name) => ids(columns.named(name), u64::from(u32::MAX), &mut dirty),
            None => (vec![0; n], None),
        };
        let invoice_dates = dates(columns.named(&map.invoice_date), &formats, true, &mut dirty);
        let due_dates = dates(columns.named(&map.due_date), &formats, true, &mut dirty);
        let settled_dates = dates(columns.named(&map.settled_date), &formats, false, &mut dirty);
        let amounts = amounts(columns.named(&map.amount), &numbers, &mut dirty);
        let (countries, country_names) = match &map.country {
            Some(name) => {
                let (codes, names) = dictionary(columns.named(name), u64::from(u16::MAX), true, &mut dirty);
                (codes.into_iter().map(|c| c.unwrap_or(0)).collect(), names)
            }
            None => (vec![0; n], vec![NO_COUNTRY.to_string()]),
        };
        let ratings = match &map.credit_rating {
            Some(name) => ratings(columns.named(name), &mut dirty),
            None => vec![0; n],
        };
        let categorical = map
            .categorical
            .iter()
            .map(|name| {
                let (codes, values) = dictionary(columns.named(name), u64::from(u32::MAX), false, &mut dirty);
                let codes = codes.into_iter().map(|c| c.map(|c| c as u32)).collect();
                CategoricalColumn { name: name.clone(), codes, values }
            })
            .collect();
        let numeric = map
            .numeric
            .iter()
            .map(|name| NumericColumn {
                name: name.clone(),
                values: numbers_column(columns.named(name), &numbers, &mut dirty),
            })
            .collect();
        let names = IdNames { invoice_ids: invoice_names, customers: customer_names, contracts: contract_names };
        let mut rows = Rows {
            dirty,
            invoice_ids,
            customers,
            contracts,
            invoice_dates,
            due_dates,
            settled_dates,
            amounts,
            countries,
            country_names,
            ratings,
            names,
            categorical,
            numeric,
        };
        rows.check_rows(source);
        Ok(rows)
    }

    /// The rules between columns, on rows whose cells all parsed; a duplicate
    /// id keeps its first clean row.
    fn check_rows(&mut self, source: &ExportSource) {
        let map = &source.columns;
        let snapshot = source.snapshot_date;
        let mut seen = std::collections::HashSet::with_capacity(self.invoice_ids.len());
        for row in 0..self.invoice_ids.len() {
            if self.dirty.is_bad(row) {
                continue;
            }
            let (Some(issued), Some(due)) = (self.invoice_dates[row], self.due_dates[row]) else {
                unreachable!("rows without required dates are already dirty")
            };
            let settled = self.settled_dates[row];
            let fault = if due < issued {
                Some((DirtyReason::DueBeforeInvoiceDate, &map.due_date, format!("due {due} but issued {issued}")))
            } else if let Some(settled) = settled.filter(|&s| s < issued) {
                let detail = format!("settled {settled} but issued {issued}");
                Some((DirtyReason::SettledBeforeInvoiceDate, &map.settled_date, detail))
            } else if let Some(snapshot) = snapshot.filter(|&s| issued > s) {
                let detail = format!("issued {issued}, after the snapshot {snapshot}");
                Some((DirtyReason::AfterSnapshot, &map.invoice_date, detail))
            } else if let (Some(snapshot), Some(settled)) = (snapshot, settled)
                && settled > snapshot
            {
                let detail = format!("settled {settled}, after the snapshot {snapshot}");
                Some((DirtyReason::AfterSnapshot, &map.settled_date, detail))
            } else if !seen.insert(self.invoice_ids[row]) {
                let id = self.invoice_ids[row];
                let shown = self.names.invoice_ids.as_ref().map_or(id.to_string(), |names| names[id as usize].clone());
                Some((DirtyReason::DuplicateInvoiceId, &map.invoice_id, format!("`{shown}` is also on an earlier row")))
            } else {
                None
            };
            if let Some((reason, column, detail)) = fault {
                self.dirty.flag(row, reason, column, || detail);
            }
        }
    }

    fn into_loaded(self, snapshot: Option<NaiveDate>, path: &Path) -> Result<LoadedExport, DataError> {
        self.dirty.check_policy()?;
        let kept: Vec<usize> = self.dirty.kept().collect();
        if kept.is_empty() {
            let report = self.dirty.into_report(0);
            return Err(DataError::Format { path: path.to_path_buf(), message: format!("no usable rows:\n{report}") });
        }
        let date = |dates: &[Option<NaiveDate>], row: usize| dates[row].expect("kept rows have their dates");
        let invoices: Vec<Invoice> = kept
            .iter()
            .map(|&row| Invoice {
                invoice_id: self.invoice_ids[row],
                customer_id: self.customers[row] as u32,
                contract_id: self.contracts[row] as u32,
                country: self.countries[row] as u16,
                credit_rating: self.ratings[row],
                amount: self.amounts[row],
                invoice_date: date(&self.invoice_dates, row),
                due_date: date(&self.due_dates, row),
                settled_date: self.settled_dates[row],
            })
            .collect();
        let latest =
            invoices.iter().map(|inv| inv.settled_date.unwrap_or(inv.invoice_date).max(inv.invoice_date)).max();
        let snapshot = snapshot.or(latest).expect("at least one invoice");
        let table = InvoiceTable::new(invoices, self.country_names, snapshot)?;
        let extras = ExtraColumns {
            categorical: self
                .categorical
                .into_iter()
                .map(|c| CategoricalColumn { codes: kept.iter().map(|&r| c.codes[r]).collect(), ..c })
                .collect(),
            numeric: self
                .numeric
                .into_iter()
                .map(|c| NumericColumn { values: kept.iter().map(|&r| c.values[r]).collect(), ..c })
                .collect(),
        };
        let report = self.dirty.into_report(kept.len());
        Ok(LoadedExport { table, report, names: self.names, extras })
    }
}

/// Rows whose every mapped cell is empty: blank lines, which CSV readers turn
/// into rows of empty cells.
fn blank_rows(columns: &Columns, mapped: &[(&'static str, &str)]) -> Vec<usize> {
    let mut blank = vec![true; columns.height()];
    for (_, name) in mapped {
        for (row, cell) in columns.named(name).0.cells().enumerate() {
            if cell.trimmed() != Cell::Null {
                blank[row] = false;
            }
        }
    }
    blank.iter().enumerate().filter(|(_, blank)| **blank).map(|(row, _)| row).collect()
}

/// Identifier codes: the values themselves when every cell is a plain integer
/// up to `max`, else codes in order of first appearance with their texts.
fn ids((values, column): (&Values, &str), max: u64, dirty: &mut DirtyRows) -> (Vec<u64>, Option<Vec<String>>) {
    let numeric = values.cells().all(|cell| match cell.trimmed() {
        Cell::Null => true,
        Cell::Int(v) => u64::try_from(v).is_ok_and(|v| v <= max),
        Cell::Text(text) => canonical_integer(text).is_some_and(|v| v <= max),
        Cell::Float(_) | Cell::Date(_) => false,
    });
    if !numeric {
        let (codes, names) = dictionary((values, column), max, true, dirty);
        return (codes.into_iter().map(|c| c.unwrap_or(0)).collect(), Some(names));
    }
    let codes = values
        .cells()
        .enumerate()
        .map(|(row, cell)| match cell.trimmed() {
            Cell::Int(v) => v as u64,
            Cell::Text(text) => canonical_integer(text).expect("checked above"),
            _ => {
                dirty.flag(row, DirtyReason::MissingValue, column, || "the cell is empty".into());
                0
            }
        })
        .collect();
    (codes, None)
}

/// Codes in order of first appearance (at most `max + 1` distinct values) and
/// the values. An empty cell is `None`, and dirty when `required`.
fn dictionary(
    (values, column): (&Values, &str),
    max: u64,
    required: bool,
    dirty: &mut DirtyRows,
) -> (Vec<Option<u64>>, Vec<String>) {
    let mut index: HashMap<String, u64> = HashMap::new();
    let mut names = Vec::new();
    let codes = values
        .cells()
        .enumerate()
        .map(|(row, cell)| {
            let text = match cell.trimmed() {
                Cell::Null => {
                    if required {
                        dirty.flag(row, DirtyReason::MissingValue, column, || "the cell is empty".into());
                    }
                    return None;
                }
                Cell::Text(text) => text.to_string(),
                Cell::Int(v) => v.to_string(),
                Cell::Float(v) => v.to_string(),
                Cell::Date(d) => d.to_string(),
            };
            let next = names.len() as u64;
            match index.entry(text) {
                Entry::Occupied(code) => Some(*code.get()),
                Entry::Vacant(_) if next > max => {
                    dirty.flag(row, DirtyReason::OutOfRange, column, || {
                        format!("more than {} distinct values", max + 1)
                    });
                    None
                }
                Entry::Vacant(slot) => {
                    names.push(slot.key().clone());
                    slot.insert(next);
                    Some(next)
                }
            }
        })
        .collect();
    (codes, names)
}

fn dates(
    (values, column): (&Values, &str),
    formats: &[DateFormat],
    required: bool,
    dirty: &mut DirtyRows,
) -> Vec<Option<NaiveDate>> {
    values
        .cells()
        .enumerate()
        .map(|(row, cell)| {
            let cell = cell.trimmed();
            let date = match cell {
                Cell::Null if required => {
                    dirty.flag(row, DirtyReason::MissingValue, column, || "the cell is empty".into());
                    return None;
                }
                Cell::Null => return None,
                Cell::Date(date) => Some(date),
                Cell::Text(text) => formats.iter().find_map(|f| f.parse(text)),
                Cell::Int(_) | Cell::Float(_) => None,
            };
            if date.is_none() {
                dirty.flag(row, DirtyReason::UnparsableDate, column, || {
                    let formats: Vec<&str> = formats.iter().map(|f| f.text()).collect();
                    format!("{} matches none of the date formats {}", cell.shown(), formats.join(", "))
                });
            }
            date
        })
        .collect()
}

/// A finite number from a cell; `Err` says why not (`Ok(None)` for an empty cell).
fn number(cell: Cell, numbers: &NumberFormat) -> Result<Option<f64>, (DirtyReason, String)> {
    let value = match cell {
        Cell::Null => return Ok(None),
        Cell::Int(v) => v as f64,
        Cell::Float(v) => v,
        Cell::Text(text) => numbers
            .parse(text)
            .ok_or_else(|| (DirtyReason::UnparsableNumber, format!("{} is not a number", cell.shown())))?,
        Cell::Date(_) => return Err((DirtyReason::UnparsableNumber, format!("{} is a date", cell.shown()))),
    };
    if value.is_finite() {
        Ok(Some(value))
    } else {
        Err((DirtyReason::NotFinite, format!("{} is not a finite number", cell.shown())))
    }
}

fn amounts((values, column): (&Values, &str), numbers: &NumberFormat, dirty: &mut DirtyRows) -> Vec<f64> {
    values
        .cells()
        .enumerate()
        .map(|(row, cell)| {
            let cell = cell.trimmed();
            let fault = match number(cell, numbers) {
                Ok(Some(amount)) if amount >= 0.0 => return amount,
                Ok(Some(amount)) => (DirtyReason::NegativeAmount, format!("{amount} (a credit note?)")),
                Ok(None) => (DirtyReason::MissingValue, "the cell is empty".into()),
                Err(fault) => fault,
            };
            dirty.flag(row, fault.0, column, || fault.1);
            f64::NAN
        })
        .collect()
}

fn numbers_column(
    (values, column): (&Values, &str),
    numbers: &NumberFormat,
    dirty: &mut DirtyRows,
) -> Vec<Option<f64>> {
    values
        .cells()
        .enumerate()
        .map(|(row, cell)| {
            number(cell.trimmed(), numbers).unwrap_or_else(|(reason, detail)| {
                dirty.flag(row, reason, column, || detail);
                None
            })
        })
        .collect()
}

fn ratings((values, column): (&Values, &str), dirty: &mut DirtyRows) -> Vec<u8> {
    values
        .cells()
        .enumerate()
        .map(|(row, cell)| {
            let cell = cell.trimmed();
            let fault = match cell {
                Cell::Null => (DirtyReason::MissingValue, "the cell is empty".to_string()),
                Cell::Int(v) => match u8::try_from(v) {
                    Ok(rating) => return rating,
                    Err(_) => (DirtyReason::OutOfRange, format!("{} is not in 0..=255", cell.shown())),
                },
                Cell::Float(v) if v.fract() == 0.0 && (0.0..=255.0).contains(&v) => return v as u8,
                Cell::Text(text) => match text.parse::<u8>() {
                    Ok(rating) => return rating,
                    Err(_) => (DirtyReason::UnparsableNumber, format!("{} is not an integer 0..=255", cell.shown())),
                },
                _ => (DirtyReason::UnparsableNumber, format!("{} is not an integer 0..=255", cell.shown())),
            };
            dirty.flag(row, fault.0, column, || fault.1);
            0
        })
        .collect()
}
