//! The message `RETR` fetched: its headers the way a mail program shows them
//! (From, To, Subject, Date, Message-ID), its body, and the whole source as
//! the server sent it.

use crate::state::mail::message::{Parsed, SHOWN_HEADERS};
use crate::state::mail::Fetched;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub fetched: Option<Rc<Fetched>>,
}

fn headers(p: &Parsed) -> Html {
    SHOWN_HEADERS
        .iter()
        .map(|name| {
            let value = p.get(name).unwrap_or("—");
            html! { <tr><th scope="row">{*name}</th><td data-header={*name}>{value}</td></tr> }
        })
        .collect()
}

#[function_component(MessageView)]
pub fn message_view(props: &Props) -> Html {
    let Some(f) = &props.fetched else {
        return html! {
            <div class="mail-message" aria-label="message">
                <h3>{"message"}</h3>
                <p class="hint">{"retr(n) fetches message n: its headers, body and source show here."}</p>
            </div>
        };
    };
    html! {
        <div class="mail-message" aria-label="message" data-testid="mail-message">
            <h3>{format!("message {} ({} octets)", f.which, f.octets)}</h3>
            <table class="mail-headers"><tbody>{headers(&f.parsed)}</tbody></table>
            <pre class="mail-body" data-testid="mail-body">{&f.parsed.body}</pre>
            <details class="mail-source">
                <summary>{"source (the lines retr() returned)"}</summary>
                <pre>{f.lines.join("\n")}</pre>
            </details>
        </div>
    }
}
