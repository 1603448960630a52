//! Streaming and backpressure: 64 MiB through `pipe` against an echo server
//! (SHA-256 of what was sent vs what came back), `pipe` with a text encoding, and a
//! peer that never reads (non-blocking sendall reaches EAGAIN, a blocking one stays
//! pending and can be cancelled, and the relay keeps answering).
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

const TOTAL: u64 = 64 << 20;
const CHUNK: usize = 256 << 10;

/// Deterministic, non-repeating bytes (xorshift), so that a lost, duplicated or
/// reordered chunk changes the digest.
fn chunk(i: u64) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (i + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let mut out = Vec::with_capacity(CHUNK);
    while out.len() < CHUNK {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipe_64_mib_through_an_echo_server_intact() {
    let relay = start_default().await;
    let echo = echo_server("127.0.0.1:0").await.expect("echo server");
    let mut c = Client::connect(&relay).await;
    let max = c.hello["limits"]["max_message_bytes"]
        .as_u64()
        .expect("max_message_bytes");
    assert!(CHUNK as u64 + 8 <= max, "chunks must fit in one frame");

    let s = tcp_socket(&mut c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": addr(echo)}))
        .await;
    c.ok(json!({"op": "pipe", "sock": s})).await;

    let n_chunks = TOTAL / CHUNK as u64;
    let mut sent = Sha256::new();
    let chunks = (0..n_chunks).map(|i| {
        let c = chunk(i);
        sent.update(&c);
        c
    });
    let mut got = Sha256::new();
    let mut received = 0u64;
    c.pipe_exchange(&s, chunks, TOTAL, |b| {
        received += b.len() as u64;
        got.update(b);
    })
    .await;
    assert_eq!(received, TOTAL, "exactly what was sent comes back");
    assert_eq!(
        sent.finalize(),
        got.finalize(),
        "SHA-256 of sent and received differ"
    );

    // A piped socket is not for recv; close ends the pipe.
    c.err(json!({"op": "recv", "sock": s, "bufsize": 10}), "EINVAL")
        .await;
    c.ok(json!({"op": "close", "sock": s})).await;
    c.ok(json!({"op": "ping"})).await;
}

#[tokio::test]
async fn pipe_with_text_encoding_gives_data_events() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (s, mut peer) = connected_to_test_peer(&mut c).await;
    c.ok(json!({"op": "pipe", "sock": s, "encoding": "text"}))
        .await;
    peer.write_all(b"streamed").await.expect("write");
    let mut got = Vec::new();
    while got.len() < 8 {
        let e = c
            .next_event_where("data", |e| e["sock"] == s && e["dir"] == "in")
            .await;
        got.extend(bytes(&e["data"]));
    }
    assert_eq!(got, b"streamed");

    // The client writes with binary frames.
    c.send_to(&s, b"back").await;
    assert_eq!(read_exact(&mut peer, 4).await, b"back");

    // The peer closing gives a closed event.
    drop(peer);
    let closed = c.next_event_for("closed", &s).await;
    assert_eq!(closed["reason"], "peer");
}

#[tokio::test]
async fn binary_pipe_forwards_both_ways() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (s, mut peer) = connected_to_test_peer(&mut c).await;
    c.ok(json!({"op": "pipe", "sock": s})).await;
    peer.write_all(&[0, 1, 2, 255]).await.expect("write");
    let mut got = Vec::new();
    while got.len() < 4 {
        let f = c.next_binary().await;
        let (h, payload) = shared::binary::decode(&f).expect("binary frame");
        assert_eq!(h, s);
        got.extend_from_slice(payload);
    }
    assert_eq!(got, [0, 1, 2, 255]);
    c.send_to(&s, &[9, 8, 7]).await;
    assert_eq!(read_exact(&mut peer, 3).await, [9, 8, 7]);
}

#[tokio::test]
async fn a_peer_that_never_reads_does_not_stall_the_relay() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    // The test's end of the connection never reads.
    let (s, _peer) = connected_to_test_peer(&mut c).await;
    let block = "a".repeat(256 << 10);

    // Non-blocking sendall fills the buffers until EAGAIN.
    c.ok(json!({"op": "setblocking", "sock": s, "flag": false}))
        .await;
    let mut hit_eagain = false;
    for _ in 0..400 {
        let r = c
            .req(json!({"op": "sendall", "sock": s, "data": text(&block)}))
            .await;
        if r.get("err").is_some() {
            expect_err(&r, "EAGAIN", "non-blocking sendall to a full peer");
            hit_eagain = true;
            break;
        }
    }
    assert!(hit_eagain, "100 MiB went out although the peer never reads");
    c.ok(json!({"op": "ping"})).await;

    // A blocking sendall now stays pending; the session keeps working.
    c.ok(json!({"op": "setblocking", "sock": s, "flag": true}))
        .await;
    let stuck = c
        .send(json!({"op": "sendall", "sock": s, "data": text(&block)}))
        .await;
    c.ok(json!({"op": "ping"})).await;
    let other = tcp_socket(&mut c).await;
    c.ok(json!({"op": "getsockname", "sock": other})).await;
    c.ok(json!({"op": "getpeername", "sock": s})).await;
    c.ok(json!({"op": "cancel", "target": stuck})).await;
    let r = c.reply(stuck).await;
    expect_err(
        &r,
        "cancelled",
        "blocking sendall to a peer that never reads",
    );

    // Another session is not affected either.
    let mut c2 = Client::connect(&relay).await;
    c2.ok(json!({"op": "ping"})).await;
}
