//! Integration tests: the real `ccfail` binary in a sealed environment (see `support`),
//! driving a real tmux server on a private socket.

mod bad_input;
mod generated;
mod hooks;
mod state_concurrency;
mod status_doctor;
mod support;
mod tmux_layer;
