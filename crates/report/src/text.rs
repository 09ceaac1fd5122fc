//! Readable output for a terminal: lines, and titled tables that say how
//! many rows `--top` left out. Every command's text goes through here.

use std::fmt::Display;
use std::io::{self, Write};

use crate::table::Table;
use crate::units::count;

/// Where a report's text goes, and how wide and colourful it may be.
pub struct Text<'a> {
    out: &'a mut dyn Write,
    /// Width to fit tables into (a terminal's), none for a pipe.
    pub width: Option<usize>,
    /// True when rows may be coloured.
    pub colour: bool,
}

impl<'a> Text<'a> {
    pub fn new(out: &'a mut dyn Write, width: Option<usize>, colour: bool) -> Text<'a> {
        Text { out, width, colour }
    }

    /// For stdout: the terminal's width and colour when it is one.
    pub fn stdout(out: &'a mut dyn Write) -> Text<'a> {
        Text::new(out, crate::terminal_width(), crate::stdout_colour())
    }

    pub fn line(&mut self, text: impl Display) -> io::Result<()> {
        writeln!(self.out, "{}", visible(&text.to_string()))
    }

    pub fn blank(&mut self) -> io::Result<()> {
        writeln!(self.out)
    }

    /// The footer of a run kept under a name: a blank line and `saved: NAME`
    /// (nothing when it was not saved).
    pub fn saved_to(&mut self, name: Option<&str>) -> io::Result<()> {
        match name {
            Some(n) => {
                self.blank()?;
                self.line(format_args!("saved: {n}"))
            }
            None => Ok(()),
        }
    }

    /// A table, indented by two.
    pub fn table(&mut self, t: &Table) -> io::Result<()> {
        t.write_text(self.out, 2, self.width, self.colour)
    }

    /// The footer for rows left out: `  … 12 more (--top 0 shows all)`.
    pub fn more(&mut self, shown: usize, total: usize) -> io::Result<()> {
        if total > shown {
            writeln!(self.out, "  … {} more (--top 0 shows all)", count((total - shown) as u64))?;
        }
        Ok(())
    }

    /// A blank line, a title, the table (or `(none)`), and the footer.
    pub fn section(&mut self, title: impl Display, t: &Table, total: usize) -> io::Result<()> {
        self.blank()?;
        self.line(title)?;
        if t.is_empty() {
            return self.line("  (none)");
        }
        self.table(t)?;
        self.more(t.rows().len(), total)
    }

    /// The writer itself, for output that is not lines and tables (a listing).
    pub fn raw(&mut self) -> &mut dyn Write {
        self.out
    }
}

/// `text` with control characters other than newline and tab escaped
/// (`\u{1b}`): text from inputs never drives the terminal.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(
                |c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                },
            )
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(super::visible("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(super::visible("plain\ttext\n"), "plain\ttext\n");
    }
}
