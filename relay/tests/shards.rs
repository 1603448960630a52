//! Sharded runtimes (`relay/src/shards.rs`): sessions are served on the relay's
//! shard threads, not on the runtime that started it — two sessions keep
//! working while that runtime is not running at all — and shutdown closes them
//! (1001) and joins every shard thread, so a process that starts many relays
//! keeps no thread of theirs.
//!
//! One test in its own binary: it counts this process's threads by name.

mod common;

use common::*;
use relay::config::Config;
use serde_json::json;

/// This process's threads whose name starts with the shards' name.
fn shard_threads() -> Vec<String> {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task");
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| name.starts_with("socklab-shard"))
        .collect()
}

/// A TCP pair inside the session and one message across it.
async fn exchange(c: &mut Client, msg: &str) {
    let (_l, client, conn) = tcp_pair(c).await;
    c.ok(json!({"op": "send", "sock": client, "data": text(msg)}))
        .await;
    let got = c
        .ok(json!({"op": "recv", "sock": conn, "bufsize": 100}))
        .await;
    assert_eq!(bytes(&got["data"]), msg.as_bytes());
}

#[test]
fn sessions_run_on_shard_threads_and_shutdown_joins_them() {
    // The relay's caller runs on this thread only while it is blocked on; the
    // clients have a runtime (and a thread) of their own.
    let caller = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("caller runtime");
    let clients = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let mut config = Config::for_tests();
    config.labs = None;
    config.shards = 2;
    let relay = caller.block_on(start(config));

    // Connecting needs the acceptor, which runs on the caller's runtime.
    let addr = relay.addr;
    let connected = clients.spawn(async move {
        let mut a = Client::connect_addr(addr).await;
        let mut b = Client::connect_addr(addr).await;
        a.ok(json!({"op": "ping"})).await;
        b.ok(json!({"op": "ping"})).await;
        (a, b)
    });
    let (mut a, mut b) = caller
        .block_on(guard("two sessions", connected))
        .expect("clients connect");

    // The caller's runtime is idle now: whatever still answers runs elsewhere.
    clients.block_on(async {
        exchange(&mut a, "one").await;
        exchange(&mut b, "two").await;
        exchange(&mut a, "three").await;
    });
    // A thread names itself as it starts: both have, having served a session
    // each (the second session goes to the less loaded shard).
    let mut names = shard_threads();
    names.sort();
    assert_eq!(names, ["socklab-shard-0", "socklab-shard-1"]);

    caller.block_on(guard("shutdown", relay.shutdown()));
    assert_eq!(shard_threads(), Vec::<String>::new(), "shard threads left");
    clients.block_on(async {
        assert_eq!(a.expect_close().await.0, 1001);
        assert_eq!(b.expect_close().await.0, 1001);
    });
}
