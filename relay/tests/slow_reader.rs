//! A browser that stops reading its WebSocket: the relay must stop reading the
//! piped socket (so TCP flow control reaches the real peer) instead of buffering
//! without bound, keep serving other sessions, and resume once the browser reads.
//!
//! Owns only this scenario; the harness lives in `common/`.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// How long a write from the peer must make no progress to count as stalled.
/// This is detection of a stall that has no event to await, not synchronisation.
const STALL: Duration = Duration::from_secs(1);
/// The peer gives up (test failure) after writing this much without stalling.
const CEILING: usize = 512 << 20;
/// What the relay, tungstenite and both kernels may hold between them: the
/// session's outbox (2 MiB) and write batch (1 MiB), tungstenite's buffers, and
/// the loopback socket buffers on both hops (a few MiB each on Linux).
const BOUND: usize = 64 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_that_never_reads_stalls_the_peer_not_the_relay() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (s, mut peer) = connected_to_test_peer(&mut c).await;
    c.ok(json!({"op": "pipe", "sock": s})).await;

    // The peer floods; the client reads nothing at all.
    let chunk = vec![0x5a_u8; 1 << 20];
    let mut written = 0usize;
    loop {
        match tokio::time::timeout(STALL, peer.write_all(&chunk)).await {
            Ok(Ok(())) => written += chunk.len(),
            Ok(Err(e)) => panic!("peer write failed after {written} bytes: {e}"),
            Err(_) => break,
        }
        assert!(
            written < CEILING,
            "the relay accepted {written} bytes for a browser that reads nothing"
        );
    }
    eprintln!("peer stalled after {written} bytes");
    assert!(
        written < BOUND,
        "{written} bytes were absorbed before the peer stalled (bound {BOUND})"
    );

    // Other sessions never notice.
    let mut other = Client::connect(&relay).await;
    other.ok(json!({"op": "ping"})).await;
    let (_listener, a, b) = tcp_pair(&mut other).await;
    other
        .ok(json!({"op": "sendall", "sock": a, "data": text("still here")}))
        .await;
    let got = other
        .ok(json!({"op": "recv", "sock": b, "bufsize": 100}))
        .await;
    assert_eq!(bytes(&got["data"]), b"still here");

    // Once the browser reads, the bytes flow again, complete. (The stalled write
    // may have handed part of its last chunk to the kernel too.)
    let mut received = 0usize;
    while received < written {
        let frame = c.next_binary().await;
        let (h, payload) = shared::binary::decode(&frame).expect("binary frame");
        assert_eq!(h, s);
        assert!(payload.iter().all(|&b| b == 0x5a));
        received += payload.len();
    }
    assert!(
        received < written + chunk.len(),
        "{received} bytes arrived for {written} (+ at most one partial chunk) written"
    );
}
