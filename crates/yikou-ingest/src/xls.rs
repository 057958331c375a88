//! Reading .xls (BIFF, through calamine) in a child process whose memory and CPU time are capped.
//!
//! calamine trusts the sizes a workbook declares: a 12 KB .xls whose DIMENSIONS record claims four
//! billion rows makes it reserve terabytes, and a failed allocation aborts the whole process — no
//! `catch_unwind` can stop that (tests/fuzz-regressions/xls/alloc-abort-dimensions.xls). A server
//! that read uploads in its own process would go down with one upload. So the reading is done by a
//! child: the program re-runs itself as `PROGRAM __read-xls FILE …` with its address space limited
//! to [`MEMORY_LIMIT`] and its CPU time to [`CPU_SECONDS`]; the rows come back over a pipe; a child
//! that dies is one clear refusal of the file ([`FileError::ReaderFailed`]), and the server goes on.
//!
//! Which program reads: the one named by [`use_program`] (the `yikou` binary names itself first
//! thing in `main` and answers [`run_if_asked`]), else the one in the environment variable
//! `YIKOU_XLS_READER`. A library caller that names neither (the tests of other crates) reads in its
//! own process, guarded only against calamine's panics.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::OnceLock;

use calamine::{Data, Reader, Xls};

use crate::read::{pick_sheet, read_up_to, Cell, FileError, Stop};

/// The first argument that makes a program the .xls reader.
pub const ARG: &str = "__read-xls";
/// Address space the reader may use: a full BIFF8 sheet (65,536 rows) of a roster needs well under
/// a quarter of it (docs/RELIABILITY.md).
pub const MEMORY_LIMIT: u64 = 2 << 30;
/// CPU time the reader may use; the largest legitimate .xls reads in about a second.
pub const CPU_SECONDS: u64 = 60;

static PROGRAM: OnceLock<PathBuf> = OnceLock::new();

/// Names the program that reads .xls files (one that calls [`run_if_asked`] before anything else).
pub fn use_program(program: PathBuf) {
    let _ = PROGRAM.set(program);
}

fn program() -> Option<PathBuf> {
    PROGRAM.get().cloned().or_else(|| std::env::var_os("YIKOU_XLS_READER").filter(|v| !v.is_empty()).map(PathBuf::from))
}

/// What to read of a workbook.
#[derive(Clone, Copy)]
pub(crate) enum Want<'a> {
    /// The first `n` non-empty rows of every sheet.
    Preview(usize),
    /// Every row of the named sheet (None: the first).
    Sheet(Option<&'a str>),
}

/// Receives what is read, in order: the sheet names once, then each sheet read and its rows.
pub(crate) trait Sink {
    fn names(&mut self, names: Vec<String>);
    fn sheet(&mut self, name: &str);
    fn row(&mut self, number: u32, cells: Vec<Cell>) -> Result<(), Stop>;
}

/// Reads `want` of the workbook at `path` into `sink`, in a capped child process when a reader
/// program is named.
pub(crate) fn read(path: &Path, want: Want<'_>, sink: &mut dyn Sink) -> Result<(), FileError> {
    match program() {
        Some(program) => read_in_child(&program, path, want, sink),
        None => read_here(path, want, sink),
    }
}

/// The first `rows` non-empty rows of every sheet.
pub(crate) fn preview(path: &Path, rows: usize) -> Result<Vec<(String, Vec<Vec<Cell>>)>, FileError> {
    struct Collect(Vec<(String, Vec<Vec<Cell>>)>);
    impl Sink for Collect {
        fn names(&mut self, _: Vec<String>) {}
        fn sheet(&mut self, name: &str) {
            self.0.push((name.to_string(), Vec::new()));
        }
        fn row(&mut self, _: u32, cells: Vec<Cell>) -> Result<(), Stop> {
            self.0.last_mut().ok_or(Stop)?.1.push(cells);
            Ok(())
        }
    }
    let mut got = Collect(Vec::new());
    read(path, Want::Preview(rows), &mut got)?;
    Ok(got.0)
}

