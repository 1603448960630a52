//! The token prompt, shown when the relay runs with `--token`/`--token-file`
//! (`hello.policy.auth_required`) until `auth` succeeds. The token goes in the
//! first message, never in a URL.
//!
//! The tab remembers an accepted token (`sessionStorage`, gone with the tab) and
//! sends it again by itself on every new relay session: after a reconnect, or
//! when the relay closed a session that waited too long for its token
//! (`--auth-timeout`), the learner is not asked twice. A token the relay refuses
//! is forgotten.

use super::app::AppCtx;
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
    let ctx = use_context::<AppCtx>();
    let token = use_state(String::new);
    // A new relay session that wants a token gets the remembered one at once.
    let session = ctx
        .as_ref()
        .filter(|c| c.state.needs_token())
        .and_then(|c| c.state.hello.as_ref().map(|h| h.session.clone()));
    {
        let relay = ctx.as_ref().map(|c| c.relay.clone());
        use_effect_with(session, move |session| {
            if let (Some(_), Some(relay), Some(t)) = (session, relay, remembered()) {
                authenticate(&relay, t);
            }
        });
    }
    let Some(ctx) = ctx else { return html! {} };
    if !ctx.state.needs_token() {
        return html! {};
    }
    let onsubmit = {
        let (relay, token) = (ctx.relay.clone(), token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            authenticate(&relay, token.trim().to_owned());
        })
    };
    let oninput = {
        let token = token.clone();
        Callback::from(move |e: InputEvent| {
            token.set(
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            );
        })
    };
    html! {
        <form class="auth" {onsubmit}>
            <label>{"This relay needs the class token: "}
                <input type="password" aria-label="token" value={(*token).clone()} {oninput} />
            </label>
            <button class="primary" type="submit">{"enter"}</button>
        </form>
    }
}
