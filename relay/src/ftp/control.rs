//! The control channel of one FTP connection: ftplib's `putline`, `getline`,
//! `getmultiline`, `getresp`, `voidresp`, `sendcmd` and `voidcmd` on a tokio stream,
//! with Python's per-call socket timeout and bounded line lengths.
//!
//! Every command sent and every reply read is recorded as a [`Note`] (a future
//! `wire` event; `PASS` is recorded as `PASS ****`). Owns the control stream only;
//! data connections live in `data.rs` and the session never sees this stream's
//! bytes except through the notes.

use super::reply::{self, MAXLINE, MAX_REPLY};
use crate::io::with_timeout;
use crate::oserror::{bad_request, from_io};
use shared::{Channel, Data, Dir, Encoding, Errno, ErrorBody, Event};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// Something that crossed a channel, to be shown as a `wire` event.
#[derive(Debug)]
pub struct Note {
    pub channel: Channel,
    pub dir: Dir,
    pub bytes: Vec<u8>,
}

impl Note {
    pub fn data(dir: Dir, text: String) -> Note {
        Note {
            channel: Channel::Data,
            dir,
            bytes: text.into_bytes(),
        }
    }

    /// The `wire` event that shows this note for connection `handle`.
    pub fn into_event(self, handle: &str) -> Event {
        Event::Wire {
            handle: handle.to_owned(),
            channel: self.channel,
            dir: self.dir,
            data: Data::from_bytes(self.bytes, Encoding::Text),
        }
    }
}

/// An open control connection.
pub struct Control {
    rd: BufReader<OwnedReadHalf>,
    wr: OwnedWriteHalf,
    pub peer: SocketAddr,
    pub local: SocketAddr,
    /// Python's socket timeout for every blocking call (`None`: block).
    pub timeout: Option<Duration>,
    /// Notes not yet handed to the session.
    pub notes: Vec<Note>,
}

/// EOF on the control connection (Python raises `EOFError`).
fn eof() -> ErrorBody {
    ErrorBody::errno_with(
        Errno::ECONNRESET,
        "EOFError: the FTP server closed the control connection",
    )
}

impl Control {
    pub fn new(stream: TcpStream, timeout: Option<Duration>) -> Result<Control, ErrorBody> {
        let peer = stream.peer_addr().map_err(|e| from_io(&e))?;
        let local = stream.local_addr().map_err(|e| from_io(&e))?;
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        Ok(Control {
            rd: BufReader::with_capacity(MAXLINE + 2, rd),
            wr,
            peer,
            local,
            timeout,
            notes: Vec::new(),
        })
    }

    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// `putline`: one command line; CR or LF inside it is Python's `ValueError`.
    pub async fn putline(&mut self, line: &str) -> Result<(), ErrorBody> {
        if line.contains(['\r', '\n']) {
            return Err(bad_request(
                "ValueError: an illegal newline character should not be contained",
            ));
        }
        let shown = shown(line);
        self.notes.push(Note {
            channel: Channel::Control,
            dir: Dir::Out,
            bytes: shown.into_bytes(),
        });
        let wire = format!("{line}\r\n");
        let wr = &mut self.wr;
        with_timeout(self.timeout, async move {
            wr.write_all(wire.as_bytes()).await.map_err(|e| from_io(&e))
        })
        .await
    }

    /// Sends raw bytes (used for `ABOR`, which ftplib sends the same way).
    pub async fn putcmd(&mut self, line: &str) -> Result<(), ErrorBody> {
        self.putline(line).await
    }

    /// `getmultiline`: a whole reply, lines joined with `\n`.
    pub async fn getmultiline(&mut self) -> Result<String, ErrorBody> {
        let mut raw = Vec::new();
        let r = read_reply(&mut self.rd, self.timeout, &mut raw).await;
        if !raw.is_empty() {
            self.notes.push(Note {
                channel: Channel::Control,
                dir: Dir::In,
                bytes: raw,
            });
        }
        r
    }

    /// `getresp`.
    pub async fn getresp(&mut self) -> Result<String, ErrorBody> {
        let resp = self.getmultiline().await?;
        reply::check(resp)
    }

    /// `voidresp`.
    pub async fn voidresp(&mut self) -> Result<String, ErrorBody> {
        let resp = self.getmultiline().await?;
        reply::check_void(resp)
    }

    /// `sendcmd`.
    pub async fn sendcmd(&mut self, cmd: &str) -> Result<String, ErrorBody> {
        self.putcmd(cmd).await?;
        self.getresp().await
    }

