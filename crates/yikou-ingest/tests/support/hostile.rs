//! Hostile workbooks for the budget tests and the memory bench (`examples/hostile_xlsx.rs`): small
//! files whose parts inflate to a lot. Each part is one chunk deflated once (ending on a full flush,
//! so the blocks stand alone) and repeated, so even a GiB-sized part is written in milliseconds.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use flate2::{Compress, Compression, Crc, FlushCompress};

/// A part of the archive: `chunk` repeated `times` times.
pub struct Part {
    pub name: &'static str,
    pub chunk: Vec<u8>,
    pub times: u64,
}

impl Part {
    pub fn once(name: &'static str, text: &str) -> Part {
        Part { name, chunk: text.as_bytes().to_vec(), times: 1 }
    }
}

/// Writes a zip archive of deflated parts (sizes and checksums declared truthfully).
pub fn write_zip(path: &Path, parts: &[Part]) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut central = Vec::new();
    let mut offset = 0u64;
    for p in parts {
        let mut c = Compress::new(Compression::fast(), false);
        let mut block = Vec::with_capacity(p.chunk.len() + 4096);
        while (c.total_in() as usize) < p.chunk.len() {
            block.reserve(p.chunk.len() + 4096);
            c.compress_vec(&p.chunk[c.total_in() as usize..], &mut block, FlushCompress::Full).unwrap();
        }
        // An empty final block ends the stream after the repeated (non-final) ones.
        let packed = block.len() as u64 * p.times + 2;
        let size = p.chunk.len() as u64 * p.times;
        let mut one = Crc::new();
        one.update(&p.chunk);
        let mut crc = Crc::new();
        for _ in 0..p.times {
            crc.combine(&one);
        }
        let header = |sig: u32| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if sig == 0x0201_4b50 {
                h.extend(20u16.to_le_bytes()); // made by
            }
            h.extend(20u16.to_le_bytes()); // needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(8u16.to_le_bytes()); // deflate
            h.extend(0u16.to_le_bytes()); // time
            h.extend(0x21u16.to_le_bytes()); // date 1980-01-01
            h.extend(crc.sum().to_le_bytes());
            h.extend((packed as u32).to_le_bytes());
            h.extend((size as u32).to_le_bytes());
            h.extend((p.name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if sig == 0x0201_4b50 {
                h.extend([0u8; 8]); // comment, disk, internal and external attributes
                h.extend([0u8; 2]);
                h.extend((offset as u32).to_le_bytes());
            }
            h.extend(p.name.as_bytes());
            h
        };
        let local = header(0x0403_4b50);
        out.write_all(&local)?;
        for _ in 0..p.times {
            out.write_all(&block)?;
        }
        out.write_all(&[0x03, 0x00])?;
        central.extend(header(0x0201_4b50));
        offset += local.len() as u64 + packed;
    }
    out.write_all(&central)?;
    out.write_all(&0x0605_4b50u32.to_le_bytes())?;
    out.write_all(&[0u8; 4])?; // disk numbers
    out.write_all(&(parts.len() as u16).to_le_bytes())?;
    out.write_all(&(parts.len() as u16).to_le_bytes())?;
    out.write_all(&(central.len() as u32).to_le_bytes())?;
    out.write_all(&(offset as u32).to_le_bytes())?;
    out.write_all(&0u16.to_le_bytes())?;
    out.flush()
}

/// A workbook whose shared strings part inflates to about `xml_mb` MB of distinct strings of
/// `text_len` bytes (a counter, then padding), and whose one sheet uses the first string. Longer
/// strings compress better: 200 bytes about 100×, under the zip-bomb ratio guard (400).
pub fn shared_strings_workbook(path: &Path, xml_mb: u64, text_len: usize) -> std::io::Result<()> {
    let mut chunk = String::with_capacity(1 << 20);
    let pad = "救".repeat(text_len.saturating_sub(5) / 3);
    let mut i = 0u32;
    while chunk.len() < (1 << 20) - text_len - 64 {
        chunk.push_str(&format!("<si><t>{i:05x}{pad}</t></si>"));
        i += 1;
    }
    let times = (xml_mb << 20).div_ceil(chunk.len() as u64);
    write_zip(
        path,
        &[
            Part::once(
                "xl/workbook.xml",
                r#"<workbook><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            ),
            Part::once(
                "xl/_rels/workbook.xml.rels",
                r#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#,
            ),
            Part::once(
                "xl/worksheets/sheet1.xml",
                r#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#,
            ),
            Part { name: "xl/sharedStrings.xml", chunk: chunk.into_bytes(), times },
        ],
    )
}
