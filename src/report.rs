//! The story spread report for researchers.
//!
//! From each article's story, near-duplicate group, outlet, date and title
//! it works out, per story: a label (the earliest article's title), the
//! number of articles, outlets and near-duplicate groups, its events (each
//! with its label, size and first date), the first and last
//! publication and the lifetime, the outlets in the order they first carried
//! it, and the reprint edges (in each near-duplicate group, the outlet whose
//! copy came first, and who carried it after). It writes them as CSV (one
//! row per story, one per outlet per story), JSON, and a self-contained
//! HTML page with one SVG timeline per story (no scripts, no network).
//!
//! Undated articles count everywhere but in the dates; they sort after the
//! dated ones.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::article::Date;
use crate::assign::{Assignments, Row};
use crate::error::{Error, Result};
use crate::output::{Output, Plan};

/// The files a report directory holds.
pub const FILES: [&str; 4] = ["stories.csv", "outlets.csv", "report.json", "report.html"];

/// Writes `stories.csv`, `outlets.csv`, `report.json` and `report.html`
/// (the first `html_stories` stories) into the staging directory of the
/// planned directory output `out`; they appear together when the plan is
/// committed, or not at all.
pub fn write_all(plan: &Plan, out: Output, stories: &[Story], html_stories: usize) -> Result<()> {
    let dir = plan.staging(out);
    let shown = plan.shown(out);
    let one = |name: &str, fill: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| {
        let wrap = |e: std::io::Error| Error::Write {
            path: shown.join(name),
            source: e,
        };
        let f = std::fs::File::create(dir.join(name)).map_err(wrap)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        fill(&mut w).and_then(|()| w.flush()).map_err(wrap)
    };
    one(FILES[0], &|w| write_stories_csv(w, stories))?;
    one(FILES[1], &|w| write_outlets_csv(w, stories))?;
    one(FILES[2], &|w| write_json(w, stories))?;
    one(FILES[3], &|w| write_html(w, stories, html_stories))?;
    Ok(())
}

/// One outlet's part in a story.
#[derive(Debug, Clone, Serialize)]
pub struct Outlet {
    /// 1-based place in the order of first carrying; outlets whose first
    /// articles bear the same time share a rank (and the next rank skips).
    pub rank: usize,
    /// Outlet name (`(unknown)` when articles have none).
    pub outlet: String,
    /// Its first article's date (as written), if dated.
    pub first: Option<String>,
    /// Its articles in the story.
    pub articles: usize,
}

/// A near-duplicate group seen as reprints: who was first, who followed.
#[derive(Debug, Clone, Serialize)]
pub struct Reprint {
    /// Group label.
    pub dup_group: String,
    /// The earliest copy's id and outlet.
    pub first_id: String,
    /// Outlet of the earliest copy.
    pub first_outlet: String,
    /// Other copies bearing the same time as the earliest: `(id, outlet)`.
    /// Which of them came first is not known, so none is a reprint of another.
    pub simultaneous: Vec<(String, String)>,
    /// The later copies: `(id, outlet, date)`.
    pub followers: Vec<(String, String, Option<String>)>,
}

/// One event of a story.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Event label (as in the cluster CSV).
    pub event: String,
    /// Human label: the earliest article's title, else its id.
    pub label: String,
    /// Number of articles.
    pub articles: usize,
    /// First publication (as written), if any article is dated.
    pub first: Option<String>,
}

/// One story of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    /// Story label (as in the cluster CSV).
    pub story: String,
    /// Human label: the earliest article's title, else its id.
    pub label: String,
    /// Number of articles.
    pub articles: usize,
    /// Number of distinct outlets.
    pub outlets: usize,
    /// Number of near-duplicate groups.
    pub dup_groups: usize,
    /// Its events, earliest first (each group its own event when the table
    /// has none).
    pub events: Vec<Event>,
    /// First publication (as written), if any article is dated.
    pub first: Option<String>,
    /// Last publication (as written).
    pub last: Option<String>,
    /// Days from first to last publication.
    pub lifetime_days: Option<f64>,
    /// Outlets in the order they first carried the story.
    pub outlet_order: Vec<Outlet>,
    /// Reprint edges, one entry per near-duplicate group with copies.
    pub reprints: Vec<Reprint>,
    /// Articles as `(id, outlet, date)`, earliest first.
    pub timeline: Vec<(String, String, Option<String>)>,
    #[serde(skip)]
    seconds: Vec<Option<i64>>,
}

