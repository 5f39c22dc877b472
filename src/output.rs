//! The outputs of a run: planned and checked before any work starts,
//! written aside, and put in place together at the end.
//!
//! A [`Plan`] is made from the run's inputs, then told every output
//! ([`Plan::file`], [`Plan::dir`]). Each is checked at once, before a single
//! article is read: its directory must exist, it must not be (or lie inside)
//! an input, and no two outputs may be the same file. What an output is
//! decides how it is written:
//!
//! - `-` is standard output, written as it is produced;
//! - anything that is not a regular file (`/dev/null`, a FIFO, a terminal)
//!   is opened and written in place: renaming over it would replace the
//!   device node or the pipe with a plain file;
//! - a regular file, new or existing, is written to a hidden temporary file
//!   in the directory of its real location (a symlink is followed, so the
//!   link survives and its target gets the output) with the permissions of
//!   the file it replaces, and renamed over it only by [`Plan::commit`];
//! - a directory is filled in a hidden staging directory and moved into
//!   place by [`Plan::commit`].
//!
//! A file whose name ends in `.gz` is written gzip-compressed.
//!
//! Temporary files and staging directories are recorded while they exist,
//! so that the binary can remove them when interrupted ([`remove_pending`],
//! called from its signal handler): an interrupted run leaves nothing
//! behind. A plan dropped without a commit removes them too, so a failed run
//! writes no output file (only standard output and devices, which cannot be
//! taken back, have seen anything).

use std::fs::{File, Permissions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Temporary files and staging directories that exist right now.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn register(path: &Path) {
    if let Ok(mut p) = PENDING.lock() {
        p.push(path.to_path_buf());
    }
}

fn unregister(path: &Path) {
    if let Ok(mut p) = PENDING.lock() {
        p.retain(|q| q != path);
    }
}

/// Removes every temporary file and staging directory of the outputs not
/// yet committed. For a signal handler: the process is about to end, and
/// must leave no half-written output behind.
pub fn remove_pending() {
    // A panicking writer may have poisoned the lock; the list is still good.
    let pending = match PENDING.lock() {
        Ok(mut p) => std::mem::take(&mut *p),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    for path in pending {
        // Already renamed into place, or never created: nothing to do.
        let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
    }
}

/// How a directory output treats one that is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirMode {
    /// It must not exist (a deduplicated copy of a directory).
    New,
    /// It may exist; the named files in it are replaced (a report).
    Update,
}

/// One planned output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output(usize);

/// Who a file is, whatever path leads to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
}

fn identity(meta: &std::fs::Metadata) -> Identity {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Identity {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Identity { dev: 0, ino: 0 }
    }
}

#[derive(Debug)]
enum Kind {
    Stdout,
    /// A device, FIFO or other non-regular file: written where it is.
    Through(PathBuf),
    /// A regular file: written to `tmp`, renamed over `target`.
    File {
        target: PathBuf,
        tmp: Option<tempfile::NamedTempFile>,
        written: bool,
    },
    /// A directory: filled in `staging`, moved to `target`.
    Dir {
        target: PathBuf,
        staging: Option<tempfile::TempDir>,
        /// The target existed: files are moved into it one by one.
        existing: bool,
    },
}

#[derive(Debug)]
struct Slot {
    /// The path as the user gave it (for messages).
    shown: PathBuf,
    kind: Kind,
    gzip: bool,
}

/// Every output of a run; see the module documentation.
#[derive(Debug)]
pub struct Plan {
    input_files: Vec<(PathBuf, Identity)>,
    input_dirs: Vec<(PathBuf, PathBuf)>,
    /// Real locations (or identities) already claimed by an output.
    claimed: Vec<(PathBuf, Option<Identity>)>,
    slots: Vec<Slot>,
}

/// The name used for standard output in messages.
const STDOUT: &str = "<stdout>";

impl Plan {
    /// A plan guarding `inputs` (files or directories; `-` and paths that
    /// cannot be read are not guarded: reading them fails later anyway).
    pub fn new(inputs: &[PathBuf]) -> Plan {
        let mut plan = Plan {
            input_files: Vec::new(),
            input_dirs: Vec::new(),
            claimed: Vec::new(),
            slots: Vec::new(),
        };
        for p in inputs.iter().filter(|p| p.as_os_str() != "-") {
            let Ok(meta) = std::fs::metadata(p) else {
                continue;
            };
            if meta.is_dir() {
                if let Ok(real) = p.canonicalize() {
                    plan.input_dirs.push((p.clone(), real));
                }
            } else {
                plan.input_files.push((p.clone(), identity(&meta)));
            }
        }
        plan
    }

