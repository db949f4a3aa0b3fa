//! How ccfail creates and opens the files it owns, so that none of them can be turned
//! against their owner.
//!
//! The state dir must belong to the user and be writable by no one else (ssh insists on
//! the same for `~/.ssh`): whoever can change it could plant a link and have ccfail
//! write where they choose. Every file ccfail creates or appends to is opened without
//! following a symlink (`O_NOFOLLOW`) and without blocking on a FIFO (`O_NONBLOCK`),
//! and must turn out to be a regular file; temp files must be new (`O_EXCL`). What
//! ccfail creates is `0600`, its dirs `0700`. A dir ccfail moves tasks into must be a
//! real dir, never a link out of the project. This module opens and checks; what goes
//! into the files is its callers' business.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Mode of every file ccfail creates.
pub const FILE_MODE: u32 = 0o600;
/// Mode of every dir ccfail creates.
pub const DIR_MODE: u32 = 0o700;

/// What is wrong with a dir that is to hold ccfail's state, and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeDir {
    pub problem: String,
    pub fix: String,
}

/// Whether `dir` may hold ccfail's state: a dir of the effective user that neither the
/// group nor others may write. A link to such a dir is fine (the check follows it).
pub fn private_dir_problem(dir: &Path) -> io::Result<Option<UnsafeDir>> {
    let meta = fs::metadata(dir)?;
    let shown = dir.display();
    if !meta.is_dir() {
        return Ok(Some(UnsafeDir {
            problem: "is not a directory".to_owned(),
            fix: format!("move {shown} away, or set state.dir to a dir of your own"),
        }));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Ok(Some(UnsafeDir {
            problem: format!("belongs to uid {}, not to you (uid {me})", meta.uid()),
            fix: format!("chown {me} {shown} (as root), or set state.dir to a dir of your own"),
        }));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Ok(Some(UnsafeDir {
            problem: format!("has mode {mode:o}: other users may change what is in it"),
            fix: format!("chmod 700 {shown}"),
        }));
    }
    Ok(None)
}

/// Creates `dir` and its missing parents, each `0700`.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Makes sure `dir` is a real dir (not a symlink, not a file), creating it (`0700`, its
/// parent must exist) when it is missing. For the dirs tasks are moved into.
pub fn real_dir(dir: &Path) -> io::Result<()> {
    let refused = |what: &str| {
        io::Error::other(format!(
            "{} is {what}: refused, ccfail moves tasks only into real dirs of the project; replace it with a dir",
            dir.display()
        ))
    };
    let check = |meta: fs::Metadata| {
        if meta.file_type().is_symlink() {
            Err(refused("a symlink"))
        } else if !meta.is_dir() {
            Err(refused("not a directory"))
        } else {
            Ok(())
        }
    };
    match fs::symlink_metadata(dir) {
        Ok(meta) => check(meta),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            match fs::DirBuilder::new().mode(DIR_MODE).create(dir) {
                Ok(()) => Ok(()),
                // Someone made it meanwhile: judge what is there now.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => check(fs::symlink_metadata(dir)?),
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}

fn refuse_unless_regular(file: File, path: &Path) -> io::Result<File> {
    let meta = file.metadata()?;
    if meta.is_file() {
        Ok(file)
    } else {
        Err(io::Error::other(format!("{} is not a regular file (a FIFO, a device?): refused", path.display())))
    }
}

/// What an open that met a symlink says: ELOOP is "Too many levels of symbolic links".
fn explain(path: &Path) -> impl FnOnce(io::Error) -> io::Error + '_ {
    move |err| match err.raw_os_error() {
        Some(libc::ELOOP) => {
            io::Error::other(format!("{} is a symlink: refused, ccfail never follows one", path.display()))
        }
        Some(libc::ENXIO) => io::Error::other(format!("{} is a FIFO with no reader: refused", path.display())),
        _ => err,
    }
}

/// Opens `path` for appending (created `0600` when missing): never through a symlink,
/// never blocking, only a regular file.
pub fn open_append(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(explain(path))?;
    refuse_unless_regular(file, path)
}

/// Opens an existing `path` for writing in place (no create, no truncate), the same way.
pub fn open_write(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(explain(path))?;
    refuse_unless_regular(file, path)
}

/// Opens `path` for reading and writing, created `0600` when missing, the same way.
pub fn open_read_write(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(explain(path))?;
    refuse_unless_regular(file, path)
}

/// Opens `path` for reading, the same way.
pub fn open_read(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(explain(path))?;
    refuse_unless_regular(file, path)
}

/// Reads the whole of `path`, the same way.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut open_read(path)?, &mut bytes)?;
    Ok(bytes)
}

