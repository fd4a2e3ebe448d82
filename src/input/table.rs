//! The CSV layer both input files share: a header of known columns and rows whose every
//! field keeps the line and character column it starts at, so that each problem found in
//! a value can point at the text that causes it.

use std::path::Path;

use super::Diagnostic;

/// The columns one kind of input file has.
pub(crate) struct Schema {
    /// Columns that must be in the header.
    pub required: &'static [&'static str],
    /// Columns that may be in the header.
    pub optional: &'static [&'static str],
    /// What one row describes ("service", "instance type"), for messages.
    pub row_noun: &'static str,
}

impl Schema {
    fn columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.required.iter().chain(self.optional).copied()
    }

    fn header_fix(&self) -> String {
        format!(
            "write a header row with the columns {} (optional: {})",
            self.required.join(","),
            self.optional.join(",")
        )
    }
}

/// One field of a row: its trimmed text and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cell {
    pub text: String,
    pub line: u64,
    pub column: u64,
}

/// One data row: its fields in header order.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub line: u64,
    cells: Vec<Cell>,
}

/// A CSV file read against a schema: the data rows whose field count matches the header.
#[derive(Debug)]
pub(crate) struct Table {
    /// For each schema column (required, then optional), its index in the header.
    index: Vec<(&'static str, usize)>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Reads `text` against `schema`. Every problem with the header and the shape of the
    /// rows goes to `diagnostics`; rows with the wrong number of fields are left out so
    /// that their misaligned values raise no further noise. Returns `None` when there is
    /// no header at all.
    pub fn read(text: &str, file: &str, schema: &Schema, diagnostics: &mut Vec<Diagnostic>) -> Option<Table> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let problem = |line: u64, column: u64, cause: String, fix: String| Diagnostic {
            file: file.to_string(),
            line,
            column,
            cause,
            fix,
        };
        let mut records = records(text, file, diagnostics).into_iter();
        let Some(header) = records.next() else {
            diagnostics.push(problem(0, 0, "the file is empty".into(), schema.header_fix()));
            return None;
        };

        let mut index = Vec::new();
        for (i, cell) in header.cells.iter().enumerate() {
            let name = cell.text.to_ascii_lowercase();
            match schema.columns().find(|c| *c == name) {
                Some(known) => match index.iter().find(|(c, _)| *c == known) {
                    Some(&(_, first)) => diagnostics.push(problem(
                        cell.line,
                        cell.column,
                        format!(
                            "the column `{known}` appears twice (columns {} and {})",
                            first + 1,
                            i + 1
                        ),
                        "keep one of them".into(),
                    )),
                    None => index.push((known, i)),
                },
                None => {
                    let fix = match closest(&name, schema.columns()) {
                        Some(near) => format!("did you mean `{near}`? Rename the column"),
                        None => format!(
                            "remove the column, or rename it to one of {}",
                            schema.columns().collect::<Vec<_>>().join(", ")
                        ),
                    };
                    diagnostics.push(problem(
                        cell.line,
                        cell.column,
                        format!("unknown column `{}`", cell.text),
                        fix,
                    ));
                }
            }
        }
        let missing: Vec<&str> = schema
            .required
            .iter()
            .copied()
            .filter(|c| !index.iter().any(|(known, _)| known == c))
            .collect();
        if !missing.is_empty() {
            let list = missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
            let (noun, verb) = if missing.len() == 1 {
                ("column", "is")
            } else {
                ("columns", "are")
            };
            diagnostics.push(problem(
                header.line,
                1,
                format!("the required {noun} {list} {verb} missing from the header"),
                schema.header_fix(),
            ));
        }

        let width = header.cells.len();
        let mut rows = Vec::new();
        let mut any_row = false;
        for record in records {
            any_row = true;
            if record.cells.len() != width {
                diagnostics.push(problem(
                    record.line,
                    record.cells.get(width).map_or(0, |c| c.column),
                    format!(
                        "this {} has {} fields, the header has {width}",
                        schema.row_noun,
                        record.cells.len()
                    ),
                    "write one value per header column, leaving optional ones empty (`a,,b`), and quote a value that holds a comma".into(),
                ));
                continue;
            }
            rows.push(record);
        }
        if !any_row {
            diagnostics.push(problem(
                0,
                0,
                format!("the file has a header but no {} rows", schema.row_noun),
                format!("add one row per {} below the header", schema.row_noun),
            ));
        }
        Some(Table { index, rows })
    }

