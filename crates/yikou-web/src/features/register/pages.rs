//! 帮困对象 list: search (name fragment, last four of an ID number or mobile, whole numbers for the
//! roles that may see them), filters (街镇, 居委, 类别, 年龄), 共 N 人, sorting by column and keyset
//! pages in any order (首页 · 上一页 `?before=` · 下一页 `?after=` · 末页 `?end=1`): a page deep in a
//! register of a million reads only its own fifty rows.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_domain::money::group_thousands;
use yikou_domain::reference::{streets, UnitKind, CATEGORIES};
use yikou_domain::Scope;
use yikou_service::ServiceError;
use yikou_store::register::{PeopleQuery, PeopleSort, PersonListItem, Seek};

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// Rows on a numbered page.
const PAGE_ROWS: i64 = 50;

#[derive(Deserialize, Default)]
pub struct PeopleParams {
    pub(crate) q: Option<String>,
    pub(crate) street: Option<String>,
    pub(crate) committee: Option<String>,
    pub(crate) category: Option<String>,
    pub(crate) age_min: Option<String>,
    pub(crate) age_max: Option<String>,
    pub(crate) sort: Option<String>,
    pub(crate) dir: Option<String>,
    /// Keyset paging: the page after / before this person, or the last page (`end=1`).
    pub(crate) after: Option<i64>,
    pub(crate) before: Option<i64>,
    pub(crate) end: Option<String>,
}

/// An age typed into a filter: blank is no filter; anything but 0–150 is said to be wrong.
fn age_field(v: &Option<String>, label: &str) -> Result<Option<i32>, String> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i32>()
            .ok()
            .filter(|a| (0..=150).contains(a))
            .map(Some)
            .ok_or_else(|| format!("{label}“{s}”不是0到150之间的整数")),
    }
}

impl PeopleParams {
    /// The store's query for these filters and this page (blank fields are no filter; an
    /// unreadable age is no filter here, and said to be wrong by [`PeopleParams::problems`]).
    pub(crate) fn query(&self, limit: i64) -> PeopleQuery {
        PeopleQuery {
            q: nonempty(self.q.clone()),
            street: nonempty(self.street.clone()),
            committee: nonempty(self.committee.clone()),
            category: nonempty(self.category.clone()),
            age_min: age_field(&self.age_min, "").ok().flatten(),
            age_max: age_field(&self.age_max, "").ok().flatten(),
            sort: self.sort.as_deref().and_then(PeopleSort::from_code).unwrap_or_default(),
            desc: self.dir.as_deref() == Some("desc"),
            seek: match (self.after, self.before, self.end.is_some()) {
                (Some(a), _, _) => Seek::After(a),
                (None, Some(b), _) => Seek::Before(b),
                (None, None, true) => Seek::Last,
                (None, None, false) => Seek::First,
            },
            limit,
        }
    }

    /// The filter fields typed wrong, with the field's id.
    pub(crate) fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Err(e) = age_field(&self.age_min, "年龄下限") {
            out.push(("age_min", e));
        }
        if let Err(e) = age_field(&self.age_max, "年龄上限") {
            out.push(("age_max", e));
        }
        out
    }

    /// The filters in force as address pairs (the search and filters, not the order or page).
    pub(crate) fn filters(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("q", nonempty(self.q.clone())),
            ("street", nonempty(self.street.clone())),
            ("committee", nonempty(self.committee.clone())),
            ("category", nonempty(self.category.clone())),
            ("age_min", nonempty(self.age_min.clone())),
            ("age_max", nonempty(self.age_max.clone())),
        ]
    }
}

/// `/people?…` with the given pairs (blank ones left out).
fn people_url(pairs: &[(&str, Option<String>)]) -> String {
    let q: Vec<String> = pairs.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v)))).collect();
    if q.is_empty() {
        "/people".into()
    } else {
        format!("/people?{}", q.join("&"))
    }
}

pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub sex: &'static str,
    /// 年龄 (never the birth date next to a masked ID number).
    pub age: String,
    pub phone: String,
    pub street: String,
    pub committee: String,
    pub categories: String,
}

pub(crate) fn person_row(p: PersonListItem, names: &Names) -> PersonRow {
    PersonRow {
        id: p.id,
        name: p.name,
        id_number_masked: p.id_number_masked,
        sex: p.sex.label(),
        age: age_text(p.age),
        phone: p.phone_masked.unwrap_or_default(),
        street: p.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
        committee: p.committee_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
        categories: p.categories.iter().map(|c| names.category(c)).collect::<Vec<_>>().join("、"),
    }
}

/// A column heading: its label, the address that sorts by it (blank: not sortable), and the order
/// now in force if by it (`ascending`/`descending`, as `aria-sort` says it).
pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    pub current: &'static str,
    pub num: bool,
}

