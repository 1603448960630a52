//! Patterns: the small JSON matching language a lesson's check is written in
//! (docs/lessons.md, "Patterns").
//!
//! A pattern is JSON. An object matches a value that has every key of the
//! pattern with a matching value (other keys are ignored); an array matches an
//! array of the same length element by element; a string `"$name"` is a
//! variable (bound at its first match, equal to that binding afterwards);
//! `"$_"` matches anything; an object whose single key starts with `$` is an
//! operator (`$gte`, `$lt`, `$ne`, `$in`, `$all`, `$prefix`, `$contains`,
//! `$not`, `$len`, `$absent`); any other value must be equal (numbers by value, so `5`
//! matches `5.0`). Owns matching and pattern validation; what the patterns are
//! matched against is [`crate::trace`].
//!
//! Patterns come from lesson files a teacher writes, so matching is bounded:
//! [`MAX_PATTERN_DEPTH`] levels, checked by [`validate`] before use.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Deepest nesting a pattern may have.
pub const MAX_PATTERN_DEPTH: usize = 16;

/// Variable bindings made while matching.
pub type Bindings = BTreeMap<String, Value>;

/// The operators a pattern may use, for messages.
pub const OPERATORS: [&str; 12] = [
    "$gte",
    "$gt",
    "$lte",
    "$lt",
    "$ne",
    "$in",
    "$all",
    "$prefix",
    "$contains",
    "$not",
    "$len",
    "$absent",
];

/// Why a pattern is not valid, with the JSON path of the offending part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Checks a pattern's shape: depth, operator names and operand types, variable
/// names. Matching a valid pattern never fails for shape reasons.
pub fn validate(pattern: &Value) -> Result<(), PatternError> {
    validate_at(pattern, "$", 0)
}

fn validate_at(p: &Value, path: &str, depth: usize) -> Result<(), PatternError> {
    let err = |message: String| PatternError {
        path: path.to_owned(),
        message,
    };
    if depth > MAX_PATTERN_DEPTH {
        return Err(err(format!(
            "nested deeper than {MAX_PATTERN_DEPTH} levels"
        )));
    }
    match p {
        Value::String(s) if s.starts_with('$') => {
            if is_variable(s) {
                Ok(())
            } else {
                Err(err(format!(
                    "{s:?} is not a variable: use $ then a lowercase letter or _, then letters, digits or _"
                )))
            }
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| validate_at(item, &format!("{path}[{i}]"), depth + 1)),
        Value::Object(map) => match operator(map) {
            Some((op, operand)) => validate_operator(op, operand, path, depth),
            None => {
                if let Some(key) = map.keys().find(|k| k.starts_with('$')) {
                    return Err(err(format!(
                        "{key:?} looks like an operator but the object has other keys; an operator object has exactly one key"
                    )));
                }
                map.iter().try_for_each(|(key, value)| {
                    validate_at(value, &format!("{path}.{key}"), depth + 1)
                })
            }
        },
        _ => Ok(()),
    }
}

fn validate_operator(
    op: &str,
    operand: &Value,
    path: &str,
    depth: usize,
) -> Result<(), PatternError> {
    let here = format!("{path}.{op}");
    let err = |message: &str| PatternError {
        path: here.clone(),
        message: message.to_owned(),
    };
    match op {
        "$gte" | "$gt" | "$lte" | "$lt" => {
            if operand.is_number() || is_variable_value(operand) {
                Ok(())
            } else {
                Err(err("needs a number or a bound variable"))
            }
        }
        "$prefix" => {
            if operand.is_string() {
                Ok(())
            } else {
                Err(err("needs a string"))
            }
        }
        "$absent" => {
            if operand.is_boolean() {
                Ok(())
            } else {
                Err(err("needs true or false"))
            }
        }
        "$in" | "$all" => match operand {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| validate_at(item, &format!("{here}[{i}]"), depth + 1)),
            _ => Err(err("needs an array of patterns")),
        },
        "$ne" | "$contains" | "$not" | "$len" => validate_at(operand, &here, depth + 1),
        _ => Err(err(&format!(
            "unknown operator; the operators are {}",
            OPERATORS.join(", ")
        ))),
    }
}

