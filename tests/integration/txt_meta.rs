//! Metadata of a directory of `.txt` files: outlets from folders, dates
//! from file names, headlines from first lines, and the flags that change
//! where they come from.

use crate::util::{Workdir, column, run_in_project};

#[test]
fn txt_outlets_and_dates_come_from_the_paths() {
    let run = run_in_project(["cluster", "-q", "--no-stories", "fixtures/txt"]);
    run.success();
    let ids = column(&run.stdout, "id");
    let sources = column(&run.stdout, "source");
    let dates = column(&run.stdout, "date");
    let at = |id: &str| ids.iter().position(|i| i == id).expect("the file is read");
    let diary = at("courier/2025/03/2025-03-15-allotment-diary.txt");
    assert_eq!(
        (&*sources[diary], &*dates[diary]),
        ("courier", "2025-03-15")
    );
    let wire = at("wire/2025-03-14-millbrook-flood.txt");
    assert_eq!((&*sources[wire], &*dates[wire]), ("wire", "2025-03-14"));
    // Turned off, neither is read.
    let run = run_in_project([
        "cluster",
        "-q",
        "--no-stories",
        "--source-from",
        "none",
        "--date-pattern",
        "none",
        "fixtures/txt",
    ]);
    run.success();
    assert!(column(&run.stdout, "source").iter().all(String::is_empty));
    assert!(column(&run.stdout, "date").iter().all(String::is_empty));
}

#[test]
fn txt_dates_by_a_pattern_of_ones_own_and_headlines_in_the_report() {
    let wd = Workdir::new();
    let body = "The river rose two metres overnight and the council opened the school \
                gym on Mill Lane as a shelter for families from the lower streets of town.";
    wd.write(
        "in/ledger/14.03.2025 flood.txt",
        format!("River floods town\n\n{body}\n"),
    );
    wd.write(
        "in/gazette/15.03.2025 flood.txt",
        format!("Flood: town under water\n\n{body}\n"),
    );
    let run = wd.run([
        "cluster",
        "-q",
        "--date-pattern",
        r"(?P<d>\d\d)\.(?P<m>\d\d)\.(?P<y>\d{4})",
        "in",
        "-o",
        "c.csv",
        "--report",
        "rep",
        "--min-outlets",
        "1",
    ]);
    run.success();
    let csv = wd.read("c.csv");
    assert_eq!(column(&csv, "date"), ["2025-03-15", "2025-03-14"]);
    assert_eq!(column(&csv, "source"), ["gazette", "ledger"]);
    // The story is labelled by its earliest article's headline.
    let stories = String::from_utf8(wd.read("rep/stories.csv")).unwrap();
    assert!(stories.contains("River floods town"), "{stories}");
    // A pattern without the three groups is refused before any work.
    let run = wd.run(["cluster", "--date-pattern", r"(\d{4})", "in"]);
    run.fails_with(
        2,
        "storyhash: --date-pattern \"(\\\\d{4})\" needs the named groups y, m and d, like \
         (?P<y>\\d{4})(?P<m>\\d\\d)(?P<d>\\d\\d)\n",
    );
}
