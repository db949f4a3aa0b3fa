//! The terminal a report is printed on: its width, whether stdout is one, and tables
//! that fit that width without cutting a word in two.
//!
//! The width is `COLUMNS` when it is set (from the environment snapshot of the context,
//! never read here), else the size of the terminal on stdout, else [`PIPE_WIDTH`] for a
//! pipe or a file. Only [`stdout_tty_width`] asks the kernel; [`choose_width`] and
//! [`fit`] are pure.

use comfy_table::{ColumnConstraint, Table, Width};

/// The width a report is laid out for when stdout is not a terminal and `COLUMNS` is
/// not set: wide enough for every table of `status` at 20 sessions, narrow enough to
/// read in a mail or a CI log.
pub const PIPE_WIDTH: usize = 100;

/// The narrowest width a table is laid out for (a smaller `COLUMNS` is taken as this).
pub const MIN_WIDTH: usize = 40;

/// `COLUMNS` if it is a number, else the terminal's width, else [`PIPE_WIDTH`].
pub fn choose_width(columns: Option<&str>, tty_width: Option<usize>) -> usize {
    columns
        .and_then(|text| text.trim().parse::<usize>().ok())
        .filter(|w| *w > 0)
        .or(tty_width)
        .unwrap_or(PIPE_WIDTH)
        .max(MIN_WIDTH)
}

/// The width of the terminal on stdout; `None` when stdout is not a terminal.
pub fn stdout_tty_width() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills a plain struct for fd 1 and fails harmlessly otherwise.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &raw mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// Whether stdout is a terminal.
pub fn stdout_is_tty() -> bool {
    // SAFETY: isatty has no preconditions.
    unsafe { libc::isatty(libc::STDOUT_FILENO) == 1 }
}

/// Lays `table` out for `width` columns, wrapping cells only between words: each
/// column is at least as wide as its longest word. A table whose longest words cannot
/// fit `width` is laid out wider, as narrow as they allow: a word is never cut.
pub fn fit(table: &mut Table, width: usize) {
    let mut longest: Vec<usize> = Vec::new();
    let rows = table.header().into_iter().chain(table.row_iter());
    for row in rows {
        for (i, cell) in row.cell_iter().enumerate() {
            let word = cell.content().split_whitespace().map(|w| w.chars().count()).max().unwrap_or(0);
            if longest.len() <= i {
                longest.resize(i + 1, 0);
            }
            longest[i] = longest[i].max(word);
        }
    }
    // Each column has a border on its left, one space of padding either side, and the
    // table a border on its right.
    let needed = longest.iter().map(|word| word + 3).sum::<usize>() + 1;
    table.set_width(u16::try_from(width.max(needed)).unwrap_or(u16::MAX));
    // A lower boundary counts the padding too.
    table.set_constraints(
        longest
            .into_iter()
            .map(|word| ColumnConstraint::LowerBoundary(Width::Fixed(u16::try_from(word + 2).unwrap_or(u16::MAX)))),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_wins_then_the_terminal_then_the_pipe_default() {
        assert_eq!(choose_width(Some("80"), Some(132)), 80);
        assert_eq!(choose_width(None, Some(132)), 132);
        assert_eq!(choose_width(None, None), PIPE_WIDTH);
        assert_eq!(choose_width(Some("wide"), None), PIPE_WIDTH, "a COLUMNS that is not a number is ignored");
        assert_eq!(choose_width(Some("10"), None), MIN_WIDTH);
    }

    #[test]
    fn cells_wrap_between_words_only() {
        let mut table = crate::render::table(&["name", "path", "note"]);
        table.add_row(vec![
            "w1",
            "/tmp/ccfail-test-abcdef/accounts/a",
            "a fairly long note that has to wrap somewhere to fit in forty columns",
        ]);
        fit(&mut table, 60);
        let text = table.to_string();
        assert!(text.contains("/tmp/ccfail-test-abcdef/accounts/a"), "the path is whole:\n{text}");
        for word in ["fairly", "somewhere", "columns"] {
            assert!(text.contains(word), "{word} is whole:\n{text}");
        }
        assert!(text.lines().all(|line| line.chars().count() <= 60), "fits 60 columns:\n{text}");

        let mut wide = crate::render::table(&["a", "b"]);
        wide.add_row(vec!["/a/path/that/is/long/enough/to/overflow", "website:task-01-refactor-billing"]);
        fit(&mut wide, 40);
        let text = wide.to_string();
        assert!(
            text.contains("/a/path/that/is/long/enough/to/overflow")
                && text.contains("website:task-01-refactor-billing"),
            "{text}"
        );
        let widest = text.lines().map(|line| line.chars().count()).max().unwrap();
        assert_eq!(widest, 39 + 32 + 7, "as narrow as the words allow:\n{text}");
    }
}
