//! What one .xlsx may cost, enforced while inflating (sizes declared in the archive can lie):
//! a total of inflated bytes over every part read for the file, and for the shared strings both
//! the part's inflated size and the memory the string table holds. The largest legitimate roster
//! (1,000,000 rows, see docs/BENCHMARKS.md) inflates to about 370 MB, of which 62 MB are shared
//! strings holding a table of about 110 MB; the budgets leave room for several times that.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::read::FileError;

/// Total inflated bytes of all parts read for one file (all sheets tried included).
pub const MAX_INFLATED_BYTES: u64 = 2 << 30;
/// Inflated size of the shared strings part.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 512 << 20;
/// Memory the shared string table may hold, counted as stored (text, allocation header, slot).
pub const MAX_STRING_TABLE_BYTES: u64 = 256 << 20;
/// Highest compression ratio of one part (spreadsheet XML compresses about 10–20×).
const MAX_RATIO: u64 = 400;

/// Bytes a file may still inflate; shared by the threads reading its parts.
#[derive(Clone, Debug)]
pub struct Budget(Arc<AtomicU64>);

impl Default for Budget {
    fn default() -> Self {
        Budget::new(MAX_INFLATED_BYTES)
    }
}

impl Budget {
    pub fn new(bytes: u64) -> Budget {
        Budget(Arc::new(AtomicU64::new(bytes)))
    }

    /// Charges `n` inflated bytes; refuses once the file has used up its budget.
    pub fn charge(&self, n: u64) -> Result<(), FileError> {
        let mut left = self.0.load(Ordering::Relaxed);
        loop {
            let Some(rest) = left.checked_sub(n) else {
                self.0.store(0, Ordering::Relaxed);
                return Err(too_much_data());
            };
            match self.0.compare_exchange_weak(left, rest, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return Ok(()),
                Err(now) => left = now,
            }
        }
    }
}

pub(crate) fn too_much_data() -> FileError {
    FileError::TooMuchData { limit_mb: MAX_INFLATED_BYTES >> 20 }
}

pub(crate) fn too_much_text() -> FileError {
    FileError::TooMuchText { limit_mb: MAX_STRING_TABLE_BYTES >> 20 }
}

/// The marker an over-budget read carries through `std::io::Error`.
#[derive(Debug)]
struct OverBudget(FileError);

impl std::fmt::Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for OverBudget {}

/// A reader of one inflating part that charges every byte to the file's budget and to the part's
/// own limit (whose error is `over_part`).
pub(crate) struct Metered<R> {
    inner: R,
    budget: Budget,
    part_left: u64,
    over_part: fn() -> FileError,
}

impl<R: Read> Metered<R> {
    pub(crate) fn new(inner: R, budget: &Budget, part_limit: u64, over_part: fn() -> FileError) -> Self {
        Metered { inner, budget: budget.clone(), part_left: part_limit, over_part }
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let over = |e: FileError| std::io::Error::other(OverBudget(e));
        self.part_left = self.part_left.checked_sub(n as u64).ok_or_else(|| over((self.over_part)()))?;
        self.budget.charge(n as u64).map_err(over)?;
        Ok(n)
    }
}

/// A read error as a [`FileError`]: a budget refusal as itself, anything else as a damaged file.
pub(crate) fn read_error(e: std::io::Error) -> FileError {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<OverBudget>()) {
        Some(OverBudget(FileError::TooMuchData { limit_mb })) => FileError::TooMuchData { limit_mb: *limit_mb },
        Some(OverBudget(FileError::TooMuchText { limit_mb })) => FileError::TooMuchText { limit_mb: *limit_mb },
        Some(OverBudget(_)) => FileError::ZipBomb,
        None => FileError::Corrupt(e.to_string()),
    }
}

/// Refuses archives whose parts declare absurd inflated sizes or ratios before anything is
/// inflated. What they really inflate to is metered while reading ([`Metered`]).
pub(crate) fn check_zip(path: &Path) -> Result<(), FileError> {
    let f = File::open(path).map_err(|e| FileError::Io { name: path.display().to_string(), detail: e.to_string() })?;
    let mut zip =
        zip::ZipArchive::new(BufReader::new(f)).map_err(|e| FileError::Corrupt(format!("压缩结构错误（{e}）")))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| FileError::Corrupt(e.to_string()))?;
        if entry.encrypted() {
            return Err(FileError::Encrypted);
        }
        let (packed, size) = (entry.compressed_size().max(1), entry.size());
        total = total.saturating_add(size);
        if size > (1 << 20) && size / packed > MAX_RATIO {
            return Err(FileError::ZipBomb);
        }
        if entry.name().is_ok_and(|n| n == "xl/sharedStrings.xml") && size > MAX_SHARED_STRINGS_BYTES {
            return Err(too_much_text());
        }
    }
    // Declared sizes of parts never read (pictures, other sheets) are not held against the file.
    if total > 4 * MAX_INFLATED_BYTES {
        return Err(FileError::ZipBomb);
    }
    Ok(())
}

/// What a string of `len` bytes costs in the table: its text behind an `Arc`'s two counters,
/// rounded to the allocator's 16-byte chunks with their 8-byte header (at least 32). The table's
/// slots (16 bytes each, as allocated) come on top: see [`table_cost`].
pub(crate) fn stored_cost(len: usize) -> u64 {
    let chunk = (len as u64 + 16 + 8).div_ceil(16) * 16;
    chunk.max(32)
}

/// The whole table: its strings (`strings`, summed [`stored_cost`]s) and its allocated slots.
pub(crate) fn table_cost(strings: u64, slots: usize) -> u64 {
    strings + slots as u64 * 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_shared_and_refuses_past_its_end() {
        let b = Budget::new(100);
        let c = b.clone();
        assert!(b.charge(60).is_ok());
        assert!(c.charge(40).is_ok());
        assert_eq!(b.charge(1).unwrap_err().code(), "file_too_much_data");
    }

    #[test]
    fn a_metered_reader_stops_at_the_part_limit_and_says_why() {
        let data = vec![b'x'; 1000];
        let mut r = Metered::new(&data[..], &Budget::new(10_000), 500, too_much_text);
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(read_error(e).code(), "file_too_much_text");
        let mut r = Metered::new(&data[..], &Budget::new(700), 5_000, too_much_text);
        let e = r.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(read_error(e).code(), "file_too_much_data");
    }

    #[test]
    fn stored_cost_counts_headers_and_slots() {
        assert_eq!(stored_cost(0), 32);
        assert_eq!(stored_cost(9), 48);
        assert!(stored_cost(1000) >= 1000 + 24);
        assert_eq!(table_cost(480, 20), 800);
    }
}