/// Writes `bytes` to `path` in place (created `0600`, truncated), the same way. For small
/// notes such as `failed/T.md.reason`; what must never be torn goes through [`replace`].
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = open_read_write(path)?;
    file.set_len(0)?;
    file.write_all(bytes)
}

/// Creates `path` (`0600`) only if nothing, not even a dangling link, has that name;
/// `Ok(false)` when something does.
pub fn create_new(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    match OpenOptions::new().write(true).create_new(true).mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW).open(path) {
        Ok(mut file) => {
            file.write_all(bytes)?;
            Ok(true)
        }
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(err) => Err(err),
    }
}

/// Creates `target` holding `bytes`, whole or not at all, never replacing anything: a
/// new temp file beside it (named as [`replace`] names them, so [`remove_stale_temps`]
/// knows it), written and synced, then hard-linked to `target` (`link(2)` fails on any
/// existing name, a dangling link included), the temp removed and the dir synced. An
/// existing `target` is `AlreadyExists`.
pub fn create_whole(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let (mut file, temp) = new_temp(target)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::hard_link(&temp, target))
        .and_then(|()| File::open(dir).and_then(|d| d.sync_all()));
    let _ = fs::remove_file(&temp);
    result
}

/// The serial of the next temp name: unique per call, since threads of one process may
/// replace the same file at once.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Whether a replace syncs the file and the dir (state) or not (rebuildable caches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Synced,
    Unsynced,
}

/// The step of [`replace`] that failed, with the path it was about.
#[derive(Debug)]
pub struct ReplaceError {
    pub action: &'static str,
    pub path: PathBuf,
    pub source: io::Error,
}

