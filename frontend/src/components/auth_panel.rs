//! The token prompt, shown when the relay runs with `--token`/`--token-file`
//! (`hello.policy.auth_required`) until `auth` succeeds. The token goes in the
//! first message, never in a URL.

use super::app::AppCtx;
use shared::Op;
use yew::prelude::*;

#[function_component(AuthPanel)]
pub fn auth_panel() -> Html {
    let ctx = use_context::<AppCtx>();
    let token = use_state(String::new);
    let Some(ctx) = ctx else { return html! {} };
    if !ctx.state.needs_token() {
        return html! {};
    }
    let onsubmit = {
        let (relay, token) = (ctx.relay.clone(), token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            relay.send(Op::Auth {
                token: token.trim().to_owned(),
            });
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
