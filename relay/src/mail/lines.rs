//! Reading `\n`-terminated lines with a bound, for the mail clients and labs: a
//! line longer than the bound is read to its end and discarded (never held), so
//! memory stays within the bound whatever a peer sends.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A whole line, with its line end.
    Text(Vec<u8>),
    /// A line longer than the bound (discarded up to and including its `\n`).
    TooLong,
    /// The peer closed the connection (a partial last line is dropped).
    Eof,
}

/// Reads the next line of at most `limit` bytes (line end included).
pub async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> std::io::Result<Line> {
    let mut out = Vec::new();
    let mut too_long = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(Line::Eof);
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if !too_long {
            if out.len() + take > limit {
                too_long = true;
                out = Vec::new();
            } else {
                out.extend_from_slice(buf.get(..take).unwrap_or_default());
            }
        }
        reader.consume(take);
        if done {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Text(out)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tokio::io::BufReader;

    fn lines(input: &[u8], cap: usize, limit: usize) -> Vec<Line> {
        futures::executor::block_on(async {
            let mut r = BufReader::with_capacity(cap, input);
            let mut out = Vec::new();
            loop {
                let l = read_line(&mut r, limit).await.unwrap();
                let end = l == Line::Eof;
                out.push(l);
                if end {
                    return out;
                }
            }
        })
    }

    #[test]
    fn cuts_and_bounds() {
        let got = lines(b"ab\r\nxxxxxxxx\nc\nrest", 3, 4);
        assert_eq!(
            got,
            [
                Line::Text(b"ab\r\n".to_vec()),
                Line::TooLong,
                Line::Text(b"c\n".to_vec()),
                Line::Eof
            ]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(256)))]

        /// Whatever the bytes and the read sizes: lines come out in order, each
        /// within the bound, and every line of the input is either given whole or
        /// reported too long.
        #[test]
        fn every_line_is_whole_or_too_long(
            input in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..200),
            cap in 1usize..16,
            limit in 1usize..32,
        ) {
            let got = lines(&input, cap, limit);
            let expected: Vec<Line> = input
                .split_inclusive(|&b| b == b'\n')
                .filter(|l| l.ends_with(b"\n"))
                .map(|l| if l.len() > limit { Line::TooLong } else { Line::Text(l.to_vec()) })
                .chain(std::iter::once(Line::Eof))
                .collect();
            prop_assert_eq!(got, expected);
        }
    }
}
