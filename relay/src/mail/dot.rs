//! Dot-stuffing (RFC 5321 4.5.2, RFC 1939 3) and line ends, both ways, for the
//! SMTP and POP3 clients and labs. Pure functions over bytes.
//!
//! - [`fix_eols`]: smtplib's `_fix_eols` (a lone `\n` or `\r` becomes CRLF), applied
//!   to a message given as a Python `str`.
//! - [`stuff`]: smtplib's `_quote_periods` plus the end of `SMTP.data`: a `.` at the
//!   start of any line (after `\n`) doubled, CRLF added if the message does not
//!   end with it, then `.\r\n`. A POP3 server sends a message the same way.
//! - [`unstuff_line`]: the reader's side for one line: `None` for the final `.`,
//!   else the line with one leading `.` removed.

/// smtplib's `_fix_eols`: `\r\n`, a lone `\r` and a lone `\n` all become `\r\n`.
pub fn fix_eols(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 16);
    let mut bytes = data.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        match b {
            b'\r' => {
                if bytes.peek() == Some(&b'\n') {
                    bytes.next();
                }
                out.extend_from_slice(b"\r\n");
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            other => out.push(other),
        }
    }
    out
}

/// The bytes `SMTP.data` sends for `msg` after `354`: every `.` that starts a line
/// (the first byte, or after `\n`) doubled, CRLF appended unless `msg` ends with
/// it, and the final `.\r\n`.
pub fn stuff(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + msg.len() / 32 + 5);
    let mut at_line_start = true;
    for &b in msg {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// One line of a dot-terminated block, without its line end: `None` when it is
/// the final `.`, else the line with a leading `.` removed (poplib removes one
/// when the line starts with `..`; a line `.x` is not sent by a correct peer and
/// is taken as `x`, as the SMTP receiver of RFC 5321 4.5.2 does).
pub fn unstuff_line(line: &[u8]) -> Option<&[u8]> {
    match line {
        b"." => None,
        [b'.', rest @ ..] => Some(rest),
        other => Some(other),
    }
}

/// `line` without its line end (`\r\n`, `\n`, or a lone `\r` at the end), as
/// poplib's `_getline` strips it.
pub fn strip_eol(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))
        .or_else(|| line.strip_suffix(b"\r"))
        .unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn python_examples() {
        assert_eq!(fix_eols(b"a\nb\rc\r\nd"), b"a\r\nb\r\nc\r\nd");
        assert_eq!(
            stuff(b"Subject: x\r\n\r\n.dot\r\n"),
            b"Subject: x\r\n\r\n..dot\r\n.\r\n"
        );
        assert_eq!(stuff(b".a"), b"..a\r\n.\r\n");
        assert_eq!(stuff(b""), b"\r\n.\r\n");
        assert_eq!(unstuff_line(b"..a"), Some(&b".a"[..]));
        assert_eq!(unstuff_line(b"."), None);
        assert_eq!(strip_eol(b"x\r\n"), b"x");
    }

    /// Reads a stuffed block back as a receiver does: line by line until `.`.
    fn unstuff(block: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for line in block.split_inclusive(|&b| b == b'\n') {
            match unstuff_line(strip_eol(line)) {
                None => return Some(out),
                Some(l) => {
                    out.extend_from_slice(l);
                    out.extend_from_slice(b"\r\n");
                }
            }
        }
        None
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        /// Any message of one or more CRLF lines comes back whole (an empty one is sent
        /// as one empty line, as smtplib does) through stuff/unstuff, and the
        /// block ends at its own final `.` whatever lines it holds.
        #[test]
        fn stuffing_round_trips(lines in proptest::collection::vec("[.a-z \u{e9}]{0,12}", 1..12)) {
            let mut msg = Vec::new();
            for l in &lines {
                msg.extend_from_slice(l.as_bytes());
                msg.extend_from_slice(b"\r\n");
            }
            let block = stuff(&msg);
            prop_assert!(block.ends_with(b"\r\n.\r\n"));
            let end_marks = block.split(|&b| b == b'\n').filter(|l| *l == b".\r").count();
            prop_assert_eq!(end_marks, 1);
            prop_assert_eq!(unstuff(&block), Some(msg));
        }

        /// fix_eols leaves no lone CR or LF, and is idempotent.
        #[test]
        fn fixed_eols_are_crlf(data in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a')], 0..40)) {
            let fixed = fix_eols(&data);
            for (i, &b) in fixed.iter().enumerate() {
                if b == b'\r' { prop_assert_eq!(fixed.get(i + 1), Some(&b'\n')); }
                if b == b'\n' { prop_assert_eq!(i.checked_sub(1).and_then(|j| fixed.get(j)), Some(&b'\r')); }
            }
            prop_assert_eq!(fix_eols(&fixed), fixed.clone());
        }

        /// Any bytes: the decoders never panic.
        #[test]
        fn any_line_is_handled(line in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = unstuff_line(strip_eol(&line));
            let _ = stuff(&line);
        }
    }
}