    /// The field of `row` in `column`, or `None` when the header lacks the column.
    pub fn cell<'r>(&self, row: &'r Row, column: &str) -> Option<&'r Cell> {
        self.index
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|&(_, i)| row.cells.get(i))
    }
}

/// The fields of one row, read by column name, with the problems found in them collected.
pub(crate) struct Fields<'t, 'd> {
    table: &'t Table,
    pub row: &'t Row,
    file: &'t str,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl<'t, 'd> Fields<'t, 'd> {
    pub fn new(table: &'t Table, row: &'t Row, file: &'t str, diagnostics: &'d mut Vec<Diagnostic>) -> Self {
        Fields {
            table,
            row,
            file,
            diagnostics,
        }
    }

    /// The field in `column`, or `None` when the header lacks it.
    pub fn cell(&self, column: &str) -> Option<&'t Cell> {
        self.table.cell(self.row, column)
    }

    /// The trimmed text in `column`; empty when the header lacks it.
    pub fn text(&self, column: &str) -> &'t str {
        self.cell(column).map_or("", |c| c.text.as_str())
    }

    /// Records a problem with `cell`.
    pub fn report(&mut self, cell: &Cell, cause: String, fix: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            file: self.file.to_string(),
            line: cell.line,
            column: cell.column,
            cause,
            fix: fix.into(),
        });
    }

    /// A required whole number in `0..=max`; `None` when it is missing or wrong (reported
    /// with `fix`, unless the whole column is missing: the header's problem says so).
    pub fn number(&mut self, column: &str, max: u64, fix: &str) -> Option<u64> {
        let cell = self.cell(column)?;
        whole_number(cell, column, max)
            .map_err(|cause| self.report(cell, cause, fix))
            .ok()
    }

    /// A required price per hour in US dollars, 0 or more; `None` when it is missing or
    /// wrong (reported).
    pub fn price(&mut self, column: &str) -> Option<f64> {
        let cell = self.cell(column)?;
        match cell.text.parse::<f64>() {
            Ok(p) if p.is_finite() && p >= 0.0 => Some(p),
            _ => {
                self.report(
                    cell,
                    format!("`{column}` is `{}`, not a price of 0 or more", cell.text),
                    "write the price per hour in US dollars, e.g. 0.096",
                );
                None
            }
        }
    }

    /// An optional whole number in `0..=max`: `Some(None)` when empty or absent.
    pub fn optional_number(&mut self, column: &str, max: u64, fix: &str) -> Option<Option<u64>> {
        match self.cell(column) {
            Some(cell) if !cell.text.is_empty() => self.number(column, max, fix).map(Some),
            _ => Some(None),
        }
    }
}

/// The records of `text`, blank ones skipped, each field with its position.
fn records(text: &str, file: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // The line at byte `counted`: the reader's own line count misses a CR line ending.
    let (mut counted, mut line) = (0usize, 1u64);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                diagnostics.push(Diagnostic {
                    file: file.to_string(),
                    line: e.position().map_or(0, |p| p.line()),
                    column: 0,
                    cause: format!("unreadable row: {e}"),
                    fix: "save the file as UTF-8 CSV".into(),
                });
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let start = record
            .position()
            .expect("records read from a reader have a position")
            .byte() as usize;
        line += (counted..start).filter(|&i| is_line_break(text, i)).count() as u64;
        counted = start;
        let (starts, unclosed) = field_starts(text, start, line);
        debug_assert_eq!(starts.len(), record.len());
        if let Some((line, column)) = unclosed {
            diagnostics.push(Diagnostic {
                file: file.to_string(),
                line,
                column,
                cause: "a quoted value opened here is never closed: the rest of the file was read into it".into(),
                fix: "close the value with `\"`, and write a quote inside a quoted value as `\"\"`".into(),
            });
        }
        let row_line = starts[0].0;
        let cells = record
            .iter()
            .zip(starts)
            .map(|(text, (line, column))| Cell {
                text: text.trim().to_string(),
                line,
                column,
            })
            .collect();
        rows.push(Row { line: row_line, cells });
    }
    rows
}

/// A line and a character column, both 1-based.
type Position = (u64, u64);

