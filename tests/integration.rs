//! The one integration-test binary: the built `storyhash` run end to end on
//! the bundled fixtures (`cli`), its error messages and exit codes
//! (`errors`), the story stage (`stories`), events within stories
//! (`levels`), the deduplicated collection
//! (`dedup`), and property tests of the library (`properties`).

#[path = "integration/util.rs"]
mod util;

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/dedup.rs"]
mod dedup;
#[path = "integration/errors.rs"]
mod errors;
#[path = "integration/levels.rs"]
mod levels;
#[path = "integration/properties.rs"]
mod properties;
#[path = "integration/report.rs"]
mod report;
#[path = "integration/stories.rs"]
mod stories;
