//! Entry point of the worker script: registers the simulation reactor.

use gossip_worker::{JsonCodec, SimReactor};
use yew_agent::Registrable;

fn main() {
    // A panic in the worker shows its message in the console instead of a bare "unreachable".
    console_error_panic_hook::set_once();
    SimReactor::registrar().encoding::<JsonCodec>().register();
}