    /// Plans the file output `path` (`-` for standard output) and checks it.
    pub fn file(&mut self, path: &Path) -> Result<Output> {
        let gzip = is_gzip_name(path);
        let kind = if path.as_os_str() == "-" {
            self.check_stdout()?;
            Kind::Stdout
        } else {
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => {
                    return Err(refuse(path, "is a directory; give a file name"));
                }
                Ok(meta) if !meta.is_file() => {
                    self.check_identity(path, identity(&meta))?;
                    self.claim(path.to_path_buf(), Some(identity(&meta)), path)?;
                    Kind::Through(path.to_path_buf())
                }
                Ok(meta) => {
                    self.check_identity(path, identity(&meta))?;
                    let real = path.canonicalize().map_err(|e| write_error(path, e))?;
                    self.check_inside_inputs(path, &real)?;
                    self.claim(real.clone(), Some(identity(&meta)), path)?;
                    let tmp = temp_beside(path, &real, Some(meta.permissions()))?;
                    Kind::File {
                        target: real,
                        tmp: Some(tmp),
                        written: false,
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let real = new_location(path)?;
                    self.check_inside_inputs(path, &real)?;
                    self.claim(real.clone(), None, path)?;
                    let tmp = temp_beside(path, &real, None)?;
                    Kind::File {
                        target: real,
                        tmp: Some(tmp),
                        written: false,
                    }
                }
                Err(e) => return Err(write_error(path, e)),
            }
        };
        self.slots.push(Slot {
            shown: path.to_path_buf(),
            kind,
            gzip,
        });
        Ok(Output(self.slots.len() - 1))
    }

    /// Plans the directory output `path` and checks it. With
    /// [`DirMode::Update`], `files` are the names the run will write in it.
    pub fn dir(&mut self, path: &Path, mode: DirMode, files: &[&str]) -> Result<Output> {
        if path.as_os_str() == "-" {
            return Err(refuse(path, "a directory output cannot be standard output"));
        }
        let kind = match std::fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => {
                return Err(refuse(path, "exists and is not a directory"));
            }
            Ok(_) if mode == DirMode::New => {
                return Err(refuse(path, "already exists; dedup writes a new directory"));
            }
            Ok(meta) => {
                self.check_identity(path, identity(&meta))?;
                let real = path.canonicalize().map_err(|e| write_error(path, e))?;
                self.check_inside_inputs(path, &real)?;
                for name in files {
                    let file = real.join(name);
                    if let Ok(m) = std::fs::metadata(&file) {
                        self.check_identity(&file, identity(&m))?;
                    }
                    self.claim(file, None, path)?;
                }
                let staging = staging_in(path, &real)?;
                Kind::Dir {
                    target: real,
                    staging: Some(staging),
                    existing: true,
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let real = new_location(path)?;
                self.check_inside_inputs(path, &real)?;
                self.claim(real.clone(), None, path)?;
                let parent = real.parent().unwrap_or(Path::new("/"));
                let staging = staging_in(path, parent)?;
                Kind::Dir {
                    target: real,
                    staging: Some(staging),
                    existing: false,
                }
            }
            Err(e) => return Err(write_error(path, e)),
        };
        self.slots.push(Slot {
            shown: path.to_path_buf(),
            kind,
            gzip: false,
        });
        Ok(Output(self.slots.len() - 1))
    }

    /// Writes `out` as the bytes come, even when its name ends in `.gz`:
    /// for bytes that are already gzip (the records of a `.warc.gz`).
    pub fn already_compressed(&mut self, out: Output) {
        self.slots[out.0].gzip = false;
    }

    /// The path the user gave for `out`.
    pub fn shown(&self, out: Output) -> &Path {
        &self.slots[out.0].shown
    }

    /// The directory to fill for the directory output `out` (a staging
    /// directory, moved into place by [`Plan::commit`]).
    pub fn staging(&self, out: Output) -> &Path {
        match &self.slots[out.0].kind {
            Kind::Dir {
                staging: Some(s), ..
            } => s.path(),
            _ => panic!("Plan::staging on an output that is not a directory"),
        }
    }

