//! Test helper: a store with people in two streets, one project with a duplicate listing, and one
//! account per kind of user, served by the real application on a free port.
#![allow(dead_code)] // each test binary uses a different part of it

use std::sync::Arc;

use reqwest::cookie::Jar;
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use time::macros::date;
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, Form, IdNumber, Project, Role, Standard, UnitGroup,
};
use yikou_store::accounts::auth::AuthPolicy;
use yikou_store::accounts::users::{create_user, NewUser};
use yikou_store::campaign::{self, NewEntitlement};
use yikou_store::register::{self, NewPerson};
use yikou_store::{Store, StoreConfig};

pub const GUMEI: &str = "310112006000";
pub const QIBAO: &str = "310112102000";
pub const PASSWORD: &str = "Test-Password-1";

pub struct App {
    pub base: String,
    pub store: Arc<Store>,
    pub people: Vec<i64>,
    pub project: i64,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

fn person(id: &str, name: &str, street: &str) -> NewPerson {
    NewPerson {
        external_id: None,
        id_number: IdNumber::parse(id).unwrap(),
        name: name.into(),
        phone: (name == "古美甲").then(|| yikou_domain::Phone::parse("13812345678").unwrap()),
        address: None,
        street_code: Some(street.into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
    }
}

/// A 900 元 listing of a person in a project, paid from 区级资金.
fn listing(project_id: i64, person_id: i64) -> NewEntitlement {
    NewEntitlement {
        external_id: None,
        project_id,
        person_id,
        household_id: None,
        household_size: None,
        source_code: "QJ".into(),
        amount: Fen::from_yuan(900),
        listed_name: None,
    }
}

/// A store with people in two streets, one project, and one account per kind of user; served on a
/// free port.
pub async fn start() -> App {
    let policy = AuthPolicy { max_failures: 5, lock_seconds: 900, idle_seconds: 1800, ..Default::default() };
    start_with(yikou_web::WebConfig { policy, ..Default::default() }).await
}

/// The same, served with the given settings.
pub async fn start_with(web: yikou_web::WebConfig) -> App {
    let dir = tempfile::tempdir().unwrap();
    let cfg =
        StoreConfig { data_dir: dir.path().join("d"), database_url: None, key_hex: None, pool: Default::default() };
    let init = Store::init(&cfg).await.unwrap();
    let store = init.store;
    let mut tx = store.write(&Actor::system("test")).await.unwrap();
    let ids = register::insert_people(
        &mut tx,
        &[
            person("11010519491231002X", "古美甲", GUMEI),
            person("34052419800101001X", "七宝乙", QIBAO),
            person("310221194503150021", "<script>alert(1)</script>\"'𠮷䶮", GUMEI),
        ],
        "t",
    )
    .await
    .unwrap();
    let cid = campaign::create_campaign(&mut tx, &Campaign::standard(2020)).await.unwrap();
    let project = Project {
        code: "MZ-01".into(),
        name: "测试项目".into(),
        unit_code: BUREAU_CODE.into(),
        unit_group: UnitGroup::CivilAffairs,
        target_categories: vec!["DB".into()],
        form: Form::Cash,
        standard: Standard::PerPerson(Fen::from_yuan(900)),
        counting_unit: CountingUnit::Person,
        planned_count: 3,
        planned_budget: vec![("QJ".into(), Fen::from_yuan(2700))],
        exclusive_group: None,
    };
    let pid = campaign::create_project(&mut tx, cid, &project).await.unwrap();
    let ents: Vec<NewEntitlement> = ids.iter().map(|&person_id| listing(pid, person_id)).collect();
    // One duplicate listing, so the cross-check has a finding in 古美.
    let mut ents = ents;
    ents.push(ents[0].clone());
    campaign::insert_entitlements(&mut tx, &ents, EntitlementState::Draft, "t").await.unwrap();
    for (login, unit, role, must) in [
        ("gumei", GUMEI, Role::Street, false),
        ("qibao", QIBAO, Role::Street, false),
        ("rsj", "310112-RSJ", Role::Department, false),
        ("auditor", BUREAU_CODE, Role::AuditAdmin, false),
        ("secadmin", BUREAU_CODE, Role::SecurityAdmin, false),
        ("sysadmin", BUREAU_CODE, Role::SystemAdmin, false),
        ("bureau", BUREAU_CODE, Role::Bureau, false),
        ("newbie", GUMEI, Role::Street, true),
    ] {
        let u = NewUser {
            login: login.into(),
            display_name: format!("{login}的名字"),
            unit_code: unit.into(),
            role,
            password: PASSWORD.into(),
            must_change_password: must,
        };
        create_user(&mut tx, &u).await.unwrap();
    }
    tx.commit().await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let store = Arc::new(Store::open(&cfg).await.unwrap());
    let served = Store::open(&cfg).await.unwrap();
    tokio::spawn(async move {
        yikou_web::serve(served, web, listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    App { base, store, people: ids, project: pid, _stop: stop, _dir: dir }
}

pub fn client() -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let c = Client::builder().cookie_provider(jar.clone()).redirect(Policy::none()).build().unwrap();
    (c, jar)
}

pub fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("a form with a CSRF token") + 20;
    html[at..].split('"').next().unwrap().to_string()
}

pub async fn login(app: &App, c: &Client, login: &str, password: &str) -> reqwest::Response {
    let page = c.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
    let token = csrf_in(&page);
    c.post(format!("{}/login", app.base))
        .form(&[("login", login), ("password", password), ("_csrf", &token)])
        .send()
        .await
        .unwrap()
}

pub async fn page(app: &App, c: &Client, path: &str) -> (StatusCode, String) {
    let r = c.get(format!("{}{path}", app.base)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// A signed-in client and the CSRF token of its session.
pub async fn signed_in(app: &App, who: &str) -> (Client, String) {
    let (c, _) = client();
    let r = login(app, &c, who, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{who} signs in");
    let (_, home) = page(app, &c, "/").await;
    let token = csrf_in(&home);
    (c, token)
}

/// An API token for the account (made as the CLI's `yikou token create` does).
pub async fn bearer(app: &App, who: &str) -> String {
    app.store.create_token(&Actor::system("test"), who).await.unwrap()
}

/// A workbook's first sheet, cell by cell (rows from the top, as calamine reads them).
pub fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    let first = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&first).unwrap();
    let (rows, cols) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
    (0..rows)
        .map(|r| (0..cols).map(|c| range.get_value((r, c)).cloned().unwrap_or(calamine::Data::Empty)).collect())
        .collect()
}

/// All the text a workbook holds (every cell, as text), to look for what must not be there.
pub fn xlsx_text(bytes: &[u8]) -> String {
    xlsx_rows(bytes).iter().flatten().map(|d| format!("{d}\t")).collect()
}

/// A CSV list of one new person of a street, for uploads.
pub fn one_row_csv(name: &str, id: &str, street_name: &str) -> Vec<u8> {
    format!("姓名,身份证号,性别,联系电话,户籍/居住地址,街镇,居委,类别,金额,备注\n{name},{id},,,,{street_name},,低保家庭,,\n").into_bytes()
}

/// Lists `n` more people of a street in the test project (generated, valid ID numbers born
/// 1950-01-01); returns their person ids.
#[allow(dead_code)] // each test binary uses a different part of this module
pub async fn list_more(app: &App, n: usize, street: &str) -> Vec<i64> {
    assert!(n < 900);
    let people: Vec<NewPerson> = (0..n)
        .map(|i| {
            let first17 = format!("31011219500101{:03}", 100 + i);
            let id = format!("{first17}{}", yikou_domain::id_number::check_char(first17.as_bytes()));
            person(&id, &format!("签收{i}"), street)
        })
        .collect();
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    let ids = register::insert_people(&mut tx, &people, "t").await.unwrap();
    let ents: Vec<NewEntitlement> = ids.iter().map(|&person_id| listing(app.project, person_id)).collect();
    campaign::insert_entitlements(&mut tx, &ents, EntitlementState::Draft, "t").await.unwrap();
    tx.commit().await.unwrap();
    ids
}

/// Another account (password `PASSWORD`, no first change) for a test that needs a role the
/// standard set lacks (a reviewer).
#[allow(dead_code)]
pub async fn add_account(app: &App, login: &str, unit: &str, role: Role) {
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    let u = NewUser {
        login: login.into(),
        display_name: format!("{login}的名字"),
        unit_code: unit.into(),
        role,
        password: PASSWORD.into(),
        must_change_password: false,
    };
    create_user(&mut tx, &u).await.unwrap();
    tx.commit().await.unwrap();
}

/// The test roster approved and paid in cash by signed sheets (system acts): every entry disbursed.
/// Returns the batch.
#[allow(dead_code)]
pub async fn approve_and_pay(app: &App, signed: bool) -> i64 {
    use yikou_domain::reference::BUREAU_CODE;
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    yikou_store::rosters::submit(&mut tx, app.project, BUREAU_CODE).await.unwrap();
    yikou_store::rosters::review(&mut tx, app.project, BUREAU_CODE, yikou_domain::roster::ReviewDecision::Approve, "")
        .await
        .unwrap();
    let made = yikou_store::pay::create_batch(
        &mut tx,
        &yikou_domain::Scope::All,
        cid,
        yikou_domain::pay::PayMethod::Cash,
        &Default::default(),
    )
    .await
    .unwrap();
    if signed {
        yikou_store::pay::record_signoff(&mut tx, &yikou_domain::Scope::All, made.id, None, &[]).await.unwrap();
    }
    tx.commit().await.unwrap();
    made.id
}

/// `n` more people in `street` (白血病 — a sub-category naming an illness — besides 低保 for the first
/// of them; each with a phone), each listed once in the app's project (900 元, draft). Their ids.
pub async fn add_people(app: &App, n: u16, street: &str) -> Vec<i64> {
    let people: Vec<NewPerson> = (0..n)
        .map(|i| {
            let mut p = person("11010519491231002X", &format!("加测{i}"), street);
            p.id_number = yikou_domain::id_number::compose("310112", date!(1960 - 03 - 01), 500 + i);
            p.phone = Some(yikou_domain::Phone::parse(&format!("1390000{i:04}")).unwrap());
            if i == 0 {
                p.categories.push(("YB-BXB".into(), date!(2019 - 01 - 01), None));
            }
            p
        })
        .collect();
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    let ids = register::insert_people(&mut tx, &people, "t").await.unwrap();
    let ents: Vec<NewEntitlement> = ids.iter().map(|&p| listing(app.project, p)).collect();
    campaign::insert_entitlements(&mut tx, &ents, EntitlementState::Draft, "t").await.unwrap();
    tx.commit().await.unwrap();
    ids
}

/// A voucher (粮油补助券, 200 元, valid from yesterday for a month) given to `person`; its code.
#[allow(dead_code)] // each test binary uses a different part of this module
pub async fn voucher_for(app: &App, person: i64) -> String {
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    let today = yikou_domain::today();
    let batch = yikou_domain::voucher::VoucherBatch {
        name: "粮油补助券".into(),
        face_value: Fen::from_yuan(200),
        valid_from: today - time::Duration::days(1),
        valid_until: today + time::Duration::days(30),
        supermarket: "古美慈善超市".into(),
        count: 2,
        prefix: "LY".into(),
    };
    let (_, codes) = yikou_store::voucher::create_batch(&mut tx, cid, &batch).await.unwrap();
    yikou_store::voucher::issue(&mut tx, &yikou_domain::Scope::All, &codes[0], person).await.unwrap();
    tx.commit().await.unwrap();
    codes[0].clone()
}

#[allow(dead_code)] // each test binary uses a different part of this module
/// A visit to `person` today by "古美走访员甲" with a follow-up owned by 古美; the action's id.
pub async fn visit_for(app: &App, person: i64) -> i64 {
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    let today = yikou_domain::today();
    let v = yikou_domain::visit::Visit {
        person_id: person,
        day: today,
        visitor_kind: yikou_domain::visit::VisitorKind::Unit,
        visitors: "古美走访员甲".into(),
        money: Fen::from_yuan(300),
        goods: "米、油".into(),
        goods_value: Fen::from_yuan(100),
        needs: "需要助浴服务".into(),
        action: Some(yikou_domain::visit::VisitAction {
            what: "联系助浴服务".into(),
            owner_unit: GUMEI.into(),
            due: today + time::Duration::days(7),
        }),
    };
    yikou_store::visit::record(&mut tx, &yikou_domain::Scope::All, cid, &v).await.unwrap();
    tx.commit().await.unwrap();
    let q = yikou_store::visit::VisitQuery { campaign_id: cid, person: Some(person), limit: 10, ..Default::default() };
    let items = app.store.visits(&yikou_domain::Scope::All, &q).await.unwrap().items;
    items[0].action.as_ref().unwrap().id
}

#[allow(dead_code)] // each test binary uses a different part of this module
/// A hotline request about `person` from "古美来电人甲", given to 古美 for a week; its id.
pub async fn hotline_for(app: &App, person: i64) -> i64 {
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    let r = yikou_domain::hotline::HotlineRequest {
        caller: "古美来电人甲".into(),
        person_id: Some(person),
        kind: yikou_domain::hotline::RequestKind::Repair,
        content: "古美家中水管漏水".into(),
    };
    let id = yikou_store::hotline::take(&mut tx, &yikou_domain::Scope::All, cid, &r).await.unwrap();
    let due = yikou_domain::today() + time::Duration::days(7);
    yikou_store::hotline::assign(&mut tx, &yikou_domain::Scope::All, id, GUMEI, due).await.unwrap();
    tx.commit().await.unwrap();
    id
}

#[allow(dead_code)] // each test binary uses a different part of this module
/// A donation 古美 received (receipt "古美收据甲", 1,000 元 and goods worth 500 元); its id.
pub async fn donation_for(app: &App) -> i64 {
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    let d = yikou_domain::donation::Donation {
        donor_kind: yikou_domain::donation::DonorKind::Company,
        donor_name: "古美爱心企业".into(),
        anonymous: false,
        money: Fen::from_yuan(1_000),
        goods: "大米".into(),
        goods_value: Fen::from_yuan(500),
        receipt_no: "古美收据甲".into(),
        received_on: yikou_domain::today(),
    };
    let id = yikou_store::donation::record(&mut tx, &yikou_domain::Scope::Street(GUMEI.into()), cid, &d).await.unwrap();
    tx.commit().await.unwrap();
    id
}

#[allow(dead_code)] // each test binary uses a different part of this module
/// A purchased-service provider "古美服务社甲" managed by 古美, its contract running a year from a
/// month ago; its id.
pub async fn provider_for(app: &App) -> i64 {
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    let today = yikou_domain::today();
    let p = yikou_domain::service::Provider {
        name: "古美服务社甲".into(),
        kind: yikou_domain::service::ProviderKind::Contract,
        contract: Some(yikou_domain::service::Contract {
            from: today - time::Duration::days(30),
            until: today + time::Duration::days(335),
            amount: Fen::from_yuan(200_000),
        }),
    };
    let id = yikou_store::service::add_provider(&mut tx, &yikou_domain::Scope::Street(GUMEI.into()), &p).await.unwrap();
    tx.commit().await.unwrap();
    id
}
