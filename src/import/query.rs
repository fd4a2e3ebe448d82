//! The part of ECS's cluster query language that `memberOf` placement constraints use:
//! comparisons (`==`, `!=`, `in`, `not in`, `=~`, `!~`, `exists`, ordering), joined by
//! `and` / `or` / `not` and parentheses, parsed by recursive descent. `selection` turns an
//! expression into what a workload row can say: `instance_types` glob patterns and `arch`.
//! Comparisons over attributes ecsplan does not model count as true (the plan is looser
//! than ECS, never stricter) and are reported.

use std::fmt;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Comparison),
}

/// `subject operator argument`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub subject: String,
    pub op: Op,
    /// One value, several for `in` / `not in`, none for `exists`.
    pub values: Vec<String>,
    /// The comparison as written, for messages.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Matches,
    NotMatches,
    Exists,
    NotExists,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn negated(self) -> Op {
        match self {
            Op::Eq => Op::Ne,
            Op::Ne => Op::Eq,
            Op::In => Op::NotIn,
            Op::NotIn => Op::In,
            Op::Matches => Op::NotMatches,
            Op::NotMatches => Op::Matches,
            Op::Exists => Op::NotExists,
            Op::NotExists => Op::Exists,
            Op::Gt => Op::Le,
            Op::Le => Op::Gt,
            Op::Ge => Op::Lt,
            Op::Lt => Op::Ge,
        }
    }
}

/// Why an expression cannot be read, with the character column (1-based) where it
/// went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub column: usize,
    pub cause: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.column, self.cause)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenList,
    CloseList,
    Comma,
    /// An operator spelled with symbols: `==`, `!=`, `=~`, `!~`, `!`, `&&`, `||`, `>`, …
    Symbol(&'static str),
    /// A word or a quoted value.
    Word(String),
}

/// Parses a whole expression.
pub fn parse(text: &str) -> Result<Expr, SyntaxError> {
    let mut parser = Parser {
        text,
        tokens: tokens(text)?,
        next: 0,
    };
    let expr = parser.or()?;
    match parser.tokens.get(parser.next) {
        None => Ok(expr),
        Some((at, token)) => Err(SyntaxError {
            column: at + 1,
            cause: format!("unexpected {} after a complete expression", describe(token)),
        }),
    }
}

/// Characters that end a bare word.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || "()[],=!~<>&|'\"".contains(c)
}

fn tokens(text: &str) -> Result<Vec<(usize, Token)>, SyntaxError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let next = chars.get(i + 1).map(|&(_, c)| c);
        let start = i;
        let symbol = |s: &'static str| Token::Symbol(s);
        let (token, len) = match (c, next) {
            (c, _) if c.is_whitespace() => {
                i += 1;
                continue;
            }
            ('(', _) => (Token::Open, 1),
            (')', _) => (Token::Close, 1),
            ('[', _) => (Token::OpenList, 1),
            (']', _) => (Token::CloseList, 1),
            (',', _) => (Token::Comma, 1),
            ('=', Some('=')) => (symbol("=="), 2),
            ('=', Some('~')) => (symbol("=~"), 2),
            ('!', Some('=')) => (symbol("!="), 2),
            ('!', Some('~')) => (symbol("!~"), 2),
            ('!', _) => (symbol("!"), 1),
            ('&', Some('&')) => (symbol("&&"), 2),
            ('|', Some('|')) => (symbol("||"), 2),
            ('>', Some('=')) => (symbol(">="), 2),
            ('<', Some('=')) => (symbol("<="), 2),
            ('>', _) => (symbol(">"), 1),
            ('<', _) => (symbol("<"), 1),
            (quote @ ('\'' | '"'), _) => {
                let end = (i + 1..chars.len()).find(|&j| chars[j].1 == quote).ok_or(SyntaxError {
                    column: i + 1,
                    cause: format!("the quote {quote} is never closed"),
                })?;
                let value: String = chars[i + 1..end].iter().map(|&(_, c)| c).collect();
                (Token::Word(value), end + 1 - i)
            }
            ('=' | '~' | '&' | '|', _) => {
                return Err(SyntaxError {
                    column: i + 1,
                    cause: format!("`{c}` is not an operator (write `==`, `=~`, `&&` or `||`)"),
                })
            }
            _ => {
                let end = (i..chars.len()).find(|&j| ends_word(chars[j].1)).unwrap_or(chars.len());
                let value: String = chars[i..end].iter().map(|&(_, c)| c).collect();
                (Token::Word(value), end - i)
            }
        };
        let pattern_follows = match &token {
            Token::Symbol(s) => matches!(*s, "=~" | "!~"),
            Token::Word(w) => w.eq_ignore_ascii_case("matches") || w.eq_ignore_ascii_case("not_matches"),
            _ => false,
        };
        out.push((chars[start].0, token));
        i += len;
        if pattern_follows {
            // A regular expression is read raw up to the next blank, less the closing
            // parentheses that belong to the expression around it.
            while i < chars.len() && chars[i].1.is_whitespace() {
                i += 1;
            }
            let end = (i..chars.len())
                .find(|&j| chars[j].1.is_whitespace())
                .unwrap_or(chars.len());
            let mut raw: String = chars[i..end].iter().map(|&(_, c)| c).collect();
            while raw.ends_with(')') && raw.matches(')').count() > raw.matches('(').count() {
                raw.pop();
            }
            if !raw.is_empty() {
                out.push((chars[i].0, Token::Word(raw.clone())));
                i += raw.chars().count();
            }
        }
    }
    Ok(out)
}

