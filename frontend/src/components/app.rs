//! The root component: owns the reducer and the relay service, provides both
//! to every component through [`AppCtx`], and lays the page out (workbench on
//! the left; timeline and Python transcript on the right).

use super::{
    auth_panel::AuthPanel, banner::Banner, hello_panel::HelloPanel, new_socket::NewSocket,
    python_transcript::PythonTranscript, select_panel::SelectPanel, socket_card::SocketCard,
    timeline::Timeline,
};
use crate::relay::Relay;
use crate::state::State;
use yew::prelude::*;

/// What every component may use: the state (read) and the relay (to act).
#[derive(Clone, PartialEq)]
pub struct AppCtx {
    pub state: UseReducerHandle<State>,
    pub relay: Relay,
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let relay = {
        let dispatch = state.dispatcher().to_callback();
        use_state(move || Relay::start(Relay::default_url(), dispatch))
    };
    let ctx = AppCtx {
        state: state.clone(),
        relay: (*relay).clone(),
    };
    let cards: Html = state
        .socks_in_order()
        .into_iter()
        .map(|s| html! { <SocketCard key={s.handle.clone()} handle={s.handle.clone()} /> })
        .collect();
    let ready = state.hello.is_some() && !state.needs_token();
    html! {
        <ContextProvider<AppCtx> context={ctx}>
            <div class="app" data-ready={ready.to_string()}>
                <header class="top">
                    <h1>{"socklab"}</h1>
                    <span class="tagline">{"real sockets, Python's API — every byte visible"}</span>
                    <HelloPanel />
                </header>
                <Banner />
                <AuthPanel />
                <main class="columns">
                    <section class="workbench" aria-label="socket workbench">
                        <NewSocket />
                        <div class="cards">{cards}</div>
                        <SelectPanel />
                    </section>
                    <section class="side">
                        <Timeline />
                        <PythonTranscript />
                    </section>
                </main>
            </div>
        </ContextProvider<AppCtx>>
    }
}
