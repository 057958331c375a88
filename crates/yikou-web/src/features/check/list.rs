//! The list on the 比对核查 page: which findings it shows (one type, 待处理 or 已处理, one page of
//! fifty), the tabs with their counts, and each row as the page renders it — people and projects as
//! links, streets by name, decisions with who and when in Beijing time.

use std::collections::HashMap;

use yikou_domain::{EntitlementState, Fen, FindingKind, FindingStatus, Scope};
use yikou_store::campaign::EntitlementBrief;
use yikou_store::check::{Finding, KindCount};

use crate::frame::{encode, time_text, Names};

/// Rows per page.
pub const PER_PAGE: usize = 50;

/// 待处理 (open, or reopened because the facts changed) or 已处理 (confirmed or dismissed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Open,
    Done,
}

impl Shown {
    pub fn from_code(code: Option<&str>) -> Shown {
        if code == Some("done") {
            Shown::Done
        } else {
            Shown::Open
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Shown::Open => "open",
            Shown::Done => "done",
        }
    }

    pub fn holds(self, status: FindingStatus) -> bool {
        status.is_decided() == (self == Shown::Done)
    }

    /// Does this filter list the decided findings?
    pub fn decided(self) -> bool {
        self == Shown::Done
    }

    /// The filter a finding of this status is listed under.
    pub fn of(status: FindingStatus) -> Shown {
        if status.is_decided() {
            Shown::Done
        } else {
            Shown::Open
        }
    }
}

/// Which list: a type, a filter and a page (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Which {
    pub kind: FindingKind,
    pub shown: Shown,
    pub page: usize,
}

impl Which {
    /// The list the query asks for; without a type, the first type with open findings (else the first
    /// with any). A page that is not a number is the first.
    pub fn asked(kinds: &[KindCount], kind: Option<&str>, status: Option<&str>, page: Option<&str>) -> Which {
        let kind = kind.and_then(FindingKind::from_code).unwrap_or_else(|| {
            let first = |open: bool| kinds.iter().find(|k| if open { k.open > 0 } else { k.total > 0 }).map(|k| k.kind);
            first(true).or_else(|| first(false)).unwrap_or(FindingKind::DupInProject)
        });
        let page = page.and_then(|p| p.trim().parse::<usize>().ok()).filter(|p| *p >= 1).unwrap_or(1);
        Which { kind, shown: Shown::from_code(status), page }
    }

    pub fn url(self) -> String {
        format!("/check?type={}&status={}&page={}", self.kind.code(), self.shown.code(), self.page)
    }
}

/// A type's tab: code, title, open and all findings, and whether it is the one shown.
pub struct Tab {
    pub code: &'static str,
    pub title: &'static str,
    pub open: usize,
    pub total: usize,
    pub current: bool,
}

/// The tabs of the types with findings, and the titles of those without (listed apart, muted).
pub fn tabs(kinds: &[KindCount], current: FindingKind) -> (Vec<Tab>, Vec<&'static str>) {
    let (mut tabs, mut empty) = (Vec::new(), Vec::new());
    for k in FindingKind::ALL.iter().copied() {
        let (open, total) = kinds.iter().find(|c| c.kind == k).map_or((0, 0), |c| (c.open as usize, c.total as usize));
        if total == 0 && k != current {
            empty.push(k.title());
        } else {
            tabs.push(Tab { code: k.code(), title: k.title(), open, total, current: k == current });
        }
    }
    (tabs, empty)
}

/// A person or project named in a row: the page to open (when the user may see it) and the text.
pub struct Named {
    pub href: Option<String>,
    pub text: String,
}

/// A decision refused, shown beside its row with what was typed.
pub struct Refused {
    pub key: String,
    pub message: String,
    pub reason: String,
}

pub struct Row {
    pub index: usize,
    pub key: String,
    /// Who the finding is about, for the buttons' accessible names.
    pub who: String,
    pub street: String,
    pub people: Vec<Named>,
    pub projects: Vec<Named>,
    pub explanation: String,
    pub status: &'static str,
    pub decided: bool,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: String,
    /// The refusal of a decision on this row, and the reason as typed.
    pub error: Option<String>,
    pub typed: String,
    /// The entitlements the user may withdraw (撤销) from this row (draft ones of a kind that suggests it).
    pub withdraw: Vec<Offer>,
}

/// An entitlement a row offers to withdraw: its id and what it is ("项目 200.00元，名单 古美.xlsx").
pub struct Offer {
    pub id: i64,
    pub text: String,
}

/// The offers of a row from the briefs the user may see: draft entitlements of the finding.
pub fn offers(f: &Finding, briefs: &HashMap<i64, EntitlementBrief>) -> Vec<Offer> {
    if !f.kind.suggests_withdrawal() {
        return Vec::new();
    }
    f.entitlements
        .iter()
        .filter_map(|id| briefs.get(id))
        .filter(|b| b.state == EntitlementState::Draft)
        .map(|b| Offer {
            id: b.id,
            text: match &b.file_name {
                Some(file) => format!("{} {}元（名单：{file}）", b.project_name, Fen(b.amount_fen).yuan()),
                None => format!("{} {}元", b.project_name, Fen(b.amount_fen).yuan()),
            },
        })
        .collect()
}

