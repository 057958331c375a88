//! 交换格式 (exchange layout): a whole campaign as three CSV files, the layout of
//! `../shared/bench/peer_check.py` and of the municipal roster (R14):
//!   people.csv        person_id,id_number,name,street_code,household_id,categories,deceased
//!   projects.csv      project_id,unit_group,exclusive_group,per_household,target_categories
//!   entitlements.csv  entitlement_id,project_id,person_id,amount_fen
//! Lists inside a cell are separated by ';'. Ids and codes are the sender's opaque strings.
//! Reading validates every row and reports problems with file, row and column, as imports do.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use yikou_domain::rng::Rng;
use yikou_domain::{AreaCode, IdNumber, UnitGroup};

use crate::validate::RowIssue;

pub use yikou_domain::exchange::{ExEntitlement, ExPerson, ExProject, Exchange};

pub(crate) const PEOPLE: [&str; 7] =
    ["person_id", "id_number", "name", "street_code", "household_id", "categories", "deceased"];
pub(crate) const PROJECTS: [&str; 5] =
    ["project_id", "unit_group", "exclusive_group", "per_household", "target_categories"];
pub(crate) const ENTITLEMENTS: [&str; 4] = ["entitlement_id", "project_id", "person_id", "amount_fen"];

fn list(s: &str) -> Vec<String> {
    s.split(';').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn flag(s: &str) -> Option<bool> {
    match s.trim() {
        "0" | "" | "false" | "否" => Some(false),
        "1" | "true" | "是" => Some(true),
        _ => None,
    }
}

/// Reads one file: header checked, then `f(row, fields)` per record. Problems go to `issues`.
fn read_file(
    dir: &Path,
    name: &str,
    header: &[&str],
    issues: &mut Vec<RowIssue>,
    mut f: impl FnMut(u32, &csv::StringRecord, &mut Vec<RowIssue>),
) -> std::io::Result<()> {
    let path = dir.join(name);
    let mut r = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_path(&path)?;
    let got: Vec<String> = r.headers()?.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_string()).collect();
    if got.iter().map(String::as_str).ne(header.iter().copied()) {
        issues.push(RowIssue {
            row: 1,
            column: name.to_string(),
            code: "exchange_header".into(),
            message: format!("{name} 的表头应为“{}”，实际为“{}”", header.join(","), got.join(",")),
            warning: false,
        });
        return Ok(());
    }
    let mut record = csv::StringRecord::new();
    let mut row = 1u32;
    while r.read_record(&mut record).map_err(|e| std::io::Error::other(format!("{name} 第{}行：{e}", row + 1)))? {
        row += 1;
        f(row, &record, issues);
    }
    Ok(())
}

pub(crate) fn issue(file: &str, row: u32, column: &str, code: &str, message: String) -> RowIssue {
    RowIssue { row, column: format!("{file}:{column}"), code: code.into(), message, warning: false }
}

/// One row of the people layout (`get(i)`: the field of `PEOPLE[i]`), checked: None when it is
/// malformed, with its problems in `issues` (file, row, column). `seen`: the person ids before it.
pub(crate) fn person_row<'a>(
    file: &str,
    row: u32,
    get: &dyn Fn(usize) -> &'a str,
    today: time::Date,
    seen: &HashMap<String, usize>,
    issues: &mut Vec<RowIssue>,
) -> Option<ExPerson> {
    let id = match IdNumber::parse_at(get(1), today) {
        Ok(id) => Some(id),
        Err(e) => {
            issues.push(issue(file, row, "id_number", e.code(), e.to_string()));
            None
        }
    };
    let street = match get(3) {
        "" => None,
        s => match AreaCode::parse(s) {
            Ok(a) => Some(a.as_str().to_string()),
            Err(e) => {
                issues.push(issue(file, row, "street_code", "street_code_invalid", e.to_string()));
                None
            }
        },
    };
    let deceased = flag(get(6));
    if deceased.is_none() {
        issues.push(issue(
            file,
            row,
            "deceased",
            "flag_invalid",
            format!("deceased 应为0或1（是或否），实为“{}”", get(6)),
        ));
    }
    if get(0).is_empty() {
        issues.push(issue(file, row, "person_id", "id_missing", "person_id 为空".into()));
        return None;
    }
    if seen.contains_key(get(0)) {
        issues.push(issue(file, row, "person_id", "id_repeated", format!("person_id“{}”重复", get(0))));
        return None;
    }
    Some(ExPerson {
        person_id: get(0).to_string(),
        id_number: id?,
        name: get(2).to_string(),
        street_code: street,
        household_id: Some(get(4).to_string()).filter(|h| !h.is_empty()),
        categories: list(get(5)),
        deceased: deceased?,
    })
}

