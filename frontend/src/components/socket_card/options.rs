//! A card's options: blocking mode (`setblocking`, `settimeout`) and
//! `setsockopt` with the option picked in the select (the select is drawn
//! from the same value the button sends, so what is shown is what runs).

use super::act::{act_button, Act};
use super::{inputs, Fire};
use crate::hooks::{use_app, use_text_input};
use crate::state::Mode;
use shared::request::OptValue;
use shared::Op;
use std::rc::Rc;
use yew::prelude::*;

/// The options the select offers; the one shown selected is the one sent.
const OPTIONS: [&str; 4] = [
    "SO_REUSEADDR",
    "SO_KEEPALIVE",
    "SO_BROADCAST",
    "TCP_NODELAY",
];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub handle: AttrValue,
    pub mode: Mode,
    pub acts: Rc<[Act]>,
    pub fire: Fire,
}

#[function_component(OptionsPanel)]
pub fn options_panel(p: &Props) -> Html {
    let timeout = use_text_input(String::new);
    let opt = use_text_input(|| "SO_REUSEADDR".to_owned());
    let blocking = !matches!(p.mode, Mode::NonBlocking);
    let toggle = use_app().fire(Op::Setblocking {
        sock: p.handle.to_string(),
        flag: !blocking,
    });
    let set_timeout = {
        let (sock, text) = (p.handle.to_string(), timeout.value.clone());
        p.fire.reform(move |_: MouseEvent| {
            let timeout = inputs::timeout(&text)?;
            Ok(Op::Settimeout {
                sock: sock.clone(),
                timeout,
            })
        })
    };
    let setsockopt = {
        let (sock, value) = (p.handle.to_string(), opt.value.clone());
        move || {
            let (level, name) = inputs::option(&value);
            Ok(Op::Setsockopt {
                sock: sock.clone(),
                level,
                name,
                value: OptValue::Int(1),
            })
        }
    };
    html! {
        <details class="options">
            <summary>{"options: "}{p.mode.label()}</summary>
            <div class="row">
            <button class="act" onclick={toggle}>
                {format!("setblocking({})", if blocking { "False" } else { "True" })}
            </button>
            <input aria-label="timeout" class="short" placeholder="None"
                value={timeout.value.clone()} oninput={timeout.oninput.clone()} />
            <button class="act" onclick={set_timeout}>{"settimeout"}</button>
            <select aria-label="option" onchange={opt.onchange.clone()}>
                {for OPTIONS.iter().map(|&value| html! {
                    <option {value} selected={opt.value == value}>{value}</option>
                })}
            </select>
            {act_button(&p.acts, Act::Options, &p.fire, setsockopt)}
            </div>
        </details>
    }
}
