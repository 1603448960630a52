//! The one Python transcript view every tab uses (the session's on the
//! Sockets tab, the HTTP and FTP panels' own): each entry's code, its note,
//! what it printed, the exception it raised, or why socklab left it out of
//! the script. It keeps the newest line in view.

use super::error_line::ErrorLine;
use crate::hooks::use_scroll_to_end;
use crate::log::Log;
use crate::python::{expected_output, PyEntry};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub entries: Log<PyEntry>,
    /// The container's classes (`py` on the Sockets tab, `py-lines …` in a panel).
    pub class: Classes,
    #[prop_or_default]
    pub testid: Option<AttrValue>,
    /// A first line before the entries (`import socket, select`).
    #[prop_or_default]
    pub head: Option<AttrValue>,
    /// Show only this many of the newest entries (a note counts the others).
    #[prop_or_default]
    pub shown: Option<usize>,
    /// Put what the script prints on the container (`data-expected`).
    #[prop_or_default]
    pub expected: bool,
}

fn entry(e: &PyEntry) -> Html {
    let skipped = e.skipped.is_some();
    let code: Html = e
        .code
        .iter()
        .map(|l| {
            let class = classes!("py-code", skipped.then_some("skipped"));
            html! { <div {class}>{if skipped { format!("# {l}") } else { l.clone() }}</div> }
        })
        .collect();
    let out: Html = e
        .output
        .iter()
        .filter(|_| e.error.is_none())
        .map(|o| html! { <div class="py-out" data-output={o.clone()}>{o.clone()}</div> })
        .collect();
    html! {
        <div class="py-entry">
            {code}
            if let Some(n) = &e.note { <div class="py-note">{format!("# {n}")}</div> }
            {out}
            if let Some(err) = &e.error { <div class="py-err" data-output={err.clone()}>{err.clone()}</div> }
            if let Some(why) = &e.skipped {
                <ErrorLine class="py-note" line={format!("# socklab answered: {why}")} detail={e.detail.clone().map(AttrValue::from)} comment=true />
            }
        </div>
    }
}

#[function_component(Transcript)]
pub fn transcript(props: &Props) -> Html {
    let view = use_scroll_to_end(props.entries.len());
    let entries = props.entries.items();
    let skip = props
        .shown
        .map_or(0, |shown| entries.len().saturating_sub(shown));
    let expected = props.expected.then(|| expected_output(&entries).join("\n"));
    let lines: Html = entries.iter().skip(skip).map(entry).collect();
    html! {
        <div class={props.class.clone()} data-testid={props.testid.clone()} data-expected={expected} ref={view}>
            if let Some(head) = &props.head { <div class="py-code py-head">{head.clone()}</div> }
            if skip > 0 { <div class="py-note">{format!("# … {skip} earlier entries (all are in the download)")}</div> }
            {lines}
        </div>
    }
}