/// Reads and checks a directory in the exchange layout. Malformed records (bad ID number, unknown
/// project or person reference, bad amount or flag) are listed; conflicts between well-formed records
/// (duplicates, ineligible people) are not: finding those is the cross-check's job.
pub fn read_exchange(dir: &Path) -> std::io::Result<(Exchange, Vec<RowIssue>)> {
    let mut ex = Exchange::default();
    let mut issues = Vec::new();
    let mut person_index: HashMap<String, usize> = HashMap::new();
    let mut project_index: HashMap<String, usize> = HashMap::new();
    let today = yikou_domain::today();

    read_file(dir, "people.csv", &PEOPLE, &mut issues, |row, r, issues| {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        if let Some(p) = person_row("people.csv", row, &get, today, &person_index, issues) {
            person_index.insert(p.person_id.clone(), ex.people.len());
            ex.people.push(p);
        }
    })?;
    read_file(dir, "projects.csv", &PROJECTS, &mut issues, |row, r, issues| {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let group = UnitGroup::parse(get(1));
        if group.is_none() {
            issues.push(issue(
                "projects.csv",
                row,
                "unit_group",
                "unit_group_invalid",
                format!("unit_group“{}”应为 民政部门、相关职能部门 或 各镇、街道、莘庄工业区", get(1)),
            ));
        }
        let per_household = flag(get(3));
        if per_household.is_none() {
            issues.push(issue(
                "projects.csv",
                row,
                "per_household",
                "flag_invalid",
                format!("per_household 应为0或1，实为“{}”", get(3)),
            ));
        }
        if get(0).is_empty() || project_index.contains_key(get(0)) {
            issues.push(issue(
                "projects.csv",
                row,
                "project_id",
                "id_repeated",
                format!("project_id“{}”为空或重复", get(0)),
            ));
            return;
        }
        if let (Some(unit_group), Some(per_household)) = (group, per_household) {
            project_index.insert(get(0).to_string(), ex.projects.len());
            ex.projects.push(ExProject {
                project_id: get(0).to_string(),
                unit_group,
                exclusive_group: Some(get(2).to_string()).filter(|g| !g.is_empty()),
                per_household,
                target_categories: list(get(4)),
            });
        }
    })?;
    read_file(dir, "entitlements.csv", &ENTITLEMENTS, &mut issues, |row, r, issues| {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let project = project_index.get(get(1)).copied();
        if project.is_none() {
            issues.push(issue(
                "entitlements.csv",
                row,
                "project_id",
                "unknown_project",
                format!("project_id“{}”不在 projects.csv 中", get(1)),
            ));
        }
        let person = person_index.get(get(2)).copied();
        if person.is_none() {
            issues.push(issue(
                "entitlements.csv",
                row,
                "person_id",
                "unknown_person",
                format!("person_id“{}”不在 people.csv 中（或该行有误）", get(2)),
            ));
        }
        let amount = get(3).parse::<i64>().ok().filter(|a| *a >= 0);
        if amount.is_none() {
            issues.push(issue(
                "entitlements.csv",
                row,
                "amount_fen",
                "amount_invalid",
                format!("amount_fen 应为非负整数（分），实为“{}”", get(3)),
            ));
        }
        if let (Some(project), Some(person), Some(amount_fen)) = (project, person, amount) {
            ex.entitlements.push(ExEntitlement { entitlement_id: get(0).to_string(), project, person, amount_fen });
        }
    })?;
    Ok((ex, issues))
}

