//! Plots as SVG and PNG: metric against window per model (study 1's Figure 1),
//! precision-recall curves of each model's best run (study 2's Figure 3), and
//! throughput per model.
//!
//! Every chart is drawn once by a function generic over plotters' backend and
//! rendered by both the SVG and the bitmap backend. Text needs a TrueType font:
//! the first of `$OVERDUE_FONT` and a few standard system locations is used;
//! without one the plots are skipped and the report says why.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use overdue_features::{Split, SplitSummary};

use super::summary::{CellSummary, Estimate, FeatureRow, Summary, model_costs};
use crate::CurvePoints;

const SIZE: (u32, u32) = (900, 560);
const FONT: &str = "sans-serif";

/// Standard places of a sans-serif TrueType font on Linux, macOS and Windows.
const FONT_CANDIDATES: [&str; 7] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// Registers a font for plotters once; the error says what to do without one.
fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let from_env = std::env::var_os("OVERDUE_FONT").map(PathBuf::from);
            let candidates = from_env.into_iter().chain(FONT_CANDIDATES.iter().map(PathBuf::from));
            for path in candidates {
                if let Ok(bytes) = std::fs::read(&path) {
                    // plotters keeps fonts for the life of the process.
                    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                    if plotters::style::register_font(FONT, FontStyle::Normal, bytes).is_ok() {
                        return Ok(());
                    }
                }
            }
            Err("no TrueType font found: set OVERDUE_FONT to a .ttf file to get plots".into())
        })
        .clone()
}

/// One line of a line chart.
struct Line {
    label: String,
    points: Vec<(f64, f64)>,
    dashed: bool,
}

/// A chart of lines over numeric axes.
struct LineChart {
    title: String,
    x_label: &'static str,
    y_label: &'static str,
    x_range: (f64, f64),
    y_range: (f64, f64),
    lines: Vec<Line>,
    markers: bool,
    /// Whether the x axis counts whole units (windows in months).
    integer_x: bool,
}

/// Writes every plot into `output`; returns the files written, or why none were.
pub fn write_plots(
    output: &Path,
    summary: &Summary,
    best_curves: &[(String, CurvePoints)],
) -> Result<Vec<PathBuf>, String> {
    ensure_font()?;
    let mut written = Vec::new();
    type Metric = fn(&CellSummary) -> Option<Estimate>;
    type Baseline = fn(&SplitSummary) -> f64;
    let metrics: [(&str, &'static str, Metric, &str, Baseline); 2] = [
        ("accuracy_by_window", "test accuracy", |c| Some(c.accuracy), "majority baseline", |s| s.majority_baseline),
        ("auprc_by_window", "test AUPRC", |c| c.auprc, "late share (random ranking)", |s| s.late_share),
    ];
    let test = summary.split.iter().find(|s| s.split == Split::Test);
    for (stem, y_label, metric, baseline_name, baseline) in metrics {
        let baseline = test.map(|s| (baseline_name, baseline(s)));
        if let Some(chart) = metric_by_window(summary, y_label, metric, baseline) {
            written.extend(render(output, stem, &chart)?);
        }
    }
    if !best_curves.is_empty() {
        written.extend(render(output, "pr_curves", &pr_curves(best_curves))?);
    }
    let throughput = ThroughputChart { bars: throughput(summary) };
    if !throughput.bars.is_empty() {
        written.extend(render(output, "throughput", &throughput)?);
    }
    Ok(written)
}

/// A chart that can be drawn on any plotters backend.
trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Renders one chart to `<stem>.svg` and `<stem>.png`.
fn render(output: &Path, stem: &str, chart: &impl Chart) -> Result<Vec<PathBuf>, String> {
    let svg = output.join(format!("{stem}.svg"));
    let png = output.join(format!("{stem}.png"));
    chart.draw(SVGBackend::new(&svg, SIZE).into_drawing_area())?;
    chart.draw(BitMapBackend::new(&png, SIZE).into_drawing_area())?;
    Ok(vec![svg, png])
}

fn metric_by_window(
    summary: &Summary,
    y_label: &'static str,
    metric: fn(&CellSummary) -> Option<Estimate>,
    baseline: Option<(&str, f64)>,
) -> Option<LineChart> {
    // Only history windows have an axis: feature variants are no quantity.
    let windows: Vec<&FeatureRow> = summary.rows.iter().filter(|r| r.variant.is_none()).collect();
    let mut lines = Vec::new();
    for (m, model) in summary.models.iter().enumerate() {
        let points: Vec<(f64, f64)> = windows
            .iter()
            .filter_map(|&row| summary.cell(row, m).and_then(metric).map(|e| (f64::from(row.window_months), e.mean)))
            .collect();
        if !points.is_empty() {
            lines.push(Line { label: model.label.clone(), points, dashed: false });
        }
    }
    if lines.is_empty() {
        return None;
    }
    let (first, last) = (windows.first()?.window_months, windows.last()?.window_months);
    if let Some((name, value)) = baseline {
        let points = vec![(f64::from(first) - 0.5, value), (f64::from(last) + 0.5, value)];
        lines.push(Line { label: name.to_string(), points, dashed: true });
    }
    let values: Vec<f64> = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).collect();
    let (lo, hi) = (values.iter().copied().fold(f64::INFINITY, f64::min), values.iter().copied().fold(0.0, f64::max));
    let pad = ((hi - lo) * 0.1).max(0.01);
    Some(LineChart {
        title: format!("{y_label} by history window"),
        x_label: "history window (months)",
        y_label,
        x_range: (f64::from(first) - 0.5, f64::from(last) + 0.5),
        y_range: ((lo - pad).max(0.0), (hi + pad).min(1.0)),
        lines,
        markers: true,
        integer_x: true,
    })
}