/// Calls `f` for every non-empty row of the sheet; returns the sheet read and all sheet names.
pub(crate) fn rows(
    path: &Path,
    sheet: Option<&str>,
    f: &mut dyn FnMut(u32, Vec<Cell>) -> Result<(), Stop>,
) -> Result<(String, Vec<String>), FileError> {
    struct Forward<'f> {
        names: Vec<String>,
        sheet: String,
        f: &'f mut dyn FnMut(u32, Vec<Cell>) -> Result<(), Stop>,
    }
    impl Sink for Forward<'_> {
        fn names(&mut self, names: Vec<String>) {
            self.names = names;
        }
        fn sheet(&mut self, name: &str) {
            self.sheet = name.to_string();
        }
        fn row(&mut self, number: u32, cells: Vec<Cell>) -> Result<(), Stop> {
            (self.f)(number, cells)
        }
    }
    let mut fwd = Forward { names: Vec::new(), sheet: String::new(), f };
    read(path, Want::Sheet(sheet), &mut fwd)?;
    Ok((fwd.sheet, fwd.names))
}

/// The reading itself (in the child, or in process when no reader is named).
fn read_here(path: &Path, want: Want<'_>, sink: &mut dyn Sink) -> Result<(), FileError> {
    let mut wb = open(path)?;
    let names = guarded(|| wb.sheet_names())?;
    let chosen = match want {
        Want::Preview(_) => names.clone(),
        Want::Sheet(wanted) => vec![pick_sheet(&names, wanted)?],
    };
    sink.names(names);
    for name in chosen {
        sink.sheet(&name);
        let range = guarded(|| wb.worksheet_range(&name))?.map_err(|e| corrupt(e.to_string()))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut taken = 0;
        for (i, row) in range.rows().enumerate() {
            if matches!(want, Want::Preview(n) if taken >= n) {
                break;
            }
            let mut cells = vec![Cell::Empty; c0 as usize];
            cells.extend(row.iter().map(from_data));
            if cells.iter().any(|c| !c.is_blank()) {
                taken += 1;
                if sink.row(r0 + i as u32 + 1, cells).is_err() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

fn open(path: &Path) -> Result<Xls<BufReader<std::fs::File>>, FileError> {
    use std::io::Seek;
    let io = |e: std::io::Error| FileError::Io { name: path.display().to_string(), detail: e.to_string() };
    let mut r = BufReader::new(std::fs::File::open(path).map_err(io)?);
    // An encrypted .xlsx is an OLE container holding "EncryptedPackage".
    if contains_utf16(&mut r, "EncryptedPackage")? {
        return Err(FileError::Encrypted);
    }
    r.rewind().map_err(io)?;
    guarded(|| Xls::new(r))?.map_err(|e| match e {
        calamine::XlsError::Password => FileError::Encrypted,
        e => corrupt(e.to_string()),
    })
}

/// Runs a call into calamine, whose checks of a damaged file's structure are assertions in places:
/// a panic there becomes "the file is damaged" (tests/fuzz-regressions/xls/).
fn guarded<T>(call: impl FnOnce() -> T) -> Result<T, FileError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call))
        .map_err(|_| corrupt(".xls 文件的内部结构不完整".into()))
}

fn contains_utf16(r: &mut impl Read, needle: &str) -> Result<bool, FileError> {
    let pattern: Vec<u8> = needle.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let mut buf = vec![0u8; 1 << 16];
    let n = read_up_to(r, &mut buf).map_err(|e| FileError::Corrupt(e.to_string()))?;
    Ok(buf[..n].windows(pattern.len()).any(|w| w == pattern))
}

fn corrupt(detail: String) -> FileError {
    FileError::Corrupt(detail)
}

fn from_data(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.as_str().into()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(v) => Cell::Number(*v),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => excel_date(dt.as_f64(), dt.is_duration()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Date(s.chars().take(10).collect()),
        Data::Error(e) => Cell::Error(format!("{e}")),
    }
}

/// Excel's serial day number (1900 system; serial 60 is the fictitious 1900-02-29) to YYYY-MM-DD.
pub(crate) fn excel_date(serial: f64, is_duration: bool) -> Cell {
    if is_duration || !(1.0..2_958_466.0).contains(&serial) {
        return Cell::Number(serial);
    }
    let base = time::macros::date!(1899 - 12 - 30);
    match base.checked_add(time::Duration::days(serial.floor() as i64)) {
        Some(d) => Cell::Date(yikou_domain::format_date(d)),
        None => Cell::Number(serial),
    }
}

// ---------- the child ----------

/// In a program's `main`, before anything else: when the program was started as the .xls reader
/// (`PROGRAM __read-xls FILE preview N | sheet [NAME]`), caps this process, reads, writes the frames
/// to standard output and returns the exit code; otherwise None.
pub fn run_if_asked() -> Option<ExitCode> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.first().map(|a| a != ARG).unwrap_or(true) {
        return None;
    }
    let path = PathBuf::from(args.get(1)?);
    let text = |i: usize| args.get(i).and_then(|a| a.to_str());
    let want = match (text(2), text(3)) {
        (Some("preview"), Some(n)) => Want::Preview(n.parse().ok()?),
        (Some("sheet"), name) => Want::Sheet(name),
        _ => return Some(ExitCode::from(2)),
    };
    // Never above what this process may already use (a service started with a lower limit keeps it).
    let cap = |resource: rlimit::Resource, soft: u64, hard: u64| {
        rlimit::getrlimit(resource).and_then(|(_, max)| rlimit::setrlimit(resource, soft.min(max), hard.min(max)))
    };
    let limits = cap(rlimit::Resource::AS, MEMORY_LIMIT, MEMORY_LIMIT)
        .and_then(|_| cap(rlimit::Resource::CPU, CPU_SECONDS, CPU_SECONDS + 5));
    let mut out = Frames(BufWriter::new(std::io::stdout().lock()));
    let result = match limits {
        Ok(()) => read_here(&path, want, &mut out),
        Err(e) => Err(FileError::Io {
            name: path.display().to_string(),
            detail: format!("无法限制读取进程的内存：{e}"),
        }),
    };
    match result {
        Ok(()) => out.end(),
        Err(e) => out.error(&e),
    }
    Some(if out.0.flush().is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

// Frames on the pipe (integers little-endian, texts as u32 length + UTF-8):
//   'N' count text…          the sheet names
//   'S' text                 a sheet begins
//   'R' row count cell…      a row: u32 row number, u32 cell count, cells (tag byte + value)
//   'X' code text text       the reading failed with this FileError
//   'Z'                      done
struct Frames<W: Write>(W);

impl<W: Write> Frames<W> {
    fn u32(&mut self, v: u32) -> std::io::Result<()> {
        self.0.write_all(&v.to_le_bytes())
    }
    fn text(&mut self, s: &str) -> std::io::Result<()> {
        self.u32(s.len() as u32)?;
        self.0.write_all(s.as_bytes())
    }
    fn cell(&mut self, c: &Cell) -> std::io::Result<()> {
        match c {
            Cell::Empty => self.0.write_all(&[0]),
            Cell::Text(s) => self.0.write_all(&[1]).and_then(|_| self.text(s)),
            Cell::Number(v) => self.0.write_all(&[2]).and_then(|_| self.0.write_all(&v.to_le_bytes())),
            Cell::Bool(b) => self.0.write_all(&[3, *b as u8]),
            Cell::Date(s) => self.0.write_all(&[4]).and_then(|_| self.text(s)),
            Cell::Error(s) => self.0.write_all(&[5]).and_then(|_| self.text(s)),
        }
    }
    fn end(&mut self) {
        let _ = self.0.write_all(b"Z");
    }
    fn error(&mut self, e: &FileError) {
        let (a, b) = match e {
            FileError::Corrupt(d) => (d.clone(), String::new()),
            FileError::NoSuchSheet { name, available } => (name.clone(), available.clone()),
            FileError::Io { name, detail } => (name.clone(), detail.clone()),
            FileError::NotFound(name) => (name.clone(), String::new()),
            other => (other.to_string(), String::new()),
        };
        let _ = self
            .0
            .write_all(b"X")
            .and_then(|_| self.text(e.code()))
            .and_then(|_| self.text(&a))
            .and_then(|_| self.text(&b));
    }
}

impl<W: Write> Sink for Frames<W> {
    fn names(&mut self, names: Vec<String>) {
        let _ = self.0.write_all(b"N").and_then(|_| self.u32(names.len() as u32));
        for n in &names {
            let _ = self.text(n);
        }
    }
    fn sheet(&mut self, name: &str) {
        let _ = self.0.write_all(b"S").and_then(|_| self.text(name));
    }
    fn row(&mut self, number: u32, cells: Vec<Cell>) -> Result<(), Stop> {
        let mut put = || -> std::io::Result<()> {
            self.0.write_all(b"R")?;
            self.u32(number)?;
            self.u32(cells.len() as u32)?;
            cells.iter().try_for_each(|c| self.cell(c))
        };
        // The parent stopped reading (it has what it wanted): stop too.
        put().map_err(|_| Stop)
    }
}

// ---------- the parent ----------

fn read_in_child(program: &Path, path: &Path, want: Want<'_>, sink: &mut dyn Sink) -> Result<(), FileError> {
    let mut cmd = Command::new(program);
    cmd.arg(ARG).arg(path);
    match want {
        Want::Preview(n) => cmd.arg("preview").arg(n.to_string()),
        Want::Sheet(None) => cmd.arg("sheet"),
        Want::Sheet(Some(name)) => cmd.arg("sheet").arg(name),
    };
    // The child needs nothing of the environment (least of all a key or a database address).
    let mut child =
        cmd.env_clear().stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().map_err(|e| {
            FileError::Io { name: path.display().to_string(), detail: format!("无法启动 .xls 读取进程：{e}") }
        })?;
    let stdout = child.stdout.take().expect("piped");
    let outcome = Pipe(BufReader::with_capacity(1 << 16, stdout)).forward(sink);
    finish(&mut child, outcome)
}

/// What the pipe said: the reading finished, failed (as the child said), stopped by the caller,
/// or ended without a last frame (the child died).
enum Outcome {
    Done,
    Failed(FileError),
    Stopped,
    Cut,
}

fn finish(child: &mut Child, outcome: Outcome) -> Result<(), FileError> {
    // Whatever the pipe said, the child is done with: one that is still writing (the caller
    // stopped, or its frames could not be read) would otherwise wait on a full pipe for ever.
    let _ = child.kill();
    let _ = child.wait();
    match outcome {
        Outcome::Done | Outcome::Stopped => Ok(()),
        Outcome::Failed(e) => Err(e),
        Outcome::Cut => Err(FileError::ReaderFailed { limit_mb: MEMORY_LIMIT >> 20, seconds: CPU_SECONDS }),
    }
}

struct Pipe<R: Read>(R);

impl<R: Read> Pipe<R> {
    fn forward(&mut self, sink: &mut dyn Sink) -> Outcome {
        match self.frames(sink) {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Cut,
        }
    }

    fn frames(&mut self, sink: &mut dyn Sink) -> std::io::Result<Outcome> {
        loop {
            match self.byte()? {
                b'N' => {
                    let n = self.u32()?;
                    let names = (0..n).map(|_| self.text()).collect::<std::io::Result<Vec<_>>>()?;
                    sink.names(names);
                }
                b'S' => sink.sheet(&self.text()?),
                b'R' => {
                    let number = self.u32()?;
                    let n = self.u32()?;
                    let cells = (0..n).map(|_| self.cell()).collect::<std::io::Result<Vec<_>>>()?;
                    if sink.row(number, cells).is_err() {
                        return Ok(Outcome::Stopped);
                    }
                }
                b'X' => {
                    let (code, a, b) = (self.text()?, self.text()?, self.text()?);
                    return Ok(Outcome::Failed(match code.as_str() {
                        "file_encrypted" => FileError::Encrypted,
                        "file_no_sheets" => FileError::NoSheets,
                        "file_no_such_sheet" => FileError::NoSuchSheet { name: a, available: b },
                        "file_io" => FileError::Io { name: a, detail: b },
                        "file_not_found" => FileError::NotFound(a),
                        _ => FileError::Corrupt(a),
                    }));
                }
                b'Z' => return Ok(Outcome::Done),
                _ => return Err(std::io::ErrorKind::InvalidData.into()),
            }
        }
    }

    fn byte(&mut self) -> std::io::Result<u8> {
        let mut b = [0u8; 1];
        self.0.read_exact(&mut b)?;
        Ok(b[0])
    }
    fn u32(&mut self) -> std::io::Result<u32> {
        let mut b = [0u8; 4];
        self.0.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn text(&mut self) -> std::io::Result<String> {
        let n = self.u32()? as usize;
        let mut b = vec![0u8; n.min(1 << 20)];
        if n > b.len() {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        self.0.read_exact(&mut b)?;
        String::from_utf8(b).map_err(|_| std::io::ErrorKind::InvalidData.into())
    }
    fn cell(&mut self) -> std::io::Result<Cell> {
        Ok(match self.byte()? {
            0 => Cell::Empty,
            1 => Cell::Text(self.text()?.into()),
            2 => {
                let mut b = [0u8; 8];
                self.0.read_exact(&mut b)?;
                Cell::Number(f64::from_le_bytes(b))
            }
            3 => Cell::Bool(self.byte()? != 0),
            4 => Cell::Date(self.text()?),
            5 => Cell::Error(self.text()?),
            _ => return Err(std::io::ErrorKind::InvalidData.into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Debug, PartialEq)]
    struct Got {
        names: Vec<String>,
        sheets: Vec<String>,
        rows: Vec<(u32, Vec<Cell>)>,
        stop_after: Option<usize>,
    }

    impl Sink for Got {
        fn names(&mut self, names: Vec<String>) {
            self.names = names;
        }
        fn sheet(&mut self, name: &str) {
            self.sheets.push(name.into());
        }
        fn row(&mut self, number: u32, cells: Vec<Cell>) -> Result<(), Stop> {
            self.rows.push((number, cells));
            match self.stop_after {
                Some(n) if self.rows.len() >= n => Err(Stop),
                _ => Ok(()),
            }
        }
    }

    fn frames_of(build: impl FnOnce(&mut Frames<Vec<u8>>)) -> Vec<u8> {
        let mut f = Frames(Vec::new());
        build(&mut f);
        f.0
    }

    #[test]
    fn every_cell_kind_and_frame_survives_the_pipe() {
        let row = vec![
            Cell::Empty,
            Cell::Text("张三".into()),
            Cell::Number(1234.5),
            Cell::Bool(true),
            Cell::Date("2020-01-01".into()),
            Cell::Error("#N/A".into()),
        ];
        let bytes = frames_of(|f| {
            f.names(vec!["名单".into(), "说明".into()]);
            f.sheet("名单");
            f.row(2, row.clone()).unwrap();
            f.end();
        });
        let mut got = Got::default();
        assert!(matches!(Pipe(&bytes[..]).forward(&mut got), Outcome::Done));
        assert_eq!(got.names, ["名单", "说明"]);
        assert_eq!(got.sheets, ["名单"]);
        assert_eq!(got.rows, [(2, row)]);
    }

    #[test]
    fn a_pipe_cut_short_is_a_dead_reader_and_an_error_frame_is_the_error() {
        let bytes = frames_of(|f| {
            f.names(vec!["名单".into()]);
            f.sheet("名单");
            f.row(2, vec![Cell::Text("很长的一行".into())]).unwrap();
        });
        for cut in 0..bytes.len() {
            assert!(matches!(Pipe(&bytes[..cut]).forward(&mut Got::default()), Outcome::Cut), "cut at {cut}");
        }
        let missing = FileError::NoSuchSheet { name: "名单2".into(), available: "名单、说明".into() };
        let bytes = frames_of(|f| f.error(&missing));
        match Pipe(&bytes[..]).forward(&mut Got::default()) {
            Outcome::Failed(e) => assert_eq!(e.to_string(), missing.to_string()),
            _ => panic!("the error frame was not read as the error"),
        }
        let bytes = frames_of(|f| f.error(&FileError::Encrypted));
        assert!(matches!(Pipe(&bytes[..]).forward(&mut Got::default()), Outcome::Failed(FileError::Encrypted)));
    }

    #[test]
    fn the_caller_stopping_stops_the_pipe() {
        let bytes = frames_of(|f| {
            f.names(vec!["名单".into()]);
            f.sheet("名单");
            for i in 0..5 {
                f.row(i + 2, vec![Cell::Number(i as f64)]).unwrap();
            }
            f.end();
        });
        let mut got = Got { stop_after: Some(2), ..Got::default() };
        assert!(matches!(Pipe(&bytes[..]).forward(&mut got), Outcome::Stopped));
        assert_eq!(got.rows.len(), 2);
    }

    #[test]
    fn excel_serial_dates() {
        assert_eq!(excel_date(43831.0, false), Cell::Date("2020-01-01".into()));
        assert_eq!(excel_date(1.0, false), Cell::Date("1899-12-31".into()));
    }
}