/// Writes the exchange layout (the inverse of [`read_exchange`]) into a folder.
pub fn write_exchange(dir: &Path, ex: &Exchange) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let create = |name: &str| std::fs::File::create(dir.join(name)).map(std::io::BufWriter::new);
    crate::municipal::people_csv(ex, &mut create("people.csv")?)?;
    crate::municipal::projects_csv(ex, &mut create("projects.csv")?)?;
    let mut w = create("entitlements.csv")?;
    crate::municipal::entitlements_csv(ex, &mut w)?;
    w.flush()
}

/// A generated campaign in the exchange layout (synthetic people): `people` people in households of
/// one to four, `projects` projects (a quarter per household, some in exclusive groups of two),
/// `entitlements` entitlements to eligible people, plus about `fault_rate` of planted faults of
/// every kind the core check counts.
pub fn generate_exchange(people: usize, projects: usize, entitlements: usize, seed: u64, fault_rate: f64) -> Exchange {
    let mut rng = Rng::new(seed);
    let categories = ["DB", "DSR", "TK", "YB", "CJ", "LR", "ET", "YF", "ZG", "LS"];
    let streets: Vec<&str> = yikou_domain::reference::streets().map(|u| u.code).collect();
    let mut ex = Exchange::default();
    let mut seen = std::collections::HashSet::new();
    let start = time::Date::from_calendar_date(1930, time::Month::January, 1).expect("valid");
    let mut household = 0usize;
    while ex.people.len() < people {
        household += 1;
        let size = 1 + rng.below(4) as usize;
        let street = streets[rng.below(streets.len() as u64) as usize];
        for _ in 0..size.min(people - ex.people.len()) {
            let id = loop {
                let birth = start + time::Duration::days(rng.below(85 * 365) as i64);
                let id = yikou_domain::id_number::compose("310112", birth, rng.below(1000) as u16);
                if seen.insert(id.as_str().to_string()) {
                    break id;
                }
            };
            let n = ex.people.len();
            ex.people.push(ExPerson {
                person_id: format!("P{n}"),
                id_number: id,
                name: format!("测试{n}"),
                street_code: Some(street.to_string()),
                household_id: Some(format!("H{household}")),
                categories: vec![categories[rng.below(10) as usize].to_string()],
                deceased: false,
            });
        }
    }
    for i in 0..projects {
        let group = [UnitGroup::CivilAffairs, UnitGroup::Departments, UnitGroup::Streets][i % 3];
        ex.projects.push(ExProject {
            project_id: format!("J{i}"),
            unit_group: group,
            exclusive_group: (i % 10 < 2).then(|| format!("X{}", i / 10)),
            per_household: i % 4 == 0,
            target_categories: vec![categories[i % 10].to_string(), categories[(i + 3) % 10].to_string()],
        });
    }
    // Eligible people per project.
    let mut by_category: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in ex.people.iter().enumerate() {
        by_category.entry(p.categories[0].as_str()).or_default().push(i);
    }
    let mut taken: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
    let mut household_paid: std::collections::HashSet<(usize, String)> = std::collections::HashSet::new();
    let mut person_group: std::collections::HashSet<(String, usize)> = std::collections::HashSet::new();
    let mut attempts = 0usize;
    while ex.entitlements.len() < entitlements && attempts < entitlements * 20 {
        attempts += 1;
        let project = rng.below(projects as u64) as usize;
        let p = &ex.projects[project];
        let cat = p.target_categories[rng.below(2) as usize].as_str();
        let Some(list) = by_category.get(cat) else { continue };
        let person = list[rng.below(list.len() as u64) as usize];
        let hh = ex.people[person].household_id.clone().unwrap_or_default();
        let twice = taken.contains(&(project, person));
        let household_again = p.per_household && household_paid.contains(&(project, hh.clone()));
        let group_again = p.exclusive_group.as_ref().is_some_and(|g| person_group.contains(&(g.clone(), person)));
        if twice || household_again || group_again {
            continue;
        }
        taken.insert((project, person));
        if p.per_household {
            household_paid.insert((project, hh));
        }
        if let Some(g) = &p.exclusive_group {
            person_group.insert((g.clone(), person));
        }
        let n = ex.entitlements.len();
        ex.entitlements.push(ExEntitlement { entitlement_id: format!("E{n}"), project, person, amount_fen: 50_000 });
    }
    // Planted faults: duplicates, deceased recipients, ineligible entitlements, omissions (people of a
    // targeted category left out are already there by chance; the check counts them too).
    let faults = (entitlements as f64 * fault_rate) as usize;
    for k in 0..faults {
        let base = ex.entitlements[rng.below(ex.entitlements.len() as u64) as usize].clone();
        let n = ex.entitlements.len();
        match k % 5 {
            // The same person twice in one project.
            0 => ex.entitlements.push(ExEntitlement { entitlement_id: format!("E{n}"), ..base }),
            // A deceased recipient.
            1 => ex.people[base.person].deceased = true,
            // Someone outside the project's categories.
            2 => {
                let other = rng.below(ex.people.len() as u64) as usize;
                ex.entitlements.push(ExEntitlement { entitlement_id: format!("E{n}"), person: other, ..base });
            }
            // A second member of a household paid by a per-household project.
            3 => {
                let paid: Vec<&ExEntitlement> =
                    ex.entitlements.iter().filter(|e| ex.projects[e.project].per_household).take(64).collect();
                if let Some(e) = paid.get(rng.below(paid.len().max(1) as u64) as usize) {
                    let hh = ex.people[e.person].household_id.clone();
                    let mate = ex
                        .people
                        .iter()
                        .position(|p| p.household_id == hh && p.person_id != ex.people[e.person].person_id);
                    if let Some(mate) = mate {
                        let (project, amount_fen) = (e.project, e.amount_fen);
                        ex.entitlements.push(ExEntitlement {
                            entitlement_id: format!("E{n}"),
                            project,
                            person: mate,
                            amount_fen,
                        });
                    }
                }
            }
            // The same person in a second project of an exclusive group.
            _ => {
                let grouped: Vec<&ExEntitlement> = ex
                    .entitlements
                    .iter()
                    .filter(|e| ex.projects[e.project].exclusive_group.is_some())
                    .take(64)
                    .collect();
                if let Some(e) = grouped.get(rng.below(grouped.len().max(1) as u64) as usize) {
                    let group = ex.projects[e.project].exclusive_group.clone();
                    let sibling = ex
                        .projects
                        .iter()
                        .position(|p| p.exclusive_group == group && p.project_id != ex.projects[e.project].project_id);
                    if let Some(project) = sibling {
                        let (person, amount_fen) = (e.person, e.amount_fen);
                        ex.entitlements.push(ExEntitlement {
                            entitlement_id: format!("E{n}"),
                            project,
                            person,
                            amount_fen,
                        });
                    }
                }
            }
        }
    }
    ex
}

