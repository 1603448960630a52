//! A mail message as text: the one the compose form builds (RFC 5322 headers
//! From/To/Subject/Date/Message-ID, a blank line, the body; `\n` line ends, as
//! a Python string literal has them and `smtplib` turns into `\r\n`), and the
//! one `RETR` returns, read back into its headers (folded lines joined) and
//! its body. Pure, linear in the input, no panics on any text.

/// The headers the mailbox view shows, in this order.
pub const SHOWN_HEADERS: &[&str] = &["From", "To", "Subject", "Date", "Message-ID"];

/// At most this many headers are kept from one message (the rest go to the body view).
const MAX_HEADERS: usize = 200;

/// What the learner typed into the compose form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A header value on one line: line breaks would start a header of their own.
fn one_line(v: &str) -> String {
    v.split(['\r', '\n'])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The message the draft makes, with the given `Date` and `Message-ID`.
pub fn build(d: &Draft, date: &str, message_id: &str) -> String {
    let mut out = String::new();
    for (name, value) in [
        ("From", d.from.as_str()),
        ("To", d.to.as_str()),
        ("Subject", d.subject.as_str()),
        ("Date", date),
        ("Message-ID", message_id),
    ] {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(&one_line(value));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&d.body.replace("\r\n", "\n").replace('\r', "\n"));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The recipients of the `To` field (`a@x, b@y` → two), as `sendmail` takes them.
pub fn recipients(to: &str) -> Vec<String> {
    to.split([',', ';'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A message read back: its headers in order and its body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Parsed {
    /// The first header called `name` (any case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a message's lines (as `poplib` returns them, without line ends):
/// headers up to the first empty line, folded lines joined to the header
/// above; a line that is not a header ends the headers (it and the rest are
/// the body).
pub fn parse(lines: &[String]) -> Parsed {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut body_from = lines.len();
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() {
            body_from = i + 1;
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
        }
        match line.split_once(':') {
            Some((name, value))
                if headers.len() < MAX_HEADERS
                    && !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                headers.push((name.to_owned(), value.trim().to_owned()));
            }
            _ => {
                body_from = i;
                break;
            }
        }
    }
    let body = lines.get(body_from..).unwrap_or_default().join("\n");
    Parsed { headers, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.split('\n').map(str::to_owned).collect()
    }

    #[test]
    fn a_built_message_reads_back() {
        let d = Draft {
            from: "learner@socklab.test".into(),
            to: "learner@socklab.test".into(),
            subject: "hello\r\nBcc: evil@x".into(),
            body: "line one\r\n.line two".into(),
        };
        let m = build(&d, "Sun, 29 Nov 2026 13:55:22 GMT", "<1.2@socklab.test>");
        assert!(m.starts_with("From: learner@socklab.test\nTo: learner@socklab.test\n"));
        assert!(
            m.contains("Subject: hello Bcc: evil@x\n"),
            "no header injection"
        );
        assert!(m.ends_with("\n\nline one\n.line two\n"));
        let p = parse(&lines(m.trim_end_matches('\n')));
        assert_eq!(p.get("subject"), Some("hello Bcc: evil@x"));
        assert_eq!(p.get("Message-ID"), Some("<1.2@socklab.test>"));
        assert_eq!(p.body, "line one\n.line two");
        assert_eq!(p.headers.len(), 5);
    }

    #[test]
    fn folded_headers_join_and_a_stray_line_starts_the_body() {
        let p = parse(&lines("Subject: a\n  long one\nnot a header\nmore"));
        assert_eq!(p.get("Subject"), Some("a long one"));
        assert_eq!(p.body, "not a header\nmore");
        assert_eq!(parse(&[]), Parsed::default());
    }

    #[test]
    fn recipients_split_on_commas() {
        assert_eq!(recipients(" a@x, b@y;;"), ["a@x", "b@y"]);
        assert!(recipients(" , ").is_empty());
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_lines_parse_without_panic_and_keep_every_line(
                ls in proptest::collection::vec(".{0,40}", 0..40)
            ) {
                let p = parse(&ls);
                prop_assert!(p.headers.len() <= MAX_HEADERS);
                // Nothing is invented: every header name is some line's prefix.
                for (n, _) in &p.headers {
                    prop_assert!(ls.iter().any(|l| l.starts_with(n.as_str())));
                }
            }

            #[test]
            fn a_draft_round_trips(from in "[a-z@.]{1,20}", subject in ".{0,40}", body in ".{0,80}") {
                let d = Draft { from: from.clone(), to: "t@x".into(), subject: subject.clone(), body };
                let m = build(&d, "D", "<i>");
                let ls: Vec<String> = m.trim_end_matches('\n').split('\n').map(str::to_owned).collect();
                let p = parse(&ls);
                let (from, subject) = (one_line(&from), one_line(&subject));
                prop_assert_eq!(p.get("From"), Some(from.trim()));
                prop_assert_eq!(p.get("Subject"), Some(subject.trim()));
                prop_assert_eq!(p.get("Message-ID"), Some("<i>"));
            }
        }
    }
}