fn pr_curves(best_curves: &[(String, CurvePoints)]) -> LineChart {
    let lines = best_curves
        .iter()
        .map(|(label, curve)| Line {
            label: label.clone(),
            points: curve.x.iter().copied().zip(curve.y.iter().copied()).collect(),
            dashed: false,
        })
        .collect();
    LineChart {
        title: "Precision-recall on test, best run of each model".into(),
        x_label: "recall",
        y_label: "precision",
        x_range: (0.0, 1.0),
        y_range: (0.0, 1.02),
        lines,
        markers: false,
        integer_x: false,
    }
}

impl Chart for LineChart {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        draw_lines(root, self)
    }
}

fn draw_lines<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &LineChart) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let mut plot = ChartBuilder::on(&root)
        .caption(&chart.title, (FONT, 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(chart.x_range.0..chart.x_range.1, chart.y_range.0..chart.y_range.1)
        .map_err(err)?;
    let whole_units = |x: &f64| format!("{x:.0}");
    let decimals = |x: &f64| format!("{x:.1}");
    let mut mesh = plot.configure_mesh();
    if chart.integer_x {
        let units = (chart.x_range.1 - chart.x_range.0).round() as usize;
        mesh.x_labels(units + 1).x_label_formatter(&whole_units);
    } else {
        mesh.x_label_formatter(&decimals);
    }
    mesh.x_desc(chart.x_label).y_desc(chart.y_label).label_style((FONT, 14)).draw().map_err(err)?;
    for (i, line) in chart.lines.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let style = color.stroke_width(2);
        let series = if line.dashed {
            plot.draw_series(DashedLineSeries::new(line.points.clone(), 8, 6, style)).map_err(err)?
        } else {
            plot.draw_series(LineSeries::new(line.points.clone(), style)).map_err(err)?
        };
        series
            .label(&line.label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        if chart.markers && !line.dashed {
            plot.draw_series(line.points.iter().map(|&p| Circle::new(p, 4, color.filled()))).map_err(err)?;
        }
    }
    plot.configure_series_labels()
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// (model label, training rows/s, prediction rows/s), from the cost table.
fn throughput(summary: &Summary) -> Vec<(String, f64, f64)> {
    model_costs(summary).into_iter().map(|c| (c.label, c.train_rows_per_second, c.predict_rows_per_second)).collect()
}

/// Training and prediction rows per second, one pair of bars per model.
struct ThroughputChart {
    bars: Vec<(String, f64, f64)>,
}

impl Chart for ThroughputChart {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        draw_throughput(root, &self.bars)
    }
}

fn draw_throughput<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    bars: &[(String, f64, f64)],
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let top = bars.iter().map(|b| b.1.max(b.2)).fold(10.0, f64::max) * 3.0;
    let n = bars.len();
    let mut plot = ChartBuilder::on(&root)
        .caption("Throughput per model (rows per second, log scale)", (FONT, 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..n as f64, (1.0..top).log_scale())
        .map_err(err)?;
    let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    plot.configure_mesh()
        .disable_x_mesh()
        .x_labels(n.max(1) * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x.fract() - 0.5).abs() < 1e-9 { labels.get(i).cloned().unwrap_or_default() } else { String::new() }
        })
        .y_label_formatter(&|y| si_units(*y))
        .y_desc("rows per second")
        .label_style((FONT, 14))
        .draw()
        .map_err(err)?;
    let series = [("training", 0usize), ("prediction", 1)];
    for (name, k) in series {
        let color = Palette99::pick(k).to_rgba();
        plot.draw_series(bars.iter().enumerate().map(|(i, b)| {
            let value = if k == 0 { b.1 } else { b.2 };
            let x0 = i as f64 + 0.12 + 0.38 * k as f64;
            Rectangle::new([(x0, 1.0), (x0 + 0.36, value.max(1.0))], color.filled())
        }))
        .map_err(err)?
        .label(name)
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
    }
    plot.configure_series_labels()
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// `1500` -> `1.5k`, `2000000` -> `2M`.
fn si_units(value: f64) -> String {
    let (scaled, unit) = match value {
        v if v >= 1e9 => (v / 1e9, "G"),
        v if v >= 1e6 => (v / 1e6, "M"),
        v if v >= 1e3 => (v / 1e3, "k"),
        v => (v, ""),
    };
    let text = format!("{scaled:.1}");
    format!("{}{unit}", text.trim_end_matches(".0"))
}
