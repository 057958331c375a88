//! yikou storage: one `Store` over SQLite (default) or PostgreSQL. Every write goes through a
//! [`WriteTx`], which takes the acting user and leaves an audit record in the same transaction;
//! every read takes a [`Scope`](yikou_domain::Scope) and filters by it in SQL.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod campaign;
pub mod check;
pub mod contacts;
pub mod crypto;
pub mod db;
mod dialect;
pub mod distribution;
pub mod donation;
pub mod exchange;
mod fault;
pub mod followup;
pub mod health;
pub mod hotline;
pub mod imports;
pub mod paging;
pub mod pay;
pub mod reference;
pub mod register;
pub mod report;
pub mod rosters;
mod scope;
mod seal;
pub mod service;
pub mod uploads;
pub mod visit;
pub mod voucher;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use yikou_domain::Actor;

pub use crypto::Keys;
pub use db::{Db, PoolSettings, Tx};
pub use fault::StorageFault;
use fault::{bulk_message, sql_message};

/// 存储错误. Messages are Chinese and never contain an ID number, name or phone.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", sql_message(.0))]
    Sql(#[from] sqlx::Error),
    #[error("无法连接数据库：{0}")]
    Unreachable(String),
    #[error("{0}")]
    BadUrl(String),
    #[error("未找到密钥：{0} 不存在，也未设置 YIKOU_KEY。请先运行 yikou init 初始化数据目录；若已初始化，请找回原密钥文件（丢失密钥将无法读取身份证号）")]
    KeyMissing(PathBuf),
    #[error("密钥文件格式不正确：应为64位十六进制字符")]
    BadKeyFile,
    #[error("密钥与数据库不匹配：该数据库是用另一把密钥初始化的，拒绝打开。请使用初始化时生成的密钥文件")]
    WrongKey,
    #[error("数据目录 {0} 已初始化，拒绝重复初始化（不会覆盖现有密钥和数据）")]
    AlreadyInitialised(PathBuf),
    #[error("数据库尚未初始化：请先运行 yikou init")]
    NotInitialised,
    #[error("数据目录中有密钥，但找不到数据库文件 {0}：如数据库已移到别处，请用 --database 指定；如要重新开始，请先移走整个旧数据目录（连同密钥）")]
    DatabaseMissing(PathBuf),
    #[error("无法解密身份证号：密钥不符或数据损坏")]
    Decrypt,
    #[error("未找到{0}")]
    NotFound(String),
    /// Refused, with a Chinese message. Kept for the callers that match it; new code says which of
    /// `Rejected`, `Conflict` or `Forbidden` it means.
    #[error("{0}")]
    Invalid(String),
    /// The actor's role or area may not do this.
    #[error("无权进行此操作")]
    Forbidden,
    /// The actor may not do this to this record (e.g. review a roster they prepared): the Chinese
    /// message says why.
    #[error("{0}")]
    Refused(String),
    /// Refused for a reason the user can correct: `code` names the reason for programs, `message`
    /// says in Chinese what to change.
    #[error("{message}")]
    Rejected { code: &'static str, message: String },
    /// The state changed meanwhile or already holds: a record with that key exists, a batch is
    /// already undone, someone else finished first (Chinese message).
    #[error("{0}")]
    Conflict(String),
    /// Rows of a list name people registered outside the importer's area (row numbers).
    #[error("{}", outside_message(.0))]
    OutsideArea(Vec<u32>),
    #[error("文件操作失败：{0}")]
    Io(#[from] std::io::Error),
    /// SQLite refused a bulk write made outside the driver (`yikou_sqlite_bulk`).
    #[error("{}", bulk_message(.0))]
    Bulk(#[from] yikou_sqlite_bulk::Error),
    /// The database cannot be written at all (found before any statement ran).
    #[error("{}", .0.message())]
    Storage(StorageFault),
}

/// The refusal of rows that name people registered outside the importer's area. It says no more
/// than that: not who, not where (an import must not be a way to look people up).
pub fn outside_message(rows: &[u32]) -> String {
    let shown: Vec<String> = rows.iter().take(20).map(|r| r.to_string()).collect();
    let more = if rows.len() > 20 { format!("等{}行", rows.len()) } else { "行".to_string() };
    format!(
        "第{}{}的身份证号已由其他街镇（居村委）登记，不在您的工作范围内，不能由您导入或修改。\
         如该对象已迁入您的辖区，请联系区民政局办理迁移；请删除这些行后重新上传，或选择只导入正确的行。",
        shown.join("、"),
        more
    )
}

impl StoreError {
    pub fn rejected(code: &'static str, message: impl Into<String>) -> StoreError {
        StoreError::Rejected { code, message: message.into() }
    }

    /// The Chinese message to show the user for a refusal they can act on (`Invalid`, `Rejected`,
    /// `Conflict`, `Forbidden`); None for a failure of the system.
    pub fn user_message(&self) -> Option<String> {
        match self {
            StoreError::Invalid(m) | StoreError::Conflict(m) | StoreError::Rejected { message: m, .. } => {
                Some(m.clone())
            }
            StoreError::Forbidden => Some(self.to_string()),
            _ => None,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Where the data lives.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// 数据目录: holds the key file and, by default, the SQLite database.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; default `sqlite://DATA/yikou.db`.
    pub database_url: Option<String>,
    /// Master key as hex (env `YIKOU_KEY`); default the key file in the data folder.
    pub key_hex: Option<String>,
    /// Connection-pool size and statement timeout.
    pub pool: db::PoolSettings,
}

impl StoreConfig {
    pub fn key_path(&self) -> PathBuf {
        self.data_dir.join("yikou.key")
    }
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("yikou.db")
    }
    /// The furthest point of the audit chain this data folder has seen committed.
    pub fn anchor_path(&self) -> PathBuf {
        self.data_dir.join("audit.anchor")
    }
    pub fn url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.sqlite_path().display()))
    }
    fn uses_default_sqlite(&self) -> bool {
        self.database_url.is_none()
    }
}

/// What `init` made: the store and the administrator's one-time password.
pub struct Initialised {
    pub store: Store,
    pub admin_login: String,
    pub admin_password: String,
}

#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    pub(crate) keys: Keys,
    /// The data folder's audit anchor (none for a store attached to a bare database).
    pub(crate) anchor: Option<Arc<seal::Anchor>>,
    /// Held while this process runs the cross-check to keep it (see `check::stored`).
    pub(crate) check_refresh: Arc<tokio::sync::Mutex<()>>,
}