    /// `voidcmd`.
    pub async fn voidcmd(&mut self, cmd: &str) -> Result<String, ErrorBody> {
        self.putcmd(cmd).await?;
        self.voidresp().await
    }
}

/// A command line as its `wire` note shows it: the password of `PASS` hidden.
fn shown(line: &str) -> String {
    // `get` is `None` when byte 5 falls inside a character ("NOOPé"): not PASS.
    match line.get(..5) {
        Some(pass) if pass.eq_ignore_ascii_case("PASS ") => format!("{pass}****\r\n"),
        _ => format!("{line}\r\n"),
    }
}

/// `getline`: one line without its CRLF, read from `rd` (at most [`MAXLINE`] bytes
/// are buffered); appends the raw bytes to `raw`. ftplib decodes with its
/// `encoding` (UTF-8); bytes that are not UTF-8 are shown as U+FFFD.
async fn getline<R: AsyncBufRead + Unpin>(
    rd: &mut R,
    timeout: Option<Duration>,
    raw: &mut Vec<u8>,
) -> Result<String, ErrorBody> {
    let mut buf = Vec::new();
    let n = with_timeout(timeout, async {
        (&mut *rd)
            .take(MAXLINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .await
            .map_err(|e| from_io(&e))
    })
    .await?;
    if buf.len() > MAXLINE {
        raw.extend_from_slice(&buf);
        return Err(reply::too_long("a control-channel line", MAXLINE));
    }
    if n == 0 {
        return Err(eof());
    }
    raw.extend_from_slice(&buf);
    let line = buf
        .strip_suffix(b"\r\n")
        .or_else(|| buf.strip_suffix(b"\r"))
        .or_else(|| buf.strip_suffix(b"\n"))
        .unwrap_or(&buf);
    Ok(String::from_utf8_lossy(line).into_owned())
}

/// `getmultiline` over `rd`: a reply of one line, or of lines from `ddd-` to the
/// first line starting with the same `ddd` not followed by `-`, joined with `\n`
/// (at most [`MAX_REPLY`] bytes). Codes are compared as ftplib does, by character.
async fn read_reply<R: AsyncBufRead + Unpin>(
    rd: &mut R,
    timeout: Option<Duration>,
    raw: &mut Vec<u8>,
) -> Result<String, ErrorBody> {
    let mut line = getline(rd, timeout, raw).await?;
    if reply::char_at(&line, 3) == Some('-') {
        let code = reply::code(&line).to_owned();
        loop {
            let next = getline(rd, timeout, raw).await?;
            line.push('\n');
            line.push_str(&next);
            if line.len() > MAX_REPLY {
                return Err(reply::too_long("one reply", MAX_REPLY));
            }
            if reply::code(&next) == code && reply::char_at(&next, 3) != Some('-') {
                break;
            }
        }
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use tokio::io::ReadBuf;

    /// A control stream that delivers `input` in the given chunks, then EOF.
    struct Chunks(VecDeque<Vec<u8>>);

    impl tokio::io::AsyncRead for Chunks {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            if let Some(mut c) = self.0.pop_front() {
                let n = c.len().min(buf.remaining());
                buf.put_slice(&c[..n]);
                if n < c.len() {
                    self.0.push_front(c.split_off(n));
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    /// `input` cut at `cuts` (positions, any order, out of range ignored).
    fn chunked(input: &[u8], cuts: &[usize]) -> BufReader<Chunks> {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = VecDeque::new();
        let mut at = 0;
        for c in cuts.into_iter().chain([input.len()]) {
            if c > at {
                chunks.push_back(input[at..c].to_vec());
                at = c;
            }
        }
        BufReader::with_capacity(MAXLINE + 2, Chunks(chunks))
    }

    /// Every reply `read_reply` gives until the stream fails, and the raw bytes.
    fn replies(mut rd: BufReader<Chunks>) -> (Vec<Result<String, ErrorBody>>, Vec<u8>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let mut out = Vec::new();
            let mut raw = Vec::new();
            loop {
                let r = read_reply(&mut rd, None, &mut raw).await;
                let stop = r.is_err();
                out.push(r);
                if stop {
                    return (out, raw);
                }
            }
        })
    }

    fn codes(rs: &[Result<String, ErrorBody>]) -> Vec<Result<String, String>> {
        rs.iter()
            .map(|r| r.clone().map_err(|e| format!("{} {}", e.code, e.message)))
            .collect()
    }

    #[test]
    fn notes_hide_passwords_and_keep_every_other_line() {
        assert_eq!(shown("NOOPé"), "NOOPé\r\n");
        assert_eq!(shown("PASé"), "PASé\r\n");
        assert_eq!(shown("pass secret"), "pass ****\r\n");
        assert_eq!(shown("PASS é"), "PASS ****\r\n");
        assert_eq!(shown("é"), "é\r\n");
    }

    #[test]
    fn replies_like_ftplib() {
        let input = b"220 hi\r\n230-a\r\n x\r\n 230 y\r\n230-b\r\n230 end\r\n500 \xff\n";
        let (rs, raw) = replies(chunked(input, &[3, 9, 10]));
        assert_eq!(
            codes(&rs),
            vec![
                Ok("220 hi".into()),
                Ok("230-a\n x\n 230 y\n230-b\n230 end".into()),
                Ok("500 \u{fffd}".into()),
                Err("ECONNRESET EOFError: the FTP server closed the control connection".into()),
            ]
        );
        assert_eq!(raw, input);
    }

    #[test]
    fn a_multibyte_code_is_compared_by_character() {
        // ftplib's line[3:4] and line[:3] count characters: "é12-" has its dash at 3.
        let (rs, _) = replies(chunked("é12-x\r\né12 y\r\n".as_bytes(), &[1]));
        assert_eq!(rs[0].as_deref().ok(), Some("é12-x\né12 y"));
    }

    #[test]
    fn an_endless_line_buffers_at_most_maxline() {
        let input = vec![b'2'; 1 << 20];
        let (rs, raw) = replies(chunked(&input, &[1, 5000, 70_000]));
        let e = rs[0].as_ref().unwrap_err();
        assert_eq!(e.code, "ftp.error_proto");
        assert!(e.message.contains("8192"), "{}", e.message);
        assert_eq!(raw.len(), MAXLINE + 1);
    }

    #[test]
    fn an_endless_multiline_reply_stops_at_max_reply() {
        let mut input = b"211-start\r\n".to_vec();
        while input.len() < 4 * MAX_REPLY {
            input.extend_from_slice(b"211-more more more more\r\n");
        }
        let (rs, raw) = replies(chunked(&input, &[]));
        let e = rs[0].as_ref().unwrap_err();
        assert!(e.message.contains("one reply"), "{}", e.message);
        assert!(raw.len() <= MAX_REPLY + MAXLINE + 2, "{}", raw.len());
    }

    /// Bytes that look like FTP replies, with random damage.
    fn reply_bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"220".to_vec()),
            Just(b"-".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r".to_vec()),
            Just("é".as_bytes().to_vec()),
            Just(vec![0xff, 0xfe]),
            prop::collection::vec(any::<u8>(), 0..12),
            "[0-9]{3}[- ][ -~]{0,10}\r\n".prop_map(String::into_bytes),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::test_support::proptest_cases(128)
        ))]

        /// Any bytes in any chunking: no panic, every byte read is accounted for
        /// (raw is a prefix of the input), replies are bounded, and the chunking
        /// changes nothing.
        #[test]
        fn any_bytes_any_chunking(
            input in reply_bytes(),
            cuts in prop::collection::vec(any::<usize>(), 0..12),
        ) {
            let (rs, raw) = replies(chunked(&input, &cuts));
            prop_assert!(input.starts_with(&raw));
            for r in rs.iter().flatten() {
                prop_assert!(r.len() <= MAX_REPLY + MAXLINE);
            }
            let (whole, whole_raw) = replies(chunked(&input, &[]));
            prop_assert_eq!(codes(&rs), codes(&whole));
            prop_assert_eq!(raw, whole_raw);
        }

        /// Any reply text: the parsers never panic and only accept what they promise.
        #[test]
        fn parsers_never_panic(text in "\\PC{0,40}|2[0-9]{2}[ -~é(|),\"]{0,40}") {
            let _ = reply::check(text.clone());
            let _ = reply::check_void(text.clone());
            if let Ok((host, _)) = reply::parse227(&text) {
                prop_assert!(host.parse::<std::net::Ipv4Addr>().is_ok(), "{}", host);
            }
            let _ = reply::parse229(&text);
            let _ = reply::parse257(&text);
            let _ = reply::parse150(&text);
            prop_assert!(reply::code(&text).chars().count() <= 3);
        }
    }
}
