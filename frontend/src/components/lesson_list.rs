//! The landing's lessons: every lesson in order with the done ones marked, a
//! "Continue: E3 — …" for a returning learner, and (in the `learn` build)
//! "Reset progress" behind a confirmation. Asks for the catalogue the first
//! time it shows. A lesson opens here in the `learn` build; the default build
//! (`/`) links to it in the `learn` one (`/learn/#lesson=ID`, `learn/mod.rs`).

use crate::hooks::{use_app, AppCtx};
use crate::lessons::catalog::Listed;
use crate::lessons::{catalog, words::short_label, words::words};
use crate::state::lesson::{continue_with, Catalog, LessonAction, Saved};
use crate::state::Action;
use shared::lesson::Lang;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub catalog: Catalog,
    pub saved: Saved,
}

/// "E3 — The article's server": the title, after the short label of an
/// `eN` id unless the title already starts with it.
pub fn label(lesson: &Listed, lang: Lang) -> String {
    let title = lesson.title.get(lang);
    match short_label(&lesson.id) {
        Some(short) if !title.starts_with(&format!("{short} ")) => format!("{short} — {title}"),
        _ => title.to_owned(),
    }
}

/// What opens lesson `id`: a button that opens it here.
#[cfg(any(feature = "learn", test))]
fn opener(ctx: &AppCtx, id: &str, class: &'static str, label: Html) -> Html {
    let ctx = ctx.clone();
    let id = id.to_owned();
    let onclick = Callback::from(move |_: MouseEvent| {
        ctx.dispatch(Action::Lesson(LessonAction::Open(id.clone())))
    });
    html! { <button {class} {onclick}>{label}</button> }
}

/// What opens lesson `id`: a link into the `learn` build.
#[cfg(not(any(feature = "learn", test)))]
fn opener(_: &AppCtx, id: &str, class: &'static str, label: Html) -> Html {
    html! { <a {class} href={crate::learn::lesson_href(id)}>{label}</a> }
}

/// "Reset progress", behind a confirmation (the `learn` build's; the front
/// door on `/` only reads the progress).
#[cfg(any(feature = "learn", test))]
fn reset_control(lang: Lang) -> Html {
    html! { <ResetProgress {lang} /> }
}

#[cfg(not(any(feature = "learn", test)))]
fn reset_control(_: Lang) -> Html {
    Html::default()
}

#[cfg(any(feature = "learn", test))]
#[derive(Properties, PartialEq)]
struct ResetProps {
    lang: Lang,
}

#[cfg(any(feature = "learn", test))]
#[function_component(ResetProgress)]
fn reset_progress(props: &ResetProps) -> Html {
    let ctx = use_app();
    let confirming = use_state(|| false);
    let w = words(props.lang);
    let ask = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(!*confirming))
    };
    let reset = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| {
            ctx.dispatch(Action::Lesson(LessonAction::Reset));
            confirming.set(false);
        })
    };
    html! {
        if *confirming {
            <div class="reset-ask" role="alertdialog" aria-label={w.reset}>
                <span>{w.reset_ask}</span>
                <button class="danger" onclick={reset}>{w.reset_yes}</button>
                <button onclick={ask}>{w.reset_no}</button>
            </div>
        } else {
            <button class="reset" onclick={ask}>{w.reset}</button>
        }
    }
}

#[function_component(LessonList)]
pub fn lesson_list(props: &Props) -> Html {
    let ctx = use_app();
    {
        let ctx = ctx.clone();
        let asked = props.catalog != Catalog::NotAsked;
        use_effect_with(asked, move |asked| {
            if !*asked {
                ctx.dispatch(Action::Lesson(LessonAction::Catalog(Catalog::Loading)));
                wasm_bindgen_futures::spawn_local(async move {
                    let loaded = catalog::fetch().await;
                    ctx.dispatch(Action::Lesson(LessonAction::Catalog(loaded)));
                });
            }
        });
    }
    let lang = props.lang;
    let w = words(lang);
    let lessons = match &props.catalog {
        Catalog::Ready(c) => &c.lessons[..],
        Catalog::Failed(e) => {
            return html! { <div class="lessons"><h3>{w.lessons}</h3><p class="hint-err">{e.clone()}</p></div> }
        }
        _ => {
            return html! { <div class="lessons"><h3>{w.lessons}</h3><p class="hint">{w.loading}</p></div> }
        }
    };
    let items: Html = lessons
        .iter()
        .map(|l| {
            let done = props.saved.done.contains(&l.id);
            html! {
                <li data-lesson={l.id.clone()} data-done={done.to_string()} class={classes!(done.then_some("done"))}>
                    {opener(&ctx, &l.id, "lesson-link", html! { {label(l, lang)} })}
                    <span class={classes!("lesson-state", done.then_some("is-done"))}>{if done { format!("✓ {}", w.done) } else { String::new() }}</span>
                </li>
            }
        })
        .collect();
    let again = continue_with(lessons, &props.saved).map(|l| {
        html! {
            {opener(&ctx, &l.id, "primary continue", html! {<>{w.continue_}{": "}{label(l, lang)}</>})}
        }
    });
    let has_progress = !props.saved.done.is_empty() || !props.saved.hints.is_empty();
    let done_count = lessons
        .iter()
        .filter(|l| props.saved.done.contains(&l.id))
        .count();
    html! {
        <div class="lessons" data-testid="lessons">
            <h3>{w.lessons}{" "}<span class="count">{format!("{done_count}/{} {}", lessons.len(), w.done)}</span></h3>
            <p class="hint">{w.lessons_intro}</p>
            {again}
            <ol class="lesson-list">{items}</ol>
            if has_progress {
                {reset_control(lang)}
            }
        </div>
    }
}
