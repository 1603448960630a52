//! `http.open` with `tls: true` on loopback: a test CA (generated with rcgen) is
//! trusted through `SSL_CERT_FILE`, as Python and OpenSSL do, and a TLS server
//! of the test presents a certificate it issued for 127.0.0.1 and localhost.
//! Checks the request and response go through (the `wire` events show the
//! plaintext HTTP), and that an untrusted certificate fails with `ssl.SSLCertVerificationError`.
//!
//! The relay reads its TLS roots once per process, so every test here shares
//! one CA, installed by [`trust_test_ca`] before any relay starts.

mod common;
mod http_util;

use common::*;
use http_util::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A CA and a server certificate it issued.
struct Pki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    leaf_key: Vec<u8>,
}

fn new_pki(names: &[&str]) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key")).expect("ca");
    let leaf_key = KeyPair::generate().expect("key");
    let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    let leaf = CertificateParams::new(names)
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    Pki {
        ca_pem: ca.pem(),
        leaf: leaf.der().clone(),
        leaf_key: leaf_key.serialize_der(),
    }
}

/// The CA every relay of this process trusts (via `SSL_CERT_FILE`).
fn trust_test_ca() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let pki = new_pki(&["127.0.0.1", "localhost"]);
        // Under target/tmp (cargo's scratch space for integration tests), not /tmp.
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("socklab-test-ca-{}.pem", std::process::id()));
        std::fs::write(&path, &pki.ca_pem).expect("write CA");
        // Set before any relay of this process builds its TLS configuration.
        std::env::set_var("SSL_CERT_FILE", &path);
        pki
    })
}

/// A TLS server on 127.0.0.1 answering every request with `body`
/// (HTTP/1.1, Content-Length) and closing after one response.
async fn tls_server(pki: &Pki, body: &'static str) -> SocketAddr {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.leaf_key.clone()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn https_request_on_loopback_with_a_trusted_test_certificate() {
    let pki = trust_test_ca();
    let server = tls_server(pki, "secret hello").await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    for host in ["127.0.0.1", "localhost"] {
        let ok = c
            .ok(json!({"op": "http.open", "host": host, "port": server.port(), "tls": true}))
            .await;
        let h = ok["conn"].as_str().unwrap().to_owned();
        let (resp, body) = fetch(&mut c, &h, "GET", "/").await;
        assert_eq!(resp["status"], 200);
        assert_eq!(body, b"secret hello");
        let out = String::from_utf8(take_wire(&mut c, &h, "out").await).unwrap();
        assert_eq!(
            out,
            format!(
                "GET / HTTP/1.1\r\nHost: {host}:{}\r\nAccept-Encoding: identity\r\n\r\n",
                server.port()
            ),
            "wire events show the plaintext HTTP inside TLS"
        );
        let wire_in = take_wire(&mut c, &h, "in").await;
        assert!(wire_in.starts_with(b"HTTP/1.1 200 OK\r\n"));
    }
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    trust_test_ca();
    let stranger = new_pki(&["127.0.0.1"]);
    let server = tls_server(&stranger, "never seen").await;
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let ok = c
        .ok(json!({"op": "http.open", "host": "127.0.0.1", "port": server.port(), "tls": true}))
        .await;
    let h = ok["conn"].as_str().unwrap().to_owned();
    let e = c
        .err(
            json!({"op": "http.request", "conn": h, "method": "GET", "url": "/"}),
            "ssl.SSLCertVerificationError",
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("CERTIFICATE_VERIFY_FAILED"),
        "{e}"
    );
    assert!(
        take_wire(&mut c, &h, "out").await.is_empty(),
        "no HTTP byte was sent"
    );
}
