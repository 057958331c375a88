//! 逐行校验 (row validation): every problem with the spreadsheet row number, the column, the value
//! (ID numbers masked) and what to do, in Chinese.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::fxhash::FxMap;

use serde::Serialize;
use time::Date;
use yikou_domain::id_number::{near_misses, normalize};
use yikou_domain::money::Fen;
use yikou_domain::{IdNumber, Phone, Sex, Standard};

use crate::columns::{Field, HeaderMap};
use crate::read::{number_text, Cell};

/// One problem found in a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    pub row: u32,
    pub column: String,
    pub code: String,
    pub message: String,
    /// A warning asks the user to confirm; it does not reject the row.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
}

/// The Excel digit-loss trap: an 18-digit number typed into a numeric cell keeps only 15 digits.
const NUMERIC_ID: &str = "身份证号被Excel存为数字，后几位已丢失，请将该列设置为文本后重新录入";

/// A row that passed: typed values ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    pub row: u32,
    pub id_number: IdNumber,
    pub name: String,
    pub phone: Option<Phone>,
    pub address: Option<String>,
    pub street_code: Option<String>,
    pub committee_code: Option<String>,
    pub categories: Vec<String>,
    /// 户编号 or the head's ID number, as written (normalised when it is an ID number).
    pub household: Option<String>,
    pub household_size: Option<u32>,
    pub amount: Option<Fen>,
    pub notes: Option<String>,
    /// 户名 (the name when blank), 开户行, 银行账号: when an account is given.
    pub bank: Option<(String, Option<String>, yikou_domain::pay::BankAccount)>,
}

/// Reference data the rows are checked against.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    /// Street/town name or code → 12-digit code, and code → name.
    pub streets: FxMap<String, String>,
    pub street_names: FxMap<String, String>,
    /// (street code, committee name or code) → committee code.
    pub committees: FxMap<(String, String), String>,
    /// Category name or code → code.
    pub categories: FxMap<String, String>,
}

impl Reference {
    pub fn add_street(&mut self, code: &str, name: &str) {
        self.streets.insert(code.to_string(), code.to_string());
        self.streets.insert(code[..9.min(code.len())].to_string(), code.to_string());
        self.streets.insert(name.to_string(), code.to_string());
        self.street_names.insert(code.to_string(), name.to_string());
    }
    pub fn add_committee(&mut self, street: &str, code: &str, name: &str) {
        self.committees.insert((street.to_string(), code.to_string()), code.to_string());
        self.committees.insert((street.to_string(), name.to_string()), code.to_string());
        // 居委会 / 居委 / 村委会 / 村委 are written interchangeably.
        for (long, short) in [("居委会", "居委"), ("村委会", "村委")] {
            if let Some(stem) = name.strip_suffix(long) {
                self.committees.insert((street.to_string(), format!("{stem}{short}")), code.to_string());
                self.committees.insert((street.to_string(), stem.to_string()), code.to_string());
            }
        }
    }
    pub fn add_category(&mut self, code: &str, name: &str) {
        self.categories.insert(code.to_string(), code.to_string());
        self.categories.insert(name.to_string(), code.to_string());
    }
    /// The data shipped in the binary (no committees: those live in the database).
    pub fn shipped() -> Reference {
        let mut r = Reference::default();
        for u in yikou_domain::reference::streets() {
            r.add_street(u.code, u.name);
        }
        for c in yikou_domain::reference::CATEGORIES {
            r.add_category(c.code, c.name);
        }
        r
    }
}

/// What the register knows about an ID number (for "name differs" and "did you mean").
pub trait Register {
    /// The registered name for this number, if the person is registered.
    fn name_of(&self, id: &IdNumber) -> Option<String>;
}

/// An empty register (nothing registered yet).
pub struct NoRegister;
impl Register for NoRegister {
    fn name_of(&self, _: &IdNumber) -> Option<String> {
        None
    }
}

