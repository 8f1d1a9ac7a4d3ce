//! runtime.main's init phases (proc.go main → doInit): the runtime's own packages first, then
//! every other package in the linker's order. Bridges `inittask` (ordering, registration) to
//! the clock and the allocator counters for GODEBUG=inittrace.
pub fn runtime_inits() {}

pub fn package_inits() {}
