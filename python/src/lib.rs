//! The Python binding of storyhash: the extension module `storyhash._storyhash`.
//!
//! Two kinds of functions. [`run`] is the whole pipeline, the very
//! [`pipeline::run`] the binary calls, on inputs in memory or on paths; it
//! returns the result table as columns named like the CSV's header, so the
//! pure-Python layer (`python/storyhash/__init__.py`) only wraps them in a
//! DataFrame. The rest are the stages one at a time on flat arrays
//! (signatures, band keys, verification, groups, story terms and vectors,
//! average-link), which is what a distributed job (`storyhash.spark`) needs to
//! run the same stage code on its executors.
//!
//! Options arrive as a dict of the command line's flag names with
//! underscores; [`defaults`] builds that dict from `Config::default()`, so the
//! binding, the binary and the library cannot disagree. Every function
//! releases the GIL while it works. Errors are raised as the exception
//! classes of `storyhash.errors`, chosen by [`ErrorKind`], with the binary's
//! message.

mod convert;
mod stages;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use storyhash::config::Format;
use storyhash::{Error, Input, pipeline};

use convert::{config_from, defaults_dict, raise};

/// The option names and their default values, from `Config::default()`.
#[pyfunction]
fn defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    defaults_dict(py)
}

/// Runs the pipeline on `paths` (files or directories, as the binary reads
/// them) or on one in-memory input `data` named `name`, and returns
/// `(header, columns, skipped)`: the CSV header, one list per column, and
/// the `(location, problem)` of every skipped record.
#[pyfunction]
#[pyo3(signature = (options, paths=None, data=None, name="<memory>"))]
fn run<'py>(
    py: Python<'py>,
    options: &Bound<'py, PyDict>,
    paths: Option<Vec<std::path::PathBuf>>,
    data: Option<Vec<u8>>,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let (cfg, threads) = config_from(options)?;
    let result = py.detach(|| -> Result<_, Error> {
        let inputs = match (paths, data) {
            (Some(p), _) => Input::open_all(&p, cfg.read.format)?,
            (None, Some(bytes)) => {
                // Records serialised by the Python layer are JSON Lines
                // whatever the user's `format` says about their files.
                vec![Input::from_bytes(name, bytes, Some(Format::JsonLines))?]
            }
            (None, None) => Vec::new(),
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Setting(format!("cannot start {threads} threads: {e}")))?;
        let outcome = pool.install(|| pipeline::run(&inputs, &cfg, &pipeline::NoProgress))?;
        Ok(convert::Columns::of(&outcome))
    });
    let cols = result.map_err(|e| raise(py, &e))?;
    cols.into_python(py)
}

/// Raises the error a run with `options` would raise for them (an unknown
/// option, a value out of range); returns `None` when they are valid.
#[pyfunction]
fn check_options(options: &Bound<'_, PyDict>) -> PyResult<()> {
    config_from(options).map(|_| ())
}

/// Settings of `Config::default()` that have no flag but that a job
/// running the stages itself must apply as the pipeline does:
/// `max_bucket` (LSH), `min_shared` and `max_posting` (story candidates;
/// `posting_pairs` reads the latter itself) and `wide_factor`
/// (boilerplate: a line seen fewer than `wide_factor · min_docs` times is
/// never wide, so the wide test needs no other line's occurrences).
#[pyfunction]
fn tuning(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let c = storyhash::Config::default();
    let d = PyDict::new(py);
    d.set_item("max_bucket", c.lsh.max_bucket)?;
    d.set_item("wide_factor", storyhash::boilerplate::WIDE_FACTOR)?;
    d.set_item(
        "max_posting",
        storyhash::config::StoryConfig::default().max_posting,
    )?;
    d.set_item(
        "min_shared",
        storyhash::config::StoryConfig::default().min_shared,
    )?;
    Ok(d)
}

/// The exception classes raised for each kind of failure, by name.
/// The columns `storyhash cluster` writes (events are always formed), in
/// order: the one list the Python side takes its column names from.
#[pyfunction]
fn header() -> Vec<&'static str> {
    storyhash::write::HEADER_WITH_EVENTS.to_vec()
}

#[pyfunction]
fn error_kinds(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    PyList::new(py, convert::KIND_NAMES.iter().map(|(_, n)| *n))
}

/// The extension module.
#[pymodule]
fn _storyhash(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(defaults, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(check_options, m)?)?;
    m.add_function(wrap_pyfunction!(error_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(header, m)?)?;
    m.add_function(wrap_pyfunction!(tuning, m)?)?;
    stages::register(m)?;
    Ok(())
}
