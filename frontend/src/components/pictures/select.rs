//! One `select` loop serving several sockets: select reports who is ready,
//! the listener's readiness means accept, a connection's means recv (into its
//! queue), writable means send what is queued — then select again.

use super::draw::{arrow, boxed, defs, label};
use yew::prelude::*;

const M: &str = "pic-ah-select";

pub fn svg() -> Html {
    html! {
        <svg viewBox="0 0 440 230" role="img" aria-label="select loop: select, then accept, recv or send for each ready socket, then select again" class="pic">
            {defs(M)}
            {boxed(120, 10, 200, 30, "select(r, w, x, 20)")}
            {arrow(M, (170, 40), (70, 90), "listener readable", "pic-data")}
            {arrow(M, (220, 40), (220, 90), "conn readable", "pic-data")}
            {arrow(M, (270, 40), (370, 90), "conn writable", "pic-data")}
            {boxed(10, 92, 120, 30, "accept()")}
            {boxed(160, 92, 120, 30, "recv(1024)")}
            {boxed(310, 92, 120, 30, "send(queued)")}
            {label(70, 140, "middle", "new conn → r", "pic-note")}
            {label(220, 140, "middle", "data → queue, conn → w", "pic-note")}
            {label(220, 154, "middle", "b'' → close", "pic-note")}
            {label(370, 140, "middle", "queue empty → w.remove", "pic-note")}
            {arrow(M, (220, 190), (220, 44), "", "pic-loop")}
            {label(228, 210, "start", "loop: nothing blocks, one thread", "pic-note")}
        </svg>
    }
}
