//! The frame around every page and the small formatting helpers pages share.

use askama::Template;
use yikou_store::accounts::auth::SessionUser;

use crate::{AppError, AppState};
use yikou_domain::reference::{CATEGORIES, UNITS};

/// What the frame around every page shows.
#[derive(Clone)]
pub struct Frame {
    /// The page's path: the menu marks where the user is.
    pub path: String,
    pub user_name: String,
    pub unit_name: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub campaign: Option<String>,
    pub may_review: bool,
    pub business: bool,
    pub audit_admin: bool,
    pub user_admin: bool,
    pub may_import: bool,
    /// May approve or return rosters (the bureau's reviewers).
    pub may_approve: bool,
    /// Sees disbursement progress and batches; pays (the bureau).
    pub sees_payments: bool,
    pub reports: bool,
    pub pays: bool,
    /// Records follow-up calls (callers, the bureau).
    pub calls: bool,
    /// Records visits (走访慰问).
    pub visits: bool,
    /// Takes and handles hotline requests (生活服务热线).
    pub hotline: bool,
    /// Records and allocates donations (社会捐赠).
    pub donations: bool,
    /// Manages service providers (上门服务).
    pub services: bool,
    /// Redeems or reads charity vouchers (慈善超市卡券).
    pub vouchers: bool,
}

pub fn unit_name(code: &str) -> String {
    UNITS.iter().find(|u| u.code == code).map_or_else(|| code.to_string(), |u| u.name.to_string())
}

pub(crate) fn category_name(code: &str) -> String {
    CATEGORIES.iter().find(|c| c.code == code).map_or_else(|| code.to_string(), |c| c.name.to_string())
}

/// Names for the codes the store keeps — units down to the committees, categories — and the funding
/// sources: pages show names, never codes.
#[derive(Default)]
pub struct Names {
    units: std::collections::HashMap<String, String>,
    categories: std::collections::HashMap<String, String>,
}

impl Names {
    /// A unit's name (street, committee, department …); an unknown code stays as it is.
    pub fn unit(&self, code: &str) -> String {
        self.units.get(code).cloned().unwrap_or_else(|| unit_name(code))
    }

    pub fn category(&self, code: &str) -> String {
        self.categories.get(code).cloned().unwrap_or_else(|| category_name(code))
    }

    /// A funding source's name (市级资金, 部门预算 …).
    pub fn source(&self, code: &str) -> String {
        source_name(code)
    }
}

/// An amount typed in 元 on a form ("500", "500.00"; blank: 0), or the reason it is not one, naming
/// the field.
pub(crate) fn yuan_field(field: &str, text: &str) -> Result<yikou_domain::Fen, String> {
    if text.trim().is_empty() {
        return Ok(yikou_domain::Fen(0));
    }
    yikou_domain::Fen::parse(text)
        .map_err(|e| format!("{field}“{}”不正确：{e}（填写元，如 500 或 500.00）", text.trim()))
}

pub(crate) fn source_name(code: &str) -> String {
    yikou_domain::reference::FUNDING_SOURCES
        .iter()
        .find(|s| s.code == code)
        .map_or_else(|| code.to_string(), |s| s.name.to_string())
}

/// The names, re-read from the store at most every half minute (units change rarely).
pub(crate) async fn names(state: &AppState) -> Result<std::sync::Arc<Names>, AppError> {
    if let Some(n) = state.names.fresh(std::time::Duration::from_secs(30)) {
        return Ok(n);
    }
    let units = state.store.units().await?.into_iter().map(|u| (u.code, u.name)).collect();
    let categories = state.store.categories().await?.into_iter().map(|c| (c.code, c.name)).collect();
    let n = std::sync::Arc::new(Names { units, categories });
    state.names.keep(n.clone());
    Ok(n)
}

pub(crate) async fn campaign_line(state: &AppState) -> Result<Option<String>, AppError> {
    if let Some(line) = state.campaign_line.fresh(std::time::Duration::from_secs(5)) {
        return Ok(line);
    }
    let line = match state.store.latest_campaign_year().await? {
        Some(y) => state.store.campaign(y).await?.map(|c| match c.current_phase {
            Some(p) => format!("{}（当前阶段：{}）", c.campaign.name, p.label()),
            None => c.campaign.name,
        }),
        None => None,
    };
    state.campaign_line.keep(line.clone());
    Ok(line)
}

