
set edit:completion:arg-completer[ccfail] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) CCFAIL_COMPLETE="elvish" ccfail -- $@words) | to-lines
}

