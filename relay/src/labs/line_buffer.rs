//! A bounded buffer that cuts a byte stream into `\n`-terminated lines, for lab
//! protocols that are line based (the FTP control connection). It never holds more
//! than its limit plus one read: a caller pushes what it read, takes whole lines,
//! and checks [`LineBuffer::overflowed`] to refuse a line that grows past the limit.

use bytes::{Bytes, BytesMut};

/// Bytes waiting for their line end.
#[derive(Debug)]
pub(crate) struct LineBuffer {
    buf: BytesMut,
    limit: usize,
}

impl LineBuffer {
    /// A buffer for lines of at most `limit` bytes (line end included).
    pub(crate) fn new(limit: usize) -> LineBuffer {
        LineBuffer {
            buf: BytesMut::new(),
            limit,
        }
    }

    /// Appends what was read.
    pub(crate) fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole line (with its `\n`), if one has arrived and fits the limit.
    pub(crate) fn next_line(&mut self) -> Option<Bytes> {
        let end = self.buf.iter().position(|&b| b == b'\n')?;
        if end >= self.limit {
            return None;
        }
        Some(self.buf.split_to(end + 1).freeze())
    }

    /// True when the bytes waiting (before any line end) exceed the limit: the
    /// line in progress can never be accepted.
    pub(crate) fn overflowed(&self) -> bool {
        let first_line = self
            .buf
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.buf.len(), |i| i + 1);
        first_line > self.limit
    }

    /// Everything waiting, line end or not (for passing an over-long line through
    /// unchanged).
    pub(crate) fn take_all(&mut self) -> Bytes {
        self.buf.split().freeze()
    }

    /// Bytes waiting.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cuts_lines_across_reads() {
        let mut b = LineBuffer::new(16);
        b.push(b"US");
        assert_eq!(b.next_line(), None);
        b.push(b"ER x\r\nPA");
        assert_eq!(b.next_line().as_deref(), Some(&b"USER x\r\n"[..]));
        assert_eq!(b.next_line(), None);
        assert!(!b.overflowed());
        assert_eq!(b.held(), 2);
    }

    #[test]
    fn a_line_past_the_limit_overflows() {
        let mut b = LineBuffer::new(8);
        b.push(b"12345678");
        assert!(!b.overflowed());
        b.push(b"9");
        assert!(b.overflowed());
        b.push(b"\n");
        assert_eq!(b.next_line(), None, "never handed out");
        assert_eq!(b.take_all().len(), 10);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        /// Whatever arrives in whatever pieces: lines come out in order, whole, within
        /// the limit, and what is held never grows past limit + one piece unnoticed.
        #[test]
        fn lines_are_whole_bounded_and_in_order(
            pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..64),
            limit in 1usize..128,
        ) {
            let mut b = LineBuffer::new(limit);
            let mut out = Vec::new();
            let mut fed = Vec::new();
            for p in &pieces {
                b.push(p);
                fed.extend_from_slice(p);
                while let Some(line) = b.next_line() {
                    prop_assert!(line.len() <= limit);
                    prop_assert_eq!(line.last(), Some(&b'\n'));
                    prop_assert_eq!(line.iter().filter(|&&c| c == b'\n').count(), 1);
                    out.extend_from_slice(&line);
                }
                if b.overflowed() {
                    // The caller stops here (it answers and closes).
                    prop_assert!(b.held() < limit + 64);
                    break;
                }
                prop_assert!(b.held() <= limit);
            }
            prop_assert!(fed.starts_with(&out));
        }
    }
}
