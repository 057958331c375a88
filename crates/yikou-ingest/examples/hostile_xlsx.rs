//! Files for the upload memory bench (bench/upload_memory.sh):
//! `cargo run -p yikou-ingest --example hostile_xlsx -- OUT.xlsx XML_MB TEXT_LEN` writes a workbook whose
//! shared strings inflate to XML_MB MB of TEXT_LEN-byte strings; `… -- --table FILE.xlsx` prints the
//! inflated size of each part and the shared string table as the reader holds it.

#[path = "../tests/support/hostile.rs"]
mod hostile;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--table") {
        let path = std::path::Path::new(&args[1]);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        for i in 0..zip.len() {
            let e = zip.by_index_raw(i).unwrap();
            println!("part {} inflated={} packed={}", e.name().unwrap(), e.size(), e.compressed_size());
        }
        match yikou_ingest::xlsx::string_table_size(path) {
            Ok((n, bytes)) => println!("string_table strings={n} bytes={bytes} mib={:.1}", bytes as f64 / 1048576.0),
            Err(e) => println!("string_table refused: {e}"),
        }
        return;
    }
    let out = std::path::Path::new(&args[0]);
    let mb: u64 = args[1].parse().unwrap();
    let len: usize = args[2].parse().unwrap();
    hostile::shared_strings_workbook(out, mb, len).unwrap();
    println!("{} bytes={}", out.display(), std::fs::metadata(out).unwrap().len());
}
