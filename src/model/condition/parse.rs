//! The condition parser: a small hand-written recursive descent over the
//! text, because the grammar is tiny and every error must point at a byte
//! offset with a sentence a user can act on.

use super::{Condition, ConditionError, Literal, Op, Operand, PathSeg, Placeholder, Value};

/// Where an operand stands; decides which forms are allowed and where a bare
/// word ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right(Op),
    /// Inside `len(...)` or `any(...)`.
    Argument,
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

type PResult<T> = Result<T, ConditionError>;

fn error(message: impl Into<String>, offset: usize) -> ConditionError {
    ConditionError {
        message: message.into(),
        offset,
    }
}

pub(super) fn parse(text: &str) -> PResult<Condition> {
    let mut p = Parser { src: text, pos: 0 };
    p.skip_ws();
    if p.eof() {
        return Err(error(
            "the condition is empty: write it as LEFT OPERATOR RIGHT, e.g. [STATUS] == 200",
            p.pos,
        ));
    }
    let lhs_start = p.pos;
    let lhs = p.operand(Side::Left)?;
    let lhs_text = text[lhs_start..p.pos].trim_end().to_string();
    p.skip_ws();
    let op = match p.operator() {
        Some(op) => op,
        None => return Err(p.missing_operator(&lhs_text)),
    };
    p.skip_ws();
    if p.eof() {
        return Err(error(
            format!("expected a value after {}", op.as_str()),
            p.pos,
        ));
    }
    let rhs = p.operand(Side::Right(op))?;
    p.skip_ws();
    if !p.eof() {
        let rest = &text[p.pos..];
        let message = if p.peek_operator() {
            "a condition has one operator; write two conditions to check two things".to_string()
        } else {
            format!(
                "unexpected `{}` after the condition; quote text that contains spaces",
                shorten(rest)
            )
        };
        return Err(error(message, p.pos));
    }
    Ok(Condition {
        source: text.to_string(),
        lhs,
        op,
        rhs,
    })
}

/// Keys that print as `.key`; others print as `["key"]`.
pub(super) fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(is_key_char)
}

fn is_key_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '.' | '[' | ']' | '=' | '!' | '<' | '>' | '(' | ')' | ',' | '"' | '\''
        )
}

