//! The .xls reader as a program of its own, for this crate's tests (the `yikou` binary is its own
//! reader): `yikou-xls-reader __read-xls FILE preview N | sheet [NAME]`.

fn main() -> std::process::ExitCode {
    yikou_ingest::xls::run_if_asked().unwrap_or_else(|| {
        eprintln!("用法：yikou-xls-reader {} 文件 preview 行数 | sheet [工作表]", yikou_ingest::xls::ARG);
        std::process::ExitCode::from(2)
    })
}
