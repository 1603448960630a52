//! Rewrites the few libunftp replies that clients cannot parse or learners cannot
//! understand, one reply line at a time (a pure function the control proxy applies
//! to every line the server sends):
//!
//! - `MKD` answers `257 /path`: RFC 959 (appendix II) wants the path quoted, with an
//!   embedded `"` doubled, or Python's `ftplib.FTP.mkd()` returns `''`. It becomes
//!   `257 "/path" created`.
//! - `PWD` answers `257 "/pa"th"` without doubling embedded quotes: it becomes
//!   `257 "/pa""th" is the current directory`.
//! - `552 Exceeded storage allocation` gets the sandbox's limits appended.
//!
//! libunftp's two `257` forms never overlap: `MKD`'s path is absolute (starts with
//! `/`), `PWD`'s starts with `"/`.

use super::sandbox::{MAX_ENTRIES, QUOTA_BYTES};

/// The line to send instead of `line` (one reply line with its line end), or
/// `None` to send it unchanged.
pub(crate) fn rewrite(line: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(line).ok()?;
    let body = text.strip_suffix('\n').unwrap_or(text);
    let body = body.strip_suffix('\r').unwrap_or(body);
    if let Some(rest) = body.strip_prefix("257 ") {
        if let Some(path) = rest
            .strip_prefix("\"/")
            .and_then(|p| p.strip_suffix('"'))
            .map(|p| format!("/{p}"))
        {
            return Some(format!(
                "257 {} is the current directory\r\n",
                quoted(&path)
            ));
        }
        if rest.starts_with('/') {
            return Some(format!("257 {} created\r\n", quoted(rest)));
        }
        return None;
    }
    if body == "552 Exceeded storage allocation" {
        return Some(format!(
            "552 Exceeded storage allocation: a learner sandbox holds at most {} MiB in at most {MAX_ENTRIES} files and directories\r\n",
            QUOTA_BYTES >> 20
        ));
    }
    None
}

/// `a"b` → `"a""b"` (RFC 959 appendix II).
fn quoted(path: &str) -> String {
    format!("\"{}\"", path.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mkd_paths_are_quoted_with_quotes_doubled() {
        assert_eq!(
            rewrite(b"257 /work\r\n").as_deref(),
            Some("257 \"/work\" created\r\n")
        );
        assert_eq!(
            rewrite(b"257 /say \"hi\"\r\n").as_deref(),
            Some("257 \"/say \"\"hi\"\"\" created\r\n")
        );
    }

    #[test]
    fn pwd_paths_get_embedded_quotes_doubled() {
        assert_eq!(
            rewrite(b"257 \"/\"\r\n").as_deref(),
            Some("257 \"/\" is the current directory\r\n")
        );
        assert_eq!(
            rewrite(b"257 \"/a\"b\"\r\n").as_deref(),
            Some("257 \"/a\"\"b\" is the current directory\r\n")
        );
    }

    #[test]
    fn other_replies_pass_unchanged() {
        for line in [
            &b"200 OK\r\n"[..],
            b"257-multi\r\n",
            b"257 \"already\" quoted text\r\n",
            b"\xff\xfe\r\n",
        ] {
            assert_eq!(rewrite(line), None, "{line:?}");
        }
        assert!(rewrite(b"552 Exceeded storage allocation\r\n")
            .unwrap()
            .starts_with("552 Exceeded storage allocation: a learner sandbox holds at most"));
    }

    /// What Python's ftplib.parse257 does.
    fn parse257(resp: &str) -> Option<String> {
        let rest = resp.strip_prefix("257 \"")?;
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    return Some(out);
                }
            }
            out.push(c);
        }
        Some(out)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        #[test]
        fn ftplib_reads_back_every_path(path in "/[^\r\n]{0,40}") {
            let mkd = rewrite(format!("257 {path}\r\n").as_bytes()).unwrap();
            prop_assert_eq!(parse257(&mkd), Some(path.clone()));
            let pwd = rewrite(format!("257 \"{path}\"\r\n").as_bytes()).unwrap();
            prop_assert_eq!(parse257(&pwd), Some(path));
        }

        #[test]
        fn arbitrary_lines_never_panic(line in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = rewrite(&line);
        }
    }
}