fn shorten(text: &str) -> String {
    let mut out: String = text.chars().filter(|c| !c.is_control()).take(30).collect();
    if text.chars().count() > 30 {
        out.push('…');
    }
    out
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn eof(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn peek_operator(&self) -> bool {
        self.peek()
            .is_some_and(|c| matches!(c, '=' | '!' | '<' | '>'))
    }

    fn operator(&mut self) -> Option<Op> {
        let rest = self.rest();
        let (op, len) = if rest.starts_with("==") {
            (Op::Eq, 2)
        } else if rest.starts_with("!=") {
            (Op::Ne, 2)
        } else if rest.starts_with("<=") {
            (Op::Le, 2)
        } else if rest.starts_with(">=") {
            (Op::Ge, 2)
        } else if rest.starts_with('<') {
            (Op::Lt, 1)
        } else if rest.starts_with('>') {
            (Op::Gt, 1)
        } else {
            return None;
        };
        self.pos += len;
        Some(op)
    }

    fn missing_operator(&self, lhs_text: &str) -> ConditionError {
        let rest = self.rest();
        let message = if rest.starts_with('=') {
            "`=` is not an operator: did you mean ==?".to_string()
        } else if rest.starts_with('!') {
            "`!` is not an operator: did you mean !=?".to_string()
        } else if rest.is_empty() {
            format!("expected an operator such as == or < after {lhs_text}")
        } else {
            format!(
                "expected an operator such as == or < after {lhs_text}, found `{}`",
                shorten(rest)
            )
        };
        error(message, self.pos)
    }

    fn operand(&mut self, side: Side) -> PResult<Operand> {
        let start = self.pos;
        match self.peek() {
            Some('[') => {
                let placeholder = self.placeholder()?;
                Ok(Operand::Placeholder(placeholder))
            }
            Some('"' | '\'') => Ok(Operand::Literal(self.quoted_literal()?)),
            Some(c) if c.is_ascii_alphabetic() && self.function_follows() => {
                self.function(side, start)
            }
            _ => Ok(Operand::Literal(self.bare_literal(side)?)),
        }
    }

    /// An identifier directly followed by `(`.
    fn function_follows(&self) -> bool {
        let rest = self.rest();
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(rest.len());
        rest[name_len..].starts_with('(')
    }

    fn function(&mut self, side: Side, start: usize) -> PResult<Operand> {
        let rest = self.rest();
        let name_len = rest.find('(').unwrap_or(rest.len());
        let name = rest[..name_len].to_string();
        self.pos += name_len + 1;
        let right_of_equality = matches!(side, Side::Right(op) if op.is_equality());
        match name.to_ascii_lowercase().as_str() {
            "len" => {
                self.skip_ws();
                let arg_start = self.pos;
                let inner = self.operand(Side::Argument)?;
                if !matches!(inner, Operand::Placeholder(_) | Operand::Literal(_)) {
                    return Err(error(
                        "len() takes a placeholder such as [BODY].items",
                        arg_start,
                    ));
                }
                self.close_paren("len(")?;
                Ok(Operand::Len(Box::new(inner)))
            }
            "has" => {
                self.skip_ws();
                let arg_start = self.pos;
                if self.peek() != Some('[') {
                    return Err(error(
                        "has() takes a placeholder such as [BODY].errors",
                        arg_start,
                    ));
                }
                let placeholder = self.placeholder()?;
                self.close_paren("has(")?;
                Ok(Operand::Has(placeholder))
            }
            "pat" => {
                if !right_of_equality {
                    return Err(error("pat(...) only works on the right of == or !=", start));
                }
                // The pattern is everything up to the last `)`: it may contain `)`.
                let rest = self.rest();
                let Some(close) = rest.rfind(')') else {
                    return Err(error("pat( is not closed: expected )", self.src.len()));
                };
                let glob = rest[..close].to_string();
                self.pos += close + 1;
                Ok(Operand::Pattern(glob))
            }
            "any" => {
                if !right_of_equality {
                    return Err(error("any(...) only works on the right of == or !=", start));
                }
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    let item_start = self.pos;
                    if self.peek() == Some(')') && items.is_empty() {
                        return Err(error("any() needs at least one value", item_start));
                    }
                    match self.operand(Side::Argument)? {
                        Operand::Literal(l) => items.push(l),
                        _ => {
                            return Err(error(
                                "any() takes values such as any(200, 204)",
                                item_start,
                            ));
                        }
                    }
                    self.skip_ws();
                    if self.eat(',') {
                        continue;
                    }
                    if self.eat(')') {
                        break;
                    }
                    return Err(error("expected , or ) in any(...)", self.pos));
                }
                Ok(Operand::Any(items))
            }
            _ => Err(error(
                format!(
                    "unknown function `{}`: use len, has, pat or any",
                    shorten(&name)
                ),
                start,
            )),
        }
    }

    fn close_paren(&mut self, what: &str) -> PResult<()> {
        self.skip_ws();
        if self.eat(')') {
            Ok(())
        } else {
            Err(error(format!("{what} is not closed: expected )"), self.pos))
        }
    }

    fn placeholder(&mut self) -> PResult<Placeholder> {
        let start = self.pos;
        self.bump(); // '['
        let rest = self.rest();
        let Some(close) = rest.find(']') else {
            return Err(error("`[` is not closed: expected ]", start));
        };
        let name = &rest[..close];
        let valid = |n: &str| {
            let mut chars = n.chars();
            chars.next().is_some_and(|c| c.is_ascii_uppercase())
                && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        };
        if !valid(name) {
            let upper = name.to_ascii_uppercase();
            let message = if valid(&upper) {
                format!("placeholders are upper case: did you mean [{upper}]?")
            } else {
                format!(
                    "`[{}]` is not a placeholder: names are upper-case letters, digits and _, as in [STATUS]",
                    shorten(name)
                )
            };
            return Err(error(message, start));
        }
        let name = name.to_string();
        self.pos += close + 1;
        let mut path = Vec::new();
        loop {
            let seg_start = self.pos;
            if self.eat('.') {
                let rest = self.rest();
                let len = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
                if len == 0 {
                    return Err(error("expected a field name after `.`", self.pos));
                }
                path.push(PathSeg::Key(rest[..len].to_string()));
                self.pos += len;
            } else if self.eat('[') {
                match self.peek() {
                    Some('"' | '\'') => {
                        let key = self.quoted()?;
                        path.push(PathSeg::Key(key));
                    }
                    Some(c) if c.is_ascii_digit() => {
                        let rest = self.rest();
                        let len = rest
                            .find(|c: char| !c.is_ascii_digit())
                            .unwrap_or(rest.len());
                        let index = rest[..len]
                            .parse::<usize>()
                            .map_err(|_| error("this index is too large", self.pos))?;
                        path.push(PathSeg::Index(index));
                        self.pos += len;
                    }
                    _ => {
                        return Err(error(
                            "expected an index such as [0] or a quoted key such as [\"a.b\"]",
                            self.pos,
                        ));
                    }
                }
                if !self.eat(']') {
                    return Err(error("`[` is not closed: expected ]", seg_start));
                }
            } else {
                break;
            }
        }
        let placeholder = Placeholder { name, path };
        check_shape(&placeholder, start)?;
        Ok(placeholder)
    }

    /// A quoted string with `\"`, `\'` and `\\` escapes; the cursor is on the quote.
    fn quoted(&mut self) -> PResult<String> {
        let start = self.pos;
        let Some(quote) = self.bump() else {
            return Err(error("expected a quote", start));
        };
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(error("this quote is not closed", start)),
                Some('\\') => match self.bump() {
                    Some(c) => out.push(c),
                    None => return Err(error("this quote is not closed", start)),
                },
                Some(c) if c == quote => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn quoted_literal(&mut self) -> PResult<Literal> {
        let start = self.pos;
        let text = self.quoted()?;
        Ok(Literal {
            value: Value::Text(text),
            text: self.src[start..self.pos].to_string(),
        })
    }

    fn bare_literal(&mut self, side: Side) -> PResult<Literal> {
        let start = self.pos;
        let src = self.src;
        let rest = &src[start..];
        let len = rest
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '=' | '!' | '<' | '>' | ',' | ')' | '(' | '[' | '"' | '\''
                    )
            })
            .unwrap_or(rest.len());
        if len == 0 {
            let message = if self.peek_operator() {
                let mut probe = Parser {
                    src: self.src,
                    pos: self.pos,
                };
                match probe.operator() {
                    Some(op) if side == Side::Left => {
                        format!("expected a placeholder or a value before {}", op.as_str())
                    }
                    _ => format!("expected a value, found `{}`", shorten(rest)),
                }
            } else {
                format!("expected a value, found `{}`", shorten(rest))
            };
            return Err(error(message, start));
        }
        let word = &src[start..start + len];
        self.pos += len;
        let value = classify(word);
        if let (Value::Text(_), Side::Right(op)) = (&value, side)
            && !op.is_equality()
            && word.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(error(
                format!(
                    "`{}` is not a number or a duration (units: ms, s, m, h)",
                    shorten(word)
                ),
                start,
            ));
        }
        Ok(Literal {
            value,
            text: word.to_string(),
        })
    }
}