fn describe(token: &Token) -> String {
    match token {
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::OpenList => "`[`".into(),
        Token::CloseList => "`]`".into(),
        Token::Comma => "`,`".into(),
        Token::Symbol(s) => format!("`{s}`"),
        Token::Word(w) => format!("`{w}`"),
    }
}

struct Parser<'t> {
    text: &'t str,
    tokens: Vec<(usize, Token)>,
    next: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(_, t)| t)
    }

    fn peek_word(&self, offset: usize) -> Option<String> {
        match self.tokens.get(self.next + offset) {
            Some((_, Token::Word(w))) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// Byte offset where the next token starts (the text's end when there is none).
    fn here(&self) -> usize {
        self.tokens.get(self.next).map_or(self.text.len(), |(at, _)| *at)
    }

    fn error(&self, cause: String) -> SyntaxError {
        SyntaxError {
            column: self.text[..self.here()].chars().count() + 1,
            cause,
        }
    }

    fn found(&self) -> String {
        self.peek().map_or("the end of the expression".into(), describe)
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.and()?;
        while matches!(self.peek(), Some(Token::Symbol("||"))) || self.peek_word(0).as_deref() == Some("or") {
            self.next += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.unary()?;
        while matches!(self.peek(), Some(Token::Symbol("&&"))) || self.peek_word(0).as_deref() == Some("and") {
            self.next += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if matches!(self.peek(), Some(Token::Symbol("!"))) || self.peek_word(0).as_deref() == Some("not") {
            self.next += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.next += 1;
            let inner = self.or()?;
            if self.peek() != Some(&Token::Close) {
                return Err(self.error(format!("expected `)`, found {}", self.found())));
            }
            self.next += 1;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.here();
        let subject = match self.peek() {
            Some(Token::Word(w)) => w.clone(),
            _ => {
                return Err(self.error(format!(
                    "expected a subject such as `attribute:ecs.instance-type`, found {}",
                    self.found()
                )))
            }
        };
        self.next += 1;
        let op = self.operator()?;
        let values = match op {
            Op::Exists | Op::NotExists => Vec::new(),
            Op::In | Op::NotIn => self.list()?,
            _ => vec![self.value()?],
        };
        let end = self.tokens.get(self.next).map_or(self.text.len(), |(at, _)| *at);
        Ok(Expr::Compare(Comparison {
            subject,
            op,
            values,
            text: self.text[start..end].trim().to_string(),
        }))
    }

    fn operator(&mut self) -> Result<Op, SyntaxError> {
        let (op, len) = match (self.peek(), self.peek_word(0).as_deref(), self.peek_word(1).as_deref()) {
            (Some(Token::Symbol("==")), ..) | (_, Some("equals"), _) => (Op::Eq, 1),
            (Some(Token::Symbol("!=")), ..) | (_, Some("not_equals"), _) => (Op::Ne, 1),
            (Some(Token::Symbol("=~")), ..) | (_, Some("matches"), _) => (Op::Matches, 1),
            (Some(Token::Symbol("!~")), ..) | (_, Some("not_matches"), _) => (Op::NotMatches, 1),
            (Some(Token::Symbol(">")), ..) | (_, Some("greater_than"), _) => (Op::Gt, 1),
            (Some(Token::Symbol(">=")), ..) | (_, Some("greater_than_equal"), _) => (Op::Ge, 1),
            (Some(Token::Symbol("<")), ..) | (_, Some("less_than"), _) => (Op::Lt, 1),
            (Some(Token::Symbol("<=")), ..) | (_, Some("less_than_equal"), _) => (Op::Le, 1),
            (_, Some("in"), _) => (Op::In, 1),
            (_, Some("not_in"), _) => (Op::NotIn, 1),
            (_, Some("not"), Some("in")) => (Op::NotIn, 2),
            (_, Some("exists"), _) => (Op::Exists, 1),
            (_, Some("not_exists"), _) => (Op::NotExists, 1),
            (Some(Token::Symbol("!")), _, _) => match self.peek_word(1).as_deref() {
                Some("in") => (Op::NotIn, 2),
                Some("exists") => (Op::NotExists, 2),
                _ => return Err(self.error("`!` after a subject must be `!=`, `!~`, `!in` or `!exists`".into())),
            },
            _ => {
                return Err(self.error(format!(
                    "expected an operator (`==`, `!=`, `in`, `not in`, `=~`, `!~`, `exists`), found {}",
                    self.found()
                )))
            }
        };
        self.next += len;
        Ok(op)
    }

    fn value(&mut self) -> Result<String, SyntaxError> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let w = w.clone();
                self.next += 1;
                Ok(w)
            }
            _ => Err(self.error(format!("expected a value, found {}", self.found()))),
        }
    }

    fn list(&mut self) -> Result<Vec<String>, SyntaxError> {
        if self.peek() != Some(&Token::OpenList) {
            // ECS also takes one bare value after `in`.
            return Ok(vec![self.value()?]);
        }
        self.next += 1;
        let mut values = vec![self.value()?];
        loop {
            match self.peek() {
                Some(Token::Comma) => {
                    self.next += 1;
                    values.push(self.value()?);
                }
                Some(Token::CloseList) => {
                    self.next += 1;
                    return Ok(values);
                }
                _ => return Err(self.error(format!("expected `,` or `]` in the list, found {}", self.found()))),
            }
        }
    }
}

/// The expression with every `not` pushed down onto the comparisons (De Morgan), so that
/// replacing a comparison by "true" always makes the whole expression looser.
fn push_negations(expr: Expr, negate: bool) -> Expr {
    match (expr, negate) {
        (Expr::Not(inner), n) => push_negations(*inner, !n),
        (Expr::And(a, b), false) => Expr::And(Box::new(push_negations(*a, false)), Box::new(push_negations(*b, false))),
        (Expr::Or(a, b), false) => Expr::Or(Box::new(push_negations(*a, false)), Box::new(push_negations(*b, false))),
        (Expr::And(a, b), true) => Expr::Or(Box::new(push_negations(*a, true)), Box::new(push_negations(*b, true))),
        (Expr::Or(a, b), true) => Expr::And(Box::new(push_negations(*a, true)), Box::new(push_negations(*b, true))),
        (Expr::Compare(c), false) => Expr::Compare(c),
        (Expr::Compare(c), true) => Expr::Compare(Comparison {
            op: c.op.negated(),
            text: format!("not ({})", c.text),
            ..c
        }),
    }
}

/// Instance types as glob patterns: those included (all when `None`) less those excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSet {
    pub include: Option<Vec<String>>,
    pub exclude: Vec<String>,
}