/// Current time, UTC, RFC 3339 with milliseconds.
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    t.format(&time::format_description::well_known::Rfc3339).expect("formattable")
}

impl Store {
    /// Opens an initialised store; refuses a database that was initialised with another key.
    pub async fn open(cfg: &StoreConfig) -> Result<Store> {
        let master = match &cfg.key_hex {
            Some(h) => Keys::parse_master(h)?,
            None => {
                let path = cfg.key_path();
                let text = std::fs::read_to_string(&path).map_err(|_| StoreError::KeyMissing(path))?;
                Keys::parse_master(&text)?
            }
        };
        if cfg.uses_default_sqlite() && !cfg.sqlite_path().exists() {
            return Err(if cfg.key_hex.is_none() {
                StoreError::DatabaseMissing(cfg.sqlite_path())
            } else {
                StoreError::NotInitialised
            });
        }
        let db = Db::connect_with(&cfg.url(), cfg.pool).await?;
        let anchor = Arc::new(seal::Anchor::new(cfg.anchor_path()));
        Self::attach_with(db, Keys::from_master(&master), Some(anchor)).await
    }

    /// Uses an open database with the given keys: migrates, then checks the key.
    pub async fn attach(db: Db, keys: Keys) -> Result<Store> {
        Self::attach_with(db, keys, None).await
    }

    async fn attach_with(db: Db, keys: Keys, anchor: Option<Arc<seal::Anchor>>) -> Result<Store> {
        db.migrate().await?;
        let store = Store { db, keys, anchor, check_refresh: Default::default() };
        match store.meta("key_check").await? {
            None => Err(StoreError::NotInitialised),
            Some(v) if v == store.keys.check_value() => {
                store.seal_unsealed_head().await?;
                contacts::seal_plaintext_contacts(&store).await?;
                Ok(store)
            }
            Some(_) => Err(StoreError::WrongKey),
        }
    }

