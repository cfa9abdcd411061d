//! Loading a user's export through a column mapping: rows per second, CSV and
//! Parquet, at study 1's scale and at a million invoices.

use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use overdue_data::{ColumnMapping, ExportSource, ReceivablesWorld, write_receivables};

fn load_export(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("overdue-bench-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let mut group = c.benchmark_group("data/load_export");
    group.sample_size(10);
    for invoices in [164_043usize, 1_000_000] {
        let table = ReceivablesWorld { invoices, ..ReceivablesWorld::default() }.generate().expect("valid world");
        for format in ["csv", "parquet"] {
            let path = dir.join(format!("receivables_{invoices}.{format}"));
            write_receivables(&table, &path).expect("writable");
            let mut source = ExportSource::new(&path);
            source.columns = ColumnMapping::generated();
            group.throughput(Throughput::Elements(invoices as u64));
            group.bench_with_input(BenchmarkId::new(format, invoices), &source, |b, source| {
                b.iter(|| source.load(Path::new("")).expect("loads"))
            });
        }
    }
    group.finish();
    std::fs::remove_dir_all(&dir).ok();
}

criterion_group!(benches, load_export);
criterion_main!(benches);
