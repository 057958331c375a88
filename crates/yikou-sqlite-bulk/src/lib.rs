//! One prepared SQLite statement, bound and stepped row by row on a connection that sqlx holds.
//!
//! Why it exists: a bulk write through sqlx goes as multi-row `INSERT … VALUES (…), (…)` statements
//! (every value copied into the driver, then into SQLite), and inside a transaction SQLite keeps a
//! statement journal for each multi-row statement, copying every page it touches that existed before
//! the statement began. Measured on 1,000,000 people into yikou's schema (docs/BENCHMARKS.md, "Point
//! 1"), the same rows written by one prepared single-row statement, its values bound in place, take
//! 12.6 s against 15.7 s for 100-row statements and ≈ 19 s through the driver.
//!
//! This is the workspace's only unsafe code (the workspace forbids it elsewhere). The safe interface
//! keeps SQLite's rules:
//! - a [`Statement`] borrows the locked connection (`LockedSqliteHandle`) mutably for its whole life,
//!   so the connection stays open, stays locked to this thread, and nothing else runs on it meanwhile;
//! - values are bound without copying (`SQLITE_STATIC`) only for the duration of one
//!   [`Statement::insert`] call: the statement is reset and its bindings cleared before the call
//!   returns, so SQLite never holds a pointer into memory the caller may free;
//! - the statement is finalized when dropped.

use std::ffi::{c_char, c_int, CStr};
use std::marker::PhantomData;
use std::ptr::NonNull;

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

/// A value for one parameter of the statement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> Value<'a> {
    /// Text, or NULL.
    pub fn text(v: Option<&'a str>) -> Self {
        v.map_or(Value::Null, Value::Text)
    }
    /// Bytes, or NULL.
    pub fn blob(v: Option<&'a [u8]>) -> Self {
        v.map_or(Value::Null, Value::Blob)
    }
    /// An integer, or NULL.
    pub fn int(v: Option<i64>) -> Self {
        v.map_or(Value::Null, Value::Int)
    }
}

/// SQLite's refusal: its extended result code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: i32,
    pub message: String,
}

impl Error {
    /// A UNIQUE or PRIMARY KEY constraint refused the row.
    pub fn is_unique_violation(&self) -> bool {
        self.code == ffi::SQLITE_CONSTRAINT_UNIQUE || self.code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    }
    /// A FOREIGN KEY constraint refused the row.
    pub fn is_foreign_key_violation(&self) -> bool {
        self.code == ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    }
    fn misuse(message: impl Into<String>) -> Self {
        Error { code: ffi::SQLITE_MISUSE, message: message.into() }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (SQLite {})", self.message, self.code)
    }
}

impl std::error::Error for Error {}

/// A prepared statement on a locked connection, run once per [`insert`](Statement::insert) or
/// [`execute`](Statement::execute).
pub struct Statement<'h> {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
    params: usize,
    /// The locked connection stays mutably borrowed while the statement lives.
    _handle: PhantomData<&'h mut ()>,
}

impl<'h> Statement<'h> {
    /// Prepares `sql` (one statement that returns no rows) on the locked connection.
    pub fn prepare(handle: &'h mut LockedSqliteHandle<'_>, sql: &str) -> Result<Self, Error> {
        let db = handle.as_raw_handle();
        let len = c_int::try_from(sql.len()).map_err(|_| Error::misuse("statement too long"))?;
        let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        let mut tail: *const c_char = std::ptr::null();
        // SAFETY: `db` is the open connection the borrowed handle guards (valid and used by no
        // other thread while the borrow lasts); `sql` is valid for `len` bytes (no NUL needed when a
        // length is given); `stmt` and `tail` are valid out-pointers.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                db.as_ptr(),
                sql.as_ptr().cast(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                &mut tail,
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(last_error(db, rc));
        }
        let Some(stmt) = NonNull::new(stmt) else {
            return Err(Error::misuse("empty statement"));
        };
        let mut statement = Statement { db, stmt, params: 0, _handle: PhantomData };
        // SAFETY: `tail` points into `sql` (at most one past its end), as SQLite documents.
        let rest = unsafe { tail.offset_from(sql.as_ptr().cast()) } as usize;
        if !sql[rest.min(sql.len())..].trim().is_empty() {
            return Err(Error::misuse("more than one statement"));
        }
        // SAFETY: `stmt` is the valid statement just prepared.
        statement.params = unsafe { ffi::sqlite3_bind_parameter_count(statement.stmt.as_ptr()) } as usize;
        // SAFETY: as above.
        if unsafe { ffi::sqlite3_column_count(statement.stmt.as_ptr()) } != 0 {
            return Err(Error::misuse("statement returns rows"));
        }
        Ok(statement)
    }

