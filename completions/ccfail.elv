
use builtin;
use str;

set edit:completion:arg-completer[ccfail] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ccfail'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ccfail'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Show accounts, sessions, queues, the last swap and the state file at a glance'
            cand doctor 'Check the config, tmux, the claude binary, account homes, shared links and the state file'
            cand quota-check 'Detect whether the active account hit its usage limit; record it in state'
            cand swap 'Move every session to another account and resume each conversation there'
            cand hook 'Record one Claude Code hook event (run by Claude Code; see `hooks install`)'
            cand hooks 'Install or remove ccfail''s entries in every account''s settings.json'
            cand dispatch 'Hand the best ready tasks of every project to the free pool sessions (one pass)'
            cand watch-once 'Watch every pool and dedicated session once: finish done tasks, flag stalled sessions, requeue the tasks of dead ones, keep the pool''s sessions alive, write checkpoints. Dedicated sessions are only observed'
            cand janitor 'Clean up: orphaned claims back to the inbox, old done tasks archived, old checkpoints pruned, the read part of the hook spool freed, old history dropped, long-blocked tasks reported once'
            cand launch 'Start Claude in a tmux session, creating the session if needed, and wait for its input box (for scripts)'
            cand env 'Print the environment Claude needs for an account, as export lines for eval'
            cand log 'Show the history kept in the state: swaps with their sessions and outcomes, dispatches, completions, requeues, quota hits, refusals and notifications'
            cand account 'Say what ccfail cannot see: an account has quota again (`undrain`), or has none until a time (`drain`). Recorded in the history'
            cand generate 'Write shell completions or man pages (for packagers; the repo commits them)'
            cand task 'Add, list, show, retry and cancel tasks of the projects'' queues'
            cand pause 'Pause dispatch (of the whole pool, or of projects) or pool upkeep, until `resume`'
            cand resume 'Resume what `pause` paused'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;status'= {
            cand --watch 'Show the status again every SECS seconds [default: 2]: redrawn in place on a terminal, printed anew on a pipe. Ends with Ctrl-C'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of tables'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;doctor'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of text'
            cand --fix 'Repair what is safe to repair: create missing shared links and their targets'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;quota-check'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of text'
            cand --dry-run 'Decide and report, but record nothing in state'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ccfail;swap'= {
            cand --to 'The account to move to [default: the eligible account with the lowest priority]'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --dry-run 'Print the plan (sessions, ids, commands) and change nothing'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of text'
            cand --clear-partial 'Re-check the active link and every shared link; clear the partial-swap latch if they are sound, else say what is still wrong'
            cand --force 'Use the --to account even though it is drained (its reset time is a hint, not a promise); warns and records it in the history. Never overrides the latch, an account without credentials or the active one'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ccfail;hook'= {
            cand --spool 'The events spool to append to [default: events.jsonl in the state dir]'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ccfail;hooks'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand install 'Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure, Notification and SessionEnd into each account''s settings.json, keeping every other key and hook. Running it twice changes nothing the second time'
            cand uninstall 'Remove exactly the entries `hooks install` added'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;hooks;install'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of text'
            cand --dry-run 'Show what would change and write nothing'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;hooks;uninstall'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of text'
            cand --dry-run 'Show what would change and write nothing'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;hooks;help'= {
            cand install 'Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure, Notification and SessionEnd into each account''s settings.json, keeping every other key and hook. Running it twice changes nothing the second time'
            cand uninstall 'Remove exactly the entries `hooks install` added'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;hooks;help;install'= {
        }
        &'ccfail;hooks;help;uninstall'= {
        }
        &'ccfail;hooks;help;help'= {
        }
        &'ccfail;dispatch'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of text'
            cand --dry-run 'Show the pairing of sessions and tasks; claim, send and mark nothing'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ccfail;watch-once'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of text'
            cand --dry-run 'Show what would be done; move, start and record nothing'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;janitor'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of text'
            cand --dry-run 'List every action and carry out none'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;launch'= {
            cand --project 'Folder Claude starts in [default: a dedicated session''s project, else $HOME]'
            cand --resume 'Resume this conversation (claude --resume ID)'
            cand --account 'Account to start on [default: the active account]'
            cand --model 'Model to start with (claude --model M)'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --pool 'Allow a name in the pool''s range'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of text'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;env'= {
            cand --account 'Account [default: the active account]'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of export lines'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;log'= {
            cand --since 'Only entries since then: a duration back from now (`2h`, `1d`, `1h30m`) or a time (`2026-12-02T10:00:00Z`, `2026-12-02 10:00`, `2026-12-02`; UTC unless an offset is given)'
            cand --kind 'Only entries of this kind (swap-done, dispatched, task-failed, ...); a family name such as `swap`, `task` or `quota` takes every kind it starts. Repeat for several'
            cand --session 'Only entries about this tmux session'
            cand --project 'Only entries about a task of this project'
            cand --last 'At most the last N matching entries [default: 50 unless --since is given]'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document (schema in docs/json.md) instead of lines'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ccfail;account'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand undrain 'The account has quota again: clear its drain, so a swap may choose it'
            cand drain 'The account has no quota until --until: no swap chooses it before then (only `swap --to NAME --force`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;account;undrain'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document instead of text'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;account;drain'= {
            cand --until 'Until when: an RFC 3339 time (2026-12-02T19:00:00Z) or a duration from now (90m, 5h)'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document instead of text'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;account;help'= {
            cand undrain 'The account has quota again: clear its drain, so a swap may choose it'
            cand drain 'The account has no quota until --until: no swap chooses it before then (only `swap --to NAME --force`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;account;help;undrain'= {
        }
        &'ccfail;account;help;drain'= {
        }
        &'ccfail;account;help;help'= {
        }
        &'ccfail;generate'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand completions 'Completions for one shell, on stdout'
            cand man 'Man pages: ccfail.1 and one page per subcommand'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;generate;completions'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;generate;man'= {
            cand --out 'Directory to write the pages into'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;generate;help'= {
            cand completions 'Completions for one shell, on stdout'
            cand man 'Man pages: ccfail.1 and one page per subcommand'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;generate;help;completions'= {
        }
        &'ccfail;generate;help;man'= {
        }
        &'ccfail;generate;help;help'= {
        }
        &'ccfail;task'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand add 'Add a task to a project''s inbox and print its name (project:id)'
            cand ls 'List tasks with their state; for each waiting one, why it waits'
            cand show 'Show one task: state, front matter, why it waits, reasons, its session, its history, the file'
            cand retry 'Send a failed task back to the inbox with its attempts reset (its reason is kept in the history); an invalid one is checked again and its marker cleared'
            cand cancel 'Cancel a task: to failed/ with the reason "cancelled by operator"'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;task;add'= {
            cand -p 'The project [default: the only registered one]'
            cand --project 'The project [default: the only registered one]'
            cand --id 'The task''s id: the file is inbox/<ID>.md [default: the file''s name, else one made from the title]'
            cand -f 'Read the whole task file (front matter and body) from PATH, or from stdin with -'
            cand --file 'Read the whole task file (front matter and body) from PATH, or from stdin with -'
            cand --body 'The body below the front matter'
            cand --priority 'The priority [default: default]'
            cand --tag 'A capability the session needs (repeat for more)'
            cand --depends-on 'A task that must be done first, as project:id or id (repeat for more)'
            cand --model 'The model for this task (overrides dispatch.models)'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document instead of the name'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ccfail;task;ls'= {
            cand -p 'Only this project (repeat for more)'
            cand --project 'Only this project (repeat for more)'
            cand -s 'Only tasks in this state (repeat for more) [default: all but done]'
            cand --state 'Only tasks in this state (repeat for more) [default: all but done]'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document instead of a table'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ccfail;task;show'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document instead of text'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;task;retry'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document instead of text'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;task;cancel'= {
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --json 'Print one JSON document instead of text'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ccfail;task;help'= {
            cand add 'Add a task to a project''s inbox and print its name (project:id)'
            cand ls 'List tasks with their state; for each waiting one, why it waits'
            cand show 'Show one task: state, front matter, why it waits, reasons, its session, its history, the file'
            cand retry 'Send a failed task back to the inbox with its attempts reset (its reason is kept in the history); an invalid one is checked again and its marker cleared'
            cand cancel 'Cancel a task: to failed/ with the reason "cancelled by operator"'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;task;help;add'= {
        }
        &'ccfail;task;help;ls'= {
        }
        &'ccfail;task;help;show'= {
        }
        &'ccfail;task;help;retry'= {
        }
        &'ccfail;task;help;cancel'= {
        }
        &'ccfail;task;help;help'= {
        }
        &'ccfail;pause'= {
            cand -p 'Pause the dispatch of this project only (repeat for more)'
            cand --project 'Pause the dispatch of this project only (repeat for more)'
            cand --reason 'Why, shown by status'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --upkeep 'Pause pool upkeep (watch-once creating, starting and recycling pool sessions)'
            cand --json 'Print one JSON document instead of text'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ccfail;resume'= {
            cand -p 'Resume the dispatch of this project (repeat for more)'
            cand --project 'Resume the dispatch of this project (repeat for more)'
            cand --config 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]'
            cand --upkeep 'Resume pool upkeep'
            cand --all 'Resume everything: dispatch, every project, upkeep'
            cand --json 'Print one JSON document instead of text'
            cand -v 'More log lines on stderr (repeat for more)'
            cand --verbose 'More log lines on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ccfail;help'= {
            cand status 'Show accounts, sessions, queues, the last swap and the state file at a glance'
            cand doctor 'Check the config, tmux, the claude binary, account homes, shared links and the state file'
            cand quota-check 'Detect whether the active account hit its usage limit; record it in state'
            cand swap 'Move every session to another account and resume each conversation there'
            cand hook 'Record one Claude Code hook event (run by Claude Code; see `hooks install`)'
            cand hooks 'Install or remove ccfail''s entries in every account''s settings.json'
            cand dispatch 'Hand the best ready tasks of every project to the free pool sessions (one pass)'
            cand watch-once 'Watch every pool and dedicated session once: finish done tasks, flag stalled sessions, requeue the tasks of dead ones, keep the pool''s sessions alive, write checkpoints. Dedicated sessions are only observed'
            cand janitor 'Clean up: orphaned claims back to the inbox, old done tasks archived, old checkpoints pruned, the read part of the hook spool freed, old history dropped, long-blocked tasks reported once'
            cand launch 'Start Claude in a tmux session, creating the session if needed, and wait for its input box (for scripts)'
            cand env 'Print the environment Claude needs for an account, as export lines for eval'
            cand log 'Show the history kept in the state: swaps with their sessions and outcomes, dispatches, completions, requeues, quota hits, refusals and notifications'
            cand account 'Say what ccfail cannot see: an account has quota again (`undrain`), or has none until a time (`drain`). Recorded in the history'
            cand generate 'Write shell completions or man pages (for packagers; the repo commits them)'
            cand task 'Add, list, show, retry and cancel tasks of the projects'' queues'
            cand pause 'Pause dispatch (of the whole pool, or of projects) or pool upkeep, until `resume`'
            cand resume 'Resume what `pause` paused'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ccfail;help;status'= {
        }
        &'ccfail;help;doctor'= {
        }
        &'ccfail;help;quota-check'= {
        }
        &'ccfail;help;swap'= {
        }
        &'ccfail;help;hook'= {
        }
        &'ccfail;help;hooks'= {
            cand install 'Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure, Notification and SessionEnd into each account''s settings.json, keeping every other key and hook. Running it twice changes nothing the second time'
            cand uninstall 'Remove exactly the entries `hooks install` added'
        }
        &'ccfail;help;hooks;install'= {
        }
        &'ccfail;help;hooks;uninstall'= {
        }
        &'ccfail;help;dispatch'= {
        }
        &'ccfail;help;watch-once'= {
        }
        &'ccfail;help;janitor'= {
        }
        &'ccfail;help;launch'= {
        }
        &'ccfail;help;env'= {
        }
        &'ccfail;help;log'= {
        }
        &'ccfail;help;account'= {
            cand undrain 'The account has quota again: clear its drain, so a swap may choose it'
            cand drain 'The account has no quota until --until: no swap chooses it before then (only `swap --to NAME --force`)'
        }
        &'ccfail;help;account;undrain'= {
        }
        &'ccfail;help;account;drain'= {
        }
        &'ccfail;help;generate'= {
            cand completions 'Completions for one shell, on stdout'
            cand man 'Man pages: ccfail.1 and one page per subcommand'
        }
        &'ccfail;help;generate;completions'= {
        }
        &'ccfail;help;generate;man'= {
        }
        &'ccfail;help;task'= {
            cand add 'Add a task to a project''s inbox and print its name (project:id)'
            cand ls 'List tasks with their state; for each waiting one, why it waits'
            cand show 'Show one task: state, front matter, why it waits, reasons, its session, its history, the file'
            cand retry 'Send a failed task back to the inbox with its attempts reset (its reason is kept in the history); an invalid one is checked again and its marker cleared'
            cand cancel 'Cancel a task: to failed/ with the reason "cancelled by operator"'
        }
        &'ccfail;help;task;add'= {
        }
        &'ccfail;help;task;ls'= {
        }
        &'ccfail;help;task;show'= {
        }
        &'ccfail;help;task;retry'= {
        }
        &'ccfail;help;task;cancel'= {
        }
        &'ccfail;help;pause'= {
        }
        &'ccfail;help;resume'= {
        }
        &'ccfail;help;help'= {
        }
    ]
    $completions[$command]
}