    /// A database made before heads were sealed: seal its head once (a migration has no key). The
    /// `meta` flag and its audit record make this happen only once: a seal cleared later is reported
    /// by `verify_audit` and by the next writer, not silently made again.
    async fn seal_unsealed_head(&self) -> Result<()> {
        if self.meta(seal::SEALED_META).await?.is_some() {
            return Ok(());
        }
        let mut tx = self.begin_write(&Actor::system("seal"), false).await?;
        // Again under the head's lock: another process may have sealed it meanwhile.
        let flag: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(seal::SEALED_META)
            .fetch_optional(c)
            .await?);
        let recorded: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'meta' AND entity_id = $1")
            .bind(seal::SEALED_META)
            .fetch_one(c)
            .await?);
        if flag.is_none() && recorded == 0 {
            tx.set_meta(seal::SEALED_META, &now()).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// 初始化: creates the data folder, the key file (never overwritten), the schema, the reference
    /// data and an administrator with a one-time password.
    pub async fn init(cfg: &StoreConfig) -> Result<Initialised> {
        let key_path = cfg.key_path();
        if key_path.exists() || (cfg.uses_default_sqlite() && cfg.sqlite_path().exists()) {
            return Err(StoreError::AlreadyInitialised(cfg.data_dir.clone()));
        }
        create_private_dir(&cfg.data_dir)?;
        let master = match &cfg.key_hex {
            Some(h) => Keys::parse_master(h)?,
            None => Keys::generate_master(),
        };
        let wrote_key = cfg.key_hex.is_none();
        if wrote_key {
            write_key_file(&key_path, &master)?;
        }
        let result = Self::init_database(cfg, Keys::from_master(&master)).await;
        if result.is_err() {
            // Leave nothing half-made: a key without its database (or the reverse) is a trap.
            if wrote_key {
                let _ = std::fs::remove_file(&key_path);
            }
            if cfg.uses_default_sqlite() {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{}", cfg.sqlite_path().display(), suffix));
                }
            }
        }
        result
    }

    async fn init_database(cfg: &StoreConfig, keys: Keys) -> Result<Initialised> {
        let db = Db::connect_with(&cfg.url(), cfg.pool).await?;
        db.migrate().await?;
        let store = Store {
            db,
            keys,
            anchor: Some(Arc::new(seal::Anchor::new(cfg.anchor_path()))),
            check_refresh: Default::default(),
        };
        if store.meta("key_check").await?.is_some() {
            return Err(StoreError::AlreadyInitialised(cfg.data_dir.clone()));
        }
        let actor = Actor::system("init");
        // The fresh head has no seal yet: this first commit writes it.
        let mut tx = store.begin_write(&actor, false).await?;
        tx.set_meta("key_check", &store.keys.check_value()).await?;
        tx.set_meta("initialised_at", &now()).await?;
        reference::seed(&mut tx).await?;
        let admin_password = accounts::users::generate_password();
        accounts::users::create_user(
            &mut tx,
            &accounts::users::NewUser {
                login: "admin".into(),
                display_name: "系统管理员".into(),
                unit_code: yikou_domain::reference::BUREAU_CODE.into(),
                role: yikou_domain::Role::SystemAdmin,
                password: admin_password.clone(),
                must_change_password: true,
            },
        )
        .await?;
        tx.set_meta(seal::SEALED_META, &now()).await?;
        tx.commit().await?;
        Ok(Initialised { store, admin_login: "admin".into(), admin_password })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn backend(&self) -> &'static str {
        self.db.backend()
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(on_db!(&self.db, p => sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(p)
            .await?))
    }

    /// Begins a write transaction for `actor`. Its first statement takes the audit head's row, which
    /// serialises writers (so the audit chain never forks) and, on SQLite, takes the write lock up
    /// front instead of failing on a later upgrade. A head whose seal is missing or wrong is recorded
    /// in the chain before anything else (see `seal`).
    pub async fn write(&self, actor: &Actor) -> Result<WriteTx<'_>> {
        self.begin_write(actor, true).await
    }

    async fn begin_write(&self, actor: &Actor, check_seal: bool) -> Result<WriteTx<'_>> {
        let mut tx = self.db.begin().await?;
        let head = seal::lock_head(&mut tx).await?;
        let mut w = WriteTx {
            tx,
            keys: &self.keys,
            anchor: self.anchor.as_deref(),
            seq: head.seq,
            head: head.hash.clone(),
            actor: actor.clone(),
            dirty: false,
            data_changed: false,
            findings_changed: false,
            check_seal,
            depth: 0,
            batch: None,
        };
        if check_seal {
            w.note_broken_seal(&head).await?;
        }
        Ok(w)
    }

    pub async fn close(&self) {
        self.db.close().await
    }
}

/// The data folder holds the key and the database: only its owner may enter it.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    let existed = dir.exists();
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    if !existed {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let _ = existed;
    Ok(())
}

