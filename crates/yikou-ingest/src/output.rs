//! Workbooks the system hands out: the import template (附件3) and the error workbook of rejected
//! rows (the original rows plus a 错误说明 column) to fix and import again.

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Formula, Workbook, XlsxError};

use crate::read::Cell;
use crate::validate::RowIssue;

/// The template's columns, in order.
pub const TEMPLATE_COLUMNS: [&str; 12] = [
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
];

/// What the template offers in its drop-down lists.
#[derive(Debug, Clone, Default)]
pub struct TemplateLists {
    pub streets: Vec<String>,
    /// "居委名称" entries (all streets).
    pub committees: Vec<String>,
    pub categories: Vec<String>,
    /// e.g. "项目 MZ-01 低保家庭节日补助：600.00元/户，每增加1人加100.00元".
    pub project_note: Option<String>,
}

/// Writes the import template: a sheet to fill (ID, phone and household columns formatted as
/// text, drop-down lists for street/town, committee, category and sex), a sheet of instructions with
/// a filled example row, and a hidden sheet holding the lists.
pub fn write_template(path: &Path, lists: &TemplateLists) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new().set_bold().set_background_color("#DDEBF7").set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");

    // The hidden list sheet is written first so the validations can refer to it by name.
    let ws = wb.add_worksheet();
    ws.set_name("帮困对象名单")?;
    for (c, h) in TEMPLATE_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &header)?;
        ws.set_column_width(c as u16, if matches!(c, 1 | 4 | 8) { 22 } else { 12 })?;
    }
    for c in [1u16, 3, 8] {
        ws.set_column_format(c, &text)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let last = 10_000u32;
    let list = |col: char, n: usize| Formula::new(format!("=参考数据!${col}$2:${col}${}", n.max(1) + 1));
    ws.add_data_validation(1, 5, last, 5, &DataValidation::new().allow_list_formula(list('A', lists.streets.len())))?;
    ws.add_data_validation(
        1,
        6,
        last,
        6,
        &DataValidation::new().allow_list_formula(list('B', lists.committees.len())),
    )?;
    ws.add_data_validation(
        1,
        7,
        last,
        7,
        &DataValidation::new().allow_list_formula(list('C', lists.categories.len())).ignore_blank(true),
    )?;
    ws.add_data_validation(1, 2, last, 2, &DataValidation::new().allow_list_strings(&["男", "女"])?)?;

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
    let rules: [(&str, &str); 12] = [
        ("姓名", "必填。与身份证上的姓名一致。"),
        ("身份证号", "必填。18位居民身份证号，末位X大写；本列已设置为文本格式，请勿改为数字（Excel会丢失后几位）。15位旧号可直接填写。港澳台居住证、外国人永久居留身份证同样填写。"),
        ("性别", "可填。从下拉列表选择“男”或“女”；须与身份证号一致。"),
        ("联系电话", "可填。11位手机号，或上海固定电话（可带021）。"),
        ("户籍/居住地址", "可填。"),
        ("街镇", "建议填写。从下拉列表选择，如“古美街道”。"),
        ("居委", "可填。填写所属居委会/村委会名称，须属于所填街镇。"),
        ("类别", "可填。从下拉列表选择；一人属于多个类别时用顿号分隔，如“低保家庭、困难老人”。"),
        ("户编号/户主身份证号", "可填。同一户的成员填写相同的户编号，或填写户主的身份证号。"),
        ("户内人数", "按户计发的项目必填，1到30之间的整数。"),
        ("金额", "按项目标准填写，单位元，最多两位小数，如 600 或 1,200.50。"),
        ("备注", "可填。"),
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
        "低保家庭、困难老人",
        "11010519491231002X",
        "2",
        "700",
        "",
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
    wb.save(path)
}

/// Writes the rejected rows as they were, with a 错误说明 column listing each row's problems.
pub fn write_error_workbook(
    path: &Path,
    header_cells: &[Cell],
    rejected: &[(u32, Vec<Cell>)],
    issues: &[RowIssue],
) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("待修改的行")?;
    let bold = Format::new().set_bold().set_background_color("#FCE4D6");
    let text = Format::new().set_num_format("@");
    let width = header_cells.len().max(rejected.iter().map(|r| r.1.len()).max().unwrap_or(0));
    let mut by_row: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for i in issues.iter().filter(|i| !i.warning) {
        by_row.entry(i.row).or_default().push(format!("{}：{}", i.column, i.message));
    }
    ws.write_string_with_format(0, 0, "原行号", &bold)?;
    for c in 0..width {
        let h = header_cells.get(c).map(Cell::text).unwrap_or_default();
        ws.write_string_with_format(0, c as u16 + 1, &h, &bold)?;
    }
    ws.write_string_with_format(0, width as u16 + 1, "错误说明", &bold)?;
    ws.set_column_width(width as u16 + 1, 80)?;
    for (i, (row, cells)) in rejected.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, f64::from(*row))?;
        for (c, cell) in cells.iter().enumerate() {
            let col = c as u16 + 1;
            match cell {
                Cell::Empty => {}
                // Numbers stay numbers, except what must be text (the ID column shows what was there).
                Cell::Number(v) => {
                    ws.write_number(r, col, *v)?;
                }
                other => {
                    ws.write_string_with_format(r, col, other.text(), &text)?;
                }
            }
        }
        let msg = by_row.get(row).map(|m| m.join("；")).unwrap_or_default();
        ws.write_string(r, width as u16 + 1, &msg)?;
    }
    ws.set_freeze_panes(1, 1)?;
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
