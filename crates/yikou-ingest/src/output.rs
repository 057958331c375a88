//! Workbooks the system hands out: the import template (附件3) and the error workbook of rejected
//! rows (the original rows plus a 错误说明 column) to fix and import again.

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Formula, Workbook, XlsxError};

use crate::columns::{Field, HeaderMap};
use crate::read::Cell;
use crate::validate::RowIssue;

/// The template's columns, in order.
pub const TEMPLATE_COLUMNS: [&str; 15] = [
    "姓名",
    "身份证号",
    "性别",
    "联系电话",
    "户籍/居住地址",
    "街镇",
    "居委",
    "类别",
    "户编号/户主身份证号",
    "户内人数",
    "金额",
    "备注",
    "户名",
    "开户行",
    "银行账号",
];

/// What the template offers in its drop-down lists. The lists are the clerk's own (see
/// `yikou_service::imports::template_lists`): a street clerk sees their street and its committees.
#[derive(Debug, Clone, Default)]
pub struct TemplateLists {
    pub streets: Vec<String>,
    /// "居委名称" entries: the committees of `streets`, grouped by street.
    pub committees: Vec<String>,
    pub categories: Vec<String>,
    /// e.g. "项目 MZ-01 低保家庭节日补助：600.00元/户，每增加1人加100.00元".
    pub project_note: Option<String>,
}

/// Rows the drop-down lists and text formats cover (the header is row 0).
const LIST_ROWS: u32 = 10_000;
/// The columns kept as text, so Excel never turns an ID number into 3.10112E+17: 身份证号,
/// 联系电话, 户编号/户主身份证号, 银行账号.
const TEXT_COLUMNS: [u16; 4] = [1, 3, 8, 14];

/// How several categories are written (the validator accepts 、 , ; / as separators).
const SEVERAL_CATEGORIES: &str = "一人属于多个类别时，用顿号“、”分隔写在同一格，如“低保家庭、重残无业人员”";

/// The template's header row with its column widths and text formats, frozen under the header.
fn template_header(ws: &mut rust_xlsxwriter::Worksheet, header: &Format) -> Result<(), XlsxError> {
    let text = Format::new().set_num_format("@");
    for (c, h) in TEMPLATE_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, header)?;
        ws.set_column_width(c as u16, if matches!(c, 1 | 4 | 8 | 13 | 14) { 22 } else { 12 })?;
    }
    for c in TEXT_COLUMNS {
        ws.set_column_format(c, &text)?;
    }
    Ok(())
}

/// The drop-down lists of the template's columns 性别, 街镇, 居委 and 类别, reading the hidden
/// 参考数据 sheet (see [`write_list_sheet`]). 类别 offers its list but refuses nothing: several
/// categories in one cell are allowed, which a strict list would reject, so it shows a hint instead.
fn add_drop_downs(ws: &mut rust_xlsxwriter::Worksheet, lists: &TemplateLists) -> Result<(), XlsxError> {
    let last = LIST_ROWS;
    let list = |col: char, n: usize| Formula::new(format!("=参考数据!${col}$2:${col}${}", n.max(1) + 1));
    ws.add_data_validation(1, 5, last, 5, &DataValidation::new().allow_list_formula(list('A', lists.streets.len())))?;
    ws.add_data_validation(
        1,
        6,
        last,
        6,
        &DataValidation::new().allow_list_formula(list('B', lists.committees.len())),
    )?;
    let categories = DataValidation::new()
        .allow_list_formula(list('C', lists.categories.len()))
        .ignore_blank(true)
        .show_error_message(false)
        .set_input_title("类别")?
        .set_input_message(format!("从下拉列表选择；{SEVERAL_CATEGORIES}。"))?;
    ws.add_data_validation(1, 7, last, 7, &categories)?;
    ws.add_data_validation(1, 2, last, 2, &DataValidation::new().allow_list_strings(&["男", "女"])?)?;
    Ok(())
}

/// The hidden 参考数据 sheet the drop-down lists read: 街镇 in A, 居委 in B, 类别 in C.
fn write_list_sheet(wb: &mut Workbook, lists: &TemplateLists) -> Result<(), XlsxError> {
    let lists_ws = wb.add_worksheet();
    lists_ws.set_name("参考数据")?;
    for (c, (title, items)) in
        [("街镇", &lists.streets), ("居委", &lists.committees), ("类别", &lists.categories)].iter().enumerate()
    {
        lists_ws.write_string(0, c as u16, *title)?;
        for (i, v) in items.iter().enumerate() {
            lists_ws.write_string(i as u32 + 1, c as u16, v)?;
        }
    }
    lists_ws.set_hidden(true);
    Ok(())
}

