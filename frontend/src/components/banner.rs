//! The connection banner: visible while the relay is unreachable or being
//! reconnected, and for relay `error` events. Hidden when all is well.

use crate::state::Conn;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub conn: Option<Conn>,
    /// The last `error` event or unreadable frame.
    pub notice: Option<AttrValue>,
}

#[function_component(Banner)]
pub fn banner(props: &Props) -> Html {
    let conn = match &props.conn {
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
    let notice = props.notice.clone();
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
