//! The bridge between a program running in the page (the Python tab's runtime,
//! `frontend/python/runtime.js`) and the page's own relay connection: the
//! program's protocol calls go through [`crate::relay::Relay::request`], so
//! the reducer sees each one (`Sent`, `Replied`, `Timed`) exactly as it sees a
//! clicked call — cards, timeline, transcript and lesson trace included.
//!
//! JavaScript sees one function, `window.socklabProgram(json)`: `json` is a
//! request without its `id` (`{"op": "connect", "sock": "s1", "addr": [...]}`);
//! it returns `[id, promise]`, the relay request id (for a `cancel`) and a
//! promise of the outcome as JSON (`{"ok": {...}}` or `{"err": {...}}`). A
//! request that does not parse is answered `bad_request` with id 0, unsent.
//! Owns nothing else: what the calls mean is the runtime's business.

use crate::hooks::AppCtx;
use crate::relay::DISCONNECTED;
use shared::{codes, ErrorBody, Op, Outcome};
use wasm_bindgen::prelude::*;

/// The global the runtime calls.
const GLOBAL: &str = "socklabProgram";

/// Installs (or replaces) `window.socklabProgram`, calling through `ctx`.
pub fn install(ctx: AppCtx) {
    let call = Closure::<dyn Fn(String) -> JsValue>::new(move |text: String| {
        let (id, outcome) = match serde_json::from_str::<Op>(&text) {
            Ok(op) => {
                let start = js_sys::Date::now();
                let (id, rx) = ctx.relay.request(op);
                let ctx = ctx.clone();
                let future = async move {
                    let outcome = rx.await.unwrap_or_else(|_| lost());
                    ctx.dispatch(crate::state::Action::Timed {
                        id,
                        ms: js_sys::Date::now() - start,
                    });
                    outcome
                };
                (id, promise_of(future))
            }
            Err(e) => {
                let body = ErrorBody::new(codes::BAD_REQUEST, e.to_string());
                (0, promise_of(async move { Outcome::Err(body) }))
            }
        };
        let pair = js_sys::Array::new();
        pair.push(&JsValue::from_f64(id as f64));
        pair.push(&outcome);
        pair.into()
    });
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &GLOBAL.into(), call.as_ref());
    }
    // The page keeps one bridge for its whole life.
    call.forget();
}

/// The outcome a call gets when the relay connection is gone.
fn lost() -> Outcome {
    Outcome::Err(ErrorBody::new(
        DISCONNECTED,
        "the relay connection was lost",
    ))
}

/// A JS promise of `outcome`'s JSON.
fn promise_of(outcome: impl std::future::Future<Output = Outcome> + 'static) -> JsValue {
    wasm_bindgen_futures::future_to_promise(async move {
        let outcome = outcome.await;
        Ok(JsValue::from_str(
            &serde_json::to_string(&outcome).unwrap_or_default(),
        ))
    })
    .into()
}
