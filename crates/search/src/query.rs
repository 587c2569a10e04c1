//! A parser for the Lucene/Solr query syntax that CKAN clients send in
//! `package_search`'s `q` and `fq` parameters.
//!
//! The grammar is Lucene's classic syntax as Solr accepts it, simplified:
//!
//! ```text
//! query    = or-group
//! or-group = and-group { ("OR" | "||") and-group }
//! and-group= clause { ["AND" | "&&"] clause }          (juxtaposition means AND)
//! clause   = [ "+" | "-" | "!" | "NOT" ] primary         (`+`/`-` directly before the primary)
//! primary  = "(" or-group ")" [boost]
//!          | field ":" value
//!          | phrase | word                              (searched in the default field)
//! value    = "(" or-group ")" [boost] | phrase | range | word
//! range    = ("[" | "{") bound "TO" bound ("]" | "}") [boost]
//! ```
//!
//! Details worth knowing:
//!
//! - `AND`, `OR`, `NOT`, `&&`, `||`, `!`, `+` and `-` are operators only where a
//!   clause may start; inside a word (`so-y-te`, `C++`, `a&&b`) they are ordinary
//!   characters. `+`/`-` must touch their clause (`a - b` is refused), `NOT`/`!`
//!   may be followed by a space. Inside an or-branch, `+` is the same as nothing.
//! - After `field:` (spaces allowed) the value is taken literally: colons,
//!   operators and keywords are part of it (`time:12:30`, `t:-5`, `url:http://x`).
//! - Nested and-groups and or-groups are spliced into their parent
//!   (`a (b c)` is `a b c`), which does not change what matches.
//! - A well-formed trailing boost/fuzziness chain (`^2.5`, `~`, `~1^3`) is
//!   dropped from words; a malformed one stays part of the word (`x^y`). After a
//!   phrase, group or range a malformed suffix is an error, and `~` is only
//!   accepted after phrases.
//! - A clause or value starting with `/` followed by anything but `/` is a
//!   regular expression and is refused; `//x.vn` and a lone `/` are words.
//! - Inside `field:( … )`, a lone `*` means `field:*`; `*:*` stays match-all.
//!
//! Limits ([`MAX_QUERY_CHARS`], [`MAX_DEPTH`], [`MAX_CLAUSES`]) keep hostile
//! queries cheap: parsing is linear in the input, recursion is bounded by the
//! nesting limit, and the parser never panics or slices inside a character.

use std::ops::Bound;

/// How a clause takes part in a boolean query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// The clause must match.
    Must,
    /// At least one `Should` clause must match when the query has no `Must` clause.
    Should,
    /// The clause must not match.
    MustNot,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Clauses combined (Lucene semantics: Must clauses all match, MustNot none, and when there is no Must clause at
    /// least one Should clause must match).
    ///
    /// The parser never produces an empty `Bool`, nor one whose only clause is a `Must` clause. A `Bool` made only of
    /// `MustNot` clauses means "everything except…": the caller adds the match-all.
    Bool(Vec<(Occur, Expr)>),
    /// One value, searched in `field` (None = the default free-text search).
    Field {
        /// The field name, as written (the caller rejects unknown fields); `None` for free text.
        field: Option<String>,
        /// What to look for in the field.
        value: Value,
    },
    /// `*:*` or `*`: every document.
    MatchAll,
}

/// The value side of a clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An unquoted word, escapes removed (may still contain any char, e.g. "km/h", "so-y-te", "2024").
    Word(String),
    /// A quoted phrase, escapes removed.
    Phrase(String),
    /// An unquoted word ending in a single `*` (no other wildcard): the prefix, without the `*`. Never empty.
    Prefix(String),
    /// `field:*`: the field has any value.
    Any,
    /// `[a TO b]`, `{a TO b}`, `[a TO b}`…; `*` on either side is Unbounded; values may be quoted.
    ///
    /// Bounds are kept as raw strings (escapes removed); the caller interprets dates, `NOW-1DAY` and numbers.
    Range {
        /// The lower bound.
        lower: Bound<String>,
        /// The upper bound.
        upper: Bound<String>,
    },
}

/// Why a query was refused; the message is shown to API users (English, one sentence, says what to fix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// The message for the API user.
    pub message: String,
}

/// The longest query accepted, in characters (not bytes).
pub const MAX_QUERY_CHARS: usize = 10_000;
/// The deepest nesting of parentheses accepted.
pub const MAX_DEPTH: usize = 16;
/// The most leaf clauses (words, phrases, ranges, match-alls…) a query may have.
pub const MAX_CLAUSES: usize = 256;

/// Parses `input`. Juxtaposed clauses are ANDed (CKAN's Solr schema uses AND as the default operator).
///
/// Empty or whitespace-only input is [`Expr::MatchAll`].
pub fn parse(input: &str) -> Result<Expr, QueryError> {
    if input.chars().nth(MAX_QUERY_CHARS).is_some() {
        return Err(error(format!("The query is too long (at most {MAX_QUERY_CHARS} characters)")));
    }
    if input.trim().is_empty() {
        return Ok(Expr::MatchAll);
    }
    let mut parser = Parser { chars: input.chars().collect(), pos: 0, depth: 0, leaves: 0 };
    let expr = parser.or_group(None)?;
    parser.skip_ws();
    if parser.cur().is_some() {
        // The groups stop only at the end or at a `)` they did not open.
        return Err(unbalanced_parens());
    }
    Ok(expr)
}

fn error(message: impl Into<String>) -> QueryError {
    QueryError { message: message.into() }
}

fn unbalanced_parens() -> QueryError {
    error("Unbalanced parentheses in the query")
}

fn unbalanced_quotes() -> QueryError {
    error("Unbalanced quotes in the query")
}

fn trailing_backslash() -> QueryError {
    error("The query ends with a lone backslash; remove it, or write `\\\\` to search for a backslash")
}

fn unterminated_range() -> QueryError {
    error("Unterminated range in the query; close it with `]` or `}`")
}

fn bad_range() -> QueryError {
    error("Ranges must look like `field:[a TO b]`, with `[ ]` or `{ }` around them and an upper-case `TO`")
}

fn wildcard() -> QueryError {
    error("Wildcards are only supported at the end of a word (like `ha*`)")
}

fn dangling(op: &str) -> QueryError {
    let message = match op {
        "AND" | "OR" | "&&" | "||" => {
            format!("The query has a dangling `{op}`; put a term on each side of it (like `a {op} b`)")
        }
        "NOT" => "The query has a dangling `NOT`; put a term after it (like `NOT draft`)".to_owned(),
        "!" => "The query has a dangling `!`; put a term after it (like `!draft`)".to_owned(),
        _ => format!(
            "The query has a dangling `{op}`; put a term right after it with no space (like `{op}draft`), \
             or write `\\{op}` to search for it"
        ),
    };
    error(message)
}

