//! 社会捐赠 (issue 17, point 4) on every backend: a receipt number is registered once; money is
//! allocated to a project as its 社会募集 funding (the budget rises only past what was planned), goods
//! only into a gift-pack project; a donation is never allocated beyond what it brought — refused in
//! words, also when two allocations arrive at once, and by the database's CHECK when code is bypassed;
//! each unit sees and allocates its own donations only.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::donation::{AllocationKind, Donation, DonorKind};
use yikou_domain::{Actor, Campaign, CountingUnit, Fen, Form, Project, Scope, Standard, UnitGroup};
use yikou_store::{donation, on_db, Store, StoreError};

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

fn project(code: &str, form: Form, shmj_yuan: i64) -> Project {
    Project {
        code: code.into(),
        name: format!("项目{code}"),
        unit_code: GUMEI.into(),
        unit_group: UnitGroup::Streets,
        target_categories: vec![],
        form,
        standard: Standard::PerPerson(Fen::from_yuan(300)),
        counting_unit: CountingUnit::Person,
        planned_count: 10,
        planned_budget: vec![("SHMJ".into(), Fen::from_yuan(shmj_yuan))],
        exclusive_group: None,
    }
}

fn gift(receipt: &str) -> Donation {
    Donation {
        donor_kind: DonorKind::Company,
        donor_name: "某爱心企业".into(),
        anonymous: false,
        money: Fen::from_yuan(1_000),
        goods: "大米100袋".into(),
        goods_value: Fen::from_yuan(500),
        receipt_no: receipt.into(),
        received_on: date!(2026 - 01 - 05),
    }
}

async fn shmj(s: &Store, project: i64) -> i64 {
    on_db!(s.db(), p => sqlx::query_scalar("SELECT amount_fen FROM project_budgets WHERE project_id = $1 AND source_code = 'SHMJ'")
        .bind(project).fetch_one(p).await.unwrap())
}

async fn allocate(
    s: &Store,
    scope: &Scope,
    d: i64,
    p: i64,
    kind: AllocationKind,
    yuan: i64,
) -> Result<i64, StoreError> {
    let mut tx = s.write(&Actor::system("t")).await?;
    let id = donation::allocate(&mut tx, scope, d, p, kind, Fen::from_yuan(yuan)).await?;
    tx.commit().await?;
    Ok(id)
}

#[tokio::test]
async fn a_donation_is_registered_once_and_never_allocated_beyond_what_it_brought() {
    for b in backends().await {
        let s = &b.store;
        let gumei = Scope::Street(GUMEI.into());
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let cid = yikou_store::campaign::create_campaign(&mut tx, &Campaign::standard(2026)).await.unwrap();
        let cash =
            yikou_store::campaign::create_project(&mut tx, cid, &project("JZ-01", Form::Cash, 600)).await.unwrap();
        let pack =
            yikou_store::campaign::create_project(&mut tx, cid, &project("JZ-02", Form::GiftPack, 0)).await.unwrap();
        let d = donation::record(&mut tx, &gumei, cid, &gift("SJ-0001")).await.unwrap();
        tx.commit().await.unwrap();
        // The same receipt again: refused in words.
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let again = donation::record(&mut tx, &gumei, cid, &gift("SJ-0001")).await.unwrap_err();
        drop(tx);
        assert!(again.to_string().contains("“SJ-0001”已登记过"), "{}: {again}", b.name);

        // Only to 古美's own projects: not to the bureau's, though it lists 古美's people.
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let bureau_project =
            Project { unit_code: yikou_domain::reference::BUREAU_CODE.into(), ..project("MZ-09", Form::Cash, 0) };
        let theirs = yikou_store::campaign::create_project(&mut tx, cid, &bureau_project).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            matches!(allocate(s, &gumei, d, theirs, AllocationKind::Money, 100).await, Err(StoreError::NotFound(_))),
            "{}",
            b.name
        );
        // 七宝 can neither see nor allocate 古美's donation.
        let qibao = Scope::Street(QIBAO.into());
        assert!(matches!(allocate(s, &qibao, d, cash, AllocationKind::Money, 100).await, Err(StoreError::NotFound(_))));
        assert!(s.donations(&qibao, cid).await.unwrap().is_empty());

        // 400 元 to the cash project: within its planned 600 元 of 社会募集, the budget stays.
        allocate(s, &gumei, d, cash, AllocationKind::Money, 400).await.unwrap();
        assert_eq!(shmj(s, cash).await, 60_000, "{}", b.name);
        // Goods only into gift packs.
        let e = allocate(s, &gumei, d, cash, AllocationKind::Goods, 100).await.unwrap_err();
        assert!(e.to_string().contains("慰问品"), "{e}");
        allocate(s, &gumei, d, pack, AllocationKind::Goods, 500).await.unwrap();
        assert!(matches!(allocate(s, &gumei, d, pack, AllocationKind::Goods, 1).await, Err(StoreError::Conflict(_))));

        // 600 元 are left: two allocations of 400 at once — exactly one goes through.
        let (x, y) = tokio::join!(
            allocate(s, &gumei, d, cash, AllocationKind::Money, 400),
            allocate(s, &gumei, d, pack, AllocationKind::Money, 400)
        );
        assert_eq!([x.is_ok(), y.is_ok()].iter().filter(|v| **v).count(), 1, "{}: {x:?} {y:?}", b.name);
        let refused = x.err().or(y.err()).unwrap();
        assert!(
            refused.to_string().contains("尚余 600.00 元未分配") || refused.to_string().contains("尚余 200.00 元"),
            "{refused}"
        );
        let views = s.donations(&gumei, cid).await.unwrap();
        assert_eq!((views[0].allocated_money_fen, views[0].allocated_goods_fen), (80_000, 50_000));
        assert_eq!(views[0].allocations.len(), 3);
        // The database refuses more than the donation brought, even bypassing the code.
        let raw = on_db!(s.db(), p => sqlx::query("UPDATE donations SET allocated_money_fen = money_fen + 1 WHERE id = $1")
            .bind(d).execute(p).await.map(|_| ()));
        assert!(raw.is_err(), "{}: the CHECK holds", b.name);

        // Past the plan: the 社会募集 budget rises to what was allocated.
        if x_went_to_cash(s, cash).await {
            allocate(s, &gumei, d, cash, AllocationKind::Money, 200).await.unwrap();
            assert_eq!(shmj(s, cash).await, 100_000, "{}", b.name);
        } else {
            allocate(s, &gumei, d, pack, AllocationKind::Money, 200).await.unwrap();
            assert_eq!(shmj(s, pack).await, 60_000, "{}: a budget line made where there was none", b.name);
        }
    }
}

/// Did the racing allocation that won go to the cash project?
async fn x_went_to_cash(s: &Store, cash: i64) -> bool {
    let n: i64 = on_db!(s.db(), p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM donation_allocations WHERE project_id = $1 AND kind = 'money'")
        .bind(cash).fetch_one(p).await.unwrap());
    n == 2
}
