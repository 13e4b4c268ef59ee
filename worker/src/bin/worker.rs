//! Entry point of the worker script: registers the simulation reactor.

use gossip_worker::SimReactor;
use yew_agent::Registrable;

fn main() {
    SimReactor::registrar().register();
}
