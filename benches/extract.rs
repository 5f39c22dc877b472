//! Web page extraction (`extract::page`: decoding, parsing, main text and
//! metadata) on 200 made-up news pages: each a synthetic article (`common`)
//! inside a site template of inline styles and scripts, navigation, a
//! most-read box and a footer (about 45 KB a page, 3 KB of it article text;
//! real news pages run from 50 to 300 KB). Throughput in bytes of HTML, on
//! one core: the pipeline extracts one page per task on every rayon thread.
//!
//! The pages are written here, from the generator, so no third-party page
//! is bundled; the extraction quality on real pages is measured on a public
//! benchmark (README, "Web pages and web archives").

mod common;

use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A news page around `a`: the template's markup is most of the bytes.
fn page(a: &common::Article, i: usize) -> String {
    let mut html = String::with_capacity(48 << 10);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title} | {source}</title>\
         <meta property=\"og:title\" content=\"{title}\">\
         <meta property=\"og:site_name\" content=\"{source}\">\
         <meta property=\"article:published_time\" content=\"{date}T08:00:00Z\">\
         <link rel=\"canonical\" href=\"https://news.example/{i}\">",
        title = a.title,
        source = common::OUTLETS[a.outlet],
        date = a.date(),
    );
    // Inline styles and scripts: most of a real page's bytes, little of
    // its parsing work.
    html.push_str("<style>");
    for s in 0..300 {
        let _ = write!(html, ".c{s} .item a:hover{{color:#{s:03x};margin:0 {s}px}}");
    }
    html.push_str("</style>");
    for s in 0..6 {
        let _ = write!(
            html,
            "<script>window.dataLayer=window.dataLayer||[];function track{s}(e){{dataLayer.push({{event:e,section:'news',slot:{s}}})}}{}</script>",
            "var cfg={a:1,b:[1,2,3],c:'x'};".repeat(100)
        );
    }
    html.push_str("</head><body><header><nav><ul>");
    for s in 0..40 {
        let _ = write!(
            html,
            "<li class=\"menu-item\"><a href=\"/section/{s}\" class=\"nav-link\">Section {s}</a></li>"
        );
    }
    html.push_str("</ul></nav></header><main><article><h1>");
    html.push_str(&a.title);
    html.push_str("</h1><div class=\"byline\">By staff</div><div class=\"body\">");
    for p in a.text.split("\n\n") {
        let _ = write!(html, "<p>{p}</p>");
    }
    html.push_str("</div></article><aside><h2>Most read</h2><ol>");
    for s in 0..10 {
        let _ = write!(
            html,
            "<li><a href=\"/r/{s}\"><img src=\"/img/{s}.jpg\" alt=\"\">Another headline number {s} from the site's front page</a></li>"
        );
    }
    html.push_str("</ol></aside></main><footer>");
    for s in 0..20 {
        let _ = write!(
            html,
            "<div class=\"footer-col\"><a href=\"/f/{s}\">Footer link {s}</a> <span>Terms, privacy and cookie settings</span></div>"
        );
    }
    html.push_str("</footer></body></html>");
    html
}

fn bench(c: &mut Criterion) {
    let arts = common::articles(200, 7);
    let pages: Vec<String> = arts.iter().enumerate().map(|(i, a)| page(a, i)).collect();
    let bytes: usize = pages.iter().map(String::len).sum();
    eprintln!(
        "extract: {} pages, {:.1} KB of HTML per page, {:.1} KB of article text",
        pages.len(),
        bytes as f64 / pages.len() as f64 / 1e3,
        common::text_bytes(&arts) as f64 / pages.len() as f64 / 1e3
    );
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("page", |b| {
        b.iter(|| {
            pages
                .iter()
                .map(|p| {
                    storyhash::extract::page(black_box(p.as_bytes()), None, None)
                        .text
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
