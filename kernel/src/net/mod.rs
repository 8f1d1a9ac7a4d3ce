//! Sockets (Linux net/): AF_INET and AF_INET6 stream sockets over loopback and AF_UNIX stream
//! sockets, each connection a pair of in-kernel byte queues.
//!
//! - [`socket`]: the system calls (net/socket.c).
//! - [`sock`]: a socket's state, names and descriptor operations (struct socket + struct sock).
//! - [`connect`](mod@connect): connect(2).
//! - [`sockopt`]: setsockopt and getsockopt.
//! - [`addr`]: addresses across the user boundary.
//! - [`inet`]: IPv4/IPv6 loopback addresses and the port table.
//! - [`unix`]: AF_UNIX names.
//! - [`listen`]: a listener's accept queue.
//! - [`stream`]: a connection's byte queues and what each end sees of the other.
//!
//! Lock order: a socket's `inner` → the port table (`inet::PORTS`) or the AF_UNIX names →
//! a listener's state → a connection's state → the process lock (user copies) → the pollers'
//! lock → the scheduler. A socket is dropped (its connection closed) with none of them held.
pub mod addr;
pub mod connect;
pub mod inet;
pub mod listen;
pub mod sock;
pub mod socket;
pub mod sockopt;
pub mod stream;
pub mod unix;