/// The architectures an expression allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchSet {
    pub x86_64: bool,
    pub arm64: bool,
}

/// What an expression allows, as a row can say it: both parts must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub types: TypeSet,
    pub arch: ArchSet,
}

impl Selection {
    /// Every instance type, either architecture.
    pub fn all() -> Selection {
        Selection {
            types: TypeSet {
                include: None,
                exclude: Vec::new(),
            },
            arch: ArchSet {
                x86_64: true,
                arm64: true,
            },
        }
    }

    fn types_unconstrained(&self) -> bool {
        self.types.include.is_none() && self.types.exclude.is_empty()
    }

    fn arch_unconstrained(&self) -> bool {
        self.arch.x86_64 && self.arch.arm64
    }

    /// Both selections at once, when patterns can say it.
    pub fn and(self, other: Selection) -> Result<Selection, String> {
        let include = match (self.types.include, other.types.include) {
            (None, x) | (x, None) => x,
            (Some(a), Some(b)) => Some(intersect(&a, &b)?),
        };
        let mut exclude = self.types.exclude;
        exclude.extend(
            other
                .types
                .exclude
                .into_iter()
                .filter(|p| !exclude.contains(p))
                .collect::<Vec<_>>(),
        );
        Ok(Selection {
            types: TypeSet { include, exclude },
            arch: ArchSet {
                x86_64: self.arch.x86_64 && other.arch.x86_64,
                arm64: self.arch.arm64 && other.arch.arm64,
            },
        })
    }

