//! Fuzzing on stable Rust (issue 19, point 1): every parser and reader that takes what a clerk, a
//! bank or the municipal system hands in gets mutated inputs for a bounded time and must answer with
//! a value or an error, never a panic. No coverage guidance (cargo-fuzz needs a nightly compiler,
//! which this machine cannot fetch): the inputs start from real-looking generated files and are
//! mutated where it matters — the XML inside a workbook's zip rather than its compressed bytes, the
//! text of a CSV in UTF-8 and GBK, the cells of the exchange files.
//!
//! `YIKOU_FUZZ_SECONDS` (default 4) bounds each target; `bench/fuzz.sh HOURS` runs them longer. A
//! panic saves its input under `target/fuzz-crashes/` and fails; saved inputs that once crashed live
//! in `tests/fuzz-regressions/<target>/` and are replayed first on every run.

use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use time::macros::date;
use yikou_domain::pay::BankAccount;
use yikou_domain::{Fen, IdNumber, Phone};
use yikou_ingest::process::{process, Options};
use yikou_ingest::roster::{generate, write_csv, write_xlsx, Fault};
use yikou_ingest::validate::{NoRegister, Reference};

/// A small, fast generator (the run's seed is printed so a finding can be replayed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Tokens that break parsers more often than random bytes do.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b",",
    b"\n",
    b"\r\n",
    b"\t",
    b"<",
    b">",
    b"&",
    b"&#x0;",
    b"&#1114112;",
    b"]]>",
    b"<![CDATA[",
    b"</c>",
    b"<c r=\"XFD1048576\" t=\"s\"><v>",
    b"<v>4294967296</v>",
    b"t=\"s\"",
    b"t=\"inlineStr\"",
    b"<is><t>",
    b"1e309",
    b"-0",
    b"NaN",
    b"99999999999999999999",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xd5\xc5\xc8\xfd",
    b"\xe5\xbc\xa0",
    b"X",
    b"x",
    b"0",
    b"19000229",
    b"310112",
    b"\x00",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"1,234.5",
    b"\xef\xbf\xa5",
];

fn mutate(rng: &mut Rng, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(9) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            3 if !v.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                v.drain(at.min(end)..end);
            }
            4 if !v.is_empty() => {
                let from = rng.below(v.len());
                let end = (from + 1 + rng.below(64)).min(v.len());
                let piece = v[from..end].to_vec();
                v.splice(at..at, piece);
            }
            5 => v.truncate(at),
            6 if !others.is_empty() => {
                let o = &others[rng.below(others.len())];
                let from = rng.below(o.len());
                let end = (from + 1 + rng.below(256)).min(o.len());
                v.splice(at..at, o[from..end].iter().copied());
            }
            7 => {
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                v.splice(at..at, bytes);
            }
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let end = (at + t.len()).min(v.len());
                v.splice(at..end, t.iter().copied());
            }
        }
    }
    v
}

fn budget() -> Duration {
    let secs = std::env::var("YIKOU_FUZZ_SECONDS").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(4.0);
    Duration::from_secs_f64(secs)
}

fn seed() -> u64 {
    std::env::var("YIKOU_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    })
}

fn crash_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-crashes")
}

fn regressions(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions").join(target);
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files.into_iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Runs `run` on the seeds, the saved regressions, then mutations until the budget is spent.
/// Returns how many inputs ran.
fn fuzz(target: &str, seeds: &[Vec<u8>], mut run: impl FnMut(&[u8])) -> u64 {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut execs = 0u64;
    let mut slowest = (Duration::ZERO, Vec::new());
    let mut check = |input: &[u8], execs: &mut u64| {
        *execs += 1;
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| run(input)));
        if started.elapsed() > slowest.0 {
            slowest = (started.elapsed(), input.to_vec());
        }
        if outcome.is_err() {
            std::fs::create_dir_all(crash_dir()).unwrap();
            let path = crash_dir().join(format!("{target}-{:016x}.bin", fxhash(input)));
            std::fs::write(&path, input).unwrap();
            // The default hook again, so this failure prints.
            drop(std::panic::take_hook());
            panic!(
                "{target}: panicked on an input, saved as {} (add it to tests/fuzz-regressions/{target}/)",
                path.display()
            );
        }
    };
    for s in seeds.iter().chain(&regressions(target)) {
        check(s, &mut execs);
    }
    let seed = seed();
    let mut rng = Rng(seed);
    let started = Instant::now();
    let until = budget();
    while started.elapsed() < until {
        let base = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, base, seeds);
        check(&input, &mut execs);
    }
    std::panic::set_hook(quiet);
    // The slowest input is kept for a look (a small file that takes long is a way to tie up a server).
    let (took, input) = slowest;
    std::fs::create_dir_all(crash_dir()).unwrap();
    let slow = crash_dir().join(format!("slowest-{target}.bin"));
    std::fs::write(&slow, input).unwrap();
    eprintln!(
        "fuzz {target}: {execs} inputs in {:.1} s without a panic (seed {seed}; YIKOU_FUZZ_SEED={seed} replays it); \
         slowest {:.0} ms, kept as {}",
        started.elapsed().as_secs_f64(),
        took.as_secs_f64() * 1000.0,
        slow.display()
    );
    execs
}

