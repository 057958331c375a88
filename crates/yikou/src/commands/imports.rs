//! `yikou import`, `yikou template`, `yikou batch`: lists in, templates out.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::{Actor, Scope};
use yikou_ingest::output::{write_template, TemplateLists};
use yikou_ingest::process::{Outcome, ProcessError};
use yikou_ingest::validate::RowIssue;
use yikou_service::imports::{self, check_file, write_errors, Against, Checked, Reading};
use yikou_service::{campaign, ServiceError};
use yikou_store::campaign::StoredProject;
use yikou_store::{Store, StoreConfig, StoreError};

use crate::commands::campaign::campaign_error;
use crate::{emit, say};

#[derive(Subcommand)]
pub enum BatchCommand {
    /// 列出导入批次 (list)
    List {
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 撤销一个批次（其记录均未下达时）(undo a batch)
    Undo {
        /// 批次号，如 B2026-000001
        batch: String,
    },
}

pub struct ImportArgs {
    pub file: PathBuf,
    pub project: Option<String>,
    pub campaign: Option<i32>,
    pub dry_run: bool,
    pub accept_valid: bool,
    pub json: bool,
    pub sheet: Option<String>,
    pub errors_out: Option<PathBuf>,
}

/// Exit statuses of `yikou import`: 0 clean, 1 rows rejected, 2 the file cannot be read.
const EXIT_REJECTED: u8 = 1;
const EXIT_UNREADABLE: u8 = 2;

/// The project `code` of the campaign of `year` (the latest without one), in the command line's words
/// when the campaign or the project is missing.
async fn find_project(store: &Store, code: &str, year: Option<i32>) -> anyhow::Result<StoredProject> {
    let c = campaign::of_year(store, year).await.map_err(|e| campaign_error(e, year))?;
    store
        .project_by_code(&Scope::All, c.id, code)
        .await?
        .with_context(|| format!("{}年的活动中没有编号为“{code}”的项目", c.campaign.year))
}

pub async fn import(cfg: &StoreConfig, a: ImportArgs) -> anyhow::Result<ExitCode> {
    let store = match Store::open(cfg).await {
        Ok(s) => Some(s),
        // A dry run can check a file against the shipped reference data before anything is set up.
        Err(StoreError::KeyMissing(_) | StoreError::NotInitialised | StoreError::DatabaseMissing(_)) if a.dry_run => {
            None
        }
        Err(e) => return Err(e.into()),
    };
    let against = match (&store, &a.project) {
        (Some(s), project) => {
            // The project's campaign and code first, so that a missing one is said in so many words.
            if let Some(code) = project {
                find_project(s, code, a.campaign).await?;
            }
            Against::reading(s, &Scope::All, project.as_deref(), a.campaign).await?
        }
        (None, Some(_)) => anyhow::bail!("数据目录尚未初始化，无法按项目核对：请先运行 yikou init"),
        (None, None) => Against::shipped(),
    };
    // The error workbook's drop-downs: the whole district's lists (the command line acts for it).
    let lists = district_lists(store.as_ref(), None).await?;
    let show_progress = std::io::stderr().is_terminal() && !a.json;
    // The register is read on the runtime while the file is opened: this thread blocks meanwhile.
    let checked = tokio::task::block_in_place(|| {
        check_file(
            &a.file,
            against,
            &Scope::All,
            Reading {
                sheet: a.sheet.as_deref(),
                keep_rows: !a.dry_run,
                progress: &mut |n| {
                    if show_progress {
                        eprint!("\r已读取 {} 行…", group_thousands(n));
                    }
                },
            },
        )
    });
    if show_progress {
        eprint!("\r\x1b[K");
    }
    let checked = match checked {
        Ok(c) => c,
        Err(e) => return Ok(unreadable(&a, &e)),
    };
    let outcome = &checked.outcome;
    let errors = checked.errors().into_iter().cloned().collect::<Vec<_>>();
    let warnings = checked.warnings().into_iter().cloned().collect::<Vec<_>>();
    let invalid = checked.invalid();
    let base = json!({
        "file": a.file.display().to_string(),
        "format": outcome.source.format.label(),
        "encoding": outcome.source.encoding,
        "sheet": outcome.source.sheet,
        "header_row": outcome.header.row,
        "unknown_columns": outcome.header.unknown.iter().map(|(_, h)| h).collect::<Vec<_>>(),
        "rows": outcome.rows,
        "valid": outcome.valid,
        "invalid": invalid,
    });

    let error_book = |checked: &Checked| -> anyhow::Result<Option<PathBuf>> {
        if checked.invalid() == 0 {
            return Ok(None);
        }
        let path = a.errors_out.clone().unwrap_or_else(|| {
            let stem = a.file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "名单".into());
            a.file.with_file_name(format!("{stem}-错误行.xlsx"))
        });
        write_errors(&path, checked, &lists)?;
        Ok(Some(path))
    };

