//! `select`: the select() server of the classic Python socket tutorial this
//! workbench follows, driven entirely through the relay (three clients in another
//! session, served concurrently), and select timeouts.
//!
//! Owns only these scenarios; the harness lives in `common/`.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};

fn handles(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list of handles: {v}"))
        .iter()
        .map(|h| h.as_str().expect("handle").to_owned())
        .collect()
}

/// The tutorial's select server, one loop iteration per `select` call. Returns
/// when every client that connected has been served and has gone away.
async fn run_select_server(srv: &mut Client, sock: &str, clients: usize) -> usize {
    let mut rlists: Vec<String> = vec![sock.to_owned()];
    let mut wlists: Vec<String> = Vec::new();
    let mut msg_que: HashMap<String, VecDeque<Value>> = HashMap::new();
    let mut accepted = 0;
    let mut echoed = 0;
    for _ in 0..200 {
        if accepted == clients && rlists.len() == 1 && wlists.is_empty() {
            return echoed;
        }
        // rs, ws, es = select.select(rlists, wlists, rlists, timeout)
        let sel = srv
            .ok(json!({"op": "select", "rlist": rlists, "wlist": wlists, "xlist": rlists, "timeout": 20}))
            .await;
        let (rs, ws, es) = (handles(&sel["r"]), handles(&sel["w"]), handles(&sel["x"]));
        assert!(
            !(rs.is_empty() && ws.is_empty() && es.is_empty()),
            "select timed out (20 s) with work left"
        );
        for s in &rs {
            assert!(rlists.contains(s), "select returned {s} not in rlist");
            if s == sock {
                let ok = srv.ok(json!({"op": "accept", "sock": s})).await;
                let conn = ok["sock"].as_str().expect("conn").to_owned();
                srv.ok(json!({"op": "setblocking", "sock": conn, "flag": false}))
                    .await;
                rlists.push(conn.clone());
                msg_que.insert(conn, VecDeque::new());
                accepted += 1;
            } else {
                let ok = srv
                    .ok(json!({"op": "recv", "sock": s, "bufsize": 1024}))
                    .await;
                if !bytes(&ok["data"]).is_empty() {
                    msg_que
                        .get_mut(s)
                        .expect("queue")
                        .push_back(ok["data"].clone());
                    if !wlists.contains(s) {
                        wlists.push(s.clone());
                    }
                } else {
                    wlists.retain(|w| w != s);
                    rlists.retain(|r| r != s);
                    srv.ok(json!({"op": "close", "sock": s})).await;
                    msg_que.remove(s);
                }
            }
        }
        for s in &ws {
            assert!(wlists.contains(s) || !msg_que.contains_key(s));
            let Some(q) = msg_que.get_mut(s) else {
                continue; // closed in this iteration
            };
            match q.pop_front() {
                Some(msg) => {
                    // The tutorial forgets to send; an echo server sends it back.
                    srv.ok(json!({"op": "sendall", "sock": s, "data": msg}))
                        .await;
                    echoed += 1;
                }
                None => wlists.retain(|w| w != s),
            }
        }
        assert!(es.is_empty(), "no exceptional conditions expected: {es:?}");
    }
    panic!("select server did not finish in 200 iterations");
}

#[tokio::test]
async fn tutorial_select_server_echoes_three_clients() {
    let relay = start_default().await;
    let mut srv = Client::connect(&relay).await;
    let mut cli = Client::connect(&relay).await;

    // sock.setblocking(False); setsockopt(SO_REUSEADDR, 1); bind; listen(10)
    let sock = tcp_socket(&mut srv).await;
    srv.ok(json!({"op": "setblocking", "sock": sock, "flag": false}))
        .await;
    srv.ok(json!({"op": "setsockopt", "sock": sock, "level": "SOL_SOCKET", "name": "SO_REUSEADDR", "value": 1}))
        .await;
    let v = srv
        .ok(json!({"op": "getsockopt", "sock": sock, "level": "SOL_SOCKET", "name": "SO_REUSEADDR"}))
        .await;
    assert_ne!(v["value"], 0);
    // The tutorial binds 20178; port 0 keeps parallel tests apart.
    let bound = srv
        .ok(json!({"op": "bind", "sock": sock, "addr": ["127.0.0.1", 0]}))
        .await;
    srv.ok(json!({"op": "listen", "sock": sock, "backlog": 10}))
        .await;

    // Three clients connect and send before the server accepts any of them.
    let mut clients = Vec::new();
    for i in 0..3 {
        let s = tcp_socket(&mut cli).await;
        cli.ok(json!({"op": "connect", "sock": s, "addr": bound["addr"]}))
            .await;
        cli.ok(json!({"op": "sendall", "sock": s, "data": text(&format!("client {i}"))}))
            .await;
        clients.push(s);
    }
    for _ in 0..3 {
        srv.next_event_for("incoming", &sock).await;
    }
    // Each client waits for its echo (pending while the server runs).
    let mut recvs = Vec::new();
    for s in &clients {
        recvs.push(
            cli.send(json!({"op": "recv", "sock": s, "bufsize": 98}))
                .await,
        );
    }

    // Serve until the three echoes went out; then the clients close.
    let server = run_select_server(&mut srv, &sock, 3);
    let clients_side = async {
        for (i, (s, id)) in clients.iter().zip(&recvs).enumerate() {
            let r = cli.reply(*id).await;
            assert_eq!(
                bytes(&r["ok"]["data"]),
                format!("client {i}").as_bytes(),
                "{r}"
            );
            cli.ok(json!({"op": "close", "sock": s})).await;
        }
    };
    let (echoed, ()) = tokio::join!(server, clients_side);
    assert_eq!(echoed, 3);

    // Nothing left: a select with a short timeout on the listener returns empty lists.
    let sel = srv
        .ok(json!({"op": "select", "rlist": [sock], "wlist": [], "xlist": [sock], "timeout": 0.05}))
        .await;
    assert_eq!(sel, json!({"r": [], "w": [], "x": []}));
}

#[tokio::test]
async fn select_timeout_and_readiness() {
    let relay = start_default().await;
    let mut c = Client::connect(&relay).await;
    let (l, cl, srv) = tcp_pair(&mut c).await;

    // Poll: nothing readable, both ends writable.
    let sel = c
        .ok(json!({"op": "select", "rlist": [l, cl, srv], "wlist": [cl], "xlist": [], "timeout": 0}))
        .await;
    assert_eq!(sel, json!({"r": [], "w": [cl], "x": []}));

    // A blocking select wakes up when data arrives.
    let pending = c
        .send(json!({"op": "select", "rlist": [cl], "wlist": [], "xlist": [], "timeout": 5}))
        .await;
    c.ok(json!({"op": "sendall", "sock": srv, "data": text("wake")}))
        .await;
    let sel = c.reply(pending).await;
    assert_eq!(sel["ok"], json!({"r": [cl], "w": [], "x": []}));

    // A select on a closed handle raises EBADF, like Python.
    c.ok(json!({"op": "close", "sock": srv})).await;
    c.err(
        json!({"op": "select", "rlist": [srv], "wlist": [], "xlist": [], "timeout": 0}),
        "EBADF",
    )
    .await;
}