/// Known placeholders take known paths; catching `[STATUS].code` here beats
/// an evaluation failure in the middle of a release.
fn check_shape(p: &Placeholder, offset: usize) -> PResult<()> {
    let keys: Vec<Option<&str>> = p
        .path
        .iter()
        .map(|s| match s {
            PathSeg::Key(k) => Some(k.as_str()),
            PathSeg::Index(_) => None,
        })
        .collect();
    let problem = match (p.name.as_str(), keys.as_slice()) {
        ("STATUS" | "CONNECTED", [_, ..]) => Some(format!("[{}] takes no path", p.name)),
        ("RESPONSE_TIME", [] | [Some("first" | "last")]) => None,
        ("RESPONSE_TIME", _) => {
            Some("[RESPONSE_TIME] takes .first or .last, or nothing".to_string())
        }
        ("STATUS_COUNT", [Some(code)]) if code.parse::<u16>().is_ok() => None,
        ("STATUS_COUNT", _) => {
            Some("[STATUS_COUNT] needs a status code, as in [STATUS_COUNT].429".to_string())
        }
        ("HEADER", [Some(_)]) => None,
        ("HEADER", _) => {
            Some("[HEADER] needs one header name, as in [HEADER].content-type".to_string())
        }
        ("HEALTH", [] | [Some(_)]) => None,
        ("HEALTH", _) => Some("[HEALTH] takes one component name, as in [HEALTH].db".to_string()),
        _ => None,
    };
    match problem {
        Some(message) => Err(error(message, offset)),
        None => Ok(()),
    }
}

