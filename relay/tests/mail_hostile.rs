//! Hostile peers on both sides of the mail code (issue 15): clients that send the
//! SMTP and POP3 labs over-long lines, lines without CRLF and binary junk get a
//! clear reply and the lab keeps serving; servers that send the relay's
//! `smtp.*`/`pop3.*` clients over-long, endless or binary replies, or hang up,
//! get Python's exception and the session goes on.

mod common;
use common::*;
use relay::config::LabPorts;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Sends `bytes` and reads one reply line.
async fn exchange(r: &mut BufReader<TcpStream>, bytes: &[u8]) -> String {
    r.get_mut().write_all(bytes).await.unwrap();
    line(r).await
}

async fn line(r: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    guard("a reply line", r.read_line(&mut l)).await.unwrap();
    l
}

#[tokio::test]
async fn the_labs_answer_junk_and_keep_serving() {
    let labs = relay::labs::start(&LabPorts::EPHEMERAL).await;
    let mut s = BufReader::new(TcpStream::connect(labs.addrs["smtp"]).await.unwrap());
    assert!(line(&mut s).await.starts_with("220 "));
    let long = [vec![b'A'; 5000], b"\r\n".to_vec()].concat();
    assert!(exchange(&mut s, &long)
        .await
        .starts_with("500 5.5.2 Line too long"));
    assert!(exchange(&mut s, b"\xff\xfe\x00junk\r\n")
        .await
        .starts_with("500 "));
    // A line without CRLF is a line too long once it passes the bound.
    s.get_mut().write_all(&[b'x'; 3000]).await.unwrap();
    assert!(exchange(&mut s, b"\n")
        .await
        .starts_with("500 5.5.2 Line too long"));
    assert!(exchange(&mut s, b"EHLO me\r\n").await.starts_with("250-"));
    for _ in 0..3 {
        line(&mut s).await;
    }
    assert!(exchange(&mut s, b"NOOP\r\n").await.starts_with("250 "));
    // Twenty bad commands end the conversation, with a 421 first.
    let mut last = String::new();
    for _ in 0..20 {
        last = exchange(&mut s, b"BOGUS\r\n").await;
        if last.starts_with("421") {
            break;
        }
    }
    let end = if last.starts_with("421") {
        last
    } else {
        line(&mut s).await
    };
    assert!(end.starts_with("421 4.7.0"), "{end}");

    let mut p = BufReader::new(TcpStream::connect(labs.addrs["pop3"]).await.unwrap());
    assert!(line(&mut p).await.starts_with("+OK"));
    let long = [vec![b'U'; 400], b"\r\n".to_vec()].concat();
    assert_eq!(exchange(&mut p, &long).await, "-ERR line too long\r\n");
    assert!(exchange(&mut p, b"\xff\xfe\r\n").await.starts_with("-ERR"));
    assert!(exchange(&mut p, b"STAT\r\n")
        .await
        .starts_with("-ERR authenticate first"));
    assert!(exchange(&mut p, b"CAPA\r\n").await.starts_with("+OK"));
    // Both labs still take new clients.
    let mut again = BufReader::new(TcpStream::connect(labs.addrs["smtp"]).await.unwrap());
    assert!(line(&mut again).await.starts_with("220 "));
}

/// A one-connection server that greets with `greeting`, then answers the first
/// command it reads with `answer` and closes.
async fn fake_server(greeting: &'static [u8], answer: &'static [u8]) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        s.write_all(greeting).await.unwrap();
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(answer).await;
    });
    port
}

/// Sends `request` and checks it fails with `code` and Python's `message`.
async fn fails(c: &mut Client, request: serde_json::Value, code: &str, message: &str) {
    let e = c.err(request, code).await;
    assert_eq!(e["message"], message, "{e}");
}

/// `smtp.connect` (or `pop3.connect` when `op` says so) to a local port: the handle.
async fn open(c: &mut Client, op: &str, port: u16) -> serde_json::Value {
    c.ok(json!({"op": op, "host": "127.0.0.1", "port": port}))
        .await["conn"]
        .clone()
}

#[tokio::test]
async fn hostile_servers_give_pythons_exceptions() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;

    let long: &'static [u8] = Box::leak(
        [vec![b'2'; 9000], b"\r\n".to_vec()]
            .concat()
            .into_boxed_slice(),
    );
    let m = open(
        &mut c,
        "smtp.connect",
        fake_server(b"220 hi\r\n", long).await,
    )
    .await;
    let noop = json!({"op": "smtp.noop", "conn": m});
    fails(
        &mut c,
        noop.clone(),
        "smtp.SMTPResponseException",
        "(500, 'Line too long.')",
    )
    .await;
    fails(
        &mut c,
        noop,
        "smtp.SMTPServerDisconnected",
        "please run connect() first",
    )
    .await;

    let m = open(
        &mut c,
        "smtp.connect",
        fake_server(b"220 hi\r\n", b"").await,
    )
    .await;
    let ehlo = json!({"op": "smtp.ehlo", "conn": m});
    fails(
        &mut c,
        ehlo,
        "smtp.SMTPServerDisconnected",
        "Connection unexpectedly closed",
    )
    .await;

    let port = fake_server(b"554 go away\r\n", b"").await;
    let connect = json!({"op": "smtp.connect", "host": "127.0.0.1", "port": port});
    fails(
        &mut c,
        connect,
        "smtp.SMTPConnectError",
        "(554, b'go away')",
    )
    .await;

    let port = fake_server(b"\xff\xfejunk\r\n", b"").await;
    let connect = json!({"op": "pop3.connect", "host": "127.0.0.1", "port": port});
    fails(&mut c, connect, "pop3.error_proto", "b'\\xff\\xfejunk'").await;

    let endless: &'static [u8] = Box::leak(
        b"+OK\r\n"
            .iter()
            .chain([b'a'; 3000].iter())
            .copied()
            .collect::<Vec<u8>>()
            .into_boxed_slice(),
    );
    let p = open(
        &mut c,
        "pop3.connect",
        fake_server(b"+OK hi\r\n", endless).await,
    )
    .await;
    let retr = json!({"op": "pop3.retr", "conn": p, "which": 1});
    fails(&mut c, retr, "pop3.error_proto", "-ERR EOF").await;
    // The session is fine.
    c.ok(json!({"op": "ping"})).await;
}