/// Characters that end a word (besides whitespace); `:` ends one only after a field name.
fn is_special(c: char) -> bool {
    matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '"')
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || is_special(c)
}

/// One character of a word, and whether a backslash escaped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ch {
    c: char,
    escaped: bool,
}

impl Ch {
    /// Whether this is `c`, unescaped (that is, with its special meaning).
    fn is(self, c: char) -> bool {
        !self.escaped && self.c == c
    }
}

fn text_of(chars: &[Ch]) -> String {
    chars.iter().map(|ch| ch.c).collect()
}

/// `digits` or `digits.digits`, unescaped.
fn is_number(chars: &[Ch]) -> bool {
    let (mut before, mut after, mut dot) = (0, 0, false);
    for ch in chars {
        match ch.c {
            _ if ch.escaped => return false,
            '0'..='9' if dot => after += 1,
            '0'..='9' => before += 1,
            '.' if !dot => dot = true,
            _ => return false,
        }
    }
    before > 0 && (!dot || after > 0)
}

/// Whether `marker` (`^` or `~`) followed by `arg` is a boost or a fuzziness/proximity suffix.
fn suffix_ok(marker: char, arg: &[Ch]) -> bool {
    (marker == '~' && arg.is_empty()) || is_number(arg)
}

fn is_marker(ch: Ch) -> bool {
    ch.is('^') || ch.is('~')
}

/// Drops a trailing chain of boost and fuzziness suffixes (`^2`, `~`, `~1^3`…) from a word, keeping at least one
/// character. A chain that is not well formed stays part of the word. Linear: scans from the end and stops at the
/// first malformed suffix, since every chain starting further left would contain it.
fn strip_suffixes(word: &[Ch]) -> &[Ch] {
    let mut cut = word.len();
    let mut segment_end = word.len();
    for (i, &ch) in word.iter().enumerate().skip(1).rev() {
        if !is_marker(ch) {
            continue;
        }
        let arg = word.get(i + 1..segment_end).unwrap_or_default();
        if !suffix_ok(ch.c, arg) {
            break;
        }
        cut = i;
        segment_end = i;
    }
    word.get(..cut).unwrap_or(word)
}

/// Parses a whole run as a suffix chain; `Some(has_tilde)` when well formed.
fn suffix_chain(run: &[Ch]) -> Option<bool> {
    let mut has_tilde = false;
    let mut rest = run;
    while let Some((&marker, tail)) = rest.split_first() {
        if !is_marker(marker) {
            return None;
        }
        let end = tail.iter().position(|&ch| is_marker(ch)).unwrap_or(tail.len());
        let (arg, next) = tail.split_at(end);
        if !suffix_ok(marker.c, arg) {
            return None;
        }
        has_tilde |= marker.c == '~';
        rest = next;
    }
    Some(has_tilde)
}

/// Combines the clauses of an and-group: nested and-groups required by it are spliced in, and a single required
/// clause stands for itself.
fn and_group(clauses: Vec<(Occur, Expr)>) -> Expr {
    let mut flat = Vec::with_capacity(clauses.len());
    for (occur, expr) in clauses {
        match expr {
            Expr::Bool(inner) if occur == Occur::Must && inner.iter().all(|(o, _)| *o != Occur::Should) => {
                flat.extend(inner);
            }
            expr => flat.push((occur, expr)),
        }
    }
    match <[(Occur, Expr); 1]>::try_from(flat) {
        Ok([(Occur::Must, expr)]) => expr,
        Ok([clause]) => Expr::Bool(vec![clause]),
        Err(flat) => Expr::Bool(flat),
    }
}

/// Combines the branches of an or-group: nested or-groups are spliced in, and a single branch stands for itself.
fn or_group(branches: Vec<Expr>) -> Expr {
    let branches = match <[Expr; 1]>::try_from(branches) {
        Ok([branch]) => return branch,
        Err(branches) => branches,
    };
    let mut flat = Vec::with_capacity(branches.len());
    for branch in branches {
        match branch {
            Expr::Bool(inner) if inner.iter().all(|(o, _)| *o == Occur::Should) => flat.extend(inner),
            branch => flat.push((Occur::Should, branch)),
        }
    }
    Expr::Bool(flat)
}

