//! The plan's table (section 四 and 附表1) as a workbook laid out like the government's: title rows,
//! two header rows with merged group headings (帮扶人次、资金、资金来源), 万元 with two decimals as
//! numbers (computed from fen, not a number format dividing by 10,000 — WPS does not do that reliably),
//! a bold subtotal per unit group and a total, the header frozen, columns as wide as their Chinese text,
//! A4 landscape when printed.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// One line: the texts on the left, then counts and money (万元 in hundredths: 1 = 0.01 万元).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    /// Subtotal and total lines are bold.
    pub bold: bool,
    /// 序号, 实施单位, 项目名称, 帮扶对象, 标准（元）
    pub texts: [String; 5],
    pub planned_times: i64,
    pub listed_times: i64,
    pub people: i64,
    /// 计划, 列入, 已发放, then one per funding source (hundredths of 万元).
    pub wan_cents: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSheet {
    pub title: String,
    pub subtitle: String,
    pub sources: Vec<String>,
    pub rows: Vec<PlanRow>,
}

/// Characters as columns count them (a Chinese character takes two).
fn width(s: &str) -> usize {
    s.chars().map(|c| if u32::from(c) >= 0x2E80 { 2 } else { 1 }).sum()
}

impl PlanSheet {
    /// The header's two rows: (first row's heading, its span), and the second row's names.
    fn headers(&self) -> (Vec<(String, u16)>, Vec<String>) {
        let mut top: Vec<(String, u16)> =
            ["序号", "实施单位", "项目名称", "帮扶对象", "标准（元）"].iter().map(|t| (t.to_string(), 1)).collect();
        top.push(("帮扶人（户）次".into(), 3));
        top.push(("资金（万元）".into(), 3));
        top.push(("列入资金来源（万元）".into(), self.sources.len() as u16));
        let mut second: Vec<String> = vec![String::new(); 5];
        second.extend(["计划", "列入", "人数（去重）", "计划", "列入", "已发放"].map(String::from));
        second.extend(self.sources.iter().cloned());
        (top, second)
    }

    pub fn to_xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("附表1")?;
        ws.set_landscape();
        ws.set_paper_size(9); // A4
        ws.set_print_fit_to_pages(1, 0);
        let (top, second) = self.headers();
        let last = (second.len() - 1) as u16;
        ws.set_repeat_rows(2, 3)?;

        let title = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
        let sub = Format::new().set_align(FormatAlign::Center).set_font_color("#404040");
        ws.merge_range(0, 0, 0, last, &self.title, &title)?;
        ws.merge_range(1, 0, 1, last, &self.subtitle, &sub)?;

        let head = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_background_color("#DDEBF7")
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap();
        let mut c = 0u16;
        for (text, span) in &top {
            if *span == 1 {
                ws.merge_range(2, c, 3, c, text, &head)?;
            } else if *span > 1 {
                ws.merge_range(2, c, 2, c + span - 1, text, &head)?;
                for k in 0..*span {
                    ws.write_string_with_format(3, c + k, &second[(c + k) as usize], &head)?;
                }
            }
            c += span;
        }
        ws.set_freeze_panes(4, 3)?;

        let cell = |bold: bool| {
            let f = Format::new().set_border(FormatBorder::Thin);
            if bold {
                f.set_bold()
            } else {
                f
            }
        };
        let (text_f, text_b) = (cell(false), cell(true).set_background_color("#F2F2F2"));
        let (count_f, count_b) = (cell(false).set_num_format("#,##0"), text_b.clone().set_num_format("#,##0"));
        let (wan_f, wan_b) = (cell(false).set_num_format("#,##0.00"), text_b.clone().set_num_format("#,##0.00"));
        let mut widths: Vec<usize> = second.iter().map(|s| width(s)).collect();
        for (i, (t, span)) in top.iter().enumerate().take(5) {
            let _ = span;
            widths[i] = widths[i].max(width(t));
        }
        for (i, row) in self.rows.iter().enumerate() {
            let r = 4 + i as u32;
            let (t, n, w) = if row.bold { (&text_b, &count_b, &wan_b) } else { (&text_f, &count_f, &wan_f) };
            for (k, text) in row.texts.iter().enumerate() {
                ws.write_string_with_format(r, k as u16, text, t)?;
                widths[k] = widths[k].max(width(text));
            }
            for (k, v) in [row.planned_times, row.listed_times, row.people].into_iter().enumerate() {
                ws.write_number_with_format(r, 5 + k as u16, v as f64, n)?;
                widths[5 + k] = widths[5 + k].max(v.to_string().len() + v.to_string().len() / 3);
            }
            for (k, cents) in row.wan_cents.iter().enumerate() {
                // Hundredths of 万元 to 万元: exact to two decimals.
                ws.write_number_with_format(r, 8 + k as u16, *cents as f64 / 100.0, w)?;
                let shown = format!("{:.2}", *cents as f64 / 100.0);
                widths[8 + k] = widths[8 + k].max(shown.len() + shown.len() / 4);
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w + 2).clamp(6, 50) as f64)?;
        }
        wb.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

    use super::*;

    #[test]
    fn the_workbook_has_titles_merged_headers_numbers_in_wan_and_a_frozen_header() {
        let row = |bold: bool, name: &str, cents: i64| PlanRow {
            bold,
            texts: ["1".into(), "区民政局".into(), name.into(), "低保家庭".into(), "900元/人".into()],
            planned_times: 1200,
            listed_times: 1180,
            people: 1100,
            wan_cents: vec![cents, cents, 0, cents],
        };
        let sheet = PlanSheet {
            title: "闵行区2020年元旦春节帮困送温暖项目安排表".into(),
            subtitle: "单位：万元".into(),
            sources: vec!["区级资金".into()],
            rows: vec![row(false, "低保家庭帮困", 10_620), row(true, "民政部门 小计", 10_620)],
        };
        let bytes = sheet.to_xlsx().unwrap();
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("附表1").unwrap();
        assert_eq!(range.get_value((0, 0)), Some(&Data::String(sheet.title.clone())));
        assert_eq!(range.get_value((2, 5)), Some(&Data::String("帮扶人（户）次".into())));
        assert_eq!(range.get_value((3, 6)), Some(&Data::String("列入".into())));
        assert_eq!(range.get_value((2, 11)), Some(&Data::String("列入资金来源（万元）".into())));
        // 106.20 万元 as a number, not text.
        assert_eq!(range.get_value((4, 8)), Some(&Data::Float(106.2)));
        assert_eq!(range.get_value((4, 5)), Some(&Data::Float(1200.0)));
        let merged = wb.merge_cells_by_sheet_name("附表1").unwrap();
        assert!(merged.iter().any(|d| d.start == (2, 5) && d.end == (2, 7)), "{merged:?}");
        assert!(merged.iter().any(|d| d.start == (2, 0) && d.end == (3, 0)), "序号 spans both header rows");
    }
}