    if a.dry_run || (invalid > 0 && !a.accept_valid) {
        let book = if a.errors_out.is_some() { error_book(&checked)? } else { None };
        if a.json {
            let mut v = base;
            v["errors"] = json!(errors);
            v["warnings"] = json!(warnings);
            v["errors_truncated"] = json!(outcome.issues_truncated);
            v["dry_run"] = json!(a.dry_run);
            if let Some(b) = &book {
                v["error_workbook"] = json!(b.display().to_string());
            }
            say!("{}", serde_json::to_string_pretty(&v)?);
        } else {
            print_check(&a, outcome, invalid, &errors, &warnings);
            if !a.dry_run {
                say!("未导入任何数据：请修改以上问题后重新导入，或加 --accept-valid 只导入正确的行并导出错误行。");
            }
            if let Some(b) = &book {
                say!("错误行已导出到 {}", b.display());
            }
        }
        return Ok(if invalid > 0 { ExitCode::from(EXIT_REJECTED) } else { ExitCode::SUCCESS });
    }

    let store = store.expect("committing requires an opened store");
    let file_name = a.file.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let book = error_book(&checked)?;
    let result =
        imports::commit_checked(&store, &Actor::system("import"), &file_name, &a.file, checked, a.accept_valid).await?;
    if a.json {
        let mut v = serde_json::to_value(&result)?;
        for k in ["file", "format", "encoding", "sheet", "valid", "invalid"] {
            v[k] = base[k].clone();
        }
        v["errors"] = json!(errors);
        v["warnings"] = json!(warnings);
        if let Some(b) = &book {
            v["error_workbook"] = json!(b.display().to_string());
        }
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else if result.already_imported {
        say!("该文件此前已导入（批次 {}），本次未重复导入任何数据。", result.batch);
    } else {
        say!(
            "已导入批次 {}：共 {} 行，新增 {} 行，更新 {} 行，无变化 {} 行，未导入（有错误） {} 行。",
            result.batch,
            group_thousands(result.rows),
            group_thousands(result.created),
            group_thousands(result.updated),
            group_thousands(result.unchanged),
            group_thousands(result.rejected)
        );
        say!(
            "其中新登记帮困对象 {} 人，更新 {} 人，新增帮扶记录 {} 条。",
            group_thousands(result.people_created),
            group_thousands(result.people_updated),
            group_thousands(result.entitlements_created)
        );
        if let Some(b) = &book {
            say!("错误行已导出到 {}：修改后可再次导入（已导入的行不会重复）。", b.display());
        }
    }
    store.close().await;
    Ok(if invalid > 0 { ExitCode::from(EXIT_REJECTED) } else { ExitCode::SUCCESS })
}

fn unreadable(a: &ImportArgs, e: &ProcessError) -> ExitCode {
    if a.json {
        let v =
            json!({ "file": a.file.display().to_string(), "error": { "code": e.code(), "message": e.to_string() } });
        say!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        eprintln!("无法导入 {}：{e}", a.file.display());
    }
    ExitCode::from(EXIT_UNREADABLE)
}

fn print_check(a: &ImportArgs, o: &Outcome, invalid: u64, errors: &[RowIssue], warnings: &[RowIssue]) {
    let enc = o.source.encoding.map(|e| format!("，编码 {e}")).unwrap_or_default();
    let sheet = o.source.sheet.as_ref().map(|s| format!("，工作表“{s}”")).unwrap_or_default();
    say!(
        "{}：{}{}{}，表头在第{}行；数据 {} 行，正确 {} 行，有问题 {} 行。",
        a.file.display(),
        o.source.format.label(),
        enc,
        sheet,
        o.header.row,
        group_thousands(o.rows),
        group_thousands(o.valid),
        group_thousands(invalid)
    );
    if o.source.sheets.len() > 1 {
        say!(
            "工作簿有 {} 个工作表（{}），已读取第一个有表头的“{}”；如需其他工作表请加 --sheet 名称。",
            o.source.sheets.len(),
            o.source.sheets.join("、"),
            o.source.sheet.as_deref().unwrap_or("")
        );
    }
    if !o.header.unknown.is_empty() {
        let names: Vec<&str> = o.header.unknown.iter().map(|(_, h)| h.as_str()).collect();
        say!("未识别的列（不导入）：{}", names.join("、"));
    }
    const SHOWN: usize = 50;
    if !errors.is_empty() {
        say!("\n有{}处需要修改：", group_thousands(errors.len() as u64));
        for i in errors.iter().take(SHOWN) {
            say!("  第{}行 [{}] {}", i.row, i.column, i.message);
        }
        if errors.len() > SHOWN {
            say!(
                "  ……另有 {} 处，完整清单请用 --json 或 -o 错误工作簿.xlsx 导出",
                group_thousands((errors.len() - SHOWN) as u64)
            );
        }
    }
    if !warnings.is_empty() {
        say!("\n请确认（不影响导入）：");
        for i in warnings.iter().take(SHOWN) {
            say!("  第{}行 [{}] {}", i.row, i.column, i.message);
        }
    }
}

/// The drop-down lists for the command line, which acts for the whole district: every street and
/// committee from the store, or the shipped streets and categories before `yikou init`.
async fn district_lists(store: Option<&Store>, project: Option<&StoredProject>) -> anyhow::Result<TemplateLists> {
    Ok(match store {
        Some(s) => imports::template_lists(s, &Scope::All, project).await?,
        None => TemplateLists {
            streets: yikou_domain::reference::streets().map(|u| u.name.to_string()).collect(),
            categories: yikou_domain::reference::CATEGORIES.iter().map(|c| c.name.to_string()).collect(),
            ..TemplateLists::default()
        },
    })
}

pub async fn template(
    cfg: &StoreConfig,
    project: Option<String>,
    campaign: Option<i32>,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await.ok();
    let project = match (&store, &project) {
        (Some(s), Some(code)) => Some(find_project(s, code, campaign).await?),
        (None, Some(_)) => anyhow::bail!("数据目录尚未初始化，无法生成项目模板：请先运行 yikou init"),
        _ => None,
    };
    let lists = district_lists(store.as_ref(), project.as_ref()).await?;
    write_template(out, &lists).with_context(|| format!("无法写出模板 {}", out.display()))?;
    say!("已生成导入模板 {}", out.display());
    if let Some(s) = store {
        s.close().await;
    }
    Ok(ExitCode::SUCCESS)
}

async fn batch_list(cfg: &StoreConfig, json: bool) -> anyhow::Result<()> {
    let store = Store::open(cfg).await?;
    let batches = imports::visible_batches(&store, &Actor::system("batch"), 200).await?;
    if json {
        say!("{}", serde_json::to_string_pretty(&batches)?);
    } else if batches.is_empty() {
        say!("尚未导入名单。下载模板：yikou template -o 模板.xlsx；导入：yikou import 文件.xlsx");
    } else {
        let rows: Vec<Vec<String>> = batches
            .iter()
            .map(|b| {
                vec![
                    b.batch.clone(),
                    yikou_domain::clock::beijing(&b.created_at),
                    b.file_name.clone(),
                    group_thousands(b.rows as u64),
                    group_thousands(b.created as u64),
                    group_thousands(b.updated as u64),
                    group_thousands(b.rejected as u64),
                    b.status.label().into(),
                ]
            })
            .collect();
        emit(&crate::text::table(&["批次", "时间(北京时间)", "文件", "行数", "新增", "更新", "错误", "状态"], &rows));
    }
    store.close().await;
    Ok(())
}

async fn batch_undo(cfg: &StoreConfig, batch: &str) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let done = imports::undo(&store, &Actor::system("batch-undo"), batch).await;
    store.close().await;
    match done {
        Ok(b) => {
            say!("已撤销批次 {}（{}，{} 行）。", b.batch, b.file_name, group_thousands(b.rows as u64));
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::NotFound) => {
            say!("没有批次号为“{batch}”的导入批次：请用 yikou batch list 查看批次号");
            Ok(ExitCode::from(1))
        }
        Err(ServiceError::Rejected(m) | ServiceError::Conflict(m)) => {
            say!("无法撤销：{m}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

/// `yikou batch list|undo`.
pub async fn batch(cfg: &StoreConfig, cmd: BatchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BatchCommand::List { json } => batch_list(cfg, json).await?,
        BatchCommand::Undo { batch } => return batch_undo(cfg, &batch).await,
    }
    Ok(ExitCode::SUCCESS)
}
