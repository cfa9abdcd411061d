//! The MLP on every backend, as a specification: the same network trains the
//! same way wherever it runs, and bad input is refused.
//!
//! The wgpu backend needs a GPU adapter. CI installs lavapipe, a software
//! Vulkan adapter, and there (`CI=true`) a missing adapter fails these tests.
//! Elsewhere (a newcomer's machine with only a Rust toolchain) the wgpu cases
//! are skipped with one loud line on the terminal saying why; the ndarray and
//! candle cases always run. See the README's "The two commands".

use std::io::Write;

use overdue_data::{CollectionsRow, ReceivablesWorld, TUTORIAL_QUERY, TUTORIAL_TABLE};
use overdue_features::{Dataset, HistoryWindow, MatrixView, ReceivablesFeatures, Samples, Split, SplitSpec};
use overdue_models::{Classifier, FitOptions, FittedClassifier, ModelError, Standardizer};
use overdue_nn::{Adam, Mlp, MlpModel, MlpWeights, NeuralBackend, OutputLayer, TrainingRows, TrainingSession};

fn fit(
    mlp: &Mlp,
    train: Samples<'_>,
    validation: Option<Samples<'_>>,
) -> Result<Box<dyn FittedClassifier>, ModelError> {
    mlp.fit(train, validation, &FitOptions { seed: 7 })
}

fn receivables(invoices: usize) -> Dataset {
    let customers = invoices / 40;
    let world = ReceivablesWorld { invoices, customers, contracts: 4 * customers, ..ReceivablesWorld::default() };
    let window = [HistoryWindow::new(6).unwrap()];
    ReceivablesFeatures::new(&window)
        .unwrap()
        .build(&world.generate().unwrap(), &SplitSpec::default())
        .unwrap()
        .remove(0)
        .1
}

/// True when the environment says this is a CI run (`CI=true`, as CI services
/// and `.ci/run`'s caller set it).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false" && value != "0")
}

/// The backends to test: every one whose device exists here. A missing device
/// fails under CI; elsewhere it is skipped with a line written straight to
/// the terminal, once (libtest captures `eprintln!` of passing tests, not this).
fn backends() -> Vec<NeuralBackend> {
    NeuralBackend::ALL
        .into_iter()
        .filter(|&backend| match overdue_nn::device_info(backend) {
            Ok(_) => true,
            Err(error) if in_ci() => panic!("CI=true and backend {} cannot run: {error}", backend.name()),
            Err(error) => {
                static ONCE: std::sync::Once = std::sync::Once::new();
                ONCE.call_once(|| {
                    let _ = writeln!(
                        std::io::stderr(),
                        "\n*** NOT RUN: the {} cases of the backend tests (with CI=true this fails): {error}\n",
                        backend.name()
                    );
                });
                false
            }
        })
        .collect()
}

fn accuracy(probabilities: &[f64], labels: &[bool]) -> f64 {
    let right = probabilities.iter().zip(labels).filter(|&(&p, &late)| (p >= 0.5) == late).count();
    right as f64 / labels.len() as f64
}

#[test]
fn the_tutorial_table_is_learnt_on_every_backend() {
    let features: Vec<f32> = TUTORIAL_TABLE.iter().flat_map(CollectionsRow::features).collect();
    let paid: Vec<bool> = TUTORIAL_TABLE.iter().map(|row| row.paid).collect();
    let train = Samples::new(MatrixView::new(&features, 3).unwrap(), &paid).unwrap();
    let (email, sms, call) = TUTORIAL_QUERY;
    let query = [f32::from(email), f32::from(sms), f32::from(call)];
    for backend in backends() {
        let mlp = Mlp {
            backend,
            batch_size: 9,
            epochs: 400,
            adam: Adam { learning_rate: 0.02, ..Adam::default() },
            ..Mlp::default()
        };
        let model = fit(&mlp, train, None).unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
        let fitted = model.predict_proba(train.features()).unwrap();
        assert_eq!(accuracy(&fitted, &paid), 1.0, "{}: training accuracy, probabilities {fitted:?}", backend.name());
        let answer = model.predict_proba(MatrixView::new(&query, 3).unwrap()).unwrap()[0];
        assert!(answer > 0.5, "{}: (3, 3, 3) should be paid, got p = {answer}", backend.name());
    }
}

