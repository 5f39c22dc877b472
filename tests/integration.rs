//! The one integration-test binary: the built `storyhash` run end to end on
//! the bundled fixtures (`cli`), its error messages and exit codes
//! (`errors`), the story stage (`stories`), events within stories
//! (`levels`), the deduplicated collection
//! (`dedup`), web pages and web archives (`web`), collections built to fool
//! the grouping (`hostile`), metadata of `.txt` directories (`txt_meta`),
//! property tests of the library (`properties`) and of every reader on
//! random and mutated bytes (`readers`), and one test per reported defect
//! (`regression`).

#[path = "integration/util.rs"]
mod util;

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/dedup.rs"]
mod dedup;
#[path = "integration/errors.rs"]
mod errors;
#[path = "integration/hostile.rs"]
mod hostile;
#[path = "integration/levels.rs"]
mod levels;
#[path = "integration/properties.rs"]
mod properties;
#[path = "integration/readers.rs"]
mod readers;
#[path = "integration/regression.rs"]
mod regression;
#[path = "integration/report.rs"]
mod report;
#[path = "integration/stories.rs"]
mod stories;
#[path = "integration/txt_meta.rs"]
mod txt_meta;
#[path = "integration/web.rs"]
mod web;