/// How stories are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Most articles first.
    #[default]
    Size,
    /// Most outlets first.
    Spread,
}

/// Which stories a report shows, in what order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// Story order.
    pub sort: SortBy,
    /// Only stories carried by at least this many outlets.
    pub min_outlets: usize,
    /// Stories drawn in `report.html` (all are in the CSV and JSON files).
    pub html_stories: usize,
}

impl Default for View {
    fn default() -> View {
        View {
            sort: SortBy::Size,
            min_outlets: 2,
            html_stories: 1000,
        }
    }
}

const UNKNOWN: &str = "(unknown)";

/// Order key of an article: dated ones by time, undated last.
fn when(r: &Row) -> (u8, (i64, i64)) {
    r.date.map_or((1, (0, 0)), |d| (0, d.order_key()))
}

/// Builds the stories with at least `min_outlets` outlets, ordered by
/// `sort` (ties by story label).
pub fn build(table: &Assignments, sort: SortBy, min_outlets: usize) -> Vec<Story> {
    let rows: Vec<Row> = table.rows().collect();
    let mut by_story: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        by_story.entry(r.story).or_default().push(r);
    }
    let mut stories: Vec<Story> = by_story
        .into_iter()
        .map(|(label, mut arts)| {
            // Stable: articles of the same time stay in input order (an id
            // string says nothing about who published first).
            arts.sort_by_key(|a| when(a));
            story(label, &arts)
        })
        .filter(|s| s.outlets >= min_outlets)
        .collect();
    stories.sort_by(|a, b| {
        let key = |s: &Story| match sort {
            SortBy::Size => (s.articles, s.outlets),
            SortBy::Spread => (s.outlets, s.articles),
        };
        key(b).cmp(&key(a)).then(a.story.cmp(&b.story))
    });
    stories
}

/// One story from its articles, earliest first.
fn story(label: &str, arts: &[&Row]) -> Story {
    let outlet = |r: &Row| r.source.unwrap_or(UNKNOWN).to_string();
    let date = |r: &Row| r.date.map(|d| d.text.to_string());
    let mut outlets: Vec<Outlet> = Vec::new();
    let mut first_when = Vec::new();
    for r in arts {
        let o = outlet(r);
        match outlets.iter_mut().find(|x| x.outlet == o) {
            Some(x) => x.articles += 1,
            None => {
                first_when.push(when(r));
                outlets.push(Outlet {
                    rank: 0,
                    outlet: o,
                    first: date(r),
                    articles: 1,
                });
            }
        }
    }
    // Ties in time are ties in rank; within a tie, outlets go by name.
    let mut order: Vec<usize> = (0..outlets.len()).collect();
    order.sort_by(|&a, &b| {
        (first_when[a], &outlets[a].outlet).cmp(&(first_when[b], &outlets[b].outlet))
    });
    let mut ranked: Vec<Outlet> = Vec::with_capacity(outlets.len());
    for (place, &i) in order.iter().enumerate() {
        let rank = match ranked.last() {
            Some(prev) if first_when[order[place - 1]] == first_when[i] => prev.rank,
            _ => place + 1,
        };
        ranked.push(Outlet {
            rank,
            ..outlets[i].clone()
        });
    }
    let outlets = ranked;
    let mut groups: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in arts {
        groups.entry(r.dup_group).or_default().push(r);
    }
    let reprints = groups
        .iter()
        .filter(|(_, g)| g.len() > 1)
        .map(|(label, g)| {
            let tied = g[1..].iter().take_while(|r| when(r) == when(g[0])).count();
            Reprint {
                dup_group: label.to_string(),
                first_id: g[0].id.to_string(),
                first_outlet: outlet(g[0]),
                simultaneous: g[1..=tied]
                    .iter()
                    .map(|r| (r.id.to_string(), outlet(r)))
                    .collect(),
                followers: g[1 + tied..]
                    .iter()
                    .map(|r| (r.id.to_string(), outlet(r), date(r)))
                    .collect(),
            }
        })
        .collect();
    // Articles are earliest first, so each event's first article is its
    // earliest and events come in order of their first article.
    let mut events: Vec<Event> = Vec::new();
    for r in arts {
        let e = r.event.unwrap_or(r.dup_group);
        match events.iter_mut().find(|x| x.event == e) {
            Some(x) => x.articles += 1,
            None => events.push(Event {
                event: e.to_string(),
                label: r.title.unwrap_or(r.id).to_string(),
                articles: 1,
                first: date(r),
            }),
        }
    }
    let dated: Vec<&Date> = arts.iter().filter_map(|r| r.date).collect();
    // From the earliest instant to the latest, not from the first to the
    // last in order: a bare date sorts after the timed articles of its day
    // but stands at its midnight, so the difference of those two could be
    // negative.
    let seconds = dated.iter().map(|d| d.seconds);
    let lifetime_days = match (seconds.clone().min(), seconds.max()) {
        (Some(a), Some(b)) => Some((b - a) as f64 / 86_400.0),
        _ => None,
    };
    Story {
        story: label.to_string(),
        label: arts[0].title.unwrap_or(arts[0].id).to_string(),
        articles: arts.len(),
        outlets: outlets.len(),
        dup_groups: groups.len(),
        events,
        first: dated.first().map(|d| d.text.to_string()),
        last: dated.last().map(|d| d.text.to_string()),
        lifetime_days,
        outlet_order: outlets,
        reprints,
        timeline: arts
            .iter()
            .map(|r| (r.id.to_string(), outlet(r), date(r)))
            .collect(),
        seconds: arts.iter().map(|r| r.date.map(|d| d.seconds)).collect(),
    }
}

