//! Writes a receivables feature matrix as NumPy `.npy` files, so that reference
//! implementations (scikit-learn, LightGBM) can be timed and scored on exactly
//! the rows and features the Rust benchmarks use.
//!
//! ```sh
//! cargo run --release -p overdue-benches --bin export-study-matrix -- OUT_DIR [--window 4] [--invoices 164043]
//! ```
//!
//! Writes `{train,validation,test}_x.npy` (f32, rows x features),
//! `{train,validation,test}_y.npy` (u8, 1 = late) and `feature_names.txt`.

use std::io::Write;
use std::path::{Path, PathBuf};

use overdue_data::ReceivablesWorld;
use overdue_features::{HistoryWindow, ReceivablesFeatures, Samples, Split, SplitSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out: PathBuf = args.next().ok_or("usage: export-study-matrix OUT_DIR [--window W] [--invoices N]")?.into();
    let (mut window, mut invoices) = (4u32, ReceivablesWorld::default().invoices);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--window" => window = value.parse()?,
            "--invoices" => invoices = value.parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let world = ReceivablesWorld { invoices, ..ReceivablesWorld::default() };
    let table = world.generate()?;
    let features = ReceivablesFeatures::new(&[HistoryWindow::new(window)?])?;
    let (_, dataset) = features.build(&table, &SplitSpec::default())?.remove(0);
    std::fs::create_dir_all(&out)?;
    for split in Split::ALL {
        write_part(&out, split.name(), dataset.part(split))?;
    }
    std::fs::write(out.join("feature_names.txt"), dataset.feature_names().join("\n") + "\n")?;
    eprintln!("wrote {} rows x {} features to {}", dataset.n_rows(), dataset.n_features(), out.display());
    Ok(())
}

fn write_part(out: &Path, name: &str, samples: Samples<'_>) -> std::io::Result<()> {
    let shape = format!("({}, {})", samples.n_rows(), samples.features().n_cols());
    let x: Vec<u8> = samples.features().as_slice().iter().flat_map(|v| v.to_le_bytes()).collect();
    write_npy(&out.join(format!("{name}_x.npy")), "<f4", &shape, &x)?;
    let y: Vec<u8> = samples.labels().iter().map(|&late| u8::from(late)).collect();
    write_npy(&out.join(format!("{name}_y.npy")), "|u1", &format!("({},)", samples.n_rows()), &y)
}

/// NumPy format 1.0: magic, version, header length, a padded dict header, data.
fn write_npy(path: &Path, descr: &str, shape: &str, data: &[u8]) -> std::io::Result<()> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    file.write_all(b"\x93NUMPY\x01\x00")?;
    file.write_all(&(header.len() as u16).to_le_bytes())?;
    file.write_all(header.as_bytes())?;
    file.write_all(data)?;
    file.flush()
}
