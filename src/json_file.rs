//! Editing a JSON file that Claude Code owns (`settings.json`, `.claude.json`): read it
//! (missing or blank counts as `{}`), let the caller edit the document, and replace the
//! file atomically only when something changed, keeping its permissions and its key
//! order. A file that does not parse is never touched.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

use crate::state::write_atomically;

/// Applies `edit` to the document in `file`. `edit` returns its result and whether it
/// changed the document; the file is written only when it did and `write` is true.
pub fn edit<T>(file: &Path, write: bool, edit: impl FnOnce(&mut Value) -> Result<(T, bool), String>) -> Result<T> {
    let (mut document, mode) = match fs::read_to_string(file) {
        Ok(text) if text.trim().is_empty() => (Value::Object(Default::default()), None),
        Ok(text) => {
            let document = serde_json::from_str(&text).with_context(|| {
                format!("{} is not valid JSON; fix it by hand, nothing was changed", file.display())
            })?;
            (document, fs::metadata(file).ok().map(|m| m.permissions().mode() & 0o7777))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => (Value::Object(Default::default()), None),
        Err(err) => return Err(err).with_context(|| format!("could not read {}", file.display())),
    };
    let (out, changed) = edit(&mut document).map_err(|e| anyhow!("{}: {e}; nothing was changed", file.display()))?;
    if !write || !changed {
        return Ok(out);
    }
    let dir = file.parent().unwrap_or(Path::new("."));
    if !dir.is_dir() {
        bail!("{} does not exist: log in to the account first", dir.display());
    }
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    write_atomically(file, text.as_bytes())?;
    if let Some(mode) = mode {
        fs::set_permissions(file, fs::Permissions::from_mode(mode))
            .with_context(|| format!("could not restore the permissions of {}", file.display()))?;
    }
    Ok(out)
}
