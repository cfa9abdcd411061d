//! The MLP's training step and forward pass on each backend, batch sizes 64
//! to 65,536, on the study-scale matrix (w = 4). The one-time costs (shader
//! compilation, autotuning) fall in criterion's warm-up; the `nn-throughput`
//! binary measures them apart.
//!
//! `burn_wgpu` is measured when an adapter exists and reported as skipped
//! otherwise: a benchmark run on a machine without one still measures the CPU
//! backends.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use overdue_benches::study_dataset;
use overdue_features::Split;
use overdue_models::Standardizer;
use overdue_nn::{Adam, Mlp, MlpWeights, NeuralBackend, OutputLayer, TrainingRows, TrainingSession};

const BATCHES: [usize; 4] = [64, 1024, 16_384, 65_536];

fn training_rows() -> TrainingRows {
    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let standardizer = Standardizer::fit(&train.features());
    let mut scratch = vec![0.0; train.features().n_cols()];
    let mut features = Vec::new();
    for row in train.features().rows() {
        standardizer.transform_row(row, &mut scratch);
        features.extend(scratch.iter().map(|&v| v as f32));
    }
    TrainingRows::new(features, train.features().n_cols(), train.labels(), [1.0, 1.0], OutputLayer::Softmax)
        .expect("one label per row")
}

fn nn(c: &mut Criterion) {
    let rows = training_rows();
    let init = MlpWeights::glorot_uniform(&Mlp::default().widths(rows.n_features()), 0);
    let order: Vec<u32> = (0..rows.n_rows() as u32).collect();
    for backend in NeuralBackend::ALL {
        if let Err(error) = overdue_nn::device_info(backend) {
            eprintln!("nn/{}: skipped: {error}", backend.name());
            continue;
        }
        let mut group = c.benchmark_group(format!("nn/{}", backend.name()));
        group.sample_size(10);
        for batch in BATCHES {
            let mut session = TrainingSession::open(backend, &init, &Adam::default(), OutputLayer::Softmax, &rows)
                .expect("session opens");
            session.set_order(&order).expect("order uploads");
            group.throughput(Throughput::Elements(batch as u64));
            group.bench_function(format!("train_step/{batch}"), |b| {
                b.iter(|| {
                    session.step(0..batch).expect("steps");
                    session.take_loss_sum().expect("syncs")
                })
            });
            let weights = session.weights().expect("weights read back");
            let x = &rows.features()[..batch * rows.n_features()];
            group.bench_function(format!("predict/{batch}"), |b| {
                b.iter(|| overdue_nn::logits(backend, &weights, x, rows.n_features()).expect("predicts"))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, nn);
criterion_main!(benches);