/// Replaces `target` with `bytes`: a new temp file beside it (`O_EXCL|O_NOFOLLOW`,
/// `0600`; a name already taken, by a planted link say, is passed over for the next),
/// written, synced, renamed over `target`, the dir synced. A crash leaves the old or the
/// new file, and at worst a temp that [`remove_stale_temps`] finds.
pub fn replace(target: &Path, bytes: &[u8], durability: Durability) -> Result<(), ReplaceError> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let fail = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| ReplaceError { action, path, source }
    };
    let (mut file, temp) = new_temp(target).map_err(|err| fail("create", target)(err))?;
    let result = (|| {
        file.write_all(bytes).map_err(fail("write", &temp))?;
        if durability == Durability::Synced {
            file.sync_all().map_err(fail("sync", &temp))?;
        }
        fs::rename(&temp, target).map_err(fail("replace", target))?;
        if durability == Durability::Synced {
            File::open(dir).and_then(|d| d.sync_all()).map_err(fail("sync the dir", dir))?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Taken temp names [`replace`] passes over before it gives up.
const TEMP_TRIES: u32 = 100;

/// A new temp file beside `target` (`.<name>.tmp-<pid>-<n>`, `O_EXCL|O_NOFOLLOW`, `0600`):
/// a name already taken, by a planted link say, is passed over for the next.
fn new_temp(target: &Path) -> io::Result<(File, PathBuf)> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tries = 0;
    loop {
        let serial = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.tmp-{}-{serial}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW).open(&temp)
        {
            Ok(file) => return Ok((file, temp)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && tries < TEMP_TRIES => tries += 1,
            Err(err) => return Err(err),
        }
    }
}

/// The pid in the name of a temp file [`replace`] makes (`.<name>.tmp-<pid>-<n>`), or
/// of the older `<name>.tmp-<pid>` of the task head cache.
fn temp_owner(name: &str) -> Option<u32> {
    let (_, tail) = name.rsplit_once(".tmp-")?;
    let pid = tail.split_once('-').map_or(tail, |(pid, serial)| {
        if serial.bytes().all(|b| b.is_ascii_digit()) && !serial.is_empty() { pid } else { "" }
    });
    pid.parse().ok().filter(|pid| *pid > 0)
}

/// Removes temp files in `dir` whose writer is no longer running (it crashed between
/// create and rename), and links planted under such names. Call it holding the lock
/// that guards the dir's files.
pub fn remove_stale_temps(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut removed = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_owner) else { continue };
        if pid == std::process::id() || crate::process::is_alive(pid) {
            continue;
        }
        // A link is removed itself, never what it points to.
        if entry.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()) && fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_dir_others_may_write_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        create_dir_all(&state).unwrap();
        assert_eq!(mode(&state), 0o700);
        assert_eq!(private_dir_problem(&state).unwrap(), None);
        fs::set_permissions(&state, fs::Permissions::from_mode(0o777)).unwrap();
        let problem = private_dir_problem(&state).unwrap().unwrap();
        assert_eq!(problem.problem, "has mode 777: other users may change what is in it");
        assert_eq!(problem.fix, format!("chmod 700 {}", state.display()));
        fs::set_permissions(&state, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(private_dir_problem(&state).unwrap(), None, "readable by others is fine, as for ssh");
        // A dir of another user: root's / stands in (the tests do not run as root).
        // SAFETY: geteuid cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            let problem = private_dir_problem(Path::new("/")).unwrap().unwrap();
            assert!(problem.problem.starts_with("belongs to uid 0, not to you"), "{problem:?}");
        }
    }

    #[test]
    fn appends_and_writes_never_follow_a_link_nor_block_on_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious\n").unwrap();
        let link = dir.path().join("events.jsonl");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = open_append(&link).unwrap_err();
        assert!(err.to_string().contains("is a symlink: refused"), "{err}");
        assert!(write(&link, b"x").is_err());
        assert!(open_write(&link).is_err());
        assert!(!create_new(&link, b"x").unwrap(), "a dangling or live link is a taken name");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");

        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = open_append(&fifo).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
        assert!(open_read(&fifo).unwrap_err().to_string().contains("not a regular file"));

        let fresh = dir.path().join("fresh");
        open_append(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);
    }

    #[test]
    fn replace_never_writes_through_a_planted_temp_link() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious\n").unwrap();
        let target = dir.path().join("state.json");
        // Links under the next temp names this process will use: replace must pass
        // each planted name over, never write through it.
        let next = NEXT_TEMP.load(Ordering::Relaxed);
        for serial in next..next + 64 {
            let temp = dir.path().join(format!(".state.json.tmp-{}-{serial}", std::process::id()));
            std::os::unix::fs::symlink(&victim, &temp).unwrap();
        }
        replace(&target, b"{}\n", Durability::Synced).unwrap();
        assert!(NEXT_TEMP.load(Ordering::Relaxed) > next + 64, "every planted name was passed over");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(fs::read_to_string(&target).unwrap(), "{}\n");
        assert_eq!(mode(&target), 0o600);
    }

    #[test]
    fn stale_temps_of_dead_writers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // A pid above the kernel's pid_max is never alive.
        let dead = dir.path().join(".state.json.tmp-99999999-3");
        let old_cache = dir.path().join("queue-heads.tmp-99999999");
        let ours = dir.path().join(format!(".state.json.tmp-{}-0", std::process::id()));
        let not_a_temp = dir.path().join("notes.tmp-x");
        for file in [&dead, &old_cache, &ours, &not_a_temp] {
            fs::write(file, "x").unwrap();
        }
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let planted = dir.path().join(".usage.bin.tmp-99999999-7");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let mut removed = remove_stale_temps(dir.path());
        removed.sort();
        assert_eq!(removed, [dead, planted, old_cache]);
        assert!(ours.exists() && not_a_temp.exists());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious", "a link is removed, not its target");
    }

    #[test]
    fn tasks_move_only_into_real_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let done = dir.path().join("done");
        real_dir(&done).unwrap();
        assert_eq!(mode(&done), 0o700);
        real_dir(&done).unwrap();
        let outside = tempfile::tempdir().unwrap();
        let failed = dir.path().join("failed");
        std::os::unix::fs::symlink(outside.path(), &failed).unwrap();
        let err = real_dir(&failed).unwrap_err();
        assert!(err.to_string().contains("is a symlink: refused"), "{err}");
    }
}