    /// Either selection, when patterns can say it.
    fn or(self, other: Selection) -> Result<Selection, String> {
        if self == Selection::all() || other == Selection::all() {
            return Ok(Selection::all());
        }
        if self.types == other.types {
            return Ok(Selection {
                arch: ArchSet {
                    x86_64: self.arch.x86_64 || other.arch.x86_64,
                    arm64: self.arch.arm64 || other.arch.arm64,
                },
                ..self
            });
        }
        if self.arch == other.arch && self.types.exclude == other.types.exclude {
            if let (Some(mut a), Some(b)) = (self.types.include.clone(), other.types.include.clone()) {
                a.extend(b.into_iter().filter(|p| !a.contains(p)).collect::<Vec<_>>());
                return Ok(Selection {
                    types: TypeSet {
                        include: Some(a),
                        exclude: self.types.exclude,
                    },
                    arch: self.arch,
                });
            }
        }
        let why = if !self.types_unconstrained() && !other.arch_unconstrained()
            || !self.arch_unconstrained() && !other.types_unconstrained()
        {
            "an `or` between an instance-type and an architecture condition"
        } else {
            "an `or` over excluded instance types"
        };
        Err(format!("{why} cannot be written as instance_types patterns"))
    }
}

/// Patterns matching what both lists match: one side must be plain names.
fn intersect(a: &[String], b: &[String]) -> Result<Vec<String>, String> {
    let plain = |list: &[String]| list.iter().all(|p| !p.contains(['*', '?', '[']));
    let (names, patterns) = if plain(a) {
        (a, b)
    } else if plain(b) {
        (b, a)
    } else {
        return Err("an `and` of two instance-type patterns cannot be written as instance_types patterns".into());
    };
    let matchers: Vec<globset::GlobMatcher> = patterns
        .iter()
        .filter_map(|p| globset::GlobBuilder::new(p).case_insensitive(true).build().ok())
        .map(|g| g.compile_matcher())
        .collect();
    Ok(names
        .iter()
        .filter(|n| matchers.iter().any(|m| m.is_match(n.as_str())))
        .cloned()
        .collect())
}

/// The two instance attributes ecsplan models.
const INSTANCE_TYPE: &str = "attribute:ecs.instance-type";
const CPU_ARCHITECTURE: &str = "attribute:ecs.cpu-architecture";

/// What `expr` allows, and the comparisons left out because ecsplan does not model their
/// subject (each counts as true). `Err` names what cannot be written as a row.
pub fn selection(expr: Expr) -> Result<(Selection, Vec<String>), String> {
    let mut left_out = Vec::new();
    let selection = select(push_negations(expr, false), &mut left_out)?;
    Ok((selection, left_out))
}

fn select(expr: Expr, left_out: &mut Vec<String>) -> Result<Selection, String> {
    match expr {
        Expr::And(a, b) => select(*a, left_out)?.and(select(*b, left_out)?),
        Expr::Or(a, b) => select(*a, left_out)?.or(select(*b, left_out)?),
        Expr::Not(_) => unreachable!("negations are pushed onto comparisons"),
        Expr::Compare(c) => {
            let subject = c.subject.to_ascii_lowercase();
            if subject == INSTANCE_TYPE {
                instance_type(&c)
            } else if subject == CPU_ARCHITECTURE {
                architecture(&c)
            } else {
                left_out.push(c.text);
                Ok(Selection::all())
            }
        }
    }
}