impl<S: std::hash::BuildHasher> Register for HashMap<String, String, S> {
    fn name_of(&self, id: &IdNumber) -> Option<String> {
        self.get(id.as_str()).cloned()
    }
}

/// Validates rows one at a time, remembering what it has seen (duplicates within the file).
pub struct Validator<'a> {
    reference: &'a Reference,
    register: &'a dyn Register,
    standard: Option<(&'a str, Standard)>,
    today: Date,
    seen: FxMap<[u8; 18], u32>,
    cols: [Option<usize>; Field::ALL.len()],
    /// The street (code) of a row whose 街镇 is blank: the importing clerk's own street.
    default_street: Option<String>,
}

fn masked_name(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(first) => format!("{first}{}", "*".repeat(c.count().max(1))),
        None => String::new(),
    }
}

impl<'a> Validator<'a> {
    pub fn new(
        header: &'a HeaderMap,
        reference: &'a Reference,
        register: &'a dyn Register,
        standard: Option<(&'a str, Standard)>,
        today: Date,
    ) -> Validator<'a> {
        let mut cols = [None; Field::ALL.len()];
        for (i, f) in Field::ALL.iter().enumerate() {
            cols[i] = header.column(*f);
        }
        Validator { reference, register, standard, today, seen: FxMap::default(), cols, default_street: None }
    }