/// Project code → (id the user may open, or none; name).
pub type Projects = HashMap<String, (Option<i64>, String)>;

/// Who a finding is about: its people's names, else its projects' names.
pub fn who(f: &Finding, projects: &Projects) -> String {
    if !f.people.is_empty() {
        return f.people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、");
    }
    f.projects.iter().map(|c| projects.get(c).map_or(c.as_str(), |p| p.1.as_str())).collect::<Vec<_>>().join("、")
}

/// One row of the list.
pub fn row(
    index: usize,
    f: &Finding,
    scope: &Scope,
    names: &Names,
    projects: &Projects,
    refused: Option<&Refused>,
) -> Row {
    // A person of another street named beside one's own is shown, not opened (that page is not theirs).
    let opens = |street: Option<&str>| match scope {
        Scope::All => true,
        Scope::Street(c) => street == Some(c.as_str()),
        _ => false,
    };
    let people = f
        .people
        .iter()
        .map(|p| Named {
            href: opens(p.street_code.as_deref()).then(|| format!("/people/{}", p.id)),
            text: format!("{} {}", p.name, p.id_number_masked),
        })
        .collect();
    let projects_named = f
        .projects
        .iter()
        .map(|c| match projects.get(c) {
            Some((id, name)) => Named { href: id.map(|id| format!("/projects/{id}")), text: name.clone() },
            None => Named { href: None, text: c.clone() },
        })
        .collect();
    let error = refused.filter(|r| r.key == f.key);
    Row {
        index,
        key: f.key.clone(),
        who: who(f, projects),
        street: f.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
        people,
        projects: projects_named,
        explanation: f.explanation.clone(),
        status: f.status.label(),
        decided: f.status.is_decided(),
        reason: f.reason.clone().unwrap_or_default(),
        decided_by: f.decided_by.clone().unwrap_or_default(),
        decided_at: f.decided_at.as_deref().map(time_text).unwrap_or_default(),
        error: error.map(|r| r.message.clone()),
        typed: error.map(|r| r.reason.clone()).unwrap_or_default(),
        withdraw: Vec::new(),
    }
}

/// The page numbers to offer: the first, the last and two either side of the current one; `None`
/// marks a gap.
pub fn pager(page: usize, pages: usize) -> Vec<Option<usize>> {
    let mut out: Vec<Option<usize>> = Vec::new();
    for n in 1..=pages {
        if n == 1 || n == pages || n.abs_diff(page) <= 2 {
            out.push(Some(n));
        } else if out.last().is_some_and(|l| l.is_some()) {
            out.push(None);
        }
    }
    out
}

/// The message after a decision: what was decided on whom.
pub fn done_message(f: &Finding, projects: &Projects) -> Option<String> {
    let who = who(f, projects);
    match f.status {
        FindingStatus::Confirmed => Some(format!("已确认“{who}”的疑点有误，需纠正。")),
        FindingStatus::Dismissed => {
            Some(format!("已排除“{who}”的疑点（理由：{}）。", f.reason.as_deref().unwrap_or_default()))
        }
        _ => None,
    }
}

/// The message after a withdrawal, from its audit record: project, amount and reason.
pub fn withdrawn_message(id: i64, record: &yikou_store::audit::AuditRecord, projects: &Projects) -> Option<String> {
    let before: serde_json::Value = serde_json::from_str(record.before_json.as_deref()?).ok()?;
    let after: serde_json::Value = serde_json::from_str(record.after_json.as_deref()?).ok()?;
    let code = before["project_code"].as_str().unwrap_or_default();
    let project = projects.get(code).map_or(code, |p| p.1.as_str());
    let amount = Fen(before["amount_fen"].as_i64()?).yuan();
    let reason = after["reason"].as_str().unwrap_or_default();
    Some(format!("已撤销第 {id} 号帮扶记录（{project}，{amount}元；理由：{reason}）。疑点已按撤销后的名单重新比对。"))
}

/// `&done=` with the key of the finding just decided.
pub fn done_param(key: &str) -> String {
    format!("&done={}", encode(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pager_keeps_the_ends_and_the_neighbourhood() {
        assert_eq!(pager(1, 1), vec![Some(1)]);
        assert_eq!(pager(1, 3), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(pager(6, 20), vec![Some(1), None, Some(4), Some(5), Some(6), Some(7), Some(8), None, Some(20)]);
    }

    #[test]
    fn open_and_reopened_are_to_do_confirmed_and_dismissed_are_done() {
        assert!(Shown::Open.holds(FindingStatus::Reopened) && Shown::Open.holds(FindingStatus::Open));
        assert!(Shown::Done.holds(FindingStatus::Dismissed) && !Shown::Done.holds(FindingStatus::Open));
        assert_eq!(Shown::from_code(Some("nonsense")), Shown::Open);
    }
}