fn fxhash(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| (h ^ u64::from(*x)).wrapping_mul(0x100_0000_01b3))
}

fn text_seeds(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn fuzz_the_value_parsers() {
    let ids = text_seeds(&[
        "11010519491231002X",
        "310221194503150021",
        "340524800101001",
        " 3101 1219 4001 0100 1X ",
        "３１０",
    ]);
    fuzz("id_number", &ids, |b| {
        let s = String::from_utf8_lossy(b);
        if let Ok(id) = IdNumber::parse_at(&s, date!(2026 - 12 - 07)) {
            // What a valid number promises: its parts read back.
            let _ = (id.masked(), id.birth_date(), id.sex(), id.age_at(date!(2026 - 12 - 07)), id.legacy15());
            assert_eq!(IdNumber::parse_at(id.as_str(), date!(2026 - 12 - 07)).ok().as_ref(), Some(&id));
        }
        let _ = yikou_domain::id_number::near_misses(&s, date!(2026 - 12 - 07));
    });
    let phones = text_seeds(&["13812345678", "021-64123456", "+86 138 1234 5678", "（021）6412 3456", "6412345"]);
    fuzz("phone", &phones, |b| {
        if let Ok(p) = Phone::parse(&String::from_utf8_lossy(b)) {
            let _ = p.masked();
            assert_eq!(Phone::parse(&p.canonical()).ok(), Some(p), "the stored form parses back to the same phone");
        }
    });
    let money = text_seeds(&["900", "1,200.50", "￥300元", "0.01", "-5", "1e3", "１２３"]);
    fuzz("money", &money, |b| {
        if let Ok(f) = Fen::parse(&String::from_utf8_lossy(b)) {
            assert_eq!(Fen::parse(&f.yuan().replace(',', "")).ok(), Some(f), "an amount shown parses back to itself");
        }
    });
    let accounts = text_seeds(&["6222 0210 0112 3456", "62220000", "6222-0210-0112-3456-789"]);
    fuzz("bank_account", &accounts, |b| {
        if let Ok(a) = BankAccount::parse(&String::from_utf8_lossy(b)) {
            assert!(a.digits().bytes().all(|c| c.is_ascii_digit()));
        }
    });
}

/// Writes `bytes` to `dir/name` and runs the roster reader and checker over it.
fn check_roster(dir: &Path, name: &str, bytes: &[u8]) {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let reference = Reference::shipped();
    let opts = Options {
        sheet: None,
        reference: &reference,
        register: &NoRegister,
        standard: None,
        today: date!(2026 - 12 - 07),
        default_street: None,
    };
    let _ = process(&p, &opts, &mut |_| {}, &mut |_| {});
}

#[test]
fn fuzz_the_roster_csv_reader_in_utf8_and_gbk() {
    let dir = tempfile::tempdir().unwrap();
    let rows = generate(40, 7, 0.2, &Fault::ALL);
    let p = dir.path().join("seed.csv");
    write_csv(&p, &rows).unwrap();
    let utf8 = std::fs::read(&p).unwrap();
    let gbk = encoding_rs::GBK.encode(std::str::from_utf8(&utf8).unwrap()).0.into_owned();
    let seeds = vec![utf8, gbk];
    let execs = fuzz("roster_csv", &seeds, |b| check_roster(dir.path(), "r.csv", b));
    assert!(execs > seeds.len() as u64);
}

/// The parts of a zip archive, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts: zip::write::SimpleFileOptions =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn fuzz_the_xlsx_reader_inside_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let rows = generate(30, 8, 0.2, &Fault::ALL);
    let p = dir.path().join("seed.xlsx");
    write_xlsx(&p, &rows, Some("2026年帮困名单")).unwrap();
    let parts = unzip(&std::fs::read(&p).unwrap());
    // The fuzzed bytes are one part's XML; the others stay as written, so the archive still opens.
    let xml: Vec<usize> =
        (0..parts.len()).filter(|&i| parts[i].0.ends_with(".xml") || parts[i].0.ends_with(".rels")).collect();
    let seeds: Vec<Vec<u8>> = xml.iter().map(|&i| parts[i].1.clone()).collect();
    let mut which = 0usize;
    let execs = fuzz("xlsx", &seeds, |b| {
        which = (which + 1) % xml.len();
        // The part most like the input takes it (a mutated sheet goes back in as a sheet).
        let slot =
            xml.iter().copied().find(|&i| b.starts_with(&parts[i].1[..parts[i].1.len().min(64)])).unwrap_or(xml[which]);
        let mut now = parts.clone();
        now[slot].1 = b.to_vec();
        check_roster(dir.path(), "r.xlsx", &rezip(&now));
    });
    assert!(execs > seeds.len() as u64);
    // The raw archive too: damaged zips are refused, never a panic.
    let raw = vec![std::fs::read(&p).unwrap()];
    fuzz("xlsx_zip", &raw, |b| check_roster(dir.path(), "z.xlsx", b));
}

