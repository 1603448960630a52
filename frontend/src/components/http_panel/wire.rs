//! The bytes of the HTTP connection as they went over the wire, each chunk
//! with its direction, size and time, `\r\n` made visible.

use crate::hooks::use_scroll_to_end;
use crate::log::Log;
use crate::panel_io::visible;
use crate::state::http::WireChunk;
use shared::Dir;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub wire: Log<WireChunk>,
    /// The heading (and the view's accessible name).
    #[prop_or(AttrValue::Static("on the wire"))]
    pub title: AttrValue,
}

#[function_component(WireView)]
pub fn wire_view(props: &Props) -> Html {
    // Keep the newest bytes in view.
    let view = use_scroll_to_end(props.wire.len());
    let chunks: Html = props
        .wire
        .items()
        .iter()
        .map(|c| {
            let (dir, arrow) = match c.dir {
                Dir::Out => ("out", "→ sent"),
                Dir::In => ("in", "← received"),
            };
            html! {
                <div class={classes!("wire-chunk", dir)} data-dir={dir}>
                    <div class="wire-label">{format!("{arrow} {} B  (t={} ms)", c.bytes.len(), c.t)}</div>
                    <pre class="wire-bytes">{visible(&c.bytes)}</pre>
                </div>
            }
        })
        .collect();
    html! {
        <div class="wire-view" aria-label={if props.title == "on the wire" { AttrValue::Static("wire") } else { props.title.clone() }} ref={view}>
            <h3>{props.title.clone()}</h3>
            {chunks}
        </div>
    }
}