    /// Binds `values` to the parameters in order, runs the statement once and returns the rowid of
    /// the last row inserted on the connection.
    pub fn insert(&mut self, values: &[Value<'_>]) -> Result<i64, Error> {
        self.run(values)?;
        Ok(self.last_insert_rowid())
    }

    /// The rowid of the last row inserted on the connection (by any statement).
    pub fn last_insert_rowid(&self) -> i64 {
        // SAFETY: `db` is valid.
        unsafe { ffi::sqlite3_last_insert_rowid(self.db.as_ptr()) }
    }

    /// Binds `values`, runs the statement once and returns how many rows it changed.
    pub fn execute(&mut self, values: &[Value<'_>]) -> Result<u64, Error> {
        self.run(values)?;
        // SAFETY: `db` is valid.
        Ok(unsafe { ffi::sqlite3_changes64(self.db.as_ptr()) } as u64)
    }

    fn run(&mut self, values: &[Value<'_>]) -> Result<(), Error> {
        if values.len() != self.params {
            return Err(Error::misuse(format!("{} values for {} parameters", values.len(), self.params)));
        }
        let stmt = self.stmt.as_ptr();
        let mut result = Ok(());
        for (i, v) in values.iter().enumerate() {
            let at = (i + 1) as c_int;
            // SAFETY: `stmt` is valid; each pointer is valid for its length during this call, and
            // the bindings are cleared before it returns (SQLITE_STATIC: not copied, not freed).
            let rc = unsafe {
                match *v {
                    Value::Null => ffi::sqlite3_bind_null(stmt, at),
                    Value::Int(n) => ffi::sqlite3_bind_int64(stmt, at, n),
                    Value::Text(s) => match c_int::try_from(s.len()) {
                        Ok(n) => ffi::sqlite3_bind_text(stmt, at, s.as_ptr().cast(), n, ffi::SQLITE_STATIC()),
                        Err(_) => ffi::SQLITE_TOOBIG,
                    },
                    Value::Blob(b) => match c_int::try_from(b.len()) {
                        Ok(n) => ffi::sqlite3_bind_blob(stmt, at, b.as_ptr().cast(), n, ffi::SQLITE_STATIC()),
                        Err(_) => ffi::SQLITE_TOOBIG,
                    },
                }
            };
            if rc != ffi::SQLITE_OK {
                result = Err(last_error(self.db, rc));
                break;
            }
        }
        if result.is_ok() {
            // SAFETY: `stmt` is valid and fully bound.
            let rc = unsafe { ffi::sqlite3_step(stmt) };
            if rc != ffi::SQLITE_DONE {
                result = Err(last_error(self.db, rc));
            }
        }
        // SAFETY: `stmt` is valid. Reset (its return repeats the step's error, already taken) and
        // clear every binding, so no pointer into `values` outlives this call.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        result
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` is valid and finalized only here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The connection's last error, with `rc` as the code when SQLite reports none more precise.
fn last_error(db: NonNull<ffi::sqlite3>, rc: c_int) -> Error {
    // SAFETY: `db` is a valid connection; the message is a NUL-terminated string SQLite owns, copied
    // out at once.
    unsafe {
        let code = ffi::sqlite3_extended_errcode(db.as_ptr());
        let message = CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())).to_string_lossy().into_owned();
        Error { code: if code & 0xff == rc & 0xff { code } else { rc }, message }
    }
}
