//! The live sequence diagram: one lane per socket and per peer, each entry an
//! arrow (handshake, bytes, FIN/RST) or a mark (state change). Only the rows in
//! view are rendered (fixed row height), so 10,000 entries scroll smoothly; it
//! follows the newest entry unless the learner scrolled up. Clicking (or Enter
//! on) an entry shows its bytes.

use crate::bytes::{hexdump, lossy};
use crate::hooks::{scroll_to_end, use_app};
use crate::log::Log;
use crate::state::{Action, Entry, Lane};
use std::rc::Rc;
use yew::prelude::*;

/// Row height in px (must match `.tl-row` in style.css).
const ROW: f64 = 26.0;
/// Height of the scrolling viewport in px.
const VIEW: f64 = 286.0;
/// Extra rows rendered above and below the viewport.
const OVERSCAN: usize = 6;

fn pct(lane: usize, lanes: usize) -> f64 {
    (lane as f64 + 0.5) * 100.0 / lanes.max(1) as f64
}

fn row(i: usize, e: &Entry, lanes: usize, selected: bool, on_pick: Callback<usize>) -> Html {
    let lines: Html = (0..lanes)
        .map(|l| html! { <span class="lane-line" style={format!("left:{:.3}%", pct(l, lanes))}></span> })
        .collect();
    let shape = match e.to {
        Some(to) if to != e.from => {
            let (a, b) = (pct(e.from, lanes), pct(to, lanes));
            let dir = if b > a { "right" } else { "left" };
            html! {
                <span class={classes!("arrow", dir)}
                    style={format!("left:{:.3}%;width:{:.3}%", a.min(b), (a - b).abs())}>
                    <span class="arrow-label">{e.label.clone()}</span>
                </span>
            }
        }
        _ => {
            let x = pct(e.from, lanes);
            // Labels of marks on the right half extend leftwards, to stay visible.
            let side = if x > 55.0 {
                "mark-label left"
            } else {
                "mark-label"
            };
            html! {
                <span class="mark" style={format!("left:{x:.3}%")}>
                    <span class={side}>{e.label.clone()}</span>
                </span>
            }
        }
    };
    let onclick = {
        let on_pick = on_pick.clone();
        Callback::from(move |_| on_pick.emit(i))
    };
    let onkeydown = Callback::from(move |k: KeyboardEvent| {
        if k.key() == "Enter" || k.key() == " " {
            k.prevent_default();
            on_pick.emit(i);
        }
    });
    html! {
        <div class={classes!("tl-row", e.kind.class(), selected.then_some("selected"))}
            style={format!("top:{}px", i as f64 * ROW)} role="button" tabindex="0"
            data-index={i.to_string()} title={e.label.clone()} {onclick} {onkeydown}>
            <span class="tl-t">{format!("{:.3}s", e.t as f64 / 1000.0)}</span>
            <span class="tl-lanes">{lines}{shape}</span>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub entries: Log<Entry>,
    pub lanes: Rc<Vec<Lane>>,
    /// The entry whose bytes are shown.
    pub selected: Option<usize>,
}

#[function_component(Timeline)]
pub fn timeline(props: &Props) -> Html {
    let ctx = use_app();
    let scroll = use_state(|| 0.0f64);
    let follow = use_state(|| true);
    let viewport = use_node_ref();
    let len = props.entries.len();
    {
        let (viewport, follow) = (viewport.clone(), *follow);
        use_effect_with(len, move |_| {
            if follow {
                scroll_to_end(&viewport);
            }
        });
    }
    let lanes = props.lanes.len().max(1);
    let onscroll = {
        let (scroll, follow, viewport) = (scroll.clone(), follow.clone(), viewport.clone());
        Callback::from(move |_: Event| {
            if let Some(el) = viewport.cast::<web_sys::Element>() {
                let top = f64::from(el.scroll_top());
                let bottom = f64::from(el.scroll_height() - el.client_height());
                scroll.set(top);
                follow.set(top >= bottom - ROW);
            }
        })
    };
    let on_pick = Callback::from(move |i: usize| ctx.dispatch(Action::Select(Some(i))));
    let entries = props.entries.items();
    let first_visible = if *follow {
        len.saturating_sub((VIEW / ROW) as usize + 1)
    } else {
        (*scroll / ROW) as usize
    };
    let from = first_visible.saturating_sub(OVERSCAN);
    let to = (first_visible + (VIEW / ROW) as usize + OVERSCAN).min(len);
    let rows: Html = (from..to)
        .filter_map(|i| entries.get(i).map(|e| (i, e)))
        .map(|(i, e)| row(i, e, lanes, props.selected == Some(i), on_pick.clone()))
        .collect();
    let heads: Html = props
        .lanes
        .iter()
        .enumerate()
        .map(|(i, l)| {
            html! {
                <span class={classes!("lane-head", l.is_peer.then_some("peer"))}
                    style={format!("left:{:.3}%", pct(i, lanes))} title={l.label.clone()}>{l.label.clone()}</span>
            }
        })
        .collect();
    let detail = props.selected.and_then(|i| entries.get(i).cloned());
    html! {
        <section class="timeline" aria-label="timeline">
            <h2>{"Timeline"}<span class="count">{format!("{len} entries")}</span></h2>
            <div class="tl-heads">{heads}</div>
            <div class="tl-view" ref={viewport} {onscroll} style={format!("height:{VIEW}px")}>
                <div class="tl-content" style={format!("height:{}px", len as f64 * ROW)}>{rows}</div>
            </div>
            <div class="tl-detail" aria-live="polite">
                { match detail {
                    None => html! { <span class="hint">{"click an entry to see its bytes"}</span> },
                    Some(e) => html! {
                        <>
                            <div><strong>{e.label.clone()}</strong>{format!("  at {:.3}s", e.t as f64 / 1000.0)}</div>
                            { match (&e.bytes, e.n) {
                                (Some(b), n) => html! {
                                    <>
                                        if n.is_some_and(|n| n as usize > b.len()) {
                                            <div class="hint">{format!("first {} of {} bytes", b.len(), n.unwrap_or_default())}</div>
                                        }
                                        <pre class="text">{lossy(b)}</pre>
                                        <pre class="hex">{hexdump(b)}</pre>
                                    </>
                                },
                                (None, Some(n)) => html! { <div>{format!("{n} bytes (no preview)")}</div> },
                                (None, None) => html! { <div class="hint">{"no bytes: a control segment or state change"}</div> },
                            } }
                        </>
                    },
                } }
            </div>
        </section>
    }
}
