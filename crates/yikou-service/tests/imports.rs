//! The import template and the error workbook agree with the instructions: the drop-downs are the
//! clerk's own, several categories are allowed, and a corrected error workbook imports cleanly.

mod common;

use std::io::Read;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{fresh, GUMEI, QIBAO};
use time::macros::date;
use yikou_domain::id_number::compose;
use yikou_domain::reference::UnitKind;
use yikou_domain::{Actor, Scope};
use yikou_ingest::output::{write_template, TEMPLATE_COLUMNS};
use yikou_service::imports::{check_file, template_lists, write_errors, Against, Reading};
use yikou_store::Store;

/// Two committees in 古美 and one in 七宝 (committees are data, not shipped reference).
async fn committees(store: &Store) {
    let mut tx = store.write(&Actor::system("test")).await.unwrap();
    for (code, name, street) in [
        ("310112006001", "古龙一村居委会", GUMEI),
        ("310112006002", "平阳新村居委会", GUMEI),
        ("310112102001", "七宝新村居委会", QIBAO),
    ] {
        yikou_store::reference::add_unit(&mut tx, code, name, UnitKind::Committee, street).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_template_lists_the_clerks_own_streets_and_committees() {
    let f = fresh().await;
    committees(&f.store).await;
    let street = template_lists(&f.store, &Scope::Street(GUMEI.into()), None).await.unwrap();
    assert_eq!(street.streets, ["古美街道"]);
    assert_eq!(street.committees, ["古龙一村居委会", "平阳新村居委会"]);
    let committee = template_lists(&f.store, &Scope::Committee("310112102001".into()), None).await.unwrap();
    assert_eq!(
        (committee.streets.as_slice(), committee.committees.as_slice()),
        (&["七宝镇".to_string()][..], &["七宝新村居委会".to_string()][..])
    );
    let district = template_lists(&f.store, &Scope::All, None).await.unwrap();
    assert_eq!(district.streets.len(), 14);
    assert_eq!(district.committees.len(), 3, "the district gets every committee");
    assert_eq!(district.categories.len(), street.categories.len());

    // Several categories: the category list hints and refuses nothing; the instructions say how.
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("模板.xlsx");
    write_template(&t, &street).unwrap();
    let sheet = part(&t, "xl/worksheets/sheet1.xml");
    let category = validation(&sheet, "H2:H10001");
    assert!(!category.contains("showErrorMessage=\"1\""), "several categories are not refused: {category}");
    assert!(category.contains("顿号"), "the hint says how to write several: {category}");
    let mut book: Xlsx<_> = open_workbook(&t).unwrap();
    let help = book.worksheet_range("填写说明").unwrap();
    let rule = help.rows().find(|r| r[0] == Data::String("类别".into())).unwrap()[1].to_string();
    assert!(rule.contains("顿号") && rule.contains("低保家庭、重残无业人员"), "{rule}");
}

/// The text of one part of an .xlsx.
fn part(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// The `<dataValidation …>…</dataValidation>` element covering `range`.
fn validation(sheet: &str, range: &str) -> String {
    let at = sheet.find(&format!("sqref=\"{range}\"")).unwrap_or_else(|| panic!("a validation on {range}"));
    let start = sheet[..at].rfind("<dataValidation ").unwrap();
    let end = at + sheet[at..].find("</dataValidation>").unwrap();
    sheet[start..end].to_string()
}

#[tokio::test]
async fn a_corrected_error_workbook_imports_cleanly() {
    let f = fresh().await;
    committees(&f.store).await;
    let dir = tempfile::tempdir().unwrap();
    // A list in its own column order, with a column the import does not read.
    let ids: Vec<String> = (11..99)
        .map(|i| compose("310112", date!(1950 - 03 - 01), i).as_str().to_string())
        .filter(|id| !id.ends_with('X'))
        .take(4)
        .collect();
    let bad_digit = format!("{}{}", &ids[1][..17], if ids[1].ends_with('0') { '1' } else { '0' });
    let list = dir.path().join("名单.xlsx");
    {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["序号", "名字", "身份证号码", "街道", "居委", "困难类别", "手机"].iter().enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let rows: [(&str, &str, &str, &str); 4] = [
            ("甲某", ids[0].as_str(), "低保家庭", "13812345678"),
            ("乙某", bad_digit.as_str(), "低保家庭", ""),
            ("丙某", "", "低保户口", "13812345679"),
            ("丁某", ids[3].as_str(), "困难老人", ""),
        ];
        for (r, (name, id, category, phone)) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_number(r, 0, f64::from(r)).unwrap();
            ws.write_string(r, 1, *name).unwrap();
            if r == 3 {
                // Typed into an unformatted cell: Excel keeps 15 digits.
                ws.write_number(r, 2, ids[2].parse::<f64>().unwrap()).unwrap();
            } else {
                ws.write_string(r, 2, *id).unwrap();
            }
            ws.write_string(r, 3, "古美街道").unwrap();
            ws.write_string(r, 4, "古龙一村居委会").unwrap();
            ws.write_string(r, 5, *category).unwrap();
            if !phone.is_empty() {
                ws.write_number(r, 6, phone.parse::<f64>().unwrap()).unwrap();
            }
        }
        wb.save(&list).unwrap();
    }
    let scope = Scope::Street(GUMEI.into());
    let mut quiet = |_| {};
    let mut quiet2 = |_| {};
    let against = Against::of(&f.store, &scope, None, None).await.unwrap();
    let checked =
        check_file(&list, against, &scope, Reading { sheet: None, keep_rows: true, progress: &mut quiet }).unwrap();
    assert_eq!((checked.outcome.valid, checked.invalid()), (2, 2), "{:?}", checked.errors());

    let book = dir.path().join("错误行.xlsx");
    let lists = template_lists(&f.store, &scope, None).await.unwrap();
    write_errors(&book, &checked, &lists).unwrap();

    // The template's header; ID numbers and phones as text, whatever the list had; the drop-downs.
    let mut x: Xlsx<_> = open_workbook(&book).unwrap();
    let rows: Vec<Vec<Data>> = x.worksheet_range("待修改的行").unwrap().rows().map(<[Data]>::to_vec).collect();
    let header: Vec<String> = rows[0].iter().map(|d| d.to_string()).collect();
    let n = TEMPLATE_COLUMNS.len();
    assert_eq!(&header[..n], TEMPLATE_COLUMNS.map(String::from).as_slice());
    assert_eq!(&header[n..], ["错误说明", "原行号", "序号"]);
    assert_eq!(rows.len(), 3);
    for r in &rows[1..] {
        assert!(matches!(&r[1], Data::String(s) if s.len() >= 15), "ID as text: {:?}", r[1]);
        assert!(matches!(&r[3], Data::String(_) | Data::Empty), "phone as text: {:?}", r[3]);
    }
    assert!(rows[2][n].to_string().contains("身份证号"), "{:?}", rows[2]);
    let sheet = part(&book, "xl/worksheets/sheet1.xml");
    assert!(sheet.matches("<dataValidation ").count() >= 4, "the template's drop-downs");
    for range in ["F2:F10001", "G2:G10001", "H2:H10001", "C2:C10001"] {
        validation(&sheet, range);
    }
    let id_col = sheet.split("<col ").find(|c| c.starts_with("min=\"2\" max=\"2\"")).expect("the ID column");
    assert!(id_col.contains("width=\"22.") && id_col.contains("style="), "a wide text column: {id_col}");

    // Correct the two rows as a clerk would (the right ID number, a known category) and save a copy.
    let fixed = dir.path().join("错误行-已修改.xlsx");
    {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Data::String(s) => ws.write_string(r, c, s).map(|_| ()).unwrap(),
                    Data::Float(v) => ws.write_number(r, c, *v).map(|_| ()).unwrap(),
                    Data::Int(v) => ws.write_number(r, c, *v as f64).map(|_| ()).unwrap(),
                    _ => {}
                }
            }
        }
        for (r, row) in rows.iter().enumerate().skip(1) {
            match row[0].to_string().as_str() {
                "乙某" => ws.write_string(r as u32, 1, &ids[1]).map(|_| ()).unwrap(),
                "丙某" => {
                    ws.write_string(r as u32, 1, &ids[2]).unwrap();
                    ws.write_string(r as u32, 7, "低保家庭、重残无业人员").map(|_| ()).unwrap()
                }
                other => panic!("an unexpected row {other}"),
            }
        }
        wb.save(&fixed).unwrap();
    }
    let against = Against::of(&f.store, &scope, None, None).await.unwrap();
    let again =
        check_file(&fixed, against, &scope, Reading { sheet: None, keep_rows: true, progress: &mut quiet2 }).unwrap();
    assert!(again.errors().is_empty(), "{:?}", again.errors());
    assert_eq!((again.outcome.valid, again.rows.len()), (2, 2));
    assert_eq!(again.rows.iter().find(|r| r.name == "丙某").unwrap().categories.len(), 2);
}
