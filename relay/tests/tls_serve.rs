//! The relay over TLS (`--tls-cert`/`--tls-key`; docs/class-hosting.md, "TLS"):
//! with a test CA made by rcgen, a WSS client that trusts only that CA opens a
//! session on a class relay, authenticates and runs socket calls, and the page's
//! routes (`/healthz`) answer over HTTPS; a plain-text client gets nothing; and
//! start-up fails with a message naming the flag and the file for a missing
//! file, a file that is not PEM, and a key that does not fit the certificate.

mod common;

use common::guard;
use futures::{SinkExt, StreamExt};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use relay::config::Config;
use relay::tls_listener::TlsFiles;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// A test CA, and a certificate for 127.0.0.1 it issued, written as PEM files
/// in `dir`; also a second key that fits nothing.
struct Pki {
    ca: CertificateDer<'static>,
    files: TlsFiles,
    stray_key: PathBuf,
}

fn pki(dir: &Path) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key")).expect("ca");
    let key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&key, &ca)
        .expect("leaf");
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write PEM");
        path
    };
    // The chain: the leaf, then its CA.
    let cert = write("cert.pem", format!("{}{}", leaf.pem(), ca.pem()));
    let key_path = write("key.pem", key.serialize_pem());
    let stray_key = write(
        "stray.pem",
        KeyPair::generate().expect("key").serialize_pem(),
    );
    Pki {
        ca: ca.der().clone(),
        files: TlsFiles {
            cert,
            key: key_path,
        },
        stray_key,
    }
}

/// A TLS connection to `addr` that trusts only `ca`.
async fn tls_connect(
    addr: std::net::SocketAddr,
    ca: &CertificateDer<'static>,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).expect("add CA");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.expect("tcp connect");
    let name = ServerName::IpAddress(addr.ip().into());
    guard(
        "TLS handshake",
        TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    .expect("TLS handshake with the test CA")
}

async fn next_json<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>) -> Value
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match guard("a frame", ws.next()).await {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(t.as_str()).expect("json"),
            Some(Ok(_)) => continue,
            other => panic!("the session ended: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_wss_client_completes_a_session_over_tls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = pki(dir.path());
    let mut config = Config::for_tests();
    config.token = Some("room-42".into());
    relay::class_preset::apply(&mut config, |flag| flag == "listen").expect("preset");
    config.tls = Some(pki.files.clone());
    let relay = common::start(config).await;

    let tls = tls_connect(relay.addr, &pki.ca).await;
    let url = format!("wss://{}/ws", relay.addr);
    let req = url.into_client_request().expect("request");
    let (mut ws, resp) = guard("WSS upgrade", tokio_tungstenite::client_async(req, tls))
        .await
        .expect("WebSocket upgrade over TLS");
    assert_eq!(resp.status().as_u16(), 101);
    let hello = next_json(&mut ws).await;
    assert_eq!(hello["ev"], "hello");
    assert_eq!(hello["policy"]["auth_required"], true);
    let ask = |id: u64, op: Value| {
        let mut op = op;
        op["id"] = json!(id);
        Message::text(op.to_string())
    };
    ws.send(ask(1, json!({"op": "auth", "token": "room-42"})))
        .await
        .expect("send");
    assert_eq!(next_json(&mut ws).await, json!({"re": 1, "ok": {}}));
    ws.send(ask(
        2,
        json!({"op": "socket", "family": "AF_INET", "type": "SOCK_STREAM"}),
    ))
    .await
    .expect("send");
    let sock = next_json(&mut ws).await;
    assert_eq!(sock["re"], 2);
    let s = sock["ok"]["sock"].clone();
    ws.send(ask(
        3,
        json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", 20178]}),
    ))
    .await
    .expect("send");
    let bound = loop {
        let v = next_json(&mut ws).await;
        if v["re"] == 3 {
            break v;
        }
    };
    assert_eq!(bound["ok"]["addr"], json!(["127.0.0.1", 20178]), "{bound}");
    ws.close(None).await.expect("close");

    // The other routes are HTTPS too.
    let mut tls = tls_connect(relay.addr, &pki.ca).await;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut body = Vec::new();
    guard("the /healthz answer", tls.read_to_end(&mut body))
        .await
        .ok();
    let text = String::from_utf8_lossy(&body);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"status\":\"ok\""), "{text}");

    // Plain HTTP to a TLS port gets no page.
    let mut plain = TcpStream::connect(relay.addr).await.expect("connect");
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("write");
    let mut got = Vec::new();
    let _ = guard("the relay to drop plain text", plain.read_to_end(&mut got)).await;
    assert!(!String::from_utf8_lossy(&got).contains("\"status\""));
}

async fn start_error(files: TlsFiles) -> String {
    let mut config = Config::for_tests();
    config.labs = None;
    config.tls = Some(files);
    match relay::start(config).await {
        Ok(_) => panic!("the relay must not start"),
        Err(e) => {
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
            e.to_string()
        }
    }
}

#[tokio::test]
async fn bad_certificate_files_stop_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = pki(dir.path());
    let missing = dir.path().join("nope.pem");
    let e = start_error(TlsFiles {
        cert: missing.clone(),
        key: pki.files.key.clone(),
    })
    .await;
    assert!(
        e.starts_with(&format!("cannot read --tls-cert {}", missing.display())),
        "{e}"
    );

    let e = start_error(TlsFiles {
        cert: pki.files.cert.clone(),
        key: missing.clone(),
    })
    .await;
    assert!(e.starts_with("cannot read --tls-key"), "{e}");

    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").expect("write");
    let e = start_error(TlsFiles {
        cert: junk.clone(),
        key: pki.files.key.clone(),
    })
    .await;
    assert!(e.contains("holds no certificate"), "{e}");
    let e = start_error(TlsFiles {
        cert: pki.files.cert.clone(),
        key: junk,
    })
    .await;
    assert!(e.contains("holds no PEM private key"), "{e}");

    // The key and certificate swapped is "no certificate" / "no key" above; a
    // key that is valid but belongs to another certificate:
    let e = start_error(TlsFiles {
        cert: pki.files.cert.clone(),
        key: pki.stray_key.clone(),
    })
    .await;
    assert!(e.contains("does not fit --tls-cert"), "{e}");
}
