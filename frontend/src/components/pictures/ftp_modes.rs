//! FTP's two connections: the control connection the client always opens
//! (commands and replies), and the data connection — opened by the client to
//! the port a `227` reply names (passive, PASV) or by the server to the port
//! the client's `PORT` names (active).

use super::draw::{arrow, label, sequence};
use yew::prelude::*;

const M: &str = "pic-ah-ftp";

pub fn svg() -> Html {
    let (c, s) = (110, 330);
    let body = html! {
        <>
            {arrow(M, (c, 44), (s, 44), "control: USER, PASS, LIST … (client opens)", "pic-ctl")}
            {label(220, 76, "middle", "passive (set_pasv(True), the default)", "pic-state")}
            {arrow(M, (c, 100), (s, 100), "PASV → 227 (h1,h2,h3,h4,p1,p2)", "pic-ctl")}
            {arrow(M, (c, 132), (s, 132), "data: client connects to p1·256+p2", "pic-data")}
            {label(220, 166, "middle", "active (set_pasv(False))", "pic-state")}
            {arrow(M, (c, 190), (s, 190), "PORT h1,h2,h3,h4,p1,p2 → 200", "pic-ctl")}
            {arrow(M, (s, 222), (c, 222), "data: server connects to the client", "pic-data")}
        </>
    };
    sequence(M, "FTP: control connection from the client; passive data from the client, active data from the server", 250, ((c, "client (ftplib)"), (s, "server :20021")), body)
}
