//! The kernel's panic handler: log where and why, then end the run as a kernel panic.

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    crate::smp::stop_others();
    crate::logger::enter_fault();
    match info.location() {
        Some(at) => log::error!("PANIC at {}:{}:{}: {}", at.file(), at.line(), at.column(), info.message()),
        None => log::error!("PANIC: {}", info.message()),
    }
    crate::control::kernel_panic("rust panic in the kernel")
}
