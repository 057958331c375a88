//! Charts drawn on the server as SVG (no script, no CDN; they print): horizontal bars, one group per
//! row with one bar per series and an optional interval whisker, and vertical columns. Label widths
//! are measured per character (a CJK character is a full em, others about half), so Chinese labels are
//! never cut. Every chart is an image with a text alternative; the page puts its table beside it.

/// One series: its name (legend) and colour.
pub struct Series {
    pub name: &'static str,
    pub colour: &'static str,
}

/// One row of a bar chart: its label, a value per series (0–`max`) with the text printed after the
/// bar, and an optional interval drawn as a whisker over the first series.
pub struct Row {
    pub label: String,
    pub values: Vec<(f64, String)>,
    pub interval: Option<(f64, f64)>,
}

const FONT: f64 = 12.0;
const BAR: f64 = 12.0;
const PLOT: f64 = 300.0;

/// The width of a text at the chart's font size.
fn text_width(s: &str) -> f64 {
    s.chars().map(|c| if c.is_ascii() { FONT * 0.6 } else { FONT }).sum()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn legend(series: &[Series], x0: f64, y: f64) -> String {
    let mut out = String::new();
    let mut x = x0;
    for s in series {
        out.push_str(&format!(
            r#"<rect x="{x:.0}" y="{:.0}" width="10" height="10" fill="{}"/><text x="{:.0}" y="{y:.0}">{}</text>"#,
            y - 9.0,
            s.colour,
            x + 14.0,
            escape(s.name)
        ));
        x += 14.0 + text_width(s.name) + 16.0;
    }
    out
}

/// Horizontal bars: a group per row, a bar per series scaled to `max`.
pub fn bars(alt: &str, series: &[Series], rows: &[Row], max: f64) -> String {
    let label_w = rows.iter().map(|r| text_width(&r.label)).fold(0.0, f64::max) + 8.0;
    let value_w = rows.iter().flat_map(|r| r.values.iter().map(|(_, t)| text_width(t))).fold(0.0, f64::max) + 8.0;
    let group = BAR * series.len() as f64 + 8.0;
    let top = if series.len() > 1 { 22.0 } else { 4.0 };
    let height = top + group * rows.len() as f64 + 4.0;
    let width = label_w + PLOT + value_w;
    let scale = |v: f64| if max > 0.0 { (v / max).clamp(0.0, 1.0) * PLOT } else { 0.0 };
    let mut out = format!(
        r#"<svg class="chart" role="img" aria-label="{}" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" xmlns="http://www.w3.org/2000/svg" font-size="{FONT}" font-family="sans-serif">"#,
        escape(alt)
    );
    if series.len() > 1 {
        out.push_str(&legend(series, label_w, 14.0));
    }
    for (i, r) in rows.iter().enumerate() {
        let y0 = top + group * i as f64;
        out.push_str(&format!(
            r#"<text x="{:.0}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_w - 6.0,
            y0 + group / 2.0 + FONT / 3.0,
            escape(&r.label)
        ));
        for (j, ((v, text), s)) in r.values.iter().zip(series).enumerate() {
            let y = y0 + 4.0 + BAR * j as f64;
            let w = scale(*v);
            out.push_str(&format!(
                r#"<rect x="{label_w:.0}" y="{y:.0}" width="{w:.1}" height="{:.0}" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                BAR - 2.0,
                s.colour,
                label_w + w.max(scale(r.interval.filter(|_| j == 0).map_or(0.0, |i| i.1))) + 4.0,
                y + BAR - 3.0,
                escape(text)
            ));
        }
        if let Some((lo, hi)) = r.interval {
            let y = y0 + 4.0 + (BAR - 2.0) / 2.0;
            let (a, b) = (label_w + scale(lo), label_w + scale(hi));
            out.push_str(&format!(
                r##"<path d="M{a:.1} {:.1}V{:.1}M{a:.1} {y:.1}H{b:.1}M{b:.1} {:.1}V{:.1}" stroke="#333" fill="none"/>"##,
                y - 4.0,
                y + 4.0,
                y - 4.0,
                y + 4.0
            ));
        }
    }
    out.push_str(&format!(
        r##"<line x1="{label_w:.0}" y1="{top:.0}" x2="{label_w:.0}" y2="{:.0}" stroke="#999"/></svg>"##,
        height - 4.0
    ));
    out
}

/// Vertical columns (a distribution): a label under each, its count above.
pub fn columns(alt: &str, colour: &str, cols: &[(String, u64)]) -> String {
    let col_w = cols.iter().map(|(l, _)| text_width(l)).fold(28.0, f64::max) + 12.0;
    let max = cols.iter().map(|c| c.1).max().unwrap_or(0).max(1) as f64;
    let (plot, top) = (120.0, 18.0);
    let width = col_w * cols.len() as f64;
    let height = top + plot + 20.0;
    let mut out = format!(
        r#"<svg class="chart" role="img" aria-label="{}" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" xmlns="http://www.w3.org/2000/svg" font-size="{FONT}" font-family="sans-serif">"#,
        escape(alt)
    );
    for (i, (label, n)) in cols.iter().enumerate() {
        let h = *n as f64 / max * plot;
        let x = col_w * i as f64;
        out.push_str(&format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{colour}"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{n}</text><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x + 6.0,
            top + plot - h,
            col_w - 12.0,
            x + col_w / 2.0,
            top + plot - h - 4.0,
            x + col_w / 2.0,
            top + plot + 15.0,
            escape(label)
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_measured_and_bars_scaled_to_the_maximum() {
        let rows = vec![
            Row { label: "七宝镇<a>".into(), values: vec![(0.5, "50%".into())], interval: Some((0.3, 0.7)) },
            Row { label: "江川路街道".into(), values: vec![(2.0, "200%".into())], interval: None },
        ];
        let svg = bars("问题率", &[Series { name: "问题率", colour: "#c00" }], &rows, 1.0);
        assert!(svg.contains("七宝镇&lt;a&gt;") && !svg.contains("<a>"));
        // The label column fits the longest label (5 CJK characters at 12px, plus the margin).
        assert!(svg.contains(r#"<rect x="68" y="8" width="150.0""#), "{svg}");
        // A value over the maximum is drawn at the full width, not beyond.
        assert!(svg.contains(r#"width="300.0""#));
        assert!(svg.contains("<path d=\"M158.0"), "the interval's whisker from 30%");
        let cols = columns("满意度", "#36c", &[("1分".into(), 0), ("5分".into(), 8)]);
        assert!(cols.contains(r#"height="120.0""#) && cols.contains(r#"height="0.0""#));
    }
}