    /// Rows without a 街镇 belong to this street (a street clerk's list often has no such column).
    pub fn with_default_street(mut self, code: Option<&str>) -> Validator<'a> {
        self.default_street = code.map(str::to_string);
        self
    }

    fn cell<'c>(&self, cells: &'c [Cell], f: Field) -> Option<&'c Cell> {
        let i = Field::ALL.iter().position(|g| *g == f).expect("every field listed");
        self.cols[i].and_then(|c| cells.get(c)).filter(|c| !c.is_blank())
    }

    fn text<'c>(&self, cells: &'c [Cell], f: Field) -> Option<Cow<'c, str>> {
        self.cell(cells, f).map(|c| match c.as_text() {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        })
    }

    /// Checks one row. Ok carries the typed row and any warnings; Err every problem of the row.
    pub fn check(&mut self, row: u32, cells: &[Cell]) -> Result<(ValidRow, Vec<RowIssue>), Vec<RowIssue>> {
        let mut issues = Vec::new();
        let mut warnings = Vec::new();
        let issue = |column: Field, code: &str, message: String| RowIssue {
            row,
            column: column.label().to_string(),
            code: code.to_string(),
            message,
            warning: false,
        };

        // 身份证号
        let id = match self.cell(cells, Field::IdNumber) {
            None => {
                issues.push(issue(Field::IdNumber, "id_empty", "身份证号为空，请填写18位身份证号".into()));
                None
            }
            Some(Cell::Number(v)) => {
                let digits = number_text(*v);
                if *v >= 1e15 || v.fract() != 0.0 {
                    issues.push(issue(Field::IdNumber, "id_numeric_cell", NUMERIC_ID.into()));
                    None
                } else {
                    self.parse_id(&digits, &mut issues, row)
                }
            }
            Some(c) => {
                let raw = c.text();
                let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                // A CSV saved from a numeric column: "3.10112E+17".
                if compact.contains(['E', 'e'])
                    && compact.contains('+')
                    && compact.replace(['.', 'E', 'e', '+'], "").chars().all(|c| c.is_ascii_digit())
                {
                    issues.push(issue(Field::IdNumber, "id_numeric_cell", NUMERIC_ID.into()));
                    None
                } else {
                    self.parse_id(&raw, &mut issues, row)
                }
            }
        };

        // 姓名
        let name = self.text(cells, Field::Name);
        if name.is_none() {
            issues.push(issue(Field::Name, "name_empty", "姓名为空，请填写".into()));
        }
        if let (Some(n), Some(id)) = (&name, &id) {
            if n.chars().count() > 50 {
                issues.push(issue(Field::Name, "name_too_long", "姓名超过50个字，请核对".into()));
            }
            if let Some(registered) = self.register.name_of(id) {
                if registered != *n {
                    warnings.push(RowIssue {
                        warning: true,
                        ..issue(
                            Field::Name,
                            "name_differs",
                            format!(
                                "姓名“{n}”与帮困对象库中身份证号 {} 的姓名“{}”不同，请确认是否同一人",
                                id.masked(),
                                masked_name(&registered)
                            ),
                        )
                    });
                }
            }
        }

        // 性别、年龄 against the ID.
        if let (Some(id), Some(sex)) = (&id, self.text(cells, Field::Sex)) {
            match Sex::parse(&sex) {
                None => issues.push(issue(Field::Sex, "sex_unknown", format!("性别“{sex}”无法识别，请填写“男”或“女”"))),
                Some(s) if s != id.sex() => issues.push(issue(
                    Field::Sex,
                    "sex_contradicts_id",
                    format!("性别填写为“{sex}”，但身份证号显示为“{}”，请核对身份证号或性别", id.sex().label()),
                )),
                _ => {}
            }
        }
        if let (Some(id), Some(age)) = (&id, self.text(cells, Field::Age)) {
            let expected = id.age_at(self.today);
            match age.trim_end_matches('岁').parse::<i32>() {
                Ok(a) if (a - expected).abs() > 1 => issues.push(issue(
                    Field::Age,
                    "age_contradicts_id",
                    format!("年龄填写为{a}岁，但按身份证号计算为{expected}岁，请核对"),
                )),
                Ok(_) => {}
                Err(_) => issues.push(issue(Field::Age, "age_not_a_number", format!("年龄“{age}”不是数字"))),
            }
        }

        // 联系电话
        let phone = match self.cell(cells, Field::Phone) {
            None => None,
            Some(c) => match Phone::parse(&c.text()) {
                Ok(p) => Some(p),
                Err(e) => {
                    issues.push(issue(Field::Phone, "phone_invalid", format!("{e}")));
                    None
                }
            },
        };

        // 银行账号 (户名 defaults to the name)
        let account = match self.cell(cells, Field::BankAccount) {
            None => None,
            Some(Cell::Number(v)) if number_text(*v).len() > 15 => {
                issues.push(issue(
                    Field::BankAccount,
                    "bank_account_numeric",
                    "银行账号被Excel存为数字，后几位已丢失，请将该列设置为文本后重新录入".to_string(),
                ));
                None
            }
            Some(c) => match yikou_domain::pay::BankAccount::parse(&c.text()) {
                Ok(a) => Some(a),
                Err(e) => {
                    issues.push(issue(Field::BankAccount, "bank_account_invalid", e.to_string()));
                    None
                }
            },
        };

        // 街镇、居委
        let street_code = match self.text(cells, Field::Street) {
            None => self.default_street.clone(),
            Some(s) => match self.reference.streets.get(s.as_ref()) {
                Some(code) => Some(code.clone()),
                None => {
                    issues.push(issue(
                        Field::Street,
                        "street_unknown",
                        format!("街镇“{s}”不是本区的街镇，请从下拉列表中选择（如：古美街道、七宝镇）"),
                    ));
                    None
                }
            },
        };
        let committee_code = match (self.text(cells, Field::Committee), &street_code) {
            (None, _) => None,
            (Some(c), Some(street)) => match self.reference.committees.get(&(street.clone(), c.to_string())) {
                Some(code) => Some(code.clone()),
                None => {
                    let street_name = self.reference.street_names.get(street).cloned().unwrap_or_default();
                    issues.push(issue(
                        Field::Committee,
                        "committee_unknown",
                        format!("居委“{c}”不在{street_name}下，请核对名称或先在系统中添加该居委"),
                    ));
                    None
                }
            },
            (Some(_), None) => {
                if self.cell(cells, Field::Street).is_none() {
                    issues.push(issue(Field::Street, "street_missing", "填写了居委但未填写街镇，请补充街镇".into()));
                }
                None
            }
        };

        // 类别 (several allowed, separated by 、 , ; or /)
        let mut categories = Vec::new();
        if let Some(text) = self.text(cells, Field::Category) {
            for part in text.split(['、', ',', '，', ';', '；', '/']).map(str::trim).filter(|p| !p.is_empty()) {
                match self.reference.categories.get(part) {
                    Some(code) => categories.push(code.clone()),
                    None => issues.push(issue(
                        Field::Category,
                        "category_unknown",
                        format!("类别“{part}”无法识别，请使用标准类别名称（如：低保家庭、困难老人）"),
                    )),
                }
            }
        }

        // 户编号, 户内人数
        let household = self.text(cells, Field::Household).map(|h| {
            let n = normalize(&h);
            if IdNumber::parse_at(&n, self.today).is_ok() {
                n
            } else {
                h.into_owned()
            }
        });
        let household_size = match self.text(cells, Field::HouseholdSize) {
            None => None,
            Some(t) => match t.trim_end_matches('人').parse::<u32>() {
                Ok(n) if (1..=30).contains(&n) => Some(n),
                _ => {
                    issues.push(issue(
                        Field::HouseholdSize,
                        "household_size_invalid",
                        format!("户内人数“{t}”应为1到30之间的整数"),
                    ));
                    None
                }
            },
        };

        // 金额
        let amount = match self.cell(cells, Field::Amount) {
            None => None,
            Some(c) => {
                let parsed = match c {
                    Cell::Number(v) => Fen::from_cell_number(*v),
                    other => Fen::parse(&other.text()),
                };
                match parsed {
                    Ok(f) => Some(f),
                    Err(e) => {
                        issues.push(issue(Field::Amount, e.code(), format!("{e}")));
                        None
                    }
                }
            }
        };
        if let (Some((project, standard)), Some(a)) = (&self.standard, amount) {
            let members = household_size.unwrap_or(1);
            if !standard.allows(a, members) {
                issues.push(issue(
                    Field::Amount,
                    "amount_outside_standard",
                    format!("金额 {}元 不符合项目“{project}”的标准（{}），请核对", a.yuan(), standard.describe()),
                ));
            }
        }

        // Duplicates within the file.
        if let Some(id) = &id {
            let key: [u8; 18] = id.as_str().as_bytes().try_into().expect("18 characters");
            if let Some(first) = self.seen.get(&key) {
                issues.push(issue(
                    Field::IdNumber,
                    "id_duplicate_in_file",
                    format!("身份证号 {} 与第{first}行重复：同一人在一份名单中只能出现一次，请删除重复行", id.masked()),
                ));
            } else {
                self.seen.insert(key, row);
            }
        }

        if !issues.is_empty() {
            return Err(issues);
        }
        let id = id.expect("no issues means the ID parsed");
        let name = name.expect("no issues means a name").into_owned();
        let bank = account.map(|a| {
            let holder = self.text(cells, Field::BankHolder).map(Cow::into_owned).unwrap_or_else(|| name.clone());
            (holder, self.text(cells, Field::BankName).map(Cow::into_owned), a)
        });
        Ok((
            ValidRow {
                row,
                id_number: id,
                name,
                phone,
                address: self.text(cells, Field::Address).map(Cow::into_owned),
                street_code,
                committee_code,
                categories,
                household,
                household_size,
                amount,
                notes: self.text(cells, Field::Notes).map(Cow::into_owned),
                bank,
            },
            warnings,
        ))
    }

    fn parse_id(&self, raw: &str, issues: &mut Vec<RowIssue>, row: u32) -> Option<IdNumber> {
        match IdNumber::parse_at(raw, self.today) {
            Ok(id) => Some(id),
            Err(e) => {
                let mut message = format!("{e}");
                // "Did you mean": a registered number one typo away.
                let known: Vec<(IdNumber, String)> = near_misses(raw, self.today)
                    .into_iter()
                    .filter_map(|c| self.register.name_of(&c).map(|n| (c, n)))
                    .collect();
                if let [(c, n)] = known.as_slice() {
                    message.push_str(&format!("。是否为已登记的 {}（{}）？", c.masked(), masked_name(n)));
                } else if !matches!(e, yikou_domain::id_number::IdError::Empty) {
                    message.push_str("。请对照身份证原件核对后重新填写");
                }
                issues.push(RowIssue {
                    row,
                    column: Field::IdNumber.label().to_string(),
                    code: e.code().to_string(),
                    message,
                    warning: false,
                });
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::find_header;
    use time::macros::date;

    fn t(s: &str) -> Cell {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.into())
        }
    }

    fn setup() -> (HeaderMap, Reference) {
        let header = vec![(
            1,
            ["姓名", "身份证号", "性别", "年龄", "联系电话", "街镇", "居委", "类别", "户内人数", "金额"]
                .map(t)
                .to_vec(),
        )];
        let h = find_header(&header).unwrap();
        let mut r = Reference::shipped();
        r.add_committee("310112006000", "310112006001", "古龙一村居委会");
        (h, r)
    }

    fn check(v: &mut Validator, row: u32, cells: &[&str]) -> Result<(ValidRow, Vec<RowIssue>), Vec<RowIssue>> {
        let cells: Vec<Cell> = cells.iter().map(|s| t(s)).collect();
        v.check(row, &cells)
    }

    const TODAY: Date = date!(2020 - 01 - 01);

    #[test]
    fn a_bank_account_is_checked_and_its_holder_defaults_to_the_name() {
        let header = vec![(1, ["姓名", "身份证号", "开户行", "银行账号"].map(t).to_vec())];
        let h = find_header(&header).unwrap();
        let r = Reference::shipped();
        let mut v = Validator::new(&h, &r, &NoRegister, None, TODAY);
        let (row, _) =
            check(&mut v, 2, &["张三", "11010519491231002X", "工商银行", "6222 0210 0112 3456 789"]).unwrap();
        let (holder, bank, account) = row.bank.unwrap();
        assert_eq!(
            (holder.as_str(), bank.as_deref(), account.masked().as_str()),
            ("张三", Some("工商银行"), "****6789")
        );
        let e = check(&mut v, 3, &["李四", "34052419800101001X", "", "6222x"]).unwrap_err();
        assert_eq!((e[0].code.as_str(), e[0].column.as_str()), ("bank_account_invalid", "银行账号"));
        let cells = vec![t("王五"), t("310221194503150021"), t(""), Cell::Number(6_222_021_001_123_456_789.0)];
        let e = v.check(4, &cells).unwrap_err();
        assert_eq!(e[0].code, "bank_account_numeric", "Excel kept 15 digits of it");
    }

    #[test]
    fn a_clean_row_is_typed() {
        let (h, r) = setup();
        let mut v = Validator::new(&h, &r, &NoRegister, None, TODAY);
        let (row, warnings) = check(
            &mut v,
            2,
            &[
                "张三",
                "11010519491231002X",
                "女",
                "70",
                "13812345678",
                "古美街道",
                "古龙一村",
                "低保家庭、困难老人",
                "3",
                "1,200",
            ],
        )
        .unwrap();
        assert!(warnings.is_empty());
        assert_eq!(row.street_code.as_deref(), Some("310112006000"));
        assert_eq!(row.committee_code.as_deref(), Some("310112006001"));
        assert_eq!(row.categories, vec!["DB", "LR"]);
        assert_eq!(row.amount, Some(Fen(120_000)));
        assert_eq!(row.household_size, Some(3));
    }

    #[test]
    fn every_problem_of_a_row_is_reported_with_its_column() {
        let (h, r) = setup();
        let mut v = Validator::new(&h, &r, &NoRegister, None, TODAY);
        let e =
            check(&mut v, 7, &["张三", "11010519491231002X", "男", "30", "123", "火星街道", "", "外星人", "", "三百"])
                .unwrap_err();
        let codes: Vec<&str> = e.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "sex_contradicts_id",
                "age_contradicts_id",
                "phone_invalid",
                "street_unknown",
                "category_unknown",
                "amount_not_a_number"
            ]
        );
        assert!(e.iter().all(|i| i.row == 7));
        assert_eq!(e[3].column, "街镇");
        assert!(e[0].message.contains("身份证号显示为“女”"));
    }

    #[test]
    fn numeric_id_cells_and_scientific_notation_lose_digits() {
        let (h, r) = setup();
        let mut v = Validator::new(&h, &r, &NoRegister, None, TODAY);
        let mut cells: Vec<Cell> = ["张三", "", "", "", "", "", "", "", "", ""].iter().map(|s| t(s)).collect();
        cells[1] = Cell::Number(310112198001009984.0);
        let e = v.check(2, &cells).unwrap_err();
        assert_eq!(e[0].message, "身份证号被Excel存为数字，后几位已丢失，请将该列设置为文本后重新录入");
        let e = check(&mut v, 3, &["李四", "3.10112E+17"]).unwrap_err();
        assert_eq!(e[0].code, "id_numeric_cell");
        // A 15-digit number in a numeric cell is exact.
        cells[1] = Cell::Number(610104620927690.0);
        let (row, _) = v.check(4, &cells).unwrap();
        assert_eq!(row.id_number.as_str(), "610104196209276908");
    }

    #[test]
    fn duplicates_name_the_first_row_and_ids_are_masked() {
        let (h, r) = setup();
        let mut v = Validator::new(&h, &r, &NoRegister, None, TODAY);
        check(&mut v, 2, &["张三", "11010519491231002X"]).unwrap();
        let e = check(&mut v, 9, &["张三", "110105 19491231 002x"]).unwrap_err();
        assert_eq!(e[0].code, "id_duplicate_in_file");
        assert!(e[0].message.contains("第2行"));
        assert!(e[0].message.contains("110105********002X"));
        assert!(!e[0].message.contains("11010519491231002X"));
    }

    #[test]
    fn register_gives_name_warnings_and_did_you_mean() {
        let (h, r) = setup();
        let mut reg = HashMap::new();
        reg.insert("11010519491231002X".to_string(), "张三".to_string());
        let mut v = Validator::new(&h, &r, &reg, None, TODAY);
        let (_, w) = check(&mut v, 2, &["张山", "11010519491231002X"]).unwrap();
        assert_eq!(w[0].code, "name_differs");
        assert!(w[0].warning);
        let e = check(&mut v, 3, &["张三", "11010519491231005X"]).unwrap_err();
        assert!(e[0].message.contains("是否为已登记的 110105********002X（张*）"), "{}", e[0].message);
    }

    #[test]
    fn amounts_outside_the_project_standard() {
        let (h, r) = setup();
        let std = Standard::PerHousehold { base: Fen::from_yuan(600), per_extra_member: Fen::from_yuan(100) };
        let mut v = Validator::new(&h, &r, &NoRegister, Some(("低保家庭节日补助", std)), TODAY);
        check(&mut v, 2, &["甲", "11010519491231002X", "", "", "", "", "", "", "3", "800"]).unwrap();
        let e = check(&mut v, 3, &["乙", "34052419800101001X", "", "", "", "", "", "", "3", "900"]).unwrap_err();
        assert_eq!(e[0].code, "amount_outside_standard");
        assert!(e[0].message.contains("600.00元/户，每增加1人加100.00元"));
    }
}
