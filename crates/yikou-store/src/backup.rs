//! 备份与恢复 (backup and restore).
//!
//! A backup is a folder: the data — SQLite: `yikou.db`, a consistent snapshot taken with `VACUUM
//! INTO` while the server runs (SQLite reads it inside one read transaction: writers go on, the copy
//! sees one commit); PostgreSQL: `yikou.dump`, `pg_dump --format=custom` of a snapshot exported from
//! a repeatable-read transaction — and `manifest.json`, the figures to check a restore against
//! (counts, money, the audit chain's head, read in that same snapshot) and the data file's SHA-256. The key is never in it: a backup without its key file cannot be read,
//! and a key file without a backup holds no data. A restore makes a new data folder from a backup
//! and a key file, opens it (the key must fit), verifies the audit chain and compares every figure
//! with the manifest; anything wrong removes the new folder again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{Db, Tx};
use crate::{on_tx, Result, Store, StoreConfig, StoreError};

pub const MANIFEST: &str = "manifest.json";
pub const DATABASE: &str = "yikou.db";
pub const DUMP: &str = "yikou.dump";

/// What a data folder holds, in figures a restore must reproduce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub people: i64,
    pub households: i64,
    pub entitlements: i64,
    /// Sum of the amounts of all entitlements (fen).
    pub entitlements_fen: i64,
    /// Sum of the approved amounts (fen).
    pub approved_fen: i64,
    pub payment_lines: i64,
    /// Sum of the amounts of the lines paid (fen).
    pub paid_fen: i64,
    pub audit_records: i64,
    pub audit_head_seq: i64,
    pub audit_head_hash: String,
    /// The last migration applied.
    pub schema_version: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The format of this folder.
    pub format: u32,
    /// `sqlite` (the data in [`DATABASE`]) or `postgres` (in [`DUMP`]).
    pub backend: String,
    pub taken_at: String,
    pub sha256: String,
    pub bytes: u64,
    pub figures: Figures,
}

/// Reads the figures of a database.
pub async fn figures(db: &Db) -> Result<Figures> {
    let mut tx = db.begin().await?;
    figures_in(&mut tx).await
}

/// Reads the figures inside an open transaction (PostgreSQL: the snapshot pg_dump copies).
async fn figures_in(tx: &mut Tx) -> Result<Figures> {
    // One statement; sums are BIGINT on both backends (NUMERIC on PostgreSQL otherwise).
    let (people, households, entitlements, entitlements_fen, approved_fen, payment_lines, paid_fen, audit_records): (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = on_tx!(&mut *tx, c => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM people), (SELECT COUNT(*) FROM households), (SELECT COUNT(*) FROM entitlements),
                CAST(COALESCE((SELECT SUM(amount_fen) FROM entitlements), 0) AS BIGINT),
                CAST(COALESCE((SELECT SUM(approved_amount_fen) FROM entitlements), 0) AS BIGINT),
                (SELECT COUNT(*) FROM payment_lines),
                CAST(COALESCE((SELECT SUM(amount_fen) FROM payment_lines WHERE state = 'paid'), 0) AS BIGINT),
                (SELECT COUNT(*) FROM audit_log)").fetch_one(c).await?);
    let head: (i64, String) =
        on_tx!(&mut *tx, c => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await?);
    let schema_version: String = on_tx!(&mut *tx, c => sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), '') FROM schema_migrations").fetch_one(c).await?);
    Ok(Figures {
        people,
        households,
        entitlements,
        entitlements_fen,
        approved_fen,
        payment_lines,
        paid_fen,
        audit_records,
        audit_head_seq: head.0,
        audit_head_hash: head.1,
        schema_version,
    })
}

fn file_sha256(path: &Path) -> Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex::encode(h.finalize()), bytes))
}

/// A folder that does not exist yet or is empty (nothing in it is ever overwritten).
fn fresh_folder(dir: &Path, what: &str) -> Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(StoreError::Refused(format!(
            "{what} {} 已存在且不为空：为免覆盖已有数据，请指定一个新的文件夹",
            dir.display()
        )));
    }
    crate::create_private_dir(dir)
}

