//! Aligned text tables, also written as CSV.

use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    Left,
    Right,
}

/// A column: its title for people, its name for CSV, its alignment.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub title: String,
    pub csv: String,
    pub align: Align,
}

impl Column {
    pub fn right(title: &str, csv: &str) -> Column {
        Column { title: title.to_string(), csv: csv.to_string(), align: Align::Right }
    }
    pub fn left(title: &str, csv: &str) -> Column {
        Column { title: title.to_string(), csv: csv.to_string(), align: Align::Left }
    }
}

/// A table whose cells have a display form and a CSV form.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    rows: Vec<Vec<(String, String)>>,
    /// A style per row, for terminals that take colour.
    styles: Vec<Option<anstyle::Style>>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table { columns, rows: Vec::new(), styles: Vec::new() }
    }

    /// Adds a row of (display, csv) cells.
    pub fn row(&mut self, cells: Vec<(String, String)>) {
        debug_assert_eq!(cells.len(), self.columns.len());
        // a name from an input (a benchmark's, a symbol's) may hold control
        // characters: shown escaped, never sent to the terminal as they are
        let cells = cells.into_iter().map(|(text, csv)| (crate::text::visible(&text).into_owned(), csv)).collect();
        self.rows.push(cells);
        self.styles.push(None);
    }

    /// Styles the last row added, in [`Table::write_text`] with colour only;
    /// CSV is never coloured.
    pub fn style_last(&mut self, style: Option<anstyle::Style>) {
        if let Some(c) = self.styles.last_mut() {
            *c = style;
        }
    }

    /// The first `top` rows (all when `top` is 0), as a table of their own.
    pub fn first(&self, top: usize) -> Table {
        let n = if top == 0 { self.rows.len() } else { top.min(self.rows.len()) };
        Table { columns: self.columns.clone(), rows: self.rows[..n].to_vec(), styles: self.styles[..n].to_vec() }
    }

    /// The rows: (display, csv) cells.
    pub fn rows(&self) -> &[Vec<(String, String)>] {
        &self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the table aligned, rows styled when `colour`. The last column,
    /// when it is left-aligned (names), is cut to fit `width` with a trailing `…`.
    pub fn write_text(&self, out: &mut dyn Write, indent: usize, width: Option<usize>, colour: bool) -> io::Result<()> {
        let n = self.columns.len();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.title.chars().count()).collect();
        for row in &self.rows {
            for (i, (cell, _)) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let last_flex = self.columns.last().is_some_and(|c| c.align == Align::Left);
        let fixed: usize = indent + widths[..n.saturating_sub(1)].iter().map(|w| w + 2).sum::<usize>();
        let last_max = match (width, last_flex) {
            (Some(w), true) => Some(w.saturating_sub(fixed).max(20)),
            _ => None,
        };
        let pad = " ".repeat(indent);
        let titles: Vec<String> = self.columns.iter().map(|c| c.title.clone()).collect();
        write_line(out, &pad, &titles, &self.columns, &widths, last_max)?;
        for (row, style) in self.rows.iter().zip(&self.styles) {
            let cells: Vec<String> = row.iter().map(|(d, _)| d.clone()).collect();
            match style {
                Some(style) if colour => {
                    let mut line = Vec::new();
                    write_line(&mut line, &pad, &cells, &self.columns, &widths, last_max)?;
                    let text = String::from_utf8_lossy(&line);
                    writeln!(out, "{}{}{}", style.render(), text.trim_end_matches('\n'), style.render_reset())?;
                }
                _ => write_line(out, &pad, &cells, &self.columns, &widths, last_max)?,
            }
        }
        Ok(())
    }

    /// Writes the table as CSV with the columns' CSV names as header.
    pub fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.columns.iter().map(|c| c.csv.as_str())).map_err(csv_err)?;
        for row in &self.rows {
            w.write_record(row.iter().map(|(_, c)| c.as_str())).map_err(csv_err)?;
        }
        w.flush()
    }
}

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

fn write_line(
    out: &mut dyn Write,
    pad: &str,
    cells: &[String],
    columns: &[Column],
    widths: &[usize],
    last_max: Option<usize>,
) -> io::Result<()> {
    let mut line = String::from(pad);
    let n = cells.len();
    for (i, cell) in cells.iter().enumerate() {
        let last = i + 1 == n;
        let text = match (last, last_max) {
            (true, Some(max)) if cell.chars().count() > max => {
                let mut t: String = cell.chars().take(max.saturating_sub(1)).collect();
                t.push('…');
                t
            }
            _ => cell.clone(),
        };
        let len = text.chars().count();
        let fill = widths[i].saturating_sub(len);
        match columns[i].align {
            Align::Right => {
                line.push_str(&" ".repeat(fill));
                line.push_str(&text);
            }
            Align::Left if last => line.push_str(&text),
            Align::Left => {
                line.push_str(&text);
                line.push_str(&" ".repeat(fill));
            }
        }
        if !last {
            line.push_str("  ");
        }
    }
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(vec![Column::right("time", "time_us"), Column::left("function", "function")]);
        t.row(vec![("1.2 ms".into(), "1200".into()), ("a::b".into(), "a::b".into())]);
        t.row(vec![
            ("30 µs".into(), "30".into()),
            ("a::very::long::name::that::goes::on::and::on".into(), "x,y".into()),
        ]);
        t
    }

    #[test]
    fn aligned_text() {
        let mut out = Vec::new();
        sample().write_text(&mut out, 2, None, false).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(
            text,
            "    time  function\n  1.2 ms  a::b\n   30 µs  a::very::long::name::that::goes::on::and::on\n"
        );
        let mut out = Vec::new();
        sample().write_text(&mut out, 0, Some(30), false).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert!(text.lines().all(|l| l.chars().count() <= 30), "{text}");
        assert!(text.contains('…'));
    }

    #[test]
    fn csv_quotes() {
        let mut out = Vec::new();
        sample().write_csv(&mut out).expect("write");
        assert_eq!(String::from_utf8(out).expect("utf8"), "time_us,function\n1200,a::b\n30,\"x,y\"\n");
    }
}

/// The one-row table of a command whose result is a file it wrote
/// (`--format csv` of `flamegraph`, `chrome` …): the file, its size, and
/// counts named by `counts` (CSV name, value).
pub fn written(output: &str, bytes: u64, counts: &[(&str, u64)]) -> Table {
    let mut cols = vec![Column::left("output", "output"), Column::right("bytes", "bytes")];
    cols.extend(counts.iter().map(|(name, _)| Column::right(name, name)));
    let mut t = Table::new(cols);
    let mut row = vec![crate::cells::text(output), crate::cells::bytes(bytes)];
    row.extend(counts.iter().map(|(_, n)| crate::cells::count(*n)));
    t.row(row);
    t
}
