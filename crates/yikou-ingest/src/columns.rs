//! 表头 (header) recognition: the header row is found under title rows, its names are matched with
//! their common variants, and footer rows ("填表人：… 审核人：…") are recognised.

use unicode_normalization::UnicodeNormalization;

use crate::read::Cell;

/// A column the import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    IdNumber,
    Sex,
    Age,
    Phone,
    Address,
    Street,
    Committee,
    Category,
    Household,
    HouseholdSize,
    Amount,
    Notes,
    BankHolder,
    BankName,
    BankAccount,
}

impl Field {
    pub const ALL: [Field; 16] = [
        Field::Name,
        Field::IdNumber,
        Field::Sex,
        Field::Age,
        Field::Phone,
        Field::Address,
        Field::Street,
        Field::Committee,
        Field::Category,
        Field::Household,
        Field::HouseholdSize,
        Field::Amount,
        Field::Notes,
        Field::BankHolder,
        Field::BankName,
        Field::BankAccount,
    ];

    /// The template's own header for the column.
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "姓名",
            Field::IdNumber => "身份证号",
            Field::Sex => "性别",
            Field::Age => "年龄",
            Field::Phone => "联系电话",
            Field::Address => "户籍/居住地址",
            Field::Street => "街镇",
            Field::Committee => "居委",
            Field::Category => "类别",
            Field::Household => "户编号/户主身份证号",
            Field::HouseholdSize => "户内人数",
            Field::Amount => "金额",
            Field::Notes => "备注",
            Field::BankHolder => "户名",
            Field::BankName => "开户行",
            Field::BankAccount => "银行账号",
        }
    }

    /// Header names seen in real lists, normalised (see [`normalise_header`]).
    fn variants(self) -> &'static [&'static str] {
        match self {
            Field::Name => &["姓名", "名字", "对象姓名", "救助对象姓名", "帮困对象姓名", "户主姓名"],
            Field::IdNumber => &[
                "身份证号",
                "身份证号码",
                "公民身份号码",
                "证件号码",
                "身份证",
                "证件号",
                "身份证件号码",
                "公民身份证号码",
            ],
            Field::Sex => &["性别"],
            Field::Age => &["年龄", "周岁"],
            Field::Phone => &["联系电话", "手机", "电话", "手机号", "手机号码", "联系方式", "电话号码", "固定电话"],
            Field::Address => &[
                "户籍/居住地址",
                "户籍居住地址",
                "地址",
                "居住地址",
                "户籍地址",
                "家庭住址",
                "家庭地址",
                "住址",
                "现住址",
            ],
            Field::Street => &["街镇", "街道", "镇", "所属街镇", "街道镇", "街道(镇)", "街镇名称", "所在街镇"],
            Field::Committee => &["居委", "居村委", "居委会", "村居委", "所属居委", "居村", "居(村)委", "社区", "村委"],
            Field::Category => &["类别", "对象类别", "困难类别", "救助类别", "人员类别", "帮困类别", "困难类型"],
            Field::Household => {
                &["户编号/户主身份证号", "户编号", "户主身份证号", "户号", "家庭编号", "户主身份证号码"]
            }
            Field::HouseholdSize => &["户内人数", "家庭人数", "户人数", "家庭人口", "户籍人数", "家庭成员数"],
            Field::Amount => &["金额", "帮扶金额", "标准", "发放金额", "补助金额", "慰问金额", "救助金额", "金额(元)"],
            Field::Notes => &["备注", "说明"],
            Field::BankHolder => &["户名", "账户名", "开户名", "账户名称", "收款人", "收款人姓名"],
            Field::BankName => &["开户行", "开户银行", "银行名称", "开户行名称"],
            Field::BankAccount => &["银行账号", "账号", "银行卡号", "卡号", "收款账号", "银行帐号", "帐号"],
        }
    }

    pub fn from_header(raw: &str) -> Option<Field> {
        let h = normalise_header(raw);
        if h.is_empty() {
            return None;
        }
        Field::ALL.into_iter().find(|f| f.variants().iter().any(|v| normalise_header(v) == h))
    }
}

