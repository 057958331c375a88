//! Rough timing of the readers: `cargo run --release -p yikou-ingest --example readspeed -- N DIR`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dir = std::path::PathBuf::from(args.get(2).cloned().unwrap_or_else(|| "/tmp".into()));
    let xlsx = dir.join(format!("roster-{n}.xlsx"));
    let csv = dir.join(format!("roster-{n}.csv"));
    if !xlsx.exists() {
        let t = std::time::Instant::now();
        let rows = yikou_ingest::roster::generate(n, 1, 0.01, &yikou_ingest::roster::Fault::PEER_VISIBLE);
        yikou_ingest::roster::write_xlsx(&xlsx, &rows, None).unwrap();
        yikou_ingest::roster::write_csv(&csv, &rows).unwrap();
        eprintln!("generated in {:.2}s", t.elapsed().as_secs_f64());
    }
    for p in [&xlsx, &csv] {
        let t = std::time::Instant::now();
        let mut count = 0usize;
        let mut bytes = 0usize;
        yikou_ingest::read::read_rows(p, None, |_, cells| {
            count += 1;
            bytes += cells.len();
            Ok(())
        })
        .unwrap();
        println!("{} rows={count} cells={bytes} seconds={:.3}", p.display(), t.elapsed().as_secs_f64());
    }
}