/// Writes the import template: a sheet to fill (ID, phone and household columns formatted as
/// text, drop-down lists for street/town, committee, category and sex), a sheet of instructions with
/// a filled example row, and a hidden sheet holding the lists.
pub fn write_template(path: &Path, lists: &TemplateLists) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new().set_bold().set_background_color("#DDEBF7").set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");

    let ws = wb.add_worksheet();
    ws.set_name("帮困对象名单")?;
    template_header(ws, &header)?;
    ws.set_freeze_panes(1, 0)?;
    add_drop_downs(ws, lists)?;

    let help = wb.add_worksheet();
    help.set_name("填写说明")?;
    help.set_column_width(0, 20)?;
    help.set_column_width(1, 70)?;
    let bold = Format::new().set_bold();
    let mut r = 0u32;
    help.write_string_with_format(r, 0, "闵行区社会救助“一口上下”信息系统 · 帮困对象录入或导入模板（附件3）", &bold)?;
    r += 2;
    if let Some(note) = &lists.project_note {
        help.write_string_with_format(r, 0, "本模板用于", &bold)?;
        help.write_string(r, 1, note)?;
        r += 2;
    }
    let committee_rule = match lists.streets.as_slice() {
        [one] => format!("可填。从下拉列表选择{one}的居委会/村委会。"),
        _ => "可填。从下拉列表选择所属居委会/村委会（按街镇排列），须属于所填街镇。".to_string(),
    };
    let category_rule = format!("可填。从下拉列表选择；{SEVERAL_CATEGORIES}（也可用逗号、分号或“/”分隔）。");
    let rules: [(&str, &str); 15] = [
        ("姓名", "必填。与身份证上的姓名一致。"),
        ("身份证号", "必填。18位居民身份证号，末位X大写；本列已设置为文本格式，请勿改为数字（Excel会丢失后几位）。15位旧号可直接填写。港澳台居住证、外国人永久居留身份证同样填写。"),
        ("性别", "可填。从下拉列表选择“男”或“女”；须与身份证号一致。"),
        ("联系电话", "可填。11位手机号，或上海固定电话（可带021）。"),
        ("户籍/居住地址", "可填。"),
        ("街镇", "建议填写。从下拉列表选择，如“古美街道”。"),
        ("居委", &committee_rule),
        ("类别", &category_rule),
        ("户编号/户主身份证号", "可填。同一户的成员填写相同的户编号，或填写户主的身份证号。"),
        ("户内人数", "按户计发的项目必填，1到30之间的整数。"),
        ("金额", "按项目标准填写，单位元，最多两位小数，如 600 或 1,200.50。"),
        ("备注", "可填。"),
        ("户名", "可填。银行账户的开户人姓名；不填则按姓名。"),
        ("开户行", "可填。如“工商银行闵行支行”。"),
        ("银行账号", "银行代发时必填。8至30位数字；本列已设置为文本格式，请勿改为数字（Excel会丢失后几位）。"),
    ];
    help.write_string_with_format(r, 0, "列名", &header)?;
    help.write_string_with_format(r, 1, "填写要求", &header)?;
    for (name, rule) in rules {
        r += 1;
        help.write_string(r, 0, name)?;
        help.write_string(r, 1, rule)?;
    }
    r += 2;
    help.write_string_with_format(r, 0, "填写示例（虚构人员）", &bold)?;
    r += 1;
    let example = [
        "张三",
        "11010519491231002X",
        "女",
        "13812345678",
        "闵行区某路1号",
        lists.streets.first().map(String::as_str).unwrap_or("古美街道"),
        lists.committees.first().map(String::as_str).unwrap_or(""),
        "低保家庭、重残无业人员",
        "11010519491231002X",
        "2",
        "700",
        "",
        "张三",
        "工商银行闵行支行",
        "6222021001123456789",
    ];
    for (c, h) in TEMPLATE_COLUMNS.iter().enumerate() {
        help.write_string_with_format(r, c as u16, *h, &header)?;
        help.write_string_with_format(r + 1, c as u16, example[c], &text)?;
    }
    r += 3;
    help.write_string(r, 0, "注意")?;
    help.write_string(
        r,
        1,
        "导入时系统会逐行检查，并指出有问题的行号、列和修改方法；全部无误后才会导入（也可选择只导入正确的行）。",
    )?;

    write_list_sheet(&mut wb, lists)?;
    wb.save(path)
}

