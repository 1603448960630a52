//! Splitting a data connection's bytes into lines for `retrlines`, `dir`, `nlst`
//! and `storlines`: the bytes of a line not yet ended wait in a buffer, and each
//! chunk that arrives completes the lines it ends.
//!
//! Owns only that split, in one pass over each chunk (taking lines off the front
//! of the buffer one by one moved the rest of the buffer each time: a megabyte of
//! `\n` took minutes). Line lengths are checked by the callers against `MAXLINE`.

/// Appends `chunk` to `partial` and returns every line it completes, each with its
/// `\n`, in order; `partial` keeps the bytes after the last `\n`. Linear in
/// `chunk` (the bytes already in `partial` hold no `\n` and are not scanned again).
pub fn take_lines(partial: &mut Vec<u8>, chunk: &[u8]) -> Vec<Vec<u8>> {
    let Some(last) = chunk.iter().rposition(|&b| b == b'\n') else {
        partial.extend_from_slice(chunk);
        return Vec::new();
    };
    let (ended, rest) = chunk.split_at(last + 1);
    let mut lines = Vec::new();
    let mut pieces = ended.split_inclusive(|&b| b == b'\n');
    if let Some(first) = pieces.next() {
        let mut line = std::mem::take(partial);
        line.extend_from_slice(first);
        lines.push(line);
    }
    lines.extend(pieces.map(<[u8]>::to_vec));
    partial.extend_from_slice(rest);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The obvious (quadratic) split, as a reference.
    fn reference(partial: &mut Vec<u8>, chunk: &[u8]) -> Vec<Vec<u8>> {
        partial.extend_from_slice(chunk);
        let mut lines = Vec::new();
        while let Some(i) = partial.iter().position(|&b| b == b'\n') {
            lines.push(partial.drain(..=i).collect());
        }
        lines
    }

    #[test]
    fn lines_across_chunks() {
        let mut p = Vec::new();
        assert!(take_lines(&mut p, b"ab").is_empty());
        assert_eq!(
            take_lines(&mut p, b"c\r\nd\n\ne"),
            vec![b"abc\r\n".to_vec(), b"d\n".to_vec(), b"\n".to_vec()]
        );
        assert_eq!(p, b"e");
        assert_eq!(take_lines(&mut p, b"\n"), vec![b"e\n".to_vec()]);
        assert!(p.is_empty());
    }

    #[test]
    fn a_megabyte_of_newlines_is_one_pass() {
        let mut p = b"x".to_vec();
        let lines = take_lines(&mut p, &vec![b'\n'; 1 << 20]);
        assert_eq!(lines.len(), 1 << 20);
        assert_eq!(lines[0], b"x\n");
        assert!(p.is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(128)
        ))]

        #[test]
        fn same_lines_as_the_reference(
            chunks in prop::collection::vec(prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()], 0..20), 0..10),
        ) {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for c in &chunks {
                prop_assert_eq!(take_lines(&mut a, c), reference(&mut b, c));
                prop_assert_eq!(&a, &b);
            }
        }
    }
}
