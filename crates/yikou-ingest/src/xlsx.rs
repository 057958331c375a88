//! A streaming .xlsx reader built for large rosters: the worksheet is inflated on one thread and
//! scanned on another, row by row, so a 1,000,000-row sheet never sits in memory whole. Only what a
//! roster needs is read: shared and inline strings, numbers, booleans, errors. (Excel dates stay
//! serial numbers here; rosters carry dates inside ID numbers.) Every part is metered while it
//! inflates (see `limits`): the shared strings are streamed into a table of bounded size.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::mpsc;

use memchr::memmem;

use crate::limits::{read_error, stored_cost, table_cost, too_much_text, Budget, Metered};
use crate::limits::{MAX_SHARED_STRINGS_BYTES, MAX_STRING_TABLE_BYTES};
use crate::read::{Cell, FileError, Stop};

/// Sheets in workbook order: (name, path of the part inside the archive).
pub fn sheets(path: &Path) -> Result<Vec<(String, String)>, FileError> {
    sheets_within(path, &Budget::default())
}

/// Like [`sheets`], charging what is inflated to the file's budget.
pub fn sheets_within(path: &Path, budget: &Budget) -> Result<Vec<(String, String)>, FileError> {
    let mut zip = open(path)?;
    let workbook =
        read_part(&mut zip, "xl/workbook.xml", 64 << 20, budget)?.ok_or_else(|| corrupt("缺少 xl/workbook.xml"))?;
    let rels = read_part(&mut zip, "xl/_rels/workbook.xml.rels", 64 << 20, budget)?.unwrap_or_default();
    let mut targets = Vec::new();
    for rel in tags(&rels, b"<Relationship ") {
        if let (Some(id), Some(target)) = (attr(rel, b"Id"), attr(rel, b"Target")) {
            let target = unescape(&target);
            let full = match target.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("xl/{target}"),
            };
            targets.push((id, full));
        }
    }
    let mut out = Vec::new();
    for sheet in tags(&workbook, b"<sheet ") {
        let name = attr(sheet, b"name").map(|n| unescape(&n)).unwrap_or_default();
        let rid = attr(sheet, b"r:id").unwrap_or_default();
        if let Some((_, t)) = targets.iter().find(|(id, _)| *id == rid) {
            out.push((name, t.clone()));
        }
    }
    Ok(out)
}

fn corrupt(s: &str) -> FileError {
    FileError::Corrupt(s.to_string())
}

fn open(path: &Path) -> Result<zip::ZipArchive<BufReader<File>>, FileError> {
    let f = File::open(path).map_err(|e| FileError::Io { name: path.display().to_string(), detail: e.to_string() })?;
    zip::ZipArchive::new(BufReader::new(f)).map_err(|e| FileError::Corrupt(format!("压缩结构错误（{e}）")))
}

/// A whole (small) part, refusing to inflate more than `limit` bytes.
fn read_part(
    zip: &mut zip::ZipArchive<BufReader<File>>,
    name: &str,
    limit: u64,
    budget: &Budget,
) -> Result<Option<Vec<u8>>, FileError> {
    let f = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(FileError::Corrupt(e.to_string())),
    };
    let mut buf = Vec::with_capacity(f.size().min(limit) as usize);
    Metered::new(f, budget, limit, || FileError::ZipBomb).read_to_end(&mut buf).map_err(read_error)?;
    Ok(Some(buf))
}

/// Start tags beginning with `open` (e.g. `<sheet `), each as the bytes up to its `>`.
fn tags<'a>(xml: &'a [u8], open: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let finder = memmem::Finder::new(open);
    let mut pos = 0;
    std::iter::from_fn(move || {
        let start = pos + finder.find(&xml[pos..])?;
        let end = start + memchr::memchr(b'>', &xml[start..])?;
        pos = end + 1;
        Some(&xml[start..end])
    })
}

