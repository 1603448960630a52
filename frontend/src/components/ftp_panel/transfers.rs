//! The FTP panel's transfers, newest first: direction, file, a progress bar
//! and the bytes done or the final reply. A failed transfer reads as failed:
//! its bar is marked (red, `aria-invalid`) at the bytes that really moved,
//! and its line is the error.

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
            let (label, class) = match &t.result {
                None => (format!("{} / {total} bytes", t.done), "hint"),
                Some(Ok(r)) => (format!("{} bytes — {r}", t.done), "hint"),
                Some(Err(e)) => (format!("failed: {e}"), "hint-err"),
            };
            let failed = t.failed();
            html! {
                <div class={classes!("transfer", failed.then_some("failed"))} data-name={t.name.clone()}
                    data-done={t.result.is_some().to_string()} data-failed={failed.to_string()}>
                    <span title={t.name.clone()}>{ if t.upload { "↑ " } else { "↓ " } }{&t.name}</span>
                    <progress max={total.max(1).to_string()} value={t.done.to_string()}
                        aria-invalid={failed.then_some("true")} title={failed.then_some("failed")} />
                    <span {class}>{label}</span>
                </div>
            }
        })
        .collect();
    html! { <div class="transfers">{items}</div> }
}