/// `"$name"` with a lowercase letter or `_` first, then lowercase letters,
/// digits or `_`.
pub fn is_variable(s: &str) -> bool {
    let Some(name) = s.strip_prefix('$') else {
        return false;
    };
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_variable_value(v: &Value) -> bool {
    matches!(v, Value::String(s) if is_variable(s))
}

/// The operator of an operator object: one key, starting with `$`.
fn operator(map: &Map<String, Value>) -> Option<(&str, &Value)> {
    if map.len() != 1 {
        return None;
    }
    let (key, value) = map.iter().next()?;
    key.starts_with('$').then_some((key.as_str(), value))
}

/// Whether `value` matches `pattern`. On success the new bindings are added to
/// `bindings`; on failure `bindings` is unchanged.
pub fn matches(pattern: &Value, value: &Value, bindings: &mut Bindings) -> bool {
    let mut trial = bindings.clone();
    if match_at(pattern, Some(value), &mut trial, 0) {
        *bindings = trial;
        true
    } else {
        false
    }
}

/// `value` is `None` for a key the matched object lacks (only `$absent: true`
/// and `$not` accept that).
fn match_at(p: &Value, value: Option<&Value>, b: &mut Bindings, depth: usize) -> bool {
    if depth > MAX_PATTERN_DEPTH {
        return false;
    }
    if let Value::Object(map) = p {
        if let Some((op, operand)) = operator(map) {
            return match_operator(op, operand, value, b, depth);
        }
    }
    let Some(v) = value else {
        return false;
    };
    match p {
        Value::String(s) if s == "$_" => true,
        Value::String(s) if is_variable(s) => match b.get(s.as_str()) {
            Some(bound) => json_eq(bound, v),
            None => {
                b.insert(s.clone(), v.clone());
                true
            }
        },
        Value::Object(map) => {
            let Value::Object(vmap) = v else {
                return false;
            };
            map.iter()
                .all(|(key, sub)| match_at(sub, vmap.get(key), b, depth + 1))
        }
        Value::Array(items) => {
            let Value::Array(vitems) = v else {
                return false;
            };
            items.len() == vitems.len()
                && items
                    .iter()
                    .zip(vitems)
                    .all(|(sub, vi)| match_at(sub, Some(vi), b, depth + 1))
        }
        other => json_eq(other, v),
    }
}

fn match_operator(
    op: &str,
    operand: &Value,
    value: Option<&Value>,
    b: &mut Bindings,
    depth: usize,
) -> bool {
    match op {
        "$absent" => value.is_none() == operand.as_bool().unwrap_or(false),
        "$not" => {
            let mut scratch = b.clone();
            !match_at(operand, value, &mut scratch, depth + 1)
        }
        _ => {
            let Some(v) = value else {
                return false;
            };
            match op {
                "$gte" | "$gt" | "$lte" | "$lt" => {
                    let (Some(x), Some(limit)) = (v.as_f64(), resolve(operand, b).as_f64()) else {
                        return false;
                    };
                    match op {
                        "$gte" => x >= limit,
                        "$gt" => x > limit,
                        "$lte" => x <= limit,
                        _ => x < limit,
                    }
                }
                "$ne" => !json_eq(&resolve(operand, b), v),
                "$in" => operand.as_array().is_some_and(|items| {
                    items.iter().any(|item| {
                        let mut trial = b.clone();
                        let ok = match_at(item, Some(v), &mut trial, depth + 1);
                        if ok {
                            *b = trial;
                        }
                        ok
                    })
                }),
                "$all" => operand.as_array().is_some_and(|items| {
                    let mut trial = b.clone();
                    let ok = items
                        .iter()
                        .all(|item| match_at(item, Some(v), &mut trial, depth + 1));
                    if ok {
                        *b = trial;
                    }
                    ok
                }),
                "$prefix" => match (v.as_str(), operand.as_str()) {
                    (Some(s), Some(prefix)) => s.starts_with(prefix),
                    _ => false,
                },
                "$contains" => contains(operand, v, b, depth),
                "$len" => {
                    let len = match v {
                        Value::String(s) => s.chars().count(),
                        Value::Array(items) => items.len(),
                        Value::Object(map) => map.len(),
                        _ => return false,
                    };
                    match_at(operand, Some(&Value::from(len)), b, depth + 1)
                }
                _ => false,
            }
        }
    }
}

/// `$contains`: a substring of a string (the operand a string or a bound
/// variable holding one), or an element of an array that matches the operand.
fn contains(operand: &Value, v: &Value, b: &mut Bindings, depth: usize) -> bool {
    match v {
        Value::String(s) => match resolve(operand, b) {
            Value::String(needle) => s.contains(needle.as_str()),
            _ => false,
        },
        Value::Array(items) => items.iter().any(|item| {
            let mut trial = b.clone();
            let ok = match_at(operand, Some(item), &mut trial, depth + 1);
            if ok {
                *b = trial;
            }
            ok
        }),
        _ => false,
    }
}

/// A variable's binding, or the operand itself.
fn resolve(operand: &Value, b: &Bindings) -> Value {
    match operand {
        Value::String(s) if is_variable(s) => b.get(s.as_str()).cloned().unwrap_or(Value::Null),
        other => other.clone(),
    }
}

/// JSON equality with numbers compared by value (`5` equals `5.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| json_eq(x, y)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn m(p: Value, v: Value) -> bool {
        matches(&p, &v, &mut Bindings::new())
    }

    #[test]
    fn objects_match_on_the_keys_the_pattern_names() {
        assert!(m(
            json!({"ev": "state"}),
            json!({"ev": "state", "sock": "s1"})
        ));
        assert!(!m(
            json!({"ev": "state", "to": "LISTEN"}),
            json!({"ev": "state"})
        ));
        assert!(m(
            json!({"addr": ["127.0.0.1", 20178]}),
            json!({"addr": ["127.0.0.1", 20178.0]})
        ));
        assert!(!m(json!(["a"]), json!(["a", "b"])));
    }

    #[test]
    fn variables_bind_once_and_must_agree_after() {
        let mut b = Bindings::new();
        assert!(matches(
            &json!({"sock": "$srv"}),
            &json!({"sock": "s1"}),
            &mut b
        ));
        assert_eq!(b.get("$srv"), Some(&json!("s1")));
        assert!(!matches(
            &json!({"sock": "$srv"}),
            &json!({"sock": "s2"}),
            &mut b
        ));
        assert!(matches(
            &json!({"sock": "$_"}),
            &json!({"sock": "s2"}),
            &mut b
        ));
        assert!(!b.contains_key("$_"));
    }

    #[test]
    fn a_failed_match_binds_nothing() {
        let mut b = Bindings::new();
        assert!(!matches(
            &json!({"a": "$x", "b": 2}),
            &json!({"a": 1, "b": 3}),
            &mut b
        ));
        assert!(b.is_empty());
    }

    #[test]
    fn operators_do_what_their_names_say() {
        assert!(m(json!({"n": {"$gte": 4}}), json!({"n": 4})));
        assert!(!m(json!({"n": {"$gt": 4}}), json!({"n": 4})));
        assert!(m(json!({"n": {"$lt": 4}}), json!({"n": 3})));
        assert!(m(
            json!({"code": {"$in": ["EAGAIN", "EWOULDBLOCK"]}}),
            json!({"code": "EAGAIN"})
        ));
        assert!(m(
            json!({"s": {"$prefix": "GET /"}}),
            json!({"s": "GET /get HTTP/1.1"})
        ));
        assert!(m(
            json!({"s": {"$contains": "Host:"}}),
            json!({"s": "a\r\nHost: x"})
        ));
        assert!(m(
            json!({"r": {"$contains": "s2"}}),
            json!({"r": ["s1", "s2"]})
        ));
        assert!(m(json!({"err": {"$absent": true}}), json!({"ok": {}})));
        assert!(!m(json!({"ok": {"$absent": true}}), json!({"ok": {}})));
        assert!(m(
            json!({"to": {"$not": "SYN_SENT"}}),
            json!({"to": "BOUND"})
        ));
        assert!(m(json!({"r": {"$len": {"$gte": 2}}}), json!({"r": [1, 2]})));
        assert!(m(json!({"a": {"$ne": 0}}), json!({"a": 111})));
        let head = json!({"$all": [{"$prefix": "POST "}, {"$contains": "Host: "}]});
        assert!(m(
            json!({"s": head.clone()}),
            json!({"s": "POST / HTTP/1.1\r\nHost: x"})
        ));
        assert!(!m(json!({"s": head}), json!({"s": "POST / HTTP/1.1\r\n"})));
        let mut b = Bindings::new();
        assert!(matches(
            &json!({"d": {"$all": [{"text": "$t"}, {"$len": 1}]}}),
            &json!({"d": {"text": "hi"}}),
            &mut b
        ));
        assert_eq!(b.get("$t"), Some(&json!("hi")));
    }

    #[test]
    fn comparisons_may_use_a_bound_variable() {
        let mut b = Bindings::new();
        b.insert("$n".into(), json!(5));
        assert!(matches(
            &json!({"x": {"$lt": "$n"}}),
            &json!({"x": 3}),
            &mut b
        ));
        assert!(matches(
            &json!({"x": {"$ne": "$n"}}),
            &json!({"x": 3}),
            &mut b
        ));
    }

    #[test]
    fn validation_names_the_bad_part() {
        assert!(validate(&json!({"a": {"$gte": 1}, "b": ["$x", "$_"]})).is_ok());
        let e = validate(&json!({"a": {"$frob": 1}})).err();
        assert_eq!(e.map(|e| e.path), Some("$.a.$frob".to_owned()));
        assert!(validate(&json!({"a": "$Bad"})).is_err());
        assert!(validate(&json!({"a": {"$gte": 1, "b": 2}})).is_err());
        assert!(validate(&json!({"a": {"$prefix": 1}})).is_err());
        let mut deep = json!(1);
        for _ in 0..20 {
            deep = json!({ "k": deep });
        }
        assert!(validate(&deep).is_err());
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[$a-z_]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(6, 48, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[$a-z]{1,5}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any JSON as a pattern against any JSON: validation and matching
        /// return, never panic, and a valid pattern always matches itself when
        /// it has no variables or operators.
        #[test]
        fn matching_any_json_never_panics(p in json_value(), v in json_value()) {
            let _ = validate(&p);
            let mut b = Bindings::new();
            let _ = matches(&p, &v, &mut b);
            let plain = !p.to_string().contains('$');
            if plain {
                prop_assert!(matches(&p, &p, &mut Bindings::new()));
            }
        }
    }
}
