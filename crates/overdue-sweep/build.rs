//! Records the compiler, build profile and git commit for run records' environment.

use std::process::Command;

fn main() {
    let output = |program: &str, args: &[&str]| -> Option<String> {
        let out = Command::new(program).args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = output(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    let commit = match output("git", &["rev-parse", "--short=12", "HEAD"]) {
        Some(hash) => {
            // Only source counts: results, configs and docs do not change the binary.
            let args = ["status", "--porcelain", "--untracked-files=no", "--", "../../crates", "../../Cargo.toml"];
            let dirty = output("git", &args).is_some_and(|s| !s.is_empty());
            if dirty { format!("{hash}-dirty") } else { hash }
        }
        None => "unknown".into(),
    };
    println!("cargo:rustc-env=OVERDUE_RUSTC_VERSION={rustc_version}");
    println!("cargo:rustc-env=OVERDUE_GIT_COMMIT={commit}");
    // Cargo tells build scripts the profile's base ("debug" or "release") and
    // this crate's opt-level, which the compute crates (features, models,
    // metrics) share; see the profile overrides in the workspace Cargo.toml.
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into());
    let opt_level = std::env::var("OPT_LEVEL").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=OVERDUE_BUILD_PROFILE={profile} profile, opt-level {opt_level}");
    // Rebuild when HEAD moves or the index changes (commits, checkouts, staging).
    for path in ["../../.git/HEAD", "../../.git/index", "../../.git/refs/heads"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
