//! 发放 on every backend: the paid-once and one-open-line constraints hold against writes that go
//! around the code; a bank batch is made, its results recorded (paid, failed with a reason,
//! unclear, mismatched, unknown, repeated), the same file twice changes nothing, failed lines are
//! re-issued once as the next attempt, and progress adds up.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::pay::{BankAccount, FailReason, LineState, PayMethod};
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::roster::ReviewDecision;
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, Form, IdNumber, Project, Role, Scope, Standard, UnitGroup,
};
use yikou_store::accounts::users::{create_user, NewUser};
use yikou_store::campaign::{self, NewEntitlement};
use yikou_store::pay::{self, BatchFilter, ResultLine};
use yikou_store::register::{self, NewPerson};
use yikou_store::{on_db, rosters, Store, StoreError};

const GUMEI: &str = "310112006000";
const IDS: [&str; 4] = ["11010519491231002X", "34052419800101001X", "310221194503150021", "110105195001010012"];

fn user(login: &str, role: Role) -> Actor {
    Actor {
        login: login.into(),
        role: Some(role),
        scope: role.scope(if role == Role::Street { GUMEI } else { BUREAU_CODE }),
    }
}

/// Four people of 古美 on one approved roster of a cash project (900 元 each), three with accounts.
async fn approved(s: &Store) -> (i64, i64, Vec<i64>) {
    approved_as(s, Form::Cash).await
}

