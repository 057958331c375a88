//! 审计日志 (audit log): append-only, each record sealed onto the previous one with a keyed hash, so
//! that changing, inserting or deleting a record is detected by `verify`; the head is sealed too (see
//! `seal`), so that cutting records off the end is detected as well.

use serde::Serialize;

use crate::seal::{seal_problem, BROKEN_ACTION, SEALED_META};
use crate::{on_db, Result, Store, StoreError};

/// The fields a record's hash covers, in a fixed order.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fields<'a>(
    seq: &'a str,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
) -> [&'a str; 8] {
    [seq, at, actor, action, entity, entity_id, before.unwrap_or("\u{0}"), after.unwrap_or("\u{0}")]
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

type AuditRow = (i64, String, String, String, String, String, Option<String>, Option<String>);

fn record(r: AuditRow) -> AuditRecord {
    AuditRecord {
        seq: r.0,
        at: r.1,
        actor: r.2,
        action: r.3,
        entity: r.4,
        entity_id: r.5,
        before_json: r.6,
        after_json: r.7,
    }
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verification {
    pub records: i64,
    /// The first record that does not fit the chain, and why.
    pub first_bad: Option<i64>,
    pub problem: Option<String>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

impl Store {
    /// Walks the whole chain in order: sequence without gaps, each record linked to the one before and
    /// sealed with the audit key, the head pointing at the last record with a valid seal, no writer
    /// having found the seal broken, and the chain reaching the data folder's anchor.
    pub async fn verify_audit(&self) -> Result<Verification> {
        let head: Option<(i64, String, Option<String>)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT seq, hash, seal FROM audit_head WHERE id = 1").fetch_optional(p).await?);
        let rows: Vec<(i64, String, String, String, String, String, Option<String>, Option<String>, String, String)> = on_db!(&self.db, p => sqlx::query_as(
                "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash
                 FROM audit_log ORDER BY seq",
            )
            .fetch_all(p)
            .await?);
        let rows: Vec<(AuditRecord, String, String)> = rows
            .into_iter()
            .map(|(seq, at, actor, action, entity, entity_id, before, after, prev, hash)| {
                (record((seq, at, actor, action, entity, entity_id, before, after)), prev, hash)
            })
            .collect();
        let Some((head_seq, head_hash, head_seal)) = head else {
            return Ok(Verification {
                records: rows.len() as i64,
                first_bad: Some(rows.len() as i64),
                problem: Some("审计链末端记录（audit_head）被删除".into()),
            });
        };
        let mut prev = String::from("genesis");
        let mut expected_seq = 1i64;
        let bad = |seq: i64, why: String| Verification {
            records: rows.len() as i64,
            first_bad: Some(seq),
            problem: Some(why),
        };
        // Records that established the head's seal, and those where a writer found it broken.
        let mut sealings = Vec::new();
        let mut broken = None;
        for (rec, prev_hash, hash) in &rows {
            if rec.seq != expected_seq {
                return Ok(bad(
                    expected_seq,
                    format!("审计记录 #{expected_seq} 缺失（下一条是 #{}）：记录被删除", rec.seq),
                ));
            }
            if *prev_hash != prev {
                return Ok(bad(rec.seq, format!("审计记录 #{} 与前一条记录链接不上：前一条记录被改动或删除", rec.seq)));
            }
            let seq_text = rec.seq.to_string();
            let computed = self.keys.audit_hash(
                &prev,
                &fields(
                    &seq_text,
                    &rec.at,
                    &rec.actor,
                    &rec.action,
                    &rec.entity,
                    &rec.entity_id,
                    rec.before_json.as_deref(),
                    rec.after_json.as_deref(),
                ),
            );
            if computed != *hash {
                return Ok(bad(rec.seq, format!("审计记录 #{} 内容被改动（校验值不符）", rec.seq)));
            }
            if rec.action == "meta.set" && rec.entity == "meta" && rec.entity_id == SEALED_META {
                sealings.push(rec.seq);
            }
            if rec.action == BROKEN_ACTION && broken.is_none() {
                broken = Some(rec);
            }
            prev = hash.clone();
            expected_seq += 1;
        }
        let last = expected_seq - 1;
        if head_seq != last || head_hash != prev {
            return Ok(bad(
                last + 1,
                format!("审计链末端不符：应有 {head_seq} 条记录，实有 {last} 条，末尾记录被删除或改动"),
            ));
        }
        match seal_problem(&self.keys, head_seq, &head_hash, head_seal.as_deref()) {
            Some("缺失") => {
                return Ok(bad(
                    last + 1,
                    format!(
                        "审计链末端缺少封印（audit_head.seal 被清除）：记录头被改写，末尾 #{last} 之后的记录可能被删除"
                    ),
                ))
            }
            Some(_) => {
                return Ok(bad(
                    last + 1,
                    format!("审计日志末尾的记录被删除（截断）或记录头被改写：末端封印不符（现末端为 #{last}）"),
                ))
            }
            None => {}
        }
        if let Some(rec) = broken {
            let what = rec.after_json.as_deref().and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok());
            let what = what.as_ref().and_then(|v| v["seal"].as_str().map(str::to_string)).unwrap_or_default();
            return Ok(bad(
                rec.seq,
                format!(
                    "审计日志末尾的记录被删除（截断）或记录头被改写：写入审计记录 #{} 时发现末端封印{what}（当时末端为 #{}）",
                    rec.seq,
                    rec.seq - 1
                ),
            ));
        }
        if let Some(problem) = self.anchor_problem(&rows, last) {
            return Ok(bad(last + 1, problem));
        }
        match sealings.as_slice() {
            [] => return Ok(bad(last + 1, "审计日志中找不到建立末端封印的记录：记录被删除".into())),
            [_] => {}
            [_, again, ..] => {
                return Ok(bad(
                    *again,
                    format!("审计记录 #{again} 重新建立了末端封印：封印曾被清除，其前末尾的记录可能被删除（截断）"),
                ))
            }
        }
        if self.meta(SEALED_META).await?.is_none() {
            return Ok(bad(last + 1, format!("审计封印标记（meta.{SEALED_META}）被删除")));
        }
        Ok(Verification { records: rows.len() as i64, first_bad: None, problem: None })
    }

    /// Compares the chain with the data folder's anchor: it must reach the anchored record and hold
    /// the same hash there. An anchor of another database (another first record) is not compared.
    fn anchor_problem(&self, rows: &[(AuditRecord, String, String)], last: i64) -> Option<String> {
        let anchor = self.anchor.as_ref()?;
        let a = anchor.read()?;
        if a.seq < 1 || rows.first().map(|r| r.2.as_str()) != Some(a.first.as_str()) {
            return None;
        }
        let file = anchor.path().display();
        if a.seq > last {
            return Some(format!(
                "审计日志比锚点文件 {file} 记录的短：已提交到 #{}，现只到 #{last}：末尾的记录被删除（截断），或数据库被还原为旧备份（若确为有意还原，核实后删除该文件）",
                a.seq
            ));
        }
        let kept = &rows[(a.seq - 1) as usize];
        if kept.2 != a.hash {
            return Some(format!(
                "审计记录 #{} 与锚点文件 {file} 不符：审计日志被改写，或数据库被还原为另一份备份（若确为有意还原，核实后删除该文件）",
                a.seq
            ));
        }
        None
    }

    /// The most recent audit records (newest first), optionally for one entity.
    pub async fn audit_records(&self, entity: Option<(&str, &str)>, limit: i64) -> Result<Vec<AuditRecord>> {
        // Two statements rather than one with an "OR no filter" condition: the entity one must use
        // the (entity, entity_id, seq) index, not scan the whole log.
        let rows: Vec<AuditRow> = match entity {
            Some((e, id)) => on_db!(&self.db, p => sqlx::query_as(
                "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json FROM audit_log
                 WHERE entity = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT $3")
                .bind(e).bind(id).bind(limit).fetch_all(p).await?),
            None => on_db!(&self.db, p => sqlx::query_as(
                "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json FROM audit_log
                 ORDER BY seq DESC LIMIT $1")
                .bind(limit).fetch_all(p).await?),
        };
        Ok(rows.into_iter().map(record).collect())
    }
}

/// Filters of the audit log page (all optional); pages go backwards by sequence number.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// An action or the start of one ("auth." for every sign-in event).
    pub action: Option<String>,
    /// Records on or after this day (YYYY-MM-DD, a day in Beijing time).
    pub from: Option<String>,
    /// Records on or before this day (YYYY-MM-DD, a day in Beijing time).
    pub to: Option<String>,
    /// Records older than this sequence number.
    pub before: Option<i64>,
    pub limit: i64,
}

/// The filter as SQL conditions (" AND …", numbered parameters from $1) and their values.
fn conditions(f: &AuditFilter) -> Result<(String, Vec<String>)> {
    let mut sql = String::new();
    let mut args: Vec<String> = Vec::new();
    let mut add = |sql: &mut String, clause: &str, v: String| {
        args.push(v);
        sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
    };
    if let Some(a) = f.actor.as_ref().filter(|s| !s.is_empty()) {
        add(&mut sql, " AND actor = $?", a.clone());
    }
    if let Some(a) = f.action.as_ref().filter(|s| !s.is_empty()) {
        add(&mut sql, " AND action >= $?", a.clone());
        add(&mut sql, " AND action < $?", format!("{a}\u{10FFFF}"));
    }
    // Days are Beijing days; the log keeps UTC.
    let day = |d: &str| {
        yikou_domain::parse_date(d.trim())
            .ok_or_else(|| StoreError::Invalid(format!("日期“{d}”格式不对：请写成 2026-12-02 这样的年-月-日")))
    };
    if let Some(d) = f.from.as_ref().filter(|s| !s.is_empty()) {
        add(&mut sql, " AND at >= $?", yikou_domain::clock::start_of(day(d)?));
    }
    if let Some(d) = f.to.as_ref().filter(|s| !s.is_empty()) {
        let next = day(d)?.next_day().unwrap_or(time::Date::MAX);
        add(&mut sql, " AND at < $?", yikou_domain::clock::start_of(next));
    }
    Ok((sql, args))
}

impl Store {
    /// How many records the filter holds (its `before` and `limit` aside).
    pub async fn count_audit(&self, f: &AuditFilter) -> Result<i64> {
        let (cond, args) = conditions(f)?;
        let sql = format!("SELECT COUNT(*) FROM audit_log WHERE 1 = 1{cond}");
        Ok(on_db!(&self.db, p => {
            let mut q = sqlx::query_scalar(&sql);
            for a in &args {
                q = q.bind(a.clone());
            }
            q.fetch_one(p).await?
        }))
    }

    /// A page of the audit log, newest first, and the key of the next (older) page.
    pub async fn audit_page(&self, f: &AuditFilter) -> Result<(Vec<AuditRecord>, Option<i64>)> {
        let (cond, args) = conditions(f)?;
        let mut sql = format!(
            "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json FROM audit_log WHERE 1 = 1{cond}"
        );
        let before = f.before.unwrap_or(i64::MAX);
        let limit = f.limit.clamp(1, 500);
        sql.push_str(&format!(" AND seq < {before} ORDER BY seq DESC LIMIT {}", limit + 1));
        let mut rows: Vec<AuditRow> = on_db!(&self.db, p => {
            let mut q = sqlx::query_as(&sql);
            for a in &args {
                q = q.bind(a.clone());
            }
            q.fetch_all(p).await?
        });
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let records: Vec<AuditRecord> = rows.into_iter().map(record).collect();
        let next = if more { records.last().map(|r| r.seq) } else { None };
        Ok((records, next))
    }
}
