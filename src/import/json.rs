//! JSON files read with serde, their errors given as file, line and column, and a small
//! walker that finds where a value sits in the text (serde keeps no positions), so that
//! each problem found after reading still points at its place in the file.

use serde::de::DeserializeOwned;

use crate::input::Diagnostic;

/// A JSON file read as text, kept for locating values in it.
#[derive(Debug, Clone)]
pub struct JsonFile {
    /// The path as the user gave it.
    pub name: String,
    pub text: String,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'k> {
    Key(&'k str),
    Index(usize),
}

impl JsonFile {
    /// Reads a file; `what` says what it should hold, for the fix.
    pub fn read(path: &std::path::Path, what: &str) -> Result<JsonFile, Diagnostic> {
        let name = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok(JsonFile::new(name, text)),
                Err(_) => Err(Diagnostic {
                    file: name,
                    line: 0,
                    column: 0,
                    cause: "the file is not UTF-8 text".into(),
                    fix: format!("give the file {what} prints, unchanged"),
                }),
            },
            Err(e) => Err(Diagnostic {
                file: name,
                line: 0,
                column: 0,
                cause: format!("cannot read the file: {e}"),
                fix: "check the path".into(),
            }),
        }
    }

    pub fn new(name: String, text: String) -> JsonFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        JsonFile {
            name,
            text,
            line_starts,
        }
    }

    /// The document as `T`, or the first problem in it with its line and column.
    pub fn parse<T: DeserializeOwned>(&self, what: &str) -> Result<T, Diagnostic> {
        let text = self.text.strip_prefix('\u{feff}').unwrap_or(&self.text);
        serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let cause = match message.rfind(" at line ") {
                Some(at) => &message[..at],
                None => &message,
            };
            let (cause, fix) = match e.classify() {
                serde_json::error::Category::Data => (
                    format!("a value has the wrong shape: {cause}"),
                    format!("give the file {what} prints, unchanged"),
                ),
                _ => (
                    format!("malformed JSON: {cause}"),
                    format!("give the file {what} prints, unchanged (`--output json`)"),
                ),
            };
            Diagnostic {
                file: self.name.clone(),
                line: e.line() as u64,
                column: e.column() as u64,
                cause,
                fix,
            }
        })
    }

    /// The 1-based line and character column of the value at `path`; `(0, 0)` when the
    /// path is not in the document.
    pub fn position(&self, path: &[Step]) -> (u64, u64) {
        let mut walker = Walker::new(&self.text);
        walker.find(path).map_or((0, 0), |offset| self.line_column(offset))
    }

    /// The positions of the elements of the array at `path`, in order.
    pub fn element_positions(&self, path: &[Step]) -> Vec<(u64, u64)> {
        let mut walker = Walker::new(&self.text);
        let Some(offset) = walker.find(path) else {
            return Vec::new();
        };
        walker.at = offset;
        walker
            .elements()
            .into_iter()
            .map(|offset| self.line_column(offset))
            .collect()
    }

    fn line_column(&self, offset: usize) -> (u64, u64) {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (line as u64, column as u64)
    }
}

/// Walks a document that serde has already read, so it is well formed.
struct Walker<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Walker<'t> {
    fn new(text: &'t str) -> Walker<'t> {
        let mut w = Walker {
            bytes: text.as_bytes(),
            at: 0,
        };
        if text.starts_with('\u{feff}') {
            w.at = 3;
        }
        w
    }

    fn blank(&mut self) {
        while self.bytes.get(self.at).is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    /// The offset of the value at `path` from the current value.
    fn find(&mut self, path: &[Step]) -> Option<usize> {
        self.blank();
        let Some((step, rest)) = path.split_first() else {
            return Some(self.at);
        };
        match (step, self.bytes.get(self.at)?) {
            (Step::Key(key), b'{') => {
                self.at += 1;
                loop {
                    self.blank();
                    if self.bytes.get(self.at)? == &b'}' {
                        return None;
                    }
                    let name = self.string()?;
                    self.blank();
                    self.at += 1; // ':'
                    if name == key.as_bytes() {
                        return self.find(rest);
                    }
                    self.skip()?;
                    self.blank();
                    if self.bytes.get(self.at)? == &b',' {
                        self.at += 1;
                    }
                }
            }
            (Step::Index(index), b'[') => {
                let offset = *self.elements().get(*index)?;
                self.at = offset;
                self.find(rest)
            }
            _ => None,
        }
    }

    /// The offsets of the elements of the array here.
    fn elements(&mut self) -> Vec<usize> {
        let mut offsets = Vec::new();
        self.blank();
        if self.bytes.get(self.at) != Some(&b'[') {
            return offsets;
        }
        self.at += 1;
        loop {
            self.blank();
            match self.bytes.get(self.at) {
                None | Some(b']') => return offsets,
                Some(b',') => self.at += 1,
                Some(_) => {
                    offsets.push(self.at);
                    if self.skip().is_none() {
                        return offsets;
                    }
                }
            }
        }
    }

    /// The raw bytes of the string here, quotes excluded.
    fn string(&mut self) -> Option<&'t [u8]> {
        let start = self.at + 1;
        let mut i = start;
        loop {
            match self.bytes.get(i)? {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        self.at = i + 1;
        Some(&self.bytes[start..i])
    }

    /// Moves past the value here.
    fn skip(&mut self) -> Option<()> {
        self.blank();
        match self.bytes.get(self.at)? {
            b'"' => {
                self.string()?;
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.bytes.get(self.at)? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| !b.is_ascii_whitespace() && !b",]}".contains(b))
                {
                    self.at += 1;
                }
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_path() {
        let file = JsonFile::new(
            "f.json".into(),
            "{\n  \"a\": \"x]\\\"\",\n  \"services\": [\n    {\"n\": [1, {\"k\": 2}]},\n    {\"n\": 3}\n  ]\n}\n"
                .into(),
        );
        assert_eq!(file.position(&[Step::Key("services")]), (3, 15));
        assert_eq!(file.element_positions(&[Step::Key("services")]), [(4, 5), (5, 5)]);
        assert_eq!(
            file.position(&[
                Step::Key("services"),
                Step::Index(0),
                Step::Key("n"),
                Step::Index(1),
                Step::Key("k")
            ]),
            (4, 21)
        );
        assert_eq!(file.position(&[Step::Key("missing")]), (0, 0));
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let file = JsonFile::new(
            "f.json".into(),
            "{\n  \"services\": [\n    {\"serviceName\": \"a\",}\n".into(),
        );
        let d = file
            .parse::<serde_json::Value>("aws ecs describe-services")
            .unwrap_err();
        assert_eq!((d.line, d.column), (3, 25));
        assert!(d.cause.starts_with("malformed JSON: trailing comma"), "{}", d.cause);
    }
}
