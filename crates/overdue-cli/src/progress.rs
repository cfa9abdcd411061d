//! Sweep progress: a bar with an ETA on a terminal, plain lines in logs.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use overdue_sweep::SweepEvent;

/// Shows sweep events on standard error.
pub struct SweepDisplay {
    bar: Option<ProgressBar>,
    interactive: bool,
}

impl SweepDisplay {
    /// A bar when standard error is a terminal, plain lines otherwise (CI logs).
    pub fn new() -> Self {
        Self { bar: None, interactive: std::io::stderr().is_terminal() }
    }

    /// Shows one event.
    pub fn show(&mut self, event: SweepEvent) {
        match event {
            SweepEvent::Planned { total, already_finished } => {
                if self.interactive {
                    let bar = ProgressBar::new(total as u64);
                    bar.set_style(
                        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, ETA {eta} {msg}")
                            .expect("a valid template"),
                    );
                    bar.set_position(already_finished as u64);
                    bar.reset_eta();
                    self.bar = Some(bar);
                }
                self.line(&format!("{total} runs, {already_finished} already finished"));
            }
            SweepEvent::Stage(text) => self.line(&text),
            SweepEvent::RunEnded { done, total, line } => {
                self.line(&format!("[{done}/{total}] {line}"));
                if let Some(bar) = &self.bar {
                    bar.set_position(done as u64);
                }
            }
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