/// The value of attribute `name` in a start tag (`name="…"`), as written.
fn attr(tag: &[u8], name: &[u8]) -> Option<String> {
    attr_bytes(tag, name).map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Like [`attr`], without copying.
fn attr_bytes<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut i = 0;
    while let Some(p) = memmem::find(&tag[i..], name) {
        let at = i + p;
        let before_ok = at > 0 && matches!(tag[at - 1], b' ' | b'\t' | b'\n' | b'\r');
        let rest = &tag[at + name.len()..];
        if before_ok && rest.first() == Some(&b'=') {
            let quote = *rest.get(1)?;
            let body = &rest[2..];
            let end = memchr::memchr(quote, body)?;
            return Some(&body[..end]);
        }
        i = at + name.len();
    }
    None
}

/// XML text to plain text: the five entities and numeric character references, and Excel's
/// `_xHHHH_` escapes for control characters.
fn unescape(s: &str) -> String {
    if !s.contains('&') && !s.contains("_x") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find(['&', '_']) {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        if rest.starts_with('&') {
            if let Some(end) = rest.find(';') {
                let ent = &rest[1..end];
                let ch = match ent {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ if ent.starts_with("#x") => u32::from_str_radix(&ent[2..], 16).ok().and_then(char::from_u32),
                    _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
                    _ => None,
                };
                if let Some(c) = ch {
                    out.push(c);
                    rest = &rest[end + 1..];
                    continue;
                }
            }
        } else if rest.len() >= 7 && rest.starts_with("_x") && rest.as_bytes()[6] == b'_' {
            if let Some(c) = u32::from_str_radix(&rest[2..6], 16).ok().and_then(char::from_u32) {
                out.push(c);
                rest = &rest[7..];
                continue;
            }
        }
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// Text of all `<t>` runs inside `xml` (a `<si>` or `<is>` element), phonetic runs excluded.
fn text_runs(xml: &[u8]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    while let Some(p) = memmem::find(&xml[pos..], b"<t") {
        let start = pos + p;
        let after = xml.get(start + 2).copied();
        if !matches!(after, Some(b'>') | Some(b' ')) {
            pos = start + 2;
            continue;
        }
        // Skip phonetic guides (<rPh>…</rPh>) which carry readings, not the cell's text.
        if let Some(rph) = memmem::rfind(&xml[..start], b"<rPh") {
            if memmem::find(&xml[rph..start], b"</rPh>").is_none() {
                pos = start + 2;
                continue;
            }
        }
        let Some(gt) = memchr::memchr(b'>', &xml[start..]) else { break };
        let body_start = start + gt + 1;
        if xml[start + gt - 1] == b'/' {
            pos = body_start;
            continue;
        }
        let Some(end) = memmem::find(&xml[body_start..], b"</t>") else { break };
        let text = &xml[body_start..body_start + end];
        match std::str::from_utf8(text) {
            Ok(t) if memchr::memchr(b'&', text).is_none() && memmem::find(text, b"_x").is_none() => out.push_str(t),
            _ => out.push_str(&unescape(&String::from_utf8_lossy(text))),
        }
        pos = body_start + end + 4;
    }
    out
}

/// Longest text of one shared string in the XML (Excel holds at most 32,767 characters in a cell).
const MAX_SHARED_STRING_XML: usize = 4 << 20;

/// The shared string table, streamed: the part is inflated a megabyte at a time and each `<si>` is
/// kept as it completes, so neither the part nor more than [`MAX_STRING_TABLE_BYTES`] of table is
/// ever held; the part inflates at most [`MAX_SHARED_STRINGS_BYTES`].
fn shared_strings(path: &Path, budget: &Budget) -> Result<Vec<std::sync::Arc<str>>, FileError> {
    let mut zip = open(path)?;
    let part = match zip.by_name("xl/sharedStrings.xml") {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(Vec::new()),
        Err(e) => return Err(FileError::Corrupt(e.to_string())),
    };
    let mut part = Metered::new(part, budget, MAX_SHARED_STRINGS_BYTES, too_much_text);
    let empty: std::sync::Arc<str> = "".into();
    let mut out = Vec::new();
    let mut held = 0u64;
    let mut keep = |s: std::sync::Arc<str>, out: &mut Vec<std::sync::Arc<str>>| {
        if !s.is_empty() {
            held += stored_cost(s.len()); // the empty string is shared
        }
        // Checked before the table grows (it doubles), so it never allocates beyond the budget.
        let slots = if out.len() == out.capacity() { (out.capacity() * 2).max(4) } else { out.capacity() };
        if table_cost(held, slots) > MAX_STRING_TABLE_BYTES {
            return Err(too_much_text());
        }
        out.push(s);
        Ok(())
    };
    let open_tag = memmem::Finder::new(b"<si");
    let close_tag = memmem::Finder::new(b"</si>");
    let mut buf: Vec<u8> = Vec::with_capacity(2 << 20);
    let mut chunk = vec![0u8; 1 << 20];
    let mut eof = false;
    while !eof {
        let n = read_full(&mut part, &mut chunk)?;
        buf.extend_from_slice(&chunk[..n]);
        eof = n == 0;
        let mut pos = 0;
        while let Some(p) = open_tag.find(&buf[pos..]) {
            let start = pos + p;
            let Some(gt) = memchr::memchr(b'>', &buf[start..]) else { break };
            if buf[start + gt - 1] == b'/' {
                keep(empty.clone(), &mut out)?;
                pos = start + gt + 1;
                continue;
            }
            let Some(end) = close_tag.find(&buf[start..]) else { break };
            let text = text_runs(&buf[start + gt + 1..start + end]);
            keep(if text.is_empty() { empty.clone() } else { text.into() }, &mut out)?;
            pos = start + end + 5;
        }
        // Keep an unfinished element (or what may be the start of one) for the next chunk.
        let tail = match open_tag.find(&buf[pos..]) {
            Some(p) => pos + p,
            None => buf.len().saturating_sub(2).max(pos),
        };
        buf.drain(..tail);
        if buf.len() > MAX_SHARED_STRING_XML {
            return Err(too_much_text());
        }
    }
    Ok(out)
}

/// The shared string table of a workbook as this reader holds it: strings, and the bytes counted
/// against [`MAX_STRING_TABLE_BYTES`] (for the benchmarks' figures).
pub fn string_table_size(path: &Path) -> Result<(usize, u64), FileError> {
    let table = shared_strings(path, &Budget::default())?;
    let strings = table.iter().filter(|s| !s.is_empty()).map(|s| stored_cost(s.len())).sum();
    Ok((table.len(), table_cost(strings, table.capacity())))
}

/// Fills `buf` from `r` unless the part ends first; the number of bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<usize, FileError> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) => return Err(read_error(e)),
        }
    }
    Ok(filled)
}

