//! The lessons' pictures, drawn as inline SVG (no image files): the
//! three-way handshake with the article's state names ([`handshake`]), the
//! teardown ([`teardown`]), one `select` loop serving several sockets
//! ([`select`]) and FTP's control and data connections, passive and active
//! ([`ftp_modes`]). [`draw`] holds the arrow and label primitives they share.

mod draw;
mod ftp_modes;
mod handshake;
mod select;
mod teardown;

use shared::lesson::{Lang, Picture as Which};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub picture: Which,
    pub lang: Lang,
}

#[function_component(Picture)]
pub fn picture(props: &Props) -> Html {
    let (svg, caption) = match props.picture {
        Which::Handshake => (handshake::svg(), "TCP three-way handshake"),
        Which::Teardown => (teardown::svg(), "TCP teardown: FIN and ACK each way"),
        Which::Select => (select::svg(), "one select() loop serving several sockets"),
        Which::FtpModes => (
            ftp_modes::svg(),
            "FTP control and data connections, passive and active",
        ),
    };
    html! {
        <figure class="picture" data-picture={format!("{:?}", props.picture)}>
            {svg}
            <figcaption>{caption}</figcaption>
        </figure>
    }
}