impl Frame {
    /// Is the user on this section of the menu ("/" only on the home page)?
    pub fn at(&self, section: &str) -> bool {
        match section {
            "/" => self.path == "/",
            s => self.path == s || self.path.strip_prefix(s).is_some_and(|rest| rest.starts_with('/')),
        }
    }
}

/// The frame of a signed-in user's page (made once per request: the `Signed` extractor makes it,
/// so that even an error page keeps the menu).
pub(crate) async fn frame(state: &AppState, s: &SessionUser) -> Result<Frame, AppError> {
    if let Some(f) = crate::context::frame().filter(|f| f.csrf == s.csrf) {
        return Ok(f);
    }
    let campaign = campaign_line(state).await?;
    let names = names(state).await?;
    let f = Frame {
        path: crate::context::path(),
        user_name: s.user.display_name.clone(),
        unit_name: names.unit(&s.user.unit_code),
        role_label: s.user.role.label(),
        csrf: s.csrf.clone(),
        campaign,
        may_review: s.user.role.may_review(),
        business: s.user.role.is_business(),
        audit_admin: s.user.role.may_read_audit(),
        may_import: s.user.role.may_import(),
        may_approve: s.user.role.may_approve_rosters(),
        sees_payments: s.user.role.may_see_payments(),
        reports: s.user.role.may_read_reports(),
        pays: s.user.role.may_pay(),
        calls: s.user.role.may_call(),
        visits: s.user.role.may_record_visits(),
        hotline: s.user.role.may_handle_hotline(),
        donations: s.user.role.may_manage_donations(),
        services: s.user.role.may_manage_services(),
        vouchers: s.user.role.may_redeem_vouchers(),
        user_admin: s.user.role.may_see_accounts(),
    };
    crate::context::keep_frame(&f);
    Ok(f)
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    text: &'a str,
}

#[derive(Template)]
#[template(path = "message_in_frame.html")]
struct MessageInFrame<'a> {
    frame: Frame,
    title: &'a str,
    text: &'a str,
}

/// A page that only says something (an error, a refusal): inside the menu for a signed-in user,
/// so that they can go on from where they are; a plain page otherwise.
pub fn message_page(title: &str, text: &str) -> String {
    let page = match crate::context::frame() {
        Some(frame) => MessageInFrame { frame, title, text }.render(),
        None => MessagePage { title, text }.render(),
    };
    page.unwrap_or_else(|_| text.to_string())
}

/// "76岁", or blank when unknown.
pub(crate) fn age_text(age: Option<i32>) -> String {
    age.map(|a| format!("{a}岁")).unwrap_or_default()
}

pub(crate) fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|x| x.trim().to_string()).filter(|x| !x.is_empty())
}

/// The next page's address: its key plus the filters in force.
pub(crate) fn page_url(start: &str, filters: &[(&str, &Option<String>)]) -> String {
    let mut url = start.to_string();
    for (k, v) in filters {
        if let Some(v) = v {
            url.push_str(&format!("&{k}={}", encode(v)));
        }
    }
    url
}

/// Percent-encoding for a query value.
pub(crate) fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) fn state_label(code: &str) -> String {
    yikou_domain::EntitlementState::ALL
        .iter()
        .find(|s| s.code() == code)
        .map_or_else(|| code.to_string(), |s| s.label().to_string())
}

pub(crate) fn format_date_cn(d: time::Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// A unix time as the pages show it (Beijing time, to the minute).
pub(crate) fn unix_text(t: i64) -> String {
    yikou_domain::clock::beijing_unix(t)
}

/// A stored time as the pages show it (Beijing time, to the minute).
pub(crate) fn time_text(stored: &str) -> String {
    yikou_domain::clock::beijing(stored)
}

/// An account's display name (the login when there is none by that login).
pub(crate) async fn display_name(state: &AppState, login: &str) -> Result<String, AppError> {
    let users = state.store.users().await?;
    Ok(users.into_iter().find(|u| u.login == login).map_or_else(|| login.to_string(), |u| u.display_name))
}