    /// Writes the file output `out` with `fill`: standard output and
    /// devices at once, a regular file to its temporary file (put in place
    /// by [`Plan::commit`]). A `.gz` name is written gzip-compressed.
    pub fn write(
        &mut self,
        out: Output,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        let slot = &mut self.slots[out.0];
        let shown = slot.shown.clone();
        let gzip = slot.gzip;
        match &mut slot.kind {
            Kind::Stdout => {
                let stdout = std::io::stdout();
                let w = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
                fill_into(w, gzip, fill).map_err(|e| Error::Write {
                    path: STDOUT.into(),
                    source: e,
                })
            }
            Kind::Through(path) => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&*path)
                    .map_err(|e| write_error(&shown, e))?;
                let w = std::io::BufWriter::with_capacity(1 << 20, f);
                fill_into(w, gzip, fill).map_err(|e| write_error(&shown, e))
            }
            Kind::File { tmp, written, .. } => {
                let Some(t) = tmp.as_mut() else {
                    return Err(refuse(&shown, "written twice"));
                };
                let w = std::io::BufWriter::with_capacity(1 << 20, t.as_file_mut());
                fill_into(w, gzip, fill).map_err(|e| write_error(&shown, e))?;
                t.as_file().sync_all().map_err(|e| write_error(&shown, e))?;
                *written = true;
                Ok(())
            }
            Kind::Dir { .. } => Err(refuse(&shown, "is a directory output, not a file")),
        }
    }

    /// Puts every written output in place, in the order they were planned.
    /// A file output that was planned but not written is left untouched.
    pub fn commit(mut self) -> Result<()> {
        for slot in &mut self.slots {
            let shown = slot.shown.clone();
            match &mut slot.kind {
                Kind::Stdout | Kind::Through(_) => {}
                Kind::File {
                    target,
                    tmp,
                    written,
                } => {
                    if let (Some(t), true) = (tmp.take(), *written) {
                        let path = t.path().to_path_buf();
                        t.persist(&*target)
                            .map_err(|e| write_error(&shown, e.error))?;
                        unregister(&path);
                    }
                }
                Kind::Dir {
                    target,
                    staging,
                    existing,
                } => {
                    let Some(s) = staging.take() else { continue };
                    let path = s.keep();
                    if *existing {
                        let entries =
                            std::fs::read_dir(&path).map_err(|e| write_error(&shown, e))?;
                        for entry in entries {
                            let entry = entry.map_err(|e| write_error(&shown, e))?;
                            std::fs::rename(entry.path(), target.join(entry.file_name()))
                                .map_err(|e| write_error(&shown, e))?;
                        }
                        let _ = std::fs::remove_dir(&path);
                    } else {
                        std::fs::rename(&path, &*target).map_err(|e| write_error(&shown, e))?;
                    }
                    unregister(&path);
                }
            }
        }
        Ok(())
    }

    fn check_stdout(&mut self) -> Result<()> {
        if self.claimed.iter().any(|(p, _)| p.as_os_str() == STDOUT) {
            return Err(refuse(
                Path::new("-"),
                "standard output can take only one output; give files for the others",
            ));
        }
        self.claimed.push((STDOUT.into(), None));
        // Standard output redirected to an input (`>> in.jsonl`) would
        // write into what is being read.
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            if let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned()
                && let Ok(meta) = File::from(fd).metadata()
                && meta.is_file()
            {
                let me = identity(&meta);
                if let Some((p, _)) = self.input_files.iter().find(|(_, i)| *i == me) {
                    return Err(refuse(p, "standard output is this input; write elsewhere"));
                }
            }
        }
        Ok(())
    }

    fn check_identity(&self, out: &Path, me: Identity) -> Result<()> {
        if let Some((p, _)) = self.input_files.iter().find(|(_, i)| *i == me) {
            let what = if out == p {
                "the output would overwrite an input".to_string()
            } else {
                format!("the output is the input {}", p.display())
            };
            return Err(refuse(out, &format!("{what}; choose another output")));
        }
        Ok(())
    }

    fn check_inside_inputs(&self, out: &Path, real: &Path) -> Result<()> {
        for (shown, dir) in &self.input_dirs {
            if real.starts_with(dir) {
                let why = format!(
                    "the output is inside the input directory {}; choose another output",
                    shown.display()
                );
                return Err(refuse(out, &why));
            }
        }
        Ok(())
    }

    fn claim(&mut self, real: PathBuf, id: Option<Identity>, shown: &Path) -> Result<()> {
        let clash = self
            .claimed
            .iter()
            .any(|(p, i)| *p == real || (id.is_some() && *i == id));
        if clash {
            return Err(refuse(shown, "given for two outputs; give each its own"));
        }
        self.claimed.push((real, id));
        Ok(())
    }
}

