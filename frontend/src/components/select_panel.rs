//! `select.select(rlist, wlist, xlist, timeout)` across the open sockets: tick
//! which lists each socket is in, run it, read which were ready.

use crate::hooks::{use_app, use_text_input};
use shared::{OkBody, Op, Outcome};
use std::collections::BTreeSet;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The handles not closed yet, in creation order.
    pub open: Vec<String>,
}

#[function_component(SelectPanel)]
pub fn select_panel(props: &Props) -> Html {
    let ctx = use_app();
    let lists = use_state(|| [BTreeSet::<String>::new(), BTreeSet::new(), BTreeSet::new()]);
    let timeout = use_text_input(|| "5".to_owned());
    let result = use_state(|| None::<String>);
    let open = &props.open;
    if open.is_empty() {
        return html! {};
    }
    let toggle = |which: usize, h: String| {
        let lists = lists.clone();
        Callback::from(move |_| {
            let mut next = (*lists).clone();
            if !next[which].remove(&h) {
                next[which].insert(h.clone());
            }
            lists.set(next);
        })
    };
    let rows: Html = open
        .iter()
        .map(|h| {
            let cell = |which: usize, name: &str| {
                html! {
                    <label class="sel">
                        <input type="checkbox" checked={lists[which].contains(h)}
                            onclick={toggle(which, h.clone())}
                            aria-label={format!("{h} in {name}")} />
                        {name}
                    </label>
                }
            };
            html! {
                <li><code>{h.clone()}</code>{cell(0, "rlist")}{cell(1, "wlist")}{cell(2, "xlist")}</li>
            }
        })
        .collect();
    let run = {
        let (relay, lists, timeout, result) = (
            ctx.relay.clone(),
            lists.clone(),
            timeout.value.clone(),
            result.clone(),
        );
        let open = open.clone();
        Callback::from(move |_| {
            let pick = |i: usize| -> Vec<String> {
                open.iter()
                    .filter(|h| lists[i].contains(*h))
                    .cloned()
                    .collect()
            };
            let t = timeout.trim();
            let op = Op::Select {
                rlist: pick(0),
                wlist: pick(1),
                xlist: pick(2),
                timeout: if t.is_empty() { None } else { t.parse().ok() },
            };
            let (_, reply) = relay.request(op);
            let result = result.clone();
            result.set(Some("waiting…".into()));
            wasm_bindgen_futures::spawn_local(async move {
                let text = match reply.await {
                    Ok(Outcome::Ok(OkBody::Select { r, w, x })) => {
                        if r.is_empty() && w.is_empty() && x.is_empty() {
                            "timed out: nothing ready".to_owned()
                        } else {
                            format!("ready: r={r:?} w={w:?} x={x:?}")
                        }
                    }
                    Ok(Outcome::Err(e)) => e.python(),
                    Ok(Outcome::Ok(_)) | Err(_) => "no answer".to_owned(),
                };
                result.set(Some(text));
            });
        })
    };
    html! {
        <details class="select-panel">
            <summary>{"select.select() across sockets"}</summary>
            <ul>{rows}</ul>
            <div class="row">
                <label>{"timeout "}<input aria-label="select timeout" class="short"
                    value={timeout.value.clone()} oninput={timeout.oninput.clone()} /></label>
                <button class="act" onclick={run}>{"select"}</button>
                if let Some(r) = (*result).clone() { <code class="select-result">{r}</code> }
            </div>
        </details>
    }
}