/// `stories.csv`: one row per story.
pub fn write_stories_csv(out: impl Write, stories: &[Story]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "story",
        "label",
        "articles",
        "outlets",
        "dup_groups",
        "events",
        "first",
        "last",
        "lifetime_days",
        "outlet_order",
        "reprints",
        "event_order",
    ])?;
    for s in stories {
        let mut order = String::new();
        for (i, o) in s.outlet_order.iter().enumerate() {
            if i > 0 {
                let tie = o.rank == s.outlet_order[i - 1].rank;
                order.push_str(if tie { " = " } else { " > " });
            }
            order.push_str(&o.outlet);
        }
        // Copies beyond the first of each group, whether or not it is known
        // which came first.
        let copies: usize = s
            .reprints
            .iter()
            .map(|r| r.followers.len() + r.simultaneous.len())
            .sum();
        let events: Vec<&str> = s.events.iter().map(|e| e.event.as_str()).collect();
        w.write_record([
            s.story.as_str(),
            &s.label,
            &s.articles.to_string(),
            &s.outlets.to_string(),
            &s.dup_groups.to_string(),
            &s.events.len().to_string(),
            s.first.as_deref().unwrap_or(""),
            s.last.as_deref().unwrap_or(""),
            &s.lifetime_days.map_or(String::new(), |d| format!("{d:.1}")),
            &order,
            &copies.to_string(),
            &events.join(" > "),
        ])?;
    }
    w.flush()
}

/// `outlets.csv`: one row per outlet per story, in order of first carrying
/// (outlets that first carried it at the same time share a rank).
pub fn write_outlets_csv(out: impl Write, stories: &[Story]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["story", "rank", "outlet", "first", "articles"])?;
    for s in stories {
        for o in &s.outlet_order {
            w.write_record([
                s.story.as_str(),
                &o.rank.to_string(),
                &o.outlet,
                o.first.as_deref().unwrap_or(""),
                &o.articles.to_string(),
            ])?;
        }
    }
    w.flush()
}

