//! The language switch (EN / 中文) for the lessons and the page's words
//! around them; the choice is saved in the browser (`lessons/store.rs`).

use crate::hooks::use_app;
use crate::lessons::words::words;
use crate::state::lesson::LessonAction;
use crate::state::Action;
use shared::lesson::Lang;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
}

#[function_component(LangSwitch)]
pub fn lang_switch(props: &Props) -> Html {
    let ctx = use_app();
    let button = |lang: Lang, label: &'static str, code: &'static str| {
        let on = props.lang == lang;
        let ctx = ctx.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            ctx.dispatch(Action::Lesson(LessonAction::Lang(lang)))
        });
        html! {
            <button class={classes!("lang", on.then_some("on"))} lang={code} aria-pressed={on.to_string()} {onclick}>{label}</button>
        }
    };
    html! {
        <div class="lang-switch" role="group" aria-label={words(props.lang).language}>
            {button(Lang::En, "EN", "en")}
            {button(Lang::Zh, "中文", "zh-Hans")}
        </div>
    }
}
