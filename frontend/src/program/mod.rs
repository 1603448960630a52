//! The bridge between a program running in the page (the Python tab's runtime,
//! `frontend/python/runtime.js`) and the page's own relay connection: the
//! program's protocol calls go through [`crate::relay::Relay::request`], so
//! the reducer sees each one (`Sent`, `Replied`, `Timed`) exactly as it sees a
//! clicked call — cards, timeline, transcript and lesson trace included.
//!
//! JavaScript sees one function, `window.socklabProgram(json)`: `json` is a
//! request without its `id` (`{"op": "connect", "sock": "s1", "addr": [...]}`);
//! it returns `[id, promise]`, the relay request id (for a `cancel`) and a
//! promise of the reply as JSON (`{"re": 7, "ok": {...}}` as the relay sent it,
//! or `{"err": {...}}`). A request that does not parse is answered
//! `bad_request` with id 0, unsent. Requests are read by
//! `shared::decode_op::program_op` (the socket family only: what a program's
//! `socket`/`select` layer sends), which keeps the derived reader of every op
//! out of the workbench's wasm.
//! Owns nothing else: what the calls mean is the runtime's business.

use crate::components::lazy_panels::ReadRequest;
use crate::hooks::AppCtx;
use crate::relay::{error_json, DISCONNECTED};
use shared::{codes, ErrorBody};
use wasm_bindgen::prelude::*;

/// The global the runtime calls.
const GLOBAL: &str = "socklabProgram";

/// Installs (or replaces) `window.socklabProgram`, calling through `ctx` and
/// reading requests with `read` (`program_op`, loaded with the tab:
/// `components/lazy_panels.rs`).
pub fn install(ctx: AppCtx, read: ReadRequest) {
    let call = Closure::<dyn Fn(String) -> JsValue>::new(move |text: String| {
        let (id, outcome) = match read(&text) {
            Ok(op) => {
                let start = js_sys::Date::now();
                let (id, rx) = ctx.relay.request_json(op);
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
                let body = ErrorBody::new(codes::BAD_REQUEST, e);
                (0, promise_of(async move { error_json(&body) }))
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

/// The reply a call gets when the relay connection is gone.
fn lost() -> String {
    error_json(&ErrorBody::new(
        DISCONNECTED,
        "the relay connection was lost",
    ))
}

/// A JS promise of the reply's JSON.
fn promise_of(json: impl std::future::Future<Output = String> + 'static) -> JsValue {
    wasm_bindgen_futures::future_to_promise(async move { Ok(JsValue::from_str(&json.await)) })
        .into()
}
