//! `docs/protocol.md` must agree with this crate: every JSON example in it parses
//! into the shared types, and every op and event kind the crate knows is documented.

use shared::{parse_request, ServerFrame};

fn docs() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every op of PROTOCOL.md's tables.
const OPS: &[&str] = &[
    "auth",
    "ping",
    "cancel",
    "socket",
    "setsockopt",
    "getsockopt",
    "setblocking",
    "settimeout",
    "bind",
    "listen",
    "accept",
    "connect",
    "connect_ex",
    "send",
    "sendall",
    "sendto",
    "recv",
    "recvfrom",
    "getsockname",
    "getpeername",
    "shutdown",
    "close",
    "select",
    "tcp_info",
    "pipe",
    "http.open",
    "http.request",
    "http.putrequest",
    "http.putheader",
    "http.endheaders",
    "http.send",
    "http.getresponse",
    "http.read",
    "http.close",
    "ftp.connect",
    "ftp.login",
    "ftp.getwelcome",
    "ftp.sendcmd",
    "ftp.voidcmd",
    "ftp.set_pasv",
    "ftp.retrbinary",
    "ftp.retrlines",
    "ftp.storbinary",
    "ftp.storlines",
    "ftp.dir",
    "ftp.nlst",
    "ftp.rename",
    "ftp.delete",
    "ftp.size",
    "ftp.cwd",
    "ftp.mkd",
    "ftp.rmd",
    "ftp.pwd",
    "ftp.abort",
    "ftp.quit",
    "ftp.close",
    "ftp.set_debuglevel",
];

const EVENTS: &[&str] = &[
    "hello",
    "state",
    "incoming",
    "data",
    "closed",
    "wire",
    "ftp.block",
    "ftp.line",
    "error",
];

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

#[test]
fn http_and_ftp_are_marked_as_not_yet_performed() {
    let md = docs();
    for heading in ["## HTTP operations", "## FTP operations"] {
        let at = md
            .find(heading)
            .unwrap_or_else(|| panic!("{heading} missing"));
        let section = &md[at..at + 400.min(md.len() - at)];
        assert!(
            section.contains("performed by the relay from a later release"),
            "{heading} must say the relay does not perform it yet"
        );
    }
}
