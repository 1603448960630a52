//! The FTP panel's transfers, newest first: direction, file, a progress bar
//! and the bytes done or the final reply.

use crate::state::ftp::Transfer;
use yew::prelude::*;

/// How many transfers the panel shows.
const SHOWN: usize = 8;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub transfers: Vec<Transfer>,
}

#[function_component(Transfers)]
pub fn transfers(props: &Props) -> Html {
    let items: Html = props
        .transfers
        .iter()
        .rev()
        .take(SHOWN)
        .map(|t| {
            let total = t.total.unwrap_or(0).max(t.done);
            let label = match &t.result {
                None => format!("{} / {total} bytes", t.done),
                Some(Ok(r)) => format!("{} bytes — {r}", t.done),
                Some(Err(e)) => e.clone(),
            };
            html! {
                <div class="transfer" data-name={t.name.clone()} data-done={t.result.is_some().to_string()}>
                    <span title={t.name.clone()}>{ if t.upload { "↑ " } else { "↓ " } }{&t.name}</span>
                    <progress max={total.max(1).to_string()} value={t.done.to_string()} />
                    <span class="hint">{label}</span>
                </div>
            }
        })
        .collect();
    html! { <div class="transfers">{items}</div> }
}
