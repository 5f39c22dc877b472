//! Collections built to fool the grouping: a long paragraph shared by
//! otherwise unrelated articles, a chain of articles each overlapping the
//! next, and a short text contained in several unrelated stories.

use crate::util::{
    Lcg, Workdir, assert_same_partition, column, corpus, jsonl, paragraph, partition, planted,
};

/// One JSON Lines record.
fn line(id: &str, text: &str) -> String {
    serde_json::json!({"id": id, "text": text}).to_string() + "\n"
}

#[test]
fn a_long_paragraph_shared_by_unrelated_articles_groups_nothing() {
    // Every article of a generated corpus (with planted copies) carries
    // the same 400-word paragraph, before its outlet's footer.
    let mut rng = Lcg::new(11);
    let shared = paragraph(&mut rng, 400);
    let mut articles = corpus(600, 5);
    for a in &mut articles {
        let (body, footer) = a.text.rsplit_once("\n\n").expect("a footer");
        a.text = format!("{body}\n\n{shared}\n\n{footer}");
    }
    let wd = Workdir::new();
    wd.write("in.jsonl", jsonl(&articles));
    let run = wd.run(["cluster", "-q", "--no-stories", "in.jsonl"]);
    run.success();
    assert_same_partition(
        &partition(&run.stdout),
        &planted(&articles),
        "shared paragraph",
    );
}

#[test]
fn a_chain_of_overlapping_articles_is_not_one_group() {
    // Each article repeats the last three of the five paragraphs of the one
    // before (Jaccard 0.43 with it); the first and the third share one.
    let mut rng = Lcg::new(3);
    let paras: Vec<String> = (0..13).map(|_| paragraph(&mut rng, 40)).collect();
    let mut input = String::new();
    for i in 0..5 {
        let text = paras[2 * i..2 * i + 5].join("\n\n");
        input.push_str(&line(&format!("a{i}"), &text));
    }
    let wd = Workdir::new();
    wd.write("chain.jsonl", &input);
    let run = wd.run(["cluster", "-q", "--no-stories", "chain.jsonl"]);
    run.success();
    let groups = column(&run.stdout, "dup_group");
    let distinct: std::collections::BTreeSet<&String> = groups.iter().collect();
    assert!(distinct.len() >= 2, "one chained group: {groups:?}");
    // Neighbours that are grouped are really alike: a0 never with a2.
    assert_ne!(groups[0], groups[2], "{groups:?}");
}

#[test]
fn a_short_text_contained_in_two_stories_joins_one_and_bridges_nothing() {
    // A 60-word station note appears inside two unrelated stories (each with
    // a copy of its own); by containment it matches both.
    let mut rng = Lcg::new(9);
    let note = paragraph(&mut rng, 60);
    let story = |rng: &mut Lcg| -> Vec<String> { (0..5).map(|_| paragraph(rng, 60)).collect() };
    let (s1, s2) = (story(&mut rng), story(&mut rng));
    let with_note = |s: &[String]| format!("{}\n\n{note}", s.join("\n\n"));
    let mut input = String::new();
    input.push_str(&line("one", &with_note(&s1)));
    input.push_str(&line("one-copy", &s1.join("\n\n")));
    input.push_str(&line("two", &with_note(&s2)));
    input.push_str(&line("two-copy", &s2.join("\n\n")));
    input.push_str(&line("note", &note));
    let wd = Workdir::new();
    wd.write("in.jsonl", &input);
    let run = wd.run([
        "cluster",
        "-q",
        "--no-stories",
        "--no-boilerplate",
        "in.jsonl",
    ]);
    run.success();
    let groups = column(&run.stdout, "dup_group");
    assert_eq!(groups[0], groups[1]);
    assert_eq!(groups[2], groups[3]);
    assert_ne!(
        groups[0], groups[2],
        "the note glued two stories: {groups:?}"
    );
    assert!(
        groups[4] == groups[0] || groups[4] == groups[2],
        "{groups:?}"
    );
}
