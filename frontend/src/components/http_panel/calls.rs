//! The HTTP panel's calls in the order they were made (as the transcript
//! reads): the Python call, its result or exception, and how long it took.

use crate::state::http::Call;
use yew::prelude::*;

/// How many calls the table shows.
const SHOWN: usize = 40;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub calls: Vec<Call>,
}

#[function_component(CallsTable)]
pub fn calls_table(props: &Props) -> Html {
    let skip = props.calls.len().saturating_sub(SHOWN);
    let rows: Html = props
        .calls
        .iter()
        .skip(skip)
        .map(|c| {
            let (class, result) = match &c.result {
                None => ("pending", "…".to_owned()),
                Some(Ok(r)) => ("ok", r.clone()),
                Some(Err(e)) => ("err", e.clone()),
            };
            let ms = c.ms.map(|m| format!("{m:.0} ms")).unwrap_or_default();
            html! { <tr class={class}><td><code>{&c.python}</code></td><td class="result">{result}</td><td class="ms">{ms}</td></tr> }
        })
        .collect();
    html! { <table class="calls"><tbody>{rows}</tbody></table> }
}