fn instance_type(c: &Comparison) -> Result<Selection, String> {
    let names = || -> Result<Vec<String>, String> {
        c.values
            .iter()
            .map(|v| {
                if v.contains(['*', '?', '[', ']']) {
                    Err(format!(
                        "`{}` compares whole names, and `{v}` is a pattern: use `=~`",
                        c.text
                    ))
                } else {
                    Ok(v.to_ascii_lowercase())
                }
            })
            .collect()
    };
    let (include, exclude) = match c.op {
        Op::Eq | Op::In => (Some(names()?), Vec::new()),
        Op::Ne | Op::NotIn => (None, names()?),
        Op::Matches => (Some(regex_globs(&c.values[0])?), Vec::new()),
        Op::NotMatches => (None, regex_globs(&c.values[0])?),
        Op::Exists => (None, Vec::new()),
        _ => return Err(format!("`{}` orders instance types, which have no order", c.text)),
    };
    Ok(Selection {
        types: TypeSet { include, exclude },
        ..Selection::all()
    })
}

fn architecture(c: &Comparison) -> Result<Selection, String> {
    let listed = |arch: &str| c.values.iter().any(|v| v.eq_ignore_ascii_case(arch));
    let arch = match c.op {
        Op::Eq | Op::In => ArchSet {
            x86_64: listed("x86_64"),
            arm64: listed("arm64"),
        },
        Op::Ne | Op::NotIn => ArchSet {
            x86_64: !listed("x86_64"),
            arm64: !listed("arm64"),
        },
        Op::Exists => Selection::all().arch,
        _ => return Err(format!("`{}` is not a comparison of architectures", c.text)),
    };
    Ok(Selection {
        arch,
        ..Selection::all()
    })
}

/// Glob patterns matching exactly the names a (whole-name) Java regular expression
/// matches, for the part of the syntax that has one: letters, digits, `-`, `_`, `\.`
/// for a dot, `.` for any character, `.*` and `.+`, `^`/`$` at the ends, and `|`
/// between alternatives (in one group around the whole expression, or none).
fn regex_globs(regex: &str) -> Result<Vec<String>, String> {
    let body = regex.strip_prefix('^').unwrap_or(regex);
    let body = body.strip_suffix('$').filter(|b| !b.ends_with('\\')).unwrap_or(body);
    let body = body
        .strip_prefix('(')
        .and_then(|b| b.strip_suffix(')'))
        .filter(|b| !b.contains(['(', ')']))
        .unwrap_or(body);
    body.split('|')
        .map(|alternative| regex_glob(alternative, regex))
        .collect()
}

