//! PostgreSQL's COPY in its text format: rows written for `COPY … FROM STDIN` (values escaped,
//! a failed COPY aborted) and lines read from `COPY … TO STDOUT` (escapes undone). Only the dialect
//! module calls these.

use sqlx::Postgres;

use crate::imports::RegisterNames;
use crate::{Result, StoreError};

/// Undoes COPY's text escapes (`\\`, `\t`, `\n`, `\r`; any other escaped character stands for
/// itself).
fn unescape(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains('\\') {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One line of COPY's text output: `hex<TAB>name`, the name with COPY's escapes undone.
pub(super) fn copy_line(line: &[u8], names: &mut RegisterNames) {
    let Some(tab) = line.iter().position(|b| *b == b'\t') else { return };
    let (Ok(key), Ok(raw)) = (std::str::from_utf8(&line[..tab]), std::str::from_utf8(&line[tab + 1..])) else { return };
    names.add_hex(key, &unescape(raw));
}

/// Streams the output of `statement` (a `COPY (SELECT json_build_array(…) …) TO STDOUT`): each line
/// one row as a JSON array, its COPY escapes undone, appended to `out`.
pub(super) async fn json_lines<T: serde::de::DeserializeOwned>(
    pool: &sqlx::PgPool,
    statement: &str,
    out: &mut Vec<T>,
) -> Result<()> {
    use sqlx::postgres::PgPoolCopyExt;
    let mut stream = pool.copy_out_raw(statement).await?;
    let mut carry: Vec<u8> = Vec::new();
    while let Some(chunk) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        carry.extend_from_slice(&chunk?);
        let mut at = 0;
        while let Some(end) = carry[at..].iter().position(|b| *b == b'\n') {
            let line = std::str::from_utf8(&carry[at..at + end])
                .map_err(|e| StoreError::Invalid(format!("比对数据无法读取：{e}")))?;
            out.push(
                serde_json::from_str(&unescape(line))
                    .map_err(|e| StoreError::Invalid(format!("比对数据无法读取：{e}")))?,
            );
            at += end + 1;
        }
        carry.drain(..at);
    }
    Ok(())
}

/// One row of COPY's text format: the values separated by tabs, a newline at the end.
pub(super) fn copy_row(buf: &mut String, fields: &[CopyValue<'_>]) {
    for (n, f) in fields.iter().enumerate() {
        if n > 0 {
            buf.push('\t');
        }
        f.write(buf);
    }
    buf.push('\n');
}

/// Runs a `COPY … FROM STDIN` with `data` (text format). A COPY that fails while sending is
/// aborted, so the connection is never left in the middle of one (the transaction then fails as a
/// whole and is rolled back).
pub(super) async fn copy_in(
    t: &mut sqlx::Transaction<'static, Postgres>,
    statement: &str,
    data: String,
) -> std::result::Result<(), sqlx::Error> {
    let mut copy = (&mut **t).copy_in_raw(statement).await?;
    if let Err(e) = copy.send(data.into_bytes()).await {
        let _ = copy.abort("写入中断").await;
        return Err(e);
    }
    copy.finish().await?;
    Ok(())
}

/// One value of a row of COPY's text format.
pub(super) enum CopyValue<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    Bytes(Option<&'a [u8]>),
}

impl CopyValue<'_> {
    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            CopyValue::Int(None) | CopyValue::Text(None) | CopyValue::Bytes(None) => out.push_str("\\N"),
            CopyValue::Int(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            CopyValue::Text(Some(t)) => {
                for c in t.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
            // bytea's hex input (\x…), its backslash doubled for COPY.
            CopyValue::Bytes(Some(b)) => {
                out.push_str("\\\\x");
                out.push_str(&hex::encode(b));
            }
        }
    }
}

#[cfg(test)]
mod copy_tests {
    use super::*;
    use crate::imports::RegisterNames;

    #[test]
    fn copy_lines_are_read_with_their_escapes_undone() {
        let keys = crate::Keys::from_master(&[3u8; 32]);
        let mut names = RegisterNames::with_capacity(keys.id_hasher(), 4);
        let head = |id: &str| hex::encode(&keys.id_key(id)[..16]);
        let a = format!("{}\t张三", head("11010519491231002X"));
        let b = format!("{}\t李\\\\四\\t五", head("110105194912310037"));
        copy_line(a.as_bytes(), &mut names);
        copy_line(b.as_bytes(), &mut names);
        copy_line(b"no tab here", &mut names);
        assert_eq!(names.name_of("11010519491231002X"), Some("张三"));
        assert_eq!(names.name_of("110105194912310037"), Some("李\\四\t五"));
        assert_eq!(names.len(), 2);
    }
}

#[cfg(test)]
mod copy_format_tests {
    use super::*;

    #[test]
    fn copy_values_are_escaped_as_the_text_format_wants() {
        let mut out = String::new();
        for v in [
            CopyValue::Int(Some(-5)),
            CopyValue::Int(None),
            CopyValue::Text(Some("李\\四\t五\n")),
            CopyValue::Bytes(Some(&[0xab, 0x01])),
            CopyValue::Bytes(None),
        ] {
            v.write(&mut out);
            out.push('|');
        }
        assert_eq!(out, "-5|\\N|李\\\\四\\t五\\n|\\\\xab01|\\N|");
    }
}