/// What comes next where a clause or an operator may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    End,
    Close,
    And(&'static str),
    Or(&'static str),
    Not(&'static str),
    /// `+` or `-`; `attached` when directly followed by something that can start a clause.
    Modifier {
        op: &'static str,
        attached: bool,
    },
    Clause,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// Open parentheses around the current position.
    depth: usize,
    /// Leaf clauses produced so far.
    leaves: usize,
}

impl Parser {
    fn cur(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn skip_ws(&mut self) {
        while self.cur().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Whether the upper-case keyword `kw` stands alone at the current position.
    fn keyword(&self, kw: &str) -> bool {
        let n = kw.chars().count();
        kw.chars().enumerate().all(|(i, c)| self.at(i) == Some(c)) && self.at(n).is_none_or(is_delimiter)
    }

    /// Looks at what starts at the current position (whitespace already skipped), without consuming it.
    fn peek(&self) -> Tok {
        let Some(c) = self.cur() else { return Tok::End };
        let next = self.at(1);
        match c {
            ')' => Tok::Close,
            '&' if next == Some('&') => Tok::And("&&"),
            '|' if next == Some('|') => Tok::Or("||"),
            '!' => Tok::Not("!"),
            '+' | '-' => Tok::Modifier {
                op: if c == '+' { "+" } else { "-" },
                attached: next.is_some_and(|n| !n.is_whitespace() && n != ')'),
            },
            _ if self.keyword("AND") => Tok::And("AND"),
            _ if self.keyword("OR") => Tok::Or("OR"),
            _ if self.keyword("NOT") => Tok::Not("NOT"),
            _ => Tok::Clause,
        }
    }

    /// After a binary operator: something that can start a clause must follow.
    fn expect_operand(&mut self, op: &str) -> Result<(), QueryError> {
        self.skip_ws();
        match self.peek() {
            Tok::End | Tok::Close | Tok::And(_) | Tok::Or(_) => Err(dangling(op)),
            _ => Ok(()),
        }
    }

    fn count_leaf(&mut self) -> Result<(), QueryError> {
        self.leaves += 1;
        if self.leaves > MAX_CLAUSES {
            return Err(error(format!(
                "The query has too many terms (at most {MAX_CLAUSES}); search for fewer words or values"
            )));
        }
        Ok(())
    }

    fn leaf(&mut self, field: Option<&str>, value: Value) -> Result<Expr, QueryError> {
        self.count_leaf()?;
        Ok(Expr::Field { field: field.map(str::to_owned), value })
    }

    fn match_all(&mut self) -> Result<Expr, QueryError> {
        self.count_leaf()?;
        Ok(Expr::MatchAll)
    }

    fn or_group(&mut self, field: Option<&str>) -> Result<Expr, QueryError> {
        let mut branches = vec![self.and_group(field)?];
        loop {
            self.skip_ws();
            match self.peek() {
                Tok::Or(op) => {
                    self.pos += op.len();
                    self.expect_operand(op)?;
                    branches.push(self.and_group(field)?);
                }
                _ => return Ok(or_group(branches)),
            }
        }
    }

    fn and_group(&mut self, field: Option<&str>) -> Result<Expr, QueryError> {
        let mut clauses = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Tok::End | Tok::Close | Tok::Or(_) if !clauses.is_empty() => return Ok(and_group(clauses)),
                Tok::And(op) if !clauses.is_empty() => {
                    self.pos += op.len();
                    self.expect_operand(op)?;
                }
                _ => clauses.push(self.clause(field)?),
            }
        }
    }

    fn clause(&mut self, field: Option<&str>) -> Result<(Occur, Expr), QueryError> {
        self.skip_ws();
        let (occur, op) = match self.peek() {
            Tok::Clause => return Ok((Occur::Must, self.primary(field)?)),
            Tok::Not(op) => (Occur::MustNot, op),
            Tok::Modifier { op, attached: false } => return Err(dangling(op)),
            Tok::Modifier { op, attached: true } => (if op == "+" { Occur::Must } else { Occur::MustNot }, op),
            Tok::And(op) | Tok::Or(op) => return Err(dangling(op)),
            Tok::Close => return Err(unbalanced_parens()),
            Tok::End => return Err(error("The query ends where a term was expected; complete or shorten it")),
        };
        self.pos += op.len();
        self.skip_ws();
        if self.peek() != Tok::Clause {
            return Err(dangling(op));
        }
        Ok((occur, self.primary(field)?))
    }

    /// A group, phrase, range or word at the current position (which is not whitespace, `)` or an operator).
    fn primary(&mut self, field: Option<&str>) -> Result<Expr, QueryError> {
        match self.cur() {
            Some('(') => self.group(field),
            Some('"') => {
                let text = self.phrase()?;
                self.leaf(field, Value::Phrase(text))
            }
            Some('[' | '{') => match field {
                Some(field) => self.range(field),
                None => Err(error("A range needs a field, like `metadata_modified:[2024-01-01T00:00:00Z TO *]`")),
            },
            Some(c @ (']' | '}')) => {
                Err(error(format!("Unexpected `{c}` in the query; write `\\{c}` to search for it")))
            }
            _ => {
                let (run, field_colon) = self.run(true)?;
                if field_colon {
                    self.pos += 1;
                    self.value(&text_of(&run))
                } else {
                    self.word(&run, field, true)
                }
            }
        }
    }

    /// The value after `name:`.
    fn value(&mut self, name: &str) -> Result<Expr, QueryError> {
        self.skip_ws();
        match self.cur() {
            None | Some(')' | ']' | '}') => Err(error(format!(
                "The field `{name}:` has no value; put one right after the colon (like `{name}:word`)"
            ))),
            Some('(') => self.group(Some(name)),
            Some('"') => {
                let text = self.phrase()?;
                self.leaf(Some(name), Value::Phrase(text))
            }
            Some('[' | '{') => self.range(name),
            Some(_) => {
                let (run, _) = self.run(false)?;
                self.word(&run, Some(name), false)
            }
        }
    }

    /// `(` or-group `)`, with the field (if any) applied to the clauses inside that name none.
    fn group(&mut self, field: Option<&str>) -> Result<Expr, QueryError> {
        if self.depth >= MAX_DEPTH {
            return Err(error(format!(
                "The query nests parentheses too deeply (at most {MAX_DEPTH} levels); simplify it"
            )));
        }
        self.depth += 1;
        self.pos += 1;
        self.skip_ws();
        match self.cur() {
            Some(')') => return Err(error("The query has empty parentheses `()`; put a term inside or remove them")),
            None => return Err(unbalanced_parens()),
            Some(_) => {}
        }
        let expr = self.or_group(field)?;
        self.skip_ws();
        if self.cur() != Some(')') {
            return Err(unbalanced_parens());
        }
        self.pos += 1;
        self.depth -= 1;
        self.suffix(false)?;
        Ok(expr)
    }

    /// A quoted string starting at the current `"`, escapes removed, then its suffixes.
    fn phrase(&mut self) -> Result<String, QueryError> {
        let text = self.quoted()?;
        if text.trim().is_empty() {
            return Err(error("The query has empty quotes `\"\"`; put words between them or remove them"));
        }
        self.suffix(true)?;
        Ok(text)
    }

    fn quoted(&mut self) -> Result<String, QueryError> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.cur() {
                None => return Err(unbalanced_quotes()),
                Some('"') => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some('\\') => {
                    let escaped = self.at(1).ok_or_else(unbalanced_quotes)?;
                    text.push(escaped);
                    self.pos += 2;
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// The boost (`^2`) and, after a phrase, proximity (`~3`) suffixes right after a phrase, group or range.
    fn suffix(&mut self, after_phrase: bool) -> Result<(), QueryError> {
        if !matches!(self.cur(), Some('^' | '~')) {
            return Ok(());
        }
        let mut run = Vec::new();
        while let Some(c) = self.cur().filter(|&c| !is_delimiter(c)) {
            run.push(Ch { c, escaped: false });
            self.pos += 1;
        }
        match suffix_chain(&run) {
            Some(true) if !after_phrase => Err(error("A `~` can only follow a word or a phrase; remove it")),
            Some(_) => Ok(()),
            None => Err(error(format!(
                "The query has a malformed `{}`; a boost looks like `^2` and a proximity like `~2`",
                text_of(&run)
            ))),
        }
    }

    /// A maximal run of word characters, escapes resolved. In clause position (`clause`), stops before a `:` that
    /// follows a valid field name and reports it; in value position colons are ordinary characters.
    fn run(&mut self, clause: bool) -> Result<(Vec<Ch>, bool), QueryError> {
        let mut out = Vec::new();
        let mut field_ok = true;
        while let Some(c) = self.cur() {
            if c == '\\' {
                let escaped = self.at(1).ok_or_else(trailing_backslash)?;
                out.push(Ch { c: escaped, escaped: true });
                field_ok = false;
                self.pos += 2;
                continue;
            }
            if is_delimiter(c) {
                break;
            }
            if c == ':' && clause && field_ok && !out.is_empty() {
                return Ok((out, true));
            }
            field_ok &= if out.is_empty() {
                c.is_ascii_alphabetic() || c == '_'
            } else {
                c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
            };
            out.push(Ch { c, escaped: false });
            self.pos += 1;
        }
        Ok((out, false))
    }

    /// Turns a run into a leaf: regex refusal, suffixes dropped, `*` / `*:*`, prefixes and wildcards.
    fn word(&mut self, run: &[Ch], field: Option<&str>, clause: bool) -> Result<Expr, QueryError> {
        if let [first, second, ..] = run
            && first.is('/')
            && !second.is('/')
        {
            return Err(error("Regular expressions are not supported in search queries"));
        }
        let word = strip_suffixes(run);
        match word {
            [] => return Err(error("The query has an empty term; remove the stray characters")),
            [star] if star.is('*') => {
                return match field {
                    Some(field) => self.leaf(Some(field), Value::Any),
                    None => self.match_all(),
                };
            }
            [a, colon, b] if clause && a.is('*') && colon.is(':') && b.is('*') => return self.match_all(),
            _ => {}
        }
        let (stem, prefix) = match word.split_last() {
            Some((last, rest)) if last.is('*') => (rest, true),
            _ => (word, false),
        };
        if stem.iter().any(|ch| ch.is('*') || ch.is('?')) {
            return Err(wildcard());
        }
        let value = if prefix { Value::Prefix(text_of(stem)) } else { Value::Word(text_of(word)) };
        self.leaf(field, value)
    }

    /// `[a TO b]` and friends, at the current `[` or `{`, for `field`.
    fn range(&mut self, field: &str) -> Result<Expr, QueryError> {
        let lower_inclusive = self.cur() == Some('[');
        self.pos += 1;
        self.skip_ws();
        let lower = self.bound()?;
        self.skip_ws();
        match (self.at(0), self.at(1), self.at(2)) {
            (None, _, _) | (Some('T'), Some('O'), None) => return Err(unterminated_range()),
            (Some('T'), Some('O'), Some(c)) if c.is_whitespace() => self.pos += 2,
            _ => return Err(bad_range()),
        }
        self.skip_ws();
        let upper = self.bound()?;
        self.skip_ws();
        let upper_inclusive = match self.cur() {
            Some(']') => true,
            Some('}') => false,
            None => return Err(unterminated_range()),
            Some(_) => return Err(bad_range()),
        };
        self.pos += 1;
        self.suffix(false)?;
        let bound = |value: Option<String>, inclusive: bool| match value {
            None => Bound::Unbounded,
            Some(value) if inclusive => Bound::Included(value),
            Some(value) => Bound::Excluded(value),
        };
        let value = Value::Range { lower: bound(lower, lower_inclusive), upper: bound(upper, upper_inclusive) };
        self.leaf(Some(field), value)
    }

    /// One side of a range: `None` for an unquoted, unescaped `*`.
    fn bound(&mut self) -> Result<Option<String>, QueryError> {
        match self.cur() {
            None => return Err(unterminated_range()),
            Some(']' | '}') => return Err(bad_range()),
            Some('"') => return self.quoted().map(Some),
            Some(_) => {}
        }
        let mut out = Vec::new();
        while let Some(c) = self.cur() {
            if c == '\\' {
                let escaped = self.at(1).ok_or_else(trailing_backslash)?;
                out.push(Ch { c: escaped, escaped: true });
                self.pos += 2;
                continue;
            }
            if c.is_whitespace() || c == ']' || c == '}' {
                break;
            }
            out.push(Ch { c, escaped: false });
            self.pos += 1;
        }
        Ok(match out.as_slice() {
            [star] if star.is('*') => None,
            _ => Some(text_of(&out)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(s: &str) -> Expr {
        Expr::Field { field: None, value: Value::Word(s.to_owned()) }
    }

    fn fv(field: &str, value: Value) -> Expr {
        Expr::Field { field: Some(field.to_owned()), value }
    }

    fn fw(field: &str, s: &str) -> Expr {
        fv(field, Value::Word(s.to_owned()))
    }

    fn all(exprs: Vec<Expr>) -> Expr {
        Expr::Bool(exprs.into_iter().map(|e| (Occur::Must, e)).collect())
    }

    fn any_of(exprs: Vec<Expr>) -> Expr {
        Expr::Bool(exprs.into_iter().map(|e| (Occur::Should, e)).collect())
    }

    fn ok(q: &str) -> Expr {
        match parse(q) {
            Ok(expr) => expr,
            Err(e) => panic!("{q:?} should parse, got {e}"),
        }
    }

    fn err(q: &str) -> String {
        match parse(q) {
            Ok(expr) => panic!("{q:?} should fail, got {expr:?}"),
            Err(e) => e.message,
        }
    }

    fn range(field: &str, lower: Bound<&str>, upper: Bound<&str>) -> Expr {
        let own = |b: Bound<&str>| b.map(str::to_owned);
        fv(field, Value::Range { lower: own(lower), upper: own(upper) })
    }

    #[test]
    fn simple_words() {
        assert_eq!(ok("water"), w("water"));
        assert_eq!(ok("  water  "), w("water"));
        assert_eq!(ok("water quality"), all(vec![w("water"), w("quality")]));
        assert_eq!(ok("a AND b"), all(vec![w("a"), w("b")]));
        assert_eq!(ok("a && b"), all(vec![w("a"), w("b")]));
        assert_eq!(ok("a&&b"), w("a&&b"));
        assert_eq!(ok("2024"), w("2024"));
        assert_eq!(ok("so-y-te"), w("so-y-te"));
        assert_eq!(ok("km/h"), w("km/h"));
        assert_eq!(ok("C++"), w("C++"));
        assert_eq!(ok("a and b or c"), all(vec![w("a"), w("and"), w("b"), w("or"), w("c")]));
        assert_eq!(ok("ANDROID TO"), all(vec![w("ANDROID"), w("TO")]));
    }

    #[test]
    fn empty_is_match_all() {
        assert_eq!(ok(""), Expr::MatchAll);
        assert_eq!(ok(" \t\n\u{3000}"), Expr::MatchAll);
        assert_eq!(ok("*:*"), Expr::MatchAll);
        assert_eq!(ok("*"), Expr::MatchAll);
        assert_eq!(ok("*:* -draft"), Expr::Bool(vec![(Occur::Must, Expr::MatchAll), (Occur::MustNot, w("draft"))]));
    }

    #[test]
    fn or_and_precedence() {
        assert_eq!(ok("a OR b"), any_of(vec![w("a"), w("b")]));
        assert_eq!(ok("a || b"), any_of(vec![w("a"), w("b")]));
        assert_eq!(ok("a OR b c"), any_of(vec![w("a"), all(vec![w("b"), w("c")])]));
        assert_eq!(ok("a b OR c"), any_of(vec![all(vec![w("a"), w("b")]), w("c")]));
        assert_eq!(ok("a AND b OR c AND d"), any_of(vec![all(vec![w("a"), w("b")]), all(vec![w("c"), w("d")])]));
        assert_eq!(ok("a OR b OR c"), any_of(vec![w("a"), w("b"), w("c")]));
    }

    #[test]
    fn negation_and_requirement() {
        let a_not_b = Expr::Bool(vec![(Occur::Must, w("a")), (Occur::MustNot, w("b"))]);
        assert_eq!(ok("a NOT b"), a_not_b);
        assert_eq!(ok("a AND NOT b"), a_not_b);
        assert_eq!(ok("a -b"), a_not_b);
        assert_eq!(ok("a !b"), a_not_b);
        assert_eq!(ok("a ! b"), a_not_b);
        assert_eq!(ok("a && !b"), a_not_b);
        assert_eq!(ok("+a -b"), a_not_b);
        assert_eq!(ok("+a"), w("a"));
        assert_eq!(ok("-a"), Expr::Bool(vec![(Occur::MustNot, w("a"))]));
        assert_eq!(ok("NOT a"), Expr::Bool(vec![(Occur::MustNot, w("a"))]));
        assert_eq!(ok("-a -b"), Expr::Bool(vec![(Occur::MustNot, w("a")), (Occur::MustNot, w("b"))]));
        assert_eq!(
            ok("a OR -b"),
            any_of(vec![w("a"), Expr::Bool(vec![(Occur::MustNot, w("b"))])]),
            "a negative branch stays a MustNot-only Bool"
        );
        assert_eq!(ok("-tags:x"), Expr::Bool(vec![(Occur::MustNot, fw("tags", "x"))]));
        assert_eq!(
            ok("a -(b c)"),
            Expr::Bool(vec![(Occur::Must, w("a")), (Occur::MustNot, all(vec![w("b"), w("c")]))])
        );
        assert_eq!(ok("-5"), Expr::Bool(vec![(Occur::MustNot, w("5"))]));
    }

    #[test]
    fn fields() {
        assert_eq!(ok("tags:economy"), fw("tags", "economy"));
        assert_eq!(
            ok("res_format:CSV organization:bo-y-te"),
            all(vec![fw("res_format", "CSV"), fw("organization", "bo-y-te")])
        );
        assert_eq!(ok("extras.source:x"), fw("extras.source", "x"));
        assert_eq!(ok("tags: economy"), fw("tags", "economy"));
        assert_eq!(ok("title:\"giáo dục\""), fv("title", Value::Phrase("giáo dục".into())));
        assert_eq!(ok("tags:*"), fv("tags", Value::Any));
        assert_eq!(ok("-tags:*"), Expr::Bool(vec![(Occur::MustNot, fv("tags", Value::Any))]));
        assert_eq!(ok("title:ha*"), fv("title", Value::Prefix("ha".into())));
        assert_eq!(ok("http://x.vn"), fw("http", "//x.vn"));
        assert_eq!(ok("url:http://x.vn/a"), fw("url", "http://x.vn/a"));
        assert_eq!(ok("12:30"), w("12:30"));
        assert_eq!(ok("time:12:30"), fw("time", "12:30"));
        assert_eq!(ok("Hà:Nội"), w("Hà:Nội"));
        assert_eq!(ok("temperature:-5"), fw("temperature", "-5"));
    }

    #[test]
    fn field_groups() {
        assert_eq!(ok("tags:(a OR b)"), any_of(vec![fw("tags", "a"), fw("tags", "b")]));
        assert_eq!(ok("tags:(a OR b c)"), any_of(vec![fw("tags", "a"), all(vec![fw("tags", "b"), fw("tags", "c")])]));
        assert_eq!(
            ok("tags:(a (b OR title:c))"),
            all(vec![fw("tags", "a"), any_of(vec![fw("tags", "b"), fw("title", "c")])])
        );
        assert_eq!(
            ok("tags:(a -b)"),
            Expr::Bool(vec![(Occur::Must, fw("tags", "a")), (Occur::MustNot, fw("tags", "b"))])
        );
        assert_eq!(
            ok("tags:(\"a b\" ha*)"),
            all(vec![fv("tags", Value::Phrase("a b".into())), fv("tags", Value::Prefix("ha".into()))])
        );
        assert_eq!(ok("tags:(*)"), fv("tags", Value::Any));
        assert_eq!(ok("tags:(*:*)"), Expr::MatchAll);
        assert_eq!(
            ok("date:([2020 TO 2021] OR [2023 TO *])"),
            any_of(vec![
                range("date", Bound::Included("2020"), Bound::Included("2021")),
                range("date", Bound::Included("2023"), Bound::Unbounded),
            ])
        );
    }

    #[test]
    fn nested_groups() {
        assert_eq!(ok("(a)"), w("a"));
        assert_eq!(ok("((a))"), w("a"));
        assert_eq!(ok("a (b c)"), all(vec![w("a"), w("b"), w("c")]), "nested conjunctions are spliced");
        assert_eq!(ok("a OR (b OR c)"), any_of(vec![w("a"), w("b"), w("c")]), "nested disjunctions are spliced");
        assert_eq!(ok("a (b OR c)"), all(vec![w("a"), any_of(vec![w("b"), w("c")])]));
        assert_eq!(
            ok("(a OR b) AND (c OR (d -e))"),
            all(vec![
                any_of(vec![w("a"), w("b")]),
                any_of(vec![w("c"), Expr::Bool(vec![(Occur::Must, w("d")), (Occur::MustNot, w("e"))])]),
            ])
        );
        assert_eq!(ok("( a )( b )"), all(vec![w("a"), w("b")]));
        let deep = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(ok(&deep), w("a"));
    }

    #[test]
    fn ranges() {
        use Bound::{Excluded, Included, Unbounded};
        assert_eq!(ok("year:[2020 TO 2024]"), range("year", Included("2020"), Included("2024")));
        assert_eq!(ok("year:{2020 TO 2024}"), range("year", Excluded("2020"), Excluded("2024")));
        assert_eq!(ok("year:[2020 TO 2024}"), range("year", Included("2020"), Excluded("2024")));
        assert_eq!(ok("year:{2020 TO 2024]"), range("year", Excluded("2020"), Included("2024")));
        assert_eq!(ok("year:[* TO 2024]"), range("year", Unbounded, Included("2024")));
        assert_eq!(ok("year:{2020 TO *}"), range("year", Excluded("2020"), Unbounded));
        assert_eq!(ok("year:[* TO *]"), range("year", Unbounded, Unbounded));
        assert_eq!(ok("year:[\\* TO \"*\"]"), range("year", Included("*"), Included("*")));
        assert_eq!(ok("name:[\"a b\" TO \"c\\\"d\"]"), range("name", Included("a b"), Included("c\"d")));
        assert_eq!(
            ok("metadata_modified:[2024-01-01T00:00:00Z TO NOW-1DAY]"),
            range("metadata_modified", Included("2024-01-01T00:00:00Z"), Included("NOW-1DAY"))
        );
        assert_eq!(
            ok("metadata_modified:[NOW-1DAY TO *]"),
            range("metadata_modified", Included("NOW-1DAY"), Unbounded)
        );
        assert_eq!(ok("year:[ 2020   TO\t2024 ]^2"), range("year", Included("2020"), Included("2024")));
        assert_eq!(ok("t:[-5 TO -1]"), range("t", Included("-5"), Included("-1")));
        assert_eq!(ok("a year:[1 TO 2]"), all(vec![w("a"), range("year", Included("1"), Included("2"))]));
    }

    #[test]
    fn prefixes_and_escapes() {
        assert_eq!(ok("ha*"), Expr::Field { field: None, value: Value::Prefix("ha".into()) });
        assert_eq!(ok("đườ*"), Expr::Field { field: None, value: Value::Prefix("đườ".into()) });
        assert_eq!(ok("a\\:b"), w("a:b"));
        assert_eq!(ok("\\\"x\\\""), w("\"x\""));
        assert_eq!(ok("foo\\ bar"), w("foo bar"));
        assert_eq!(ok("a\\\\b"), w("a\\b"));
        assert_eq!(ok("a\\*"), w("a*"));
        assert_eq!(ok("\\*"), w("*"));
        assert_eq!(ok("what\\?"), w("what?"));
        assert_eq!(ok("ha\\**"), Expr::Field { field: None, value: Value::Prefix("ha*".into()) });
        assert_eq!(ok("\\-a"), w("-a"));
        assert_eq!(ok("\\(a\\)"), w("(a)"));
        assert_eq!(ok("\\/a+b/"), w("/a+b/"));
        assert_eq!(ok("a\\^2"), w("a^2"));
        assert_eq!(ok("\"say \\\"hi\\\"\""), Expr::Field { field: None, value: Value::Phrase("say \"hi\"".into()) });
    }

    #[test]
    fn boosts_and_fuzziness_are_dropped() {
        assert_eq!(ok("water^2"), w("water"));
        assert_eq!(ok("water^2.5"), w("water"));
        assert_eq!(ok("water~"), w("water"));
        assert_eq!(ok("water~2"), w("water"));
        assert_eq!(ok("water~0.8^3"), w("water"));
        assert_eq!(ok("title:water^3"), fw("title", "water"));
        assert_eq!(ok("\"a b\"~3"), Expr::Field { field: None, value: Value::Phrase("a b".into()) });
        assert_eq!(
            ok("\"a b\"~3^2 c"),
            all(vec![Expr::Field { field: None, value: Value::Phrase("a b".into()) }, w("c")])
        );
        assert_eq!(ok("(a b)^2"), all(vec![w("a"), w("b")]));
        assert_eq!(ok("tags:(a OR b)^2"), any_of(vec![fw("tags", "a"), fw("tags", "b")]));
        assert_eq!(ok("ha*^2"), Expr::Field { field: None, value: Value::Prefix("ha".into()) });
        assert_eq!(ok("*:*^2"), Expr::MatchAll);
        // Malformed suffixes stay part of the word.
        assert_eq!(ok("x^y"), w("x^y"));
        assert_eq!(ok("a~b~2"), w("a~b"));
        assert_eq!(ok("~user"), w("~user"));
    }

    #[test]
    fn vietnamese() {
        assert_eq!(ok("Hà Nội"), all(vec![w("Hà"), w("Nội")]));
        assert_eq!(
            ok("đường OR \"quốc lộ\""),
            any_of(vec![w("đường"), Expr::Field { field: None, value: Value::Phrase("quốc lộ".into()) }])
        );
        assert_eq!(ok("tags:giáo-dục"), fw("tags", "giáo-dục"));
        assert_eq!(ok("title:(Hà Nội)"), all(vec![fw("title", "Hà"), fw("title", "Nội")]));
        let long = "đ".repeat(MAX_QUERY_CHARS);
        assert_eq!(ok(&long), w(&long), "the limit counts characters, not bytes");
    }

    #[test]
    fn errors() {
        assert_eq!(err("\"abc"), "Unbalanced quotes in the query");
        assert_eq!(err("a \"b c"), "Unbalanced quotes in the query");
        assert_eq!(err("\"ab\\\""), "Unbalanced quotes in the query");
        assert_eq!(err("(a b"), "Unbalanced parentheses in the query");
        assert_eq!(err("a b)"), "Unbalanced parentheses in the query");
        assert_eq!(err(")"), "Unbalanced parentheses in the query");
        assert_eq!(err("((a)"), "Unbalanced parentheses in the query");
        assert_eq!(err("tags:(a"), "Unbalanced parentheses in the query");
        assert_eq!(err("()"), "The query has empty parentheses `()`; put a term inside or remove them");
        assert_eq!(err("a ( ) b"), "The query has empty parentheses `()`; put a term inside or remove them");
        assert_eq!(err("\"\""), "The query has empty quotes `\"\"`; put words between them or remove them");
        assert_eq!(err("title:\" \""), "The query has empty quotes `\"\"`; put words between them or remove them");
        assert_eq!(err("ha*t"), "Wildcards are only supported at the end of a word (like `ha*`)");
        assert_eq!(err("h?t"), "Wildcards are only supported at the end of a word (like `ha*`)");
        assert_eq!(err("what?"), "Wildcards are only supported at the end of a word (like `ha*`)");
        assert_eq!(err("*ha"), "Wildcards are only supported at the end of a word (like `ha*`)");
        assert_eq!(err("ha**"), "Wildcards are only supported at the end of a word (like `ha*`)");
        assert_eq!(err("tags:*ha"), "Wildcards are only supported at the end of a word (like `ha*`)");
        assert_eq!(err("/a+b/"), "Regular expressions are not supported in search queries");
        assert_eq!(err("name:/.*/"), "Regular expressions are not supported in search queries");
        assert_eq!(err("x AND /ab/"), "Regular expressions are not supported in search queries");
    }

    #[test]
    fn operator_errors() {
        let and = "The query has a dangling `AND`; put a term on each side of it (like `a AND b`)";
        assert_eq!(err("a AND"), and);
        assert_eq!(err("AND a"), and);
        assert_eq!(err("a AND OR b"), and);
        assert_eq!(err("(a AND)"), and);
        let or = "The query has a dangling `OR`; put a term on each side of it (like `a OR b`)";
        assert_eq!(err("OR b"), or);
        assert_eq!(err("a OR"), or);
        assert_eq!(err("a OR OR b"), or);
        assert_eq!(err("a &&"), "The query has a dangling `&&`; put a term on each side of it (like `a && b`)");
        assert_eq!(err("|| a"), "The query has a dangling `||`; put a term on each side of it (like `a || b`)");
        assert_eq!(err("NOT"), "The query has a dangling `NOT`; put a term after it (like `NOT draft`)");
        assert_eq!(err("a NOT"), "The query has a dangling `NOT`; put a term after it (like `NOT draft`)");
        assert_eq!(err("NOT NOT a"), "The query has a dangling `NOT`; put a term after it (like `NOT draft`)");
        assert_eq!(err("a !"), "The query has a dangling `!`; put a term after it (like `!draft`)");
        let minus = "The query has a dangling `-`; put a term right after it with no space (like `-draft`), \
                     or write `\\-` to search for it";
        assert_eq!(err("a -"), minus);
        assert_eq!(err("Hà Nội - Hải Phòng"), minus);
        assert_eq!(err("(a -)"), minus);
        assert_eq!(err("--a"), minus);
        assert!(err("a +").contains("dangling `+`"));
    }

    #[test]
    fn field_and_range_errors() {
        let tags = "The field `tags:` has no value; put one right after the colon (like `tags:word`)";
        assert_eq!(err("tags:"), tags);
        assert_eq!(err("tags: "), tags);
        assert_eq!(err("(tags: )"), tags);
        assert_eq!(err("tags:]"), tags);
        let needs_field = "A range needs a field, like `metadata_modified:[2024-01-01T00:00:00Z TO *]`";
        assert_eq!(err("[a TO b]"), needs_field);
        assert_eq!(err("{* TO b}"), needs_field);
        let unterminated = "Unterminated range in the query; close it with `]` or `}`";
        assert_eq!(err("year:[2020 TO 2024"), unterminated);
        assert_eq!(err("year:[2020 TO "), unterminated);
        assert_eq!(err("year:[2020"), unterminated);
        assert_eq!(err("year:[2020 TO"), unterminated);
        assert_eq!(err("year:["), unterminated);
        assert_eq!(err("year:[2020 TO 2024)"), unterminated);
        let bad = "Ranges must look like `field:[a TO b]`, with `[ ]` or `{ }` around them and an upper-case `TO`";
        assert_eq!(err("year:[2020 to 2024]"), bad);
        assert_eq!(err("year:[2020 TO]"), bad);
        assert_eq!(err("year:[2020]"), bad);
        assert_eq!(err("year:[TO 2020]"), bad);
        assert_eq!(err("year:[1 TO 2 TO 3]"), bad);
        assert_eq!(err("year:[\"2020 TO 2024]"), "Unbalanced quotes in the query");
        assert_eq!(err("a ]"), "Unexpected `]` in the query; write `\\]` to search for it");
        assert_eq!(err("a}"), "Unexpected `}` in the query; write `\\}` to search for it");
    }

    #[test]
    fn suffix_errors() {
        assert_eq!(err("(a b)~2"), "A `~` can only follow a word or a phrase; remove it");
        assert_eq!(err("year:[1 TO 2]~"), "A `~` can only follow a word or a phrase; remove it");
        assert_eq!(
            err("\"a b\"^x"),
            "The query has a malformed `^x`; a boost looks like `^2` and a proximity like `~2`"
        );
        assert_eq!(err("(a)^"), "The query has a malformed `^`; a boost looks like `^2` and a proximity like `~2`");
    }

    #[test]
    fn backslash_at_end() {
        let msg = "The query ends with a lone backslash; remove it, or write `\\\\` to search for a backslash";
        assert_eq!(err("a\\"), msg);
        assert_eq!(err("tags:a\\"), msg);
        assert_eq!(err("year:[a\\"), msg);
    }

    #[test]
    fn limits() {
        let too_long = "The query is too long (at most 10000 characters)";
        assert_eq!(err(&"a".repeat(MAX_QUERY_CHARS + 1)), too_long);
        assert_eq!(err(&"(".repeat(100_000)), too_long);
        assert_eq!(err(&"đ".repeat(MAX_QUERY_CHARS + 1)), too_long);
        assert_eq!(ok(&"a".repeat(MAX_QUERY_CHARS)), w(&"a".repeat(MAX_QUERY_CHARS)));

        let too_deep = "The query nests parentheses too deeply (at most 16 levels); simplify it";
        let deep = format!("{}a{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert_eq!(err(&deep), too_deep);
        assert_eq!(err(&"(".repeat(MAX_QUERY_CHARS)), too_deep);
        assert_eq!(err(&format!("tags:{}a", "(".repeat(MAX_DEPTH + 1))), too_deep);
        // Depth counts nesting, not the number of groups.
        assert!(parse(&"(a) ".repeat(MAX_CLAUSES)).is_ok());

        let too_many = "The query has too many terms (at most 256); search for fewer words or values";
        assert!(parse(&"a ".repeat(MAX_CLAUSES)).is_ok());
        assert_eq!(err(&"a ".repeat(MAX_CLAUSES + 1)), too_many);
        assert_eq!(err(&format!("{}b", "a OR ".repeat(MAX_CLAUSES))), too_many);
        assert_eq!(err(&format!("tags:({})", "a ".repeat(MAX_CLAUSES + 1))), too_many);
    }

    /// Properties every successful parse has.
    fn check_shape(expr: &Expr, leaves: &mut usize) -> Result<(), String> {
        match expr {
            Expr::MatchAll => *leaves += 1,
            Expr::Field { value, .. } => {
                *leaves += 1;
                match value {
                    Value::Word(s) | Value::Prefix(s) if s.is_empty() => return Err(format!("empty {value:?}")),
                    Value::Phrase(s) if s.trim().is_empty() => return Err("empty phrase".into()),
                    _ => {}
                }
            }
            Expr::Bool(clauses) => {
                if clauses.is_empty() {
                    return Err("empty Bool".into());
                }
                if let [(Occur::Must, _)] = clauses.as_slice() {
                    return Err("Bool with a single Must clause".into());
                }
                for (_, clause) in clauses {
                    check_shape(clause, leaves)?;
                }
            }
        }
        Ok(())
    }

    const FIELDS: &[&str] = &["title", "tags", "res_format", "organization", "extras.source"];

    #[derive(Debug, Clone)]
    enum Leaf {
        Word,
        Phrase,
        Prefix,
    }

    /// A query shape for the round-trip property, with the spelling choices the printer should make.
    #[derive(Debug, Clone)]
    enum Ast {
        Leaf { field: Option<&'static str>, kind: Leaf, text: String },
        And { children: Vec<(&'static str, Ast)>, sep: &'static str, pad: bool },
        Or { children: Vec<Ast>, sep: &'static str, bare_and: bool },
        FieldGroup { field: &'static str, inner: Box<Ast> },
    }

    fn render(ast: &Ast) -> String {
        let nested = |ast: &Ast, pad: bool| match ast {
            Ast::And { .. } | Ast::Or { .. } if pad => format!("( {} )", render(ast)),
            Ast::And { .. } | Ast::Or { .. } => format!("({})", render(ast)),
            _ => render(ast),
        };
        match ast {
            Ast::Leaf { field, kind, text } => {
                let value = match kind {
                    Leaf::Word => text.clone(),
                    Leaf::Phrase => format!("\"{text}\""),
                    Leaf::Prefix => format!("{text}*"),
                };
                match field {
                    Some(field) => format!("{field}:{value}"),
                    None => value,
                }
            }
            Ast::And { children, sep, pad } => children
                .iter()
                .map(|(modifier, c)| format!("{modifier}{}", nested(c, *pad)))
                .collect::<Vec<_>>()
                .join(sep),
            Ast::Or { children, sep, bare_and } => children
                .iter()
                .map(|c| match c {
                    Ast::And { .. } if *bare_and => render(c),
                    _ => nested(c, false),
                })
                .collect::<Vec<_>>()
                .join(sep),
            Ast::FieldGroup { field, inner } => format!("{field}:({})", render(inner)),
        }
    }

    /// What the parser should return for `render(ast)`, written independently of the parser's builders.
    fn normalise(ast: &Ast, default_field: Option<&str>) -> Expr {
        match ast {
            Ast::Leaf { field, kind, text } => {
                let value = match kind {
                    Leaf::Word => Value::Word(text.clone()),
                    Leaf::Phrase => Value::Phrase(text.clone()),
                    Leaf::Prefix => Value::Prefix(text.clone()),
                };
                Expr::Field { field: field.or(default_field).map(str::to_owned), value }
            }
            Ast::And { children, .. } => {
                let mut clauses = Vec::new();
                for (modifier, child) in children {
                    let occur = if matches!(*modifier, "" | "+") { Occur::Must } else { Occur::MustNot };
                    match normalise(child, default_field) {
                        Expr::Bool(inner)
                            if occur == Occur::Must && !inner.iter().any(|(o, _)| *o == Occur::Should) =>
                        {
                            clauses.extend(inner)
                        }
                        expr => clauses.push((occur, expr)),
                    }
                }
                if let [(Occur::Must, _)] = clauses.as_slice() {
                    return clauses.swap_remove(0).1;
                }
                Expr::Bool(clauses)
            }
            Ast::Or { children, .. } => {
                let mut clauses = Vec::new();
                for child in children {
                    match normalise(child, default_field) {
                        Expr::Bool(inner) if inner.iter().all(|(o, _)| *o == Occur::Should) => clauses.extend(inner),
                        expr => clauses.push((Occur::Should, expr)),
                    }
                }
                Expr::Bool(clauses)
            }
            Ast::FieldGroup { field, inner } => normalise(inner, Some(field)),
        }
    }

    fn ast_strategy() -> impl Strategy<Value = Ast> {
        let word = "[a-z0-9đà]{1,8}";
        let field = prop_oneof![Just(None), prop::sample::select(FIELDS).prop_map(Some)];
        let kind = prop_oneof![Just(Leaf::Word), Just(Leaf::Phrase), Just(Leaf::Prefix)];
        let leaf = (field, kind, prop::collection::vec(word, 1..4)).prop_map(|(field, kind, words)| {
            let text = match kind {
                Leaf::Phrase => words.join(" "),
                _ => words.into_iter().next().unwrap_or_default(),
            };
            Ast::Leaf { field, kind, text }
        });
        leaf.prop_recursive(3, 64, 4, |inner| {
            let modifier = prop::sample::select(&["", "", "+", "-", "NOT ", "!", "! "][..]);
            prop_oneof![
                (
                    prop::collection::vec((modifier, inner.clone()), 2..5),
                    prop::sample::select(&[" ", " AND ", " && ", "\t", "  "][..]),
                    any::<bool>()
                )
                    .prop_map(|(children, sep, pad)| Ast::And { children, sep, pad }),
                (
                    prop::collection::vec(inner.clone(), 2..5),
                    prop::sample::select(&[" OR ", " || "][..]),
                    any::<bool>()
                )
                    .prop_map(|(children, sep, bare_and)| Ast::Or { children, sep, bare_and }),
                (prop::sample::select(FIELDS), inner)
                    .prop_map(|(field, inner)| Ast::FieldGroup { field, inner: Box::new(inner) }),
            ]
        })
    }

    /// Fragments that exercise every corner of the grammar when glued together at random.
    const FRAGMENTS: &[&str] = &[
        "(", ")", "[", "]", "{", "}", "\"", ":", "\\", "*", "?", "^", "~", "+", "-", "!", "&&", "||", "&", "|", "/",
        " ", "\t", "\u{3000}", "AND", "OR", "NOT", "TO", "a", "đ", "Hà", "title", "tags", "2.5", "1", "*:*",
        "NOW-1DAY", "\u{0}", "\u{301}", "🦀", "\r\n",
    ];

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_strings(s in any::<String>()) {
            if let Ok(expr) = parse(&s) {
                let mut leaves = 0;
                prop_assert_eq!(check_shape(&expr, &mut leaves), Ok(()));
                prop_assert!(leaves <= MAX_CLAUSES);
            }
        }

        #[test]
        fn never_panics_on_special_characters(parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..80)) {
            let s = parts.concat();
            if let Ok(expr) = parse(&s) {
                let mut leaves = 0;
                prop_assert_eq!(check_shape(&expr, &mut leaves), Ok(()));
                prop_assert!(leaves <= MAX_CLAUSES);
            }
        }

        #[test]
        fn rendered_asts_parse_back(ast in ast_strategy()) {
            let query = render(&ast);
            prop_assert_eq!(parse(&query), Ok(normalise(&ast, None)), "query: {}", query);
        }

        #[test]
        fn long_queries_are_refused(seed in "\\PC{1,20}", extra in 1usize..2000) {
            let query: String = seed.chars().cycle().take(MAX_QUERY_CHARS + extra).collect();
            prop_assert_eq!(
                parse(&query).map_err(|e| e.message),
                Err("The query is too long (at most 10000 characters)".to_owned())
            );
        }
    }
}
