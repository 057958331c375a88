//! Where things live in the store's source: backend differences only in the dialect module (dialect/) (and
//! db.rs, which defines the backends); an actor's area becomes SQL only in the scope module.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The store's source files other than `allowed` (paths relative to src/) that contain any of `needles`.
fn offenders(allowed: &[&str], needles: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 10, "the store's sources were not found under {}", src.display());
    let mut bad = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
        if allowed.contains(&rel.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read source");
        for n in needles {
            if text.contains(n) {
                bad.push(format!("{rel}: {n}"));
            }
        }
    }
    bad
}

#[test]
fn only_the_dialect_module_names_a_backend() {
    let bad = offenders(
        &["db.rs", "dialect/mod.rs", "dialect/copy.rs", "dialect/catalog.rs"],
        &["Db::Sqlite", "Db::Postgres", "Tx::Sqlite", "Tx::Postgres"],
    );
    assert!(bad.is_empty(), "backend-specific code belongs in store/src/dialect/: {bad:?}");
}

/// Outside scope.rs no code takes an area apart (`Scope::Street(code)` …), so no other module can
/// build an area's SQL condition. The exceptions work on rows already read, in memory, and say so.
#[test]
fn only_the_scope_module_turns_an_area_into_sql() {
    let in_memory = [
        // Which listed people an import may touch (Reach), from rows already read (a department's
        // own rosters are looked up by its unit code).
        "imports/area.rs",
        // Whether a finding concerns the reviewer's street (`Finding::within`).
        "check/mod.rs",
    ];
    let mut allowed = vec!["scope.rs"];
    allowed.extend(in_memory);
    let bad = offenders(&allowed, &["Scope::Street(", "Scope::Committee(", "Scope::Unit("]);
    assert!(bad.is_empty(), "an area becomes SQL only in store/src/scope.rs: {bad:?}");
}

/// Every action the store and the use cases write to the audit log has a Chinese name for the
/// pages (`yikou_domain::audit::ACTIONS`): a new action without one would show as a code.
#[test]
fn every_audited_action_has_a_chinese_name() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    sources(&root.join("../yikou-service/src"), &mut files);
    let known: Vec<&str> = yikou_domain::audit::ACTIONS.iter().map(|(c, _)| *c).collect();
    let mut seen = 0;
    let mut missing = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read source");
        // The action is the first string literal after `audit(` (also `audit_plain(` and the like).
        for (at, _) in text.match_indices("audit") {
            let rest = &text[at..];
            let Some(open) = rest.find('(') else { continue };
            if !rest[..open].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let after = rest[open + 1..].trim_start();
            let Some(lit) = after.strip_prefix('"') else { continue };
            let Some(end) = lit.find('"') else { continue };
            let action = &lit[..end];
            if action.contains('.') && action.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_') {
                seen += 1;
                if !known.contains(&action) {
                    missing.push(format!("{}: {action}", f.display()));
                }
            }
        }
    }
    assert!(seen > 30, "the audited actions were not found ({seen})");
    assert!(missing.is_empty(), "actions without a Chinese name: {missing:?}");
}

/// No list skips rows it has read (OFFSET): every page continues from a key (`paging`), so a
/// page deep in a city's register costs what the first one does (issue 18).
#[test]
fn no_statement_pages_by_offset() {
    let bad = offenders(&[], &["OFFSET ", "OFFSET{", "OFFSET $", "offset "]);
    assert!(bad.is_empty(), "page with store/src/paging.rs (keyset), not OFFSET: {bad:?}");
}
