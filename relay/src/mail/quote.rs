//! Addresses and message headers as smtplib reads them: `quoteaddr` (the
//! `<addr>` of `MAIL FROM`/`RCPT TO`), `email.utils.getaddresses` (the addresses
//! of `To:`/`Cc:`/`Bcc:`), the header fields `send_message` consults and Python's
//! `repr` of `bytes` (for exception messages). Pure functions; every one gets
//! property tests below.

/// smtplib's `quoteaddr`: the address of `Name <addr>` or a bare `addr`, in angle
/// brackets; `""` is `<>`.
pub fn quoteaddr(addr: &str) -> String {
    match parse_one(addr) {
        Some(a) => format!("<{a}>"),
        None if addr.trim().starts_with('<') => addr.to_owned(),
        None => format!("<{addr}>"),
    }
}

/// The address part of one mailbox (`Ann <a@x>` → `a@x`, ` a@x ` → `a@x`), or
/// `None` when there is none.
fn parse_one(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some((_, rest)) = text.rsplit_once('<') {
        let inner = rest.split('>').next().unwrap_or("").trim();
        return (!inner.is_empty()).then(|| inner.to_owned());
    }
    let bare = strip_comment(text);
    (!bare.is_empty() && !bare.contains(char::is_whitespace)).then(|| bare.to_owned())
}

/// `a@x (Ann)` → `a@x`.
fn strip_comment(text: &str) -> &str {
    text.split('(').next().unwrap_or("").trim()
}

/// `email.utils.getaddresses`: the addresses of comma-separated mailbox lists
/// (commas inside quotes or angle brackets do not separate).
pub fn getaddresses(fields: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for field in fields {
        let (mut quoted, mut angle, mut start) = (false, false, 0);
        let mut pieces = Vec::new();
        for (i, c) in field.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '<' if !quoted => angle = true,
                '>' if !quoted => angle = false,
                ',' if !quoted && !angle => {
                    pieces.push(field.get(start..i).unwrap_or(""));
                    start = i + 1;
                }
                _ => {}
            }
        }
        pieces.push(field.get(start..).unwrap_or(""));
        out.extend(pieces.into_iter().filter_map(parse_one));
    }
    out
}

/// The message's header block split into fields: `(name, unfolded value)`.
pub fn headers(msg: &[u8]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for raw in msg.split_inclusive(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(super::dot::strip_eol(raw)).into_owned();
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) => out.push((name.trim().to_owned(), value.trim().to_owned())),
            None => break,
        }
    }
    out
}

/// The message without its header fields named `names` (case-insensitive),
/// continuation lines included: `send_message` leaves out `Bcc` and `Resent-Bcc`.
pub fn without_headers(msg: &[u8], names: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len());
    let mut in_head = true;
    let mut dropping = false;
    for raw in msg.split_inclusive(|&b| b == b'\n') {
        if in_head {
            let line = super::dot::strip_eol(raw);
            if line.is_empty() {
                in_head = false;
            } else if line.starts_with(b" ") || line.starts_with(b"\t") {
                if dropping {
                    continue;
                }
            } else {
                let name = line.split(|&b| b == b':').next().unwrap_or_default();
                dropping = names
                    .iter()
                    .any(|n| n.as_bytes().eq_ignore_ascii_case(name.trim_ascii()));
                if dropping {
                    continue;
                }
            }
        }
        out.extend_from_slice(raw);
    }
    out
}

/// Python's `repr` of a `bytes` value: `b'…'` (or `b"…"` when it holds `'` but
/// no `"`), with `\\`, `\t`, `\n`, `\r` and `\xNN` escapes.
pub fn py_bytes(bytes: &[u8]) -> String {
    repr("b", bytes.iter().map(|&b| char::from(b)), |c| {
        (' '..='~').contains(&c)
    })
}

/// Python's `repr` of a `str` (for the sender in `SMTPSenderRefused`).
pub fn py_str(text: &str) -> String {
    repr("", text.chars(), |c| !c.is_control())
}

/// `prefix` and the quoted `chars`, Python's way: `'` unless the text holds `'`
/// and no `"`; characters that are not `plain` as `\xNN`.
fn repr(
    prefix: &str,
    chars: impl Iterator<Item = char> + Clone,
    plain: fn(char) -> bool,
) -> String {
    let has = |q: char| chars.clone().any(|c| c == q);
    let quote = if has('\'') && !has('"') { '"' } else { '\'' };
    let mut out = format!("{prefix}{quote}");
    for c in chars {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if plain(c) => out.push(c),
            c => out.push_str(&format!("\\x{:02x}", u32::from(c))),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn python_examples() {
        assert_eq!(quoteaddr("Ann <a@x>"), "<a@x>");
        assert_eq!(quoteaddr(" a@x "), "<a@x>");
        assert_eq!(quoteaddr(""), "<>");
        assert_eq!(quoteaddr("<>"), "<>");
        let to = getaddresses(&["\"B, C\" <b@x>, d@x (Dee)".to_owned()]);
        assert_eq!(to, ["b@x", "d@x"]);
        let msg = b"To: a@x,\r\n b@x\r\nBcc: c@x\r\n  d@x\r\nSubject: s\r\n\r\nBcc: body\r\n";
        assert_eq!(headers(msg).first().map(|h| h.1.as_str()), Some("a@x, b@x"));
        assert_eq!(
            without_headers(msg, &["bcc"]),
            b"To: a@x,\r\n b@x\r\nSubject: s\r\n\r\nBcc: body\r\n"
        );
        assert_eq!(py_bytes(b"it's\x00"), "b\"it's\\x00\"");
        assert_eq!(py_bytes(b"5.7.8 ok"), "b'5.7.8 ok'");
        assert_eq!(py_str("a@x"), "'a@x'");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        /// Any text: quoteaddr always yields something in angle brackets (or the
        /// text itself when it starts with `<`), and the parsers never panic.
        #[test]
        fn any_address_text_is_handled(text in "\\PC{0,40}") {
            let q = quoteaddr(&text);
            prop_assert!(q.starts_with('<') || text.trim().starts_with('<'));
            let _ = getaddresses(std::slice::from_ref(&text));
            let _ = headers(text.as_bytes());
        }

        /// A plain address comes back as itself from a list.
        #[test]
        fn plain_lists_round_trip(addrs in proptest::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.test", 1..5)) {
            let field = addrs.join(", ");
            prop_assert_eq!(getaddresses(&[field]), addrs);
        }

        /// py_bytes of printable ASCII without quotes or backslashes is the text in b'…'.
        #[test]
        fn py_bytes_of_plain_text(text in "[a-zA-Z0-9 .:<>@-]{0,30}") {
            prop_assert_eq!(py_bytes(text.as_bytes()), format!("b'{text}'"));
        }

        /// Dropping headers never touches the body.
        #[test]
        fn without_headers_keeps_the_body(body in "[a-zA-Z: \r\n]{0,60}") {
            let msg = format!("Bcc: x\r\nTo: y\r\n\r\n{body}");
            let out = without_headers(msg.as_bytes(), &["bcc"]);
            prop_assert_eq!(out, format!("To: y\r\n\r\n{body}").into_bytes());
        }
    }
}
