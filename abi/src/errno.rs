//! errno values (`include/uapi/asm-generic/errno-base.h`, `errno.h`). System calls return them
//! negated in RAX; [`name`] gives the symbolic name strace prints.

/// Operation not permitted
pub const EPERM: isize = 1;
/// No such file or directory
pub const ENOENT: isize = 2;
/// No such process
pub const ESRCH: isize = 3;
/// Interrupted system call
pub const EINTR: isize = 4;
/// I/O error
pub const EIO: isize = 5;
/// No such device or address
pub const ENXIO: isize = 6;
/// Argument list too long
pub const E2BIG: isize = 7;
/// Exec format error
pub const ENOEXEC: isize = 8;
/// Bad file number
pub const EBADF: isize = 9;
/// No child processes
pub const ECHILD: isize = 10;
/// Try again
pub const EAGAIN: isize = 11;
/// Out of memory
pub const ENOMEM: isize = 12;
/// Permission denied
pub const EACCES: isize = 13;
/// Bad address
pub const EFAULT: isize = 14;
/// Block device required
pub const ENOTBLK: isize = 15;
/// Device or resource busy
pub const EBUSY: isize = 16;
/// File exists
pub const EEXIST: isize = 17;
/// Cross-device link
pub const EXDEV: isize = 18;
/// No such device
pub const ENODEV: isize = 19;
/// Not a directory
pub const ENOTDIR: isize = 20;
/// Is a directory
pub const EISDIR: isize = 21;
/// Invalid argument
pub const EINVAL: isize = 22;
/// File table overflow
pub const ENFILE: isize = 23;
/// Too many open files
pub const EMFILE: isize = 24;
/// Not a typewriter
pub const ENOTTY: isize = 25;
/// Text file busy
pub const ETXTBSY: isize = 26;
/// File too large
pub const EFBIG: isize = 27;
/// No space left on device
pub const ENOSPC: isize = 28;
/// Illegal seek
pub const ESPIPE: isize = 29;
/// Read-only file system
pub const EROFS: isize = 30;
/// Too many links
pub const EMLINK: isize = 31;
/// Broken pipe
pub const EPIPE: isize = 32;
/// Math argument out of domain of func
pub const EDOM: isize = 33;
/// Math result not representable
pub const ERANGE: isize = 34;
/// Resource deadlock would occur
pub const EDEADLK: isize = 35;
/// File name too long
pub const ENAMETOOLONG: isize = 36;
/// No record locks available
pub const ENOLCK: isize = 37;
/// Invalid system call number
pub const ENOSYS: isize = 38;
/// Directory not empty
pub const ENOTEMPTY: isize = 39;
/// Too many symbolic links encountered
pub const ELOOP: isize = 40;
/// No message of desired type
pub const ENOMSG: isize = 42;
/// Identifier removed
pub const EIDRM: isize = 43;
/// Channel number out of range
pub const ECHRNG: isize = 44;
/// Level 2 not synchronized
pub const EL2NSYNC: isize = 45;
/// Level 3 halted
pub const EL3HLT: isize = 46;
/// Level 3 reset
pub const EL3RST: isize = 47;
/// Link number out of range
pub const ELNRNG: isize = 48;
/// Protocol driver not attached
pub const EUNATCH: isize = 49;
/// No CSI structure available
pub const ENOCSI: isize = 50;
/// Level 2 halted
pub const EL2HLT: isize = 51;
/// Invalid exchange
pub const EBADE: isize = 52;
/// Invalid request descriptor
pub const EBADR: isize = 53;
/// Exchange full
pub const EXFULL: isize = 54;
/// No anode
pub const ENOANO: isize = 55;
/// Invalid request code
pub const EBADRQC: isize = 56;
/// Invalid slot
pub const EBADSLT: isize = 57;
/// Bad font file format
pub const EBFONT: isize = 59;
/// Device not a stream
pub const ENOSTR: isize = 60;
/// No data available
pub const ENODATA: isize = 61;
/// Timer expired
pub const ETIME: isize = 62;
/// Out of streams resources
pub const ENOSR: isize = 63;
/// Machine is not on the network
pub const ENONET: isize = 64;
/// Package not installed
pub const ENOPKG: isize = 65;
/// Object is remote
pub const EREMOTE: isize = 66;
/// Link has been severed
pub const ENOLINK: isize = 67;
/// Advertise error
pub const EADV: isize = 68;
/// Srmount error
pub const ESRMNT: isize = 69;
/// Communication error on send
pub const ECOMM: isize = 70;
/// Protocol error
pub const EPROTO: isize = 71;
/// Multihop attempted
pub const EMULTIHOP: isize = 72;
/// RFS specific error
pub const EDOTDOT: isize = 73;
/// Not a data message
pub const EBADMSG: isize = 74;
/// Value too large for defined data type
pub const EOVERFLOW: isize = 75;
/// Name not unique on network
pub const ENOTUNIQ: isize = 76;
/// File descriptor in bad state
pub const EBADFD: isize = 77;
/// Remote address changed
pub const EREMCHG: isize = 78;
/// Can not access a needed shared library
pub const ELIBACC: isize = 79;
/// Accessing a corrupted shared library
pub const ELIBBAD: isize = 80;
/// .lib section in a.out corrupted
pub const ELIBSCN: isize = 81;
/// Attempting to link in too many shared libraries
pub const ELIBMAX: isize = 82;
/// Cannot exec a shared library directly
pub const ELIBEXEC: isize = 83;
/// Illegal byte sequence
pub const EILSEQ: isize = 84;
/// Interrupted system call should be restarted
pub const ERESTART: isize = 85;
/// Streams pipe error
pub const ESTRPIPE: isize = 86;
/// Too many users
pub const EUSERS: isize = 87;
/// Socket operation on non-socket
pub const ENOTSOCK: isize = 88;
/// Destination address required
pub const EDESTADDRREQ: isize = 89;
/// Message too long
pub const EMSGSIZE: isize = 90;
/// Protocol wrong type for socket
pub const EPROTOTYPE: isize = 91;
/// Protocol not available
pub const ENOPROTOOPT: isize = 92;
/// Protocol not supported
pub const EPROTONOSUPPORT: isize = 93;
/// Socket type not supported
pub const ESOCKTNOSUPPORT: isize = 94;
/// Operation not supported on transport endpoint
pub const EOPNOTSUPP: isize = 95;
/// Protocol family not supported
pub const EPFNOSUPPORT: isize = 96;
/// Address family not supported by protocol
pub const EAFNOSUPPORT: isize = 97;
/// Address already in use
pub const EADDRINUSE: isize = 98;
/// Cannot assign requested address
pub const EADDRNOTAVAIL: isize = 99;
/// Network is down
pub const ENETDOWN: isize = 100;
/// Network is unreachable
pub const ENETUNREACH: isize = 101;
/// Network dropped connection because of reset
pub const ENETRESET: isize = 102;
/// Software caused connection abort
pub const ECONNABORTED: isize = 103;
/// Connection reset by peer
pub const ECONNRESET: isize = 104;
/// No buffer space available
pub const ENOBUFS: isize = 105;
/// Transport endpoint is already connected
pub const EISCONN: isize = 106;
/// Transport endpoint is not connected
pub const ENOTCONN: isize = 107;
/// Cannot send after transport endpoint shutdown
pub const ESHUTDOWN: isize = 108;
/// Too many references: cannot splice
pub const ETOOMANYREFS: isize = 109;
/// Connection timed out
pub const ETIMEDOUT: isize = 110;
/// Connection refused
pub const ECONNREFUSED: isize = 111;
/// Host is down
pub const EHOSTDOWN: isize = 112;
/// No route to host
pub const EHOSTUNREACH: isize = 113;
/// Operation already in progress
pub const EALREADY: isize = 114;
/// Operation now in progress
pub const EINPROGRESS: isize = 115;
/// Stale file handle
pub const ESTALE: isize = 116;
/// Structure needs cleaning
pub const EUCLEAN: isize = 117;
/// Not a XENIX named type file
pub const ENOTNAM: isize = 118;
/// No XENIX semaphores available
pub const ENAVAIL: isize = 119;
/// Is a named type file
pub const EISNAM: isize = 120;
/// Remote I/O error
pub const EREMOTEIO: isize = 121;
/// Quota exceeded
pub const EDQUOT: isize = 122;
/// No medium found
pub const ENOMEDIUM: isize = 123;
/// Wrong medium type
pub const EMEDIUMTYPE: isize = 124;
/// Operation Canceled
pub const ECANCELED: isize = 125;
/// Required key not available
pub const ENOKEY: isize = 126;
/// Key has expired
pub const EKEYEXPIRED: isize = 127;
/// Key has been revoked
pub const EKEYREVOKED: isize = 128;
/// Key was rejected by service
pub const EKEYREJECTED: isize = 129;
/// Owner died
pub const EOWNERDEAD: isize = 130;
/// State not recoverable
pub const ENOTRECOVERABLE: isize = 131;
/// Operation not possible due to RF-kill
pub const ERFKILL: isize = 132;
/// Memory page has hardware error
pub const EHWPOISON: isize = 133;
/// Same value as EAGAIN on Linux.
pub const EWOULDBLOCK: isize = EAGAIN;
/// Same value as EDEADLK on Linux.
pub const EDEADLOCK: isize = EDEADLK;
/// Kernel-internal restart codes (`include/linux/errno.h`): never seen by a program, which gets EINTR
/// or a restarted call instead.
pub const ERESTARTSYS: isize = 512;
pub const ERESTARTNOINTR: isize = 513;
pub const ERESTARTNOHAND: isize = 514;
pub const ERESTART_RESTARTBLOCK: isize = 516;

