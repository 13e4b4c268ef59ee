//! The page's WebSocket to the relay: opens it, decodes the relay's control frames and reports
//! them. Gossip payloads will flow through the same socket in live mode.

use gossip_core::relay_frame::Control;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// What the view learns about the relay connection.
#[derive(Clone, Debug, PartialEq)]
pub enum RelayEvent {
    Control(Control),
    Closed(String),
}

/// An open socket and the callbacks it holds; dropping it closes the socket.
pub struct RelayConnection {
    socket: WebSocket,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for RelayConnection {
    fn drop(&mut self) {
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        let _ = self.socket.close();
    }
}

/// The relay's WebSocket URL for `room`, on the host that served the page.
pub fn relay_url(room: &str) -> Result<String, String> {
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
    Ok(format!("{scheme}://{host}/ws?room={room}"))
}

pub fn connect(
    room: &str,
    on_event: impl Fn(RelayEvent) + Clone + 'static,
) -> Result<RelayConnection, String> {
    let socket = WebSocket::new(&relay_url(room)?)
        .map_err(|e| format!("cannot open the relay socket: {e:?}"))?;
    socket.set_binary_type(web_sys::BinaryType::Arraybuffer);

    let on_message = {
        let on_event = on_event.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return; // gossip payloads: not used by this view yet
            };
            match serde_json::from_str::<Control>(&text) {
                Ok(control) => on_event(RelayEvent::Control(control)),
                Err(error) => web_sys::console::warn_1(
                    &format!("relay sent an unknown control frame: {error}").into(),
                ),
            }
        })
    };
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
        on_event(RelayEvent::Closed(format!(
            "closed (code {})",
            event.code()
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