/// The same with a project of another form of help.
async fn approved_as(s: &Store, form: Form) -> (i64, i64, Vec<i64>) {
    let mut tx = s.write(&Actor::system("test")).await.unwrap();
    for (login, unit, role) in
        [("gumei1", GUMEI, Role::Street), ("rev", BUREAU_CODE, Role::Reviewer), ("pay", BUREAU_CODE, Role::Bureau)]
    {
        let u = NewUser {
            login: login.into(),
            display_name: login.into(),
            unit_code: unit.into(),
            role,
            password: "Test-Pass-1234".into(),
            must_change_password: false,
        };
        create_user(&mut tx, &u).await.unwrap();
    }
    let cid = campaign::create_campaign(&mut tx, &Campaign::standard(2020)).await.unwrap();
    let p = Project {
        code: "MZ-01".into(),
        name: "测试项目".into(),
        unit_code: BUREAU_CODE.into(),
        unit_group: UnitGroup::CivilAffairs,
        target_categories: vec!["DB".into()],
        form,
        standard: Standard::PerPerson(Fen::from_yuan(900)),
        counting_unit: CountingUnit::Person,
        planned_count: 10,
        planned_budget: vec![("QJ".into(), Fen::from_yuan(9000))],
        exclusive_group: None,
    };
    let pid = campaign::create_project(&mut tx, cid, &p).await.unwrap();
    let people: Vec<NewPerson> = IDS
        .iter()
        .enumerate()
        .map(|(i, id)| NewPerson {
            external_id: None,
            id_number: IdNumber::parse(id).unwrap(),
            name: format!("对象{i}"),
            phone: None,
            address: None,
            street_code: Some(GUMEI.into()),
            committee_code: None,
            household_id: None,
            is_household_head: true,
            categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
        })
        .collect();
    let ids = register::insert_people(&mut tx, &people, "t").await.unwrap();
    for (i, id) in ids.iter().take(3).enumerate() {
        let account = BankAccount::parse(&format!("62220210011234560{i}")).unwrap();
        pay::set_bank_account(&mut tx, &Scope::All, *id, Some((&format!("对象{i}"), "工商银行闵行支行", &account)))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let gumei = user("gumei1", Role::Street);
    let mut tx = s.write(&gumei).await.unwrap();
    let rows: Vec<NewEntitlement> = ids
        .iter()
        .map(|&person_id| NewEntitlement {
            external_id: None,
            project_id: pid,
            person_id,
            household_id: None,
            household_size: None,
            source_code: "QJ".into(),
            amount: Fen::from_yuan(900),
            listed_name: None,
        })
        .collect();
    let ents = campaign::insert_entitlements(&mut tx, &rows, EntitlementState::Draft, "t").await.unwrap();
    rosters::submit(&mut tx, pid, GUMEI).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = s.write(&user("rev", Role::Reviewer)).await.unwrap();
    rosters::review(&mut tx, pid, GUMEI, ReviewDecision::Approve, "").await.unwrap();
    tx.commit().await.unwrap();
    (cid, pid, ents)
}

async fn make(s: &Store, who: &Actor, cid: i64, method: PayMethod) -> Result<pay::BatchMade, StoreError> {
    let mut tx = s.write(who).await?;
    let made = pay::create_batch(&mut tx, &Scope::All, cid, method, &BatchFilter::default()).await?;
    tx.commit().await?;
    Ok(made)
}

async fn results(s: &Store, batch: i64, lines: &[ResultLine]) -> pay::ResultCounts {
    let mut tx = s.write(&user("pay", Role::Bureau)).await.unwrap();
    let counts = pay::record_results(&mut tx, batch, lines, "sha").await.unwrap();
    tx.commit().await.unwrap();
    counts
}

#[tokio::test]
async fn an_entitlement_is_paid_once_and_in_one_open_batch_even_when_written_around_the_code() {
    for b in backends().await {
        let s = &b.store;
        let (cid, _, ents) = approved(s).await;
        let made = make(s, &user("pay", Role::Bureau), cid, PayMethod::Bank).await.unwrap();
        // Straight SQL, no application code: a second open line for the same entitlement …
        let insert = |state: &'static str, attempt: i64, reference: &'static str| {
            format!(
                "INSERT INTO payment_lines (batch_id, line_no, entitlement_id, attempt, reference, amount_fen, state, person_key)
                 VALUES ({}, {}, {}, {attempt}, '{reference}', 90000, '{state}',
                         (SELECT person_key FROM entitlements WHERE id = {}))",
                made.id,
                100 + attempt,
                ents[0],
                ents[0]
            )
        };
        let run = |sql: String| async move { on_db!(s.db(), p => sqlx::query(&sql).execute(p).await.map(|_| ())) };
        let e = run(insert("pending", 2, "X-2")).await.unwrap_err();
        assert!(e.to_string().contains("UNIQUE") || e.to_string().contains("unique"), "{}: {e}", b.name);
        // … and, with the first marked paid, a second paid line.
        run(format!("UPDATE payment_lines SET state = 'paid' WHERE entitlement_id = {} AND attempt = 1", ents[0]))
            .await
            .unwrap();
        let e = run(insert("paid", 3, "X-3")).await.unwrap_err();
        assert!(e.to_string().contains("UNIQUE") || e.to_string().contains("unique"), "{}: {e}", b.name);
        // A failed line beside the paid one is allowed (history), a second paid is not.
        run(insert("failed", 4, "X-4")).await.unwrap();
    }
}

#[tokio::test]
async fn a_bank_batch_is_paid_failed_reissued_once_and_reconciled() {
    for b in backends().await {
        let s = &b.store;
        let (cid, _, ents) = approved(s).await;

        // The approver may not pay what they approved; the payer makes the batch.
        let e = make(s, &user("rev", Role::Reviewer), cid, PayMethod::Bank).await.unwrap_err();
        assert!(matches!(e, StoreError::Refused(ref m) if m.contains("审批与发放须由不同的人")), "{}: {e}", b.name);
        assert!(
            matches!(make(s, &user("pay", Role::Bureau), cid, PayMethod::Goods).await, Err(StoreError::Conflict(_))),
            "a cash project pays no goods"
        );
        let made = make(s, &user("pay", Role::Bureau), cid, PayMethod::Bank).await.unwrap();
        assert_eq!((made.lines, made.amount_fen, made.without_account), (3, 270_000, 1), "{}", b.name);
        assert!(
            matches!(make(s, &user("pay", Role::Bureau), cid, PayMethod::Bank).await, Err(StoreError::Conflict(_))),
            "nothing left"
        );

        // The bank file: the accounts in full, in order, with stable references.
        let file = s.bank_file_lines(made.id).await.unwrap();
        assert_eq!(file.len(), 3);
        assert_eq!((file[0].line_no, file[0].account.as_str(), file[0].amount_fen), (1, "622202100112345600", 90_000));
        assert!(
            file[0].reference.ends_with("-00001-1") && file[0].summary.contains("测试项目"),
            "{}",
            file[0].reference
        );
        let line = |i: usize, amount: &str, result: &str, reason: &str| ResultLine {
            row: i as u32 + 2,
            reference: file[i].reference.clone(),
            account: file[i].account.clone(),
            amount: amount.into(),
            result: result.into(),
            reason: reason.into(),
        };
        let mut wrong_account = line(2, "900.00", "成功", "");
        wrong_account.account = "6222021001123456999".into();
        let stranger = ResultLine { reference: "P2020-9999-00001-1".into(), ..line(0, "900", "成功", "") };
        let file_lines = vec![
            line(0, "900.00", "成功", ""),
            line(1, "900", "失败", "户名不符"),
            line(0, "900", "成功", ""),
            wrong_account,
            stranger,
        ];
        let c = results(s, made.id, &file_lines).await;
        assert_eq!(
            (
                c.lines,
                c.paid,
                c.failed,
                c.unresolved,
                c.unmatched,
                c.mismatched,
                c.duplicates,
                c.missing,
                c.already_recorded
            ),
            (5, 1, 1, 0, 1, 1, 1, 0, 0),
            "{}: {c:?}",
            b.name
        );
        // Again: nothing changes; then the third line's result, unclear, then clear.
        let again = results(s, made.id, &file_lines).await;
        assert_eq!((again.paid, again.failed, again.already_recorded, again.mismatched), (0, 0, 2, 1), "{}", b.name);
        let c = results(s, made.id, &[line(0, "900", "成功", "")]).await;
        assert_eq!((c.already_recorded, c.missing), (1, 1), "the third line, mismatched before, still waits");
        let c = results(s, made.id, &[line(2, "900", "处理中", "")]).await;
        assert_eq!((c.unresolved, c.missing), (1, 0));
        let lines = s.payment_lines(&Scope::All, made.id).await.unwrap();
        assert_eq!(
            lines.iter().map(|l| l.state).collect::<Vec<_>>(),
            vec![LineState::Paid, LineState::Failed, LineState::Unresolved]
        );
        assert_eq!(lines[1].reason, Some(FailReason::NameMismatch));
        assert_eq!(lines[1].bank_reason.as_deref(), Some("户名不符"));
        assert_eq!(lines[0].account_masked.as_deref(), Some("****5600"), "masked on pages");

        // Progress: 4 approved = 1 disbursed + 1 failed + 2 pending (one without an account).
        let p = s.payment_progress(&Scope::All, cid).await.unwrap();
        let t = &p.total;
        assert_eq!(
            (t.approved.entitlements, t.disbursed.entitlements, t.failed.entitlements, t.pending.entitlements),
            (4, 1, 1, 2)
        );
        assert_eq!((t.approved.amount_fen, t.disbursed.amount_fen), (360_000, 90_000));
        assert!(t.adds_up() && p.problems.is_empty(), "{}: {:?}", b.name, p.problems);
        assert_eq!(p.units[0].unit, BUREAU_CODE);

        // Only the failed line is re-issued, once, as attempt 2 pointing to it.
        let re = {
            let mut tx = s.write(&user("pay", Role::Bureau)).await.unwrap();
            let re = pay::reissue(&mut tx, &Scope::All, made.id).await.unwrap();
            tx.commit().await.unwrap();
            re
        };
        assert_eq!((re.lines, re.amount_fen), (1, 90_000));
        let new_lines = s.payment_lines(&Scope::All, re.id).await.unwrap();
        assert_eq!(
            (new_lines[0].attempt, new_lines[0].reissue_of, new_lines[0].entitlement_id),
            (2, Some(lines[1].id), ents[1])
        );
        assert!(new_lines[0].reference.ends_with("-00001-2"));
        let mut tx = s.write(&user("pay", Role::Bureau)).await.unwrap();
        assert!(matches!(pay::reissue(&mut tx, &Scope::All, made.id).await, Err(StoreError::Conflict(_))), "once");
        drop(tx);
        let e = s.entitlement(&Scope::All, ents[1]).await.unwrap().unwrap();
        assert_eq!(e.entitlement.state, EntitlementState::Reissued);
        let batches = s.payment_batches(&Scope::All, cid).await.unwrap();
        assert_eq!(batches.len(), 2);
        assert!(!batches[1].reconciled(), "the first batch still has an unresolved line");
        assert!(s.verify_audit().await.unwrap().ok());
        common::assert_person_keys(s).await;
    }
}

#[tokio::test]
async fn a_double_click_and_two_operators_at_once_never_pay_twice_nor_lose_a_result() {
    for b in backends().await {
        let s = &b.store;
        let (cid, _, _) = approved(s).await;
        // Two batch creations at the same moment: one takes the lines, the other finds nothing left.
        let payer = user("pay", Role::Bureau);
        let (a, c) = tokio::join!(make(s, &payer, cid, PayMethod::Bank), make(s, &payer, cid, PayMethod::Bank));
        let made = match (a, c) {
            (Ok(m), Err(StoreError::Conflict(_))) | (Err(StoreError::Conflict(_)), Ok(m)) => m,
            other => panic!("{}: exactly one batch: {other:?}", b.name),
        };
        assert_eq!(made.lines, 3);
        // Two operators record the same result file at the same moment.
        let file = s.bank_file_lines(made.id).await.unwrap();
        let lines: Vec<ResultLine> = file
            .iter()
            .enumerate()
            .map(|(i, l)| ResultLine {
                row: i as u32 + 2,
                reference: l.reference.clone(),
                account: l.account.clone(),
                amount: "900".into(),
                result: if i == 0 { "失败".into() } else { "成功".into() },
                reason: "户名不符".into(),
            })
            .collect();
        let (x, y) = tokio::join!(results(s, made.id, &lines), results(s, made.id, &lines));
        assert_eq!(
            (x.paid + y.paid, x.failed + y.failed, x.already_recorded + y.already_recorded),
            (2, 1, 3),
            "{}",
            b.name
        );
        let paid: i64 = on_db!(s.db(), p => sqlx::query_scalar("SELECT COUNT(*) FROM payment_lines WHERE state = 'paid'")
            .fetch_one(p).await.unwrap());
        assert_eq!(paid, 2, "{}", b.name);
        let p = s.payment_progress(&Scope::All, cid).await.unwrap();
        assert!(p.total.adds_up() && p.problems.is_empty(), "{}: {:?}", b.name, p.problems);
    }
}

/// A 卡券 batch made with a voucher batch hands each line its amount in vouchers (900 元 = three of
/// 300 元) to the line's person; an amount that is not a whole number of vouchers, or too few left,
/// refuses the payment batch whole; a line not signed for gives its vouchers back.
#[tokio::test]
async fn a_voucher_batch_hands_out_vouchers_on_its_lines_and_takes_back_the_unsigned() {
    use yikou_domain::voucher::VoucherBatch;
    for b in backends().await {
        let s = &b.store;
        let (cid, _, _) = approved_as(s, Form::Voucher).await;
        let batch = |face: i64, count: u32, prefix: &str| VoucherBatch {
            name: format!("粮油券{face}"),
            face_value: Fen::from_yuan(face),
            valid_from: yikou_domain::today(),
            valid_until: yikou_domain::today() + time::Duration::days(60),
            supermarket: "古美慈善超市".into(),
            count,
            prefix: prefix.into(),
        };
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let (odd, _) = yikou_store::voucher::create_batch(&mut tx, cid, &batch(400, 20, "AA")).await.unwrap();
        let (few, _) = yikou_store::voucher::create_batch(&mut tx, cid, &batch(300, 5, "BB")).await.unwrap();
        let (fits, _) = yikou_store::voucher::create_batch(&mut tx, cid, &batch(300, 20, "LY")).await.unwrap();
        tx.commit().await.unwrap();
        let payer = user("pay", Role::Bureau);
        let with = |vb: i64| BatchFilter { voucher_batch: Some(vb), ..BatchFilter::default() };
        let try_make = |vb: i64| {
            let payer = payer.clone();
            async move {
                let mut tx = s.write(&payer).await?;
                let made = pay::create_batch(&mut tx, &Scope::All, cid, PayMethod::Voucher, &with(vb)).await?;
                tx.commit().await?;
                Ok::<_, StoreError>(made)
            }
        };
        let e = try_make(odd).await.unwrap_err();
        assert!(e.to_string().contains("不是卡券“粮油券400”面值 400.00 元的整数倍"), "{}: {e}", b.name);
        let e = try_make(few).await.unwrap_err();
        assert!(e.to_string().contains("只剩 5 张未发放，本批发放需要 12 张"), "{}: {e}", b.name);
        let made = try_make(fits).await.unwrap();
        assert_eq!(made.lines, 4, "{}: the refused attempts left nothing behind", b.name);
        let codes = yikou_store::voucher::codes_of_batch(s, made.id).await.unwrap();
        assert_eq!(codes.len(), 12);
        let given = s
            .vouchers(&Scope::All, Some(yikou_domain::voucher::VoucherState::Issued), yikou_domain::today(), 100)
            .await
            .unwrap();
        assert_eq!(given.len(), 12);
        // One line not signed for: its three vouchers go back to the batch.
        let mut tx = s.write(&user("gumei1", Role::Street)).await.unwrap();
        let unsigned = [pay::Unsigned { line_no: 2, reason: "本人住院未领".into() }];
        let counts =
            pay::record_signoff(&mut tx, &Scope::Street(GUMEI.into()), made.id, None, &unsigned).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((counts.paid, counts.failed), (3, 1));
        assert_eq!(yikou_store::voucher::codes_of_batch(s, made.id).await.unwrap().len(), 9, "{}", b.name);
        let left = s.voucher_batches(cid).await.unwrap().into_iter().find(|v| v.0 == fits).unwrap().4;
        assert_eq!(left, 11, "20 made, 12 handed out, 3 back");
    }
}