impl Store {
    /// 备份: a consistent snapshot of the database into `out` (a new or empty folder), with its
    /// manifest, while others go on writing. `database_url` is the database's address (pg_dump
    /// connects with it; SQLite copies through the store's own connection).
    pub async fn backup(&self, actor: &yikou_domain::Actor, out: &Path, database_url: &str) -> Result<Manifest> {
        fresh_folder(out, "备份文件夹")?;
        let taken = match crate::dialect::export_snapshot(&self.db).await? {
            None => self.backup_sqlite(out).await,
            Some((tx, snapshot)) => backup_postgres(tx, &snapshot, database_url, out).await,
        };
        let m = match taken {
            Ok(m) => m,
            Err(e) => {
                for name in [DATABASE, "yikou.db-wal", "yikou.db-shm", DUMP, MANIFEST] {
                    let _ = std::fs::remove_file(out.join(name));
                }
                return Err(e);
            }
        };
        let text = serde_json::to_string_pretty(&m).expect("serialisable");
        std::fs::write(out.join(MANIFEST), text)?;
        let mut tx = self.write(actor).await?;
        let after = serde_json::json!({ "folder": out.display().to_string(), "sha256": m.sha256,
            "people": m.figures.people, "audit_head_seq": m.figures.audit_head_seq });
        tx.audit("audit.backup", "backup", &m.sha256[..16], None, Some(&after)).await?;
        tx.commit().await?;
        Ok(m)
    }

    async fn backup_sqlite(&self, out: &Path) -> Result<Manifest> {
        let target = out.join(DATABASE);
        crate::dialect::snapshot(&self.db, &target).await?;
        let copy = Db::connect_sqlite(&target).await?;
        let figures = figures(&copy).await;
        copy.close().await;
        let figures = figures?;
        // The copy's own WAL files (opening it made them) are folded back and removed.
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        }
        let (sha256, bytes) = file_sha256(&target)?;
        Ok(Manifest { format: 1, backend: "sqlite".into(), taken_at: crate::now(), sha256, bytes, figures })
    }
}

/// PostgreSQL: the figures are read in the exported snapshot and pg_dump copies that same snapshot
/// while the transaction holding it stays open.
async fn backup_postgres(mut tx: Tx, snapshot: &str, url: &str, out: &Path) -> Result<Manifest> {
    let figures = figures_in(&mut tx).await?;
    let target = out.join(DUMP);
    let args: Vec<String> = vec![
        "--format=custom".into(),
        "--no-owner".into(),
        format!("--snapshot={snapshot}"),
        format!("--file={}", target.display()),
        format!("--dbname={url}"),
    ];
    run_tool("pg_dump", args).await?;
    drop(tx);
    let (sha256, bytes) = file_sha256(&target)?;
    Ok(Manifest { format: 1, backend: "postgres".into(), taken_at: crate::now(), sha256, bytes, figures })
}

/// Runs pg_dump or pg_restore; its own message on failure (it names no data, only objects).
async fn run_tool(tool: &'static str, args: Vec<String>) -> Result<()> {
    let done = tokio::task::spawn_blocking(move || std::process::Command::new(tool).args(&args).output())
        .await
        .map_err(|e| StoreError::Refused(format!("{tool} 未能运行：{e}")))?
        .map_err(|e| StoreError::Refused(format!("找不到或不能运行 {tool}（请安装 PostgreSQL 客户端工具）：{e}")))?;
    if !done.status.success() {
        let said = String::from_utf8_lossy(&done.stderr);
        return Err(StoreError::Refused(format!("{tool} 失败：{}", said.trim())));
    }
    Ok(())
}

fn data_file(m: &Manifest) -> &'static str {
    if m.backend == "postgres" {
        DUMP
    } else {
        DATABASE
    }
}

/// Reads and checks a backup folder: the manifest, and that the copy is the one it describes.
pub fn read_backup(dir: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).map_err(|_| {
        StoreError::Refused(format!("{} 中没有 {MANIFEST}：这不是 yikou backup 生成的备份文件夹", dir.display()))
    })?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| StoreError::Refused(format!("备份说明文件 {MANIFEST} 已损坏：{e}")))?;
    let file = data_file(&manifest);
    let (sha256, bytes) = file_sha256(&dir.join(file))
        .map_err(|_| StoreError::Refused(format!("{} 中没有数据文件 {file}", dir.display())))?;
    if sha256 != manifest.sha256 || bytes != manifest.bytes {
        return Err(StoreError::Refused(
            "备份中的数据库文件与备份时记录的校验值不符（文件已损坏或被改动），不能用它恢复".into(),
        ));
    }
    Ok(manifest)
}

/// What a restore made.
#[derive(Debug)]
pub struct Restored {
    pub data_dir: PathBuf,
    pub manifest: Manifest,
    pub audit_records: i64,
}

