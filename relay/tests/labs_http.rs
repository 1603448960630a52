//! The HTTP lab against hostile and old-fashioned clients (issue 9): folded header
//! lines (raw bytes and Python's real `http.client`), chunked request bodies, the
//! head/body limits with their statuses, HTTP/1.0 and keep-alive, and the
//! per-address connection cap. Talks to the lab directly, not through a relay.

use relay::config::LabPorts;
use relay::labs::{self, Labs};
use serde_json::Value;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

const GUARD: Duration = Duration::from_secs(20);

async fn lab() -> (Labs, SocketAddr) {
    let labs = labs::start(&LabPorts::EPHEMERAL).await;
    let addr = labs.addrs["http"];
    (labs, addr)
}

/// One response read off a connection: status, lower-case headers, body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// Reads one response (Content-Length, chunked, or until the close).
async fn read_answer(r: &mut BufReader<TcpStream>) -> Answer {
    tokio::time::timeout(GUARD, async {
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("status line {line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            r.read_line(&mut h).await.unwrap();
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap();
            headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
        }
        let mut a = Answer {
            status,
            headers,
            body: Vec::new(),
        };
        if let Some(n) = a.header("content-length") {
            let mut body = vec![0; n.parse().unwrap()];
            r.read_exact(&mut body).await.unwrap();
            a.body = body;
        } else if a.header("transfer-encoding") == Some("chunked") {
            loop {
                let mut size = String::new();
                r.read_line(&mut size).await.unwrap();
                let n = usize::from_str_radix(size.trim(), 16).unwrap();
                let mut chunk = vec![0; n + 2];
                r.read_exact(&mut chunk).await.unwrap();
                if n == 0 {
                    break;
                }
                a.body.extend_from_slice(&chunk[..n]);
            }
        } else {
            r.read_to_end(&mut a.body).await.unwrap();
        }
        a
    })
    .await
    .expect("an answer in time")
}

async fn connect_from(lab: SocketAddr, last: u8) -> BufReader<TcpStream> {
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind(SocketAddr::from(([127, 0, 0, last], 0))).unwrap();
    BufReader::new(sock.connect(lab).await.unwrap())
}

async fn exchange(lab: SocketAddr, request: &[u8]) -> Answer {
    let mut c = connect_from(lab, 1).await;
    c.get_mut().write_all(request).await.unwrap();
    read_answer(&mut c).await
}

#[tokio::test]
async fn folded_header_lines_are_joined_and_echoed() {
    let (_labs, lab) = lab().await;
    for path in ["/headers", "/get"] {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: lab\r\nX-Multi: v1\r\n\tv2\r\n  v3\r\nConnection: close\r\n\r\n"
        );
        let a = exchange(lab, req.as_bytes()).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.json()["headers"]["X-Multi"], "v1 v2 v3", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_http_client_multi_value_putheader_is_accepted() {
    let (_labs, lab) = lab().await;
    let script = r#"
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for path in ("/headers", "/get"):
    c.putrequest("GET", path)
    c.putheader("X-Multi", "v1", "v2")
    c.endheaders()
    r = c.getresponse()
    print(r.status, json.loads(r.read())["headers"]["X-Multi"])
"#;
    let port = lab.port().to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(["-c", script, &port])
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "200 v1 v2\n200 v1 v2\n"
    );
}

#[tokio::test]
async fn chunked_request_bodies_are_decoded() {
    let (_labs, lab) = lab().await;
    let a = exchange(
        lab,
        b"POST /post HTTP/1.1\r\nHost: lab\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
          5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["data"], "hello world");
}

#[tokio::test]
async fn keep_alive_and_http_1_0() {
    let (_labs, lab) = lab().await;
    let mut c = connect_from(lab, 1).await;
    c.get_mut()
        .write_all(
            b"GET /get HTTP/1.1\r\nHost: lab\r\n\r\nGET /chunked/2 HTTP/1.1\r\nHost: lab\r\n\r\n",
        )
        .await
        .unwrap();
    let first = read_answer(&mut c).await;
    let second = read_answer(&mut c).await;
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(second.body, b"chunk 0\nchunk 1\n");
    // HTTP/1.0 without keep-alive: the answer, then the close.
    c.get_mut()
        .write_all(b"GET /chunked/1 HTTP/1.0\r\n\r\n")
        .await
        .unwrap();
    let old = read_answer(&mut c).await;
    assert_eq!(old.status, 200);
    assert_eq!(old.body, b"chunk 0\n", "close-delimited");
}

#[tokio::test]
async fn hostile_requests_get_their_status_and_a_close() {
    let (_labs, lab) = lab().await;
    let mut huge_head = b"GET / HTTP/1.1\r\nX: ".to_vec();
    huge_head.resize(70_000, b'a');
    let too_big_body = format!(
        "POST /post HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
        (1 << 20) + 1
    );
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"NONSENSE\r\n\r\n".to_vec(), 400, "bad request line"),
        (b"GET / HTTP/3.0\r\n\r\n".to_vec(), 505, "HTTP/3.0"),
        (huge_head, 431, "larger than 65536 bytes"),
        (too_big_body.into_bytes(), 413, "larger than 1048576 bytes"),
        (
            b"GET / HTTP/1.1\r\n\tfolded: first\r\n\r\n".to_vec(),
            400,
            "continuation line",
        ),
        (
            b"POST /post HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
            400,
            "bad chunk size",
        ),
    ];
    for (req, status, says) in cases {
        let mut c = connect_from(lab, 1).await;
        // The lab may answer and close before it has read everything.
        let _ = c.get_mut().write_all(&req).await;
        let a = read_answer(&mut c).await;
        assert_eq!(a.status, status, "{says}");
        assert!(
            String::from_utf8_lossy(&a.body).contains(says),
            "{says}: {:?}",
            String::from_utf8_lossy(&a.body)
        );
        assert_eq!(a.header("connection"), Some("close"));
    }
}

#[tokio::test]
async fn one_address_gets_at_most_its_share_of_the_lab() {
    let (_labs, lab) = lab().await;
    let mut held = Vec::new();
    for _ in 0..labs::MAX_CLIENTS_PER_PEER {
        let mut c = connect_from(lab, 1).await;
        c.get_mut()
            .write_all(b"GET /get HTTP/1.1\r\nHost: lab\r\n\r\n")
            .await
            .unwrap();
        assert_eq!(read_answer(&mut c).await.status, 200);
        held.push(c);
    }
    let mut hog = connect_from(lab, 1).await;
    let a = read_answer(&mut hog).await;
    assert_eq!(a.status, 503);
    assert_eq!(
        String::from_utf8_lossy(&a.body),
        format!(
            "too many connections from 127.0.0.1 (at most {} from one address), try again later\n",
            labs::MAX_CLIENTS_PER_PEER
        )
    );
    let mut other = connect_from(lab, 5).await;
    other
        .get_mut()
        .write_all(b"GET /get HTTP/1.1\r\nHost: lab\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_answer(&mut other).await.status, 200);
}