/// Whether the byte at `i` ends a line: a LF, or a CR not followed by a LF.
fn is_line_break(text: &str, i: usize) -> bool {
    let bytes = text.as_bytes();
    bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// Where each field of the record read from byte `start` (on `line`) begins, as (line,
/// character column), following the quoting rules of the `csv` reader: a quote opens a
/// quoted value only at the start of a field, `""` inside one is a literal quote, and a
/// line break inside one belongs to the value. The reader may place a record at the line
/// ending before it; that is skipped. Also returns where an unclosed quoted value starts.
fn field_starts(text: &str, start: usize, mut line: u64) -> (Vec<Position>, Option<Position>) {
    let mut chars = text[start..].char_indices().map(|(i, c)| (start + i, c)).peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c != '\r' && c != '\n' {
            break;
        }
        line += u64::from(is_line_break(text, i));
        chars.next();
    }
    let mut column = 1u64;
    let mut starts = vec![(line, column)];
    let mut quoted_since: Option<Position> = None;
    let mut at_field_start = true;
    while let Some((i, c)) = chars.next() {
        let here = (line, column);
        column += 1;
        if quoted_since.is_some() {
            match c {
                '"' if chars.peek().is_some_and(|&(_, next)| next == '"') => {
                    chars.next();
                    column += 1;
                }
                '"' => quoted_since = None,
                '\r' | '\n' if is_line_break(text, i) => (line, column) = (line + 1, 1),
                _ => {}
            }
        } else {
            match c {
                ',' => {
                    starts.push((line, column));
                    at_field_start = true;
                    continue;
                }
                '\n' | '\r' => break,
                '"' if at_field_start => quoted_since = Some(here),
                _ => {}
            }
        }
        at_field_start = false;
    }
    (starts, quoted_since)
}

/// Reads a file as UTF-8 text, or says why it cannot be read, with `fix`.
pub(crate) fn read_text(path: &Path, file: &str, fix: &str) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| whole_file(file, format!("cannot read the file: {e}"), fix))?;
    decode(bytes, file)
}

/// Reads standard input to its end as UTF-8 text, or says why it cannot be read.
pub(crate) fn read_stdin(file: &str, fix: &str) -> Result<String, Diagnostic> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
        .map_err(|e| whole_file(file, format!("cannot read standard input: {e}"), fix))?;
    decode(bytes, file)
}

fn whole_file(file: &str, cause: String, fix: &str) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line: 0,
        column: 0,
        cause,
        fix: fix.to_string(),
    }
}

/// `bytes` as UTF-8 text, or where the first byte that is not UTF-8 sits.
fn decode(bytes: Vec<u8>, file: &str) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The bytes before the first invalid one are valid UTF-8.
        let before = std::str::from_utf8(valid).unwrap_or_default();
        Diagnostic {
            file: file.to_string(),
            line: before.matches('\n').count() as u64 + 1,
            column: before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1,
            cause: "the file is not UTF-8 text".into(),
            fix: "save it as UTF-8 (in a spreadsheet, export as \"CSV UTF-8\")".into(),
        }
    })
}

/// The candidate closest to `name`, if one is close enough to be what was meant: one edit
/// away (two for names longer than four characters; swapping neighbours is one edit), or
/// one containing the other, ignoring case, `_`, `-` and spaces.
pub(crate) fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let squash = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = squash(name);
    let allowed = if wanted.len() > 4 { 2 } else { 1 };
    candidates
        .filter_map(|c| {
            let have = squash(c);
            let d = edit_distance(&wanted, &have);
            let contains =
                |long: &[char], short: &[char]| short.len() >= 3 && long.windows(short.len()).any(|w| w == short);
            (d <= allowed || contains(&have, &wanted) || contains(&wanted, &have)).then_some((d, c))
        })
        .filter(|_| !wanted.is_empty())
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Edit distance counting insertions, deletions, substitutions and swaps of neighbours
/// (optimal string alignment).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// A whole number in `0..=max` from a cell, or the cause of the problem (naming `column`
/// and quoting the value).
pub(crate) fn whole_number(cell: &Cell, column: &str, max: u64) -> Result<u64, String> {
    let text = cell.text.as_str();
    if text.is_empty() {
        return Err(format!("`{column}` is empty"));
    }
    let beyond = || format!("`{column}` is `{text}`, beyond the largest allowed value {max}");
    match text.parse::<i128>() {
        Ok(n) if n < 0 => Err(format!("`{column}` is `{text}`, a negative number")),
        Ok(n) if n > i128::from(max) => Err(beyond()),
        Ok(n) => Ok(n as u64),
        Err(_) if text.trim_start_matches('+').chars().all(|c| c.is_ascii_digit()) => Err(beyond()),
        Err(_) if text.parse::<f64>().is_ok_and(f64::is_finite) => {
            Err(format!("`{column}` is `{text}`, not a whole number"))
        }
        Err(_) => Err(format!("`{column}` is `{text}`, not a number")),
    }
}

