//! Reading the relay's text frames: the `Deserialize` of [`Reply`], [`OkBody`],
//! [`EventFrame`] and [`Event`], written by hand over one parsed
//! `serde_json::Value`.
//!
//! serde's derives for `flatten`, `untagged` and `tag = "…"` buffer the input in
//! a generic copy and compile every variant once per kind of buffer; in the
//! browser's wasm that was about a tenth of the page. These readers accept what
//! the derives accepted for JSON objects (unknown keys ignored, a missing
//! `Option` is `None`, an `OkBody` is the first variant in declaration order
//! whose fields are all there and well typed, an `Event` is chosen by `ev`), and
//! each field is read by its type's own `Deserialize` from the `Value`.
//! Serializing stays derived. Owns only this reading; the shapes are in
//! `reply.rs` and `event.rs`.

use crate::event::EVENT_NAMES;
use crate::{Event, EventFrame, OkBody, Outcome, Reply};
use serde::de::{Deserialize, Deserializer, Error as _, Visitor};
use serde_json::{Error, Value};

impl<'de> Deserialize<'de> for Reply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        reply(&Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

impl<'de> Deserialize<'de> for EventFrame {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        event_frame(&Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

impl<'de> Deserialize<'de> for OkBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ok_body(&Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        event(&Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// `{"re": 7, "ok": {…}}` or `{"re": 7, "err": {…}}`: the first of `ok` and
/// `err` in key order decides, as serde's `flatten` did.
pub(crate) fn reply(v: &Value) -> Result<Reply, Error> {
    let re = field(v, "re")?;
    let outcome = v
        .as_object()
        .and_then(|obj| {
            obj.iter().find_map(|(key, value)| match key.as_str() {
                "ok" => Some(ok_body(value).map(Outcome::Ok)),
                "err" => Some(Deserialize::deserialize(value).map(Outcome::Err)),
                _ => None,
            })
        })
        .unwrap_or_else(|| Err(Error::custom("no `ok` or `err` in the reply")))?;
    Ok(Reply { re, outcome })
}

/// `{"ev": "…", "t": 1532, …}`.
pub(crate) fn event_frame(v: &Value) -> Result<EventFrame, Error> {
    Ok(EventFrame {
        t: field(v, "t")?,
        event: event(v)?,
    })
}

/// The `ok` object: the first variant, in declaration order, that reads.
fn ok_body(v: &Value) -> Result<OkBody, Error> {
    if !v.is_object() {
        return Err(Error::custom("invalid type: `ok` must be an object"));
    }
    OK_SHAPES
        .iter()
        .find_map(|shape| shape(v).ok())
        .ok_or_else(|| Error::custom("data did not match any variant of untagged enum OkBody"))
}

/// Each [`OkBody`] variant's reader, in the order the untagged enum tries them.
type Shape = fn(&Value) -> Result<OkBody, Error>;
const OK_SHAPES: [Shape; 26] = [
    |o| Deserialize::deserialize(o).map(OkBody::TcpInfo),
    |o| {
        Ok(OkBody::Response {
            status: field(o, "status")?,
            reason: field(o, "reason")?,
            version: field(o, "version")?,
            headers: field(o, "headers")?,
        })
    },
    |o| {
        Ok(OkBody::Pop3Lines {
            reply: field(o, "reply")?,
            lines: field(o, "lines")?,
            octets: field(o, "octets")?,
        })
    },
    |o| {
        Ok(OkBody::SmtpConnect {
            conn: field(o, "conn")?,
            code: field(o, "code")?,
            msg: field(o, "msg")?,
        })
    },
    |o| {
        Ok(OkBody::Accept {
            sock: field(o, "sock")?,
            addr: field(o, "addr")?,
        })
    },
    |o| {
        Ok(OkBody::Recvfrom {
            data: field(o, "data")?,
            addr: field(o, "addr")?,
        })
    },
    |o| {
        Ok(OkBody::Select {
            r: field(o, "r")?,
            w: field(o, "w")?,
            x: field(o, "x")?,
        })
    },
    |o| {
        Ok(OkBody::FtpConnect {
            conn: field(o, "conn")?,
            welcome: field(o, "welcome")?,
        })
    },
    |o| {
        Ok(OkBody::FtpTransfer {
            reply: field(o, "reply")?,
            bytes: field(o, "bytes")?,
        })
    },
    |o| {
        Ok(OkBody::FtpSize {
            reply: field(o, "reply")?,
            size: field(o, "size")?,
        })
    },
    |o| {
        Ok(OkBody::FtpPath {
            reply: field(o, "reply")?,
            path: field(o, "path")?,
        })
    },
    |o| {
        Ok(OkBody::SmtpReply {
            code: field(o, "code")?,
            msg: field(o, "msg")?,
        })
    },
    |o| {
        Ok(OkBody::SmtpRefused {
            refused: field(o, "refused")?,
        })
    },
    |o| {
        Ok(OkBody::Pop3Stat {
            count: field(o, "count")?,
            size: field(o, "size")?,
        })
    },
    |o| {
        Ok(OkBody::Pop3Capa {
            capa: field(o, "capa")?,
        })
    },
    |o| {
        Ok(OkBody::FtpReply {
            reply: field(o, "reply")?,
        })
    },
    |o| {
        Ok(OkBody::FtpNames {
            names: field(o, "names")?,
        })
    },
    |o| {
        Ok(OkBody::FtpWelcome {
            welcome: field(o, "welcome")?,
        })
    },
    |o| {
        Ok(OkBody::Sock {
            sock: field(o, "sock")?,
        })
    },
    |o| {
        Ok(OkBody::Conn {
            conn: field(o, "conn")?,
        })
    },
    |o| {
        Ok(OkBody::Addr {
            addr: field(o, "addr")?,
        })
    },
    |o| {
        Ok(OkBody::Errno {
            errno: field(o, "errno")?,
        })
    },
    |o| Ok(OkBody::Sent { n: field(o, "n")? }),
    |o| {
        Ok(OkBody::Data {
            data: field(o, "data")?,
        })
    },
    |o| {
        Ok(OkBody::Value {
            value: field(o, "value")?,
        })
    },
    |_| Ok(OkBody::Empty {}),
];

/// An event object, by its `ev`.
fn event(v: &Value) -> Result<Event, Error> {
    let ev: String = field(v, "ev")?;
    Ok(match ev.as_str() {
        "hello" => Event::Hello(Deserialize::deserialize(v)?),
        "state" => Event::State {
            sock: field(v, "sock")?,
            from: field(v, "from")?,
            to: field(v, "to")?,
        },
        "incoming" => Event::Incoming {
            sock: field(v, "sock")?,
            addr: field(v, "addr")?,
        },
        "kernel" => Event::Kernel(Deserialize::deserialize(v)?),
        "data" => Event::Data {
            sock: field(v, "sock")?,
            dir: field(v, "dir")?,
            n: field(v, "n")?,
            preview: field(v, "preview")?,
            data: field(v, "data")?,
        },
        "closed" => Event::Closed {
            sock: field(v, "sock")?,
            reason: field(v, "reason")?,
        },
        "wire" => Event::Wire {
            handle: field(v, "handle")?,
            channel: field(v, "channel")?,
            dir: field(v, "dir")?,
            data: field(v, "data")?,
        },
        "ftp.block" => Event::FtpBlock {
            conn: field(v, "conn")?,
            data: field(v, "data")?,
        },
        "ftp.line" => Event::FtpLine {
            conn: field(v, "conn")?,
            line: field(v, "line")?,
        },
        "error" => Event::Error {
            code: field(v, "code")?,
            message: field(v, "message")?,
        },
        other => return Err(Error::unknown_variant(other, EVENT_NAMES)),
    })
}

/// Field `key` of the object `v`, read as a `T`; a missing key (or `v` not an
/// object) is what serde's derive makes of it: `None` for an `Option`, an
/// error naming the field otherwise.
pub(crate) fn field<'a, T: Deserialize<'a>>(v: &'a Value, key: &'static str) -> Result<T, Error> {
    match v.get(key) {
        Some(value) => T::deserialize(value),
        None => T::deserialize(Missing(key)),
    }
}

/// A field that is not there: only an `Option` reads it (as `None`).
struct Missing(&'static str);

impl<'de> Deserializer<'de> for Missing {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use crate::*;

    fn frame(text: &str) -> Result<ServerFrame, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn unknown_keys_are_ignored_and_missing_options_are_none() {
        let f = frame(r#"{"t": 3, "ev": "data", "sock": "s1", "dir": "in", "n": 2, "x": [1]}"#);
        let expected = EventFrame {
            t: 3,
            event: Event::Data {
                sock: "s1".into(),
                dir: Dir::In,
                n: 2,
                preview: None,
                data: None,
            },
        };
        assert_eq!(f, Ok(ServerFrame::Event(expected)));
        let f = frame(r#"{"re": 1, "ok": {"sock": "s2", "extra": null}, "x": 0}"#);
        let sock = OkBody::Sock { sock: "s2".into() };
        assert_eq!(f, Ok(ServerFrame::Reply(Reply::ok(1, sock))));
    }

    #[test]
    fn ok_bodies_take_the_first_variant_whose_fields_all_read() {
        let body = |text: &str| serde_json::from_str::<OkBody>(text).unwrap();
        let transfer = body(r#"{"reply": "226 done", "bytes": 5}"#);
        assert!(matches!(transfer, OkBody::FtpTransfer { bytes: 5, .. }));
        // `bytes` of the wrong type: not a transfer, but still a reply.
        let reply = body(r#"{"reply": "226 done", "bytes": "5"}"#);
        assert!(matches!(reply, OkBody::FtpReply { .. }));
        assert_eq!(body(r#"{"n": -1}"#), OkBody::Empty {});
        assert!(serde_json::from_str::<OkBody>("[]").is_err());
    }

    #[test]
    fn every_event_name_is_read() {
        for ev in crate::event::EVENT_NAMES {
            let text = format!(r#"{{"t": 0, "ev": "{ev}"}}"#);
            let e = frame(&text).unwrap_err();
            assert!(e.contains("missing field"), "{ev}: {e}");
        }
    }

    #[test]
    fn what_is_missing_or_unknown_is_named() {
        let e = frame(r#"{"t": 1, "ev": "state", "sock": "s1", "from": "CLOSED"}"#);
        assert!(e.unwrap_err().contains("missing field `to`"));
        let e = frame(r#"{"t": 1, "ev": "sparkle"}"#).unwrap_err();
        assert!(e.contains("unknown variant `sparkle`"), "{e}");
        assert!(frame(r#"{"re": 1}"#).unwrap_err().contains("`ok` or `err`"));
        let e = frame(r#"{"re": 1, "err": {"code": "EPIPE"}}"#).unwrap_err();
        assert!(e.contains("missing field `message`"), "{e}");
    }

    use proptest::prelude::*;

    proptest! {
        /// Any text, and text shaped like a relay frame with any keys and
        /// values, is decoded or refused with a message: never a panic.
        #[test]
        fn any_frame_text_decodes_or_is_refused(s in ".{0,200}") {
            let _ = frame(&s);
        }

        #[test]
        fn near_frames_decode_or_are_refused(
            head in r#"("re": ?[0-9]{1,3}|"t": ?[0-9]{1,3}, "ev": "(data|state|wire|kernel|hello|error|incoming|closed|ftp\.line)")"#,
            body in r#"[\[\]{}":,a-z0-9 ]{0,80}"#,
        ) {
            let _ = frame(&format!("{{{head}, {body}}}"));
            let _ = frame(&format!(r#"{{{head}, "ok": {{{body}}}}}"#));
        }
    }
}