/// A bare word: boolean, null, number, duration, or else text.
fn classify(word: &str) -> Value {
    match word {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "null" => return Value::Null,
        _ => {}
    }
    match number_and_unit(word) {
        Some((n, "")) => Value::Number(n),
        Some((n, unit)) => match unit_ms(unit) {
            Some(factor) => Value::Millis(n * factor),
            None => Value::Text(word.to_string()),
        },
        None => Value::Text(word.to_string()),
    }
}

/// Milliseconds per unit.
pub(super) fn unit_ms(unit: &str) -> Option<f64> {
    Some(match unit {
        "us" | "µs" => 0.001,
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    })
}

/// Splits `-12.5e3ms` into (-12500, "ms"); None when the word does not start
/// with a number. Hand-rolled because `f64::from_str` also accepts `inf` and `NaN`.
pub(super) fn number_and_unit(word: &str) -> Option<(f64, &str)> {
    let bytes = word.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - digits_start;
    if bytes.get(i) == Some(&b'.') {
        let frac_start = i + 1;
        let mut j = frac_start;
        while bytes.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > frac_start {
            digits += j - frac_start;
            i = j;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        let exp_start = j;
        while bytes.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    let n = word[..i].parse::<f64>().ok()?;
    Some((n, &word[i..]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ph(name: &str, path: Vec<PathSeg>) -> Operand {
        Operand::Placeholder(Placeholder {
            name: name.to_string(),
            path,
        })
    }

    fn key(k: &str) -> PathSeg {
        PathSeg::Key(k.to_string())
    }

    fn lit(value: Value, text: &str) -> Operand {
        Operand::Literal(Literal {
            value,
            text: text.to_string(),
        })
    }

    #[test]
    fn parses_the_forms_users_write() {
        let cases: Vec<(&str, Operand, Op, Operand)> = vec![
            (
                "[STATUS] == 200",
                ph("STATUS", vec![]),
                Op::Eq,
                lit(Value::Number(200.0), "200"),
            ),
            (
                "[STATUS]==200",
                ph("STATUS", vec![]),
                Op::Eq,
                lit(Value::Number(200.0), "200"),
            ),
            (
                "  [RESPONSE_TIME] < 150ms ",
                ph("RESPONSE_TIME", vec![]),
                Op::Lt,
                lit(Value::Millis(150.0), "150ms"),
            ),
            (
                "[RESPONSE_TIME] <= 2s",
                ph("RESPONSE_TIME", vec![]),
                Op::Le,
                lit(Value::Millis(2000.0), "2s"),
            ),
            (
                "[RESPONSE_TIME] < 1.5s",
                ph("RESPONSE_TIME", vec![]),
                Op::Lt,
                lit(Value::Millis(1500.0), "1.5s"),
            ),
            (
                "[BODY].ready == true",
                ph("BODY", vec![key("ready")]),
                Op::Eq,
                lit(Value::Bool(true), "true"),
            ),
            (
                "[BODY].a.b[0].c != null",
                ph(
                    "BODY",
                    vec![key("a"), key("b"), PathSeg::Index(0), key("c")],
                ),
                Op::Ne,
                lit(Value::Null, "null"),
            ),
            (
                "[BODY][0].x >= -3.5e1",
                ph("BODY", vec![PathSeg::Index(0), key("x")]),
                Op::Ge,
                lit(Value::Number(-35.0), "-3.5e1"),
            ),
            (
                "[BODY][\"a.b\"] == 'two words'",
                ph("BODY", vec![key("a.b")]),
                Op::Eq,
                lit(Value::Text("two words".into()), "'two words'"),
            ),
            (
                "[BODY].status == healthy",
                ph("BODY", vec![key("status")]),
                Op::Eq,
                lit(Value::Text("healthy".into()), "healthy"),
            ),
            (
                "[HEADER].content-type == application/json",
                ph("HEADER", vec![key("content-type")]),
                Op::Eq,
                lit(Value::Text("application/json".into()), "application/json"),
            ),
            (
                "[STATUS_COUNT].429 >= 5",
                ph("STATUS_COUNT", vec![key("429")]),
                Op::Ge,
                lit(Value::Number(5.0), "5"),
            ),
            (
                "[RESPONSE_TIME].last < [RESPONSE_TIME].first",
                ph("RESPONSE_TIME", vec![key("last")]),
                Op::Lt,
                ph("RESPONSE_TIME", vec![key("first")]),
            ),
            (
                "[HEALTHY] == [RUNNING]",
                ph("HEALTHY", vec![]),
                Op::Eq,
                ph("RUNNING", vec![]),
            ),
            (
                "200 == [STATUS]",
                lit(Value::Number(200.0), "200"),
                Op::Eq,
                ph("STATUS", vec![]),
            ),
            (
                "[HEALTH].db == up",
                ph("HEALTH", vec![key("db")]),
                Op::Eq,
                lit(Value::Text("up".into()), "up"),
            ),
            (
                "len([BODY].errors) > 0",
                Operand::Len(Box::new(ph("BODY", vec![key("errors")]))),
                Op::Gt,
                lit(Value::Number(0.0), "0"),
            ),
            (
                "has([BODY].errors) == false",
                Operand::Has(Placeholder {
                    name: "BODY".into(),
                    path: vec![key("errors")],
                }),
                Op::Eq,
                lit(Value::Bool(false), "false"),
            ),
            (
                "[BODY] == pat(*ok (really)*)",
                ph("BODY", vec![]),
                Op::Eq,
                Operand::Pattern("*ok (really)*".into()),
            ),
            (
                "[STATUS] != any(200, 204 ,'x')",
                ph("STATUS", vec![]),
                Op::Ne,
                Operand::Any(vec![
                    Literal {
                        value: Value::Number(200.0),
                        text: "200".into(),
                    },
                    Literal {
                        value: Value::Number(204.0),
                        text: "204".into(),
                    },
                    Literal {
                        value: Value::Text("x".into()),
                        text: "'x'".into(),
                    },
                ]),
            ),
            (
                "[BODY].version == 1.2.3",
                ph("BODY", vec![key("version")]),
                Op::Eq,
                lit(Value::Text("1.2.3".into()), "1.2.3"),
            ),
        ];
        for (text, lhs, op, rhs) in cases {
            let c =
                Condition::parse(text).unwrap_or_else(|e| panic!("{text}: {e} at {}", e.offset));
            assert_eq!((c.lhs, c.op, c.rhs), (lhs, op, rhs), "{text}");
            assert_eq!(c.source, text);
        }
    }

    #[test]
    fn reports_errors_with_offsets_and_sentences() {
        let cases: Vec<(&str, usize, &str)> = vec![
            ("", 0, "empty"),
            ("   ", 3, "empty"),
            (
                "[STATUS]",
                8,
                "expected an operator such as == or < after [STATUS]",
            ),
            (
                "[STATUS] 200",
                9,
                "expected an operator such as == or < after [STATUS], found `200`",
            ),
            ("[STATUS] = 200", 9, "did you mean ==?"),
            ("[STATUS] ! 200", 9, "did you mean !=?"),
            ("[STATUS] ==", 11, "expected a value after =="),
            ("[STATUS] ==   ", 14, "expected a value after =="),
            ("== 200", 0, "expected a placeholder or a value before =="),
            ("[status] == 200", 0, "did you mean [STATUS]?"),
            ("[] == 1", 0, "not a placeholder"),
            ("[STATUS == 200", 0, "not closed"),
            ("[STATUS].code == 200", 0, "[STATUS] takes no path"),
            ("[CONNECTED][0] == true", 0, "[CONNECTED] takes no path"),
            ("[RESPONSE_TIME].median < 5", 0, ".first or .last"),
            ("x == [STATUS_COUNT]", 5, "[STATUS_COUNT].429"),
            ("[STATUS_COUNT].abc > 1", 0, "[STATUS_COUNT].429"),
            ("[HEADER] == x", 0, "[HEADER].content-type"),
            ("[HEALTH].a.b == up", 0, "one component"),
            ("[BODY]. == 1", 7, "field name after `.`"),
            ("[BODY][x] == 1", 7, "index such as [0]"),
            ("[BODY][0 == 1", 6, "not closed"),
            ("[BODY].a == \"open", 12, "quote is not closed"),
            ("[BODY] == two words", 14, "unexpected `words`"),
            ("[STATUS] == 200 == 200", 16, "one operator"),
            ("pat(*ok*) == [BODY]", 0, "pat(...) only works on the right"),
            ("[BODY] < pat(*ok*)", 9, "pat(...) only works on the right"),
            (
                "[STATUS] > any(1, 2)",
                11,
                "any(...) only works on the right",
            ),
            ("[STATUS] == any()", 16, "at least one value"),
            ("[STATUS] == any(1 2)", 18, "expected , or )"),
            ("[STATUS] == any([STATUS])", 16, "any() takes values"),
            ("[STATUS] == any(1, 2", 20, "expected , or )"),
            ("[BODY] == pat(*ok*", 18, "not closed"),
            ("len([BODY] > 1", 11, "len( is not closed"),
            ("has(1) == true", 4, "has() takes a placeholder"),
            ("foo([BODY]) == 1", 0, "unknown function `foo`"),
            (
                "[RESPONSE_TIME] < 5parsecs",
                18,
                "not a number or a duration",
            ),
        ];
        for (text, offset, needle) in cases {
            let e = Condition::parse(text).expect_err(text);
            assert!(
                e.message.contains(needle),
                "{text}: {:?} lacks {needle:?}",
                e.message
            );
            assert_eq!(e.offset, offset, "{text}: {}", e.message);
            assert!(e.offset <= text.len());
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "[BODY].a[\"x.y\"][2] == 'q'",
            "len([BODY]) >= 1",
            "[STATUS] == any(200, 204)",
            "[BODY] != pat(*x*)",
            "has([HEADER].etag) == true",
        ] {
            let c = Condition::parse(text).unwrap();
            let again = Condition::parse(&c.to_string()).unwrap();
            assert_eq!(
                (c.lhs, c.op, c.rhs),
                (again.lhs, again.op, again.rhs),
                "{text}"
            );
        }
    }

    #[test]
    fn numbers_and_units() {
        assert_eq!(number_and_unit("150ms"), Some((150.0, "ms")));
        assert_eq!(number_and_unit(".5s"), Some((0.5, "s")));
        assert_eq!(number_and_unit("1e"), Some((1.0, "e")));
        assert_eq!(number_and_unit("inf"), None);
        assert_eq!(number_and_unit("NaN"), None);
        assert_eq!(number_and_unit("-"), None);
        assert_eq!(classify("2m"), Value::Millis(120_000.0));
        assert_eq!(classify("abc"), Value::Text("abc".into()));
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC*") {
            if let Err(e) = Condition::parse(&text) {
                proptest::prop_assert!(e.offset <= text.len());
                proptest::prop_assert!(!e.message.is_empty());
            }
        }

        #[test]
        fn parse_never_panics_on_condition_like_text(
            text in "[\\[\\]A-Z_a-z0-9.\"'()=!<>, *-]{0,40}"
        ) {
            if let Err(e) = Condition::parse(&text) {
                proptest::prop_assert!(e.offset <= text.len());
            }
        }
    }
}
