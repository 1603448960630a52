//! The root component: owns the reducer and the relay service, provides both
//! to every component through [`AppCtx`], and lays the page out (workbench on
//! the left; timeline and Python transcript on the right).

use super::{
    auth_panel::AuthPanel, banner::Banner, ftp_panel::FtpPanel, hello_panel::HelloPanel,
    http_panel::HttpPanel, new_socket::NewSocket, python_transcript::PythonTranscript,
    select_panel::SelectPanel, socket_card::SocketCard, timeline::Timeline,
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

/// The page's tabs: the socket workbench (the default) and the protocol panels.
#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Sockets,
    Http,
    Ftp,
}

fn tab_button(tab: &UseStateHandle<Tab>, which: Tab, label: &'static str) -> Html {
    let on = **tab == which;
    let onclick = {
        let tab = tab.clone();
        Callback::from(move |_| tab.set(which))
    };
    html! {
        <button role="tab" class={classes!("tab", on.then_some("on"))} aria-selected={on.to_string()} {onclick}>{label}</button>
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let tab = use_state(|| Tab::Sockets);
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
                <nav class="tabs" role="tablist" aria-label="panels">
                    {tab_button(&tab, Tab::Sockets, "Sockets")}
                    {tab_button(&tab, Tab::Http, "HTTP")}
                    {tab_button(&tab, Tab::Ftp, "FTP")}
                </nav>
                <main class="columns" hidden={*tab != Tab::Sockets}>
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
                <main class="panel-main" hidden={*tab != Tab::Http}><HttpPanel /></main>
                <main class="panel-main" hidden={*tab != Tab::Ftp}><FtpPanel /></main>
            </div>
        </ContextProvider<AppCtx>>
    }
}
