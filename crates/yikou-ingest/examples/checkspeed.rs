//! Rough timing of the core check on a city-scale exchange campaign:
//! `cargo run --release -p yikou-ingest --example checkspeed -- DIR [PEOPLE] [ENTITLEMENTS] [PROJECTS]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).cloned().unwrap_or_else(|| "/tmp/city".into()));
    let n = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (people, ents, projects) = (n(2, 1_000_000), n(3, 1_500_000), n(4, 2_000));
    if !dir.join("people.csv").exists() {
        let t = std::time::Instant::now();
        let ex = yikou_ingest::exchange::generate_exchange(people, projects, ents, 1, 0.01);
        yikou_ingest::exchange::write_exchange(&dir, &ex).unwrap();
        eprintln!("generated in {:.1}s", t.elapsed().as_secs_f64());
    }
    let t = std::time::Instant::now();
    let (ex, issues) = yikou_ingest::exchange::read_exchange(&dir).unwrap();
    let read = t.elapsed();
    let (p, j, e) = yikou_ingest::exchange::core_rows(&ex);
    let t2 = std::time::Instant::now();
    let c = yikou_domain::check::check_core(&p, &j, &e).counts();
    println!(
        "{c:?} issues={} read_s={:.2} check_s={:.3}",
        issues.len(),
        read.as_secs_f64(),
        t2.elapsed().as_secs_f64()
    );
}
