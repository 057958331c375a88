//! The audit head's seal and anchor. The chain alone cannot show that records were cut off its end
//! (the last record kept still links), so the head carries a keyed MAC over its sequence number and
//! hash, written by every commit that appends records, and checked by every writer and by
//! `verify_audit`. A seal copied from an older backup is still a valid seal: against that, the data
//! folder keeps `audit.anchor`, the furthest point of the chain this folder has seen committed.

use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::json;

use crate::db::Tx;
use crate::{on_tx, Result, WriteTx};

/// `meta` key set (in the chain, through `set_meta`) when the head was first sealed: at init, or
/// once when a database made before seals is opened. Without it a cleared seal would be resealed.
pub(crate) const SEALED_META: &str = "audit_sealed";
/// The record a writer leaves when it finds the head's seal missing or wrong before appending.
pub(crate) const BROKEN_ACTION: &str = "audit.seal_broken";

/// The head as a writer locked it.
pub(crate) struct Head {
    pub(crate) seq: i64,
    pub(crate) hash: String,
    pub(crate) seal: Option<String>,
}

/// Takes the head's row (serialising writers) and reads it.
pub(crate) async fn lock_head(tx: &mut Tx) -> Result<Head> {
    on_tx!(tx, c => sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(c).await?.rows_affected());
    let (seq, hash, seal): (i64, String, Option<String>) = on_tx!(tx, c => sqlx::query_as(
        "SELECT seq, hash, seal FROM audit_head WHERE id = 1")
        .fetch_one(c)
        .await?);
    Ok(Head { seq, hash, seal })
}

/// What is wrong with a head's seal, in words for the audit record and the report.
pub(crate) fn seal_problem(keys: &crate::Keys, seq: i64, hash: &str, seal: Option<&str>) -> Option<&'static str> {
    match seal {
        None => Some("缺失"),
        Some(s) if s != keys.audit_seal(seq, hash) => Some("不符"),
        Some(_) => None,
    }
}

impl WriteTx<'_> {
    /// Before appending onto a head whose seal is missing or wrong (records were cut off the end, or
    /// the head rewritten), records that finding first: the next commit seals the head again, and
    /// without this record the cut would no longer show.
    pub(crate) async fn note_broken_seal(&mut self, head: &Head) -> Result<()> {
        if let Some(what) = seal_problem(self.keys, head.seq, &head.hash, head.seal.as_deref()) {
            let after = json!({ "head_seq": head.seq, "seal": what });
            self.audit(BROKEN_ACTION, "audit_head", "1", None, Some(&after)).await?;
        }
        Ok(())
    }
}

/// `DATA/audit.anchor`: one line, `FIRST SEQ HASH` — the hash of the chain's first record (which
/// names the database: the same folder may serve another database) and the last committed record
/// this folder has seen. It only moves forward; a write that fails leaves the older anchor, which
/// still holds. Losing the file loses only this second check.
#[derive(Debug)]
pub(crate) struct Anchor {
    path: PathBuf,
    first: std::sync::OnceLock<String>,
    lock: Mutex<()>,
}

/// A parsed anchor.
pub(crate) struct AnchorPoint {
    pub(crate) first: String,
    pub(crate) seq: i64,
    pub(crate) hash: String,
}

impl Anchor {
    pub(crate) fn new(path: PathBuf) -> Anchor {
        Anchor { path, first: Default::default(), lock: Mutex::new(()) }
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The first record's hash, read once (inside the committing transaction, so it exists).
    pub(crate) async fn first_hash(&self, tx: &mut Tx) -> Result<String> {
        if let Some(f) = self.first.get() {
            return Ok(f.clone());
        }
        let first: Option<String> = on_tx!(tx, c => sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = 1")
            .fetch_optional(c)
            .await?);
        let first = first.unwrap_or_default();
        if !first.is_empty() {
            let _ = self.first.set(first.clone());
        }
        Ok(first)
    }

    pub(crate) fn read(&self) -> Option<AnchorPoint> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let mut parts = text.split_whitespace();
        let first = parts.next()?.to_string();
        let seq = parts.next()?.parse().ok()?;
        let hash = parts.next()?.to_string();
        Some(AnchorPoint { first, seq, hash })
    }

    /// Moves the anchor to (seq, hash) if that is further along the same database's chain. Errors
    /// are ignored: the transaction is committed already, and the anchor is a second line of defence.
    pub(crate) fn advance(&self, first: &str, seq: i64, hash: &str) {
        if first.is_empty() || !self.path.parent().is_some_and(|d| d.is_dir()) {
            return;
        }
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = self.read() {
            if a.first == first && a.seq >= seq {
                return;
            }
        }
        let tmp = self.path.with_extension(format!("anchor.{}", std::process::id()));
        if std::fs::write(&tmp, format!("{first} {seq} {hash}\n")).is_ok() && std::fs::rename(&tmp, &self.path).is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}
