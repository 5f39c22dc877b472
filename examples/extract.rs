//! Prints what storyhash extracts from web pages, as one JSON object keyed
//! by file stem: `{"<stem>": {"articleBody": ..., "title": ..., ...}}`.
//!
//! This is the format of the public article-extraction benchmark's
//! predictions, so the extraction can be scored with that benchmark's own
//! script: `cargo run --release --example extract -- DIR > output/storyhash.json`.
//! Files ending in `.gz` are decompressed.

use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: extract DIR")?;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    let mut out = serde_json::Map::new();
    for path in paths {
        let mut bytes = Vec::new();
        let file = std::fs::File::open(&path)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".gz") {
            flate2::read::MultiGzDecoder::new(file).read_to_end(&mut bytes)?;
        } else {
            std::io::BufReader::new(file).read_to_end(&mut bytes)?;
        }
        let stem = name.split('.').next().unwrap_or(name).to_string();
        let page = storyhash::extract::page(&bytes, None, None);
        let value = serde_json::json!({
            "articleBody": page.text,
            "title": page.title,
            "date": page.date,
            "site": page.site,
            "canonical": page.canonical,
        });
        out.insert(stem, value);
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