#[test]
fn every_backend_computes_the_reference_forward_pass() {
    let weights = MlpWeights::glorot_uniform(&[5, 7, 3, 2], 11);
    let rows: Vec<f32> = (0..40).map(|i| ((i * 37 % 17) as f32 - 8.0) / 3.0).collect();
    let expected: Vec<f64> = rows.chunks(5).flat_map(|row| weights.logits(row)).collect();
    for backend in backends() {
        let got = overdue_nn::logits(backend, &weights, &rows, 5).unwrap();
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            assert!((f64::from(*g) - e).abs() < 1e-5, "{}: {g} vs {e}", backend.name());
        }
    }
}

/// Losses of the first `steps` steps on `backend`, from shared weights and batches.
fn step_losses(
    backend: NeuralBackend,
    init: &MlpWeights,
    rows: &TrainingRows,
    output: OutputLayer,
    steps: usize,
) -> Vec<f64> {
    let adam = Adam { learning_rate: 3e-3, ..Adam::default() };
    let mut session = TrainingSession::open(backend, init, &adam, output, rows).unwrap();
    let n = rows.n_rows();
    // A fixed, non-trivial order: the same batches everywhere.
    let order: Vec<u32> = (0..n as u32).map(|i| (i * 7919) % n as u32).collect();
    session.set_order(&order).unwrap();
    let batch = 256;
    (0..steps)
        .map(|step| {
            let start = (step * batch) % (n - batch);
            session.step(start..start + batch).unwrap();
            session.take_loss_sum().unwrap()
        })
        .collect()
}

#[test]
fn backends_agree_step_by_step_from_the_same_weights_and_batches() {
    let data = receivables(20_000);
    let train = data.part(Split::Train);
    let standardizer = Standardizer::fit(&train.features());
    let mut scratch = vec![0.0; train.features().n_cols()];
    let features: Vec<f32> = train
        .features()
        .rows()
        .flat_map(|row| {
            standardizer.transform_row(row, &mut scratch);
            scratch.iter().map(|&v| v as f32).collect::<Vec<_>>()
        })
        .collect();
    for output in [OutputLayer::Softmax, OutputLayer::Logit] {
        let rows =
            TrainingRows::new(features.clone(), train.features().n_cols(), train.labels(), [1.0, 2.0], output).unwrap();
        let init = MlpWeights::glorot_uniform(&[rows.n_features(), 30, 10, output.width()], 3);
        let reference = step_losses(NeuralBackend::Candle, &init, &rows, output, 50);
        assert!(reference[49] < reference[0], "{output:?}: the loss should fall over 50 steps: {reference:?}");
        for backend in backends().into_iter().filter(|&backend| backend != NeuralBackend::Candle) {
            let losses = step_losses(backend, &init, &rows, output, 50);
            for (step, (a, b)) in losses.iter().zip(&reference).enumerate() {
                assert!((a - b).abs() < 1e-4, "{output:?} step {step}: {} {a} vs candle {b}", backend.name());
            }
        }
    }
}

#[test]
fn backends_reach_the_same_test_accuracy() {
    let data = receivables(60_000);
    let (train, validation, test) = (data.part(Split::Train), data.part(Split::Validation), data.part(Split::Test));
    let accuracies: Vec<(NeuralBackend, f64)> = backends()
        .into_iter()
        .map(|backend| {
            let mlp = Mlp { backend, batch_size: 512, epochs: 4, ..Mlp::default() };
            let model = fit(&mlp, train, Some(validation)).unwrap();
            (backend, accuracy(&model.predict_proba(test.features()).unwrap(), test.labels()))
        })
        .collect();
    let majority = test.n_late().max(test.n_rows() - test.n_late()) as f64 / test.n_rows() as f64;
    for &(backend, accuracy) in &accuracies {
        assert!(
            accuracy > majority,
            "{}: accuracy {accuracy} not above the majority baseline {majority}",
            backend.name()
        );
        let gap = (accuracy - accuracies[0].1).abs();
        assert!(
            gap <= 0.005,
            "{} vs {}: test accuracy {accuracy} vs {}",
            backend.name(),
            accuracies[0].0.name(),
            accuracies[0].1
        );
    }
}

