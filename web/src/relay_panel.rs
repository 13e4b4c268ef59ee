//! The live-peer panel: the page's connection to the relay and who else is in the room.

use gossip_core::relay_frame::Control;
use yew::prelude::*;

use crate::relay_link::{self, RelayEvent};

const LIVE_ROOM: &str = "lobby";

#[derive(Clone, PartialEq)]
enum RelayState {
    Connecting,
    Connected {
        id: u32,
        room: String,
        others: usize,
    },
    Down(String),
}

#[component]
pub fn RelayPanel() -> Html {
    let state = use_state(|| RelayState::Connecting);
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let on_event = {
                let state = state.clone();
                move |event| {
                    let next = match (event, &*state) {
                        (RelayEvent::Control(Control::Welcome { id, room, peers }), _) => {
                            RelayState::Connected {
                                id,
                                room,
                                others: peers.len(),
                            }
                        }
                        (
                            RelayEvent::Control(Control::Joined { .. }),
                            RelayState::Connected { id, room, others },
                        ) => RelayState::Connected {
                            id: *id,
                            room: room.clone(),
                            others: others + 1,
                        },
                        (
                            RelayEvent::Control(Control::Left { .. }),
                            RelayState::Connected { id, room, others },
                        ) => RelayState::Connected {
                            id: *id,
                            room: room.clone(),
                            others: others.saturating_sub(1),
                        },
                        (RelayEvent::Closed(reason), _) => RelayState::Down(reason),
                        (_, current) => current.clone(),
                    };
                    state.set(next);
                }
            };
            let connection = relay_link::connect(LIVE_ROOM, on_event);
            if let Err(error) = &connection {
                state.set(RelayState::Down(error.clone()));
            }
            move || drop(connection)
        });
    }
    let (class, text) = match &*state {
        RelayState::Connecting => ("pending", "Connecting to the relay...".to_string()),
        RelayState::Connected { id, room, others } => (
            "done",
            format!(
                "Connected to the relay as peer {id} in room \"{room}\" ({others} other peers)."
            ),
        ),
        RelayState::Down(reason) => ("error", format!("Relay connection {reason}.")),
    };
    html! {
        <section class="panel" aria-labelledby="relay-title">
            <h2 id="relay-title">{"Live peers (relay)"}</h2>
            <p id="relay-status" class={class}>{text}</p>
        </section>
    }
}