pub(crate) fn write_key_file(path: &Path, master: &[u8; 32]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            StoreError::AlreadyInitialised(path.parent().unwrap_or(path).to_path_buf())
        } else {
            StoreError::Io(e)
        }
    })?;
    writeln!(f, "{}", hex::encode(master))?;
    f.sync_all()?;
    Ok(())
}

/// A write transaction with its audit trail. Dropping it without `commit` rolls everything back,
/// audit records included.
pub struct WriteTx<'s> {
    pub(crate) tx: Tx,
    keys: &'s Keys,
    anchor: Option<&'s seal::Anchor>,
    seq: i64,
    head: String,
    actor: Actor,
    dirty: bool,
    /// An action that changes what the reports count was audited (see
    /// `yikou_domain::audit::changes_data`): the commit moves the data version.
    data_changed: bool,
    /// An action that changes what the cross-check reads was audited (see
    /// `yikou_domain::audit::changes_findings`): the commit makes the stored findings out of date.
    findings_changed: bool,
    /// Whether the head's seal is checked when the head is (re)taken.
    check_seal: bool,
    /// How many `atomic!` operations are running (nested ones need no savepoint of their own).
    depth: u32,
    /// The import batch that rows written now belong to (set by the import itself).
    pub(crate) batch: Option<i64>,
}

impl<'s> WriteTx<'s> {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn keys(&self) -> &Keys {
        self.keys
    }

    /// The keys, borrowed for as long as the transaction's store (not only this borrow of it), so
    /// rows can be encrypted while the transaction writes.
    pub(crate) fn keys_for_batch(&self) -> &'s Keys {
        self.keys
    }
}

