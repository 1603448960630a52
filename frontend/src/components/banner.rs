//! The connection banner: visible while the relay is unreachable or being
//! reconnected, and for relay `error` events. Hidden when all is well.

use super::app::AppCtx;
use crate::state::Conn;
use yew::prelude::*;

#[function_component(Banner)]
pub fn banner() -> Html {
    let Some(ctx) = use_context::<AppCtx>() else {
        return html! {};
    };
    let conn = match &ctx.state.conn {
        Some(Conn::Lost { reason, retry_ms }) if *retry_ms > 0 => Some(format!(
            "Relay connection lost — {reason}. Reconnecting in {:.1} s…",
            f64::from(*retry_ms) / 1000.0
        )),
        Some(Conn::Lost { reason, .. }) => Some(format!("Relay connection lost — {reason}.")),
        Some(Conn::Connecting { attempt }) if *attempt > 0 => {
            Some(format!("Reconnecting to the relay (attempt {attempt})…"))
        }
        _ => None,
    };
    let notice = ctx.state.notice.clone();
    html! {
        <>
            if let Some(text) = conn {
                <div class="banner banner-lost" role="alert">{text}</div>
            }
            if let Some(text) = notice {
                <div class="banner banner-notice" role="status">{text}</div>
            }
        </>
    }
}