/// The largest errno a system call can return: results in -4095..-1 are errors.
pub const MAX_ERRNO: isize = 4095;

/// The symbolic name of an errno value, as strace prints it.
pub const fn name(e: isize) -> Option<&'static str> {
    Some(match e {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        ESRCH => "ESRCH",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        E2BIG => "E2BIG",
        ENOEXEC => "ENOEXEC",
        EBADF => "EBADF",
        ECHILD => "ECHILD",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        ENOTBLK => "ENOTBLK",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        EXDEV => "EXDEV",
        ENODEV => "ENODEV",
        ENOTDIR => "ENOTDIR",
        EISDIR => "EISDIR",
        EINVAL => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        ENOTTY => "ENOTTY",
        ETXTBSY => "ETXTBSY",
        EFBIG => "EFBIG",
        ENOSPC => "ENOSPC",
        ESPIPE => "ESPIPE",
        EROFS => "EROFS",
        EMLINK => "EMLINK",
        EPIPE => "EPIPE",
        EDOM => "EDOM",
        ERANGE => "ERANGE",
        EDEADLK => "EDEADLK",
        ENAMETOOLONG => "ENAMETOOLONG",
        ENOLCK => "ENOLCK",
        ENOSYS => "ENOSYS",
        ENOTEMPTY => "ENOTEMPTY",
        ELOOP => "ELOOP",
        ENOMSG => "ENOMSG",
        EIDRM => "EIDRM",
        ECHRNG => "ECHRNG",
        EL2NSYNC => "EL2NSYNC",
        EL3HLT => "EL3HLT",
        EL3RST => "EL3RST",
        ELNRNG => "ELNRNG",
        EUNATCH => "EUNATCH",
        ENOCSI => "ENOCSI",
        EL2HLT => "EL2HLT",
        EBADE => "EBADE",
        EBADR => "EBADR",
        EXFULL => "EXFULL",
        ENOANO => "ENOANO",
        EBADRQC => "EBADRQC",
        EBADSLT => "EBADSLT",
        EBFONT => "EBFONT",
        ENOSTR => "ENOSTR",
        ENODATA => "ENODATA",
        ETIME => "ETIME",
        ENOSR => "ENOSR",
        ENONET => "ENONET",
        ENOPKG => "ENOPKG",
        EREMOTE => "EREMOTE",
        ENOLINK => "ENOLINK",
        EADV => "EADV",
        ESRMNT => "ESRMNT",
        ECOMM => "ECOMM",
        EPROTO => "EPROTO",
        EMULTIHOP => "EMULTIHOP",
        EDOTDOT => "EDOTDOT",
        EBADMSG => "EBADMSG",
        EOVERFLOW => "EOVERFLOW",
        ENOTUNIQ => "ENOTUNIQ",
        EBADFD => "EBADFD",
        EREMCHG => "EREMCHG",
        ELIBACC => "ELIBACC",
        ELIBBAD => "ELIBBAD",
        ELIBSCN => "ELIBSCN",
        ELIBMAX => "ELIBMAX",
        ELIBEXEC => "ELIBEXEC",
        EILSEQ => "EILSEQ",
        ERESTART => "ERESTART",
        ESTRPIPE => "ESTRPIPE",
        EUSERS => "EUSERS",
        ENOTSOCK => "ENOTSOCK",
        EDESTADDRREQ => "EDESTADDRREQ",
        EMSGSIZE => "EMSGSIZE",
        EPROTOTYPE => "EPROTOTYPE",
        ENOPROTOOPT => "ENOPROTOOPT",
        EPROTONOSUPPORT => "EPROTONOSUPPORT",
        ESOCKTNOSUPPORT => "ESOCKTNOSUPPORT",
        EOPNOTSUPP => "EOPNOTSUPP",
        EPFNOSUPPORT => "EPFNOSUPPORT",
        EAFNOSUPPORT => "EAFNOSUPPORT",
        EADDRINUSE => "EADDRINUSE",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        ENETDOWN => "ENETDOWN",
        ENETUNREACH => "ENETUNREACH",
        ENETRESET => "ENETRESET",
        ECONNABORTED => "ECONNABORTED",
        ECONNRESET => "ECONNRESET",
        ENOBUFS => "ENOBUFS",
        EISCONN => "EISCONN",
        ENOTCONN => "ENOTCONN",
        ESHUTDOWN => "ESHUTDOWN",
        ETOOMANYREFS => "ETOOMANYREFS",
        ETIMEDOUT => "ETIMEDOUT",
        ECONNREFUSED => "ECONNREFUSED",
        EHOSTDOWN => "EHOSTDOWN",
        EHOSTUNREACH => "EHOSTUNREACH",
        EALREADY => "EALREADY",
        EINPROGRESS => "EINPROGRESS",
        ESTALE => "ESTALE",
        EUCLEAN => "EUCLEAN",
        ENOTNAM => "ENOTNAM",
        ENAVAIL => "ENAVAIL",
        EISNAM => "EISNAM",
        EREMOTEIO => "EREMOTEIO",
        EDQUOT => "EDQUOT",
        ENOMEDIUM => "ENOMEDIUM",
        EMEDIUMTYPE => "EMEDIUMTYPE",
        ECANCELED => "ECANCELED",
        ENOKEY => "ENOKEY",
        EKEYEXPIRED => "EKEYEXPIRED",
        EKEYREVOKED => "EKEYREVOKED",
        EKEYREJECTED => "EKEYREJECTED",
        EOWNERDEAD => "EOWNERDEAD",
        ENOTRECOVERABLE => "ENOTRECOVERABLE",
        ERFKILL => "ERFKILL",
        EHWPOISON => "EHWPOISON",
        ERESTARTSYS => "ERESTARTSYS",
        ERESTARTNOINTR => "ERESTARTNOINTR",
        ERESTARTNOHAND => "ERESTARTNOHAND",
        ERESTART_RESTARTBLOCK => "ERESTART_RESTARTBLOCK",
        _ => return None,
    })
}

