//! Arbitrary bytes against the running chat, FTP and HTTP labs (issue 9, "hostile
//! input on the labs"): whatever a client sends, the lab answers or closes once
//! the client has finished sending (it never hangs on it), and the lab still
//! serves a well-behaved client afterwards. Case counts follow `PROPTEST_CASES`
//! (default small, as each case is a real connection).

use proptest::prelude::*;
use relay::config::LabPorts;
use relay::labs::{self, Labs};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

const GUARD: Duration = Duration::from_secs(20);

/// One runtime and one set of labs for every case of this file.
fn labs() -> &'static (Runtime, Labs) {
    static LABS: OnceLock<(Runtime, Labs)> = OnceLock::new();
    LABS.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let labs = rt.block_on(labs::start(&LabPorts::EPHEMERAL));
        (rt, labs)
    })
}

fn lab(name: &str) -> (&'static Runtime, SocketAddr) {
    let (rt, labs) = labs();
    (rt, labs.addrs[name])
}

fn cases() -> ProptestConfig {
    ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(24),
    )
}

/// Sends `bytes`, closes the sending side, and returns everything the lab sent
/// until it closed (it must close within the guard).
async fn throw(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).await.unwrap();
    // The lab may close early (e.g. on a refused line); the rest is then moot.
    let _ = s.write_all(bytes).await;
    let _ = s.shutdown().await;
    let mut got = Vec::new();
    let read = tokio::time::timeout(GUARD, s.read_to_end(&mut got))
        .await
        .expect("the lab closes after the client is done");
    // A reset after a refusal is a close too.
    let _ = read;
    got
}

/// Bytes that look a little like each protocol, and some that do not.
fn hostile(words: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let word = prop_oneof![
        proptest::sample::select(words).prop_map(|w| w.as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(vec![b'A'; 5000]),
    ];
    proptest::collection::vec(word, 0..24).prop_map(|w| w.concat())
}

const FTP_WORDS: &[&str] = &[
    "USER learner\r\n",
    "PASS learner\r\n",
    "USER anonymous\r\n",
    "PORT 127,0,0,2,4,1\r\n",
    "PORT 127,0,0,1,0,21\r\n",
    "EPRT |2|::1|80|\r\n",
    "PASV\r\n",
    "MKD \"x\"\r\n",
    "PWD\r\n",
    "RETR welcome.txt\r\n",
    "STOR a\r\n",
    "CWD ..\r\n",
    "ABOR\u{fffd}\r\n",
];

const HTTP_WORDS: &[&str] = &[
    "GET / HTTP/1.1\r\n",
    "POST /post HTTP/1.1\r\n",
    "GET /headers HTTP/1.0\r\n",
    "Host: x\r\n",
    "Content-Length: 5\r\n",
    "Content-Length: -1\r\n",
    "Transfer-Encoding: chunked\r\n",
    "\tfolded\r\n",
    "X: a\r\n",
    "5\r\nhello\r\n0\r\n\r\n",
    "\r\n",
];

const CHAT_WORDS: &[&str] = &["hello\n", "\n", "[chat] fake\n", "\0"];

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn the_ftp_lab_answers_or_closes_and_keeps_serving(bytes in hostile(FTP_WORDS)) {
        let (rt, addr) = lab("ftp");
        rt.block_on(async {
            let got = throw(addr, &bytes).await;
            assert!(got.starts_with(b"220 "), "greeted first: {:?}", String::from_utf8_lossy(&got));
            assert!(got.is_empty() || got.ends_with(b"\r\n"), "whole reply lines");
            let bye = throw(addr, b"QUIT\r\n").await;
            assert!(bye.windows(5).any(|w| w == b"\n221 "), "{:?}", String::from_utf8_lossy(&bye));
        });
    }

    #[test]
    fn the_http_lab_answers_or_closes_and_keeps_serving(bytes in hostile(HTTP_WORDS)) {
        let (rt, addr) = lab("http");
        rt.block_on(async {
            let got = throw(addr, &bytes).await;
            assert!(got.is_empty() || got.starts_with(b"HTTP/1."), "{:?}", String::from_utf8_lossy(&got));
            let ok = throw(addr, b"GET /get HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
            assert!(ok.starts_with(b"HTTP/1.1 200 OK\r\n"));
        });
    }

    #[test]
    fn the_chat_lab_answers_or_closes_and_keeps_serving(bytes in hostile(CHAT_WORDS)) {
        let (rt, addr) = lab("chat");
        rt.block_on(async {
            let got = throw(addr, &bytes).await;
            // A client that leaves at once may leave before its greeting is sent.
            assert!(got.is_empty() || b"welcome to the socklab chat: ".starts_with(&got[..got.len().min(29)]));
            let mut s = TcpStream::connect(addr).await.unwrap();
            let mut first = [0u8; 7];
            tokio::time::timeout(GUARD, s.read_exact(&mut first)).await.unwrap().unwrap();
            assert_eq!(&first, b"welcome");
        });
    }
}