/// The core check's rows for an exchange campaign (category and group codes interned as indices).
pub fn core_rows(
    ex: &Exchange,
) -> (
    Vec<yikou_domain::check::CheckPerson>,
    Vec<yikou_domain::check::CheckProject>,
    Vec<yikou_domain::check::CheckEntitlement>,
) {
    use yikou_domain::check::{CheckEntitlement, CheckPerson, CheckProject};
    let mut codes: HashMap<String, u16> = HashMap::new();
    let mut code = |c: &str| -> u16 {
        let n = codes.len() as u16;
        *codes.entry(c.to_string()).or_insert(n)
    };
    let mut households: HashMap<&str, u32> = HashMap::new();
    let mut groups: HashMap<&str, u32> = HashMap::new();
    let people = ex
        .people
        .iter()
        .map(|p| CheckPerson {
            household: p.household_id.as_deref().map(|h| {
                let n = households.len() as u32;
                *households.entry(h).or_insert(n)
            }),
            categories: p.categories.iter().map(|c| code(c)).collect(),
            deceased: p.deceased,
            ..Default::default()
        })
        .collect();
    let projects = ex
        .projects
        .iter()
        .map(|p| CheckProject {
            exclusive_group: p.exclusive_group.as_deref().map(|g| {
                let n = groups.len() as u32;
                *groups.entry(g).or_insert(n)
            }),
            per_household: p.per_household,
            targets: p.target_categories.iter().map(|c| code(c)).collect(),
            ..Default::default()
        })
        .collect();
    let entitlements = ex
        .entitlements
        .iter()
        .map(|e| CheckEntitlement {
            project: e.project as u32,
            person: e.person as u32,
            amount_fen: e.amount_fen,
            ..Default::default()
        })
        .collect();
    (people, projects, entitlements)
}
