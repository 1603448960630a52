//! `docs/protocol.md` must agree with this crate: every JSON example in it parses
//! into the shared types, and every op and event kind the crate knows is documented.
//! The HTTP and FTP sections (performed by the relay) must document each of their
//! ops with a heading or table row and a JSON request example, their errors, the
//! `wire` event's FTP data-channel lines, and the two labs.
//!
//! Owns only these checks on the document; it must not touch the relay.

use shared::{parse_request, ServerFrame};

fn docs() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every op of the catalogue.
use shared::request::OP_NAMES as OPS;

/// Every event of the catalogue.
use shared::event::EVENT_NAMES as EVENTS;

/// The top-level JSON objects in the ```json blocks of a Markdown text.
fn json_examples(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut block = String::new();
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            if in_block {
                out.extend(objects(&block));
                block.clear();
            }
            in_block = !in_block && line.trim_start() == "```json";
            continue;
        }
        if in_block {
            block.push_str(line);
            block.push('\n');
        }
    }
    out
}

/// Balanced `{…}` spans at depth 0, skipping braces inside strings.
fn objects(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for (i, c) in text.char_indices() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' if depth > 0 => in_str = true,
            '{' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(text[start..=i].to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_json_example_parses() {
    let examples = json_examples(&docs());
    assert!(
        examples.len() > 40,
        "found only {} examples",
        examples.len()
    );
    let (mut requests, mut frames) = (0, 0);
    for text in examples {
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"));
        if v.get("id").is_some() {
            parse_request(&text).unwrap_or_else(|e| panic!("{text}\n-> {}", e.message));
            requests += 1;
        } else if v.get("re").is_some() || v.get("ev").is_some() {
            serde_json::from_str::<ServerFrame>(&text).unwrap_or_else(|e| panic!("{text}\n-> {e}"));
            frames += 1;
        }
    }
    assert!(
        requests > 20 && frames > 20,
        "{requests} requests, {frames} frames"
    );
}

/// `Op::handle` names the `sock` or `conn` argument of every documented request.
#[test]
fn every_example_request_names_its_handle() {
    let mut checked = 0;
    for text in json_examples(&docs()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if v.get("id").is_none() {
            continue;
        }
        let request = parse_request(&text).unwrap_or_else(|e| panic!("{text}\n-> {}", e.message));
        let expected = v
            .get("sock")
            .or_else(|| v.get("conn"))
            .and_then(serde_json::Value::as_str);
        assert_eq!(request.op.handle(), expected, "{text}");
        checked += 1;
    }
    assert!(checked > 20, "only {checked} requests checked");
}

#[test]
fn every_op_is_known_and_documented() {
    let md = docs();
    for op in OPS {
        let e = parse_request(&format!(r#"{{"id": 1, "op": "{op}"}}"#)).err();
        if let Some(e) = e {
            assert!(!e.message.contains("unknown op"), "{op}: {}", e.message);
        }
        assert!(
            md.contains(&format!("`{op}`")),
            "docs/protocol.md lacks `{op}`"
        );
    }
}

#[test]
fn every_event_is_documented() {
    let md = docs();
    for ev in EVENTS {
        let tick = format!("`{ev}`");
        assert!(
            md.lines()
                .any(|l| l.starts_with("### ") && l.contains(&tick)),
            "docs lack a section for `{ev}`"
        );
    }
}

/// The text of the `## …` section that starts with `heading`, up to the next `## `.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let at = md
        .find(heading)
        .unwrap_or_else(|| panic!("docs/protocol.md lacks the section {heading:?}"));
    let body = &md[at + heading.len()..];
    let end = body.find("\n## ").unwrap_or(body.len());
    &md[at..at + heading.len() + end]
}

/// The `op` of every JSON request example in `md`.
fn example_ops(md: &str) -> Vec<String> {
    json_examples(md)
        .iter()
        .filter_map(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .filter(|v| v.get("id").is_some())
        .filter_map(|v| v.get("op").and_then(|o| o.as_str()).map(str::to_owned))
        .collect()
}

#[test]
fn http_and_ftp_sections_document_every_op_with_an_example() {
    let md = docs();
    assert!(
        !md.contains("performed by the relay from a later release"),
        "the relay performs HTTP and FTP now: drop the \"later release\" note"
    );
    for (heading, prefix, lab) in [
        (
            "## HTTP operations (Python `http.client`)",
            "http.",
            "127.0.0.1:20080",
        ),
        (
            "## FTP operations (Python `ftplib`)",
            "ftp.",
            "127.0.0.1:20021",
        ),
    ] {
        let text = section(&md, heading);
        let examples = example_ops(text);
        for op in OPS.iter().filter(|op| op.starts_with(prefix)) {
            assert!(
                text.contains(&format!("### `{op}`"))
                    || text
                        .lines()
                        .any(|l| l.starts_with('|') && l.contains(&format!("`{op}`"))),
                "{heading}: `{op}` has neither a ### heading nor a table row"
            );
            assert!(
                examples.iter().any(|e| e == op),
                "{heading}: no JSON request example for `{op}`"
            );
        }
        assert!(text.contains(lab), "{heading}: the lab's address {lab}");
        assert!(text.contains("### The "), "{heading}: a lab subsection");
    }
}

#[test]
fn http_and_ftp_errors_and_events_are_documented() {
    let md = docs();
    let http = section(&md, "## HTTP operations (Python `http.client`)");
    for code in [
        "http.ResponseNotReady",
        "http.CannotSendRequest",
        "http.CannotSendHeader",
        "http.RemoteDisconnected",
        "http.BadStatusLine",
        "http.IncompleteRead",
        "http.NotConnected",
        "http.InvalidURL",
        "ssl.SSLCertVerificationError",
        "ssl.SSLError",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ] {
        assert!(http.contains(code), "HTTP section lacks {code}");
    }
    let ftp = section(&md, "## FTP operations (Python `ftplib`)");
    for word in [
        "ftp.error_reply",
        "ftp.error_temp",
        "ftp.error_perm",
        "ftp.error_proto",
        "`reply`",
        "EOFError",
        "21000–21099",
        "`anonymous`",
        "`learner`",
        "ftp.block",
        "ftp.line",
    ] {
        assert!(ftp.contains(word), "FTP section lacks {word}");
    }
    let wire = section(&md, "## Events");
    for line in [
        "open passive",
        "bytes announced",
        "close after",
        "PASS ****",
    ] {
        assert!(wire.contains(line), "the `wire` event lacks {line:?}");
    }
    // Every `ftp.error_*` example carries the server's reply.
    for text in json_examples(&md) {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if let Some(code) = v["err"]["code"].as_str() {
            if code.starts_with("ftp.error_") {
                assert!(v["err"]["reply"].is_string(), "{text} lacks `reply`");
            }
        }
    }
}

#[test]
fn smtp_and_pop3_sections_document_every_op_error_and_lab() {
    let md = docs();
    for (heading, prefix) in [
        ("## SMTP operations (Python `smtplib`)", "smtp."),
        ("## POP3 operations (Python `poplib`)", "pop3."),
    ] {
        let text = section(&md, heading);
        let examples = example_ops(text);
        for op in OPS.iter().filter(|op| op.starts_with(prefix)) {
            assert!(
                text.lines()
                    .any(|l| l.starts_with('|') && l.contains(&format!("`{op}`"))),
                "{heading}: `{op}` has no table row"
            );
            assert!(
                examples.iter().any(|e| e == op),
                "{heading}: no JSON request example for `{op}`"
            );
        }
    }
    let smtp = section(&md, "## SMTP operations (Python `smtplib`)");
    for code in [
        "smtp.SMTPRecipientsRefused",
        "smtp.SMTPSenderRefused",
        "smtp.SMTPDataError",
        "smtp.SMTPAuthenticationError",
        "smtp.SMTPServerDisconnected",
        "smtp.SMTPNotSupportedError",
        "smtp.SMTPConnectError",
        "smtp.SMTPResponseException",
        "AUTH PLAIN ****",
    ] {
        assert!(smtp.contains(code), "SMTP section lacks {code}");
    }
    let pop3 = section(&md, "## POP3 operations (Python `poplib`)");
    for word in ["pop3.error_proto", "PASS ****", "line too long", "-ERR EOF"] {
        assert!(pop3.contains(word), "POP3 section lacks {word}");
    }
    let labs = section(&md, "## The mail labs");
    for word in [
        "127.0.0.1:20025",
        "127.0.0.1:20110",
        "`learner`",
        "socklab.test",
        "SIZE 1048576",
        "8BITMIME",
        "AUTH PLAIN LOGIN",
        "550",
        "552",
        "535",
        "outside",
    ] {
        assert!(labs.contains(word), "mail labs section lacks {word}");
    }
    // Every `smtp.*`/`pop3.*` error example carries the server's reply, except a
    // disconnection, which has none.
    for text in json_examples(&md) {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if let Some(code) = v["err"]["code"].as_str() {
            if (code.starts_with("smtp.") || code.starts_with("pop3."))
                && code != "smtp.SMTPServerDisconnected"
            {
                assert!(v["err"]["reply"].is_string(), "{text} lacks `reply`");
            }
        }
    }
}
