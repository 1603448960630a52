//! The relay over TLS (`--tls-cert`/`--tls-key`; docs/class-hosting.md, "TLS"):
//! with a test CA made by rcgen, a WSS client that trusts only that CA opens a
//! session on a class relay, authenticates and runs socket calls, and the page's
//! routes (`/healthz`) answer over HTTPS; a plain-text client gets nothing; and
//! start-up fails with a message naming the flag and the file for a missing
//! file, a file that is not PEM, and a key that does not fit the certificate;
//! and `deploy/nginx/socklab.conf`, with TLS ended by nginx (when nginx is
//! installed), carries a WSS session to a class relay behind it.

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
    pki_for(dir, "localhost")
}

/// [`pki`] with a certificate that also names `name`.
fn pki_for(dir: &Path, name: &str) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key")).expect("ca");
    let key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), name.to_owned()])
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
    tls_connect_named(addr, ca, &addr.ip().to_string()).await
}

/// [`tls_connect`] asking for the server `name` (an IP literal or a DNS name).
async fn tls_connect_named(
    addr: std::net::SocketAddr,
    ca: &CertificateDer<'static>,
    name: &str,
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
    let name = ServerName::try_from(name.to_owned()).expect("a server name");
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

// ----------------------------------------------------------------------
// deploy/nginx/socklab.conf: TLS ended by nginx, the relay behind it
// ----------------------------------------------------------------------

/// nginx, stopped when dropped: SIGTERM makes its master stop the workers
/// first (a SIGKILL would leave them running, holding the test's output).
struct Nginx(std::process::Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0.id()) {
            // SAFETY: kill(2) on the pid of a child this test spawned and has
            // not reaped yet.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let _ = self.0.wait();
    }
}

/// The sample with this test's ports and certificate, inside a minimal main
/// configuration that keeps every file in `dir`.
fn nginx_conf(dir: &Path, files: &TlsFiles, https: u16, http: u16, relay: u16) -> PathBuf {
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/nginx/socklab.conf"
    ))
    .expect("the sample");
    let site = sample
        .replace(
            "/etc/letsencrypt/live/socklab.school.example/fullchain.pem",
            &files.cert.display().to_string(),
        )
        .replace(
            "/etc/letsencrypt/live/socklab.school.example/privkey.pem",
            &files.key.display().to_string(),
        )
        .replace("listen 443 ssl;", &format!("listen 127.0.0.1:{https} ssl;"))
        .replace("listen [::]:443 ssl;", "")
        .replace("listen 80;", &format!("listen 127.0.0.1:{http};"))
        .replace("listen [::]:80;", "")
        .replace(
            "server 127.0.0.1:8080;",
            &format!("server 127.0.0.1:{relay};"),
        );
    assert!(
        site.contains(&format!("127.0.0.1:{https} ssl")),
        "the sample's listen line changed"
    );
    std::fs::write(dir.join("site.conf"), site).expect("site");
    let d = dir.display();
    let main = format!(
        "worker_processes 1; pid {d}/nginx.pid; error_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
         include {d}/site.conf; }}\n"
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, main).expect("nginx.conf");
    path
}

#[tokio::test]
async fn the_nginx_sample_carries_a_wss_session_to_the_relay() {
    let Ok(nginx) = which_nginx() else {
        eprintln!("skipped: nginx is not installed (apt-get install nginx to run this test)");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = pki_for(dir.path(), "socklab.school.example");
    let mut config = Config::for_tests();
    config.labs = None;
    config.token = Some("room-42".into());
    config.allow_origin = vec!["https://socklab.school.example".into()];
    relay::class_preset::apply(&mut config, |flag| flag == "listen").expect("preset");
    let relay = common::start(config).await;
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port")
    };
    let (https, http) = (free(), free());
    let conf = nginx_conf(dir.path(), &pki.files, https, http, relay.addr.port());
    let _nginx = Nginx(
        std::process::Command::new(nginx)
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(dir.path())
            .args(["-g", "daemon off;"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nginx starts"),
    );
    let front: std::net::SocketAddr = ([127, 0, 0, 1], https).into();
    // Readiness: nginx says nothing when it listens, so try until it answers.
    guard("nginx to listen", async {
        while TcpStream::connect(front).await.is_err() {
            tokio::task::yield_now().await;
        }
    })
    .await;
    let tls = tls_connect_named(front, &pki.ca, "socklab.school.example").await;
    let mut req = format!("wss://socklab.school.example:{https}/ws")
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "Origin",
        "https://socklab.school.example".parse().expect("header"),
    );
    let (mut ws, _) = guard(
        "WSS upgrade through nginx",
        tokio_tungstenite::client_async(req, tls),
    )
    .await
    .expect("the upgrade passes nginx");
    assert_eq!(next_json(&mut ws).await["ev"], "hello");
    ws.send(Message::text(
        r#"{"id": 1, "op": "auth", "token": "room-42"}"#,
    ))
    .await
    .expect("send");
    assert_eq!(next_json(&mut ws).await, json!({"re": 1, "ok": {}}));
    ws.send(Message::text(r#"{"id": 2, "op": "ping"}"#))
        .await
        .expect("send");
    assert_eq!(next_json(&mut ws).await, json!({"re": 2, "ok": {}}));
}

fn which_nginx() -> Result<PathBuf, ()> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or(())
}
