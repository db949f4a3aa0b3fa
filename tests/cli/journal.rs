//! What the journal gets from the timer commands: without a terminal, one line per
//! action and nothing when nothing happened; a standing warning (the same invalid task
//! every minute) said once until it changes; tables only when asked; `-q` silent unless
//! something was done or is wrong. (`scripts/journal-ticks.sh` counts an hour of it.)

use crate::queue::{add_task, ccfail, setup};
use crate::support::{Run, TestEnv};

/// A queue with an invalid task and a blocked one, no free session to send either to.
fn standing_world() -> TestEnv {
    let env = TestEnv::new();
    setup(&env, 0, 0, &[("p", 0)], "");
    add_task(&env, "p", "bad.md", "---\npriority: [unclosed\n---\nbroken\n");
    add_task(&env, "p", "later.md", "---\ndepends_on: [p:never]\n---\nlater\n");
    env
}

/// Every line a run wrote, stdout then stderr, as the journal would get them.
fn lines(run: &Run) -> Vec<String> {
    run.stdout().lines().chain(run.stderr().lines()).map(str::to_owned).collect()
}

#[test]
fn idle_timer_runs_print_nothing_and_tables_only_when_asked() {
    let env = TestEnv::new();
    // The first pass creates the pool's two tmux sessions: one line each.
    assert_eq!(lines(env.ccfail(&["watch-once"]).status(0)), ["w1 recreate", "w2 recreate"]);
    for command in ["watch-once", "quota-check", "dispatch", "janitor"] {
        let run = env.ccfail(&[command]);
        run.status(0);
        assert_eq!(lines(&run), Vec::<String>::new(), "{command} with nothing to do wrote lines");
        let quiet = env.ccfail(&["-q", command]);
        assert_eq!(lines(quiet.status(0)), Vec::<String>::new(), "{command} -q wrote lines");
    }
    env.ccfail(&["--format", "table", "watch-once"]).status(0).stdout_has("nothing to do").stdout_has("┌");
    env.ccfail(&["--format", "table", "quota-check"]).status(0).stdout_has("account a ok");
    env.ccfail(&["--format", "table", "dispatch"]).status(0).stdout_has("nothing to send");
    env.ccfail(&["--format", "table", "janitor"]).status(0).stdout_has("janitor: nothing to do");
    assert!(env.ccfail(&["watch-once", "--json"]).json()["actions"].as_array().unwrap().is_empty());
}

#[test]
fn a_standing_warning_is_said_once_until_it_changes() {
    let env = standing_world();
    let first = ccfail(&env, &["dispatch"]);
    first.status(0);
    assert_eq!(
        first.stdout(),
        "p:later blocked: p:never (no such task: p has no never.md in inbox/, done/ or failed/)\n",
        "stderr:\n{}",
        first.stderr()
    );
    assert_eq!(first.stderr().lines().count(), 1, "{}", first.stderr());
    first.stderr_has("ccfail: warning: invalid task p/\"bad.md\"");
    for _ in 0..3 {
        let again = ccfail(&env, &["dispatch"]);
        assert_eq!(lines(again.status(0)), Vec::<String>::new(), "the same warnings were said again");
    }
    // The table still shows everything, every time.
    ccfail(&env, &["--format", "table", "dispatch"])
        .status(0)
        .stdout_has("invalid p/\"bad.md\"")
        .stdout_has("blocked p:later");

    // A changed reason is said again, and only it.
    add_task(&env, "p", "later.md", "---\ndepends_on: [p:never, p:other]\n---\nlater\n");
    let changed = ccfail(&env, &["dispatch"]);
    assert_eq!(
        changed.status(0).stdout(),
        "p:later blocked: p:never (no such task: p has no never.md in inbox/, done/ or failed/), p:other (no such task: p has no other.md in inbox/, done/ or failed/)\n"
    );
    assert_eq!(changed.stderr(), "", "the invalid task did not change");

    // Gone, then back: said again.
    std::fs::remove_file(env.path("projects/p/.agent-queue/inbox/bad.md")).unwrap();
    std::fs::remove_file(env.path("projects/p/.agent-queue/inbox/bad.md.invalid")).unwrap();
    assert_eq!(lines(ccfail(&env, &["dispatch"]).status(0)), Vec::<String>::new());
    add_task(&env, "p", "bad.md", "---\npriority: [unclosed\n---\nbroken\n");
    ccfail(&env, &["dispatch"]).status(0).stderr_has("invalid task p/\"bad.md\"");

    // A dry run says everything and records nothing.
    let dry = ccfail(&env, &["dispatch", "--dry-run"]);
    dry.status(0).stdout_has("p:later blocked").stderr_has("invalid task");
    assert_eq!(lines(ccfail(&env, &["dispatch"]).status(0)), Vec::<String>::new());
}

#[test]
fn quiet_keeps_what_is_wrong() {
    let env = standing_world();
    let run = ccfail(&env, &["-q", "dispatch"]);
    run.status(0).stderr_has("warning: invalid task");
    assert_eq!(
        run.stdout(),
        "p:later blocked: p:never (no such task: p has no never.md in inbox/, done/ or failed/)\n"
    );
}
