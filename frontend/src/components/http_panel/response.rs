//! The parsed response: the exception the last call raised (as Python prints
//! it), the status line, the headers and the body read so far as text, hex or
//! pretty JSON.

use crate::bytes::hexdump;
use crate::state::http::Response;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum BodyView {
    Text,
    Hex,
    Json,
}

fn body_text(body: &[u8], view: BodyView) -> String {
    match view {
        BodyView::Text => String::from_utf8_lossy(body).into_owned(),
        BodyView::Hex => hexdump(body),
        BodyView::Json => serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| "(the body is not JSON)".into()),
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub response: Option<Response>,
    /// The exception the last call raised.
    pub last_error: Option<AttrValue>,
}

#[function_component(ResponseView)]
pub fn response_view(props: &Props) -> Html {
    let view = use_state(|| BodyView::Text);
    let response = match &props.response {
        None => html! { <p class="hint">{"no response yet: getresponse() reads one"}</p> },
        Some(r) => {
            let rows: Html = r
                .headers
                .iter()
                .map(|(n, v)| html! { <tr><td>{n}</td><td>{v}</td></tr> })
                .collect();
            let pick = |v: BodyView, label: &'static str| {
                let view = view.clone();
                html! {
                    <button class={classes!((*view == v).then_some("on"))} onclick={Callback::from(move |_| view.set(v))}>{label}</button>
                }
            };
            html! {
                <>
                    <div class="status-line" data-testid="status-line">{r.status_line()}</div>
                    <table class="resp-headers"><tbody>{rows}</tbody></table>
                    <div class="body-view">
                        {pick(BodyView::Text, "text")}{pick(BodyView::Hex, "hex")}{pick(BodyView::Json, "JSON")}
                        <span class="hint">{format!("{} bytes read{}", r.body.len(), if r.complete { "" } else { " so far" })}</span>
                    </div>
                    <pre class="resp-body" data-testid="resp-body">{body_text(&r.body, *view)}</pre>
                </>
            }
        }
    };
    html! {
        <div class="response-view" aria-label="response">
            <h3>{"parsed response"}</h3>
            if let Some(e) = &props.last_error {
                <div class="py-err http-error" data-testid="http-error">{e.clone()}</div>
            }
            {response}
        </div>
    }
}