/// Writes the rejected rows to fix and import again, in the template's own layout: the template's
/// columns in its order (each field taken from wherever the original file had it), with the same
/// text columns and drop-down lists, then 错误说明 and 原行号, then any other columns of the original
/// (with their own header, which the import does not read). So the corrected workbook imports
/// without its columns being guessed, and an ID number is never a number.
pub fn write_error_workbook(
    path: &Path,
    header: &HeaderMap,
    header_cells: &[Cell],
    rejected: &[(u32, Vec<Cell>)],
    issues: &[RowIssue],
    lists: &TemplateLists,
) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("待修改的行")?;
    let bold = Format::new().set_bold().set_background_color("#FCE4D6").set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    template_header(ws, &bold)?;
    add_drop_downs(ws, lists)?;

    // Where each template column comes from in the original file.
    let source: Vec<Option<usize>> =
        TEMPLATE_COLUMNS.iter().map(|h| Field::from_header(h).and_then(|f| header.column(f))).collect();
    let width = header_cells.len().max(rejected.iter().map(|r| r.1.len()).max().unwrap_or(0));
    let others: Vec<usize> = (0..width).filter(|c| !source.contains(&Some(*c))).collect();
    let explain = TEMPLATE_COLUMNS.len() as u16;
    ws.write_string_with_format(0, explain, "错误说明", &bold)?;
    ws.set_column_width(explain, 80)?;
    ws.write_string_with_format(0, explain + 1, "原行号", &bold)?;
    for (k, c) in others.iter().enumerate() {
        let h = header_cells.get(*c).map(Cell::text).unwrap_or_default();
        ws.write_string_with_format(0, explain + 2 + k as u16, &h, &bold)?;
    }

    let mut by_row: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for i in issues.iter().filter(|i| !i.warning) {
        by_row.entry(i.row).or_default().push(format!("{}：{}", i.column, i.message));
    }
    for (i, (row, cells)) in rejected.iter().enumerate() {
        let r = i as u32 + 1;
        let targets = source.iter().enumerate().filter_map(|(t, s)| s.map(|s| (t as u16, s)));
        let rest = others.iter().enumerate().map(|(k, c)| (explain + 2 + k as u16, *c));
        for (col, from) in targets.chain(rest) {
            match cells.get(from) {
                None | Some(Cell::Empty) => {}
                // Amounts and sizes stay numbers; ID numbers, phones and households are text.
                Some(Cell::Number(v)) if !TEXT_COLUMNS.contains(&col) => {
                    ws.write_number(r, col, *v)?;
                }
                Some(other) => {
                    ws.write_string_with_format(r, col, other.text(), &text)?;
                }
            }
        }
        let msg = by_row.get(row).map(|m| m.join("；")).unwrap_or_default();
        ws.write_string(r, explain, &msg)?;
        ws.write_number(r, explain + 1, f64::from(*row))?;
    }
    ws.set_freeze_panes(1, 0)?;
    write_list_sheet(&mut wb, lists)?;
    wb.save(path)
}

/// One sheet of a report workbook: its name, the column titles with widths, and rows of text.
pub struct ReportSheet {
    pub name: String,
    pub columns: Vec<(&'static str, f64)>,
    pub rows: Vec<Vec<String>>,
}

/// A report workbook with one sheet per part (e.g. one per finding type); every cell is text, so
/// masked ID numbers and codes are shown exactly as written. Rows are streamed to the file.
pub fn write_report(path: &Path, sheets: &[ReportSheet]) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("#DDEBF7").set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    for sheet in sheets {
        let ws = wb.add_worksheet_with_constant_memory()?;
        // Sheet names: at most 31 characters, none of []:*?/\
        let name: String =
            sheet.name.chars().filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\')).take(31).collect();
        ws.set_name(&name)?;
        for (c, (title, width)) in sheet.columns.iter().enumerate() {
            ws.set_column_width(c as u16, *width)?;
            ws.write_string_with_format(0, c as u16, *title, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                if !value.is_empty() {
                    ws.write_string_with_format(r as u32 + 1, c as u16, value, &text)?;
                }
            }
        }
    }
    wb.save(path)
}