/// Zero-based column from a reference like `AB12`.
fn column_of(r: &[u8]) -> Option<usize> {
    let mut col = 0usize;
    let mut any = false;
    for &b in r {
        if b.is_ascii_uppercase() {
            col = col * 26 + (b - b'A' + 1) as usize;
            any = true;
        } else {
            break;
        }
    }
    any.then(|| col - 1)
}

/// The row number in a reference like `AB12`, or a bare number like `12`.
fn row_of(r: &[u8]) -> Option<u32> {
    let digits: &[u8] = &r[r.iter().position(|b| b.is_ascii_digit())?..];
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Streams the sheet at `part`, calling `f(row_number, cells)` for every row with content.
pub fn read_sheet(
    path: &Path,
    part: &str,
    budget: &Budget,
    f: &mut impl FnMut(u32, Vec<Cell>) -> Result<(), Stop>,
) -> Result<(), FileError> {
    // Inflate on a second thread: it reads and inflates while this thread scans.
    let (tx, rx) = mpsc::sync_channel::<Result<Vec<u8>, FileError>>(16);
    let path_owned = path.to_path_buf();
    let part_owned = part.to_string();
    let sheet_budget = budget.clone();
    let inflater = std::thread::spawn(move || {
        let run = || -> Result<(), FileError> {
            let mut zip = open(&path_owned)?;
            let entry = zip.by_name(&part_owned).map_err(|e| FileError::Corrupt(format!("找不到工作表数据（{e}）")))?;
            // Never inflate more than the entry says it holds, nor more than the file's budget: a lying
            // header cannot make us inflate without bound.
            let limit = entry.size() + (1 << 20);
            let mut entry = Metered::new(entry, &sheet_budget, limit, || FileError::ZipBomb);
            loop {
                let mut chunk = vec![0u8; 1 << 20];
                let filled = read_full(&mut entry, &mut chunk)?;
                if filled == 0 {
                    return Ok(());
                }
                chunk.truncate(filled);
                if tx.send(Ok(chunk)).is_err() {
                    return Ok(()); // the reader stopped early
                }
            }
        };
        if let Err(e) = run() {
            let _ = tx.send(Err(e));
        }
    });
    // Scan on a third thread too, handing rows over in batches: inflating, scanning and the
    // caller's work (validation) then overlap on two cores.
    let (row_tx, row_rx) = mpsc::sync_channel::<Result<Vec<(u32, Vec<Cell>)>, FileError>>(8);
    let path_owned = path.to_path_buf();
    let strings_budget = budget.clone();
    let scanner = std::thread::spawn(move || {
        let strings = match shared_strings(&path_owned, &strings_budget) {
            Ok(s) => s,
            Err(e) => {
                let _ = row_tx.send(Err(e));
                return;
            }
        };
        let mut batch = Vec::with_capacity(1024);
        let result = scan_rows(&rx, &strings, &mut |row, cells| {
            batch.push((row, cells));
            if batch.len() == 1024 {
                row_tx.send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(1024)))).map_err(|_| Stop)?;
            }
            Ok(())
        });
        drop(rx);
        let _ = match result {
            Ok(()) => row_tx.send(Ok(batch)),
            Err(e) => row_tx.send(Err(e)),
        };
    });
    let mut result = Ok(());
    'outer: for batch in row_rx.iter() {
        match batch {
            Ok(rows) => {
                for (row, cells) in rows {
                    if f(row, cells).is_err() {
                        break 'outer;
                    }
                }
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    drop(row_rx);
    let _ = scanner.join();
    let _ = inflater.join();
    result
}

fn scan_rows(
    rx: &mpsc::Receiver<Result<Vec<u8>, FileError>>,
    strings: &[std::sync::Arc<str>],
    f: &mut impl FnMut(u32, Vec<Cell>) -> Result<(), Stop>,
) -> Result<(), FileError> {
    let row_end = memmem::Finder::new(b"</row>");
    let mut buf: Vec<u8> = Vec::with_capacity(4 << 20);
    let mut next_row = 1u32;
    let mut done = false;
    while !done {
        match rx.recv() {
            Ok(Ok(chunk)) => buf.extend_from_slice(&chunk),
            Ok(Err(e)) => return Err(e),
            Err(_) => done = true,
        }
        let mut consumed = 0;
        while let Some(p) = row_end.find(&buf[consumed..]) {
            let end = consumed + p + 6;
            let seg = &buf[consumed..end];
            consumed = end;
            let Some(start) = memmem::find(seg, b"<row") else { continue };
            let seg = &seg[start..];
            let gt = memchr::memchr(b'>', seg).unwrap_or(seg.len() - 1);
            let row_no = attr_bytes(&seg[..gt], b"r").and_then(row_of).unwrap_or(next_row);
            next_row = row_no + 1;
            if seg[gt - 1] == b'/' {
                continue;
            }
            let cells = parse_cells(&seg[gt + 1..], strings);
            if cells.iter().any(|c| !c.is_blank()) && f(row_no, cells).is_err() {
                return Ok(());
            }
        }
        buf.drain(..consumed);
        if buf.len() > 64 << 20 {
            return Err(FileError::Corrupt("工作表中有一行超过64 MB，无法读取".into()));
        }
    }
    Ok(())
}

/// Position of the next `<` + `name` + (space, `>` or `/`) at or after `from`.
fn find_tag(hay: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut pos = from;
    while let Some(p) = memchr::memchr(b'<', &hay[pos..]) {
        let at = pos + p;
        let rest = &hay[at + 1..];
        if rest.starts_with(name) && matches!(rest.get(name.len()), Some(b' ') | Some(b'>') | Some(b'/')) {
            return Some(at);
        }
        pos = at + 1;
    }
    None
}

/// Position of `</name>` at or after `from`.
fn find_close(hay: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut pos = from;
    while let Some(p) = memchr::memchr(b'<', &hay[pos..]) {
        let at = pos + p;
        let rest = &hay[at + 1..];
        if rest.first() == Some(&b'/') && rest[1..].starts_with(name) && rest.get(1 + name.len()) == Some(&b'>') {
            return Some(at);
        }
        pos = at + 1;
    }
    None
}

fn parse_cells(row: &[u8], strings: &[std::sync::Arc<str>]) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::with_capacity(16);
    let mut pos = 0;
    let mut next_col = 0usize;
    while let Some(start) = find_tag(row, pos, b"c") {
        let Some(gt) = memchr::memchr(b'>', &row[start..]) else { break };
        let tag = &row[start..start + gt];
        let self_closing = tag.last() == Some(&b'/');
        let body_start = start + gt + 1;
        let (body, after) = if self_closing {
            (&row[body_start..body_start], body_start)
        } else {
            match find_close(row, body_start, b"c") {
                Some(e) => (&row[body_start..e], e + 4),
                None => (&row[body_start..], row.len()),
            }
        };
        pos = after;
        let col = attr_bytes(tag, b"r").and_then(column_of).unwrap_or(next_col);
        next_col = col + 1;
        if col >= 16_384 {
            continue;
        }
        let kind = attr_bytes(tag, b"t");
        let value = || -> Option<&[u8]> {
            let v = find_tag(body, 0, b"v")?;
            let gt = v + memchr::memchr(b'>', &body[v..])?;
            let end = find_close(body, gt, b"v")?;
            Some(&body[gt + 1..end])
        };
        let cell = match kind {
            Some(b"s") => value()
                .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok())
                .and_then(|i| strings.get(i))
                .map_or(Cell::Empty, |s| if s.is_empty() { Cell::Empty } else { Cell::Text(s.clone()) }),
            Some(b"inlineStr") => {
                let t = text_runs(body);
                if t.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(t.into())
                }
            }
            Some(b"str") => value().map_or(Cell::Empty, |v| Cell::Text(unescape(&String::from_utf8_lossy(v)).into())),
            Some(b"b") => value().map_or(Cell::Empty, |v| Cell::Bool(v == b"1")),
            Some(b"e") => value().map_or(Cell::Empty, |v| Cell::Error(String::from_utf8_lossy(v).into_owned())),
            Some(b"d") => {
                value().map_or(Cell::Empty, |v| Cell::Date(String::from_utf8_lossy(v).chars().take(10).collect()))
            }
            _ => match value() {
                None => Cell::Empty,
                Some(v) => match std::str::from_utf8(v).ok().and_then(|s| s.trim().parse::<f64>().ok()) {
                    Some(n) => Cell::Number(n),
                    None => Cell::Text(String::from_utf8_lossy(v).into()),
                },
            },
        };
        if matches!(cell, Cell::Empty) {
            continue;
        }
        if cells.len() <= col {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = cell;
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_strings_and_escapes() {
        let strings: Vec<std::sync::Arc<str>> = vec!["张三".into(), "A&B".into()];
        let row = br#"<c r="A2" t="s"><v>0</v></c><c r="C2" s="1"><v>310112198001010013</v></c><c r="D2" t="inlineStr"><is><t>x &lt;y&gt;</t></is></c><c r="E2" t="b"><v>1</v></c><c r="F2"/><c r="G2" t="s"><v>1</v></c>"#;
        let cells = parse_cells(row, &strings);
        assert_eq!(cells[0], Cell::Text("张三".into()));
        assert_eq!(cells[1], Cell::Empty);
        assert!(matches!(cells[2], Cell::Number(_)));
        assert_eq!(cells[3], Cell::Text("x <y>".into()));
        assert_eq!(cells[4], Cell::Bool(true));
        assert_eq!(cells[6], Cell::Text("A&B".into()));
    }

    #[test]
    fn rich_text_runs_join_and_phonetics_are_dropped() {
        let si = r#"<r><rPr><b/></rPr><t>王</t></r><r><t xml:space="preserve">小 明</t></r><rPh sb="0" eb="1"><t>wang</t></rPh>"#;
        assert_eq!(text_runs(si.as_bytes()), "王小 明");
        assert_eq!(unescape("_x000D_a&#x4E00;&#20108;"), "\ra一二");
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_of(b"A1"), Some(0));
        assert_eq!(column_of(b"Z9"), Some(25));
        assert_eq!(column_of(b"AA3"), Some(26));
        assert_eq!(row_of(b"AB12"), Some(12));
    }
}