#[test]
fn cpu_training_is_deterministic_and_models_round_trip_through_json() {
    let data = receivables(8_000);
    let (train, validation, test) = (data.part(Split::Train), data.part(Split::Validation), data.part(Split::Test));
    for backend in [NeuralBackend::BurnNdarray, NeuralBackend::Candle] {
        let mlp = Mlp { backend, epochs: 3, ..Mlp::default() };
        let first = fit(&mlp, train, Some(validation)).unwrap();
        let second = fit(&mlp, train, Some(validation)).unwrap();
        let p1 = first.predict_proba(test.features()).unwrap();
        assert_eq!(p1, second.predict_proba(test.features()).unwrap(), "{}: same seed, same model", backend.name());
        let loaded: MlpModel = serde_json::from_value(first.to_json()).unwrap();
        assert_eq!(loaded.predict_proba(test.features()).unwrap(), p1, "{}: saved and loaded", backend.name());
        assert_eq!(loaded.training.device.backend, backend.name());
        assert!(loaded.training.steady_rows_per_second > 0.0);
    }
}

#[test]
fn early_stopping_keeps_the_best_validation_epoch() {
    let data = receivables(8_000);
    let mlp = Mlp { epochs: 40, patience: 2, adam: Adam { learning_rate: 0.05, ..Adam::default() }, ..Mlp::default() };
    let model = fit(&mlp, data.part(Split::Train), Some(data.part(Split::Validation))).unwrap();
    let model: MlpModel = serde_json::from_value(model.to_json()).unwrap();
    let log = &model.training;
    assert_eq!(log.validation_loss.len(), log.epochs_run);
    let best = log.validation_loss.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(log.validation_loss[log.best_epoch - 1], best);
    assert!(log.epochs_run < 40, "a large learning rate should stop early, ran {} epochs", log.epochs_run);
    assert_eq!(log.epochs_run - log.best_epoch, 2, "stops after `patience` epochs without improvement");
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let labels = [false, true, false, true];
    let mut values = vec![0.5f32; 8];
    let train = |values: &[f32]| {
        fit(&Mlp::default(), Samples::new(MatrixView::new(values, 2).unwrap(), &labels).unwrap(), None)
    };

    values[5] = f32::NAN;
    let message = train(&values).err().unwrap().to_string();
    assert!(message.contains("row 2") && message.contains("column 1"), "{message}");

    let empty = Samples::new(MatrixView::new(&[], 2).unwrap(), &[]).unwrap();
    assert!(matches!(fit(&Mlp::default(), empty, None), Err(ModelError::Empty(_))));

    let one_class = [true; 4];
    let values = [0.5f32; 8];
    let samples = Samples::new(MatrixView::new(&values, 2).unwrap(), &one_class).unwrap();
    assert!(matches!(fit(&Mlp::default(), samples, None), Err(ModelError::OneClass { .. })));

    // A learning rate that throws the weights to 1e30 in one Adam step: the
    // next forward pass overflows and the loss is no longer finite.
    let spread: Vec<f32> = (0..8).map(|i| i as f32).collect();
    let mlp = Mlp { epochs: 3, adam: Adam { learning_rate: 1e30, ..Adam::default() }, ..Mlp::default() };
    let error = fit(&mlp, Samples::new(MatrixView::new(&spread, 2).unwrap(), &labels).unwrap(), None).err().unwrap();
    assert!(error.to_string().contains("diverged"), "{error}");

    let model = fit(
        &Mlp { epochs: 1, ..Mlp::default() },
        Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap(),
        None,
    )
    .unwrap();
    let wrong_width = [0.5f32; 3];
    assert!(matches!(
        model.predict_proba(MatrixView::new(&wrong_width, 3).unwrap()),
        Err(ModelError::WidthMismatch { .. })
    ));
    assert!(model.predict_proba(MatrixView::new(&[], 2).unwrap()).unwrap().is_empty());
}