impl WriteTx<'_> {
    /// Appends one audit record: what the actor did to which entity, before and after (no plaintext
    /// ID numbers or phones: callers pass masked forms).
    pub async fn audit(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: &str,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<()> {
        let seq = self.seq + 1;
        let at = now();
        // Whatever a caller passes (a search typed by a user, a file's cell), no full ID number,
        // phone or bank account reaches the log.
        let before = before.map(|v| redact_json(v).to_string());
        let after = after.map(|v| redact_json(v).to_string());
        let entity_id = &*yikou_domain::privacy::redact_identifiers(entity_id);
        let seq_text = seq.to_string();
        let hash = self.keys.audit_hash(
            &self.head,
            &audit::fields(
                &seq_text,
                &at,
                &self.actor.login,
                action,
                entity,
                entity_id,
                before.as_deref(),
                after.as_deref(),
            ),
        );
        on_tx!(&mut self.tx, c => sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(&at)
        .bind(&self.actor.login)
        .bind(action)
        .bind(entity)
        .bind(entity_id)
        .bind(&before)
        .bind(&after)
        .bind(&self.head)
        .bind(&hash)
        .execute(c)
        .await?
        .rows_affected());
        self.seq = seq;
        self.head = hash;
        self.dirty = true;
        self.data_changed |= yikou_domain::audit::changes_data(action);
        self.findings_changed |= yikou_domain::audit::changes_findings(action);
        Ok(())
    }

    pub async fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        on_tx!(&mut self.tx, c => sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(c)
        .await?
        .rows_affected());
        let after = serde_json::json!({ "key": key });
        self.audit("meta.set", "meta", key, None, Some(&after)).await
    }

    /// Marks a point to return to if the operation that follows fails, so that each store function
    /// is all-or-nothing even inside a larger transaction (and PostgreSQL's transaction stays usable).
    /// A savepoint makes SQLite journal every page it changes, which doubles the cost of bulk work:
    /// so an operation nested in another needs none (the outer one covers it), and the first
    /// operation of a transaction needs none either (on failure the transaction is started afresh).
    pub(crate) async fn savepoint(&mut self) -> Result<Savepoint> {
        let kind = if self.depth > 0 {
            SavepointKind::Nested
        } else if !self.dirty {
            SavepointKind::Restart
        } else {
            on_tx!(&mut self.tx, c => sqlx::query("SAVEPOINT yikou_op").execute(c).await?.rows_affected());
            SavepointKind::Sql
        };
        self.depth += 1;
        Ok(Savepoint {
            kind,
            seq: self.seq,
            head: self.head.clone(),
            dirty: self.dirty,
            data_changed: self.data_changed,
            findings_changed: self.findings_changed,
        })
    }

    /// Keeps the operation's writes on success; undoes them (audit records included) on failure.
    pub(crate) async fn finish<T>(&mut self, sp: Savepoint, r: Result<T>) -> Result<T> {
        self.depth -= 1;
        match (r, sp.kind) {
            (Ok(v), SavepointKind::Sql) => {
                on_tx!(&mut self.tx, c => sqlx::query("RELEASE SAVEPOINT yikou_op").execute(c).await?.rows_affected());
                Ok(v)
            }
            (Ok(v), _) => Ok(v),
            (Err(e), SavepointKind::Nested) => Err(e),
            (Err(e), SavepointKind::Sql) => {
                on_tx!(&mut self.tx, c => sqlx::query("ROLLBACK TO SAVEPOINT yikou_op").execute(c).await?.rows_affected());
                on_tx!(&mut self.tx, c => sqlx::query("RELEASE SAVEPOINT yikou_op").execute(c).await?.rows_affected());
                self.seq = sp.seq;
                self.head = sp.head;
                self.dirty = sp.dirty;
                self.data_changed = sp.data_changed;
                self.findings_changed = sp.findings_changed;
                Err(e)
            }
            (Err(e), SavepointKind::Restart) => {
                // Nothing was written before this operation: undo the whole transaction and begin again
                // on the same connection (which keeps sqlx's own view of the transaction intact).
                // The head is taken afresh (the lock was let go): its seal is checked again.
                // `Executor::execute` rather than `RawSql::execute`: the latter is an `async fn` whose future
                // the compiler cannot prove `Send` once nested in a caller's future (rust-lang/rust#110338),
                // which made every write path that can fail un-`Send`.
                on_tx!(&mut self.tx, c => sqlx::Executor::execute(c, sqlx::raw_sql("ROLLBACK; BEGIN")).await?.rows_affected());
                let head = seal::lock_head(&mut self.tx).await?;
                self.seq = head.seq;
                self.head = head.hash.clone();
                self.dirty = false;
                self.data_changed = false;
                self.findings_changed = false;
                if self.check_seal {
                    self.note_broken_seal(&head).await?;
                }
                Err(e)
            }
        }
    }

    /// Commits; if records were appended, the head moves to the last one and is sealed, and after the
    /// commit the data folder's anchor follows.
    pub async fn commit(mut self) -> Result<()> {
        if !self.dirty {
            return self.tx.commit().await;
        }
        let seal = self.keys.audit_seal(self.seq, &self.head);
        on_tx!(&mut self.tx, c => sqlx::query("UPDATE audit_head SET seq = $1, hash = $2, seal = $3 WHERE id = 1")
            .bind(self.seq)
            .bind(&self.head)
            .bind(&seal)
            .execute(c)
            .await?
            .rows_affected());
        if self.data_changed {
            on_tx!(&mut self.tx, c => sqlx::query("UPDATE audit_head SET data_seq = $1 WHERE id = 1")
                .bind(self.seq)
                .execute(c)
                .await?
                .rows_affected());
        }
        if self.findings_changed {
            on_tx!(&mut self.tx, c => sqlx::query("UPDATE audit_head SET check_seq = $1 WHERE id = 1")
                .bind(self.seq)
                .execute(c)
                .await?
                .rows_affected());
        }
        let first = match self.anchor {
            Some(a) => Some(a.first_hash(&mut self.tx).await?),
            None => None,
        };
        self.tx.commit().await?;
        if let (Some(a), Some(first)) = (self.anchor, first) {
            a.advance(&first, self.seq, &self.head);
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
pub(crate) enum SavepointKind {
    Nested,
    Restart,
    Sql,
}

pub(crate) struct Savepoint {
    kind: SavepointKind,
    seq: i64,
    head: String,
    dirty: bool,
    data_changed: bool,
    findings_changed: bool,
}

/// Runs the body as one all-or-nothing operation inside the write transaction `$tx`.
macro_rules! atomic {
    ($tx:ident, $body:block) => {{
        let sp = $tx.savepoint().await?;
        let r: $crate::Result<_> = async { $body }.await;
        $tx.finish(sp, r).await
    }};
}
pub(crate) use atomic;

/// Masks ID numbers, phones and bank accounts in every string of a JSON value (keys stay).
pub fn redact_json(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(yikou_domain::privacy::redact_identifiers(s).into_owned()),
        Value::Array(a) => Value::Array(a.iter().map(redact_json).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), redact_json(v))).collect()),
        other => other.clone(),
    }
}
