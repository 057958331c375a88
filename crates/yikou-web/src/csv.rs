//! Exports: every 导出Excel builds one typed table ([`Table`]) and hands it out as a real workbook
//! (`…/export.xlsx`: a title block naming unit, campaign, time and filters, typed cells, 序号 and
//! 合计) or as the CSV beside it (`…/export.csv`: UTF-8 with BOM, cells that cannot start a
//! formula, the same columns as always). Both carry a Chinese file name, and each export is audited
//! the same way whichever file is taken.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::sync::mpsc;

use axum::extract::FromRequestParts;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use yikou_store::accounts::auth::SessionUser;

pub(crate) use yikou_ingest::sheet::{Column, Table, Value};
use yikou_ingest::workbook::{fitted_widths, CsvSink, RowSink, XlsxSink};

use crate::frame::{campaign_line, encode, names, unix_text};
use crate::{AppError, AppState};

/// Which file was asked for: read from the path, so one handler serves `export.csv` and
/// `export.xlsx` alike (same checks, same table, same audit record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
}

impl Format {
    fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(if parts.uri.path().ends_with(".xlsx") { Format::Xlsx } else { Format::Csv })
    }
}

/// What an export is: its Chinese title (帮困对象, 比对核查疑点 …) and the ASCII name older tools
/// and the CSV always used (people, findings …).
pub(crate) struct Export<'a> {
    pub title: &'a str,
    pub ascii: &'a str,
}

/// The title block above the header — "古美街道帮困对象", the campaign, when and by whom, the
/// filters in force — and the file's name without extension: "古美街道帮困对象_2026-12-02".
pub(crate) async fn heading(
    state: &AppState,
    s: &SessionUser,
    what: &Export<'_>,
    filters: &[(&str, String)],
) -> Result<(Vec<String>, String), AppError> {
    let unit = names(state).await?.unit(&s.user.unit_code);
    let mut lines = vec![format!("{unit}{}", what.title)];
    if let Some(c) = campaign_line(state).await? {
        lines.push(format!("帮困活动：{c}"));
    }
    let now = unix_text(time::OffsetDateTime::now_utc().unix_timestamp());
    lines.push(format!("导出时间：{now}（北京时间） 导出人：{}", s.user.display_name));
    let set: Vec<String> = filters.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}：{v}")).collect();
    lines.push(if set.is_empty() {
        "筛选条件：无（全部）".into()
    } else {
        format!("筛选条件：{}", set.join("；"))
    });
    let today = yikou_domain::today();
    Ok((lines, format!("{unit}{}_{today}", what.title)))
}

/// A download's Content-Disposition: the Chinese `name` (RFC 5987) and an ASCII `fallback` for old
/// clients, kept to characters every client takes in a quoted header value.
pub(crate) fn attachment(name: &str, fallback: &str) -> String {
    let ascii: String =
        fallback.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", encode(name))
}

/// The table as the file asked for, named `<stem>.<ext>` (with an ASCII fallback for old clients),
/// written while it is sent (the file itself is never held whole in memory).
pub(crate) fn respond(table: Table, format: Format, what: &Export<'_>, stem: &str) -> Result<Response, AppError> {
    let layout = table.layout();
    let widths = fitted_widths(&table, table.total_row().as_ref());
    Ok(stream_with(layout, widths, format, what, stem, move |rows: Rows| async move {
        rows.send(table.rows).await;
        Ok(())
    }))
}

/// A page of a streamed export's rows, or its regular end.
enum Page {
    Rows(Vec<Vec<Value>>),
    End,
}

/// Where a streamed export's rows go, page by page (a bounded queue: the reader of the store
/// waits while the writer is behind).
#[derive(Clone)]
pub(crate) struct Rows(mpsc::Sender<Page>);

impl Rows {
    /// Hands a page to the writer; false when the download was abandoned (stop reading then).
    pub async fn send(&self, page: Vec<Vec<Value>>) -> bool {
        self.0.send(Page::Rows(page)).await.is_ok()
    }

    /// Hands a page to the writer; the key of the next page to read, when there is one and the
    /// download goes on.
    pub async fn then<K>(&self, page: Vec<Vec<Value>>, next: Option<K>) -> Option<K> {
        if self.send(page).await {
            next
        } else {
            None
        }
    }
}

/// A streamed export: the response starts at once; `fill` reads the rows page by page and sends
/// them ([`Rows::send`]); a blocking task turns them into the file (the workbook's columns as
/// `widths`), whose bytes go out as they are written. Memory stays that of a page and of the
/// compressor whatever the number of rows. When `fill` fails the download is broken off (the
/// client sees an incomplete file, never a complete-looking one that lacks rows) and the error is
/// logged. The workbook's columns are as wide as their titles and [`Column::wide`] say.
pub(crate) fn streamed<F, Fut>(layout: Table, format: Format, what: &Export<'_>, stem: &str, fill: F) -> Response
where
    F: FnOnce(Rows) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), AppError>> + Send + 'static,
{
    let widths = fitted_widths(&layout, None);
    stream_with(layout, widths, format, what, stem, fill)
}

