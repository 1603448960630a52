//! The card's kernel line ("kernel: TIME_WAIT, 58 s left"): the kernel's own
//! state of the socket, counting down the kernel's timer once a second with
//! the page's clock from the moment the report arrived.

use crate::state::kernel::KernelLine;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub line: KernelLine,
}

#[function_component(KernelStatus)]
pub fn kernel_status(p: &Props) -> Html {
    let since = use_memo(p.line.clone(), |_| js_sys::Date::now());
    let now = use_state(js_sys::Date::now);
    {
        let now = now.setter();
        let ticking = p.line.expires_ms.is_some();
        use_effect_with(p.line.clone(), move |_| {
            let window = web_sys::window().filter(|_| ticking);
            let tick = Closure::<dyn FnMut()>::new(move || now.set(js_sys::Date::now()));
            let id = window.as_ref().and_then(|w| {
                w.set_interval_with_callback_and_timeout_and_arguments_0(
                    tick.as_ref().unchecked_ref(),
                    1000,
                )
                .ok()
            });
            move || {
                if let (Some(w), Some(id)) = (window, id) {
                    w.clear_interval_with_handle(id);
                }
                drop(tick);
            }
        });
    }
    let elapsed = (*now - *since).max(0.0) as u64;
    html! { <p class="kernel-line" data-testid="kernel">{p.line.text(elapsed)}</p> }
}