/// `report.json`: the stories as one JSON array.
pub fn write_json(out: impl Write, stories: &[Story]) -> std::io::Result<()> {
    serde_json::to_writer_pretty(out, stories).map_err(std::io::Error::other)
}

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// `report.html`: a self-contained page, one SVG timeline per story:
/// outlets on the vertical axis in order of first carrying, time on the
/// horizontal one, a dot per article, and a line from the first copy of each
/// near-duplicate group to every later copy.
pub fn write_html(mut out: impl Write, stories: &[Story], limit: usize) -> std::io::Result<()> {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>storyhash report</title><style>\
         body{{font-family:sans-serif;margin:2em;color:#222}}\
         section.story{{margin-bottom:2.5em}}h2{{font-size:1.1em;margin:0 0 .3em}}\
         p.meta{{color:#555;margin:0 0 .5em}}svg{{background:#fafafa;border:1px solid #ddd}}\
         .axis{{stroke:#bbb}}.dot{{fill:#1f6fb2}}.undated{{fill:#999}}\
         .edge{{stroke:#e07b00;stroke-width:1.5}}text{{font-size:11px}}\
         </style></head><body>\n<h1>Stories ({})</h1>",
        stories.len()
    )?;
    if stories.len() > limit {
        writeln!(
            out,
            "<p>The first {limit} stories are drawn here; stories.csv and report.json hold all {}.</p>",
            stories.len()
        )?;
    }
    for s in stories.iter().take(limit) {
        let lifetime = s
            .lifetime_days
            .map_or(String::new(), |d| format!(", {d:.1} days"));
        writeln!(
            out,
            "<section class=\"story\" id=\"{}\"><h2>{}</h2><p class=\"meta\">{} articles, \
             {} outlets, {} near-duplicate groups; {} to {}{}</p>",
            escape(&s.story),
            escape(&s.label),
            s.articles,
            s.outlets,
            s.dup_groups,
            escape(s.first.as_deref().unwrap_or("undated")),
            escape(s.last.as_deref().unwrap_or("undated")),
            lifetime
        )?;
        timeline(&mut out, s)?;
        writeln!(out, "</section>")?;
    }
    writeln!(out, "</body></html>")
}

fn timeline(out: &mut impl Write, s: &Story) -> std::io::Result<()> {
    const LEFT: f64 = 180.0;
    const WIDTH: f64 = 560.0;
    const ROW: f64 = 22.0;
    let rows = s.outlet_order.len();
    let height = 36.0 + ROW * rows as f64;
    let dated: Vec<i64> = s.seconds.iter().flatten().copied().collect();
    let (lo, hi) = match (dated.iter().min(), dated.iter().max()) {
        (Some(&a), Some(&b)) => (a, b),
        _ => (0, 0),
    };
    let n = s.timeline.len().max(2) as f64;
    let x = |i: usize| match s.seconds[i] {
        Some(t) if hi > lo => LEFT + 10.0 + (t - lo) as f64 / (hi - lo) as f64 * (WIDTH - 20.0),
        Some(_) => LEFT + 10.0,
        // Undated articles keep their order after the dated ones.
        None => LEFT + 10.0 + i as f64 / (n - 1.0) * (WIDTH - 20.0),
    };
    let row_of = |outlet: &str| {
        s.outlet_order
            .iter()
            .position(|o| o.outlet == outlet)
            .unwrap_or(0)
    };
    let y = |r: usize| 20.0 + ROW * r as f64;
    writeln!(
        out,
        "<svg class=\"timeline\" width=\"{}\" height=\"{height}\" role=\"img\" \
         aria-label=\"timeline of {}\">",
        LEFT + WIDTH,
        escape(&s.label)
    )?;
    for (r, o) in s.outlet_order.iter().enumerate() {
        writeln!(
            out,
            "<text x=\"4\" y=\"{:.1}\">{}</text><line class=\"axis\" x1=\"{LEFT}\" x2=\"{}\" \
             y1=\"{:.1}\" y2=\"{:.1}\"/>",
            y(r) + 4.0,
            escape(&o.outlet),
            LEFT + WIDTH,
            y(r),
            y(r)
        )?;
    }
    // Time axis: first and last publication under the rows.
    let axis_y = height - 6.0;
    if let (Some(first), Some(last)) = (&s.first, &s.last) {
        writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{axis_y:.1}\">{}</text>\
             <text x=\"{:.1}\" y=\"{axis_y:.1}\" text-anchor=\"end\">{}</text>",
            LEFT + 10.0,
            escape(first),
            LEFT + WIDTH - 10.0,
            escape(last)
        )?;
    }
    let pos: BTreeMap<&str, (f64, f64)> = s
        .timeline
        .iter()
        .enumerate()
        .map(|(i, (id, outlet, _))| (id.as_str(), (x(i), y(row_of(outlet)))))
        .collect();
    for rp in &s.reprints {
        let (x0, y0) = pos[rp.first_id.as_str()];
        for (id, _, _) in &rp.followers {
            let (x1, y1) = pos[id.as_str()];
            writeln!(
                out,
                "<line class=\"edge\" x1=\"{x0:.1}\" y1=\"{y0:.1}\" x2=\"{x1:.1}\" y2=\"{y1:.1}\"/>"
            )?;
        }
    }
    for (i, (id, outlet, date)) in s.timeline.iter().enumerate() {
        let (cx, cy) = pos[id.as_str()];
        let class = if s.seconds[i].is_some() {
            "dot"
        } else {
            "undated"
        };
        writeln!(
            out,
            "<circle class=\"{class}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"5\"><title>{} ({}, {})\
             </title></circle>",
            escape(id),
            escape(outlet),
            escape(date.as_deref().unwrap_or("undated"))
        )?;
    }
    writeln!(out, "</svg>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::ArticleMeta;
    use crate::assign::Labelled;
    use crate::error::Location;

    /// `(id, story, dup_group, source, date)`; labels are ids, as in a
    /// cluster CSV.
    fn table(rows: &[(&str, &str, &str, &str, &str)]) -> Assignments {
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, &(id, story, group, source, date))| Labelled {
                line: i as u64 + 2,
                meta: ArticleMeta {
                    id: id.into(),
                    source: (!source.is_empty()).then(|| source.into()),
                    date: (!date.is_empty()).then(|| Date::parse(date).unwrap()),
                    title: Some(format!("title of {id}").into()),
                    location: Location {
                        input: "in".into(),
                        line: i as u64 + 1,
                    },
                },
                dup_group: group.into(),
                event: None,
                story: story.into(),
                matched: None,
            })
            .collect();
        Assignments::from_labels(rows).unwrap()
    }

    #[test]
    fn numbers_of_a_small_story_by_hand() {
        let rows = table(&[
            ("b", "a", "a", "Post", "2025-03-02"),
            ("a", "a", "a", "Wire", "2025-03-01"),
            ("c", "a", "a", "Times", "2025-03-04"),
            ("d", "a", "d", "Post", "2025-03-11"),
            ("e", "a", "e", "", ""),
            ("z", "z", "z", "Times", "2025-01-01"),
        ]);
        let st = build(&rows, SortBy::Size, 1);
        assert_eq!(st.len(), 2);
        let s = &st[0];
        assert_eq!(s.story, "a");
        assert_eq!(s.label, "title of a");
        assert_eq!((s.articles, s.outlets, s.dup_groups), (5, 4, 3));
        assert_eq!(s.first.as_deref(), Some("2025-03-01"));
        assert_eq!(s.last.as_deref(), Some("2025-03-11"));
        assert_eq!(s.lifetime_days, Some(10.0));
        let order: Vec<&str> = s.outlet_order.iter().map(|o| o.outlet.as_str()).collect();
        assert_eq!(order, ["Wire", "Post", "Times", UNKNOWN]);
        assert_eq!(s.outlet_order[1].articles, 2);
        assert_eq!(s.reprints.len(), 1);
        assert_eq!(s.reprints[0].first_outlet, "Wire");
        let followers: Vec<&str> = s.reprints[0]
            .followers
            .iter()
            .map(|f| f.0.as_str())
            .collect();
        assert_eq!(followers, ["b", "c"]);
        // Filter and spread order.
        assert_eq!(build(&rows, SortBy::Spread, 2).len(), 1);
    }

    #[test]
    fn html_escapes_and_draws_one_timeline_per_story() {
        let mut rows = table(&[
            ("a", "a", "a", "A & <B>", "2025-01-01"),
            ("b", "b", "b", "C", ""),
        ]);
        rows.articles[0].title = Some("<script>alert(1)</script>".into());
        let st = build(&rows, SortBy::Size, 1);
        let mut html = Vec::new();
        write_html(&mut html, &st, 10).unwrap();
        let html = String::from_utf8(html).unwrap();
        assert_eq!(html.matches("<svg class=\"timeline\"").count(), 2);
        assert!(!html.contains("<script>"));
        assert!(html.contains("A &amp; &lt;B&gt;"));
    }
}
