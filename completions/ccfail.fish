complete --keep-order --exclusive --command ccfail --arguments "(CCFAIL_COMPLETE=fish ccfail -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
