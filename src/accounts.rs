//! The accounts on disk: homes, credentials, the shared links and the active link.
//!
//! Checks return what they found; only [`create_shared_link`] changes anything, and only
//! where nothing is in the way. A link that points elsewhere, or a real file or dir
//! where a link belongs, is reported and never "fixed": it may hold an operator's data.

use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::config::{Account, Config};
use crate::state::State;

/// The file whose presence means the account has logged in.
pub const CREDENTIALS_FILE: &str = ".credentials.json";

pub fn credentials_present(home: &Path) -> bool {
    home.join(CREDENTIALS_FILE).is_file()
}

/// What stands at `<home>/<entry>` compared with where it should point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SharedLink {
    /// A link to the shared target, which exists.
    Sound,
    /// Nothing there yet: safe to create.
    Missing,
    /// The right link, but the shared target does not exist yet: safe to create.
    TargetMissing,
    /// A link to somewhere else.
    PointsElsewhere { target: PathBuf },
    /// A real file or dir where the link belongs.
    InTheWay { what: &'static str },
}

impl SharedLink {
    /// Whether `doctor --fix` (and a swap) may create what is missing.
    pub fn fixable(&self) -> bool {
        matches!(self, SharedLink::Missing | SharedLink::TargetMissing)
    }
}

pub fn check_shared_link(home: &Path, root: &Path, entry: &str) -> io::Result<SharedLink> {
    let link = home.join(entry);
    let want = root.join(entry);
    let meta = match fs::symlink_metadata(&link) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(SharedLink::Missing),
        Err(err) => return Err(err),
    };
    if !meta.file_type().is_symlink() {
        let what = if meta.is_dir() { "a directory" } else { "a file" };
        return Ok(SharedLink::InTheWay { what });
    }
    let raw = fs::read_link(&link)?;
    let target = if raw.is_absolute() { raw } else { home.join(raw) };
    if !same_place(&target, &want) {
        return Ok(SharedLink::PointsElsewhere { target });
    }
    Ok(if want.is_dir() { SharedLink::Sound } else { SharedLink::TargetMissing })
}

/// Creates the shared target and the link, where [`SharedLink::fixable`] says it may.
pub fn create_shared_link(home: &Path, root: &Path, entry: &str) -> io::Result<()> {
    let want = root.join(entry);
    crate::files::create_dir_all(&want)?;
    let link = home.join(entry);
    if fs::symlink_metadata(&link).is_err() {
        crate::files::create_dir_all(home)?;
        symlink(&want, &link)?;
    }
    Ok(())
}

/// Where a symlink points (made absolute), `None` when it is not a symlink.
pub fn link_target(link: &Path) -> Option<PathBuf> {
    let raw = fs::read_link(link).ok()?;
    Some(if raw.is_absolute() { raw } else { link.parent().unwrap_or(Path::new("/")).join(raw) })
}

/// Whether two paths name the same place: lexically, or after resolving links.
pub fn same_place(a: &Path, b: &Path) -> bool {
    lexical(a) == lexical(b) || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// How ccfail knows which account is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActiveSource {
    /// Recorded in state by a swap or an earlier run.
    State,
    /// Read from where the active link points.
    ActiveLink,
    /// Nothing recorded: the preferred account (lowest priority).
    Default,
}

/// The active account: the state's record if it names a configured account, else the
/// account the active link points at, else the preferred one.
pub fn active_account<'a>(config: &'a Config, state: Option<&State>) -> Option<(&'a Account, ActiveSource)> {
    if let Some(span) = state.and_then(State::active_account)
        && let Some(account) = config.account(&span.account)
    {
        return Some((account, ActiveSource::State));
    }
    if let Some(target) = config.claude.active_link.as_deref().and_then(link_target)
        && let Some(account) = config.accounts.iter().find(|a| same_place(&a.home, &target))
    {
        return Some((account, ActiveSource::ActiveLink));
    }
    preferred(config).map(|a| (a, ActiveSource::Default))
}

/// The account with the lowest priority, the first listed among equals.
pub fn preferred(config: &Config) -> Option<&Account> {
    config.accounts.iter().enumerate().min_by_key(|(i, a)| (a.priority, *i)).map(|(_, a)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_link_states() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let root = dir.path().join("shared");
        fs::create_dir_all(&home).unwrap();
        assert_eq!(check_shared_link(&home, &root, "projects").unwrap(), SharedLink::Missing);
        create_shared_link(&home, &root, "projects").unwrap();
        assert_eq!(check_shared_link(&home, &root, "projects").unwrap(), SharedLink::Sound);
        fs::remove_dir(root.join("projects")).unwrap();
        assert_eq!(check_shared_link(&home, &root, "projects").unwrap(), SharedLink::TargetMissing);

        fs::create_dir_all(home.join("session-env")).unwrap();
        assert_eq!(
            check_shared_link(&home, &root, "session-env").unwrap(),
            SharedLink::InTheWay { what: "a directory" }
        );
        symlink(dir.path().join("elsewhere"), home.join("file-history")).unwrap();
        assert!(matches!(check_shared_link(&home, &root, "file-history").unwrap(), SharedLink::PointsElsewhere { .. }));
    }

    #[test]
    fn relative_links_to_the_right_place_are_sound() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(dir.path().join("shared/projects")).unwrap();
        symlink("../shared/projects", home.join("projects")).unwrap();
        assert_eq!(check_shared_link(&home, &dir.path().join("shared"), "projects").unwrap(), SharedLink::Sound);
    }
}
