//! The teardown after the client closes first: FIN and ACK each way, the
//! client through FIN_WAIT1/2 to TIME_WAIT, the server through CLOSE_WAIT and
//! LAST_ACK to CLOSED.

use super::draw::{arrow, label, sequence};
use yew::prelude::*;

const M: &str = "pic-ah-teardown";

pub fn svg() -> Html {
    let (c, s) = (120, 330);
    let body = html! {
        <>
            {label(c - 6, 44, "end", "ESTABLISHED", "pic-state")}
            {label(s + 6, 44, "start", "ESTABLISHED", "pic-state")}
            {arrow(M, (c, 60), (s, 90), "FIN", "pic-close")}
            {label(c - 6, 76, "end", "FIN_WAIT1", "pic-state")}
            {label(s + 6, 100, "start", "CLOSE_WAIT", "pic-state")}
            {arrow(M, (s, 108), (c, 138), "ACK", "pic-close")}
            {label(c - 6, 146, "end", "FIN_WAIT2", "pic-state")}
            {arrow(M, (s, 160), (c, 190), "FIN", "pic-close")}
            {label(s + 6, 166, "start", "LAST_ACK", "pic-state")}
            {arrow(M, (c, 204), (s, 234), "ACK", "pic-close")}
            {label(c - 6, 214, "end", "TIME_WAIT", "pic-state pic-warn")}
            {label(c - 6, 228, "end", "(2×MSL, then CLOSED)", "pic-note")}
            {label(s + 6, 246, "start", "CLOSED", "pic-state")}
        </>
    };
    sequence(
        M,
        "teardown: FIN, ACK, FIN, ACK; TIME_WAIT on the side that closed first",
        270,
        ((c, "client (closes first)"), (s, "server")),
        body,
    )
}