fn regex_glob(alternative: &str, regex: &str) -> Result<String, String> {
    let unsupported = |what: &str| {
        format!("the regular expression `{regex}` uses {what}, which has no instance_types pattern; write it with `.`, `.*` and `\\.` only")
    };
    let mut glob = String::new();
    let mut chars = alternative.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('.' | '-' | '_')) => glob.push(escaped),
                _ => return Err(unsupported("an escape other than `\\.`")),
            },
            '.' => match chars.peek() {
                Some('*') => {
                    chars.next();
                    glob.push('*');
                }
                Some('+') => {
                    chars.next();
                    glob.push_str("?*");
                }
                _ => glob.push('?'),
            },
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => {
                if matches!(chars.peek(), Some('*' | '+' | '?' | '{')) {
                    return Err(unsupported(&format!("a repetition of `{c}`")));
                }
                glob.push(c.to_ascii_lowercase());
            }
            other => return Err(unsupported(&format!("`{other}`"))),
        }
    }
    if glob.is_empty() {
        return Err(unsupported("an empty alternative"));
    }
    Ok(glob)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select_text(text: &str) -> Result<(Selection, Vec<String>), String> {
        selection(parse(text).map_err(|e| e.to_string())?)
    }

    fn types(text: &str) -> (Option<Vec<String>>, Vec<String>) {
        let (s, _) = select_text(text).unwrap();
        (s.types.include, s.types.exclude)
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn equality_lists_and_negations_become_inclusions_and_exclusions() {
        assert_eq!(
            types("attribute:ecs.instance-type == t2.small"),
            (Some(strings(&["t2.small"])), vec![])
        );
        assert_eq!(
            types("attribute:ecs.instance-type != t2.small"),
            (None, strings(&["t2.small"]))
        );
        assert_eq!(
            types("attribute:ecs.instance-type in [m5.large, 'c5.large']"),
            (Some(strings(&["m5.large", "c5.large"])), vec![])
        );
        assert_eq!(
            types("attribute:ecs.instance-type not in [m5.large,c5.large]"),
            (None, strings(&["m5.large", "c5.large"]))
        );
        assert_eq!(
            types("attribute:ecs.instance-type !in [m5.large]"),
            (None, strings(&["m5.large"]))
        );
        assert_eq!(
            types("not(attribute:ecs.instance-type == m5.large)"),
            (None, strings(&["m5.large"]))
        );
    }

    #[test]
    fn regular_expressions_become_globs() {
        assert_eq!(
            types("attribute:ecs.instance-type =~ g2.*"),
            (Some(strings(&["g2*"])), vec![])
        );
        assert_eq!(
            types("attribute:ecs.instance-type =~ m5\\..*"),
            (Some(strings(&["m5.*"])), vec![])
        );
        assert_eq!(
            types("attribute:ecs.instance-type =~ ^(m5\\.large|c6g\\..*)$"),
            (Some(strings(&["m5.large", "c6g.*"])), vec![])
        );
    }

    #[test]
    fn a_regex_without_a_pattern_equivalent_is_unsupported() {
        let e = select_text("attribute:ecs.instance-type =~ m5*").unwrap_err();
        assert!(e.contains("a repetition of `5`"), "{e}");
        let e = select_text("attribute:ecs.instance-type =~ m[56].large").unwrap_err();
        assert!(e.contains("uses `[`"), "{e}");
    }

    #[test]
    fn and_or_and_parentheses_combine() {
        let (s, left_out) = select_text(
            "(attribute:ecs.instance-type =~ m5\\..* or attribute:ecs.instance-type == c5.large) and attribute:ecs.cpu-architecture == x86_64 and attribute:ecs.availability-zone != us-east-1d",
        )
        .unwrap();
        assert_eq!(s.types.include, Some(strings(&["m5.*", "c5.large"])));
        assert_eq!(
            s.arch,
            ArchSet {
                x86_64: true,
                arm64: false
            }
        );
        assert_eq!(left_out, ["attribute:ecs.availability-zone != us-east-1d"]);
    }

    #[test]
    fn plain_names_intersect_with_patterns() {
        let (s, _) = select_text(
            "attribute:ecs.instance-type in [m5.large, c5.large] && attribute:ecs.instance-type =~ m5\\..*",
        )
        .unwrap();
        assert_eq!(s.types.include, Some(strings(&["m5.large"])));
    }

    #[test]
    fn an_unmodelled_attribute_under_or_loosens_the_whole_or() {
        let (s, left_out) = select_text("attribute:ecs.instance-type == m5.large or attribute:stack == prod").unwrap();
        assert_eq!(s, Selection::all());
        assert_eq!(left_out, ["attribute:stack == prod"]);
    }

    #[test]
    fn or_across_type_and_architecture_is_unsupported() {
        let e = select_text("attribute:ecs.instance-type == m5.large or attribute:ecs.cpu-architecture == arm64")
            .unwrap_err();
        assert!(e.contains("an instance-type and an architecture condition"), "{e}");
    }

    #[test]
    fn syntax_errors_point_at_the_character() {
        let e = parse("attribute:ecs.instance-type == ").unwrap_err();
        assert_eq!(e.column, 32);
        assert!(e.cause.contains("expected a value"), "{}", e.cause);
        let e = parse("(attribute:ecs.instance-type == m5.large").unwrap_err();
        assert!(e.cause.contains("expected `)`"), "{}", e.cause);
        let e = parse("attribute:ecs.instance-type = m5.large").unwrap_err();
        assert_eq!(e.column, 29);
        let e = parse("attribute:ecs.instance-type in [a b]").unwrap_err();
        assert!(e.cause.contains("expected `,` or `]`"), "{}", e.cause);
    }

    #[test]
    fn word_operators_are_accepted() {
        assert_eq!(
            types("attribute:ecs.instance-type equals m5.large and attribute:ecs.instance-type not_equals m5.xlarge"),
            (Some(strings(&["m5.large"])), strings(&["m5.xlarge"]))
        );
    }
}