fn stream_with<F, Fut>(
    layout: Table,
    widths: Vec<f64>,
    format: Format,
    what: &Export<'_>,
    stem: &str,
    fill: F,
) -> Response
where
    F: FnOnce(Rows) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), AppError>> + Send + 'static,
{
    let ext = format.ext();
    let disposition = attachment(&format!("{stem}.{ext}"), &format!("{}_{}.{ext}", what.ascii, yikou_domain::today()));
    let kind = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    let (page_tx, page_rx) = mpsc::channel::<Page>(4);
    let (body_tx, body_rx) = mpsc::channel::<io::Result<Bytes>>(8);
    tokio::task::spawn_blocking(move || {
        let out = Chunks { tx: body_tx.clone(), buf: Vec::with_capacity(CHUNK) };
        if let Err(e) = write_file(out, &layout, widths, format, page_rx) {
            if e.kind() != io::ErrorKind::BrokenPipe {
                tracing::warn!(error = %e, "a streamed export was broken off");
            }
            let _ = body_tx.blocking_send(Err(e));
        }
    });
    tokio::spawn(async move {
        let rows = Rows(page_tx.clone());
        match fill(rows).await {
            Ok(()) => {
                let _ = page_tx.send(Page::End).await;
            }
            Err(e) => tracing::warn!(error = ?e, "reading a streamed export's rows failed"),
        }
    });
    let body = axum::body::Body::new(Streamed(body_rx));
    ([(CONTENT_TYPE, kind.to_string()), (CONTENT_DISPOSITION, disposition)], body).into_response()
}

/// The file from the pages as they come; an error when the pages stop without their end.
fn write_file(
    out: Chunks,
    layout: &Table,
    widths: Vec<f64>,
    format: Format,
    mut pages: mpsc::Receiver<Page>,
) -> io::Result<()> {
    let mut sink: Box<dyn RowSink> = match format {
        Format::Csv => Box::new(CsvSink::start(out, layout)?),
        Format::Xlsx => Box::new(XlsxSink::start(out, layout, widths)?),
    };
    loop {
        match pages.blocking_recv() {
            Some(Page::Rows(rows)) => {
                for r in &rows {
                    sink.row(r)?;
                }
            }
            Some(Page::End) => return sink.finish(),
            None => return Err(io::Error::other("导出中断：读取数据时出错")),
        }
    }
}

/// How much of the file is gathered before it is sent.
const CHUNK: usize = 64 * 1024;

/// The file's bytes on their way to the client, in chunks; a client gone is a broken pipe.
struct Chunks {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl io::Write for Chunks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// A response body fed by the writer.
struct Streamed(mpsc::Receiver<io::Result<Bytes>>);

impl http_body::Body for Streamed {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        self.0.poll_recv(cx).map(|next| next.map(|chunk| chunk.map(http_body::Frame::data)))
    }
}

/// Records who exported what (the filters in force and how many rows).
pub(crate) async fn audited(
    state: &AppState,
    s: &SessionUser,
    action: &str,
    entity: &str,
    what: serde_json::Value,
) -> Result<(), AppError> {
    Ok(yikou_service::audit::record_export(&state.store, &s.actor(), action, entity, &what).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Table {
        let mut t = Table::new("名单", vec![Column::new("姓名"), Column::summed("金额（元）")]);
        t.totals = true;
        t
    }

    /// Runs the writer over the pages; what reached the client, and whether it ended in an error.
    fn written(pages: Vec<Page>, close_early: bool) -> (Vec<u8>, bool) {
        let (page_tx, page_rx) = mpsc::channel::<Page>(pages.len().max(1));
        for p in pages {
            page_tx.try_send(p).unwrap_or_else(|_| panic!("room for the page"));
        }
        if close_early {
            drop(page_tx);
        } else {
            std::mem::forget(page_tx);
        }
        let (body_tx, mut body_rx) = mpsc::channel::<io::Result<Bytes>>(1024);
        let out = Chunks { tx: body_tx, buf: Vec::new() };
        let result = write_file(out, &layout(), vec![8.0, 12.0], Format::Csv, page_rx);
        let mut bytes = Vec::new();
        while let Ok(Ok(chunk)) = body_rx.try_recv() {
            bytes.extend_from_slice(&chunk);
        }
        (bytes, result.is_err())
    }

    #[test]
    fn a_streamed_file_is_complete_only_when_its_rows_ended_and_broken_off_when_they_stopped() {
        let row = |n: &str, f: i64| vec![Value::text(n), Value::Money(yikou_domain::Fen(f))];
        let (bytes, failed) =
            written(vec![Page::Rows(vec![row("甲", 100)]), Page::Rows(vec![row("乙", 250)]), Page::End], false);
        assert!(!failed);
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}姓名,金额（元）\r\n\"甲\",\"1.00\"\r\n\"乙\",\"2.50\"\r\n\"合计\",\"3.50\"\r\n"
        );
        // The reader failed after one page: no 合计 row that would pass for the whole list.
        let (bytes, failed) = written(vec![Page::Rows(vec![row("甲", 100)])], true);
        assert!(failed, "the download is broken off");
        assert!(!String::from_utf8(bytes).unwrap().contains("合计"));
    }
}
