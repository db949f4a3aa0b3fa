# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ccfail_global_optspecs
    string join \n config= v/verbose q/quiet h/help V/version
end

function __fish_ccfail_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ccfail_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ccfail_using_subcommand
    set -l cmd (__fish_ccfail_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ccfail -n "__fish_ccfail_needs_command" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_needs_command" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_needs_command" -s V -l version -d 'Print version'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "status" -d 'Show accounts, sessions, queues, the last swap and the state file at a glance'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "doctor" -d 'Check the config, tmux, the claude binary, account homes, shared links and the state file'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "quota-check" -d 'Detect whether the active account hit its usage limit; record it in state'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "swap" -d 'Move every session to another account and resume each conversation there'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "hook" -d 'Record one Claude Code hook event (run by Claude Code; see `hooks install`)'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "hooks" -d 'Install or remove ccfail\'s entries in every account\'s settings.json'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "dispatch" -d 'Hand the best ready tasks of every project to the free pool sessions (one pass)'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "watch-once" -d 'Watch every pool and dedicated session once: finish done tasks, flag stalled sessions, requeue the tasks of dead ones, keep the pool\'s sessions alive, write checkpoints. Dedicated sessions are only observed'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "janitor" -d 'Clean up: orphaned claims back to the inbox, old done tasks archived, old checkpoints pruned, the read part of the hook spool freed, old history dropped, long-blocked tasks reported once'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "launch" -d 'Start Claude in a tmux session, creating the session if needed, and wait for its input box (for scripts)'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "env" -d 'Print the environment Claude needs for an account, as export lines for eval'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "log" -d 'Show the history kept in the state: swaps with their sessions and outcomes, dispatches, completions, requeues, quota hits, refusals and notifications'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "account" -d 'Say what ccfail cannot see: an account has quota again (`undrain`), or has none until a time (`drain`). Recorded in the history'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "generate" -d 'Write shell completions or man pages (for packagers; the repo commits them)'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "task" -d 'Add, list, show, retry and cancel tasks of the projects\' queues'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "pause" -d 'Pause dispatch (of the whole pool, or of projects) or pool upkeep, until `resume`'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "resume" -d 'Resume what `pause` paused'
complete -c ccfail -n "__fish_ccfail_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand status" -l watch -d 'Show the status again every SECS seconds [default: 2]: redrawn in place on a terminal, printed anew on a pipe. Ends with Ctrl-C' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand status" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand status" -l json -d 'Print one JSON document (schema in docs/json.md) instead of tables'
complete -c ccfail -n "__fish_ccfail_using_subcommand status" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand status" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand status" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand doctor" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand doctor" -l json -d 'Print one JSON document (schema in docs/json.md) instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand doctor" -l fix -d 'Repair what is safe to repair: create missing shared links and their targets'
complete -c ccfail -n "__fish_ccfail_using_subcommand doctor" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand doctor" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand quota-check" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand quota-check" -l json -d 'Print one JSON document (schema in docs/json.md) instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand quota-check" -l dry-run -d 'Decide and report, but record nothing in state'
complete -c ccfail -n "__fish_ccfail_using_subcommand quota-check" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand quota-check" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand quota-check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand swap" -l to -d 'The account to move to [default: the eligible account with the lowest priority]' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand swap" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand swap" -l dry-run -d 'Print the plan (sessions, ids, commands) and change nothing'
complete -c ccfail -n "__fish_ccfail_using_subcommand swap" -l json -d 'Print one JSON document (schema in docs/json.md) instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand swap" -l clear-partial -d 'Re-check the active link and every shared link; clear the partial-swap latch if they are sound, else say what is still wrong'
complete -c ccfail -n "__fish_ccfail_using_subcommand swap" -l force -d 'Use the --to account even though it is drained (its reset time is a hint, not a promise); warns and records it in the history. Never overrides the latch, an account without credentials or the active one'
complete -c ccfail -n "__fish_ccfail_using_subcommand swap" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand swap" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand swap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand hook" -l spool -d 'The events spool to append to [default: events.jsonl in the state dir]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand hook" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand hook" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand hook" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand hook" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -f -a "install" -d 'Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure, Notification and SessionEnd into each account\'s settings.json, keeping every other key and hook. Running it twice changes nothing the second time'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -f -a "uninstall" -d 'Remove exactly the entries `hooks install` added'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and not __fish_seen_subcommand_from install uninstall help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from install" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from install" -l json -d 'Print one JSON document (schema in docs/json.md) instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from install" -l dry-run -d 'Show what would change and write nothing'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from install" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -l json -d 'Print one JSON document (schema in docs/json.md) instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -l dry-run -d 'Show what would change and write nothing'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from uninstall" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "install" -d 'Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure, Notification and SessionEnd into each account\'s settings.json, keeping every other key and hook. Running it twice changes nothing the second time'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "uninstall" -d 'Remove exactly the entries `hooks install` added'
complete -c ccfail -n "__fish_ccfail_using_subcommand hooks; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand dispatch" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand dispatch" -l json -d 'Print one JSON document (schema in docs/json.md) instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand dispatch" -l dry-run -d 'Show the pairing of sessions and tasks; claim, send and mark nothing'
complete -c ccfail -n "__fish_ccfail_using_subcommand dispatch" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand dispatch" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand dispatch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand watch-once" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand watch-once" -l json -d 'Print one JSON document (schema in docs/json.md) instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand watch-once" -l dry-run -d 'Show what would be done; move, start and record nothing'
complete -c ccfail -n "__fish_ccfail_using_subcommand watch-once" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand watch-once" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand watch-once" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand janitor" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand janitor" -l json -d 'Print one JSON document (schema in docs/json.md) instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand janitor" -l dry-run -d 'List every action and carry out none'
complete -c ccfail -n "__fish_ccfail_using_subcommand janitor" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand janitor" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand janitor" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -l project -d 'Folder Claude starts in [default: a dedicated session\'s project, else $HOME]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -l resume -d 'Resume this conversation (claude --resume ID)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -l account -d 'Account to start on [default: the active account]' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -l model -d 'Model to start with (claude --model M)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -l pool -d 'Allow a name in the pool\'s range'
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -l json -d 'Print one JSON document (schema in docs/json.md) instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand launch" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand env" -l account -d 'Account [default: the active account]' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand env" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand env" -l json -d 'Print one JSON document (schema in docs/json.md) instead of export lines'
complete -c ccfail -n "__fish_ccfail_using_subcommand env" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand env" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand env" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -l since -d 'Only entries since then: a duration back from now (`2h`, `1d`, `1h30m`) or a time (`2026-12-02T10:00:00Z`, `2026-12-02 10:00`, `2026-12-02`; UTC unless an offset is given)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -l kind -d 'Only entries of this kind (swap-done, dispatched, task-failed, ...); a family name such as `swap`, `task` or `quota` takes every kind it starts. Repeat for several' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -l session -d 'Only entries about this tmux session' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -l project -d 'Only entries about a task of this project' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -l last -d 'At most the last N matching entries [default: 50 unless --since is given]' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -l json -d 'Print one JSON document (schema in docs/json.md) instead of lines'
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and not __fish_seen_subcommand_from undrain drain help" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and not __fish_seen_subcommand_from undrain drain help" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and not __fish_seen_subcommand_from undrain drain help" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and not __fish_seen_subcommand_from undrain drain help" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and not __fish_seen_subcommand_from undrain drain help" -f -a "undrain" -d 'The account has quota again: clear its drain, so a swap may choose it'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and not __fish_seen_subcommand_from undrain drain help" -f -a "drain" -d 'The account has no quota until --until: no swap chooses it before then (only `swap --to NAME --force`)'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and not __fish_seen_subcommand_from undrain drain help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from undrain" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from undrain" -l json -d 'Print one JSON document instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from undrain" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from undrain" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from undrain" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from drain" -l until -d 'Until when: an RFC 3339 time (2026-12-02T19:00:00Z) or a duration from now (90m, 5h)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from drain" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from drain" -l json -d 'Print one JSON document instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from drain" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from drain" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from drain" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "undrain" -d 'The account has quota again: clear its drain, so a swap may choose it'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "drain" -d 'The account has no quota until --until: no swap chooses it before then (only `swap --to NAME --force`)'
complete -c ccfail -n "__fish_ccfail_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "completions" -d 'Completions for one shell, on stdout'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "man" -d 'Man pages: ccfail.1 and one page per subcommand'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from completions" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from completions" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from completions" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from man" -l out -d 'Directory to write the pages into' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from man" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from man" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from man" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Completions for one shell, on stdout'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'Man pages: ccfail.1 and one page per subcommand'
complete -c ccfail -n "__fish_ccfail_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -f -a "add" -d 'Add a task to a project\'s inbox and print its name (project:id)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -f -a "ls" -d 'List tasks with their state; for each waiting one, why it waits'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -f -a "show" -d 'Show one task: state, front matter, why it waits, reasons, its session, its history, the file'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -f -a "retry" -d 'Send a failed task back to the inbox with its attempts reset (its reason is kept in the history); an invalid one is checked again and its marker cleared'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -f -a "cancel" -d 'Cancel a task: to failed/ with the reason "cancelled by operator"'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and not __fish_seen_subcommand_from add ls show retry cancel help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -s p -l project -d 'The project [default: the only registered one]' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -l id -d 'The task\'s id: the file is inbox/<ID>.md [default: the file\'s name, else one made from the title]' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -s f -l file -d 'Read the whole task file (front matter and body) from PATH, or from stdin with -' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -l body -d 'The body below the front matter' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -l priority -d 'The priority [default: default]' -r -f -a "critical\t''
high\t''
default\t''
low\t''"
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -l tag -d 'A capability the session needs (repeat for more)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -l depends-on -d 'A task that must be done first, as project:id or id (repeat for more)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -l model -d 'The model for this task (overrides dispatch.models)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -l json -d 'Print one JSON document instead of the name'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from ls" -s p -l project -d 'Only this project (repeat for more)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from ls" -s s -l state -d 'Only tasks in this state (repeat for more) [default: all but done]' -r -f -a "pending\t'In the inbox, its dependencies met'
blocked\t'In the inbox, waiting for its dependencies'
claimed\t'Claimed by a session (inbox/T.md.dispatched)'
done\t'In done/ (or its archive)'
failed\t'In failed/'
invalid\t'In the inbox, never sent: see its reason'"
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from ls" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from ls" -l json -d 'Print one JSON document instead of a table'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from show" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from retry" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from retry" -l json -d 'Print one JSON document instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from cancel" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from cancel" -l json -d 'Print one JSON document instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a task to a project\'s inbox and print its name (project:id)'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List tasks with their state; for each waiting one, why it waits'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one task: state, front matter, why it waits, reasons, its session, its history, the file'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Send a failed task back to the inbox with its attempts reset (its reason is kept in the history); an invalid one is checked again and its marker cleared'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel a task: to failed/ with the reason "cancelled by operator"'
complete -c ccfail -n "__fish_ccfail_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand pause" -s p -l project -d 'Pause the dispatch of this project only (repeat for more)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand pause" -l reason -d 'Why, shown by status' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand pause" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand pause" -l upkeep -d 'Pause pool upkeep (watch-once creating, starting and recycling pool sessions)'
complete -c ccfail -n "__fish_ccfail_using_subcommand pause" -l json -d 'Print one JSON document instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand pause" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand pause" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand pause" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ccfail -n "__fish_ccfail_using_subcommand resume" -s p -l project -d 'Resume the dispatch of this project (repeat for more)' -r
complete -c ccfail -n "__fish_ccfail_using_subcommand resume" -l config -d 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]' -r -F
complete -c ccfail -n "__fish_ccfail_using_subcommand resume" -l upkeep -d 'Resume pool upkeep'
complete -c ccfail -n "__fish_ccfail_using_subcommand resume" -l all -d 'Resume everything: dispatch, every project, upkeep'
complete -c ccfail -n "__fish_ccfail_using_subcommand resume" -l json -d 'Print one JSON document instead of text'
complete -c ccfail -n "__fish_ccfail_using_subcommand resume" -s v -l verbose -d 'More log lines on stderr (repeat for more)'
complete -c ccfail -n "__fish_ccfail_using_subcommand resume" -s q -l quiet -d 'Only errors on stderr'
complete -c ccfail -n "__fish_ccfail_using_subcommand resume" -s h -l help -d 'Print help'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "status" -d 'Show accounts, sessions, queues, the last swap and the state file at a glance'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "doctor" -d 'Check the config, tmux, the claude binary, account homes, shared links and the state file'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "quota-check" -d 'Detect whether the active account hit its usage limit; record it in state'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "swap" -d 'Move every session to another account and resume each conversation there'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "hook" -d 'Record one Claude Code hook event (run by Claude Code; see `hooks install`)'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "hooks" -d 'Install or remove ccfail\'s entries in every account\'s settings.json'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "dispatch" -d 'Hand the best ready tasks of every project to the free pool sessions (one pass)'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "watch-once" -d 'Watch every pool and dedicated session once: finish done tasks, flag stalled sessions, requeue the tasks of dead ones, keep the pool\'s sessions alive, write checkpoints. Dedicated sessions are only observed'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "janitor" -d 'Clean up: orphaned claims back to the inbox, old done tasks archived, old checkpoints pruned, the read part of the hook spool freed, old history dropped, long-blocked tasks reported once'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "launch" -d 'Start Claude in a tmux session, creating the session if needed, and wait for its input box (for scripts)'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "env" -d 'Print the environment Claude needs for an account, as export lines for eval'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "log" -d 'Show the history kept in the state: swaps with their sessions and outcomes, dispatches, completions, requeues, quota hits, refusals and notifications'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "account" -d 'Say what ccfail cannot see: an account has quota again (`undrain`), or has none until a time (`drain`). Recorded in the history'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "generate" -d 'Write shell completions or man pages (for packagers; the repo commits them)'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "task" -d 'Add, list, show, retry and cancel tasks of the projects\' queues'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "pause" -d 'Pause dispatch (of the whole pool, or of projects) or pool upkeep, until `resume`'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "resume" -d 'Resume what `pause` paused'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and not __fish_seen_subcommand_from status doctor quota-check swap hook hooks dispatch watch-once janitor launch env log account generate task pause resume help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from hooks" -f -a "install" -d 'Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure, Notification and SessionEnd into each account\'s settings.json, keeping every other key and hook. Running it twice changes nothing the second time'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from hooks" -f -a "uninstall" -d 'Remove exactly the entries `hooks install` added'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "undrain" -d 'The account has quota again: clear its drain, so a swap may choose it'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "drain" -d 'The account has no quota until --until: no swap chooses it before then (only `swap --to NAME --force`)'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Completions for one shell, on stdout'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Man pages: ccfail.1 and one page per subcommand'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "add" -d 'Add a task to a project\'s inbox and print its name (project:id)'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "ls" -d 'List tasks with their state; for each waiting one, why it waits'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "show" -d 'Show one task: state, front matter, why it waits, reasons, its session, its history, the file'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "retry" -d 'Send a failed task back to the inbox with its attempts reset (its reason is kept in the history); an invalid one is checked again and its marker cleared'
complete -c ccfail -n "__fish_ccfail_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "cancel" -d 'Cancel a task: to failed/ with the reason "cancelled by operator"'
