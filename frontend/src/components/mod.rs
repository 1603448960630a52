//! The page's components, one per file, each with its own `Props`. They read
//! [`app::AppCtx`] (the reducer's state and the relay service) and never talk
//! to the WebSocket directly: actions go through `relay::Relay::send`.

pub mod app;
pub mod auth_panel;
pub mod banner;
pub mod data_entry;
pub mod ftp_panel;
pub mod hello_panel;
pub mod http_panel;
pub mod new_socket;
pub mod python_transcript;
pub mod received;
pub mod select_panel;
pub mod socket_card;
pub mod timeline;
