//! The three-way handshake with the article's names: the client's
//! SYN_SEND (Linux: SYN_SENT), the server's SYN_RECV, syn=j, syn=k / ack=j+1,
//! ack=k+1, and the LISTEN state the article leaves out.

use super::draw::{arrow, label, sequence};
use yew::prelude::*;

const M: &str = "pic-ah-handshake";

pub fn svg() -> Html {
    let (c, s) = (120, 330);
    let body = html! {
        <>
            {label(c - 6, 44, "end", "CLOSED", "pic-state")}
            {label(s + 6, 44, "start", "LISTEN", "pic-state")}
            {arrow(M, (c, 60), (s, 92), "SYN  syn=j", "pic-syn")}
            {label(c - 6, 82, "end", "SYN_SEND", "pic-state")}
            {label(c - 6, 96, "end", "(Linux: SYN_SENT)", "pic-note")}
            {label(s + 6, 112, "start", "SYN_RECV", "pic-state")}
            {arrow(M, (s, 118), (c, 150), "SYN+ACK  syn=k, ack=j+1", "pic-syn")}
            {arrow(M, (c, 170), (s, 202), "ACK  ack=k+1", "pic-syn")}
            {label(c - 6, 178, "end", "ESTABLISHED", "pic-state pic-ok")}
            {label(s + 6, 222, "start", "ESTABLISHED", "pic-state pic-ok")}
        </>
    };
    sequence(
        M,
        "three-way handshake: SYN syn=j, SYN+ACK syn=k ack=j+1, ACK ack=k+1",
        250,
        ((c, "client"), (s, "server")),
        body,
    )
}