/// The message glibc's `strerror` gives (what strace prints in parentheses), for the errno values
/// a syscall of rt0's can return; None for the rest.
pub const fn describe(e: isize) -> Option<&'static str> {
    Some(match e {
        ERESTARTSYS => "To be restarted if SA_RESTART is set",
        ERESTARTNOINTR => "To be restarted",
        ERESTARTNOHAND => "To be restarted if no handler",
        ERESTART_RESTARTBLOCK => "Interrupted by signal",
        EPERM => "Operation not permitted",
        ENOENT => "No such file or directory",
        ESRCH => "No such process",
        EINTR => "Interrupted system call",
        EIO => "Input/output error",
        E2BIG => "Argument list too long",
        EBADF => "Bad file descriptor",
        ECHILD => "No child processes",
        EAGAIN => "Resource temporarily unavailable",
        ENOMEM => "Cannot allocate memory",
        EACCES => "Permission denied",
        EFAULT => "Bad address",
        EBUSY => "Device or resource busy",
        EEXIST => "File exists",
        ENOTDIR => "Not a directory",
        EISDIR => "Is a directory",
        EINVAL => "Invalid argument",
        EMFILE => "Too many open files",
        ENOTTY => "Inappropriate ioctl for device",
        ENOSPC => "No space left on device",
        ESPIPE => "Illegal seek",
        EPIPE => "Broken pipe",
        ERANGE => "Numerical result out of range",
        ENOSYS => "Function not implemented",
        ETIMEDOUT => "Connection timed out",
        ENOTSOCK => "Socket operation on non-socket",
        EDESTADDRREQ => "Destination address required",
        ENOPROTOOPT => "Protocol not available",
        EPROTONOSUPPORT => "Protocol not supported",
        ESOCKTNOSUPPORT => "Socket type not supported",
        EOPNOTSUPP => "Operation not supported",
        EAFNOSUPPORT => "Address family not supported by protocol",
        EADDRINUSE => "Address already in use",
        EADDRNOTAVAIL => "Cannot assign requested address",
        ENETUNREACH => "Network is unreachable",
        ECONNABORTED => "Software caused connection abort",
        ECONNRESET => "Connection reset by peer",
        EISCONN => "Transport endpoint is already connected",
        ENOTCONN => "Transport endpoint is not connected",
        ECONNREFUSED => "Connection refused",
        EALREADY => "Operation already in progress",
        EINPROGRESS => "Operation now in progress",
        _ => return None,
    })
}
