//! The README's install section, run as it is written, top to bottom, in a fresh `HOME`:
//! no hand step, and it ends with `ccfail doctor` exiting 0.
//!
//! The sandbox holds what the section says it needs and nothing else: two account homes
//! logged in once (a `.credentials.json`, as after `/login`), the repo's Claude Code
//! stand-in as `~/.local/bin/claude`, tmux with `$TMUX_TMPDIR` in the sandbox (so no
//! server of yours is asked), and a `cargo` whose `install --path .` installs the
//! ccfail this test suite built into `~/.cargo/bin` (building a release here would take
//! minutes and the network). The environment is cleared: no `XDG_*`, no `CCFAIL_*`
//! but the pinned clock, so the defaults a fresh login has are the ones used.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::support::{NOW, Run, standin_bin};

/// The first ```sh block of the README's `## Install` section.
fn install_block() -> String {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("\n## Install\n").nth(1).expect("README has an Install section");
    let section = section.split("\n## ").next().unwrap();
    let block = section.split("```sh\n").nth(1).expect("the Install section has a sh block");
    block.split("```").next().unwrap().to_owned()
}

fn executable(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn the_readme_install_section_runs_top_to_bottom_in_a_fresh_home() {
    let block = install_block();
    assert!(block.contains("ccfail init") && block.trim_end().ends_with("ccfail doctor"), "{block}");
    let dir = tempfile::Builder::new().prefix("ccfail-readme-").tempdir().unwrap();
    let home = dir.path().join("home");
    for account in ["work", "spare"] {
        let account_home = home.join(format!(".claude-{account}"));
        fs::create_dir_all(&account_home).unwrap();
        fs::write(account_home.join(".credentials.json"), "{}").unwrap();
    }
    fs::create_dir_all(dir.path().join("tmp")).unwrap();
    executable(&home.join(".local/bin/claude"), &format!("#!/bin/sh\nexec {} \"$@\"\n", standin_bin().display()));
    let cargo = format!(
        "#!/bin/sh\n\
         # `cargo install --path .` of the README: the ccfail this test suite built.\n\
         [ \"$*\" = 'install --path .' ] || {{ echo \"cargo stand-in: only 'install --path .', not: $*\" >&2; exit 1; }}\n\
         install -Dm755 {} \"$HOME/.cargo/bin/ccfail\"\n",
        env!("CARGO_BIN_EXE_ccfail")
    );
    executable(&dir.path().join("bin/cargo"), &cargo);
    let tmux = Command::new("sh").args(["-c", "command -v tmux"]).output().unwrap();
    let tmux_dir = Path::new(String::from_utf8_lossy(&tmux.stdout).trim()).parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}:{}:{}:/usr/bin:/bin",
        dir.path().join("bin").display(),
        home.join(".cargo/bin").display(),
        home.join(".local/bin").display(),
        tmux_dir.display()
    );
    let run = || {
        let mut command = Command::new("sh");
        command
            .args(["-ec", &block])
            .env_clear()
            .env("HOME", &home)
            .env("PATH", &path)
            .env("TMUX_TMPDIR", dir.path().join("tmp"))
            .env("LANG", "C.UTF-8")
            .env("CCFAIL_NOW", NOW)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        Run(command.output().unwrap())
    };

    let first = run();
    first.status(0).stdout_has("config: wrote").stdout_has("doctor: no problems found").stdout_has("no problems found");
    let config = fs::read_to_string(home.join(".config/ccfail/config.yaml")).unwrap();
    assert!(config.contains("home: ~/.claude-work") && config.contains("binary: ~/.local/bin/claude"), "{config}");
    for account in ["work", "spare"] {
        for entry in ["projects", "session-env", "file-history"] {
            let link = home.join(format!(".claude-{account}/{entry}"));
            assert_eq!(fs::read_link(&link).unwrap(), home.join(format!(".local/share/ccfail/shared/{entry}")));
        }
        let settings = fs::read_to_string(home.join(format!(".claude-{account}/settings.json"))).unwrap();
        assert!(settings.contains("ccfail") && settings.contains("SessionStart"), "{settings}");
    }
    assert_eq!(fs::read_link(home.join(".claude")).unwrap(), home.join(".claude-work"));
    assert!(home.join(".local/share/man/man1/ccfail.1").is_file());

    // Pasted again, it changes nothing and still ends well.
    let again = run();
    again.status(0).stdout_has("up to date").stdout_has("already linked").stdout_has("no problems found");
    assert_eq!(fs::read_to_string(home.join(".config/ccfail/config.yaml")).unwrap(), config);
}