#[test]
fn fuzz_the_xls_reader() {
    // As in the server: calamine reads in a capped child process (src/xls.rs), so an input that
    // makes it allocate terabytes (alloc-abort-dimensions.xls) is a refused file, not an abort.
    yikou_ingest::xls::use_program(PathBuf::from(env!("CARGO_BIN_EXE_yikou-xls-reader")));
    // The saved crashes first, with or without LibreOffice (the reader's own panic message, caught
    // and turned into an error, is not printed).
    let dir = tempfile::tempdir().unwrap();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for (i, r) in regressions("xls").iter().enumerate() {
        check_roster(dir.path(), &format!("saved{i}.xls"), r);
    }
    std::panic::set_hook(quiet);
    let Some(soffice) = ["soffice", "libreoffice"]
        .into_iter()
        .find(|c| std::process::Command::new(c).arg("--version").output().map(|o| o.status.success()).unwrap_or(false))
    else {
        eprintln!("note: LibreOffice not installed, the .xls target is skipped (no seed to start from)");
        return;
    };
    let csv = dir.path().join("seed.csv");
    write_csv(&csv, &generate(30, 9, 0.2, &Fault::ALL)).unwrap();
    let status = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", dir.path().join("lo").display()))
        .args(["--headless", "--convert-to", "xls", "--outdir"])
        .arg(dir.path())
        .arg(&csv)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let seeds = vec![std::fs::read(dir.path().join("seed.xls")).unwrap()];
    fuzz("xls", &seeds, |b| check_roster(dir.path(), "r.xls", b));
}

#[test]
fn fuzz_the_bank_result_reader() {
    let dir = tempfile::tempdir().unwrap();
    let text = "代发结果\n序号,参考号,户名,账号,金额,摘要,开户行,处理结果,失败原因\n1,P2020-0001-00001-1,张三,6222021001123456,900.00,帮困,工行,成功,\n2,P2020-0001-00002-1,李四,6222021001123457,900.00,帮困,工行,失败,户名不符\n,,,,,,,,\n制表：王五,,,,,,,,\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let seeds = vec![text.as_bytes().to_vec(), gbk.into_owned()];
    fuzz("bank_results", &seeds, |b| {
        let p = dir.path().join("r.csv");
        std::fs::write(&p, b).unwrap();
        let _ = yikou_ingest::bank::read_results(&p);
    });
}

#[test]
fn fuzz_the_exchange_loader() {
    let dir = tempfile::tempdir().unwrap();
    let ex = yikou_ingest::exchange::generate_exchange(40, 4, 60, 11, 0.1);
    let seed_dir = dir.path().join("seed");
    yikou_ingest::exchange::write_exchange(&seed_dir, &ex).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&seed_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|f| f.1.clone()).collect();
    let work = dir.path().join("work");
    for (name, data) in &files {
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join(name), data).unwrap();
    }
    let mut turn = 0usize;
    fuzz("exchange", &seeds, |b| {
        // One file takes the mutated bytes, in turn; the others are as written.
        turn = (turn + 1) % files.len();
        std::fs::write(work.join(&files[turn].0), b).unwrap();
        let _ = yikou_ingest::exchange::read_exchange(&work);
        std::fs::write(work.join(&files[turn].0), &files[turn].1).unwrap();
    });
}

#[test]
fn fuzz_the_service_delivery_and_voucher_redemption_readers() {
    let dir = tempfile::tempdir().unwrap();
    let deliveries = "某助老服务社2020年1月服务明细\n序号,姓名,身份证号,服务类别,服务日期,时长（小时）,备注\n1,张三,310112194001010011,助洁,2020/1/5,1.5,\n2,李四,310112194001010029,助餐,2020-01-06,1,\n3,王五,,助洁,2020-01-07,2,\n,合计,,,,4.5,\n";
    let gbk = encoding_rs::GBK.encode(deliveries).0.into_owned();
    let seeds = vec![deliveries.as_bytes().to_vec(), gbk];
    fuzz("deliveries", &seeds, |b| {
        let p = dir.path().join("d.csv");
        std::fs::write(&p, b).unwrap();
        let _ = yikou_ingest::deliveries::read_deliveries(&p);
    });
    let redemptions = "古美慈善超市兑换明细\n序号,卡券编号,兑换日期,金额,慈善超市\n1,LY-000001-K,2020-01-20,200,古美\n2,LY-000002-M,2020/1/21,150.5,古美\n合计,,,350.5,\n";
    let seeds = vec![redemptions.as_bytes().to_vec()];
    fuzz("redemptions", &seeds, |b| {
        let p = dir.path().join("r.csv");
        std::fs::write(&p, b).unwrap();
        let _ = yikou_ingest::redemptions::read_redemptions(&p);
    });
}