/// 恢复: makes the data folder `cfg.data_dir` (new or empty) from the backup in `backup` and the key
/// in `key_file`, then opens it, verifies the audit chain and compares every figure with the
/// manifest. A SQLite backup becomes the folder's own database; a PostgreSQL backup is restored with
/// `pg_restore --single-transaction` into `cfg.database_url`, which must be an empty database. On
/// any failure the new folder is removed again.
pub async fn restore(backup: &Path, cfg: &StoreConfig, key_file: &Path) -> Result<Restored> {
    let manifest = read_backup(backup)?;
    let postgres = manifest.backend == "postgres";
    match (&cfg.database_url, postgres) {
        (Some(_), false) => {
            return Err(StoreError::Refused(
                "这是 SQLite 数据目录的备份：恢复时不要指定 --database，它会成为新数据目录中的 yikou.db".into(),
            ))
        }
        (None, true) => {
            return Err(StoreError::Refused(
                "这是 PostgreSQL 数据库的备份：请用 --database 指定一个新建的空数据库来恢复".into(),
            ))
        }
        _ => {}
    }
    let key_text = std::fs::read_to_string(key_file)
        .map_err(|_| StoreError::Refused(format!("读不到密钥文件 {}", key_file.display())))?;
    let master = crate::crypto::Keys::parse_master(&key_text)?;
    if let Some(url) = cfg.database_url.as_deref().filter(|_| postgres) {
        let db = Db::connect_with(url, cfg.pool).await?;
        let tables = crate::dialect::table_count(&db).await;
        db.close().await;
        if tables? > 0 {
            return Err(StoreError::Refused(
                "目标数据库不是空库：请新建一个空数据库（CREATE DATABASE …）再恢复，以免覆盖已有数据".into(),
            ));
        }
    }
    fresh_folder(&cfg.data_dir, "数据目录")?;
    let made = async {
        crate::write_key_file(&cfg.key_path(), &master)?;
        match cfg.database_url.as_deref() {
            Some(url) => {
                let args: Vec<String> = vec![
                    "--single-transaction".into(),
                    "--no-owner".into(),
                    "--exit-on-error".into(),
                    format!("--dbname={url}"),
                    backup.join(DUMP).display().to_string(),
                ];
                run_tool("pg_restore", args).await?;
            }
            None => {
                std::fs::copy(backup.join(DATABASE), cfg.sqlite_path())?;
            }
        }
        let store = Store::open(&StoreConfig { key_hex: None, ..cfg.clone() }).await?;
        let checked = check_restored(&store, &manifest).await;
        let recorded = match checked {
            Ok(records) => {
                // The restore is on record in the restored chain, after the check.
                let after = serde_json::json!({ "taken_at": manifest.taken_at, "sha256": manifest.sha256,
                    "audit_head_seq": manifest.figures.audit_head_seq });
                let mut tx = store.write(&yikou_domain::Actor::system("restore")).await?;
                tx.audit("audit.restore", "backup", &manifest.sha256[..16], None, Some(&after)).await?;
                tx.commit().await.map(|()| records)
            }
            Err(e) => Err(e),
        };
        store.close().await;
        recorded
    }
    .await;
    match made {
        Ok(audit_records) => Ok(Restored { data_dir: cfg.data_dir.clone(), manifest, audit_records }),
        Err(e) => {
            for name in ["yikou.db", "yikou.db-wal", "yikou.db-shm", "yikou.key", "audit.anchor"] {
                let _ = std::fs::remove_file(cfg.data_dir.join(name));
            }
            let _ = std::fs::remove_dir(&cfg.data_dir);
            Err(e)
        }
    }
}

async fn check_restored(store: &Store, manifest: &Manifest) -> Result<i64> {
    let v = store.verify_audit().await?;
    if let Some(p) = v.problem {
        return Err(StoreError::Refused(format!("恢复后的审计链校验未通过：{p}")));
    }
    let now = figures(&store.db).await?;
    // A backup restored by a later version is migrated on opening; its counts and money must still
    // be the backup's, and its chain must still hold every record the backup had.
    let mut expect = manifest.figures.clone();
    if now.schema_version != expect.schema_version {
        expect.schema_version.clone_from(&now.schema_version);
        if now.audit_records >= expect.audit_records {
            (expect.audit_records, expect.audit_head_seq) = (now.audit_records, now.audit_head_seq);
            expect.audit_head_hash.clone_from(&now.audit_head_hash);
        }
    }
    if now != expect {
        return Err(StoreError::Refused(format!(
            "恢复后的数据与备份记录不符（备份时：{:?}；恢复后：{:?}）",
            manifest.figures, now
        )));
    }
    Ok(v.records)
}
