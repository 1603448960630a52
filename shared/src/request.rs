//! Requests: `{"id": 7, "op": "connect", …arguments}`, one per text frame.
//!
//! Owns [`Request`] and [`parse_request`], which turns a text frame into a request
//! or into an error that names the offending field. The op catalogue is
//! [`crate::op`]; performing an op is the relay's job.

use crate::field_error::culprit_field;
use serde::{Deserialize, Serialize};

pub use crate::op::{Op, OP_NAMES};
pub use crate::op_args::{ConnectArgs, FtpStore, RecvArgs, SendArgs};
pub use crate::socket_consts::{Family, How, OptLevel, OptName, OptValue, RecvFlag, SockType};

/// A request frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Chosen by the client, unique among its pending requests.
    pub id: u64,
    #[serde(flatten)]
    pub op: Op,
}

/// A text frame that is not a valid request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    /// The request's `id` when it could be read: reply with `bad_request`;
    /// otherwise answer with an `error` event.
    pub id: Option<u64>,
    /// Names the field or the unknown op, and what was expected.
    pub message: String,
}

/// Parses one text frame. Errors name what was wrong: not JSON, not an object,
/// a missing or mistyped `id`, a missing or unknown `op`, or the op's field.
///
/// All work is linear in the frame's size, whatever it holds: serde_json stops
/// nesting at depth 128, keys the op does not read are ignored (also when looking
/// for the field an error is about, see [`crate::field_error`]), and text quoted
/// back in a message is cut to [`MAX_ECHO`] characters. Of duplicate keys the last
/// one counts, as in Python's `json`.
pub fn parse_request(text: &str) -> Result<Request, RequestError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| RequestError {
        id: None,
        message: format!("frame is not valid JSON: {e}"),
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(RequestError {
            id: None,
            message: format!(
                "a request must be a JSON object like {{\"id\": 1, \"op\": \"ping\"}}, got {}",
                json_kind(&value)
            ),
        });
    };
    let id = match map.get("id") {
        Some(serde_json::Value::Number(n)) if n.is_u64() => n.as_u64(),
        Some(other) => {
            return Err(RequestError {
                id: None,
                message: match other {
                    serde_json::Value::Number(n) => format!(
                        "field `id` must be an unsigned integer (0 to {}), got a number: {n}",
                        u64::MAX
                    ),
                    _ => format!(
                        "field `id` must be an unsigned integer, got {}",
                        json_kind(other)
                    ),
                },
            })
        }
        None => {
            return Err(RequestError {
                id: None,
                message: "missing field `id` (an unsigned integer chosen by the client)".into(),
            })
        }
    };
    let op_name = match map.get("op") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(RequestError {
                id,
                message: format!("field `op` must be a string, got {}", json_kind(other)),
            })
        }
        None => {
            return Err(RequestError {
                id,
                message: "missing field `op` (the operation's name, e.g. \"connect\")".into(),
            })
        }
    };
    let value = serde_json::Value::Object(map);
    match Op::deserialize(&value) {
        Ok(op) => Ok(Request {
            id: id.unwrap_or_default(),
            op,
        }),
        Err(_) if !is_known_op(&op_name) => Err(RequestError {
            id,
            message: format!(
                "unknown op `{}`; see docs/protocol.md for the list of ops",
                shorten(&op_name, MAX_ECHO)
            ),
        }),
        Err(e) => {
            let msg = e.to_string();
            let shown = shorten(&msg, MAX_ECHO);
            let field = value
                .as_object()
                .and_then(|map| culprit_field(&op_name, map, &msg));
            let message = match field {
                Some(field) => format!("op `{op_name}`: field `{field}`: {shown}"),
                None => format!("op `{op_name}`: {shown}"),
            };
            Err(RequestError { id, message })
        }
    }
}

/// Most characters of a client's text (an op name, a value serde quotes) repeated
/// in an error message: a 1 MiB string is not echoed back whole.
const MAX_ECHO: usize = 300;

/// `text` cut to `max` characters, with `…` when it was longer.
fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => {
            let (head, _) = text.split_at_checked(cut).unwrap_or((text, ""));
            std::borrow::Cow::Owned(format!("{head}… ({} bytes in all)", text.len()))
        }
    }
}

/// Whether `name` is an op of the catalogue. Probed with an object holding only
/// `op`: an unknown tag is then the only possible "unknown variant" error (a field
/// value such as `"family": "AF_BLUETOOTH"` cannot be mistaken for an unknown op).
fn is_known_op(name: &str) -> bool {
    let probe = serde_json::json!({ "op": name });
    match Op::deserialize(&probe) {
        Ok(_) => true,
        Err(e) => !e.to_string().starts_with("unknown variant"),
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_problem() {
        let e = parse_request("nope").unwrap_err();
        assert_eq!(e.id, None);
        assert!(e.message.contains("not valid JSON"));
        let e = parse_request("[1,2]").unwrap_err();
        assert!(e.message.contains("JSON object"), "{}", e.message);
        let e = parse_request(r#"{"op":"ping"}"#).unwrap_err();
        assert!(e.message.contains("`id`"));
        let e = parse_request(r#"{"id":3,"op":"frobnicate"}"#).unwrap_err();
        assert_eq!(e.id, Some(3));
        assert!(
            e.message.contains("unknown op `frobnicate`"),
            "{}",
            e.message
        );
        let e = parse_request(r#"{"id":4,"op":"connect","sock":"s1"}"#).unwrap_err();
        assert_eq!(e.id, Some(4));
        assert!(e.message.contains("`addr`"), "{}", e.message);
        let e = parse_request(r#"{"id":5,"op":"recv","sock":"s1","bufsize":"x"}"#).unwrap_err();
        assert!(e.message.contains("recv"), "{}", e.message);
    }

    #[test]
    fn python_defaults() {
        let r = parse_request(r#"{"id":1,"op":"socket"}"#).unwrap();
        assert_eq!(
            r.op,
            Op::Socket {
                family: Family::AfInet,
                kind: SockType::Stream,
                proto: 0
            }
        );
        let r = parse_request(r#"{"id":1,"op":"ftp.login","conn":"f1"}"#).unwrap();
        assert!(matches!(r.op, Op::FtpLogin { ref user, .. } if user == "anonymous"));
    }
}
