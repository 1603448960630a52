//! The token prompt, shown when the relay runs with `--token`/`--token-file`
//! (`hello.policy.auth_required`) until `auth` succeeds. The token goes in the
//! first message, never in a URL.
//!
//! The tab remembers an accepted token (`sessionStorage`, gone with the tab) and
//! sends it again by itself on every new relay session: after a reconnect, or
//! when the relay closed a session that waited too long for its token
//! (`--auth-timeout`), the learner is not asked twice. A token the relay refuses
//! is forgotten.

use crate::hooks::{use_app, use_session, use_text_input};
use shared::{Op, Outcome};
use yew::prelude::*;

/// The `sessionStorage` key of the remembered token.
const TOKEN_KEY: &str = "socklab-token";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn remembered() -> Option<String> {
    storage()?
        .get_item(TOKEN_KEY)
        .ok()?
        .filter(|t| !t.is_empty())
}

fn remember(token: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match token {
            Some(t) => s.set_item(TOKEN_KEY, t),
            None => s.remove_item(TOKEN_KEY),
        };
    }
}

/// Sends `auth` with `token`; remembers it when accepted, forgets it when refused.
fn authenticate(relay: &crate::relay::Relay, token: String) {
    let (_, outcome) = relay.request(Op::Auth {
        token: token.clone(),
    });
    wasm_bindgen_futures::spawn_local(async move {
        match outcome.await {
            Ok(Outcome::Ok(_)) => remember(Some(&token)),
            Ok(Outcome::Err(e)) if e.code == shared::codes::UNAUTHORIZED => remember(None),
            _ => {}
        }
    });
}

#[function_component(AuthPanel)]
pub fn auth_panel() -> Html {
    let ctx = use_app();
    let session = use_session();
    let token = use_text_input(String::new);
    // A new relay session that wants a token gets the remembered one at once.
    let waiting = session
        .hello
        .as_ref()
        .filter(|_| session.needs_token)
        .map(|h| h.session.clone());
    {
        let relay = ctx.relay.clone();
        use_effect_with(waiting, move |waiting| {
            if let (Some(_), Some(t)) = (waiting, remembered()) {
                authenticate(&relay, t);
            }
        });
    }
    if !session.needs_token {
        return html! {};
    }
    let onsubmit = {
        let (relay, token) = (ctx.relay.clone(), token.value.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            authenticate(&relay, token.trim().to_owned());
        })
    };
    html! {
        <form class="auth" {onsubmit}>
            <label>{"This relay needs the class token: "}
                <input type="password" aria-label="token" value={token.value.clone()} oninput={token.oninput.clone()} />
            </label>
            <button class="primary" type="submit">{"enter"}</button>
        </form>
    }
}
