//! `nn-throughput`: training and prediction throughput of the MLP on each
//! backend, batch sizes 64 to 65,536, on the study-scale matrix (w = 4), with
//! the one-time cost (shader compilation, autotuning, first allocations)
//! measured apart from the steady state.
//!
//! Prints a markdown table and writes it as JSON lines to `--out` when given.
//! The criterion benchmark `nn` measures the same steps with criterion's
//! statistics; this binary exists because one-time costs cannot be seen
//! through criterion's warm-up.
//!
//! Usage: `nn-throughput [--backends burn_ndarray,burn_wgpu,candle] [--batches 64,1024] [--seconds S] [--out FILE]`

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use overdue_benches::study_dataset;
use overdue_features::Split;
use overdue_models::Standardizer;
use overdue_nn::{Adam, Mlp, MlpWeights, NeuralBackend, OutputLayer, TrainingRows, TrainingSession};
use serde::Serialize;

/// One line of the table.
#[derive(Serialize)]
struct Measurement {
    backend: &'static str,
    device: String,
    driver: Option<String>,
    batch: usize,
    first_step_seconds: f64,
    steady_step_seconds: f64,
    train_rows_per_second: f64,
    first_predict_seconds: f64,
    predict_rows_per_second: f64,
}

fn main() -> Result<()> {
    let mut backends = NeuralBackend::ALL.to_vec();
    let mut batches = vec![64, 256, 1024, 4096, 16_384, 65_536];
    let mut seconds = 2.0;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--backends" => {
                backends = value
                    .split(',')
                    .map(|name| serde_json::from_value(serde_json::Value::String(name.into())))
                    .collect::<Result<_, _>>()
                    .with_context(|| {
                        format!("--backends {value}: expected names among burn_ndarray, burn_wgpu, candle")
                    })?
            }
            "--batches" => batches = value.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--seconds" => seconds = value.parse()?,
            "--out" => out = Some(value),
            other => bail!("unknown option {other}"),
        }
    }

    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let standardizer = Standardizer::fit(&train.features());
    let mut scratch = vec![0.0; train.features().n_cols()];
    let mut features = Vec::with_capacity(train.features().as_slice().len());
    for row in train.features().rows() {
        standardizer.transform_row(row, &mut scratch);
        features.extend(scratch.iter().map(|&v| v as f32));
    }
    let mlp = Mlp::default();
    let rows =
        TrainingRows::new(features, train.features().n_cols(), train.labels(), [1.0, 1.0], OutputLayer::Softmax)?;
    let init = MlpWeights::glorot_uniform(&mlp.widths(rows.n_features()), 0);
    let n = rows.n_rows();
    let order: Vec<u32> = (0..n as u32).collect();
    eprintln!(
        "study matrix: {n} training rows, {} features, network {:?}",
        rows.n_features(),
        mlp.widths(rows.n_features())
    );

    let mut table = Vec::new();
    println!(
        "| backend | device | batch | first step (s) | steady step (s) | train rows/s | first predict (s) | predict rows/s |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for &backend in &backends {
        let device = overdue_nn::device_info(backend)?;
        for &batch in batches.iter().filter(|&&batch| batch <= n) {
            let mut session = TrainingSession::open(backend, &init, &Adam::default(), OutputLayer::Softmax, &rows)?;
            session.set_order(&order)?;
            let started = Instant::now();
            session.step(0..batch)?;
            session.take_loss_sum()?;
            let first_step_seconds = started.elapsed().as_secs_f64();
            let (mut steps, started) = (0usize, Instant::now());
            while started.elapsed().as_secs_f64() < seconds {
                // Ten steps between synchronisations, as in training.
                for _ in 0..10 {
                    let start = (steps * batch) % (n - batch + 1);
                    session.step(start..start + batch)?;
                    steps += 1;
                }
                session.take_loss_sum()?;
            }
            let steady_step_seconds = started.elapsed().as_secs_f64() / steps as f64;

            let weights = session.weights()?;
            let x = &rows.features()[..batch * rows.n_features()];
            let started = Instant::now();
            overdue_nn::logits(backend, &weights, x, rows.n_features())?;
            let first_predict_seconds = started.elapsed().as_secs_f64();
            let (mut calls, started) = (0usize, Instant::now());
            while started.elapsed().as_secs_f64() < seconds / 2.0 {
                overdue_nn::logits(backend, &weights, x, rows.n_features())?;
                calls += 1;
            }
            let predict_rows_per_second = (calls * batch) as f64 / started.elapsed().as_secs_f64();
            let m = Measurement {
                backend: backend.name(),
                device: device.name.clone(),
                driver: device.driver.clone(),
                batch,
                first_step_seconds,
                steady_step_seconds,
                train_rows_per_second: batch as f64 / steady_step_seconds,
                first_predict_seconds,
                predict_rows_per_second,
            };
            println!(
                "| {} | {} | {} | {:.4} | {:.6} | {:.0} | {:.4} | {:.0} |",
                m.backend,
                m.device,
                m.batch,
                m.first_step_seconds,
                m.steady_step_seconds,
                m.train_rows_per_second,
                m.first_predict_seconds,
                m.predict_rows_per_second
            );
            table.push(m);
        }
    }
    if let Some(path) = out {
        let mut file = std::fs::File::create(&path).with_context(|| format!("creating {path}"))?;
        for m in &table {
            writeln!(file, "{}", serde_json::to_string(m)?)?;
        }
    }
    Ok(())
}
