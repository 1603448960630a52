//! One of the article's mistakes where it bites: the article's line, the
//! Python 3 line and why ("The article writes `sock.bind('127.0.0.1',20178)`;
//! in Python 3 write `sock.bind(('127.0.0.1', 20178))` — …").

use super::rich::inline;
use crate::lessons::words::words;
use shared::lesson::{Erratum, Lang};
use yew::prelude::*;

pub fn erratum(e: &Erratum, lang: Lang) -> Html {
    let w = words(lang);
    html! {
        <aside class="erratum" data-testid="erratum">
            <p><span class="erratum-label">{w.article_writes}</span>{" "}<code class="erratum-wrong">{e.article.clone()}</code></p>
            <p><span class="erratum-label">{w.python3}</span>{" "}<code class="erratum-right">{e.corrected.clone()}</code></p>
            <p class="erratum-why">{inline(e.why.get(lang))}</p>
        </aside>
    }
}
