//! A full disk or a read-only database, told apart from other database errors so that the message
//! says what to do (SQLite's codes, PostgreSQL's SQLSTATEs and the system's error numbers each read
//! by their own rules).

use crate::StoreError;

/// What keeps the database from writing at all, named so that an operator can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    DiskFull,
    ReadOnly,
}

/// Where an error code comes from: SQLite's numbers and PostgreSQL's SQLSTATEs overlap (21000 & 0xff
/// is SQLite's 8), so each is read by its own rules.
#[derive(Clone, Copy)]
enum Code<'a> {
    Sqlite(i32),
    Sqlstate(&'a str),
    None,
}

impl StorageFault {
    /// From the engine's error code, the operating system's error number, or the message.
    fn of(code: Code<'_>, os: Option<i32>, text: &str) -> Option<StorageFault> {
        let text = text.to_ascii_lowercase();
        let full = match code {
            Code::Sqlite(c) => c & 0xff == 13,
            Code::Sqlstate(s) => s == "53100",
            Code::None => false,
        };
        let read_only = match code {
            Code::Sqlite(c) => c & 0xff == 8,
            Code::Sqlstate(s) => s == "25006",
            Code::None => false,
        };
        if full || os == Some(28) || text.contains("no space left on device") {
            Some(StorageFault::DiskFull)
        } else if read_only || os == Some(30) || text.contains("read-only file system") {
            Some(StorageFault::ReadOnly)
        } else {
            None
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            StorageFault::DiskFull => "磁盘已满，数据库无法写入：本次操作已整体撤回，没有写入任何数据。请清理或扩充数据所在的磁盘后重做",
            StorageFault::ReadOnly => "数据库是只读的，无法写入：本次操作没有写入任何数据。请检查数据目录和数据库文件的写权限、磁盘是否以只读方式挂载，或所连的是否为只读备库，然后重做",
        }
    }
}

impl StoreError {
    /// A full disk or a read-only database behind this error, if that is what it is.
    pub fn storage_fault(&self) -> Option<StorageFault> {
        match self {
            StoreError::Sql(e) => sql_fault(e),
            StoreError::Io(e) => StorageFault::of(Code::None, e.raw_os_error(), &e.to_string()),
            StoreError::Bulk(e) => bulk_fault(e),
            StoreError::Storage(f) => Some(*f),
            _ => None,
        }
    }
}

fn sql_fault(e: &sqlx::Error) -> Option<StorageFault> {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = match (d.try_downcast_ref::<sqlx::sqlite::SqliteError>(), code.as_deref()) {
                (Some(_), Some(c)) => c.parse().map_or(Code::None, Code::Sqlite),
                (None, Some(c)) => Code::Sqlstate(c),
                (_, None) => Code::None,
            };
            StorageFault::of(code, None, d.message())
        }
        sqlx::Error::Io(io) => StorageFault::of(Code::None, io.raw_os_error(), &io.to_string()),
        _ => None,
    }
}

fn bulk_fault(e: &yikou_sqlite_bulk::Error) -> Option<StorageFault> {
    StorageFault::of(Code::Sqlite(e.code), None, &e.message)
}

pub(crate) fn sql_message(e: &sqlx::Error) -> String {
    sql_fault(e).map_or_else(|| format!("数据库错误：{e}"), |f| f.message().to_string())
}

pub(crate) fn bulk_message(e: &yikou_sqlite_bulk::Error) -> String {
    bulk_fault(e).map_or_else(|| format!("数据库错误：{e}"), |f| f.message().to_string())
}

#[cfg(test)]
mod storage_fault_tests {
    use super::{Code, StorageFault};

    #[test]
    fn each_engine_code_is_read_by_its_own_rules() {
        let of = |c, os, t| StorageFault::of(c, os, t);
        assert_eq!(of(Code::Sqlite(13), None, ""), Some(StorageFault::DiskFull));
        // SQLITE_READONLY_DBMOVED and the like carry the primary code in their low byte.
        assert_eq!(of(Code::Sqlite(8 | (4 << 8)), None, ""), Some(StorageFault::ReadOnly));
        assert_eq!(of(Code::Sqlstate("53100"), None, ""), Some(StorageFault::DiskFull));
        assert_eq!(of(Code::Sqlstate("25006"), None, ""), Some(StorageFault::ReadOnly));
        // PostgreSQL's cardinality violation is 21000, whose low byte is SQLite's 8: not read-only.
        assert_eq!(of(Code::Sqlstate("21000"), None, ""), None);
        assert_eq!(of(Code::Sqlstate("53000"), None, ""), None);
        assert_eq!(of(Code::None, Some(28), ""), Some(StorageFault::DiskFull));
        assert_eq!(of(Code::None, None, "Read-only file system (os error 30)"), Some(StorageFault::ReadOnly));
        assert_eq!(of(Code::Sqlite(19), None, "UNIQUE constraint failed"), None);
    }
}