/// NFKC, no spaces, no required-field stars, no bracketed hints ("身份证号（18位）" → "身份证号").
pub fn normalise_header(raw: &str) -> String {
    let s: String = raw.nfkc().filter(|c| !c.is_whitespace() && *c != '*').collect();
    let mut out = String::with_capacity(s.len());
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '(' | '[' | '【' => depth += 1,
            ')' | ']' | '】' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Where each field is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    /// The header's row number (as Excel shows it).
    pub row: u32,
    pub columns: Vec<(usize, Field)>,
    /// Columns whose header was not recognised: reported, not fatal.
    pub unknown: Vec<(usize, String)>,
}

impl HeaderMap {
    pub fn column(&self, f: Field) -> Option<usize> {
        self.columns.iter().find(|(_, g)| *g == f).map(|(c, _)| *c)
    }
}

/// Looks for the header among the first rows: the row with the most recognised names (at least two,
/// one of them 身份证号 or 姓名).
pub fn find_header(rows: &[(u32, Vec<Cell>)]) -> Option<HeaderMap> {
    let mut best: Option<(usize, HeaderMap)> = None;
    for (row, cells) in rows.iter().take(12) {
        let mut columns = Vec::new();
        let mut unknown = Vec::new();
        for (i, c) in cells.iter().enumerate() {
            let text = c.text();
            if text.trim().is_empty() {
                continue;
            }
            match Field::from_header(&text) {
                Some(f) if !columns.iter().any(|(_, g)| *g == f) => columns.push((i, f)),
                Some(_) => unknown.push((i, text.trim().to_string())),
                None => unknown.push((i, text.trim().to_string())),
            }
        }
        let score = columns.len();
        let anchored = columns.iter().any(|(_, f)| matches!(f, Field::IdNumber | Field::Name));
        if score >= 2 && anchored && best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, HeaderMap { row: *row, columns, unknown }));
        }
    }
    best.map(|(_, h)| h)
}

/// 表尾: signature and total lines at the bottom of a list.
pub fn is_footer(cells: &[Cell]) -> bool {
    let Some(first) = cells.iter().find(|c| !c.is_blank()) else { return true };
    // Names, numbers and ID numbers never start like a footer: skip the Unicode work for them.
    let Cell::Text(raw) = first else { return false };
    let lead = raw.trim_start().chars().next().unwrap_or(' ');
    if !"填审制负经合总小".contains(lead) {
        return false;
    }
    let t: String = raw.nfkc().filter(|c| !c.is_whitespace()).collect();
    const STARTS: [&str; 10] =
        ["填表人", "审核人", "制表人", "负责人", "经办人", "填报人", "合计", "总计", "小计", "填表日期"];
    STARTS.iter().any(|s| t.starts_with(s)) || (t.contains("填表人:") && t.contains("审核人"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<Cell> {
        cells.iter().map(|s| if s.is_empty() { Cell::Empty } else { Cell::Text((*s).into()) }).collect()
    }

    #[test]
    fn header_under_a_merged_title_with_variant_names() {
        let rows = vec![
            (1, row(&["2020年元旦春节帮困对象名册（古美街道）"])),
            (2, row(&["", "填报单位：古美街道"])),
            (
                3,
                row(&[
                    "序号",
                    "姓 名",
                    "公民身份号码",
                    "性别",
                    "手机",
                    "所属街镇",
                    "居委会",
                    "对象类别",
                    "金额（元）",
                    "其他",
                ]),
            ),
            (4, row(&["1", "张三", "11010519491231002X"])),
        ];
        let h = find_header(&rows).unwrap();
        assert_eq!(h.row, 3);
        assert_eq!(h.column(Field::Name), Some(1));
        assert_eq!(h.column(Field::IdNumber), Some(2));
        assert_eq!(h.column(Field::Phone), Some(4));
        assert_eq!(h.column(Field::Street), Some(5));
        assert_eq!(h.column(Field::Committee), Some(6));
        assert_eq!(h.column(Field::Category), Some(7));
        assert_eq!(h.column(Field::Amount), Some(8));
        assert_eq!(h.unknown, vec![(0, "序号".to_string()), (9, "其他".to_string())]);
    }

    #[test]
    fn no_header_no_map() {
        assert!(find_header(&[(1, row(&["a", "b"])), (2, row(&["1", "2"]))]).is_none());
    }

    #[test]
    fn footers() {
        assert!(is_footer(&row(&["填表人：王五", "", "审核人：赵六"])));
        assert!(is_footer(&row(&["", "合计", "", "12,000"])));
        assert!(!is_footer(&row(&["张三", "11010519491231002X"])));
        assert_eq!(normalise_header("身份证号（18位）*"), "身份证号");
    }
}
