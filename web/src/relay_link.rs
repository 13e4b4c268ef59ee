//! The page's WebSocket to the relay: opens it, decodes the relay's control frames, hands over
//! gossip frames, and sends the node's frames.

use crate::i18n::tf;
use gossip_core::NodeId;
use gossip_relay_frame::{Control, PROTOCOL_VERSION};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// What the page learns from the relay connection.
#[derive(Clone, Debug, PartialEq)]
pub enum RelayEvent {
    Control(Control),
    /// A gossip frame, `[from][payload]`, stamped by the relay.
    Frame(Vec<u8>),
    Closed(String),
}

/// An open socket and the callbacks it holds; dropping it closes the socket.
pub struct RelayConnection {
    socket: WebSocket,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl RelayConnection {
    /// Sends a frame `[to][payload]`; a closed socket drops it (gossip tolerates loss).
    pub fn send(&self, frame: &[u8]) {
        if self.socket.ready_state() == WebSocket::OPEN {
            let _ = self.socket.send_with_u8_array(frame);
        }
    }
}

impl Drop for RelayConnection {
    fn drop(&mut self) {
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        let _ = self.socket.close();
    }
}

/// The relay's WebSocket URL for `room`, on the host that served the page, with the protocol
/// this page speaks. The tab asks for the room's traffic ([`Control::Traffic`]) to draw the
/// messages between the other peers, and with `record` for a recording of the room.
pub fn relay_url(room: &str, id: Option<NodeId>, record: bool) -> Result<String, String> {
    let location = web_sys::window().ok_or("no window")?.location();
    let scheme = match location
        .protocol()
        .map_err(|_| "no page protocol")?
        .as_str()
    {
        "https:" => "wss",
        _ => "ws",
    };
    let host = location.host().map_err(|_| "no page host")?;
    let id = id.map(|id| format!("&id={id}")).unwrap_or_default();
    let record = if record { "&record=true" } else { "" };
    Ok(format!(
        "{scheme}://{host}/ws?room={room}&protocol={PROTOCOL_VERSION}{id}&traffic=true{record}"
    ))
}

pub fn connect(
    room: &str,
    id: Option<NodeId>,
    record: bool,
    on_event: impl Fn(RelayEvent) + Clone + 'static,
) -> Result<RelayConnection, String> {
    let socket = WebSocket::new(&relay_url(room, id, record)?)
        .map_err(|e| tf("relay.cannot_open", &[("error", &format!("{e:?}"))]))?;
    socket.set_binary_type(web_sys::BinaryType::Arraybuffer);

    let on_message = {
        let on_event = on_event.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            if let Some(text) = data.as_string() {
                match serde_json::from_str::<Control>(&text) {
                    Ok(control) => on_event(RelayEvent::Control(control)),
                    Err(error) => web_sys::console::warn_1(
                        &format!("relay sent an unknown control frame: {error}").into(),
                    ),
                }
            } else if let Ok(buffer) = data.dyn_into::<js_sys::ArrayBuffer>() {
                on_event(RelayEvent::Frame(js_sys::Uint8Array::new(&buffer).to_vec()));
            }
        })
    };
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
        on_event(RelayEvent::Closed(tf(
            "relay.closed",
            &[("code", &event.code())],
        )));
    });
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    Ok(RelayConnection {
        socket,
        _on_message: on_message,
        _on_close: on_close,
    })
}
