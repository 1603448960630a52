//! Bytes a socket received (`recv`/`recvfrom` results), as text and as a hex
//! dump side by side.

use crate::bytes::{hexdump, lossy, py_bytes};
use crate::state::Chunk;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub chunks: Vec<Chunk>,
}

#[function_component(Received)]
pub fn received(props: &Props) -> Html {
    if props.chunks.is_empty() {
        return html! {};
    }
    let items: Html = props
        .chunks
        .iter()
        .rev()
        .take(5)
        .map(|c| {
            let from = c
                .from
                .as_ref()
                .map(|a| format!(" from {a}"))
                .unwrap_or_default();
            let eof = c.bytes.is_empty().then_some(" (empty: the peer closed)");
            html! {
                <div class="chunk">
                    <div class="chunk-head">{format!("{} bytes{from}", c.bytes.len())}{eof}</div>
                    <div class="chunk-body">
                        <pre class="text" aria-label="received text">{lossy(&c.bytes)}</pre>
                        <pre class="hex" aria-label="received hex">{hexdump(&c.bytes)}</pre>
                    </div>
                    <code class="pyrepr">{py_bytes(&c.bytes)}</code>
                </div>
            }
        })
        .collect();
    html! { <div class="received"><h4>{"received"}</h4>{items}</div> }
}