/// `true` or `false` in any case; empty is `None`.
pub(crate) fn boolean(text: &str) -> Result<Option<bool>, ()> {
    if text.is_empty() {
        Ok(None)
    } else if text.eq_ignore_ascii_case("true") {
        Ok(Some(true))
    } else if text.eq_ignore_ascii_case("false") {
        Ok(Some(false))
    } else {
        Err(())
    }
}

/// The non-empty, trimmed entries of a `;`-separated list.
pub(crate) fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema = Schema {
        required: &["name", "size"],
        optional: &["note"],
        row_noun: "thing",
    };

    fn read(text: &str) -> (Option<Table>, Vec<Diagnostic>) {
        let mut d = Vec::new();
        (Table::read(text, "t.csv", &SCHEMA, &mut d), d)
    }

    fn at(d: &[Diagnostic]) -> Vec<(u64, u64)> {
        d.iter().map(|d| (d.line, d.column)).collect()
    }

    #[test]
    fn columns_in_any_order_with_bom_and_crlf() {
        let (t, d) = read("\u{feff}Size,name\r\n3,a\r\n4,b\r\n");
        assert!(d.is_empty(), "{d:?}");
        let t = t.unwrap();
        let cells: Vec<_> = t.rows.iter().map(|r| t.cell(r, "name").unwrap().text.clone()).collect();
        assert_eq!(cells, ["a", "b"]);
        let size = t.cell(&t.rows[1], "size").unwrap();
        assert_eq!((size.line, size.column), (3, 1));
        assert!(t.cell(&t.rows[0], "note").is_none());
    }

    #[test]
    fn columns_count_characters_and_follow_quotes_across_lines() {
        let text = "name,size,note\n\"é, \"\"x\"\"\",  7,z\n\"two\nlines\",8,ü\n";
        let (t, d) = read(text);
        assert!(d.is_empty(), "{d:?}");
        let t = t.unwrap();
        let pos = |r: usize, c: &str| {
            let cell = t.cell(&t.rows[r], c).unwrap();
            (cell.text.clone(), cell.line, cell.column)
        };
        assert_eq!(pos(0, "name"), ("é, \"x\"".to_string(), 2, 1));
        assert_eq!(pos(0, "size"), ("7".to_string(), 2, 12));
        assert_eq!(pos(0, "note"), ("z".to_string(), 2, 16));
        assert_eq!(pos(1, "size"), ("8".to_string(), 4, 8));
        assert_eq!(pos(1, "note"), ("ü".to_string(), 4, 10));
        assert_eq!(t.rows[1].line, 3);
    }

    #[test]
    fn old_mac_line_endings_count_lines_too() {
        let (t, d) = read("name,size\ra,1\r\rb,2\r");
        assert!(d.is_empty(), "{d:?}");
        let t = t.unwrap();
        let at: Vec<(u64, u64)> = t
            .rows
            .iter()
            .map(|r| (r.line, t.cell(r, "size").unwrap().column))
            .collect();
        assert_eq!(at, [(2, 3), (4, 3)]);
    }

    #[test]
    fn text_that_is_not_utf8_is_named_where_it_breaks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.csv");
        std::fs::write(&path, b"name,size\ncaf\xe9,1\n").unwrap();
        let d = read_text(&path, "latin1.csv", "fix").unwrap_err();
        assert_eq!(
            (d.line, d.column, d.cause.as_str()),
            (2, 4, "the file is not UTF-8 text")
        );
        let d = read_text(&dir.path().join("missing.csv"), "missing.csv", "check the path").unwrap_err();
        assert_eq!((d.line, d.column, d.fix.as_str()), (0, 0, "check the path"));
    }

    #[test]
    fn header_problems_are_all_reported() {
        let (_, d) = read("nmae,Name,name,colour\n");
        let causes: Vec<&str> = d.iter().map(|d| d.cause.as_str()).collect();
        assert_eq!(
            causes,
            [
                "unknown column `nmae`",
                "the column `name` appears twice (columns 2 and 3)",
                "unknown column `colour`",
                "the required column `size` is missing from the header",
                "the file has a header but no thing rows",
            ]
        );
        assert_eq!(at(&d), [(1, 1), (1, 11), (1, 16), (1, 1), (0, 0)]);
        assert!(d[0].fix.contains("did you mean `name`"), "{}", d[0].fix);
    }

    #[test]
    fn empty_file_and_wrong_field_counts() {
        let (t, d) = read("");
        assert!(t.is_none());
        assert_eq!(at(&d), [(0, 0)]);
        let (t, d) = read("\u{feff}\r\n");
        assert!(t.is_none());
        assert_eq!(d[0].cause, "the file is empty");
        let (t, d) = read("name,size\na,1,extra\nb\n\n , \nc,2\n");
        assert_eq!(t.unwrap().rows.len(), 1);
        assert_eq!(d[0].cause, "this thing has 3 fields, the header has 2");
        assert_eq!(at(&d), [(2, 5), (3, 0)]);
    }

    #[test]
    fn rows_of_the_wrong_width_are_not_a_missing_body() {
        let (t, d) = read("name,size\na,1,2\n");
        assert!(t.unwrap().rows.is_empty());
        assert_eq!(d.len(), 1, "{d:?}");
    }

    #[test]
    fn an_unclosed_quote_is_named_where_it_opens() {
        let (_, d) = read("name,size\na,\"1\nb,2\n");
        assert_eq!(at(&d)[0], (2, 3));
        assert!(d[0].cause.contains("never closed"));
    }

    #[test]
    fn whole_numbers_name_the_problem() {
        let cell = |t: &str| Cell {
            text: t.into(),
            line: 2,
            column: 1,
        };
        assert_eq!(whole_number(&cell("42"), "cpu", 100), Ok(42));
        assert_eq!(whole_number(&cell(""), "cpu", 100), Err("`cpu` is empty".into()));
        assert_eq!(
            whole_number(&cell("-1"), "cpu", 100),
            Err("`cpu` is `-1`, a negative number".into())
        );
        assert_eq!(
            whole_number(&cell("1.5"), "cpu", 100),
            Err("`cpu` is `1.5`, not a whole number".into())
        );
        assert_eq!(
            whole_number(&cell("two"), "cpu", 100),
            Err("`cpu` is `two`, not a number".into())
        );
        let huge = "9".repeat(60);
        assert!(whole_number(&cell(&huge), "cpu", 100)
            .unwrap_err()
            .contains("beyond the largest allowed value 100"));
        assert!(whole_number(&cell("101"), "cpu", 100).unwrap_err().contains("beyond"));
    }

    #[test]
    fn suggestions_are_close_names_only() {
        let names = ["service", "memory_mib", "host_ports", "network_mode", "count"];
        assert_eq!(closest("servce", names.into_iter()), Some("service"));
        assert_eq!(closest("Memory", names.into_iter()), Some("memory_mib"));
        assert_eq!(closest("ports", names.into_iter()), Some("host_ports"));
        assert_eq!(closest("networkmode", names.into_iter()), Some("network_mode"));
        assert_eq!(closest("colour", names.into_iter()), None);
        assert_eq!(closest("", names.into_iter()), None);
        let families = ["c5", "c6i", "m6i", "m6g", "g5"];
        assert_eq!(closest("m6f", families.into_iter()), Some("m6i"));
        assert_eq!(closest("c9z", families.into_iter()), None);
        assert_eq!(closest("6mi", families.into_iter()), Some("m6i"));
    }

    #[test]
    fn lists_and_booleans() {
        assert_eq!(list(" 80; ;443;").collect::<Vec<_>>(), ["80", "443"]);
        assert_eq!(boolean("TRUE"), Ok(Some(true)));
        assert_eq!(boolean("False"), Ok(Some(false)));
        assert_eq!(boolean(""), Ok(None));
        assert_eq!(boolean("yes"), Err(()));
    }
}
