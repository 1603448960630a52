//! The select part of a session's budget: a waiting `select` is evaluated once
//! per distinct handle but answers with the learner's duplicates (as CPython's
//! `select.select` does), and all waiting selects together watch a bounded
//! number of distinct handles.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use relay::config::Config;
use serde_json::json;

#[tokio::test]
async fn waiting_select_answers_with_the_listed_duplicates() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (_l, cl, srv) = tcp_pair(&mut c).await;
    let other = tcp_socket(&mut c).await;
    // 1,000 entries, two distinct handles; `other` is never ready.
    let mut rlist: Vec<&str> = Vec::new();
    for i in 0..500 {
        rlist.push(if i % 2 == 0 {
            srv.as_str()
        } else {
            other.as_str()
        });
        rlist.push(srv.as_str());
    }
    let id = c
        .send(json!({"op": "select", "rlist": rlist, "wlist": [], "xlist": []}))
        .await;
    c.ok(json!({"op": "sendall", "sock": cl, "data": text("ping")}))
        .await;
    let reply = c.reply(id).await;
    let r = reply["ok"]["r"].as_array().expect("r list");
    assert_eq!(r.len(), 750, "every listed occurrence of the ready handle");
    assert!(r.iter().all(|h| h == srv.as_str()), "{reply}");
}

#[tokio::test]
async fn waiting_selects_watch_a_bounded_number_of_handles() {
    let mut config = Config::for_tests();
    config.budget.select_watch = 4;
    let relay = start(config).await;
    let mut c = Client::connect(&relay).await;
    let (_l, _cl, srv) = tcp_pair(&mut c).await;
    let socks = [
        srv.clone(),
        tcp_socket(&mut c).await,
        tcp_socket(&mut c).await,
        tcp_socket(&mut c).await,
        tcp_socket(&mut c).await,
    ];
    // Duplicates cost nothing: these three selects watch one handle each.
    let dup = vec![srv.as_str(); 1000];
    let mut waiting = Vec::new();
    for _ in 0..3 {
        waiting.push(
            c.send(json!({"op": "select", "rlist": dup, "wlist": [], "xlist": []}))
                .await,
        );
    }
    // Three more entries (distinct per list) would make six.
    let e = c
        .err(
            json!({"op": "select", "rlist": [socks[1], socks[2]], "wlist": [], "xlist": [socks[1]]}),
            "limit",
        )
        .await;
    let message = e["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("already watch 3 handles and this one adds 3;"),
        "{e}"
    );
    let detail = e["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("the limit is --max-select-watch 4"), "{e}");
    // A select that answers at once holds nothing.
    c.ok(json!({"op": "select", "rlist": socks, "wlist": [], "xlist": [], "timeout": 0}))
        .await;
    // Cancelling a waiting select gives its share back.
    c.ok(json!({"op": "cancel", "target": waiting[0]})).await;
    expect_err(&c.reply(waiting[0]).await, "cancelled", "select");
    let id = c
        .send(json!({"op": "select", "rlist": [socks[1]], "wlist": [], "xlist": [socks[1]]}))
        .await;
    c.ok(json!({"op": "cancel", "target": id})).await;
    expect_err(&c.reply(id).await, "cancelled", "select");
}