impl Drop for Plan {
    fn drop(&mut self) {
        // Uncommitted temporary files remove themselves when dropped; they
        // only leave the list here.
        for slot in &self.slots {
            match &slot.kind {
                Kind::File { tmp: Some(t), .. } => unregister(t.path()),
                Kind::Dir {
                    staging: Some(s), ..
                } => unregister(s.path()),
                _ => {}
            }
        }
    }
}

/// Whether `path` names a gzip file.
fn is_gzip_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

fn fill_into<W: Write>(
    mut w: W,
    gzip: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if gzip {
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::default());
        fill(&mut gz)?;
        gz.finish()?.flush()
    } else {
        fill(&mut w)?;
        w.flush()
    }
}

/// An output refused before any work.
fn refuse(path: &Path, why: &str) -> Error {
    Error::Refused {
        path: path.to_path_buf(),
        reason: why.to_string(),
    }
}

/// An error writing `path`, naming it and never the temporary file.
fn write_error(path: &Path, e: std::io::Error) -> Error {
    let source = match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None => e,
    };
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// The real location of an output that does not exist yet: its parent
/// directory (which must exist) resolved, or a dangling symlink's target.
fn new_location(path: &Path) -> Result<PathBuf> {
    let mut path = path.to_path_buf();
    // A dangling symlink: the output goes where it points.
    for _ in 0..40 {
        match std::fs::read_link(&path) {
            Ok(to) => {
                path = match path.parent() {
                    Some(p) => p.join(to),
                    None => to,
                };
            }
            Err(_) => break,
        }
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| refuse(&path, "names no file"))?;
    // The system's own words (`No such file or directory`, `Not a
    // directory`), about the output the user named.
    match std::fs::metadata(parent) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(write_error(
                &path,
                std::io::Error::from(std::io::ErrorKind::NotADirectory),
            ));
        }
        Err(e) => return Err(write_error(&path, e)),
    }
    let real = parent.canonicalize().map_err(|e| write_error(&path, e))?;
    Ok(real.join(name))
}

/// A hidden temporary file beside `real`, with `perm` (else 0644: a normal
/// file, not the private mode temporary files get by default).
fn temp_beside(
    shown: &Path,
    real: &Path,
    perm: Option<Permissions>,
) -> Result<tempfile::NamedTempFile> {
    let dir = real.parent().unwrap_or(Path::new("/"));
    let mut b = tempfile::Builder::new();
    b.prefix(".storyhash-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(perm.unwrap_or_else(|| Permissions::from_mode(0o644)));
    }
    #[cfg(not(unix))]
    let _ = perm;
    let t = b.tempfile_in(dir).map_err(|e| write_error(shown, e))?;
    register(t.path());
    Ok(t)
}

/// A hidden staging directory in `dir`.
fn staging_in(shown: &Path, dir: &Path) -> Result<tempfile::TempDir> {
    let t = tempfile::Builder::new()
        .prefix(".storyhash-")
        .tempdir_in(dir)
        .map_err(|e| write_error(shown, e))?;
    register(t.path());
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_before_commit_and_all_after() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let r = dir.path().join("rep");
        let mut plan = Plan::new(&[]);
        let fa = plan.file(&a).unwrap();
        let fr = plan.dir(&r, DirMode::Update, &["x.csv"]).unwrap();
        plan.write(fa, |w| w.write_all(b"a\n")).unwrap();
        std::fs::write(plan.staging(fr).join("x.csv"), "x").unwrap();
        assert!(!a.exists() && !r.exists());
        plan.commit().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"a\n");
        assert_eq!(std::fs::read(r.join("x.csv")).unwrap(), b"x");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary file left");
    }

    #[test]
    fn a_dropped_plan_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut plan = Plan::new(&[]);
        let f = plan.file(&dir.path().join("a.csv")).unwrap();
        plan.dir(&dir.path().join("d"), DirMode::New, &[]).unwrap();
        plan.write(f, |w| w.write_all(b"a")).unwrap();
        drop(plan);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_input_or_a_missing_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, "{}").unwrap();
        let mut plan = Plan::new(std::slice::from_ref(&input));
        assert!(plan.file(&input).is_err());
        assert!(plan.file(&dir.path().join("no/x.csv")).is_err());
        let out = dir.path().join("o.csv");
        plan.file(&out).unwrap();
        assert!(plan.file(&out).is_err(), "the same output twice");
    }
}
