//! The machine and code a run was produced with, for honest numbers.

use serde::{Deserialize, Serialize};

/// Where and with what a run ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// CPU model name, or "unknown".
    pub cpu: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Threads the run's models could use (rayon's pool size).
    pub threads: usize,
    /// Operating system and architecture, e.g. "linux-x86_64".
    pub os: String,
    /// The compiler that built the binary.
    pub rustc: String,
    /// The cargo profile and the optimisation level of overdue's own crates,
    /// e.g. "release profile, opt-level 3" (empty in records written before it was kept).
    #[serde(default)]
    pub build: String,
    /// overdue's version.
    pub version: String,
    /// The git commit the binary was built from ("-dirty" when the tree had
    /// uncommitted changes), or "unknown" outside a git checkout.
    pub commit: String,
}

impl Environment {
    /// Reads the environment of this process.
    pub fn current() -> Self {
        Self {
            cpu: cpu_model().unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            threads: rayon::current_num_threads(),
            os: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            rustc: env!("OVERDUE_RUSTC_VERSION").to_string(),
            build: env!("OVERDUE_BUILD_PROFILE").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: env!("OVERDUE_GIT_COMMIT").to_string(),
        }
    }
}

impl Environment {
    /// What must match for two runs' timings to be comparable: the CPU model,
    /// the cores and threads, and the build profile. Not the commit or the
    /// compiler, which are what a timing comparison is meant to judge.
    pub fn machine_fingerprint(&self) -> String {
        format!("{} ({} cores, {} threads, {})", self.cpu, self.cores, self.threads, self.build)
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, name)| name.trim().to_string())
}

/// Peak resident set size of this process in bytes (Linux: `VmHWM`).
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