#[derive(Template)]
#[template(path = "register/people.html")]
struct PeoplePage {
    frame: Frame,
    q: String,
    street: String,
    committee: String,
    category: String,
    age_min: String,
    age_max: String,
    streets: Vec<(String, String)>,
    committees: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    /// (field id, message): shown at the top and beside the field.
    errors: Vec<(&'static str, String)>,
    heads: Vec<SortLink>,
    rows: Vec<PersonRow>,
    total: Option<String>,
    /// 首页, 上一页, 下一页, 末页 (keyset pages: none reads the rows it skips).
    first: Option<String>,
    prev: Option<String>,
    next: Option<String>,
    last: Option<String>,
    export: String,
    /// How the search box was read ("按电话号码查找"), and what to try when nothing was found.
    understood: String,
    nothing_hint: String,
}

impl PeoplePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

pub async fn people(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<PeopleParams>,
) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let actor = s.actor();
    let names = names(&state).await?;
    let query = p.query(PAGE_ROWS);
    let mut errors = p.problems();

    let mut rows = Vec::new();
    let mut total = None;
    let mut keys = (None, None);
    if errors.is_empty() {
        match yikou_service::register::search(&state.store, &actor, &query).await {
            Ok(found) => {
                rows = found.items.into_iter().map(|i| person_row(i, &names)).collect();
                keys = (found.prev, found.next);
                total = Some(yikou_service::register::count(&state.store, &actor, &query).await?);
            }
            // Not a search (a mistyped ID number …) or not this role's: said beside the box.
            Err(ServiceError::Rejected(m)) => errors.push(("q", m)),
            Err(e) => return Err(e.into()),
        }
    }

    // Filter choices within the user's area.
    let scope = actor.scope.clone();
    let streets_allowed: Vec<(String, String)> = streets()
        .filter(|u| match &scope {
            Scope::Street(c) => c == u.code,
            Scope::Committee(_) => false,
            _ => true,
        })
        .map(|u| (u.code.to_string(), u.name.to_string()))
        .collect();
    let committee_parent = match &scope {
        Scope::Street(c) => Some(c.clone()),
        Scope::Committee(_) => None,
        _ => query.street.clone(),
    };
    let committees = match committee_parent {
        Some(parent) => state
            .store
            .units()
            .await?
            .into_iter()
            .filter(|u| u.kind == UnitKind::Committee && u.parent_code.as_deref() == Some(parent.as_str()))
            .map(|u| (u.code, u.name))
            .collect(),
        None => Vec::new(),
    };

    let filters = p.filters();
    let with = |extra: &[(&'static str, Option<String>)]| {
        let mut pairs = filters.clone();
        pairs.extend_from_slice(extra);
        people_url(&pairs)
    };
    let order = [
        ("sort", Some(query.sort.code().to_string()).filter(|c| c != "id")),
        ("dir", query.desc.then(|| "desc".to_string())),
    ];
    let columns = [
        ("姓名", Some(PeopleSort::Name)),
        ("身份证号", None),
        ("性别", None),
        ("年龄", Some(PeopleSort::Age)),
        ("电话", None),
        ("街镇", Some(PeopleSort::Street)),
        ("居委", Some(PeopleSort::Committee)),
        ("类别", None),
    ];
    let heads = columns
        .into_iter()
        .map(|(label, col)| {
            let on = col == Some(query.sort);
            let dir = if on && !query.desc { Some("desc".to_string()) } else { None };
            SortLink {
                label,
                href: col.map(|c| with(&[("sort", Some(c.code().to_string())), ("dir", dir)])).unwrap_or_default(),
                current: match (on, query.desc) {
                    (false, _) => "",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
                num: label == "年龄",
            }
        })
        .collect();
    let at = |key: (&'static str, String)| {
        let mut e = order.to_vec();
        e.push((key.0, Some(key.1)));
        with(&e)
    };
    let (prev, next) = (keys.0.map(|k| at(("before", k.to_string()))), keys.1.map(|k| at(("after", k.to_string()))));
    let first = prev.as_ref().map(|_| with(&order));
    let last = next.as_ref().map(|_| at(("end", "1".into())));
    let export = people_url(&filters).replacen("/people", "", 1);
    let needle = p.q.as_deref().and_then(yikou_domain::search::Needle::parse).and_then(Result::ok);
    let understood = needle.as_ref().map(|n| n.understood().to_string()).unwrap_or_default();
    let nothing_hint = needle.as_ref().and_then(|n| n.when_nothing_found()).unwrap_or_default().to_string();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page_html = PeoplePage {
        frame: frame(&state, &s).await?,
        q: p.q.clone().unwrap_or_default(),
        street: p.street.clone().unwrap_or_default(),
        committee: p.committee.clone().unwrap_or_default(),
        category: p.category.clone().unwrap_or_default(),
        age_min: p.age_min.clone().unwrap_or_default(),
        age_max: p.age_max.clone().unwrap_or_default(),
        streets: streets_allowed,
        committees,
        categories: CATEGORIES.iter().map(|c| (c.code.to_string(), c.name.to_string())).collect(),
        errors,
        heads,
        rows,
        total: total.map(|t| group_thousands(t.max(0) as u64)),
        first,
        prev,
        next,
        last,
        export,
        understood,
        nothing_hint,
    }
    .render()?;
    Ok((status, Html(page_html)).into_response())
}
